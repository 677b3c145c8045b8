//! Several server processes on one PostgreSQL database, as behind a proxy: any process serves
//! any request, limits hold across them, and a change made through one reaches the live
//! streams and the guest pages of the others. Each test server here has its own state, pool,
//! hub and listener, as a process would. On SQLite (one process) these tests do nothing.
#![cfg(feature = "ssr")]

mod common;

use common::TestServer;
use serde_json::Value;
use std::time::Duration;

const NO_WAIT: [(&str, &str); 2] =
    [("JINRI_COMMENTS_MIN_INTERVAL_SECS", "0"), ("JINRI_AUTH_REGISTRATIONS_PER_IP_PER_HOUR", "1000")];

/// Two servers on one new PostgreSQL database (`None` on SQLite).
async fn two_processes(overrides: &[(&str, &str)]) -> Option<(TestServer, TestServer)> {
    if common::pg_admin_url().is_none() {
        eprintln!("SKIPPED: several processes share a PostgreSQL database (set JINRI_TEST_PG_URL)");
        return None;
    }
    let a = common::spawn_with(overrides).await;
    let mut b = common::spawn_at_with(a.dir.as_ref().unwrap().path(), overrides).await;
    b.dir = None;
    Some((a, b))
}

async fn post(s: &TestServer, cookie: &str, article: i64, parent: Option<i64>, body: &str) -> reqwest::Response {
    let article = article.to_string();
    let parent = parent.map(|p| p.to_string()).unwrap_or_default();
    s.call("/api/comments/post", &[("article_id", &article), ("parent_id", &parent), ("body", body)], Some(cookie))
        .await
}

async fn posted(s: &TestServer, cookie: &str, article: i64, parent: Option<i64>, body: &str) -> Value {
    let resp = post(s, cookie, article, parent, body).await;
    assert_eq!(resp.status(), 200, "{:?}", resp.text().await);
    resp.json().await.unwrap()
}

async fn last_event_id(s: &TestServer, article: i64) -> i64 {
    let a = article.to_string();
    let resp = s.call("/api/comments/list", &[("article_id", &a), ("sort", "new"), ("page", "1")], None).await;
    assert_eq!(resp.status(), 200);
    resp.json::<Value>().await.unwrap()["last_event_id"].as_i64().unwrap()
}

async fn subscribe(s: &TestServer, article: i64, after: i64, last_event_id: Option<i64>) -> reqwest::Response {
    let mut req =
        reqwest::Client::new().get(format!("{}/api/comments/stream?article_id={article}&after={after}", s.base));
    if let Some(id) = last_event_id {
        req = req.header("last-event-id", id.to_string());
    }
    let resp = req.send().await.unwrap();
    assert_eq!(resp.status(), 200);
    resp
}

/// Server-Sent Events of a stream until `want` arrived or the time is up, never more than `want`
/// (a reader that resumes goes on after the last one it kept); the stream is closed when this
/// returns.
async fn read_events(resp: reqwest::Response, want: usize, within: Duration) -> Vec<Value> {
    let mut events = common::read_events(resp, want, within).await;
    events.truncate(want);
    events
}

/// What a reader task got, which must be there within 3 s.
async fn soon<T>(reader: tokio::task::JoinHandle<T>) -> T {
    tokio::time::timeout(Duration::from_secs(3), reader).await.expect("all events within 3 s of the last post").unwrap()
}

fn ids(events: &[Value]) -> Vec<i64> {
    events.iter().map(|e| e["id"].as_i64().unwrap()).collect()
}

/// Ends the database connections that LISTEN (every process's event listener).
async fn kill_listeners(s: &TestServer) -> usize {
    let db = s.db().await;
    let jinri::server::db::Db::Pg(pool) = &db else { return 0 };
    let killed: Vec<bool> = sqlx::query_scalar(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE 'LISTEN%'",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    db.close().await;
    killed.len()
}

#[tokio::test]
async fn a_comment_reply_like_and_deletion_made_through_one_process_reach_a_stream_on_the_other() {
    let Some((a, b)) = two_processes(&NO_WAIT).await else { return };
    let cookie = a.reader("甲进程读者").await;
    let start = last_event_id(&b, 1).await;
    let stream = subscribe(&b, 1, start, None).await;
    let c = posted(&a, &cookie, 1, None, "从甲发出").await;
    let id = c["id"].as_i64().unwrap();
    // The session made through A is good on B: any process serves any request.
    posted(&b, &cookie, 1, Some(id), "从乙回复").await;
    assert_eq!(a.call("/api/comments/like", &[("comment_id", &id.to_string())], Some(&cookie)).await.status(), 200);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(a.call("/api/comments/delete", &[("comment_id", &id.to_string())], Some(&cookie)).await.status(), 200);
    let events = read_events(stream, 4, Duration::from_secs(3)).await;
    assert_eq!(events.len(), 4, "{events:?}");
    assert_eq!(events[0]["change"]["Created"]["body"], "从甲发出");
    assert_eq!(events[1]["change"]["Created"]["body"], "从乙回复");
    assert_eq!(events[2]["change"]["Liked"]["likes"], 1);
    assert_eq!(events[3]["change"]["Deleted"], id);
    assert_eq!(ids(&events), ((start + 1)..=(start + 4)).collect::<Vec<_>>());
    // A reader who saw only the first resumes on A with Last-Event-ID and gets the rest.
    let resumed = read_events(subscribe(&a, 1, 0, Some(start + 1)).await, 3, Duration::from_secs(10)).await;
    assert_eq!(ids(&resumed), ids(&events[1..]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn with_twenty_five_posters_on_each_of_two_processes_every_subscriber_gets_every_event_once_in_one_order() {
    let Some((a, b)) = two_processes(&NO_WAIT).await else { return };
    const POSTERS: usize = 25;
    const EACH: usize = 8;
    let total = 2 * POSTERS * EACH;
    let start = last_event_id(&a, 4).await;
    let mut cookies = Vec::new();
    for i in 0..2 * POSTERS {
        cookies.push(if i % 2 == 0 { a.reader(&format!("甲{i}")).await } else { b.reader(&format!("乙{i}")).await });
    }
    let on_a = tokio::spawn(read_events(subscribe(&a, 4, start, None).await, total, Duration::from_secs(120)));
    let on_b = tokio::spawn(read_events(subscribe(&b, 4, start, None).await, total, Duration::from_secs(120)));
    // One reader leaves A at some point and comes back on B with the last id it saw.
    let cut = 1 + (std::process::id() as usize * 7919 + total / 3) % (total - 2);
    let mover = {
        let first = subscribe(&a, 4, start, None).await;
        let b_base = b.base.clone();
        tokio::spawn(async move {
            let before = read_events(first, cut, Duration::from_secs(120)).await;
            let last = before.last().map_or(start, |e| e["id"].as_i64().unwrap());
            let resp = reqwest::Client::new()
                .get(format!("{b_base}/api/comments/stream?article_id=4&after={start}"))
                .header("last-event-id", last.to_string())
                .send()
                .await
                .unwrap();
            let after = read_events(resp, total - before.len(), Duration::from_secs(120)).await;
            (before, after)
        })
    };
    let posters = cookies.iter().enumerate().map(|(i, cookie)| {
        let s = if i % 2 == 0 { &a } else { &b };
        async move {
            for j in 0..EACH {
                posted(s, cookie, 4, None, &format!("两个进程 {i}-{j}")).await;
            }
        }
    });
    futures::future::join_all(posters).await;
    // Notifications bring every event at once: well within the 5 s in which a sweep of the
    // log would make up for a missed one.
    let expected: Vec<i64> = ((start + 1)..=(start + total as i64)).collect();
    let (seen_a, seen_b) = (soon(on_a).await, soon(on_b).await);
    assert_eq!(ids(&seen_a), expected, "the subscriber on A");
    assert_eq!(ids(&seen_b), expected, "the subscriber on B");
    let bodies = |events: &[Value]| -> Vec<String> {
        events.iter().map(|e| e["change"]["Created"]["body"].as_str().unwrap().to_owned()).collect()
    };
    assert_eq!(bodies(&seen_a), bodies(&seen_b), "one order for both");
    let (before, after) = soon(mover).await;
    assert_eq!(before.len(), cut);
    let mut moved = before.clone();
    moved.extend(after);
    assert_eq!(ids(&moved), expected, "the reader who moved at event {cut} missed none and got none twice");
}

#[tokio::test]
async fn a_process_whose_listener_connection_drops_reconnects_and_misses_nothing() {
    let Some((a, b)) = two_processes(&NO_WAIT).await else { return };
    let cookie = a.reader("断开监听").await;
    let start = last_event_id(&b, 2).await;
    let stream = subscribe(&b, 2, start, None).await;
    let reader = tokio::spawn(read_events(stream, 30, Duration::from_secs(60)));
    for round in 0..3 {
        for i in 0..5 {
            posted(&a, &cookie, 2, None, &format!("第{round}轮第{i}条")).await;
        }
        // Both processes' listeners lose their connections; posts go on meanwhile.
        assert!(kill_listeners(&a).await >= 1, "round {round}: a listener to end");
        for i in 5..10 {
            posted(&a, &cookie, 2, None, &format!("第{round}轮第{i}条")).await;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let events = soon(reader).await;
    assert_eq!(ids(&events), ((start + 1)..=(start + 30)).collect::<Vec<_>>());
}

#[tokio::test]
async fn a_guest_page_cached_by_one_process_is_renewed_within_a_second_of_a_comment_through_the_other() {
    let Some((a, b)) = two_processes(&NO_WAIT).await else { return };
    let cookie = a.reader("缓存两边").await;
    for _ in 0..2 {
        let (status, html) = b.get("/article/3").await;
        assert_eq!(status, 200);
        assert!(!html.contains("甲进程的新评论"));
    }
    posted(&a, &cookie, 3, None, "甲进程的新评论").await;
    let deadline = std::time::Instant::now() + Duration::from_secs(1);
    loop {
        let (_, html) = b.get("/article/3").await;
        if html.contains("甲进程的新评论") {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "B still serves the page from before the comment");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_reader_cannot_post_twice_within_the_interval_by_alternating_processes() {
    let Some((a, b)) = two_processes(&[("JINRI_AUTH_REGISTRATIONS_PER_IP_PER_HOUR", "1000")]).await else { return };
    for i in 0..6 {
        let cookie = a.reader(&format!("两边发帖{i}")).await;
        // At the same moment through both, then once more through the other.
        let (on_a, on_b) = (format!("甲边{i}"), format!("乙边{i}"));
        let (first, second) = tokio::join!(post(&a, &cookie, 1, None, &on_a), post(&b, &cookie, 1, None, &on_b));
        let mut statuses = vec![first.status().as_u16(), second.status().as_u16()];
        statuses.sort();
        assert_eq!(statuses, vec![200, 429], "reader {i}");
        assert_eq!(post(&b, &cookie, 1, None, "再试一次").await.status(), 429);
    }
}

#[tokio::test]
async fn copy_to_moves_a_running_sqlite_site_to_postgresql_where_readers_stay_signed_in_and_streams_resume() {
    let Some(admin) = common::pg_admin_url() else {
        eprintln!("SKIPPED: copy-to needs a PostgreSQL server (set JINRI_TEST_PG_URL)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let sqlite = format!("sqlite://{}", dir.path().join("jinri.db").display());
    let old = common::spawn_sqlite_at_with(dir.path(), &NO_WAIT).await;
    let cookie = old.reader("搬家读者").await;
    posted(&old, &cookie, 1, None, "搬家前的评论").await;
    let last = last_event_id(&old, 1).await;
    // While the old site runs.
    let name = common::new_pg_database(&admin).await;
    let url = format!("{}/{name}", admin.rsplit_once('/').unwrap().0);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_jinri"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["copy-to", &url])
        .env("DATABASE_URL", &sqlite)
        .env("RUST_LOG", "warn")
        .env_remove("JINRI_CONFIG")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(printed.contains("sessions\t1") && printed.contains("copied to postgres://"), "{printed}");
    // The same binary refuses to copy into it again.
    let again = std::process::Command::new(env!("CARGO_BIN_EXE_jinri"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["copy-to", &url])
        .env("DATABASE_URL", &sqlite)
        .env_remove("JINRI_CONFIG")
        .output()
        .unwrap();
    assert!(!again.status.success() && String::from_utf8_lossy(&again.stderr).contains("not empty"));
    let new = common::spawn_on(url, &NO_WAIT).await;
    let me: Value = new.call("/api/auth/me", &[], Some(&cookie)).await.json().await.unwrap();
    assert_eq!(me["name"], "搬家读者", "signed in as before: {me}");
    assert!(new.get("/article/1").await.1.contains("搬家前的评论"));
    // A page open on the old site reconnects to the new one with the last id it saw.
    let stream = subscribe(&new, 1, 0, Some(last)).await;
    posted(&new, &cookie, 1, None, "搬家后的评论").await;
    let events = read_events(stream, 1, Duration::from_secs(10)).await;
    assert_eq!(ids(&events), vec![last + 1]);
    assert_eq!(events[0]["change"]["Created"]["body"], "搬家后的评论");
}

#[tokio::test]
async fn a_guest_page_rendered_by_one_process_while_a_like_was_pending_is_dropped_when_another_takes_it_back() {
    let Some((a, b)) = two_processes(&NO_WAIT).await else { return };
    let cookie = a.reader("两边反悔").await;
    let id = posted(&a, &cookie, 1, None, "另一进程缓存的赞").await["id"].as_i64().unwrap();
    let id = id.to_string();
    let form = [("comment_id", id.as_str())];
    let like = || a.call("/api/comments/like", &form, Some(&cookie));
    let label = |html: String| {
        let at = html.find("另一进程缓存的赞").expect("comment on the page");
        html[at..][html[at..].find("赞 ").unwrap()..].chars().take(3).collect::<String>()
    };
    assert_eq!(like().await.status(), 200);
    // B renders (and caches) the page with the like, which A then takes back before it is
    // announced: no event is written, yet B must not keep the page.
    assert_eq!(label(b.get("/article/1?sort=new").await.1), "赞 1");
    assert_eq!(like().await.status(), 200);
    let deadline = std::time::Instant::now() + Duration::from_secs(3);
    while label(b.get("/article/1?sort=new").await.1) != "赞 0" {
        assert!(std::time::Instant::now() < deadline, "B still serves the like that was taken back");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A moderator acting through one process reaches the pages open on the other, and that
/// process's moderation queue hears of a report made through the first, within a second.
#[tokio::test]
async fn a_report_and_a_hide_made_through_one_process_reach_the_queue_and_the_pages_of_the_other() {
    let Some((a, b)) = two_processes(&NO_WAIT).await else { return };
    let author = a.reader("kua_jin_cheng").await;
    let id = posted(&a, &author, 1, None, "跨进程的广告").await["id"].as_i64().unwrap().to_string();
    let moderator = a.reader("kua_ban_zhu").await;
    let key = jinri::model::Username::lookup_key("kua_ban_zhu");
    jinri::server::db::roles::grant(&a.db().await, &key, jinri::model::Role::Moderator, None, 1).await.unwrap();
    // The queue open on B, the article open on B.
    let queue = reqwest::Client::new()
        .get(format!("{}/api/moderation/stream", b.base))
        .header("cookie", &moderator)
        .send()
        .await
        .unwrap();
    assert_eq!(queue.status(), 200);
    let queue = tokio::spawn(common::read_events(queue, 2, Duration::from_secs(5)));
    let page = subscribe(&b, 1, last_event_id(&b, 1).await, None).await;
    let page = tokio::spawn(read_events(page, 1, Duration::from_secs(5)));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let reporter = a.reader("kua_ju_bao").await;
    let report = a.call("/api/comments/report", &[("comment_id", &id), ("reason", "spam")], Some(&reporter)).await;
    assert_eq!(report.status(), 200);
    let versions = soon(queue).await;
    assert_eq!(versions.len(), 2, "the queue's version, then its move: {versions:?}");
    assert!(versions[1][0].as_i64() > versions[0][0].as_i64());
    let hide = a.call("/api/moderation/hide", &[("comment_id", &id)], Some(&moderator)).await;
    assert_eq!(hide.status(), 200);
    let events = soon(page).await;
    assert_eq!(events[0]["change"]["Hidden"].as_i64(), id.parse().ok());
}
