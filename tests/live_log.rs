//! The live log over time: what the background pruning drops and keeps, and how a reader
//! resumes when what it missed is no longer in the log (it is told to read the thread again,
//! never an error or a silent gap), or resumes all at once with many others.
#![cfg(feature = "ssr")]

mod common;

use common::TestServer;
use jinri::server::{cli, Config};
use serde_json::Value;
use std::time::Duration;

const NO_WAIT: [(&str, &str); 2] =
    [("JINRI_COMMENTS_MIN_INTERVAL_SECS", "0"), ("JINRI_AUTH_REGISTRATIONS_PER_IP_PER_HOUR", "1000")];

fn config() -> Config {
    Config::from_parts("Leptos.toml", common::LEPTOS_TOML, Vec::new()).unwrap()
}

async fn post(s: &TestServer, cookie: &str, article: i64, body: &str) -> Value {
    let a = article.to_string();
    let resp =
        s.call("/api/comments/post", &[("article_id", &a), ("parent_id", ""), ("body", body)], Some(cookie)).await;
    assert_eq!(resp.status(), 200);
    resp.json().await.unwrap()
}

async fn first_page(s: &TestServer, article: i64) -> Value {
    let a = article.to_string();
    let resp = s.call("/api/comments/list", &[("article_id", &a), ("sort", "new"), ("page", "1")], None).await;
    resp.json().await.unwrap()
}

async fn last_event_id(s: &TestServer, article: i64) -> i64 {
    first_page(s, article).await["last_event_id"].as_i64().unwrap()
}

/// A stream as a browser reconnecting with `Last-Event-ID` opens it.
async fn resume(s: &TestServer, article: i64, last_event_id: &str) -> reqwest::Response {
    let resp = reqwest::Client::new()
        .get(format!("{}/api/comments/stream?article_id={article}&after=0", s.base))
        .header("last-event-id", last_event_id)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    resp
}

#[tokio::test]
async fn pruning_drops_ended_sessions_old_limit_events_expired_flashes_and_old_live_events_only() {
    let s = common::spawn_with(&NO_WAIT).await;
    let db = s.db().await;
    let now = jinri::server::time::now_unix();
    let cookie = s.reader("修剪甲").await;
    s.reader("修剪乙").await;
    post(&s, &cookie, 1, "留下的评论").await;
    post(&s, &cookie, 1, "旧的评论").await;
    // One session ended (idle past auth.session_idle_secs), one live; one old event, one new.
    common::execute(
        &db,
        "UPDATE sessions SET last_seen_at = 0, created_at = 0 WHERE user_id = (SELECT MAX(id) FROM users)",
    )
    .await;
    common::execute(&db, "UPDATE comment_events SET at = 0 WHERE seq = (SELECT MIN(seq) FROM comment_events)").await;
    common::execute(
        &db,
        "INSERT INTO limit_events (scope, key, at) VALUES ('login_ip', 'old', 0), ('login_ip', 'new', 2000000000), \
         ('figure_upload', 'old', 0), ('a_scope_of_tomorrow', 'old', 0), ('a_scope_of_tomorrow', 'new', 2000000000)",
    )
    .await;
    let (sessions, events) = (
        common::scalar(&db, "SELECT COUNT(*) FROM sessions").await,
        common::scalar(&db, "SELECT COUNT(*) FROM comment_events").await,
    );
    cli::prune(&db, &config(), now).await;
    assert_eq!(common::scalar(&db, "SELECT COUNT(*) FROM sessions").await, sessions - 1, "the ended session");
    assert_eq!(common::scalar(&db, "SELECT COUNT(*) FROM comment_events").await, events - 1, "the old event");
    assert_eq!(common::texts(&db, "SELECT key FROM limit_events WHERE scope = 'login_ip'").await, [Some("new".into())]);
    // Every scope, listed or not, loses what no window counts any more.
    assert_eq!(common::scalar(&db, "SELECT COUNT(*) FROM limit_events WHERE scope = 'figure_upload'").await, 0);
    assert_eq!(
        common::texts(&db, "SELECT key FROM limit_events WHERE scope = 'a_scope_of_tomorrow'").await,
        [Some("new".into())]
    );
    // The live session still signs its reader in.
    let me = s.call("/api/auth/me", &[], Some(&cookie)).await.json::<Value>().await.unwrap();
    assert_eq!(me["name"], "修剪甲");
}

#[tokio::test]
async fn a_reader_whose_last_event_was_pruned_is_told_to_read_the_thread_again_then_follows_on() {
    let s = common::spawn_with(&NO_WAIT).await;
    let db = s.db().await;
    let cookie = s.reader("久别重逢").await;
    let seen = last_event_id(&s, 1).await;
    for i in 0..3 {
        post(&s, &cookie, 1, &format!("错过的评论{i}")).await;
    }
    // What this reader missed is older than live.keep_events_days, and pruned.
    common::execute(&db, "UPDATE comment_events SET at = 0").await;
    cli::prune(&db, &config(), jinri::server::time::now_unix()).await;
    post(&s, &cookie, 1, "修剪之后").await;
    let page = first_page(&s, 1).await;
    let newest = page["last_event_id"].as_i64().unwrap();
    let stream = resume(&s, 1, &seen.to_string()).await;
    let next = post(&s, &cookie, 1, "重连之后").await;
    let events = common::read_events(stream, 2, Duration::from_secs(10)).await;
    assert_eq!(events.len(), 2, "{events:?}");
    assert_eq!(events[0]["change"], "Reset", "never a silent gap: {events:?}");
    assert_eq!(events[0]["id"], newest, "it follows on from the newest event");
    assert_eq!(events[0]["comment_count"], page["total"], "with the article's count");
    assert_eq!(events[1]["change"]["Created"]["id"], next["id"], "and then gets what comes next");
    assert_eq!(events[1]["id"].as_i64().unwrap(), newest + 1);
}

#[tokio::test]
async fn a_last_event_id_past_the_newest_gets_the_thread_again_not_silence() {
    let s = common::spawn_with(&NO_WAIT).await;
    let cookie = s.reader("未来来客").await;
    let newest = last_event_id(&s, 1).await;
    for id in ["9223372036854775807", &(newest + 5).to_string()] {
        let stream = resume(&s, 1, id).await;
        let next = post(&s, &cookie, 1, &format!("给{id}的评论")).await;
        let events = common::read_events(stream, 2, Duration::from_secs(10)).await;
        assert_eq!(events.len(), 2, "{id}: {events:?}");
        assert_eq!(events[0]["change"], "Reset", "{id}");
        assert_eq!(events[1]["change"]["Created"]["id"], next["id"], "{id}");
    }
}

#[tokio::test]
async fn a_reader_far_behind_gets_every_missed_event_once_and_in_order() {
    let s = common::spawn_with(&NO_WAIT).await;
    let db = s.db().await;
    let seen = last_event_id(&s, 2).await;
    let author = jinri::model::UserId(common::scalar(&db, "SELECT MIN(id) FROM users").await);
    // More than several replay batches' worth.
    const MISSED: i64 = 700;
    for i in 0..MISSED {
        let mut tx = db.begin_write().await.unwrap();
        let article = jinri::model::ArticleId(2);
        let id =
            jinri::server::db::comments::insert(&mut tx, article, None, author, &format!("补发{i}"), 1_700_000_000)
                .await
                .unwrap();
        jinri::server::db::comments::record_event(&mut tx, article, "created", id, 1_700_000_000).await.unwrap();
        tx.commit().await.unwrap();
    }
    let stream = resume(&s, 2, &seen.to_string()).await;
    let events = common::read_events(stream, MISSED as usize, Duration::from_secs(60)).await;
    let ids: Vec<i64> = events.iter().map(|e| e["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, (seen + 1..=seen + MISSED).collect::<Vec<_>>());
    let bodies: Vec<&str> = events.iter().map(|e| e["change"]["Created"]["body"].as_str().unwrap()).collect();
    assert_eq!(bodies.first(), Some(&"补发0"));
    assert_eq!(bodies.last(), Some(&"补发699"));
}

#[tokio::test]
async fn hundreds_of_streams_resuming_at_once_over_a_pool_of_two_connections_all_resume() {
    // A pool of two connections: streams must not hold one each.
    let s = common::spawn_with(&[
        ("JINRI_COMMENTS_MIN_INTERVAL_SECS", "0"),
        ("JINRI_AUTH_REGISTRATIONS_PER_IP_PER_HOUR", "1000"),
        ("JINRI_DATABASE_MAX_CONNECTIONS", "2"),
        ("JINRI_LIVE_MAX_STREAMS_PER_IP", "1000"),
    ])
    .await;
    let cookie = s.reader("众人重连").await;
    let seen = last_event_id(&s, 1).await;
    let missed = post(&s, &cookie, 1, "大家错过的").await;
    const STREAMS: usize = 300;
    let opening = (0..STREAMS).map(|_| {
        let url = format!("{}/api/comments/stream?article_id=1", s.base);
        let seen = seen.to_string();
        tokio::spawn(async move {
            let resp = reqwest::Client::new().get(url).header("last-event-id", seen).send().await.unwrap();
            let status = resp.status().as_u16();
            (status, common::read_events(resp, 1, Duration::from_secs(60)).await)
        })
    });
    let results = futures::future::join_all(opening).await;
    for r in results {
        let (status, events) = r.unwrap();
        assert_eq!(status, 200);
        assert_eq!(events.len(), 1);
        assert_eq!(events[0]["change"]["Created"]["id"], missed["id"]);
    }
    let (status, _) = s.get("/article/1").await;
    assert_eq!(status, 200, "and the pool is free for pages");
}
