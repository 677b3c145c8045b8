//! Moderation over HTTP, on SQLite and (with a cluster) PostgreSQL: reports, the queue, hiding
//! and restoring live, bans, pre-moderation, the word filter, locks and pins, the audit log,
//! and every role boundary (nothing changes when a call is refused).
#![cfg(feature = "ssr")]

mod common;

use common::TestServer;
use jinri::model::{Role, Username};
use jinri::server::db;
use serde_json::Value;
use std::time::Duration;

const NO_WAIT: [(&str, &str); 2] =
    [("JINRI_COMMENTS_MIN_INTERVAL_SECS", "0"), ("JINRI_AUTH_REGISTRATIONS_PER_IP_PER_HOUR", "1000")];

async fn grant(s: &TestServer, name: &str, role: Role) {
    db::roles::grant(&s.db().await, &Username::lookup_key(name), role, None, 1).await.unwrap();
}

async fn post(s: &TestServer, cookie: &str, article: i64, parent: Option<i64>, body: &str) -> reqwest::Response {
    let (article, parent) = (article.to_string(), parent.map(|p| p.to_string()).unwrap_or_default());
    s.call("/api/comments/post", &[("article_id", &article), ("parent_id", &parent), ("body", body)], Some(cookie))
        .await
}

async fn posted(s: &TestServer, cookie: &str, article: i64, body: &str) -> Value {
    let resp = post(s, cookie, article, None, body).await;
    assert_eq!(resp.status(), 200, "{:?}", resp.text().await);
    resp.json().await.unwrap()
}

async fn status_of(resp: reqwest::Response) -> (u16, Value) {
    (resp.status().as_u16(), resp.json().await.unwrap_or(Value::Null))
}

/// What a refused call must leave as it was: hidden, held, reports, bans, locks, pins, filters,
/// rules and the audit log.
async fn moderation_state(s: &TestServer) -> Vec<i64> {
    let db = s.db().await;
    let mut out = Vec::new();
    for sql in [
        "SELECT COUNT(*) FROM comments WHERE hidden_at IS NOT NULL",
        "SELECT COUNT(*) FROM comments WHERE status <> 'published'",
        "SELECT COUNT(*) FROM comments WHERE pinned_at IS NOT NULL",
        "SELECT COUNT(*) FROM comment_reports WHERE handled_at IS NULL",
        "SELECT COUNT(*) FROM users WHERE banned_until IS NOT NULL",
        "SELECT COUNT(*) FROM articles WHERE comments_locked OR premoderate",
        "SELECT COUNT(*) FROM word_filters",
        "SELECT COUNT(*) FROM moderation_settings WHERE premoderation <> 'off'",
        "SELECT COUNT(*) FROM audit_log",
    ] {
        out.push(common::scalar(&db, sql).await);
    }
    out
}

/// The article page as `cookie` sees it (hydration markers removed).
async fn page(s: &TestServer, path: &str, cookie: Option<&str>) -> String {
    let mut req = s.client.get(format!("{}{path}", s.base));
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    common::strip_comments(&req.send().await.unwrap().text().await.unwrap())
}

/// Opens the article's live stream after event `after`.
async fn stream(s: &TestServer, article: i64, after: i64) -> reqwest::Response {
    let resp = s
        .client
        .get(format!("{}/api/comments/stream?article_id={article}&after={after}", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    resp
}

/// The count a list page shows for an article (评论N条).
fn listed_count(html: &str, article: i64) -> i64 {
    let at =
        html.find(&format!("<h2 class=\"item-title\"><a href=\"/article/{article}\"")).expect("the article is listed");
    let rest = &html[at..];
    let from = rest.find("评论").unwrap() + "评论".len();
    let to = rest[from..].find('条').unwrap();
    rest[from..from + to].trim().parse().unwrap()
}

async fn last_event(s: &TestServer, article: i64) -> i64 {
    db::comments::last_event_id(&s.db().await, jinri::model::ArticleId(article)).await.unwrap()
}

#[tokio::test]
async fn readers_banned_readers_and_visitors_are_refused_by_every_moderator_endpoint_and_nothing_changes() {
    let s = common::spawn_with(&NO_WAIT).await;
    let author = s.reader("pinglun_zhe").await;
    let comment = posted(&s, &author, 1, "一条普通的评论").await["id"].as_i64().unwrap().to_string();
    let reader = s.reader("putong_duzhe").await;
    let banned = s.reader("bei_jin_yan").await;
    let moderator = s.reader("ban_zhu_zhao").await;
    grant(&s, "ban_zhu_zhao", Role::Moderator).await;
    let ban = s
        .call("/api/moderation/ban", &[("name", "bei_jin_yan"), ("days", "7"), ("reason", "刷屏")], Some(&moderator))
        .await;
    assert_eq!(ban.status(), 200, "{:?}", ban.text().await);
    let before = moderation_state(&s).await;
    let c = comment.as_str();
    let calls: [(&str, Vec<(&str, &str)>); 16] = [
        ("/api/moderation/queue", vec![]),
        ("/api/moderation/hide", vec![("comment_id", c)]),
        ("/api/moderation/restore", vec![("comment_id", c)]),
        ("/api/moderation/dismiss", vec![("comment_id", c)]),
        ("/api/moderation/approve", vec![("comment_id", c)]),
        ("/api/moderation/reject", vec![("comment_id", c)]),
        ("/api/moderation/pin", vec![("comment_id", c), ("pinned", "1")]),
        ("/api/moderation/lock", vec![("article_id", "1"), ("locked", "1")]),
        ("/api/moderation/premoderate", vec![("article_id", "1"), ("on", "1")]),
        ("/api/moderation/ban", vec![("name", "pinglun_zhe"), ("days", "forever")]),
        ("/api/moderation/unban", vec![("name", "bei_jin_yan")]),
        ("/api/moderation/hide_all", vec![("name", "pinglun_zhe")]),
        ("/api/moderation/unhide", vec![("batch", "1")]),
        ("/api/moderation/rules", vec![("premoderation", "all"), ("new_reader_comments", "3")]),
        ("/api/moderation/filter_add", vec![("pattern", "坏词"), ("kind", "word"), ("action", "hold")]),
        ("/api/moderation/filter_remove", vec![("id", "1")]),
    ];
    for (endpoint, form) in &calls {
        for (who, cookie, status) in
            [("visitor", None, 401), ("reader", Some(&reader), 403), ("banned", Some(&banned), 403)]
        {
            let resp = s.call(endpoint, form, cookie.map(String::as_str)).await;
            assert_eq!(resp.status(), status, "{who} calls {endpoint}");
        }
    }
    // The rules and the word filter are the admins'.
    for (endpoint, form) in &calls[13..] {
        assert_eq!(s.call(endpoint, form, Some(&moderator)).await.status(), 403, "a moderator calls {endpoint}");
    }
    assert_eq!(moderation_state(&s).await, before, "a refused call changed something");
    // The queue page and its live stream too.
    assert_eq!(s.get("/admin/moderation").await.0, 401);
    let html = page(&s, "/admin/moderation", Some(&reader)).await;
    assert!(html.contains("没有权限") && !html.contains("一条普通的评论"), "{html}");
    for (cookie, status) in [(None, 401), (Some(&reader), 403)] {
        let mut req = s.client.get(format!("{}/api/moderation/stream", s.base));
        if let Some(c) = cookie {
            req = req.header("cookie", c.as_str());
        }
        assert_eq!(req.send().await.unwrap().status(), status);
    }
}

#[tokio::test]
async fn a_moderator_cannot_act_on_an_admin_nor_on_themselves() {
    let s = common::spawn_with(&NO_WAIT).await;
    let admin = s.reader("zong_bian_ji").await;
    grant(&s, "zong_bian_ji", Role::Admin).await;
    let moderator = s.reader("ban_zhu_qian").await;
    grant(&s, "ban_zhu_qian", Role::Moderator).await;
    let said = posted(&s, &admin, 1, "管理员的评论").await["id"].as_i64().unwrap().to_string();
    let before = moderation_state(&s).await;
    for (endpoint, form) in [
        ("/api/moderation/hide", vec![("comment_id", said.as_str())]),
        ("/api/moderation/pin", vec![("comment_id", said.as_str()), ("pinned", "1")]),
        ("/api/moderation/ban", vec![("name", "zong_bian_ji"), ("days", "1")]),
        ("/api/moderation/hide_all", vec![("name", "zong_bian_ji")]),
    ] {
        let (status, body) = status_of(s.call(endpoint, &form, Some(&moderator)).await).await;
        assert_eq!((status, body), (403, Value::String("NotPermitted".into())), "{endpoint}");
    }
    let (status, body) =
        status_of(s.call("/api/moderation/ban", &[("name", "ban_zhu_qian"), ("days", "1")], Some(&moderator)).await)
            .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(moderation_state(&s).await, before);
    // An admin may.
    let resp = s.call("/api/moderation/hide", &[("comment_id", said.as_str())], Some(&admin)).await;
    assert_eq!(resp.status(), 200);
}

#[tokio::test]
async fn a_report_is_received_once_grouped_in_the_queue_and_hiding_reaches_every_open_page_and_restoring_too() {
    let s = common::spawn_with(&NO_WAIT).await;
    let author = s.reader("fa_guang_gao").await;
    let spam = posted(&s, &author, 1, "加微信 看优惠 广告广告").await["id"].as_i64().unwrap();
    let reply_to_spam = s.reader("hui_fu_zhe").await;
    let reply = post(&s, &reply_to_spam, 1, Some(spam), "这是广告吧").await;
    assert_eq!(reply.status(), 200);
    let id = spam.to_string();
    let one = s.reader("ju_bao_yi").await;
    let two = s.reader("ju_bao_er").await;
    let moderator = s.reader("ban_zhu_sun").await;
    grant(&s, "ban_zhu_sun", Role::Moderator).await;
    // Nothing is queued yet.
    let queue: Value = s.call("/api/moderation/queue", &[], Some(&moderator)).await.json().await.unwrap();
    assert_eq!(queue["queue"].as_array().unwrap().len(), 0);
    let report = |cookie: String, reason: &'static str, detail: &'static str| {
        let (s, id) = (&s, id.clone());
        async move {
            status_of(
                s.call(
                    "/api/comments/report",
                    &[("comment_id", &id), ("reason", reason), ("detail", detail)],
                    Some(&cookie),
                )
                .await,
            )
            .await
        }
    };
    assert_eq!(report(one.clone(), "spam", "").await, (200, Value::String("已收到您的举报，版主会尽快处理。".into())));
    let (status, again) = report(one.clone(), "abuse", "").await;
    assert_eq!(status, 409, "once per reader: {again}");
    assert_eq!(report(author.clone(), "spam", "").await.0, 409, "not one's own");
    assert_eq!(report(two.clone(), "other", "").await.0, 400, "其他 needs words");
    assert_eq!(report(two.clone(), "other", "冒充客服").await.0, 200);
    let queue: Value = s.call("/api/moderation/queue", &[], Some(&moderator)).await.json().await.unwrap();
    let items = queue["queue"].as_array().unwrap();
    assert_eq!(items.len(), 1, "two reports, one entry: {queue}");
    assert_eq!(items[0]["reports"], 2);
    assert_eq!(items[0]["comment"]["body"], "加微信 看优惠 广告广告");
    assert_eq!(items[0]["details"], serde_json::json!(["冒充客服"]));
    let reasons: Vec<&str> =
        items[0]["reasons"].as_array().unwrap().iter().map(|r| r["reason"].as_str().unwrap()).collect();
    assert!(reasons.contains(&"垃圾广告") && reasons.contains(&"其他"), "{reasons:?}");
    assert_eq!(items[0]["author"]["recent"][0]["excerpt"], "加微信 看优惠 广告广告");

    // The channel page as guests have it cached, with the article's count.
    let slug = common::texts(
        &s.db().await,
        "SELECT c.slug FROM articles a JOIN channels c ON c.id = a.channel_id WHERE a.id = 1",
    )
    .await
    .remove(0)
    .unwrap();
    let channel = format!("/channel/{slug}");
    s.get(&channel).await;
    let listed_before = listed_count(&s.get(&channel).await.1, 1);
    // An open page of the article, and the moderator hides the comment.
    let after = last_event(&s, 1).await;
    let open = stream(&s, 1, after).await;
    let count_before = db::comments::count(&s.db().await, jinri::model::ArticleId(1)).await.unwrap();
    let started = std::time::Instant::now();
    let hide = s.call("/api/moderation/hide", &[("comment_id", &id), ("reason", "广告")], Some(&moderator)).await;
    assert_eq!(hide.status(), 200);
    let events = common::read_events(open, 1, Duration::from_secs(5)).await;
    assert_eq!(events.len(), 1, "the open page heard of it");
    assert_eq!(events[0]["change"]["Hidden"], spam);
    assert_eq!(events[0]["comment_count"], count_before - 1, "a hidden comment no longer counts");
    eprintln!("hidden on an open page {:?} after the request was sent", started.elapsed());
    // Readers see the marker, not the text; the reply stays; the reports are handled.
    let html = page(&s, "/article/1", None).await;
    assert!(html.contains("该评论已被管理员隐藏") && !html.contains("加微信"), "hidden for guests");
    assert!(html.contains("这是广告吧"), "its reply stays");
    assert_eq!(listed_count(&s.get(&channel).await.1, 1), listed_before - 1, "the cached list's count follows");
    let queue: Value = s.call("/api/moderation/queue", &[], Some(&moderator)).await.json().await.unwrap();
    assert_eq!(queue["queue"].as_array().unwrap().len(), 0);
    assert_eq!(queue["hidden"][0]["comment"]["body"], "加微信 看优惠 广告广告", "moderators still read it");
    // A hidden comment can be neither liked, answered nor reported.
    assert_eq!(s.call("/api/comments/like", &[("comment_id", &id)], Some(&two)).await.status(), 409);
    assert_eq!(post(&s, &two, 1, Some(spam), "再回复").await.status(), 400);
    assert_eq!(report(two.clone(), "spam", "").await.0, 404);

    // Restored: every open page gets it back.
    let open = stream(&s, 1, last_event(&s, 1).await).await;
    let restore = s.call("/api/moderation/restore", &[("comment_id", &id)], Some(&moderator)).await;
    assert_eq!(restore.status(), 200);
    let events = common::read_events(open, 1, Duration::from_secs(5)).await;
    assert_eq!(events[0]["change"]["Restored"]["body"], "加微信 看优惠 广告广告");
    assert_eq!(events[0]["comment_count"], count_before);
    // Logged, and the log cannot be deleted.
    let db = s.db().await;
    let actions = common::texts(&db, "SELECT action FROM audit_log ORDER BY id").await;
    assert!(actions.contains(&Some("comment.hide".into())) && actions.contains(&Some("comment.restore".into())));
    assert_eq!(common::scalar(&db, "SELECT COUNT(*) FROM audit_log WHERE reason = '广告'").await, 1);
    let deleted = match &db {
        db::Db::Sqlite(jinri::server::db::readers::Lite { pool: p, .. }) => {
            sqlx::query("DELETE FROM audit_log").execute(p).await.is_ok()
        }
        db::Db::Pg(p) => sqlx::query("DELETE FROM audit_log").execute(p).await.is_ok(),
    };
    assert!(!deleted, "the audit log refuses deletion");
}

#[tokio::test]
async fn reports_are_limited_per_reader_counted_atomically() {
    let s = common::spawn_with(&NO_WAIT).await;
    let author = s.reader("hen_duo_ping_lun").await;
    let db = s.db().await;
    let author_id = common::scalar(&db, "SELECT MAX(id) FROM users").await;
    let mut ids = Vec::new();
    for i in 0..30 {
        let mut tx = db.begin_write().await.unwrap();
        let id = db::comments::insert(
            &mut tx,
            jinri::model::ArticleId(2),
            None,
            jinri::model::UserId(author_id),
            &format!("评论{i}"),
            1_700_000_000 + i,
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        ids.push(id.0.to_string());
    }
    drop(author);
    let reporter = s.reader("ju_bao_kuang").await;
    let calls = ids.iter().map(|id| {
        let (s, reporter) = (&s, &reporter);
        async move {
            s.call("/api/comments/report", &[("comment_id", id), ("reason", "spam")], Some(reporter)).await.status()
        }
    });
    let statuses = futures::future::join_all(calls).await;
    let ok = statuses.iter().filter(|s| s.as_u16() == 200).count();
    let limited = statuses.iter().filter(|s| s.as_u16() == 429).count();
    assert_eq!((ok, limited), (10, 20), "{statuses:?}");
    assert_eq!(common::scalar(&db, "SELECT COUNT(*) FROM comment_reports").await, 10);
}

#[tokio::test]
async fn a_ban_stops_commenting_replying_liking_and_reporting_at_once_says_why_and_hide_all_is_undone() {
    let s = common::spawn_with(&NO_WAIT).await;
    let spammer = s.reader("la_ji_zhang_hao").await;
    let first = posted(&s, &spammer, 1, "广告一").await["id"].as_i64().unwrap();
    posted(&s, &spammer, 2, "广告二").await;
    let other = s.reader("bie_ren").await;
    let others = posted(&s, &other, 1, "正常评论").await["id"].as_i64().unwrap().to_string();
    let moderator = s.reader("ban_zhu_li_si").await;
    grant(&s, "ban_zhu_li_si", Role::Moderator).await;
    let ban = s
        .call(
            "/api/moderation/ban",
            &[("name", "la_ji_zhang_hao"), ("days", "7"), ("reason", "发广告"), ("hide_all", "1")],
            Some(&moderator),
        )
        .await;
    assert_eq!(ban.status(), 200);
    // The session they already had obeys it at once.
    for resp in [
        post(&s, &spammer, 1, None, "还想发").await,
        post(&s, &spammer, 1, Some(first), "还想回复").await,
        s.call("/api/comments/like", &[("comment_id", &others)], Some(&spammer)).await,
        s.call("/api/comments/report", &[("comment_id", &others), ("reason", "spam")], Some(&spammer)).await,
    ] {
        let (status, body) = status_of(resp).await;
        assert_eq!(status, 403);
        let text = body["Banned"].as_str().unwrap_or_default();
        assert!(text.contains("禁言至") && text.contains("发广告"), "{body}");
    }
    // Everything they wrote is hidden, on both articles.
    let db = s.db().await;
    let hidden = || async {
        common::scalar(
            &s.db().await,
            "SELECT COUNT(*) FROM comments c JOIN users u ON u.id = c.author_id \
            WHERE u.name = 'la_ji_zhang_hao' AND c.hidden_at IS NOT NULL",
        )
        .await
    };
    assert_eq!(hidden().await, 2);
    let queue: Value = s.call("/api/moderation/queue", &[], Some(&moderator)).await.json().await.unwrap();
    let batch = queue["bans"][0]["hide_batch"].as_i64().expect("the batch to undo");
    assert_eq!(queue["bans"][0]["user"]["name"], "la_ji_zhang_hao");
    // Undone in one action; the ban stays until lifted.
    let undo = s.call("/api/moderation/unhide", &[("batch", &batch.to_string())], Some(&moderator)).await;
    assert_eq!(undo.status(), 200);
    assert_eq!(hidden().await, 0);
    assert_eq!(post(&s, &spammer, 1, None, "还想发").await.status(), 403);
    let lift = s.call("/api/moderation/unban", &[("name", "la_ji_zhang_hao")], Some(&moderator)).await;
    assert_eq!(lift.status(), 200);
    assert_eq!(post(&s, &spammer, 1, None, "我改了").await.status(), 200);
    let actions = common::texts(&db, "SELECT action FROM audit_log ORDER BY id").await;
    for a in ["user.ban", "user.hide_all", "user.unhide_all", "user.unban"] {
        assert!(actions.contains(&Some(a.into())), "{a} logged: {actions:?}");
    }
}

#[tokio::test]
async fn held_comments_wait_for_a_moderator_approval_publishes_them_live_and_a_rejection_tells_the_author() {
    let s = common::spawn_with(&NO_WAIT).await;
    let admin = s.reader("guan_li_yuan").await;
    grant(&s, "guan_li_yuan", Role::Admin).await;
    let rules =
        s.call("/api/moderation/rules", &[("premoderation", "new"), ("new_reader_comments", "1")], Some(&admin)).await;
    assert_eq!(rules.status(), 200);
    let newcomer = s.reader("xin_lai_de").await;
    let after = last_event(&s, 1).await;
    let open = stream(&s, 1, after).await;
    let held = posted(&s, &newcomer, 1, "我的第一条评论").await;
    assert_eq!(held["review"], "pending");
    let id = held["id"].as_i64().unwrap();
    // Nobody else sees it; its author sees it marked 待审核.
    assert!(!page(&s, "/article/1", None).await.contains("我的第一条评论"));
    let own = page(&s, "/article/1", Some(&newcomer)).await;
    assert!(own.contains("我的第一条评论") && own.contains("待审核"), "the author sees it held");
    assert_eq!(last_event(&s, 1).await, after, "a held comment logs no event");
    let queue: Value = s.call("/api/moderation/queue", &[], Some(&admin)).await.json().await.unwrap();
    assert_eq!(queue["queue"][0]["comment"]["id"], id);
    assert_eq!(queue["queue"][0]["comment"]["held_reason"], "新读者先审");
    // Approved: open pages get it as a new comment.
    let approve = s.call("/api/moderation/approve", &[("comment_id", &id.to_string())], Some(&admin)).await;
    assert_eq!(approve.status(), 200);
    let events = common::read_events(open, 1, Duration::from_secs(5)).await;
    assert_eq!(events[0]["change"]["Created"]["id"], id);
    assert!(page(&s, "/article/1", None).await.contains("我的第一条评论"));
    // Their second comment is published at once.
    assert!(posted(&s, &newcomer, 1, "第二条").await["review"].is_null());

    // One article held for review, and a rejection.
    let on = s.call("/api/moderation/premoderate", &[("article_id", "2"), ("on", "1")], Some(&admin)).await;
    assert_eq!(on.status(), 200);
    let held = posted(&s, &newcomer, 2, "这篇要先审").await;
    assert_eq!(held["review"], "pending");
    let id = held["id"].as_i64().unwrap().to_string();
    let reject = s.call("/api/moderation/reject", &[("comment_id", &id), ("reason", "离题")], Some(&admin)).await;
    assert_eq!(reject.status(), 200);
    let own = page(&s, "/article/2", Some(&newcomer)).await;
    assert!(own.contains("这篇要先审") && own.contains("未通过审核"), "the author is told");
    assert!(!page(&s, "/article/2", None).await.contains("这篇要先审"));
}

#[tokio::test]
async fn the_word_filter_holds_or_refuses_through_the_usual_evasions() {
    let s = common::spawn_with(&NO_WAIT).await;
    let admin = s.reader("guan_li_zhou").await;
    grant(&s, "guan_li_zhou", Role::Admin).await;
    for (pattern, kind, action) in
        [("代开发票", "word", "hold"), ("ｆｕｃｋ", "word", "refuse"), (r"qq\d{6,}", "regex", "hold")]
    {
        let resp = s
            .call(
                "/api/moderation/filter_add",
                &[("pattern", pattern), ("kind", kind), ("action", action)],
                Some(&admin),
            )
            .await;
        assert_eq!(resp.status(), 200, "{pattern}: {:?}", resp.text().await);
    }
    let bad = s
        .call("/api/moderation/filter_add", &[("pattern", "(("), ("kind", "regex"), ("action", "hold")], Some(&admin))
        .await;
    assert_eq!(bad.status(), 400);
    let writer = s.reader("xie_ping_lun").await;
    let held = posted(&s, &writer, 1, "代 开\u{200B}发-票，请联系").await;
    assert_eq!(held["review"], "pending", "spaces, zero-width and dashes do not hide a word");
    let held = posted(&s, &writer, 1, "加ＱＱ 1234567").await;
    assert_eq!(held["review"], "pending", "a pattern over the normalised text");
    let (status, body) = status_of(post(&s, &writer, 1, None, "F.U.C.K you").await).await;
    assert_eq!(status, 400, "{body}");
    assert!(body["Validation"]["message"].as_str().unwrap().contains("不允许"));
    assert!(posted(&s, &writer, 1, "今天天气不错").await["review"].is_null());
    let queue: Value = s.call("/api/moderation/queue", &[], Some(&admin)).await.json().await.unwrap();
    assert_eq!(queue["queue"][0]["comment"]["held_reason"], "触发敏感词");
    // Removing an entry lets such text through again.
    let first_id = queue["filters"][0]["id"].as_i64().unwrap().to_string();
    assert_eq!(s.call("/api/moderation/filter_remove", &[("id", &first_id)], Some(&admin)).await.status(), 200);
    assert!(posted(&s, &writer, 1, "代开发票").await["review"].is_null());
}

#[tokio::test]
async fn a_locked_thread_takes_nothing_and_keeps_its_stream_and_a_pinned_comment_leads_the_thread() {
    let s = common::spawn_with(&NO_WAIT).await;
    let moderator = s.reader("ban_zhu_wu").await;
    grant(&s, "ban_zhu_wu", Role::Moderator).await;
    let reader = s.reader("du_zhe_chen").await;
    let older = posted(&s, &reader, 1, "较早的评论").await["id"].as_i64().unwrap();
    posted(&s, &reader, 1, "较新的评论").await;
    // 置顶: first, whatever the order, on the first page only.
    let pin =
        s.call("/api/moderation/pin", &[("comment_id", &older.to_string()), ("pinned", "1")], Some(&moderator)).await;
    assert_eq!(pin.status(), 200);
    let list: Value =
        s.call("/api/comments/list", &[("article_id", "1"), ("sort", "new")], None).await.json().await.unwrap();
    assert_eq!(list["comments"].as_array().unwrap().iter().filter(|c| c["pinned"] == true).count(), 1);
    let html = page(&s, "/article/1", None).await;
    let (pinned_at, newer_at) = (html.find("较早的评论").unwrap(), html.find("较新的评论").unwrap());
    assert!(pinned_at < newer_at && html.contains("置顶"), "the pinned comment leads");
    // Locked: the form gives way to a notice, posting is refused, the stream stays open.
    let lock = s.call("/api/moderation/lock", &[("article_id", "1"), ("locked", "1")], Some(&moderator)).await;
    assert_eq!(lock.status(), 200);
    let (status, body) = status_of(post(&s, &reader, 1, None, "还能评论吗").await).await;
    assert_eq!(status, 409);
    assert!(body["Conflict"].as_str().unwrap().contains("已关闭"));
    let html = page(&s, "/article/1", Some(&reader)).await;
    assert!(html.contains("本文评论已关闭") && !html.contains("id=\"comment-body\""), "no form on a locked thread");
    let open = stream(&s, 1, last_event(&s, 1).await).await;
    let unlock = s.call("/api/moderation/lock", &[("article_id", "1"), ("locked", "0")], Some(&moderator)).await;
    assert_eq!(unlock.status(), 200);
    posted(&s, &reader, 1, "又能评论了").await;
    let events = common::read_events(open, 1, Duration::from_secs(5)).await;
    assert_eq!(events[0]["change"]["Created"]["body"], "又能评论了");
}

#[tokio::test]
async fn without_javascript_a_report_and_a_hide_are_plain_posts_that_come_back_to_the_page() {
    let s = common::spawn_with(&NO_WAIT).await;
    let author = s.reader("zuo_zhe_yang").await;
    let id = posted(&s, &author, 1, "要被举报的评论").await["id"].as_i64().unwrap().to_string();
    let reader = s.reader("ju_bao_zhe_he").await;
    let plain = |path: &str, form: &[(&str, &str)], cookie: &str| {
        s.client
            .post(format!("{}{path}", s.base))
            .header("accept", "text/html")
            .header("cookie", cookie)
            .form(form)
            .send()
    };
    // 举报 without JavaScript: the page with `?report=` shows the form under the comment.
    let html = page(&s, &format!("/article/1?report={id}"), Some(&reader)).await;
    assert!(html.contains(&format!("id=\"report-{id}\"")) && html.contains("垃圾广告"), "the report form");
    let resp = plain("/api/comments/report", &[("comment_id", &id), ("reason", "abuse")], &reader).await.unwrap();
    assert_eq!(resp.status(), 302);
    let back = resp.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(back, format!("/article/1?reported={id}#c{id}"));
    assert!(page(&s, &back, Some(&reader)).await.contains("已收到您的举报"));
    // A moderator hides it from the queue page's plain form.
    let moderator = s.reader("ban_zhu_feng").await;
    grant(&s, "ban_zhu_feng", Role::Moderator).await;
    let queue = page(&s, "/admin/moderation", Some(&moderator)).await;
    assert!(queue.contains("要被举报的评论") && queue.contains("被举报 1 次"), "{queue}");
    let next = format!("/admin/moderation#q{id}");
    let resp = plain("/api/moderation/hide", &[("comment_id", &id), ("next", &next)], &moderator).await.unwrap();
    assert_eq!(resp.status(), 302);
    assert_eq!(resp.headers()["location"], next.as_str());
    assert!(page(&s, "/article/1", None).await.contains("该评论已被管理员隐藏"));
}

#[tokio::test]
async fn the_queue_puts_the_most_reported_first_site_wide_premoderation_holds_everyone_and_admins_read_the_log() {
    let s = common::spawn_with(&NO_WAIT).await;
    let admin = s.reader("guan_li_wang").await;
    grant(&s, "guan_li_wang", Role::Admin).await;
    let author = s.reader("xie_zuo_zhe").await;
    let once = posted(&s, &author, 1, "被举报一次").await["id"].as_i64().unwrap();
    let twice = posted(&s, &author, 1, "被举报两次").await["id"].as_i64().unwrap();
    for (name, id) in [("ju_bao_a", once), ("ju_bao_b", twice), ("ju_bao_c", twice)] {
        let reader = s.reader(name).await;
        let resp = s
            .call("/api/comments/report", &[("comment_id", &id.to_string()), ("reason", "abuse")], Some(&reader))
            .await;
        assert_eq!(resp.status(), 200);
    }
    // Every comment held, even an established reader's.
    let rules =
        s.call("/api/moderation/rules", &[("premoderation", "all"), ("new_reader_comments", "3")], Some(&admin)).await;
    assert_eq!(rules.status(), 200);
    let held = posted(&s, &author, 1, "全站先审").await;
    assert_eq!(held["review"], "pending");
    let queue: Value = s.call("/api/moderation/queue", &[], Some(&admin)).await.json().await.unwrap();
    let order: Vec<i64> =
        queue["queue"].as_array().unwrap().iter().map(|i| i["comment"]["id"].as_i64().unwrap()).collect();
    assert_eq!(order, vec![twice, once, held["id"].as_i64().unwrap()], "most-reported first, then the held");
    assert_eq!(queue["queue"][2]["comment"]["held_reason"], "全站先审后发");
    // The admin reads what was done, in Chinese, with the reason.
    let hide = s
        .call("/api/moderation/hide", &[("comment_id", &twice.to_string()), ("reason", "人身攻击")], Some(&admin))
        .await;
    assert_eq!(hide.status(), 200);
    let staff: Value = s.call("/api/admin/staff", &[], Some(&admin)).await.json().await.unwrap();
    let line = &staff["audit"][0];
    assert_eq!(line["text"], format!("隐藏评论 #{twice}"));
    assert_eq!(line["reason"], "人身攻击");
    assert_eq!(line["actor"], "guan_li_wang");
    assert_eq!(staff["audit"][1]["text"], "全站规则改为：全部先审后发");
}
