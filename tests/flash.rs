//! The flash a failed plain form post (no JavaScript) comes back to its form with: nothing typed
//! in the address, a short-lived signed HttpOnly cookie, read once, only on its own page.
#![cfg(feature = "ssr")]

mod common;

use common::TestServer;

const WEAK: &str = "12345678";
const NO_WAIT: [(&str, &str); 2] =
    [("JINRI_COMMENTS_MIN_INTERVAL_SECS", "0"), ("JINRI_AUTH_REGISTRATIONS_PER_IP_PER_HOUR", "1000")];

/// A plain HTML form post, as a browser without JavaScript sends it.
async fn form_post(s: &TestServer, endpoint: &str, form: &[(&str, &str)], cookie: Option<&str>) -> reqwest::Response {
    let mut req = s.client.post(format!("{}{endpoint}", s.base)).header("accept", "text/html").form(form);
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    req.send().await.unwrap()
}

fn set_cookies(resp: &reqwest::Response) -> Vec<String> {
    resp.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_owned()).collect()
}

/// The whole `Set-Cookie` of the flash cookie a response sets, if any.
fn flash_set_cookie(resp: &reqwest::Response) -> Option<String> {
    set_cookies(resp).into_iter().find(|c| c.starts_with("__Host-jinri_flash="))
}

fn pair(set_cookie: &str) -> String {
    set_cookie.split(';').next().unwrap().to_owned()
}

/// GET with a `Cookie` header; the status, the `Set-Cookie`s, `x-cache` and the page.
async fn visit(s: &TestServer, path: &str, cookie: &str) -> (u16, Vec<String>, Option<String>, String) {
    let resp = s.client.get(format!("{}{path}", s.base)).header("cookie", cookie).send().await.unwrap();
    let status = resp.status().as_u16();
    let cookies = set_cookies(&resp);
    let cache = resp.headers().get("x-cache").map(|v| v.to_str().unwrap().to_owned());
    (status, cookies, cache, common::strip_comments(&resp.text().await.unwrap()))
}

/// The message of the one stored flash (read straight from the database, not consumed).
async fn stored_message(s: &TestServer) -> String {
    let payload = common::texts(&s.db().await, "SELECT payload FROM form_flash").await.remove(0).unwrap();
    let v: serde_json::Value = serde_json::from_str(&payload).unwrap();
    v["message"].as_str().unwrap().to_owned()
}

/// A failed registration of `name` with a weak password, returning to `/article/1` after.
async fn failed_registration(s: &TestServer, name: &str) -> reqwest::Response {
    let resp =
        form_post(s, "/api/auth/register", &[("name", name), ("password", WEAK), ("next", "/article/1")], None).await;
    assert_eq!(resp.status(), 302);
    resp
}

#[tokio::test]
async fn a_failed_plain_registration_keeps_typed_text_out_of_the_address_and_sets_a_short_lived_httponly_cookie() {
    let s = common::spawn().await;
    let resp = failed_registration(&s, "闪存读者").await;
    let location = resp.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(location, "/register?next=/article/1", "no name, no error, no password in the address");
    let cookie = flash_set_cookie(&resp).expect("a flash cookie");
    for attr in ["; Path=/", "; HttpOnly", "; SameSite=Lax", "; Max-Age=60", "; Secure"] {
        assert!(cookie.contains(attr), "{cookie} lacks {attr}");
    }
    // token.tag, each 128 bits in unpadded base64; nothing the reader typed.
    let value = pair(&cookie)["__Host-jinri_flash=".len()..].to_owned();
    let (token, tag) = value.split_once('.').unwrap();
    assert_eq!((token.len(), tag.len()), (22, 22), "{value}");
    // The database holds the path, the message and the name, never the password or the token.
    let rows: Vec<(String, String, String, i64, i64)> = on_db!(&s.db().await, p => sqlx::query_as("SELECT token_hash, path, payload, created_at, expires_at FROM form_flash")
            .fetch_all(p)
            .await
            .unwrap());
    assert_eq!(rows.len(), 1);
    let (hash, path, payload, created, expires) = &rows[0];
    assert_eq!(path, "/register");
    assert_eq!(expires - created, 60);
    assert!(payload.contains("闪存读者"), "{payload}");
    assert!(!payload.contains(WEAK) && !payload.contains("[\"password\""), "no password kept: {payload}");
    assert!(!hash.contains(token) && !payload.contains(token));
}

#[tokio::test]
async fn the_flash_is_shown_once_on_its_page_and_its_cookie_cleared() {
    let s = common::spawn().await;
    let resp = failed_registration(&s, "一次读者").await;
    let location = resp.headers()["location"].to_str().unwrap().to_owned();
    let cookie = pair(&flash_set_cookie(&resp).unwrap());
    let message = stored_message(&s).await;
    let (status, cookies, _, html) = visit(&s, &location, &cookie).await;
    assert_eq!(status, 200);
    assert!(html.contains(&message), "the message is shown: {message}");
    assert!(html.contains("value=\"一次读者\""), "the name is kept");
    assert!(!html.contains(WEAK), "the password is not");
    let clear = cookies.iter().find(|c| c.starts_with("__Host-jinri_flash=;")).expect("the cookie is cleared");
    assert!(clear.contains("Max-Age=0") && clear.contains("Path=/") && clear.contains("HttpOnly"), "{clear}");
    let left = common::scalar(&s.db().await, "SELECT COUNT(*) FROM form_flash").await;
    assert_eq!(left, 0, "the row is gone");
    // The same cookie again (a browser that kept it, or a replay) shows nothing.
    let (status, cookies, _, html) = visit(&s, &location, &cookie).await;
    assert_eq!(status, 200);
    assert!(!html.contains(&message) && !html.contains("一次读者"), "read once");
    assert!(cookies.iter().all(|c| !c.contains("jinri_flash")));
}

#[tokio::test]
async fn two_requests_with_one_flash_cookie_show_it_once() {
    let s = common::spawn().await;
    let resp = failed_registration(&s, "并发读者").await;
    let cookie = pair(&flash_set_cookie(&resp).unwrap());
    let (a, b) = tokio::join!(visit(&s, "/register", &cookie), visit(&s, "/register", &cookie));
    let shown = [a.3, b.3].iter().filter(|html| html.contains("value=\"并发读者\"")).count();
    assert_eq!(shown, 1);
}

#[tokio::test]
async fn an_altered_or_made_up_flash_cookie_shows_nothing() {
    let s = common::spawn().await;
    let resp = failed_registration(&s, "伪造读者").await;
    let cookie = pair(&flash_set_cookie(&resp).unwrap());
    let message = stored_message(&s).await;
    let value = cookie["__Host-jinri_flash=".len()..].to_owned();
    let (token, tag) = value.split_once('.').unwrap();
    let flip = |s: &str| {
        let first = if s.starts_with('A') { 'B' } else { 'A' };
        format!("{first}{}", &s[1..])
    };
    let forged = [
        format!("{}.{tag}", flip(token)),
        format!("{token}.{}", flip(tag)),
        format!("{token}.{}", &tag[..20]),
        token.to_owned(),
        format!("{token}.AAAAAAAAAAAAAAAAAAAAAA"),
        "AAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA".to_owned(),
        format!("{value}{value}{value}"),
        "x".to_owned(),
    ];
    for f in &forged {
        let (status, cookies, _, html) = visit(&s, "/register", &format!("__Host-jinri_flash={f}")).await;
        assert_eq!(status, 200, "{f}");
        assert!(!html.contains(&message) && !html.contains("伪造读者"), "{f} shows the flash");
        assert!(cookies.iter().all(|c| !c.contains("jinri_flash")), "{f}");
    }
    // The cookie under the plain name (as over http) is not this https site's cookie either.
    let (_, _, _, html) = visit(&s, "/register", &format!("jinri_flash={value}")).await;
    assert!(!html.contains("伪造读者"));
    // None of that used the flash up: the real cookie still shows it.
    let (_, _, _, html) = visit(&s, "/register", &cookie).await;
    assert!(html.contains(&message) && html.contains("value=\"伪造读者\""));
}

#[tokio::test]
async fn an_expired_flash_shows_nothing_and_is_pruned() {
    let s = common::spawn().await;
    let resp = failed_registration(&s, "过期读者").await;
    let cookie = pair(&flash_set_cookie(&resp).unwrap());
    let db = s.db().await;
    // As if the minute had passed (the browser would have dropped the cookie; a replay keeps it).
    common::execute(&db, "UPDATE form_flash SET created_at = created_at - 61, expires_at = expires_at - 61").await;
    let (status, cookies, _, html) = visit(&s, "/register", &cookie).await;
    assert_eq!(status, 200);
    assert!(!html.contains("过期读者"), "expired");
    assert!(cookies.iter().all(|c| !c.contains("jinri_flash")));
    // The next flash written prunes it: what was typed is not kept past its minute.
    let resp = failed_registration(&s, "新的读者").await;
    assert!(flash_set_cookie(&resp).is_some());
    let paths: Vec<String> = common::texts(&db, "SELECT payload FROM form_flash").await.into_iter().flatten().collect();
    assert_eq!(paths.len(), 1);
    assert!(paths[0].contains("新的读者") && !paths[0].contains("过期读者"), "{paths:?}");
}

#[tokio::test]
async fn a_flash_is_shown_only_on_the_page_it_was_made_for() {
    let s = common::spawn_with(&NO_WAIT).await;
    let resp = failed_registration(&s, "别处读者").await;
    let cookie = pair(&flash_set_cookie(&resp).unwrap());
    let message = stored_message(&s).await;
    for path in ["/login", "/login?next=/register", "/article/1", "/", "/register/"] {
        let (_, cookies, _, html) = visit(&s, path, &cookie).await;
        assert!(!html.contains(&message) && !html.contains("别处读者"), "{path} shows /register's flash");
        assert!(cookies.iter().all(|c| !c.contains("jinri_flash")), "{path} clears it");
    }
    // Still there for its own page.
    let (_, _, _, html) = visit(&s, "/register", &cookie).await;
    assert!(html.contains(&message) && html.contains("value=\"别处读者\""));

    // A comment's flash is for its own article only.
    let session = s.reader("两篇读者").await;
    let resp =
        form_post(&s, "/api/comments/post", &[("article_id", "1"), ("parent_id", ""), ("body", " ")], Some(&session))
            .await;
    assert_eq!(resp.headers()["location"], "/article/1#comment-form");
    let flash = pair(&flash_set_cookie(&resp).unwrap());
    let message = stored_message(&s).await;
    let both = format!("{session}; {flash}");
    let (_, _, _, html) = visit(&s, "/article/2", &both).await;
    assert!(!html.contains(&message), "another article");
    let (_, _, _, html) = visit(&s, "/article/1", &both).await;
    assert!(html.contains(&message), "its article: {message}");
}

#[tokio::test]
async fn a_failed_plain_login_keeps_the_name_and_never_the_password() {
    let s = common::spawn().await;
    let secret = "我的秘密口令-xyz";
    let resp =
        form_post(&s, "/api/auth/login", &[("name", "登录读者"), ("password", secret), ("next", "/")], None).await;
    assert_eq!(resp.status(), 302);
    assert_eq!(resp.headers()["location"], "/login");
    let cookie = pair(&flash_set_cookie(&resp).unwrap());
    let payloads: Vec<String> =
        common::texts(&s.db().await, "SELECT payload FROM form_flash").await.into_iter().flatten().collect();
    assert_eq!(payloads.len(), 1);
    assert!(!payloads[0].contains(secret) && !payloads[0].contains("xyz"), "{}", payloads[0]);
    let (_, _, _, html) = visit(&s, "/login", &cookie).await;
    assert!(html.contains("用户名或密码不正确") && html.contains("value=\"登录读者\""));
    assert!(!html.contains(secret));
}

#[tokio::test]
async fn a_refused_reply_comes_back_whole_with_its_target_in_the_address_and_its_text_in_the_flash() {
    let s = common::spawn_with(&NO_WAIT).await;
    let session = s.reader("回复读者").await;
    // A comment to reply to.
    let resp = s
        .call("/api/comments/post", &[("article_id", "1"), ("parent_id", ""), ("body", "被回复的评论")], Some(&session))
        .await;
    assert_eq!(resp.status(), 200);
    let id = resp.json::<serde_json::Value>().await.unwrap()["id"].as_i64().unwrap().to_string();
    let body = "回".repeat(2001);
    let resp = form_post(
        &s,
        "/api/comments/post",
        &[("article_id", "1"), ("parent_id", id.as_str()), ("body", body.as_str())],
        Some(&session),
    )
    .await;
    assert_eq!(resp.status(), 302);
    assert_eq!(resp.headers()["location"].to_str().unwrap(), format!("/article/1?reply={id}#c{id}"));
    let flash = pair(&flash_set_cookie(&resp).unwrap());
    let (status, _, _, html) = visit(&s, &format!("/article/1?reply={id}"), &format!("{session}; {flash}")).await;
    assert_eq!(status, 200);
    assert!(html.contains(&format!(">{body}</textarea>")), "all 2,001 characters are back");
    assert!(html.contains("评论最多 2000 个字"));
    assert!(html.contains("回复 @回复读者"), "the reply target is named");
    assert!(html.contains(&format!("name=\"parent_id\" value=\"{id}\"")), "and kept in the form");
}

#[tokio::test]
async fn a_request_with_a_flash_cookie_is_neither_served_from_nor_stored_in_the_guest_cache() {
    let s = common::spawn().await;
    // A guest's article page is cached.
    let (_, _, cache, _) = visit(&s, "/article/1", "x=1").await;
    assert_eq!(cache.as_deref(), Some("miss"));
    let (_, _, cache, _) = visit(&s, "/article/1", "x=1").await;
    assert_eq!(cache.as_deref(), Some("hit"));
    // With a flash cookie (real, for another page, or made up) it is rendered for this reader.
    let resp = failed_registration(&s, "缓存读者").await;
    let cookie = pair(&flash_set_cookie(&resp).unwrap());
    for c in [cookie.as_str(), "__Host-jinri_flash=AAAA.BBBB"] {
        let (status, _, cache, _) = visit(&s, "/article/1", c).await;
        assert_eq!((status, cache), (200, None), "{c}");
    }
    // A page that showed a flash carries Set-Cookie, and the cache keeps no page with one.
    let (_, cookies, cache, html) = visit(&s, "/register", &cookie).await;
    assert!(html.contains("缓存读者") && cookies.iter().any(|c| c.contains("jinri_flash=;")) && cache.is_none());
    let (_, _, cache, html) = visit(&s, "/article/1", "x=1").await;
    assert_eq!(cache.as_deref(), Some("hit"));
    assert!(!html.contains("缓存读者"));
}

#[tokio::test]
async fn a_failed_call_from_the_bundle_sets_no_flash() {
    let s = common::spawn().await;
    let resp = s.call("/api/auth/register", &[("name", "脚本读者"), ("password", WEAK)], None).await;
    assert_eq!(resp.status(), 400);
    assert!(flash_set_cookie(&resp).is_none());
    let n = common::scalar(&s.db().await, "SELECT COUNT(*) FROM form_flash").await;
    assert_eq!(n, 0);
}

#[tokio::test]
async fn one_address_holds_a_bounded_number_of_flashes_and_its_posts_still_come_back() {
    let s = common::spawn_with(&NO_WAIT).await;
    let name = "x".repeat(40_000);
    for i in 0..30 {
        let resp = form_post(&s, "/api/auth/login", &[("name", &name), ("password", "wrong-password-1")], None).await;
        assert_eq!(resp.status(), 302, "try {i}");
        assert!(flash_set_cookie(&resp).is_some(), "try {i} keeps its flash");
    }
    let resp = form_post(&s, "/api/auth/login", &[("name", &name), ("password", "wrong-password-1")], None).await;
    assert_eq!(resp.status(), 302, "still sent back to its form");
    assert!(flash_set_cookie(&resp).is_none(), "but this address holds enough flashes");
    let (rows, bytes): (i64, i64) = on_db!(&s.db().await, p => sqlx::query_as("SELECT COUNT(*), COALESCE(SUM(LENGTH(payload)), 0) FROM form_flash")
            .fetch_one(p)
            .await
            .unwrap());
    assert_eq!(rows, 30);
    assert!(bytes < 30 * 9 * 1024, "each kept value is cut: {bytes} bytes");
    let other = s.seen_from("127.0.0.9");
    let resp = form_post(&other, "/api/auth/login", &[("name", "别人"), ("password", "wrong-password-1")], None).await;
    assert!(flash_set_cookie(&resp).is_some(), "another address is not affected");
}

#[tokio::test]
async fn an_empty_plain_form_says_in_chinese_which_field_is_missing_and_counts_no_failed_login() {
    let s = common::spawn().await;
    // The forms carry no `required` (the browser's own bubble would speak for the page).
    for page in ["/login", "/register"] {
        let (_, html) = s.get(page).await;
        assert!(!html.contains(" required"), "{page} leaves the check to the browser");
        assert!(html.contains("aria-required=\"true\""), "{page} still marks its fields required");
    }
    for (form, field_message) in [
        ([("name", ""), ("password", "whatever-1")], "请输入用户名"),
        ([("name", "有名字"), ("password", "")], "请输入密码"),
    ] {
        let resp = form_post(&s, "/api/auth/login", &[form[0], form[1], ("next", "/")], None).await;
        assert_eq!(resp.status(), 302);
        let cookie = pair(&flash_set_cookie(&resp).unwrap());
        let (_, _, _, html) = visit(&s, "/login", &cookie).await;
        assert!(html.contains(field_message), "the login page lacks {field_message}");
    }
    // Nothing was counted against the name or the address.
    let counted = common::scalar(&s.db().await, "SELECT COUNT(*) FROM limit_events").await;
    assert_eq!(counted, 0);
    let resp = form_post(&s, "/api/auth/register", &[("name", " "), ("password", ""), ("next", "/")], None).await;
    let cookie = pair(&flash_set_cookie(&resp).unwrap());
    let (_, _, _, html) = visit(&s, "/register", &cookie).await;
    assert!(html.contains("请输入用户名"));
}

/// A page's flash travels to the browser with the site facts, in that page's own hydration
/// data; the facts asked for over HTTP, even with the flash cookie, carry none and leave the
/// flash for its page.
#[tokio::test]
async fn the_flash_rides_with_the_facts_of_its_own_page_only() {
    let s = common::spawn_with(&NO_WAIT).await;
    let resp = failed_registration(&s, "事实读者").await;
    let cookie = pair(&flash_set_cookie(&resp).unwrap());
    let message = stored_message(&s).await;
    let facts = s
        .client
        .post(format!("{}/api/site/facts", s.base))
        .header("cookie", &cookie)
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(facts.status(), 200);
    let facts: serde_json::Value = facts.json().await.unwrap();
    assert_eq!(facts["name"], "今日", "{facts}");
    assert!(facts.get("flash").is_none(), "no flash over HTTP: {facts}");
    let (_, _, _, html) = visit(&s, "/register", &cookie).await;
    let data = html.split("__RESOLVED_RESOURCES[").skip(1).find(|d| d.contains("\"slogan\"")).expect("the facts' data");
    assert!(data.contains("\"flash\"") && data.contains(&message) && data.contains("事实读者"), "{data:.600}");
    // Without a flash the facts' data has no such field.
    let (_, _, _, html) = visit(&s, "/register", "").await;
    let data = html.split("__RESOLVED_RESOURCES[").skip(1).find(|d| d.contains("\"slogan\"")).expect("the facts' data");
    assert!(!data.contains("\"flash\""), "{data:.600}");
}
