//! Starts the real application on a loopback port with its own temporary database: a SQLite
//! file, or, when `JINRI_TEST_PG_URL` names a PostgreSQL server (scripts/test.sh starts a
//! throwaway one), a new database there. The same tests run on both.
#![allow(dead_code)]

use jinri::server::db::{self, Db};
use jinri::server::{cli, Config};
use std::sync::Arc;

/// Runs `$body` with `$p` bound to the pool of a `Db`, whichever database it is.
#[macro_export]
macro_rules! on_db {
    ($db:expr, $p:ident => $body:expr) => {
        match $db {
            jinri::server::db::Db::Sqlite(lite) => {
                let $p = &lite.pool;
                $body
            }
            jinri::server::db::Db::Pg($p) => $body,
        }
    };
}

/// The PostgreSQL server the tests run against, if any: a URL of a database on it (usually
/// `postgres`) as whose user new databases may be created.
pub fn pg_admin_url() -> Option<String> {
    std::env::var("JINRI_TEST_PG_URL").ok().filter(|u| !u.is_empty())
}

/// Which database the tests run against, for messages.
pub fn backend() -> &'static str {
    if pg_admin_url().is_some() {
        "postgres"
    } else {
        "sqlite"
    }
}

/// The database of a test server whose data lives in `dir`: the SQLite file `jinri.db` there,
/// or a PostgreSQL database made for the folder (its name kept in `dir/pg-database`, so a
/// server started again over the same folder finds the same data).
pub async fn database_url(dir: &std::path::Path) -> String {
    let Some(admin) = pg_admin_url() else { return format!("sqlite://{}", dir.join("jinri.db").display()) };
    let (base, _) = admin.rsplit_once('/').expect("JINRI_TEST_PG_URL ends with /database");
    let marker = dir.join("pg-database");
    if let Ok(name) = std::fs::read_to_string(&marker) {
        return format!("{base}/{}", name.trim());
    }
    let name = new_pg_database(&admin).await;
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(&marker, &name).unwrap();
    format!("{base}/{name}")
}

/// Creates an empty database with a random name on the PostgreSQL server `admin` points at.
pub async fn new_pg_database(admin: &str) -> String {
    use sqlx::{Connection, Executor};
    let name = format!("jinri_test_{:016x}", random_u64());
    let mut conn = sqlx::PgConnection::connect(admin).await.unwrap();
    conn.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).await.unwrap();
    conn.close().await.unwrap();
    name
}

fn random_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos());
    h.write_u32(std::process::id());
    h.finish()
}

/// Opens the database at `url` beside a server (to check or change what was stored).
pub async fn open(url: &str) -> Db {
    db::connect(url, 2, std::time::Duration::from_secs(5)).await.unwrap()
}

/// A number the statement reads (a count, an id).
pub async fn scalar(db: &Db, sql: &'static str) -> i64 {
    on_db!(db, p => sqlx::query_scalar(sql).fetch_one(p).await.unwrap())
}

/// The texts the statement reads (a NULL reads as `None`).
pub async fn texts(db: &Db, sql: &'static str) -> Vec<Option<String>> {
    on_db!(db, p => sqlx::query_scalar(sql).fetch_all(p).await.unwrap())
}

/// Runs a statement; how many rows it changed.
pub async fn execute(db: &Db, sql: &'static str) -> u64 {
    on_db!(db, p => sqlx::query(sql).execute(p).await.unwrap().rows_affected())
}

pub struct TestServer {
    pub base: String,
    pub client: reqwest::Client,
    /// Keeps a temporary database alive as long as the server.
    pub dir: Option<tempfile::TempDir>,
}

pub const LEPTOS_TOML: &str = include_str!("../../Leptos.toml");

/// Tests in one binary run one at a time (`--test-threads=1`, see scripts/test.sh): with
/// several apps rendering in one process a request hung now and then, which a real server,
/// one app per process, does not do (`many_concurrent_readers_all_get_their_pages` and the
/// load benchmarks exercise one app under concurrency).
///
/// All test servers run on one multi-threaded runtime that lives as long as the test process,
/// as in production (one runtime, many concurrent requests). Each test's own runtime only
/// drives its client, so a finished test cannot take a server's tasks down with it.
fn server_runtime() -> &'static tokio::runtime::Runtime {
    static RT: std::sync::OnceLock<tokio::runtime::Runtime> = std::sync::OnceLock::new();
    RT.get_or_init(|| tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap())
}

/// A server on 127.0.0.1:0 over a fresh database (seeded with the demo content).
pub async fn spawn() -> TestServer {
    spawn_with(&[]).await
}

/// Like `spawn`, with configuration overrides (`JINRI_…` variables).
pub async fn spawn_with(overrides: &[(&str, &str)]) -> TestServer {
    let dir = tempfile::tempdir().unwrap();
    let mut server = spawn_at_with(dir.path(), overrides).await;
    server.dir = Some(dir);
    server
}

/// A server over the database in folder `dir` (created if missing).
pub async fn spawn_at(dir: &std::path::Path) -> TestServer {
    spawn_at_with(dir, &[]).await
}

pub async fn spawn_at_with(dir: &std::path::Path, overrides: &[(&str, &str)]) -> TestServer {
    spawn_on(database_url(dir).await, overrides).await
}

/// A server over the SQLite file `jinri.db` in `dir`, whatever the tests' backend (for tests of
/// SQLite's own faults: its write lock, a read-only file, a full disk).
pub async fn spawn_sqlite_at_with(dir: &std::path::Path, overrides: &[(&str, &str)]) -> TestServer {
    spawn_on(format!("sqlite://{}", dir.join("jinri.db").display()), overrides).await
}

/// A server over the database at URL `db`.
pub async fn spawn_on(db: String, overrides: &[(&str, &str)]) -> TestServer {
    let mut env = vec![
        ("DATABASE_URL".to_owned(), db),
        ("JINRI_SERVER_ADDR".to_owned(), "127.0.0.1:0".to_owned()),
        ("JINRI_SITE_BASE_URL".to_owned(), "https://jinri.test".to_owned()),
    ];
    env.extend(overrides.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let config = Arc::new(Config::from_parts("Leptos.toml", LEPTOS_TOML, env).unwrap());
    let (tx, rx) = tokio::sync::oneshot::channel();
    server_runtime().spawn(async move {
        let router = cli::app(config).await.unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        tx.send(listener.local_addr().unwrap()).unwrap();
        axum::serve(listener, router.into_make_service_with_connect_info::<std::net::SocketAddr>()).await.unwrap()
    });
    let addr = rx.await.unwrap();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(20))
        .build()
        .unwrap();
    TestServer { base: format!("http://{addr}"), client, dir: None }
}

impl TestServer {
    /// The same server as seen by a client at another loopback address (`127.0.0.2`, …): the
    /// server counts it as another client. Linux routes all of 127.0.0.0/8 to loopback.
    pub fn seen_from(&self, ip: &str) -> TestServer {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(20))
            .local_address(ip.parse::<std::net::IpAddr>().unwrap())
            .build()
            .unwrap();
        TestServer { base: self.base.clone(), client, dir: None }
    }

    /// The server's database, opened beside it (to check what was stored).
    pub async fn db(&self) -> Db {
        let dir = self.dir.as_ref().expect("a server with its own temporary database");
        open(&database_url(dir.path()).await).await
    }

    /// GET a path; returns the status and the body with Leptos' hydration markers removed,
    /// so assertions read like the text a reader sees in the source.
    pub async fn get(&self, path: &str) -> (u16, String) {
        let resp = self.client.get(format!("{}{path}", self.base)).send().await.unwrap();
        let status = resp.status().as_u16();
        (status, strip_comments(&resp.text().await.unwrap()))
    }

    /// POSTs a form to a server function as the browser bundle does (JSON reply).
    pub async fn call(&self, endpoint: &str, form: &[(&str, &str)], cookie: Option<&str>) -> reqwest::Response {
        let mut req =
            self.client.post(format!("{}{endpoint}", self.base)).form(form).header("accept", "application/json");
        if let Some(c) = cookie {
            req = req.header("cookie", c);
        }
        req.send().await.unwrap()
    }

    /// The id of the seed article, found through the sitemap.
    pub async fn seed_article_path(&self) -> String {
        self.article_path("world", "乌克兰局势紧张之际,拜登普京通话:相约面谈(图)").await
    }

    /// The address of the demo article with this title, as its channel's page lists it.
    pub async fn article_path(&self, channel: &str, title: &str) -> String {
        let (_, html) = self.get(&format!("/channel/{channel}")).await;
        let at = html.find(title).unwrap_or_else(|| panic!("{title} is not listed under {channel}"));
        let before = &html[..at];
        let start = before.rfind("/article/").unwrap();
        let end = start + before[start..].find('"').unwrap();
        before[start..end].to_owned()
    }
}

/// The password the test readers register with (it passes the strength check).
pub const PASSWORD: &str = "今日新闻真好看2021";

/// The `name=value` of the first cookie a response sets whose text holds `needle`.
pub fn set_cookie_pair(resp: &reqwest::Response, needle: &str) -> Option<String> {
    resp.headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.contains(needle))
        .map(|c| c.split(';').next().unwrap().to_owned())
}

/// Overrides for a test that registers many readers from one address.
pub const MANY: [(&str, &str); 1] = [("JINRI_AUTH_REGISTRATIONS_PER_IP_PER_HOUR", "1000")];

impl TestServer {
    /// Registers a reader who is an editor; returns their session cookie.
    pub async fn editor(&self, name: &str) -> String {
        let cookie = self.reader(name).await;
        let key = jinri::model::Username::lookup_key(name);
        jinri::server::db::roles::grant(&self.db().await, &key, jinri::model::Role::Editor, None, 1).await.unwrap();
        cookie
    }

    /// Registers a reader (with `PASSWORD`) and returns their session cookie.
    pub async fn reader(&self, name: &str) -> String {
        let resp = self.call("/api/auth/register", &[("name", name), ("password", PASSWORD)], None).await;
        assert_eq!(resp.status(), 200, "{:?}", resp.headers());
        set_cookie_pair(&resp, "jinri_session").expect("a session cookie")
    }
}

/// Removes `<!-- … -->` and `<!>` markers.
pub fn strip_comments(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    loop {
        match (rest.find("<!--"), rest.find("<!>")) {
            (Some(c), m) if m.is_none_or(|m| c < m) => {
                out.push_str(&rest[..c]);
                match rest[c..].find("-->") {
                    Some(end) => rest = &rest[c + end + 3..],
                    None => return out,
                }
            }
            (_, Some(m)) => {
                out.push_str(&rest[..m]);
                rest = &rest[m + 3..];
            }
            _ => {
                out.push_str(rest);
                return out;
            }
        }
    }
}

/// Percent-encodes a query value, as the site's own links do.
pub fn encode(s: &str) -> String {
    jinri::model::encode_query(s)
}

/// Reads a comment stream's events (`event: comment`; the newsroom's `event: article` notices
/// are skipped) until `want` arrived or the time is up.
pub async fn read_events(resp: reqwest::Response, want: usize, within: std::time::Duration) -> Vec<serde_json::Value> {
    use futures::StreamExt;
    let mut stream = resp.bytes_stream();
    let mut buf = String::new();
    let mut events = Vec::new();
    let deadline = tokio::time::Instant::now() + within;
    while events.len() < want {
        let chunk = match tokio::time::timeout_at(deadline, stream.next()).await {
            Ok(Some(Ok(c))) => c,
            _ => break,
        };
        buf.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buf.find("\n\n") {
            let block: String = buf.drain(..end + 2).collect();
            if block.lines().any(|l| l == "event: article") {
                continue;
            }
            if let Some(data) = block.lines().find_map(|l| l.strip_prefix("data: ").or_else(|| l.strip_prefix("data:")))
            {
                events.push(serde_json::from_str(data).unwrap());
            }
        }
    }
    events
}
