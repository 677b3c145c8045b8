//! Comments, replies, likes, deletion and the live stream, against the real server.
#![cfg(feature = "ssr")]

mod common;

use common::TestServer;
use serde_json::Value;
use std::time::Duration;

const NO_WAIT: [(&str, &str); 2] =
    [("JINRI_COMMENTS_MIN_INTERVAL_SECS", "0"), ("JINRI_AUTH_REGISTRATIONS_PER_IP_PER_HOUR", "1000")];

async fn post(s: &TestServer, cookie: &str, article: i64, parent: Option<i64>, body: &str) -> reqwest::Response {
    let article = article.to_string();
    let parent = parent.map(|p| p.to_string()).unwrap_or_default();
    s.call("/api/comments/post", &[("article_id", &article), ("parent_id", &parent), ("body", body)], Some(cookie))
        .await
}

/// The `name=value` of the flash cookie a response sets, if any.
fn flash_cookie(resp: &reqwest::Response) -> Option<String> {
    common::set_cookie_pair(resp, "jinri_flash=")
}

async fn posted(s: &TestServer, cookie: &str, article: i64, parent: Option<i64>, body: &str) -> Value {
    let resp = post(s, cookie, article, parent, body).await;
    assert_eq!(resp.status(), 200, "{:?}", resp.text().await);
    resp.json().await.unwrap()
}

async fn list(s: &TestServer, article: i64, sort: &str, page: u32) -> Value {
    let (a, p) = (article.to_string(), page.to_string());
    let resp = s.call("/api/comments/list", &[("article_id", &a), ("sort", sort), ("page", &p)], None).await;
    assert_eq!(resp.status(), 200);
    resp.json().await.unwrap()
}

/// The object with this `id` anywhere in `v`.
fn find_by_id(v: &Value, id: i64) -> Option<&Value> {
    match v {
        Value::Object(m) if m.get("id").and_then(Value::as_i64) == Some(id) && m.contains_key("body") => Some(v),
        Value::Object(m) => m.values().find_map(|x| find_by_id(x, id)),
        Value::Array(a) => a.iter().find_map(|x| find_by_id(x, id)),
        _ => None,
    }
}

async fn error_of(resp: reqwest::Response) -> (u16, Value) {
    (resp.status().as_u16(), resp.json().await.unwrap())
}

#[tokio::test]
async fn a_visitor_cannot_post_and_is_told_to_sign_in() {
    let s = common::spawn().await;
    let resp = s.call("/api/comments/post", &[("article_id", "1"), ("body", "你好")], None).await;
    assert_eq!(error_of(resp).await, (401, Value::String("Unauthorized".into())));
    let (_, html) = s.get("/article/1").await;
    assert!(html.contains("后参与评论"));
    assert!(html.contains("href=\"/login?next=/article/1%23comment-form\""));
}

#[tokio::test]
async fn a_signed_in_reader_comments_and_replies_and_the_page_shows_both_in_place() {
    let s = common::spawn_with(&NO_WAIT).await;
    let cookie = s.reader("评论者甲").await;
    let (_, before) = s.get("/article/1").await;
    let count_before: i64 = before.split("评论").nth(1).unwrap().split('条').next().unwrap().parse().unwrap_or(-1);
    let c = posted(&s, &cookie, 1, None, "第一条评论\n第二行").await;
    assert_eq!(c["author"]["name"], "评论者甲");
    assert_eq!(c["body"], "第一条评论\n第二行");
    let id = c["id"].as_i64().unwrap();
    let r = posted(&s, &cookie, 1, Some(id), "回复自己").await;
    assert_eq!(r["parent_id"], id);
    let rr = posted(&s, &cookie, 1, Some(r["id"].as_i64().unwrap()), "再回复").await;

    assert_eq!((rr["parent_id"].clone(), rr["root_id"].as_i64()), (r["id"].clone(), Some(id)));
    assert_eq!(rr["reply_to"], "评论者甲");
    // The answer is built from what posting read and wrote: it is the comment as stored.
    let page = list(&s, 1, "new", 1).await;
    for answer in [&c, &r, &rr] {
        let mut stored = find_by_id(&page, answer["id"].as_i64().unwrap()).expect("listed").clone();
        if answer == &c {
            stored["replies"] = 0.into(); // it had none when it was posted
        }
        assert_eq!(&stored, answer);
    }

    let (_, html) = s.get("/article/1").await;
    assert!(html.contains(&format!("评论{}条", count_before + 3)), "count updated");
    let comment = html.find(&format!("id=\"c{id}\"")).unwrap();
    let reply = html.find(&format!("id=\"c{}\"", r["id"])).unwrap();
    let deeper = html.find(&format!("id=\"c{}\"", rr["id"])).unwrap();
    assert!(comment < reply && reply < deeper);
    assert!(html[comment..reply].contains("<ol class=\"replies\">"), "the replies are listed under their comment");
    // Two levels only: the answer to the reply is listed beside it, saying whom it answers.
    assert!(!html[reply..deeper].contains("<ol"), "no list nested in a reply");
    assert!(!html[reply..deeper].contains("回复 @"), "a reply to the top-level comment needs no 回复 @");
    assert!(html[deeper..].contains("回复 @评论者甲"));
    assert!(html.contains("第一条评论\n第二行"), "line breaks kept");
}

#[tokio::test]
async fn empty_too_long_and_repeated_comments_are_refused() {
    let s = common::spawn_with(&NO_WAIT).await;
    let cookie = s.reader("规则读者").await;
    for body in ["", "   \n  "] {
        let (status, e) = error_of(post(&s, &cookie, 1, None, body).await).await;
        assert_eq!((status, e["Validation"]["field"].as_str()), (400, Some("body")));
        assert!(e["Validation"]["message"].as_str().unwrap().contains("不能为空"));
    }
    let (status, e) = error_of(post(&s, &cookie, 1, None, &"长".repeat(2001)).await).await;
    assert_eq!(status, 400);
    assert!(e["Validation"]["message"].as_str().unwrap().contains("最多 2000"));
    posted(&s, &cookie, 1, None, &"长".repeat(2000)).await;
    posted(&s, &cookie, 1, None, "同样的话").await;
    let (status, e) = error_of(post(&s, &cookie, 1, None, "  同样的话 ").await).await;
    assert_eq!(status, 400);
    assert!(e["Validation"]["message"].as_str().unwrap().contains("重复"));
    // The same words on another article are fine.
    posted(&s, &cookie, 2, None, "同样的话").await;
}

#[tokio::test]
async fn a_reader_may_post_once_per_interval() {
    let s = common::spawn_with(&[("JINRI_COMMENTS_MIN_INTERVAL_SECS", "2")]).await;
    let cookie = s.reader("急性子").await;
    posted(&s, &cookie, 1, None, "第一条").await;
    let resp = post(&s, &cookie, 1, None, "第二条").await;
    assert_eq!(resp.status(), 429);
    assert!(resp.headers().contains_key("retry-after"));
    let (_, e) = error_of(resp).await;
    assert!(e["RateLimited"]["retry_after_secs"].as_u64().unwrap() <= 2);
    tokio::time::sleep(Duration::from_millis(2100)).await;
    posted(&s, &cookie, 1, None, "第二条").await;
}

#[tokio::test]
async fn a_reply_must_answer_a_comment_of_the_same_article() {
    let s = common::spawn_with(&NO_WAIT).await;
    let cookie = s.reader("跨文回复").await;
    let c = posted(&s, &cookie, 1, None, "文章一的评论").await;
    let (status, _) = error_of(post(&s, &cookie, 2, c["id"].as_i64(), "回复到别的文章").await).await;
    assert_eq!(status, 400);
    let (status, _) = error_of(post(&s, &cookie, 999, None, "不存在的文章").await).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn hostile_text_is_shown_as_text_and_only_web_addresses_become_links() {
    let s = common::spawn_with(&NO_WAIT).await;
    let cookie = s.reader("捣乱者").await;
    let nasty = "<script>alert(1)</script><img src=x onerror=alert(2)> javascript:alert(3) \u{202e}evil https://example.com/x?a=1&b=2";
    posted(&s, &cookie, 1, None, nasty).await;
    let resp = s.client.get(format!("{}/article/1", s.base)).send().await.unwrap();
    let html = common::strip_comments(&resp.text().await.unwrap());
    assert!(!html.contains("<script>alert(1)"));
    assert!(!html.contains("<img src=x"));
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;"));
    assert!(!html.contains("href=\"javascript:"));
    assert!(
        html.contains("<a href=\"https://example.com/x?a=1&amp;b=2\" rel=\"nofollow ugc noopener\" target=\"_blank\">")
    );
}

#[tokio::test]
async fn a_like_is_one_per_reader_and_toggles() {
    let s = common::spawn_with(&NO_WAIT).await;
    let a = s.reader("点赞甲").await;
    let b = s.reader("点赞乙").await;
    let c = posted(&s, &a, 1, None, "值得一赞").await;
    let id = c["id"].as_i64().unwrap().to_string();
    let like = |cookie: String| {
        let id = id.clone();
        let s = &s;
        async move {
            s.call("/api/comments/like", &[("comment_id", &id)], Some(&cookie)).await.json::<Value>().await.unwrap()
        }
    };
    let v = like(a.clone()).await;
    assert_eq!((v["likes"].as_i64(), v["liked"].as_bool()), (Some(1), Some(true)));
    let v = like(b.clone()).await;
    assert_eq!(v["likes"], 2);
    let v = like(a.clone()).await;
    assert_eq!((v["likes"].as_i64(), v["liked"].as_bool()), (Some(1), Some(false)));
    let hot = list(&s, 1, "hot", 1).await;
    let first_root = hot["comments"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["parent_id"].is_null())
        .max_by_key(|c| c["likes"].as_i64())
        .unwrap()
        .clone();
    assert_eq!(first_root["id"].as_i64(), c["id"].as_i64());
}

#[tokio::test]
async fn an_author_deletes_their_comment_and_its_replies_stay() {
    let s = common::spawn_with(&NO_WAIT).await;
    let a = s.reader("删除者").await;
    let b = s.reader("回复者").await;
    let c = posted(&s, &a, 1, None, "说错了的话").await;
    let id = c["id"].as_i64().unwrap();
    posted(&s, &b, 1, Some(id), "我回复了这条").await;
    let others = s.call("/api/comments/delete", &[("comment_id", &id.to_string())], Some(&b)).await;
    assert_eq!(others.status(), 403);
    let mine = s.call("/api/comments/delete", &[("comment_id", &id.to_string())], Some(&a)).await;
    assert_eq!(mine.status(), 200);
    let (_, html) = s.get("/article/1").await;
    assert!(html.contains("该评论已删除"));
    assert!(!html.contains("说错了的话"));
    assert!(html.contains("我回复了这条"));
    let page = list(&s, 1, "new", 1).await;
    let deleted = page["comments"].as_array().unwrap().iter().find(|x| x["id"] == id).unwrap().clone();
    assert_eq!((deleted["deleted"].as_bool(), deleted["body"].as_str()), (Some(true), Some("")));
}

#[tokio::test]
async fn a_deleted_comment_nothing_answers_leaves_the_thread_and_never_leads_the_hot_order() {
    let s = common::spawn_with(&NO_WAIT).await;
    let a = s.reader("删后即走").await;
    let mut fans = Vec::new();
    for name in ["点赞者甲", "点赞者乙", "点赞者丙"] {
        fans.push(s.reader(name).await);
    }
    let gone = posted(&s, &a, 3, None, "没人回复的楼").await["id"].as_i64().unwrap();
    let liked = posted(&s, &a, 3, None, "很多人赞过的话").await["id"].as_i64().unwrap();
    posted(&s, &fans[0], 3, Some(liked), "我回复了这条").await;
    let lone_reply = posted(&s, &a, 3, Some(liked), "没人回复的回复").await["id"].as_i64().unwrap();
    let answered_reply = posted(&s, &a, 3, Some(liked), "被回复的回复").await["id"].as_i64().unwrap();
    posted(&s, &fans[1], 3, Some(answered_reply), "我回复了那条回复").await;
    for f in &fans {
        assert_eq!(like(&s, f, liked).await.status(), 200);
    }
    let likes_of = |page: &Value, id: i64| find_by_id(page, id).map(|c| c["likes"].as_i64().unwrap());
    assert_eq!(likes_of(&list(&s, 3, "hot", 1).await, liked), Some(3));
    for id in [gone, liked, lone_reply, answered_reply] {
        let resp = s.call("/api/comments/delete", &[("comment_id", &id.to_string())], Some(&a)).await;
        assert_eq!(resp.status(), 200);
    }
    for sort in ["hot", "new", "old"] {
        let page = list(&s, 3, sort, 1).await;
        assert!(find_by_id(&page, gone).is_none(), "{sort}: a deleted comment without replies is gone");
        assert!(find_by_id(&page, lone_reply).is_none(), "{sort}: so is a deleted reply nothing answers");
        for kept in [liked, answered_reply] {
            let kept = find_by_id(&page, kept).expect("a deleted comment that was answered stays");
            assert_eq!((kept["deleted"].as_bool(), kept["body"].as_str()), (Some(true), Some("")));
        }
        let host = find_by_id(&page, liked).unwrap();
        assert_eq!(host["replies"], 3, "{sort}: the thread counts what it lists");
    }
    // 最热: the deleted comment's likes no longer count; every comment above it has some.
    let plain = posted(&s, &fans[2], 3, None, "一条没人赞的评论").await["id"].as_i64().unwrap();
    let hot = list(&s, 3, "hot", 1).await;
    assert_eq!(likes_of(&hot, liked), Some(0));
    assert_eq!(likes_of(&hot, plain), Some(0));
    let (_, html) = s.get("/article/3?sort=hot").await;
    let thread = &html[html.find("<ol class=\"comments\"").expect("the thread")..];
    let first = thread.split(" id=\"c").nth(1).unwrap().split('"').next().unwrap();
    assert_ne!(first, liked.to_string(), "the page's first comment in 最热 is not the deleted one");
    assert!(!html.contains("没人回复的楼") && !html.contains("没人回复的回复"));
    assert_eq!(html.matches("该评论已删除").count(), 2, "only the answered comments say they were deleted");
    // Replies read later leave it out too.
    let more = s.call("/api/comments/replies", &[("root_id", &liked.to_string())], None).await;
    let more: Value = more.json().await.unwrap();
    assert!(find_by_id(&more, lone_reply).is_none() && find_by_id(&more, answered_reply).is_some());
}

#[tokio::test]
async fn without_javascript_a_post_returns_to_the_article_at_the_new_comment() {
    let s = common::spawn_with(&NO_WAIT).await;
    let cookie = s.reader("无脚本").await;
    let form = |body: &'static str| {
        s.client
            .post(format!("{}/api/comments/post", s.base))
            .header("accept", "text/html")
            .header("cookie", &cookie)
            .form(&[("article_id", "1"), ("parent_id", ""), ("body", body)])
            .send()
    };
    let resp = form("纯表单评论").await.unwrap();
    assert_eq!(resp.status(), 302);
    let location = resp.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with("/article/1#c"), "{location}");
    let resp = form("纯表单评论").await.unwrap();
    let location = resp.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(location, "/article/1#comment-form", "no error and no text in the address");
    let flash = flash_cookie(&resp).expect("flash cookie");
    // The refused text comes back in the box.
    let cookie_req = s.client.get(format!("{}/article/1", s.base)).header("cookie", format!("{cookie}; {flash}"));
    let html = common::strip_comments(&cookie_req.send().await.unwrap().text().await.unwrap());
    assert!(html.contains(">纯表单评论</textarea>"));
    assert!(html.contains("重复"));
}

#[tokio::test]
async fn without_javascript_an_overlong_comment_comes_back_whole_with_its_error_and_forged_ones_show_nothing() {
    let s = common::spawn_with(&NO_WAIT).await;
    let cookie = s.reader("长文读者").await;
    let body = "长".repeat(2001);
    let resp = s
        .client
        .post(format!("{}/api/comments/post", s.base))
        .header("accept", "text/html")
        .header("cookie", &cookie)
        .form(&[("article_id", "1"), ("parent_id", ""), ("body", body.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 302);
    assert_eq!(resp.headers()["location"], "/article/1#comment-form");
    let flash = flash_cookie(&resp).expect("flash cookie");
    let resp = s
        .client
        .get(format!("{}/article/1", s.base))
        .header("cookie", format!("{cookie}; {flash}"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let html = common::strip_comments(&resp.text().await.unwrap());
    assert!(html.contains(&format!(">{body}</textarea>")), "the whole text is back in the box");
    assert!(html.contains("评论最多 2000 个字"));
    // A query made up in the address fills nothing and says nothing.
    let spoof = format!("/article/1?field=body&error={}&body={}", common::encode("请转账"), common::encode("假话"));
    let resp = s.client.get(format!("{}{spoof}", s.base)).header("cookie", &cookie).send().await.unwrap();
    let html = common::strip_comments(&resp.text().await.unwrap());
    assert!(!html.contains("请转账") && !html.contains("假话"), "{spoof}");
    assert!(html.contains("></textarea>"), "an empty box");
}

#[tokio::test]
async fn long_threads_are_paged_twenty_top_level_comments_at_a_time() {
    let s = common::spawn_with(&NO_WAIT).await;
    let cookie = s.reader("话痨").await;
    for i in 0..45 {
        posted(&s, &cookie, 3, None, &format!("第{i}条")).await;
    }
    let roots = |v: &Value| v["comments"].as_array().unwrap().iter().filter(|c| c["parent_id"].is_null()).count();
    let p1 = list(&s, 3, "new", 1).await;
    assert_eq!((roots(&p1), p1["has_more"].as_bool()), (20, Some(true)));
    assert!(p1["total"].as_i64().unwrap() >= 45);
    let p3 = list(&s, 3, "new", 3).await;
    assert!(p3["has_more"] == false);
    let (_, html) = s.get("/article/3").await;
    assert!(html.contains(">加载更多</a>"));
    assert!(html.contains("第44条") && !html.contains(">第0条<"));
}

async fn subscribe(s: &TestServer, article: i64, after: Option<i64>, last_event_id: Option<i64>) -> reqwest::Response {
    let mut url = format!("{}/api/comments/stream?article_id={article}", s.base);
    if let Some(a) = after {
        url.push_str(&format!("&after={a}"));
    }
    let client = reqwest::Client::new();
    let mut req = client.get(url);
    if let Some(id) = last_event_id {
        req = req.header("last-event-id", id.to_string());
    }
    let resp = req.send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.headers()["content-type"].to_str().unwrap().starts_with("text/event-stream"));
    assert_eq!(resp.headers()["x-accel-buffering"], "no", "a proxy must not hold the events back");
    resp
}

#[tokio::test]
async fn a_subscriber_receives_new_comments_replies_likes_and_deletions() {
    let s = common::spawn_with(&NO_WAIT).await;
    let cookie = s.reader("直播甲").await;
    let start = list(&s, 1, "new", 1).await["last_event_id"].as_i64().unwrap();
    let stream = subscribe(&s, 1, Some(start), None).await;
    let c = posted(&s, &cookie, 1, None, "实时评论").await;
    let id = c["id"].as_i64().unwrap();
    posted(&s, &cookie, 1, Some(id), "实时回复").await;
    s.call("/api/comments/like", &[("comment_id", &id.to_string())], Some(&cookie)).await;
    // A like is announced about a second later (`server::likes`); wait for it to keep the order.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    s.call("/api/comments/delete", &[("comment_id", &id.to_string())], Some(&cookie)).await;
    // A comment on another article does not reach this stream.
    posted(&s, &cookie, 2, None, "别的文章").await;
    let events = common::read_events(stream, 4, Duration::from_secs(10)).await;
    assert_eq!(events.len(), 4, "{events:?}");
    assert_eq!(events[0]["change"]["Created"]["body"], "实时评论");
    assert_eq!(events[1]["change"]["Created"]["parent_id"], id);
    assert_eq!(events[2]["change"]["Liked"]["likes"], 1);
    assert_eq!(events[3]["change"]["Deleted"], id);
    assert_eq!(events[1]["comment_count"].as_i64().unwrap() - 1, events[3]["comment_count"].as_i64().unwrap());
    let ids: Vec<i64> = events.iter().map(|e| e["id"].as_i64().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]));
}

#[tokio::test]
async fn a_reader_resumes_after_a_restart_from_the_last_event_it_saw() {
    let dir = tempfile::tempdir().unwrap();
    let s = common::spawn_at_with(dir.path(), &NO_WAIT).await;
    let cookie = s.reader("断线重连").await;
    let stream = subscribe(&s, 1, Some(0), None).await;
    posted(&s, &cookie, 1, None, "断线前").await;
    let seen = common::read_events(stream, 1, Duration::from_secs(10)).await;
    let last = seen[0]["id"].as_i64().unwrap();
    // The server goes away and comes back on the same database; meanwhile comments arrive.
    drop(s);
    let again = common::spawn_at_with(dir.path(), &NO_WAIT).await;
    posted(&again, &cookie, 1, None, "断线后一").await;
    posted(&again, &cookie, 1, None, "断线后二").await;
    // A browser reconnects with Last-Event-ID (it wins over the page's `after`).
    let stream = subscribe(&again, 1, Some(0), Some(last)).await;
    posted(&again, &cookie, 1, None, "重连后").await;
    let events = common::read_events(stream, 3, Duration::from_secs(10)).await;
    let bodies: Vec<&str> = events.iter().map(|e| e["change"]["Created"]["body"].as_str().unwrap()).collect();
    assert_eq!(bodies, vec!["断线后一", "断线后二", "重连后"]);
}

#[tokio::test]
async fn fifty_concurrent_posters_leave_a_thousand_comments_and_every_subscriber_gets_each_once() {
    let s = common::spawn_with(&NO_WAIT).await;
    let start = list(&s, 4, "new", 1).await;
    let (start_id, start_total) = (start["last_event_id"].as_i64().unwrap(), start["total"].as_i64().unwrap());
    let subscribers: Vec<_> = futures::future::join_all((0..3).map(|_| subscribe(&s, 4, Some(start_id), None))).await;
    let mut cookies = Vec::new();
    for i in 0..50 {
        cookies.push(s.reader(&format!("poster{i}")).await);
    }
    let readers = subscribers.into_iter().map(|r| tokio::spawn(common::read_events(r, 1000, Duration::from_secs(120))));
    let readers: Vec<_> = readers.collect();
    let posters = cookies.iter().enumerate().map(|(i, cookie)| {
        let s = &s;
        async move {
            for j in 0..20 {
                posted(s, cookie, 4, None, &format!("并发 {i}-{j}")).await;
            }
        }
    });
    futures::future::join_all(posters).await;
    let after = list(&s, 4, "new", 1).await;
    assert_eq!(after["total"].as_i64().unwrap() - start_total, 1000);
    for r in readers {
        let events = r.await.unwrap();
        assert_eq!(events.len(), 1000);
        let mut ids: Vec<i64> = events.iter().map(|e| e["change"]["Created"]["id"].as_i64().unwrap()).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 1000, "each comment once");
    }
}

#[tokio::test]
async fn an_unknown_article_has_no_stream() {
    let s = common::spawn().await;
    for q in ["article_id=999999", "article_id=abc"] {
        let resp = s.client.get(format!("{}/api/comments/stream?{q}", s.base)).send().await.unwrap();
        assert_eq!(resp.status(), 404, "{q}");
    }
}

#[tokio::test]
async fn one_address_may_hold_only_so_many_live_streams() {
    let s = common::spawn_with(&[("JINRI_LIVE_MAX_STREAMS_PER_IP", "2")]).await;
    let first = subscribe(&s, 1, None, None).await;
    let _second = subscribe(&s, 2, None, None).await;
    let third =
        reqwest::Client::new().get(format!("{}/api/comments/stream?article_id=3", s.base)).send().await.unwrap();
    assert_eq!(third.status(), 429);
    // Closing a stream frees its place.
    drop(first);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let again =
        reqwest::Client::new().get(format!("{}/api/comments/stream?article_id=3", s.base)).send().await.unwrap();
    assert_eq!(again.status(), 200);
}

fn nonce_of(resp: &reqwest::Response) -> String {
    let csp = resp.headers()["content-security-policy"].to_str().unwrap();
    csp.split("'nonce-").nth(1).unwrap().split('\'').next().unwrap().to_owned()
}

#[tokio::test]
async fn guests_share_a_rendered_page_until_a_comment_changes_it_and_each_copy_has_its_own_nonce() {
    let s = common::spawn_with(&NO_WAIT).await;
    let url = format!("{}/article/1", s.base);
    let mut nonces: Vec<String> = Vec::new();
    for _ in 0..3 {
        let resp = s.client.get(&url).send().await.unwrap();
        assert_eq!(resp.status(), 200);
        let nonce = nonce_of(&resp);
        let html = resp.text().await.unwrap();
        assert!(html.contains(&format!("nonce=\"{nonce}\"")), "the page's scripts carry the policy's nonce");
        for old in &nonces {
            assert!(!html.contains(old.as_str()), "an earlier response's nonce is never sent again");
        }
        nonces.push(nonce);
    }
    // A comment, a like and a deletion each show on the next guest page at once.
    let cookie = s.reader("缓存读者").await;
    let c = posted(&s, &cookie, 1, None, "缓存之后的新评论").await;
    let (_, html) = s.get("/article/1").await;
    assert!(html.contains("缓存之后的新评论"));
    let id = c["id"].as_i64().unwrap().to_string();
    assert_eq!(s.call("/api/comments/like", &[("comment_id", &id)], Some(&cookie)).await.status(), 200);
    // A like reaches guests' pages when it is announced, about a second later.
    let likes = guest_likes_within(&s, "/article/1", "缓存之后的新评论", Duration::from_secs(3), "赞 1").await;
    assert!(likes.starts_with("赞 1"), "the like is counted: {likes}");
    assert_eq!(s.call("/api/comments/delete", &[("comment_id", &id)], Some(&cookie)).await.status(), 200);
    let (_, html) = s.get("/article/1").await;
    assert!(!html.contains("缓存之后的新评论"));
    // A signed-in reader never gets the guests' page.
    let resp = s.client.get(&url).header("cookie", &cookie).send().await.unwrap();
    let html = common::strip_comments(&resp.text().await.unwrap());
    assert!(html.contains("缓存读者") && html.contains("退出"));
    let (_, html) = s.get("/article/1").await;
    assert!(!html.contains("退出"), "and guests never get a signed-in reader's page");
}

/// Found by sqlmap (bench/scan.sh): errors that the reader's request caused answered 500.
#[tokio::test]
async fn server_function_errors_caused_by_the_request_answer_4xx_not_500() {
    let s = common::spawn().await;
    type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], u16);
    let cases: [Case; 8] = [
        ("/api/articles/get", &[("id", "99999")], 404),
        ("/api/articles/get", &[("id", "1'")], 404),
        ("/api/articles/list", &[("channel", "nowhere"), ("page", "1")], 404),
        ("/api/articles/list", &[("page", "x")], 400),
        ("/api/comments/list", &[("article_id", "1"), ("sort", "zz")], 400),
        ("/api/comments/list", &[("article_id", "99999")], 404),
        ("/api/comments/like", &[("comment_id", "x")], 400),
        ("/api/auth/login", &[("name", "someone")], 400),
    ];
    for (endpoint, form, status) in cases {
        let resp = s.call(endpoint, form, None).await;
        assert_eq!(resp.status().as_u16(), status, "{endpoint} {form:?}");
        // The body is still the error the browser bundle decodes.
        let error: jinri::model::AppError = resp.json().await.unwrap();
        assert_ne!(error, jinri::model::AppError::Internal, "{endpoint} {form:?}");
    }
    // A good request is untouched.
    assert_eq!(s.call("/api/articles/get", &[("id", "1")], None).await.status(), 200);
}

/// The like label (`赞 N`) of the comment with `body` on a guest's page, checked until it reads
/// `want` or `within` has passed.
async fn guest_likes_within(s: &TestServer, path: &str, body: &str, within: Duration, want: &str) -> String {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let (_, html) = s.get(path).await;
        let at = html.find(body).expect("comment on the page");
        let label = html[at..][html[at..].find("赞 ").unwrap()..].chars().take(6).collect::<String>();
        if label.starts_with(want) || tokio::time::Instant::now() > deadline {
            return label;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn like(s: &TestServer, cookie: &str, id: i64) -> reqwest::Response {
    s.call("/api/comments/like", &[("comment_id", &id.to_string())], Some(cookie)).await
}

#[tokio::test]
async fn a_like_taken_back_within_a_second_leaves_no_new_event() {
    let s = common::spawn_with(&NO_WAIT).await;
    let a = s.reader("反悔甲").await;
    let b = s.reader("反悔乙").await;
    let id = posted(&s, &a, 1, None, "点了又取消").await["id"].as_i64().unwrap();
    let before = list(&s, 1, "new", 1).await["last_event_id"].as_i64().unwrap();
    let v: Value = like(&s, &b, id).await.json().await.unwrap();
    assert_eq!((v["likes"].as_i64(), v["liked"].as_bool()), (Some(1), Some(true)), "the reader's own answer at once");
    let v: Value = like(&s, &b, id).await.json().await.unwrap();
    assert_eq!((v["likes"].as_i64(), v["liked"].as_bool()), (Some(0), Some(false)));
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(list(&s, 1, "new", 1).await["last_event_id"].as_i64().unwrap(), before);
}

#[tokio::test]
async fn a_single_like_reaches_a_live_stream_within_two_seconds_with_its_count() {
    let s = common::spawn_with(&NO_WAIT).await;
    let a = s.reader("直播点赞甲").await;
    let b = s.reader("直播点赞乙").await;
    let id = posted(&s, &a, 1, None, "请点赞").await["id"].as_i64().unwrap();
    let start = list(&s, 1, "new", 1).await["last_event_id"].as_i64().unwrap();
    let stream = subscribe(&s, 1, Some(start), None).await;
    assert_eq!(like(&s, &b, id).await.status(), 200);
    let events = common::read_events(stream, 1, Duration::from_secs(2)).await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["change"]["Liked"]["comment_id"], id);
    assert_eq!(events[0]["change"]["Liked"]["likes"], 1);
}

#[tokio::test]
async fn many_likes_within_a_second_are_announced_as_one_event_with_the_final_count() {
    let s = common::spawn_with(&NO_WAIT).await;
    let author = s.reader("热门作者").await;
    let id = posted(&s, &author, 1, None, "很多人点赞").await["id"].as_i64().unwrap();
    let mut fans = Vec::new();
    for i in 0..5 {
        fans.push(s.reader(&format!("粉丝{i}")).await);
    }
    let start = list(&s, 1, "new", 1).await["last_event_id"].as_i64().unwrap();
    let stream = subscribe(&s, 1, Some(start), None).await;
    let replies = futures::future::join_all(fans.iter().map(|f| like(&s, f, id))).await;
    assert!(replies.iter().all(|r| r.status() == 200));
    let events = common::read_events(stream, 2, Duration::from_millis(2500)).await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["change"]["Liked"]["likes"], 5);
}

#[tokio::test]
async fn the_thirty_first_like_in_a_minute_answers_429() {
    let s = common::spawn_with(&NO_WAIT).await;
    let a = s.reader("手快读者").await;
    let b = s.reader("别的读者").await;
    let id = posted(&s, &a, 1, None, "反复点赞").await["id"].as_i64().unwrap();
    for i in 0..30 {
        assert_eq!(like(&s, &a, id).await.status(), 200, "like {}", i + 1);
    }
    let resp = like(&s, &a, id).await;
    assert_eq!(resp.status(), 429);
    let retry: u64 = resp.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    let (_, e) = error_of(resp).await;
    let message = serde_json::from_value::<jinri::model::AppError>(e).unwrap().to_string();
    assert!(message.contains("操作太频繁"), "{message}");
    // Nothing changed (30 toggles: not liked), and another reader is not limited.
    let v: Value = like(&s, &b, id).await.json().await.unwrap();
    assert_eq!(v["likes"], 1);
}

#[tokio::test]
async fn a_like_on_a_deleted_comment_is_refused_and_changes_nothing() {
    let s = common::spawn_with(&NO_WAIT).await;
    let a = s.reader("已删作者").await;
    let b = s.reader("迟到读者").await;
    let id = posted(&s, &a, 1, None, "马上删除").await["id"].as_i64().unwrap();
    assert_eq!(s.call("/api/comments/delete", &[("comment_id", &id.to_string())], Some(&a)).await.status(), 200);
    let before = list(&s, 1, "new", 1).await["last_event_id"].as_i64().unwrap();
    let (status, e) = error_of(like(&s, &b, id).await).await;
    assert_eq!(status, 409);
    assert!(e["Conflict"].as_str().unwrap().contains("已删除"), "{e}");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let page = list(&s, 1, "new", 1).await;
    assert_eq!(page["last_event_id"].as_i64().unwrap(), before);
    assert!(find_by_id(&page, id).is_none(), "a deleted comment nothing answers is not listed");
}

#[tokio::test]
async fn a_guest_page_rendered_while_a_like_was_pending_is_not_served_after_it_is_taken_back() {
    let s = common::spawn_with(&NO_WAIT).await;
    let a = s.reader("缓存反悔甲").await;
    let id = posted(&s, &a, 1, None, "缓存里的赞").await["id"].as_i64().unwrap();
    assert_eq!(like(&s, &a, id).await.status(), 200);
    // A guest page rendered now (not cached before) shows the like…
    let shown = guest_likes_within(&s, "/article/1?sort=new", "缓存里的赞", Duration::ZERO, "赞 1").await;
    assert!(shown.starts_with("赞 1"), "{shown}");
    // …which is taken back before it is announced: the page must not keep showing it.
    assert_eq!(like(&s, &a, id).await.status(), 200);
    let later = guest_likes_within(&s, "/article/1?sort=new", "缓存里的赞", Duration::from_secs(3), "赞 0").await;
    assert!(later.starts_with("赞 0"), "{later}");
}

/// The page's hydration data: each resource's JSON written as a single-quoted JavaScript string
/// (`vendor/hydration_context`, `write_js_string`). No `<` (so no `</script>` or `<!--`), no
/// line terminator and no control character reaches the page raw, and the string reads back
/// exactly (`js_string` reads it as a browser would).
#[test]
fn the_hydration_data_writer_round_trips_every_character_and_never_ends_its_script() {
    let cases = [
        "",
        "plain ascii",
        "中文评论，带全角标点：“引号”",
        "</script><script>alert(1)</script><!-- --> </SCRIPT >",
        "\"quotes\" and \\backslashes\\ \\u003c not an escape, 'single' \\' quotes",
        "line\nbreak\r\nand\ttab \u{2028} \u{2029} \u{0} \u{1f} \u{7f}",
        "emoji 🎉👩\u{200d}💻 and a combining mark e\u{301} \u{200b}",
        r#"{"id":1,"body":"<b>x</b>","n":[1,2]}"#,
    ];
    for case in cases {
        let mut out = String::new();
        hydration_context::write_js_string(&mut out, case);
        assert!(!out.contains('<'), "{out}");
        assert!(!out.chars().any(|c| c.is_control() || c == '\u{2028}' || c == '\u{2029}'), "{out:?}");
        let (back, used) = js_string(&out);
        assert_eq!(used, out.len(), "one literal: {out}");
        assert_eq!(back, case);
    }
    // Each character the writer looks at, at every place in a word of the scan (eight bytes
    // at a time), behind ASCII or Chinese text.
    for needle in ['\'', '\\', '<', '\n', '\u{1}', '\u{1f}', '\u{7f}', '\u{2028}', '\u{2029}', '“', '"', ' ', '中'] {
        for lead in 0..20 {
            for filler in ["a", "中"] {
                let case = format!("{}{needle}{}", filler.repeat(lead), filler.repeat(20 - lead));
                let mut out = String::new();
                hydration_context::write_js_string(&mut out, &case);
                assert!(
                    !out.contains('<') && !out.chars().any(|c| c.is_control() || c == '\u{2028}' || c == '\u{2029}'),
                    "{out:?}"
                );
                assert_eq!(js_string(&out), (case, out.len()));
            }
        }
    }
    // Every character there is, each beside the bytes the writer looks at (the lead byte 0xE2
    // of U+2028 and U+2029 starts many others, e.g. U+2027, U+202A, U+20AC).
    let every: String = (0..=0x10ffff_u32).filter_map(char::from_u32).flat_map(|c| [c, '"', c, '\'', c, '<']).collect();
    let mut out = String::new();
    hydration_context::write_js_string(&mut out, &every);
    assert!(!out.contains('<'));
    assert!(!out.chars().any(|c| (c < ' ' || c == '\u{7f}') || c == '\u{2028}' || c == '\u{2029}'));
    let (back, used) = js_string(&out);
    assert_eq!(used, out.len());
    assert!(back == every, "every character comes back");
    let expected_len = every.len()
        + every
            .chars()
            .map(|c| match c {
                '\'' | '\\' | '\n' | '\r' | '\t' => 1,
                '<' => 5,
                '\u{2028}' | '\u{2029}' => 3,
                c if c < ' ' || c == '\u{7f}' => 5,
                _ => 0,
            })
            .sum::<usize>()
        + 2;
    assert_eq!(out.len(), expected_len, "nothing but the escapes grows");
}

/// The single-quoted JavaScript string literal at the start of `text`, read as a browser reads
/// it, and its length in bytes. Only what `write_js_string` may write is accepted: a raw
/// control character, line terminator or `<` inside, an unknown escape or a missing end fails.
fn js_string(text: &str) -> (String, usize) {
    let mut chars = text.char_indices();
    assert_eq!(chars.next().map(|(_, c)| c), Some('\''), "a literal starts with a quote: {text:.40}");
    let mut out = String::new();
    while let Some((at, c)) = chars.next() {
        match c {
            '\'' => return (out, at + 1),
            '\\' => match chars.next().map(|(_, e)| e) {
                Some('\'') => out.push('\''),
                Some('\\') => out.push('\\'),
                Some('n') => out.push('\n'),
                Some('r') => out.push('\r'),
                Some('t') => out.push('\t'),
                Some('u') => {
                    let hex: String = (0..4).map(|_| chars.next().expect("four hex digits").1).collect();
                    out.push(char::from_u32(u32::from_str_radix(&hex, 16).expect("hex")).expect("a character"));
                }
                other => panic!("unknown escape {other:?}"),
            },
            c if c < ' ' || c == '\u{7f}' || c == '\u{2028}' || c == '\u{2029}' || c == '<' => {
                panic!("raw {c:?} in a literal")
            }
            c => out.push(c),
        }
    }
    panic!("the literal does not end: {text:.40}")
}

/// On a real page: a hostile comment is carried in the hydration data exactly as the API
/// answers it, and the page's text holds no script end but the real ones.
#[tokio::test]
async fn a_hostile_comment_reaches_the_hydration_data_exactly() {
    let s = common::spawn_with(&NO_WAIT).await;
    let cookie = s.reader("脚本终结者").await;
    let nasty = "</script><!-- \"引号\" \\反斜杠\\ 第二行\n🎉 </SCRIPT >";
    let c = posted(&s, &cookie, 1, None, nasty).await;
    let html = s.client.get(format!("{}/article/1", s.base)).send().await.unwrap().text().await.unwrap();
    let mut carried = 0;
    for part in html.split("__RESOLVED_RESOURCES[").skip(1) {
        let (_, rest) = part.split_once("] = ").expect("a resource's data");
        let (literal, _) = js_string(rest);
        // A resource's value is its JSON; an error's, `!` and its JSON (`api::codec::Json`).
        let json = literal.strip_prefix('!').unwrap_or(&literal);
        let data: Value = serde_json::from_str(json).expect("each resource's data is JSON");
        if let Some(found) = find_by_id(&data, c["id"].as_i64().unwrap()) {
            assert_eq!(found["body"], nasty);
            carried += 1;
        }
    }
    assert_eq!(carried, 1, "the comment is in the page's data once");
    // Only the page's own scripts end: none inside the data.
    let scripts = html.matches("<script").count();
    assert_eq!(html.to_lowercase().matches("</script").count(), scripts);
}
