//! The configuration parser: TOML text (`Leptos.toml` or the file `JINRI_CONFIG` names) plus
//! `JINRI_*` and the well-known environment overrides, through `Config::from_parts`, which
//! `Config::load` calls with the real file and environment.
//!
//! Properties:
//! - any text and environment give `Ok` or an error, never a panic, and the same answer twice;
//! - an error names what to fix: a syntax error names the file, a missing key names the key and
//!   its `JINRI_` variable, a bad value names a key;
//! - an accepted configuration keeps the documented rules: a sqlite file URL, 1..=256
//!   connections, an http(s) base URL without a trailing `/`, limits of at least 1, text
//!   values trimmed and not empty, and environment values win over the file.
#![no_main]

use jinri::server::config::{env_name, Config, ConfigError, KEYS};
use libfuzzer_sys::fuzz_target;

const SHIPPED: &str = include_str!("../../Leptos.toml");
const WELL_KNOWN: [&str; 3] = ["LEPTOS_SITE_ADDR", "LEPTOS_SITE_ROOT", "DATABASE_URL"];

// The input, readable so seeds can be written by hand: a first byte (odd: start from the
// shipped `Leptos.toml` and append the text), then the TOML text, then environment variables,
// each after a NUL: `NAME=value`, or without `=` a variable picked by its first character
// (one of the site's, `JINRI_*` or well-known) whose value is the rest.
fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    let all = String::from_utf8_lossy(rest);
    let mut parts = all.split('\0');
    let own = parts.next().unwrap_or_default();
    let text = if mode & 1 == 1 { format!("{SHIPPED}\n{own}") } else { own.to_owned() };
    let names: Vec<String> = KEYS.iter().map(|k| env_name(k)).chain(WELL_KNOWN.iter().map(|s| s.to_string())).collect();
    let env: Vec<(String, String)> = parts
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (k.to_owned(), v.to_owned()),
            None => {
                let mut chars = p.chars();
                let pick = chars.next().map_or(0, |c| c as usize);
                (names[pick % names.len()].clone(), chars.as_str().to_owned())
            }
        })
        .collect();

    let result = Config::from_parts("fuzz.toml", &text, env.clone());
    let again = Config::from_parts("fuzz.toml", &text, env.clone());
    assert_eq!(format!("{result:?}"), format!("{again:?}"), "not deterministic");

    // The last value of a variable is the one seen (as with a map built from the pairs).
    let var = |name: &str| env.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    match result {
        Ok(c) => {
            assert!(c.database_url.starts_with("sqlite:") && !c.database_url.contains(":memory:"), "{c:?}");
            assert!((1..=256).contains(&c.max_connections));
            let base = &c.site.base_url;
            assert!(base.starts_with("http://") || base.starts_with("https://"), "{base:?}");
            assert!(!base.ends_with('/'), "{base:?}");
            assert_eq!(c.https(), base.starts_with("https://"));
            let a = &c.auth;
            for n in [
                a.session_idle_secs,
                a.session_max_secs,
                a.login_window_secs,
                a.login_failures_per_account,
                a.login_failures_per_ip,
                a.registrations_per_ip_per_hour,
            ] {
                assert!(n >= 1, "{a:?}");
            }
            assert!(a.hash_concurrency >= 1 && c.comments.max_chars >= 1 && c.max_streams_per_ip >= 1);
            let s = &c.site;
            for v in [
                &c.site_root,
                &s.name,
                &s.slogan,
                &s.phone,
                &s.email_contact,
                &s.email_business,
                &s.email_tips,
                &s.copyright,
            ] {
                assert!(!v.is_empty() && v.trim() == v, "{v:?}");
            }
            if let Some(v) = var("JINRI_SITE_NAME") {
                assert_eq!(s.name, v.trim(), "the environment does not win");
            }
            if let Some(v) = var("LEPTOS_SITE_ROOT") {
                assert_eq!(c.site_root, v.trim(), "LEPTOS_SITE_ROOT does not win");
            }
        }
        Err(e) => {
            let msg = e.to_string();
            match &e {
                ConfigError::Read { .. } => panic!("from_parts reads no file: {msg}"),
                ConfigError::Syntax { path, .. } => assert!(msg.contains(path.as_str()), "{msg}"),
                ConfigError::Missing { key, env } => {
                    assert!(KEYS.contains(&key.as_str()), "{msg}");
                    assert_eq!(env, &env_name(key));
                    assert!(msg.contains(key.as_str()) && msg.contains(env.as_str()), "{msg}");
                }
                ConfigError::Invalid { key, .. } => assert!(!key.is_empty() && msg.contains(key.as_str()), "{msg}"),
            }
        }
    }
});
