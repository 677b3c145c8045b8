//! Threads an abuser can build: replies to replies ten thousand deep, a thousand long replies
//! under one comment, the largest article page. Built straight in the database (as `jinri
//! generate` does) or through the API, then read the ways readers read them. A stack overflow
//! anywhere would abort this whole test binary.
#![cfg(feature = "ssr")]

mod common;

use common::TestServer;
use jinri::model::ArticleId;
use jinri::server::db;
use serde_json::Value;
use std::collections::BTreeSet;
use std::time::Duration;

const NO_WAIT: [(&str, &str); 2] =
    [("JINRI_COMMENTS_MIN_INTERVAL_SECS", "0"), ("JINRI_AUTH_REGISTRATIONS_PER_IP_PER_HOUR", "1000")];

/// A database in `dir` with the demo content and what `build` adds, before any server opens it.
async fn prepare<F, Fut>(dir: &std::path::Path, build: F) -> ArticleId
where
    F: FnOnce(db::Db) -> Fut,
    Fut: std::future::Future<Output = ArticleId>,
{
    let url = common::database_url(dir).await;
    let pool = db::connect(&url, 1, Duration::from_secs(5)).await.unwrap();
    db::migrate(&pool).await.unwrap();
    db::seed::seed_if_empty(&pool, 1_700_000_000).await.unwrap();
    let started = std::time::Instant::now();
    let article = build(pool.clone()).await;
    println!("generated in {:?}", started.elapsed());
    pool.close().await;
    article
}

async fn json(resp: reqwest::Response) -> Value {
    assert_eq!(resp.status(), 200);
    resp.json().await.unwrap()
}

async fn list(s: &TestServer, article: ArticleId) -> Value {
    json(s.call("/api/comments/list", &[("article_id", &article.to_string()), ("sort", "new")], None).await).await
}

/// Every reply of a thread through `/api/comments/replies`, 50 a call.
async fn all_replies(s: &TestServer, root: i64) -> Vec<Value> {
    let mut replies: Vec<Value> = Vec::new();
    loop {
        let root = root.to_string();
        let after = replies.last().map(|r| r["id"].to_string());
        let mut form = vec![("root_id", root.as_str())];
        if let Some(a) = &after {
            form.push(("after", a.as_str()));
        }
        let page = json(s.call("/api/comments/replies", &form, None).await).await;
        let got = page["replies"].as_array().unwrap();
        assert!(got.len() <= 50, "the server fixes the page size");
        replies.extend(got.iter().cloned());
        if page["has_more"] == false {
            return replies;
        }
        assert!(!got.is_empty());
    }
}

/// The ids of the comments on a page (`id="cN"`).
fn comment_ids(html: &str) -> Vec<i64> {
    html.split("id=\"c").skip(1).filter_map(|p| p[..p.find('"')?].parse().ok()).collect()
}

#[tokio::test]
async fn a_reply_chain_ten_thousand_deep_is_served_on_the_page_the_list_the_replies_and_the_stream() {
    let dir = tempfile::tempdir().unwrap();
    let article =
        prepare(
            dir.path(),
            |pool| async move { db::generate::deep_chain(&pool, 10_000, 1_700_000_000).await.unwrap() },
        )
        .await;
    let s = common::spawn_at_with(dir.path(), &NO_WAIT).await;

    // The article page: the top-level comment, its first three replies and the way to the rest.
    let (status, html) = s.get(&format!("/article/{article}")).await;
    assert_eq!(status, 200);
    assert!(html.contains("一条很深的回复链从这里开始"));
    assert!(html.contains("第3层回复") && !html.contains("第4层回复"));
    assert!(html.contains("展开更多回复（还有9996条）"), "the rest are counted");
    let page = list(&s, article).await;
    let comments = page["comments"].as_array().unwrap();
    assert_eq!(comments.len(), 4, "one top-level comment and its first three replies");
    let root = &comments.iter().find(|c| c["parent_id"].is_null()).unwrap();
    let root_id = root["id"].as_i64().unwrap();
    assert_eq!(root["replies"], 9999);
    assert!(html.contains(&format!("href=\"/comment/{root_id}\"")), "a link for readers without JavaScript");
    for reply in comments.iter().filter(|c| !c["parent_id"].is_null()) {
        assert_eq!(reply["root_id"], root_id);
        assert!(reply["reply_to"].as_str().unwrap().starts_with("楼层读者"));
    }

    // Every reply through the replies endpoint, in order, each once.
    let replies = all_replies(&s, root_id).await;
    let ids: Vec<i64> = replies.iter().map(|r| r["id"].as_i64().unwrap()).collect();
    assert_eq!(ids.len(), 9999);
    assert!(ids.windows(2).all(|w| w[0] < w[1]));
    let deepest = replies.last().unwrap();
    assert_eq!(deepest["body"], "第9999层回复");

    // Without JavaScript: the deepest reply is on the thread's last page, saying whom it answers.
    let (status, last) = s.get(&format!("/comment/{root_id}?page=200")).await;
    assert_eq!(status, 200);
    assert!(last.contains("第9999层回复"));
    assert!(last.contains(&format!("回复 @{}", replies[replies.len() - 2]["author"]["name"].as_str().unwrap())));
    assert_eq!(s.get(&format!("/comment/{root_id}?page=201")).await.0, 404);

    // A reply to the deepest comment arrives live, naming whom it answers.
    let cookie = s.reader("深楼来客").await;
    let after = list(&s, article).await["last_event_id"].as_i64().unwrap();
    let stream = reqwest::Client::new()
        .get(format!("{}/api/comments/stream?article_id={article}&after={after}", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);
    let deepest_id = deepest["id"].to_string();
    let form = [("article_id", article.to_string()), ("parent_id", deepest_id), ("body", "第一万层".to_owned())];
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let posted = json(s.call("/api/comments/post", &form, Some(&cookie)).await).await;
    assert_eq!(posted["root_id"], root_id);
    let events = common::read_events(stream, 1, Duration::from_secs(10)).await;
    assert_eq!(events.len(), 1, "{events:?}");
    let live = &events[0]["change"]["Created"];
    assert_eq!((live["body"].as_str(), live["root_id"].as_i64()), (Some("第一万层"), Some(root_id)));
    assert_eq!(live["reply_to"], deepest["author"]["name"]);
    assert_eq!(events[0]["comment_count"], 10_001);

    // The reader answering it from a 回复 link sees whom, though it is not on the article page.
    let resp = s
        .client
        .get(format!("{}/article/{article}?reply={}", s.base, posted["id"]))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    let html = common::strip_comments(&resp.text().await.unwrap());
    assert!(html.contains("回复 @深楼来客"), "the form names the reader being answered");

    let (status, html) = s.get(&format!("/article/{article}")).await;
    assert_eq!(status, 200);
    assert!(html.contains("展开更多回复（还有9997条）"));
    assert_eq!(s.get("/healthz").await, (200, "ok".to_owned()));
}

#[tokio::test]
async fn replies_are_read_only_for_a_top_level_comment_that_exists() {
    let s = common::spawn_with(&NO_WAIT).await;
    let cookie = s.reader("楼主").await;
    let form = [("article_id", "1"), ("parent_id", ""), ("body", "楼主的话")];
    let root = json(s.call("/api/comments/post", &form, Some(&cookie)).await).await;
    let root_id = root["id"].to_string();
    let form = [("article_id", "1"), ("parent_id", root_id.as_str()), ("body", "沙发")];
    let reply = json(s.call("/api/comments/post", &form, Some(&cookie)).await).await;
    let page = json(s.call("/api/comments/replies", &[("root_id", &root_id)], None).await).await;
    assert_eq!((page["replies"][0]["id"].clone(), page["has_more"].clone()), (reply["id"].clone(), Value::Bool(false)));
    for id in [reply["id"].to_string(), "999999".to_owned()] {
        let resp = s.call("/api/comments/replies", &[("root_id", &id)], None).await;
        assert_eq!(resp.status(), 404, "{id}");
        assert_eq!(resp.json::<Value>().await.unwrap(), Value::String("NotFound".into()));
        assert_eq!(s.get(&format!("/comment/{id}")).await.0, 404, "{id}");
    }
    for path in [format!("/comment/{root_id}?page=0"), format!("/comment/{root_id}?page=2"), "/comment/abc".into()] {
        let (status, html) = s.get(&path).await;
        assert_eq!(status, 404, "{path}");
        assert!(html.contains("404 · 页面不存在"), "{path}");
    }
    let (status, html) = s.get(&format!("/comment/{root_id}")).await;
    assert_eq!(status, 200);
    assert!(html.contains("楼主的话") && html.contains("沙发"));
    assert!(html.contains("<a href=\"/article/1#c") && html.contains("返回文章《"));
    assert!(html.contains(&format!("<link href=\"https://jinri.test/comment/{root_id}\" rel=\"canonical\">")));
    // Signed in, the same buttons as on the article: plain forms that work without JavaScript.
    let resp = s.client.get(format!("{}/comment/{root_id}", s.base)).header("cookie", &cookie).send().await.unwrap();
    let html = common::strip_comments(&resp.text().await.unwrap());
    assert!(html.contains("action=\"/api/comments/like\""));
    // 删除 asks first: a link to the article with `?delete=`, which shows 确定删除.
    let own = reply["id"].as_i64().unwrap();
    assert!(
        html.contains(&format!("href=\"/article/1?sort=new&amp;delete={own}#c{own}\" class=\"link-action\">删除</a>"))
    );
    assert!(html.contains(&format!("href=\"/article/1?sort=new&amp;reply={}#c{}\"", reply["id"], reply["id"])));
}

#[tokio::test]
async fn a_thousand_long_replies_under_one_comment_leave_a_small_article_page_and_are_all_reachable() {
    let dir = tempfile::tempdir().unwrap();
    let article = prepare(dir.path(), |pool| async move {
        db::generate::wide_thread(&pool, 1000, 2000, 1_700_000_000).await.unwrap()
    })
    .await;
    let s = common::spawn_at(dir.path()).await;
    let url = format!("{}/article/{article}", s.base);
    let mut sizes = Vec::new();
    for _ in 0..2 {
        let resp = s.client.get(&url).send().await.unwrap();
        assert_eq!(resp.status(), 200);
        sizes.push(resp.bytes().await.unwrap().len());
    }
    println!("article page with 1,000 replies of 2,000 `&`: {} bytes", sizes[0]);
    assert!(sizes[0] < 1024 * 1024, "{sizes:?}");
    assert_eq!(sizes[0], sizes[1], "the second copy, from the page cache, is the same page");

    let root_id =
        list(&s, article).await["comments"].as_array().unwrap().iter().find(|c| c["parent_id"].is_null()).unwrap()
            ["id"]
            .as_i64()
            .unwrap();
    // Without JavaScript: page after page of the thread, by its 下一页 links.
    let mut seen = BTreeSet::new();
    let mut next = Some(format!("/comment/{root_id}"));
    let mut pages = 0;
    while let Some(path) = next {
        let (status, html) = s.get(&path).await;
        assert_eq!(status, 200, "{path}");
        pages += 1;
        seen.extend(comment_ids(&html).into_iter().filter(|&id| id != root_id));
        next = html.split("<a rel=\"next\" href=\"").nth(1).map(|p| p[..p.find('"').unwrap()].replace("&amp;", "&"));
    }
    assert_eq!((seen.len(), pages), (1000, 20));
    // With JavaScript: the replies endpoint.
    let replies = all_replies(&s, root_id).await;
    let ids: BTreeSet<i64> = replies.iter().map(|r| r["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, seen);
}

#[tokio::test]
async fn the_largest_possible_article_page_fits_the_page_cache() {
    let s = common::spawn_with(&NO_WAIT).await;
    // The longest name and the texts that grow most in HTML and JSON: ampersands, in a web
    // address (written twice in the HTML: as the link and as its text).
    let name = "长名字读者".repeat(4);
    let cookie = s.reader(&name).await;
    let bodies = [format!("https://e.au/{}", "&".repeat(1987)), format!("http://e.au/{}", "&".repeat(1988))];
    assert!(bodies.iter().all(|b| b.chars().count() == 2000));
    let article = "5";
    let mut n = 0;
    let mut post = |parent: Option<i64>| {
        n += 1;
        let body = bodies[n % 2].clone();
        let s = &s;
        let cookie = cookie.clone();
        async move {
            let parent = parent.map(|p| p.to_string()).unwrap_or_default();
            let form = [("article_id", article), ("parent_id", parent.as_str()), ("body", body.as_str())];
            json(s.call("/api/comments/post", &form, Some(&cookie)).await).await["id"].as_i64().unwrap()
        }
    };
    for _ in 0..20 {
        let root = post(None).await;
        // Replies to replies, so each says whom it answers; one more than is shown.
        let mut parent = root;
        for _ in 0..4 {
            parent = post(Some(parent)).await;
        }
    }
    let (status, html) = s.get(&format!("/article/{article}")).await;
    assert_eq!(status, 200);
    assert_eq!(html.matches("class=\"comment\"").count(), 80, "20 top-level comments with 3 replies each");
    let resp = s.client.get(format!("{}/article/{article}", s.base)).send().await.unwrap();
    let guest = resp.bytes().await.unwrap().len();
    let resp = s.client.get(format!("{}/article/{article}", s.base)).header("cookie", &cookie).send().await.unwrap();
    let signed_in = resp.bytes().await.unwrap().len();
    println!("largest article page: {guest} bytes for a guest, {signed_in} signed in");
    assert!(guest.max(signed_in) < 2 * 1024 * 1024, "under the page cache's limit");
}
