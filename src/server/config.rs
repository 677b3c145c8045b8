//! The site's runtime configuration: `Leptos.toml` with environment overrides.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;

#[derive(Clone, Debug)]
pub struct Config {
    pub addr: SocketAddr,
    pub site_root: String,
    pub page_cache_entries: usize,
    pub client_timeout_secs: u64,
    pub handler_timeout_secs: u64,
    /// Page renders at once on each lane, one lane per worker thread (`server::render_gate`,
    /// `server::listen`); 0: `render_gate::DEFAULT_TURNS` (32).
    pub render_concurrency: usize,
    /// IPv6 clients are counted by this many leading bits of their address (`request::client_key`).
    pub ipv6_prefix: u8,
    /// Proxies whose forwarded client address is believed (`proxies`); empty: none.
    pub trusted_proxies: Vec<super::proxies::Network>,
    pub database_url: String,
    pub max_connections: u32,
    pub busy_timeout_ms: u64,
    pub seed_demo: bool,
    pub auth: AuthConfig,
    pub comments: CommentsConfig,
    pub max_streams_per_ip: usize,
    /// Live events are kept this many days for readers to resume from, then pruned.
    pub keep_events_days: i64,
    pub site: SiteConfig,
}

#[derive(Clone, Debug)]
pub struct CommentsConfig {
    pub max_chars: usize,
    pub min_interval_secs: i64,
    /// Likes (and likes taken back) per reader per minute.
    pub likes_per_minute: i64,
}

#[derive(Clone, Debug)]
pub struct AuthConfig {
    pub session_idle_secs: i64,
    pub session_max_secs: i64,
    pub login_window_secs: i64,
    /// Failed logins per account *from one client* per window before 429.
    pub login_failures_per_account: i64,
    pub login_failures_per_ip: i64,
    /// Failed logins per account from anywhere per window after which every attempt on the
    /// account waits `login_delay_ms` before its password is checked (slowed, never refused).
    pub login_delay_after_account_failures: i64,
    pub login_delay_ms: u64,
    pub registrations_per_ip_per_hour: i64,
    pub hash_concurrency: usize,
}

impl Config {
    /// Served over https: cookies get `Secure` and the `__Host-` prefix.
    pub fn https(&self) -> bool {
        self.site.base_url.starts_with("https://")
    }
}

#[derive(Clone, Debug)]
pub struct SiteConfig {
    pub name: String,
    pub slogan: String,
    pub timezone: chrono_tz::Tz,
    pub base_url: String,
    pub phone: String,
    pub email_contact: String,
    pub email_business: String,
    pub email_tips: String,
    pub copyright: String,
}

/// A configuration problem, always naming the key so the operator knows what to fix.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read configuration file {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("configuration file {path} is not valid TOML: {message}")]
    Syntax { path: String, message: String },
    #[error("configuration key `{key}` is missing (set it in Leptos.toml or {env})")]
    Missing { key: String, env: String },
    #[error("configuration key `{key}` has a bad value {value:?}: {reason}")]
    Invalid { key: String, value: String, reason: String },
}

/// Flattened `section.key` → value, with environment overrides applied.
struct Source {
    values: BTreeMap<String, String>,
    origin: BTreeMap<String, String>,
}

impl Source {
    fn raw(&self, key: &str) -> Result<&str, ConfigError> {
        self.values
            .get(key)
            .map(String::as_str)
            .ok_or_else(|| ConfigError::Missing { key: key.to_owned(), env: env_name(key) })
    }

    fn string(&self, key: &str) -> Result<String, ConfigError> {
        let v = self.raw(key)?.trim();
        if v.is_empty() {
            return Err(self.invalid(key, v, "must not be empty"));
        }
        Ok(v.to_owned())
    }

    fn parse<T: std::str::FromStr>(&self, key: &str, what: &str) -> Result<T, ConfigError> {
        let v = self.raw(key)?.trim();
        v.parse().map_err(|_| self.invalid(key, v, what))
    }

    /// A whole number of at least 1.
    fn positive(&self, key: &str) -> Result<i64, ConfigError> {
        self.whole(key, 1, "must be a whole number")
    }

    /// A whole number from `min` to 10^9 (about 31 years in seconds): larger values would make
    /// time arithmetic (`last + interval - now`) overflow.
    fn whole(&self, key: &str, min: i64, what: &str) -> Result<i64, ConfigError> {
        let n: i64 = self.parse(key, what)?;
        if !(min..=MAX_NUMBER).contains(&n) {
            return Err(self.invalid(key, &n.to_string(), &format!("must be from {min} to {MAX_NUMBER}")));
        }
        Ok(n)
    }

    fn invalid(&self, key: &str, value: &str, reason: &str) -> ConfigError {
        let from = self.origin.get(key).cloned().unwrap_or_default();
        ConfigError::Invalid { key: key.to_owned(), value: value.to_owned(), reason: format!("{reason} (from {from})") }
    }
}

/// `server.addr` → `JINRI_SERVER_ADDR`.
pub fn env_name(key: &str) -> String {
    format!("JINRI_{}", key.replace('.', "_").to_uppercase())
}

/// Environment variables that Leptos and sqlx users already know, and the key each sets.
/// They win over the JINRI_ names.
const WELL_KNOWN_ENV: [(&str, &str); 3] =
    [("LEPTOS_SITE_ADDR", "server.addr"), ("LEPTOS_SITE_ROOT", "server.site_root"), ("DATABASE_URL", "database.url")];

impl Config {
    /// Reads the file named by `JINRI_CONFIG` (default `Leptos.toml`) and the environment.
    pub fn load() -> Result<Config, ConfigError> {
        let path = std::env::var("JINRI_CONFIG").unwrap_or_else(|_| "Leptos.toml".to_owned());
        let text = if Path::new(&path).exists() {
            std::fs::read_to_string(&path).map_err(|source| ConfigError::Read { path: path.clone(), source })?
        } else if std::env::var_os("JINRI_CONFIG").is_some() {
            return Err(ConfigError::Read {
                path,
                source: std::io::Error::new(std::io::ErrorKind::NotFound, "file not found"),
            });
        } else {
            // Without a file, every key must come from the environment.
            String::new()
        };
        Self::from_parts(&path, &text, std::env::vars())
    }

    /// Builds the configuration from file text and an environment; separate from `load`
    /// so tests can check every rule without touching the process environment.
    pub fn from_parts(
        path: &str,
        text: &str,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Config, ConfigError> {
        let table: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| ConfigError::Syntax { path: path.to_owned(), message: e.to_string() })?;
        let mut values = BTreeMap::new();
        let mut origin = BTreeMap::new();
        for (section, body) in &table {
            let toml::Value::Table(body) = body else {
                return Err(ConfigError::Syntax {
                    path: path.to_owned(),
                    message: format!("`{section}` must be a [section]"),
                });
            };
            for (k, v) in body {
                let key = format!("{section}.{k}");
                let text = match v {
                    toml::Value::String(s) => s.clone(),
                    toml::Value::Integer(i) => i.to_string(),
                    toml::Value::Float(f) => f.to_string(),
                    toml::Value::Boolean(b) => b.to_string(),
                    other => other.to_string(),
                };
                origin.insert(key.clone(), path.to_owned());
                values.insert(key, text);
            }
        }
        let env: BTreeMap<String, String> = env.into_iter().collect();
        for key in KEYS {
            if let Some(v) = env.get(&env_name(key)) {
                values.insert(key.to_owned(), v.clone());
                origin.insert(key.to_owned(), env_name(key));
            }
        }
        for (var, key) in WELL_KNOWN_ENV {
            if let Some(v) = env.get(var) {
                values.insert(key.to_owned(), v.clone());
                origin.insert(key.to_owned(), var.to_owned());
            }
        }
        if let Some(unknown) = values.keys().find(|k| !KEYS.contains(&k.as_str())) {
            return Err(ConfigError::Invalid {
                key: unknown.clone(),
                value: values[unknown].clone(),
                reason: format!("unknown key in {path}; known keys: {}", KEYS.join(", ")),
            });
        }
        let src = Source { values, origin };

        let database_url = src.string("database.url")?;
        let postgres = database_url.starts_with("postgres://") || database_url.starts_with("postgresql://");
        if !postgres && (!database_url.starts_with("sqlite:") || database_url.contains(":memory:")) {
            return Err(src.invalid(
                "database.url",
                &database_url,
                "must be a sqlite:// file URL or a postgres:// URL",
            ));
        }
        let max_connections: u32 = src.parse("database.max_connections", "must be a whole number")?;
        if !(1..=256).contains(&max_connections) {
            return Err(src.invalid("database.max_connections", &max_connections.to_string(), "must be 1 to 256"));
        }
        let base_url = src.string("site.base_url")?.trim_end_matches('/').to_owned();
        if !(base_url.starts_with("http://") || base_url.starts_with("https://")) {
            return Err(src.invalid("site.base_url", &base_url, "must start with http:// or https://"));
        }
        let ipv6_prefix = src.whole("server.ipv6_prefix", 1, "must be a whole number of bits")?;
        if ipv6_prefix > 128 {
            return Err(src.invalid("server.ipv6_prefix", &ipv6_prefix.to_string(), "must be 1 to 128"));
        }
        let ipv6_prefix = ipv6_prefix as u8;
        let proxies = src.raw("server.trusted_proxies")?;
        let trusted_proxies =
            super::proxies::parse_list(proxies).map_err(|e| src.invalid("server.trusted_proxies", proxies, &e))?;
        let keep_events_days = src.whole("live.keep_events_days", 1, "must be a whole number of days")?;
        // In seconds it must stay within what time arithmetic takes (`whole`).
        if keep_events_days > MAX_NUMBER / 86_400 {
            let reason = format!("must be from 1 to {}", MAX_NUMBER / 86_400);
            return Err(src.invalid("live.keep_events_days", &keep_events_days.to_string(), &reason));
        }
        Ok(Config {
            addr: src.parse("server.addr", "must be an address such as 127.0.0.1:3000")?,
            site_root: src.string("server.site_root")?,
            client_timeout_secs: src.positive("server.client_timeout_secs")? as u64,
            handler_timeout_secs: src.positive("server.handler_timeout_secs")? as u64,
            render_concurrency: src.whole(
                "server.render_concurrency",
                0,
                "must be a whole number of pages (0: twice the worker threads)",
            )? as usize,
            ipv6_prefix,
            trusted_proxies,
            page_cache_entries: src
                .parse("server.page_cache_entries", "must be a whole number (0 turns the cache off)")?,
            database_url,
            max_connections,
            busy_timeout_ms: src.parse("database.busy_timeout_ms", "must be a whole number of milliseconds")?,
            seed_demo: src.parse("database.seed_demo", "must be true or false")?,
            auth: AuthConfig {
                session_idle_secs: src.positive("auth.session_idle_secs")?,
                session_max_secs: src.positive("auth.session_max_secs")?,
                login_window_secs: src.positive("auth.login_window_secs")?,
                login_failures_per_account: src.positive("auth.login_failures_per_account")?,
                login_failures_per_ip: src.positive("auth.login_failures_per_ip")?,
                login_delay_after_account_failures: src.positive("auth.login_delay_after_account_failures")?,
                login_delay_ms: src.whole("auth.login_delay_ms", 0, "must be a whole number of milliseconds")? as u64,
                registrations_per_ip_per_hour: src.positive("auth.registrations_per_ip_per_hour")?,
                hash_concurrency: src.positive("auth.hash_concurrency")? as usize,
            },
            comments: CommentsConfig {
                max_chars: src.positive("comments.max_chars")? as usize,
                min_interval_secs: src.whole("comments.min_interval_secs", 0, "must be a whole number of seconds")?,
                likes_per_minute: src.positive("comments.likes_per_minute")?,
            },
            max_streams_per_ip: src.positive("live.max_streams_per_ip")? as usize,
            keep_events_days,
            site: SiteConfig {
                name: src.string("site.name")?,
                slogan: src.string("site.slogan")?,
                timezone: src.parse("site.timezone", "must be an IANA time zone such as Australia/Sydney")?,
                base_url,
                phone: src.string("site.phone")?,
                email_contact: src.string("site.email_contact")?,
                email_business: src.string("site.email_business")?,
                email_tips: src.string("site.email_tips")?,
                copyright: src.string("site.copyright")?,
            },
        })
    }
}

/// Largest number a count or duration key accepts.
const MAX_NUMBER: i64 = 1_000_000_000;

/// Every key the site reads. An unknown key is an error: a typo must not be silently ignored.
pub const KEYS: [&str; 35] = [
    "server.addr",
    "server.site_root",
    "server.page_cache_entries",
    "server.client_timeout_secs",
    "server.handler_timeout_secs",
    "server.render_concurrency",
    "server.ipv6_prefix",
    "server.trusted_proxies",
    "database.url",
    "database.max_connections",
    "database.busy_timeout_ms",
    "database.seed_demo",
    "auth.session_idle_secs",
    "auth.session_max_secs",
    "auth.login_window_secs",
    "auth.login_failures_per_account",
    "auth.login_failures_per_ip",
    "auth.login_delay_after_account_failures",
    "auth.login_delay_ms",
    "auth.registrations_per_ip_per_hour",
    "auth.hash_concurrency",
    "comments.max_chars",
    "comments.min_interval_secs",
    "comments.likes_per_minute",
    "live.max_streams_per_ip",
    "live.keep_events_days",
    "site.name",
    "site.slogan",
    "site.timezone",
    "site.base_url",
    "site.phone",
    "site.email_contact",
    "site.email_business",
    "site.email_tips",
    "site.copyright",
];

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = include_str!("../../Leptos.toml");

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn the_shipped_leptos_toml_is_a_complete_configuration() {
        let c = Config::from_parts("Leptos.toml", FILE, env(&[])).unwrap();
        assert_eq!(c.addr.to_string(), "127.0.0.1:3000");
        assert_eq!(c.site.timezone, chrono_tz::Australia::Sydney);
        assert_eq!(c.database_url, "sqlite://data/jinri.db");
    }

    #[test]
    fn jinri_variables_override_the_file() {
        let c = Config::from_parts(
            "Leptos.toml",
            FILE,
            env(&[("JINRI_SITE_TIMEZONE", "Asia/Shanghai"), ("JINRI_DATABASE_MAX_CONNECTIONS", "3")]),
        )
        .unwrap();
        assert_eq!(c.site.timezone, chrono_tz::Asia::Shanghai);
        assert_eq!(c.max_connections, 3);
    }

    #[test]
    fn leptos_site_addr_and_database_url_override_too() {
        let c = Config::from_parts(
            "Leptos.toml",
            FILE,
            env(&[
                ("JINRI_SERVER_ADDR", "127.0.0.1:1"),
                ("LEPTOS_SITE_ADDR", "0.0.0.0:8080"),
                ("DATABASE_URL", "sqlite:///tmp/x.db"),
            ]),
        )
        .unwrap();
        assert_eq!(c.addr.to_string(), "0.0.0.0:8080");
        assert_eq!(c.database_url, "sqlite:///tmp/x.db");
    }

    #[test]
    fn a_bad_value_names_its_key() {
        let err = Config::from_parts("Leptos.toml", FILE, env(&[("JINRI_SITE_TIMEZONE", "Mars/Olympus")]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("site.timezone"), "{err}");
        assert!(err.contains("JINRI_SITE_TIMEZONE"), "{err}");
        let err =
            Config::from_parts("Leptos.toml", FILE, env(&[("LEPTOS_SITE_ADDR", "nowhere")])).unwrap_err().to_string();
        assert!(err.contains("server.addr"), "{err}");
    }

    #[test]
    fn numbers_too_large_for_time_arithmetic_are_refused() {
        for (var, key) in [
            ("JINRI_AUTH_LOGIN_WINDOW_SECS", "auth.login_window_secs"),
            ("JINRI_COMMENTS_MIN_INTERVAL_SECS", "comments.min_interval_secs"),
            ("JINRI_SERVER_CLIENT_TIMEOUT_SECS", "server.client_timeout_secs"),
        ] {
            let err = Config::from_parts("Leptos.toml", FILE, env(&[(var, "9223372036854775807")])).unwrap_err();
            assert!(err.to_string().contains(key), "{err}");
            assert!(Config::from_parts("Leptos.toml", FILE, env(&[(var, "1000000000")])).is_ok(), "{var}");
        }
    }

    #[test]
    fn a_missing_key_names_its_key_and_variable() {
        let text = FILE.replace("slogan =", "# slogan =");
        let err = Config::from_parts("Leptos.toml", &text, env(&[])).unwrap_err().to_string();
        assert!(err.contains("site.slogan") && err.contains("JINRI_SITE_SLOGAN"), "{err}");
    }

    #[test]
    fn auth_limits_must_be_positive() {
        let err = Config::from_parts("Leptos.toml", FILE, env(&[("JINRI_AUTH_LOGIN_WINDOW_SECS", "0")]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("auth.login_window_secs"), "{err}");
    }

    #[test]
    fn live_events_are_kept_30_days_unless_configured_and_never_0_days() {
        let c = Config::from_parts("Leptos.toml", FILE, env(&[])).unwrap();
        assert_eq!(c.keep_events_days, 30);
        let c = Config::from_parts("Leptos.toml", FILE, env(&[("JINRI_LIVE_KEEP_EVENTS_DAYS", "7")])).unwrap();
        assert_eq!(c.keep_events_days, 7);
        for bad in ["0", "-1", "11575", "1.5"] {
            let err =
                Config::from_parts("Leptos.toml", FILE, env(&[("JINRI_LIVE_KEEP_EVENTS_DAYS", bad)])).unwrap_err();
            assert!(err.to_string().contains("live.keep_events_days"), "{bad}: {err}");
        }
    }

    #[test]
    fn the_ipv6_prefix_is_1_to_128_bits() {
        let c = Config::from_parts("Leptos.toml", FILE, env(&[])).unwrap();
        assert_eq!(c.ipv6_prefix, 64);
        for bad in ["0", "129", "64.5"] {
            let err = Config::from_parts("Leptos.toml", FILE, env(&[("JINRI_SERVER_IPV6_PREFIX", bad)])).unwrap_err();
            assert!(err.to_string().contains("server.ipv6_prefix"), "{bad}: {err}");
        }
        let c = Config::from_parts("Leptos.toml", FILE, env(&[("JINRI_SERVER_IPV6_PREFIX", "128")])).unwrap();
        assert_eq!(c.ipv6_prefix, 128);
    }

    #[test]
    fn trusted_proxies_are_a_list_of_addresses_and_networks_none_by_default() {
        let c = Config::from_parts("Leptos.toml", FILE, env(&[])).unwrap();
        assert!(c.trusted_proxies.is_empty());
        let c =
            Config::from_parts("Leptos.toml", FILE, env(&[("JINRI_SERVER_TRUSTED_PROXIES", "127.0.0.1, 10.0.0.0/8")]))
                .unwrap();
        assert_eq!(c.trusted_proxies.len(), 2);
        let err = Config::from_parts("Leptos.toml", FILE, env(&[("JINRI_SERVER_TRUSTED_PROXIES", "proxy.example")]))
            .unwrap_err();
        assert!(err.to_string().contains("server.trusted_proxies"), "{err}");
    }

    #[test]
    fn https_is_decided_by_the_public_address() {
        let plain = Config::from_parts("Leptos.toml", FILE, env(&[])).unwrap();
        assert!(!plain.https());
        let tls =
            Config::from_parts("Leptos.toml", FILE, env(&[("JINRI_SITE_BASE_URL", "https://jinri.example")])).unwrap();
        assert!(tls.https());
    }

    #[test]
    fn an_unknown_key_is_refused() {
        let text = format!("{FILE}\n[extra]\ncolour = \"red\"\n");
        let err = Config::from_parts("Leptos.toml", &text, env(&[])).unwrap_err().to_string();
        assert!(err.contains("extra.colour"), "{err}");
    }

    #[test]
    fn broken_toml_is_reported_with_the_file_name() {
        let err = Config::from_parts("my.toml", "[server\naddr=", env(&[])).unwrap_err().to_string();
        assert!(err.contains("my.toml"), "{err}");
    }

    #[test]
    fn only_sqlite_files_and_postgres_urls_are_accepted_as_database() {
        for url in ["mysql://x", "sqlite::memory:", "data/jinri.db"] {
            let err = Config::from_parts("Leptos.toml", FILE, env(&[("DATABASE_URL", url)])).unwrap_err().to_string();
            assert!(err.contains("database.url"), "{err}");
        }
        for url in ["postgres://jinri@db.example/jinri", "postgresql://jinri@127.0.0.1:5433/jinri"] {
            let c = Config::from_parts("Leptos.toml", FILE, env(&[("DATABASE_URL", url)])).unwrap();
            assert_eq!(c.database_url, url);
        }
    }
}
