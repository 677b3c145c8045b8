//! Faults of the database and its disk: the reader gets a clear 503 in Chinese, what can still
//! be served is served, and nothing already saved is lost. These are SQLite's faults: they run
//! on a SQLite file whatever the tests' backend.
#![cfg(feature = "ssr")]

mod common;

use common::TestServer;
use sqlx::{ConnectOptions, Connection};
use std::str::FromStr;

const PASSWORD: &str = "今日新闻真好看2021";

async fn register(s: &TestServer, name: &str) -> reqwest::Response {
    s.call("/api/auth/register", &[("name", name), ("password", PASSWORD)], None).await
}

fn cookie_of(resp: &reqwest::Response) -> String {
    let c = resp.headers()["set-cookie"].to_str().unwrap();
    c.split(';').next().unwrap().to_owned()
}

async fn post(s: &TestServer, cookie: &str, body: &str) -> reqwest::Response {
    s.call("/api/comments/post", &[("article_id", "1"), ("body", body)], Some(cookie)).await
}

/// The answer is a 503 with `Retry-After`, carrying the error the page shows as
/// 服务暂时不可用,请稍后再试.
async fn assert_unavailable(resp: reqwest::Response) {
    assert_eq!(resp.status(), 503);
    assert!(resp.headers().contains_key("retry-after"));
    let error: jinri::model::AppError = resp.json().await.unwrap();
    assert_eq!(error, jinri::model::AppError::Unavailable);
    assert!(error.to_string().starts_with("服务暂时不可用，请稍后再试"));
}

async fn total(s: &TestServer) -> i64 {
    let resp = s.call("/api/comments/list", &[("article_id", "1"), ("sort", "new"), ("page", "1")], None).await;
    let page: serde_json::Value = resp.json().await.unwrap();
    page["total"].as_i64().unwrap()
}

async fn stored_bodies(s: &TestServer) -> Vec<String> {
    let resp = s.call("/api/comments/list", &[("article_id", "1"), ("sort", "new"), ("page", "1")], None).await;
    let page: serde_json::Value = resp.json().await.unwrap();
    page["comments"].as_array().unwrap().iter().map(|c| c["body"].as_str().unwrap_or("").to_owned()).collect()
}

#[tokio::test]
async fn while_another_process_holds_the_write_lock_posts_get_503_and_pages_are_still_served() {
    let dir = tempfile::tempdir().unwrap();
    let s = common::spawn_sqlite_at_with(
        dir.path(),
        &[("JINRI_DATABASE_BUSY_TIMEOUT_MS", "200"), ("JINRI_COMMENTS_MIN_INTERVAL_SECS", "0")],
    )
    .await;
    let resp = register(&s, "锁住的读者").await;
    assert_eq!(resp.status(), 200);
    let cookie = cookie_of(&resp);
    assert_eq!(post(&s, &cookie, "锁之前的评论").await.status(), 200);
    // Another process takes the write lock and keeps it.
    let url = format!("sqlite://{}", dir.path().join("jinri.db").display());
    let mut other = url.parse::<sqlx::sqlite::SqliteConnectOptions>().unwrap().connect().await.unwrap();
    let mut tx = other.begin_with("BEGIN IMMEDIATE").await.unwrap();
    sqlx::query("UPDATE articles SET title = title WHERE id = 1").execute(&mut *tx).await.unwrap();
    assert_unavailable(post(&s, &cookie, "锁住时的评论").await).await;
    let (status, html) = s.get("/article/1").await;
    assert_eq!(status, 200, "reading goes on while writing waits");
    assert!(html.contains("锁之前的评论"));
    tx.rollback().await.unwrap();
    assert_eq!(post(&s, &cookie, "锁之后的评论").await.status(), 200);
    let bodies = stored_bodies(&s).await;
    assert!(bodies.contains(&"锁之前的评论".to_owned()) && bodies.contains(&"锁之后的评论".to_owned()));
    assert!(!bodies.contains(&"锁住时的评论".to_owned()), "a refused comment is not half-saved");
}

#[tokio::test]
async fn on_a_read_only_database_pages_are_served_and_writes_get_503() {
    let dir = tempfile::tempdir().unwrap();
    {
        let s = common::spawn_sqlite_at_with(dir.path(), &[]).await;
        assert_eq!(s.get("/article/1").await.0, 200);
    }
    let ro = format!("sqlite://{}?mode=ro", dir.path().join("jinri.db").display());
    let s = common::spawn_sqlite_at_with(dir.path(), &[("DATABASE_URL", &ro)]).await;
    let (status, html) = s.get("/article/1").await;
    assert_eq!(status, 200);
    assert!(html.contains("评论"));
    assert_unavailable(register(&s, "只读的读者").await).await;
    assert_eq!(s.get("/healthz").await.0, 200, "the database still answers reads");
}

/// A small tmpfs for the database, unmounted when dropped.
struct SmallDisk(std::path::PathBuf);

impl SmallDisk {
    fn mount(size: &str) -> Option<SmallDisk> {
        let dir = tempfile::tempdir().unwrap().keep();
        let ok = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(&dir)
            .status()
            .is_ok_and(|s| s.success());
        ok.then_some(SmallDisk(dir))
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        // Lazily: the test's server, on the shared runtime, may still hold the database open.
        let _ = std::process::Command::new("umount").arg("-l").arg(&self.0).status();
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[tokio::test]
async fn when_the_disk_is_full_posts_get_503_and_nothing_saved_is_lost() {
    let Some(disk) = SmallDisk::mount("3m") else {
        // Mounting needs root; scripts/test.sh runs as root on the CI machine.
        eprintln!("SKIPPED: cannot mount a tmpfs here (needs root)");
        return;
    };
    let s = common::spawn_sqlite_at_with(&disk.0, &[("JINRI_COMMENTS_MIN_INTERVAL_SECS", "0")]).await;
    let resp = register(&s, "满盘的读者").await;
    assert_eq!(resp.status(), 200);
    let cookie = cookie_of(&resp);
    let before = total(&s).await;
    // Fill what is left of the disk.
    {
        use std::io::Write;
        let mut filler = std::fs::File::create(disk.0.join("filler")).unwrap();
        let chunk = vec![0u8; 64 * 1024];
        while filler.write_all(&chunk).is_ok() {}
        let _ = filler.write_all(&chunk[..1]);
    }
    let mut acknowledged = Vec::new();
    let mut refused = None;
    for i in 0..300 {
        let body = format!("满盘测试 {i} {}", "长".repeat(1900));
        let resp = post(&s, &cookie, &body).await;
        if resp.status() == 200 {
            acknowledged.push(body);
        } else {
            refused = Some(resp);
            break;
        }
    }
    let refused = refused.expect("a full disk refuses a write at some point");
    assert_unavailable(refused).await;
    assert_eq!(s.get("/article/1").await.0, 200, "pages are still served");
    std::fs::remove_file(disk.0.join("filler")).unwrap();
    // Every pooled connection (8) gets a turn: none may stay broken by the rollback SQLite did
    // by itself when the disk filled.
    for i in 0..16 {
        let resp = post(&s, &cookie, &format!("空间恢复后的评论 {i}")).await;
        let status = resp.status();
        assert_eq!(status, 200, "post {i} after space returned: {}", resp.text().await.unwrap());
    }
    assert_eq!(total(&s).await, before + acknowledged.len() as i64 + 16, "every acknowledged comment is kept");
    let bodies = stored_bodies(&s).await;
    assert!(acknowledged.iter().rev().take(10).all(|b| bodies.contains(b)));
    assert!(bodies.contains(&"空间恢复后的评论 15".to_owned()));
    drop(s);
}

/// The top bar's stored facts (weather, exchange rate, city) cannot be read: the page is still
/// whole. The footer's contacts and the canonical link come from the configuration, written
/// without waiting for the facts (`components::footer`, `components::page_meta`); the top bar
/// shows the date without the stored facts.
#[tokio::test]
async fn when_the_stored_facts_cannot_be_read_pages_keep_their_footer_and_canonical_link() {
    let dir = tempfile::tempdir().unwrap();
    let s = common::spawn_sqlite_at_with(dir.path(), &[]).await;
    let (status, before) = s.get("/app").await;
    assert_eq!(status, 200);
    let weather = |html: &str| {
        html.split("class=\"weather\">").nth(1).map(|rest| rest.split('<').next().unwrap_or("").to_owned())
    };
    let shown = weather(&before).expect("the top bar shows the weather");
    assert!(!shown.is_empty(), "the demo site has a weather fact");
    let url = format!("sqlite://{}", dir.path().join("jinri.db").display());
    let mut c = sqlx::sqlite::SqliteConnectOptions::from_str(&url).unwrap().connect().await.unwrap();
    sqlx::query("DROP TABLE site_facts").execute(&mut c).await.unwrap();
    c.close().await.unwrap();
    // The facts are read again at most once a second (`PageCache::facts`).
    tokio::time::sleep(std::time::Duration::from_millis(1_200)).await;
    let (status, after) = s.get("/app").await;
    assert_eq!(status, 200);
    assert_eq!(weather(&after).as_deref().map(str::trim), Some(""), "the stored weather is gone from the top bar");
    assert!(after.contains("class=\"today\">"), "the top bar keeps the date");
    for part in ["href=\"tel:", "mailto:", "class=\"copyright\"", "rel=\"canonical\"", "property=\"og:url\""] {
        assert!(before.contains(part), "{part} before");
        assert!(after.contains(part), "{part} once the facts cannot be read");
    }
}
