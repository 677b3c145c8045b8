//! The newsroom over HTTP: only editors (and admins) write, publish and withdraw; a draft is a
//! 404 for everyone else and in no list or feed; publishing shows it everywhere at once and a
//! withdrawal takes it away; every save is a version that can be restored; hostile bodies stay
//! text; the save endpoint takes a long article and nothing else takes a long body.
#![cfg(feature = "ssr")]

mod common;

use common::TestServer;
use jinri::model::{Role, Username};
use jinri::server::db;
use serde_json::Value;

use common::MANY;

fn fields<'a>(id: &'a str, title: &'a str, body: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("id", id),
        ("title", title),
        ("channel", "au"),
        ("summary", "一篇测试用的新闻摘要"),
        ("source", "今日"),
        ("original_url", "https://example.com/story"),
        ("body", body),
    ]
}

async fn save(s: &TestServer, cookie: &str, id: &str, title: &str, body: &str) -> reqwest::Response {
    s.call("/api/newsroom/save", &fields(id, title, body), Some(cookie)).await
}

async fn new_draft(s: &TestServer, cookie: &str, title: &str, body: &str) -> String {
    let resp = save(s, cookie, "", title, body).await;
    assert_eq!(resp.status(), 200);
    resp.json::<Value>().await.unwrap().as_i64().unwrap().to_string()
}

async fn rows(s: &TestServer) -> (i64, i64, i64) {
    let pool = s.db().await;
    (
        common::scalar(&pool, "SELECT COUNT(*) FROM articles").await,
        common::scalar(&pool, "SELECT COUNT(*) FROM article_revisions").await,
        common::scalar(&pool, "SELECT COUNT(*) FROM articles WHERE state <> 'published'").await,
    )
}

#[tokio::test]
async fn only_editors_may_write_publish_or_withdraw_and_refusals_change_nothing() {
    let s = common::spawn_with(&MANY).await;
    let chief = s.editor("bian_ji_zhang").await;
    let draft = new_draft(&s, &chief, "编辑部的草稿", "正文").await;
    let reader = s.reader("du_zhe_wang").await;
    let moderator = s.reader("ban_zhu_zhao").await;
    db::roles::grant(&s.db().await, &Username::lookup_key("ban_zhu_zhao"), Role::Moderator, None, 1).await.unwrap();
    let before = rows(&s).await;
    let published = s.seed_article_path().await.trim_start_matches("/article/").to_owned();
    for (who, cookie, status) in
        [("visitor", None, 401), ("reader", Some(&reader), 403), ("moderator", Some(&moderator), 403)]
    {
        let cookie = cookie.map(String::as_str);
        let calls: Vec<(&str, Vec<(&str, &str)>)> = vec![
            ("/api/newsroom/desk", vec![("page", "1")]),
            ("/api/newsroom/article", vec![("id", &draft)]),
            ("/api/newsroom/save", fields("", "读者的文章", "正文")),
            ("/api/newsroom/save", fields(&published, "改掉的标题", "正文")),
            ("/api/newsroom/publish", vec![("id", &draft), ("at", "")]),
            ("/api/newsroom/withdraw", vec![("id", &published)]),
            ("/api/newsroom/restore", vec![("id", &draft), ("revision", "1")]),
        ];
        for (endpoint, form) in calls {
            let resp = s.call(endpoint, &form, cookie).await;
            assert_eq!(resp.status(), status, "{who} calls {endpoint}");
        }
        // The pages say the same.
        for page in ["/admin/articles", "/admin/articles/new", &format!("/admin/articles/{draft}")] {
            let mut req = s.client.get(format!("{}{page}", s.base));
            if let Some(c) = cookie {
                req = req.header("cookie", c);
            }
            assert_eq!(req.send().await.unwrap().status(), status, "{who} opens {page}");
        }
    }
    assert_eq!(rows(&s).await, before, "nothing changed");
    let (_, page) = s.get(&format!("/article/{published}")).await;
    assert!(!page.contains("改掉的标题"));
}

#[tokio::test]
async fn a_draft_is_seen_by_editors_only_until_published_and_a_withdrawal_takes_it_away() {
    let s = common::spawn_with(&MANY).await;
    let chief = s.editor("bian_ji_li").await;
    let reader = s.reader("du_zhe_chen").await;
    let body =
        "## 小标题\n\n**加粗**和*强调*，[链接](https://example.com/a)。\n\n> 引用的话\n\n<script>alert(1)</script>";
    let id = new_draft(&s, &chief, "悉尼周末热浪预警", body).await;
    let path = format!("/article/{id}");
    assert_eq!(s.get(&path).await.0, 404, "a guest");
    let as_reader = s.client.get(format!("{}{path}", s.base)).header("cookie", &reader).send().await.unwrap();
    assert_eq!(as_reader.status(), 404, "a reader");
    let as_editor = s.client.get(format!("{}{path}", s.base)).header("cookie", &chief).send().await.unwrap();
    assert_eq!(as_editor.status(), 200);
    let html = common::strip_comments(&as_editor.text().await.unwrap());
    // The editor's top bar leads to the newsroom; a reader's does not.
    assert!(html.contains(r#"<a href="/admin/articles" class="staff-link">编辑部</a>"#));
    let (_, guest_page) = s.get("/about/contact").await;
    assert!(!guest_page.contains("/admin/articles"));
    for expected in [
        "草稿：读者看不到这篇文章",
        "<h2>小标题</h2>",
        "<strong>加粗</strong>",
        "<em>强调</em>",
        r#"<a href="https://example.com/a" rel="nofollow noopener" target="_blank">链接</a>"#,
        "<blockquote><p>引用的话</p></blockquote>",
        "&lt;script&gt;alert(1)&lt;/script&gt;",
    ] {
        assert!(html.contains(expected), "the preview lacks {expected}");
    }
    let listed = |html: &str| html.contains("悉尼周末热浪预警");
    assert!(!listed(&s.get("/").await.1) && !listed(&s.get("/channel/au").await.1));
    assert!(!listed(&s.get("/feeds/rss.xml").await.1) && !listed(&s.get("/sitemap.xml").await.1));
    // A comment on a draft is refused.
    let comment = s.call("/api/comments/post", &[("article_id", &id), ("body", "抢先评论")], Some(&reader)).await;
    assert_eq!(comment.status(), 404);

    let resp = s.call("/api/newsroom/publish", &[("id", &id), ("at", "")], Some(&chief)).await;
    assert_eq!(resp.status(), 200);
    let (status, page) = s.get(&path).await;
    assert_eq!(status, 200);
    assert!(!page.contains("读者看不到"));
    assert!(listed(&s.get("/").await.1), "the front page, cached or not, shows it at once");
    assert!(listed(&s.get("/channel/au").await.1) && listed(&s.get("/feeds/au/atom.xml").await.1));

    let resp = s.call("/api/newsroom/withdraw", &[("id", &id)], Some(&chief)).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(s.get(&path).await.0, 404);
    assert!(!listed(&s.get("/").await.1) && !listed(&s.get("/feeds/rss.xml").await.1));
    let desk: Value = s.call("/api/newsroom/desk", &[("page", "1")], Some(&chief)).await.json().await.unwrap();
    assert_eq!(desk["articles"][0]["title"], "悉尼周末热浪预警");
    assert_eq!(desk["articles"][0]["state"], "Withdrawn");
}

#[tokio::test]
async fn bad_fields_times_and_figure_lines_are_refused_in_chinese() {
    let s = common::spawn_with(&MANY).await;
    let chief = s.editor("bian_ji_sun").await;
    let before = rows(&s).await;
    for (form, field) in [
        (fields("", "", "正文"), "title"),
        (fields("", "标题", ""), "body"),
        (fields("", "标题", "[图1]\n\n正文"), "body"),
        (
            fields("", "标题", "正文")
                .into_iter()
                .map(|(k, v)| if k == "original_url" { (k, "javascript:alert(1)") } else { (k, v) })
                .collect(),
            "original_url",
        ),
        (
            fields("", "标题", "正文")
                .into_iter()
                .map(|(k, v)| if k == "channel" { (k, "sport") } else { (k, v) })
                .collect(),
            "channel",
        ),
    ] {
        let resp = s.call("/api/newsroom/save", &form, Some(&chief)).await;
        assert_eq!(resp.status(), 400, "{field}");
        let text = resp.text().await.unwrap();
        assert!(text.contains(field) && text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "{text}");
    }
    assert_eq!(rows(&s).await, before);
    let id = new_draft(&s, &chief, "定时的文章", "正文").await;
    for at in ["2020-01-01T10:00", "明天", "2999-01-01T10:00"] {
        let resp = s.call("/api/newsroom/publish", &[("id", &id), ("at", at)], Some(&chief)).await;
        assert_eq!(resp.status(), 400, "{at}");
    }
    let next_year =
        jinri::server::time::local_input(chrono_tz::Australia::Sydney, jinri::server::time::now_unix() + 86_400);
    let resp = s.call("/api/newsroom/publish", &[("id", &id), ("at", &next_year)], Some(&chief)).await;
    assert_eq!(resp.status(), 200);
    let state = common::texts(&s.db().await, "SELECT state FROM articles WHERE title = '定时的文章'").await;
    assert_eq!(state, [Some("scheduled".to_owned())]);
    assert_eq!(s.get(&format!("/article/{id}")).await.0, 404, "not before its time");
}

#[tokio::test]
async fn every_save_is_a_version_and_an_old_one_can_be_restored() {
    let s = common::spawn_with(&MANY).await;
    let chief = s.editor("bian_ji_zhou").await;
    let id = new_draft(&s, &chief, "第一版标题", "第一段\n\n第二段").await;
    assert_eq!(save(&s, &chief, &id, "第二版标题", "第一段\n\n改过的第二段").await.status(), 200);
    let article: Value = s.call("/api/newsroom/article", &[("id", &id)], Some(&chief)).await.json().await.unwrap();
    let revisions = article["revisions"].as_array().unwrap();
    assert_eq!(revisions.len(), 2);
    assert_eq!(revisions[0]["title"], "第二版标题");
    let changes: Vec<String> = revisions[0]["changes"].as_array().unwrap().iter().map(|c| c.to_string()).collect();
    assert!(changes.iter().any(|c| c.contains("Added") && c.contains("改过的第二段")), "{changes:?}");
    assert!(changes.iter().any(|c| c.contains("Removed") && c.contains("第二段")), "{changes:?}");
    assert!(!changes.iter().any(|c| c.contains("第一段")), "unchanged lines are not listed");
    let first = revisions[1]["id"].as_i64().unwrap().to_string();
    let resp = s.call("/api/newsroom/restore", &[("id", &id), ("revision", &first)], Some(&chief)).await;
    assert_eq!(resp.status(), 200);
    let article: Value = s.call("/api/newsroom/article", &[("id", &id)], Some(&chief)).await.json().await.unwrap();
    assert_eq!(article["fields"]["title"], "第一版标题");
    assert_eq!(article["fields"]["body"], "第一段\n\n第二段");
    assert_eq!(article["revisions"].as_array().unwrap().len(), 3, "the restore is a version too");
    // Another article's version cannot be restored here.
    let other = new_draft(&s, &chief, "另一篇", "正文").await;
    let resp = s.call("/api/newsroom/restore", &[("id", &other), ("revision", &first)], Some(&chief)).await;
    assert_eq!(resp.status(), 404);
}

#[tokio::test]
async fn a_long_article_is_taken_and_kept_whole_but_no_other_endpoint_takes_a_long_body() {
    let s = common::spawn_with(&MANY).await;
    let chief = s.editor("bian_ji_wu").await;
    // 20,000 Chinese characters: about 180 KB as a form.
    let long = "长".repeat(20_000);
    let id = new_draft(&s, &chief, "长文", &long).await;
    let article: Value = s.call("/api/newsroom/article", &[("id", &id)], Some(&chief)).await.json().await.unwrap();
    assert_eq!(article["fields"]["body"].as_str().unwrap().chars().count(), 20_000);
    let too_long = "长".repeat(30_001);
    let resp = save(&s, &chief, &id, "长文", &too_long).await;
    assert_eq!(resp.status(), 400);
    let resp = s.call("/api/comments/post", &[("article_id", &id), ("body", &long)], Some(&chief)).await;
    assert_eq!(resp.status(), 413, "a comment endpoint keeps its limit");
}

#[tokio::test]
async fn without_javascript_a_refused_save_comes_back_with_everything_typed() {
    let s = common::spawn_with(&MANY).await;
    let chief = s.editor("bian_ji_he").await;
    let body = format!("{}\n\n[图3]", "很长的正文。".repeat(3_000));
    let resp = s
        .client
        .post(format!("{}/api/newsroom/save", s.base))
        .header("accept", "text/html")
        .header("cookie", &chief)
        .form(&fields("", "没有图的文章", &body))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 302);
    assert_eq!(resp.headers()["location"], "/admin/articles/new");
    let flash = common::set_cookie_pair(&resp, "jinri_flash").expect("a flash");
    let page = s
        .client
        .get(format!("{}/admin/articles/new", s.base))
        .header("cookie", format!("{chief}; {flash}"))
        .send()
        .await
        .unwrap();
    let html = page.text().await.unwrap();
    assert!(html.contains("正文里的 [图3] 没有对应的图片"));
    assert!(html.contains(&body), "the whole body (18,000 characters) comes back");
    assert!(html.contains("没有图的文章"));
}

#[tokio::test]
async fn a_burst_of_changes_is_held_to_the_limit_exactly() {
    let s = common::spawn_with(&MANY).await;
    let chief = s.editor("bian_ji_qian").await;
    let id = new_draft(&s, &chief, "限流测试", "正文").await;
    // One save is spent; a burst of 70 parallel withdrawals gets the 59 left, and 429 after.
    let form = [("id", id.as_str())];
    let calls = (0..70).map(|_| s.call("/api/newsroom/withdraw", &form, Some(&chief)));
    let statuses: Vec<u16> = futures::future::join_all(calls).await.iter().map(|r| r.status().as_u16()).collect();
    let ok = statuses.iter().filter(|s| **s == 200).count();
    let limited = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!((ok, limited), (59, 11), "{statuses:?}");
    let logged =
        common::scalar(&s.db().await, "SELECT COUNT(*) FROM audit_log WHERE action = 'article.withdraw'").await;
    assert_eq!(logged, 59, "a refused change leaves no trace");
}
