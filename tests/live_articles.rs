//! Open pages hear the newsroom: a front or channel page's stream (`/api/articles/stream`)
//! says the newest ids when it opens and again when an article is published or withdrawn, in
//! its own scope only; an open article's comment stream says when the article is corrected or
//! withdrawn. Through another process on the same database just the same.
#![cfg(feature = "ssr")]

mod common;

use common::TestServer;
use futures::StreamExt;
use jinri::model::{Role, Username};
use jinri::server::db;
use serde_json::Value;
use std::time::Duration;

use common::MANY;

/// Server-Sent Events as (kind, data), read from a response as they come.
struct Events {
    stream: futures::stream::BoxStream<'static, reqwest::Result<axum::body::Bytes>>,
    buf: String,
}

impl Events {
    async fn open(s: &TestServer, path: &str) -> Events {
        let resp = s.client.get(format!("{}{path}", s.base)).timeout(Duration::from_secs(60)).send().await.unwrap();
        assert_eq!(resp.status(), 200, "{path}");
        assert_eq!(resp.headers()["content-type"], "text/event-stream");
        Events { stream: resp.bytes_stream().boxed(), buf: String::new() }
    }

    /// The next event of kind `kind` within `within`, skipping others.
    async fn next(&mut self, kind: &str, within: Duration) -> Option<Value> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            while let Some(end) = self.buf.find("\n\n") {
                let block: String = self.buf.drain(..end + 2).collect();
                let event = block.lines().find_map(|l| l.strip_prefix("event: ")).unwrap_or("message");
                let data = block.lines().find_map(|l| l.strip_prefix("data: "));
                if let (true, Some(data)) = (event == kind, data) {
                    return Some(serde_json::from_str(data).unwrap());
                }
            }
            match tokio::time::timeout_at(deadline, self.stream.next()).await {
                Ok(Some(Ok(chunk))) => self.buf.push_str(&String::from_utf8_lossy(&chunk)),
                _ => return None,
            }
        }
    }
}

fn ids(v: &Value) -> Vec<i64> {
    v.as_array().unwrap().iter().map(|i| i.as_i64().unwrap()).collect()
}

async fn save(s: &TestServer, cookie: &str, id: &str, channel: &str, body: &str) -> String {
    let form = [
        ("id", id),
        ("title", "直播测试新闻"),
        ("channel", channel),
        ("summary", "摘要"),
        ("source", "今日"),
        ("original_url", ""),
        ("body", body),
    ];
    let resp = s.call("/api/newsroom/save", &form, Some(cookie)).await;
    assert_eq!(resp.status(), 200);
    resp.json::<Value>().await.unwrap().as_i64().unwrap().to_string()
}

async fn publish(s: &TestServer, cookie: &str, id: &str) {
    assert_eq!(s.call("/api/newsroom/publish", &[("id", id), ("at", "")], Some(cookie)).await.status(), 200);
}

const SOON: Duration = Duration::from_secs(5);

#[tokio::test]
async fn an_open_list_hears_publications_and_withdrawals_in_its_own_scope() {
    let s = common::spawn_with(&MANY).await;
    let chief = s.editor("bian_ji_live").await;
    let mut site = Events::open(&s, "/api/articles/stream").await;
    let mut au = Events::open(&s, "/api/articles/stream?channel=au").await;
    let mut life = Events::open(&s, "/api/articles/stream?channel=life").await;
    // Each says its scope's newest ids at once.
    let before = ids(&site.next("articles", SOON).await.expect("the site's newest"));
    assert!(!before.is_empty() && before.len() <= 30);
    let au_before = ids(&au.next("articles", SOON).await.expect("au's newest"));
    let life_before = ids(&life.next("articles", SOON).await.expect("life's newest"));
    assert!(au_before.iter().all(|id| !life_before.contains(id)));
    // A draft is not news.
    let id = save(&s, &chief, "", "au", "正文").await;
    let n: i64 = id.parse().unwrap();
    publish(&s, &chief, &id).await;
    let after = ids(&site.next("articles", SOON).await.expect("the publication heard"));
    assert_eq!(after[0], n, "newest first");
    assert_eq!(&after[1..], &before[..after.len() - 1]);
    assert_eq!(ids(&au.next("articles", SOON).await.expect("in its channel"))[0], n);
    assert_eq!(life.next("articles", Duration::from_millis(2500)).await, None, "another channel hears nothing");
    // A correction changes no list; a withdrawal takes the article off.
    save(&s, &chief, &id, "au", "改过的正文").await;
    assert_eq!(site.next("articles", Duration::from_millis(2500)).await, None);
    assert_eq!(s.call("/api/newsroom/withdraw", &[("id", &id)], Some(&chief)).await.status(), 200);
    assert_eq!(ids(&site.next("articles", SOON).await.expect("the withdrawal heard")), before);
    // Only the site's channels.
    let resp = s.client.get(format!("{}/api/articles/stream?channel=nope", s.base)).send().await.unwrap();
    assert_eq!(resp.status(), 404);
}

#[tokio::test]
async fn an_open_article_hears_its_correction_and_its_withdrawal_and_no_other_article_does() {
    let s = common::spawn_with(&MANY).await;
    let chief = s.editor("bian_ji_gengzheng").await;
    let id = save(&s, &chief, "", "life", "初稿").await;
    publish(&s, &chief, &id).await;
    let other = save(&s, &chief, "", "life", "另一篇").await;
    publish(&s, &chief, &other).await;
    let mut page = Events::open(&s, &format!("/api/comments/stream?article_id={id}")).await;
    let mut elsewhere = Events::open(&s, &format!("/api/comments/stream?article_id={other}")).await;
    // Each stream says its article's state first.
    let opened = page.next("article", SOON).await.expect("the state at once");
    assert_eq!(opened["state"], "published");
    // Let both streams' watcher take its first look before the change, and the clock pass
    // the publications' times (a change in the same second as the one before it is stamped a
    // second later).
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let t = jinri::server::time::now_unix();
    assert!(opened["updated"].as_i64().unwrap() < t);
    save(&s, &chief, &id, "life", "更正后的正文").await;
    // The watcher's first look may repeat the publication (pages ignore what they have).
    let mut notice = page.next("article", SOON).await.expect("the correction heard");
    if notice["updated"].as_i64().unwrap() < t {
        assert_eq!(notice, opened);
        notice = page.next("article", SOON).await.expect("the correction heard");
    }
    assert_eq!(notice["state"], "published");
    assert!(notice["updated"].as_i64().unwrap() >= t);
    assert_eq!(s.call("/api/newsroom/withdraw", &[("id", &id)], Some(&chief)).await.status(), 200);
    let mut notice = page.next("article", SOON).await.expect("the withdrawal heard");
    // A look may report the correction again first.
    if notice["state"] == "published" {
        notice = page.next("article", SOON).await.expect("the withdrawal heard");
    }
    assert_eq!(notice["state"], "withdrawn");
    // The other page may hear its own recent publication again (pages ignore what they
    // have), never this article's correction or withdrawal.
    while let Some(notice) = elsewhere.next("article", Duration::from_millis(1500)).await {
        assert_eq!(notice["state"], "published");
        assert!(notice["updated"].as_i64().unwrap() < t, "{notice}");
    }
    // The comment stream still works as before: a comment arrives as one.
    let reader = s.reader("du_zhe_live").await;
    let resp = s.call("/api/comments/post", &[("article_id", &other), ("body", "还在吗")], Some(&reader)).await;
    assert_eq!(resp.status(), 200);
    let event = elsewhere.next("comment", SOON).await.expect("the comment");
    assert!(event["change"]["Created"].to_string().contains("还在吗"), "{event}");
}

/// A change made after the page was rendered but before its stream opened (or while it was
/// reconnecting) is broadcast to nobody who comes later: the stream's first frame says it. An
/// open page ignores a notice no newer than what it shows, and times are whole seconds: each
/// change, even the third in one second, carries a newer time than the one before it, or a
/// page rendered in that second would never hear it.
#[tokio::test]
async fn a_stream_opened_after_changes_says_the_latest_first_each_newer_than_the_last() {
    let s = common::spawn_with(&MANY).await;
    let chief = s.editor("bian_ji_houlai").await;
    let id = save(&s, &chief, "", "life", "初稿").await;
    publish(&s, &chief, &id).await;
    let path = format!("/api/comments/stream?article_id={id}&after=0");
    let updated = |v: &Value| v["updated"].as_i64().unwrap();
    let mut last = state_first(&s, &path).await;
    assert_eq!(last["state"], "published");
    for body in ["第一次更正", "第二次更正", "第三次更正"] {
        save(&s, &chief, &id, "life", body).await;
        let now = state_first(&s, &path).await;
        assert_eq!(now["state"], "published");
        assert!(updated(&now) > updated(&last), "{now} after {last}");
        last = now;
    }
    assert_eq!(s.call("/api/newsroom/withdraw", &[("id", &id)], Some(&chief)).await.status(), 200);
    let withdrawn = state_first(&s, &path).await;
    assert_eq!(withdrawn["state"], "withdrawn");
    assert!(updated(&withdrawn) > updated(&last), "{withdrawn} after {last}");
    publish(&s, &chief, &id).await;
    let again = state_first(&s, &path).await;
    assert_eq!(again["state"], "published");
    assert!(updated(&again) > updated(&withdrawn), "{again} after {withdrawn}");
}

/// The first frame of a comment stream opened now: its article's state.
async fn state_first(s: &TestServer, path: &str) -> Value {
    Events::open(s, path).await.next("article", SOON).await.expect("the article's state at once")
}

#[tokio::test]
async fn a_publication_through_one_process_reaches_lists_open_on_another() {
    let dir = tempfile::tempdir().unwrap();
    let a = common::spawn_at_with(dir.path(), &MANY).await;
    let b = common::spawn_at(dir.path()).await;
    let cookie = a.reader("bian_ji_liang").await;
    let pool = common::open(&common::database_url(dir.path()).await).await;
    db::roles::grant(&pool, &Username::lookup_key("bian_ji_liang"), Role::Editor, None, 1).await.unwrap();
    let mut list = Events::open(&b, "/api/articles/stream?channel=finance").await;
    list.next("articles", SOON).await.expect("the newest at once");
    let id = save(&a, &cookie, "", "finance", "正文").await;
    publish(&a, &cookie, &id).await;
    let heard = ids(&list.next("articles", SOON).await.expect("heard through the other process"));
    assert_eq!(heard[0].to_string(), id);
}

#[tokio::test]
async fn list_streams_count_against_the_same_per_address_cap_as_comment_streams() {
    let s = common::spawn_with(&[("JINRI_LIVE_MAX_STREAMS_PER_IP", "2")]).await;
    let _a = Events::open(&s, "/api/articles/stream").await;
    let _b = Events::open(&s, "/api/articles/stream?channel=au").await;
    for path in ["/api/articles/stream?channel=life", "/api/comments/stream?article_id=1"] {
        let resp = s.client.get(format!("{}{path}", s.base)).send().await.unwrap();
        assert_eq!(resp.status(), 429, "{path}");
        assert!(resp.headers().contains_key("retry-after"));
    }
    // Another address has its own.
    let other = s.seen_from("127.0.0.2");
    let _c = Events::open(&other, "/api/articles/stream").await;
    // A stream given back makes room.
    drop(_a);
    let mut again = None;
    for _ in 0..50 {
        let resp = s.client.get(format!("{}/api/articles/stream", s.base)).send().await.unwrap();
        if resp.status() == 200 {
            again = Some(resp);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(again.is_some(), "the slot came back");
}
