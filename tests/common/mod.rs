//! Starts the real application on a loopback port with its own temporary database.
#![allow(dead_code)]

use jinri::server::{cli, Config};
use std::sync::Arc;

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
    let db = format!("sqlite://{}", dir.join("jinri.db").display());
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
    pub async fn db(&self) -> sqlx::SqlitePool {
        let dir = self.dir.as_ref().expect("a server with its own temporary database");
        sqlx::SqlitePool::connect(&format!("sqlite://{}", dir.path().join("jinri.db").display())).await.unwrap()
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
        let (_, html) = self.get("/channel/world").await;
        let title = "乌克兰局势紧张之际,拜登普京通话:相约面谈(图)";
        let at = html.find(title).expect("seed article listed under 国际");
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

impl TestServer {
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
