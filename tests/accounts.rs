//! Registration, login, logout and sessions over HTTP, against the real server.
#![cfg(feature = "ssr")]

mod common;

use common::TestServer;
use serde_json::Value;

const GOOD_PASSWORD: &str = "今日新闻真好看2021";

/// The `name=value` of the session cookie a response sets, with its attributes.
fn set_cookie(resp: &reqwest::Response) -> Option<String> {
    resp.headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.contains("jinri_session"))
}

fn cookie_pair(set_cookie: &str) -> String {
    set_cookie.split(';').next().unwrap().to_owned()
}

async fn register(s: &TestServer, name: &str, password: &str) -> reqwest::Response {
    s.call("/api/auth/register", &[("name", name), ("password", password), ("next", "/")], None).await
}

async fn login(s: &TestServer, name: &str, password: &str, cookie: Option<&str>) -> reqwest::Response {
    s.call("/api/auth/login", &[("name", name), ("password", password), ("next", "/")], cookie).await
}

async fn me(s: &TestServer, cookie: &str) -> Value {
    s.call("/api/auth/me", &[], Some(cookie)).await.json().await.unwrap()
}

/// Registers and returns the `name=token` cookie.
async fn signed_up(s: &TestServer, name: &str) -> String {
    let resp = register(s, name, GOOD_PASSWORD).await;
    assert_eq!(resp.status(), 200, "{:?}", resp.text().await);
    cookie_pair(&set_cookie(&resp).expect("session cookie"))
}

async fn validation(resp: reqwest::Response) -> (u16, String, String) {
    let status = resp.status().as_u16();
    let body: Value = resp.json().await.unwrap();
    let v = &body["Validation"];
    (status, v["field"].as_str().unwrap_or_default().to_owned(), v["message"].as_str().unwrap_or_default().to_owned())
}

#[tokio::test]
async fn registering_signs_the_reader_in_with_a_safe_cookie() {
    let s = common::spawn().await;
    let resp = register(&s, "Sammie傻咪2", GOOD_PASSWORD).await;
    assert_eq!(resp.status(), 200);
    let cookie = set_cookie(&resp).unwrap();
    // The site is configured for https in tests: __Host- prefix and Secure.
    assert!(cookie.starts_with("__Host-jinri_session="), "{cookie}");
    for attr in ["HttpOnly", "SameSite=Lax", "Path=/", "Secure", "Max-Age="] {
        assert!(cookie.contains(attr), "{cookie} lacks {attr}");
    }
    let token = cookie_pair(&cookie).split_once('=').unwrap().1.to_owned();
    assert!(token.len() >= 43, "at least 128 random bits");
    let who = me(&s, &cookie_pair(&cookie)).await;
    assert_eq!(who["name"], "Sammie傻咪2");
    // Only the hash of the token is stored.
    let pool = s.db().await;
    let stored = common::texts(&pool, "SELECT token_hash FROM sessions").await;
    assert_eq!(stored.len(), 1);
    assert_ne!(stored[0].as_deref(), Some(token.as_str()));
    let hash = common::texts(&pool, "SELECT password_hash FROM users WHERE name = 'Sammie傻咪2'").await;
    let hash = hash[0].as_deref().unwrap();
    assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
}

#[tokio::test]
async fn over_plain_http_the_cookie_has_no_secure_flag() {
    let s = common::spawn_with(&[("JINRI_SITE_BASE_URL", "http://127.0.0.1:3000")]).await;
    let cookie = set_cookie(&register(&s, "plain_http", GOOD_PASSWORD).await).unwrap();
    assert!(cookie.starts_with("jinri_session="), "{cookie}");
    assert!(!cookie.contains("Secure"));
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"));
}

#[tokio::test]
async fn the_seed_commenters_names_are_accepted_and_a_name_taken_in_another_case_is_refused() {
    let s = common::spawn().await;
    // The seed's commenters exist already (demo content); new readers with such names work.
    for name in ["善結仁義2", "June六六六月x", "Melan_小黑鸟2"] {
        signed_up(&s, name).await;
    }
    let (status, field, message) = validation(register(&s, "melan_小黑鸟2", GOOD_PASSWORD).await).await;
    assert_eq!((status, field.as_str()), (400, "name"));
    assert!(message.contains("已被使用"), "{message}");
    // A demo commenter's name is taken too.
    let (_, field, _) = validation(register(&s, "SAMMIE傻咪", GOOD_PASSWORD).await).await;
    assert_eq!(field, "name");
}

#[tokio::test]
async fn each_invalid_name_is_refused_next_to_the_name_field() {
    let s = common::spawn().await;
    for (name, says) in [
        ("a", "至少"),
        ("   ", "请输入用户名"),
        ("这是一个超过二十个字符的非常非常长的用户名字", "最多"),
        ("a b", "只能包含"),
        ("<script>", "只能包含"),
        ("admin", "保留"),
        ("管理员", "保留"),
        ("今日", "保留"),
    ] {
        let (status, field, message) = validation(register(&s, name, GOOD_PASSWORD).await).await;
        assert_eq!((status, field.as_str()), (400, "name"), "{name:?}");
        assert!(message.contains(says), "{name:?}: {message}");
    }
}

#[tokio::test]
async fn short_long_and_common_passwords_are_refused_next_to_the_password_field() {
    let s = common::spawn().await;
    let long = "x".repeat(129);
    for (password, says) in [("1234567", "至少"), (long.as_str(), "最多"), ("password1", "常见"), ("iloveyou", "常见")]
    {
        let (status, field, message) = validation(register(&s, "new_reader", password).await).await;
        assert_eq!((status, field.as_str()), (400, "password"), "{password:?}");
        assert!(message.contains(says), "{password:?}: {message}");
    }
    signed_up(&s, "new_reader").await;
}

#[tokio::test]
async fn unknown_name_and_wrong_password_get_the_same_answer() {
    let s = common::spawn().await;
    signed_up(&s, "reader_one").await;
    let wrong = validation(login(&s, "reader_one", "not the password", None).await).await;
    let unknown = validation(login(&s, "nobody_here", "not the password", None).await).await;
    assert_eq!(wrong, unknown);
    assert_eq!(wrong.0, 400);
    // Demo commenters have no password and cannot be signed in as.
    let demo = validation(login(&s, "善結仁義", "anything at all", None).await).await;
    assert_eq!(demo, wrong);
}

#[tokio::test]
async fn login_works_ignoring_case_and_issues_a_new_token_each_time() {
    let s = common::spawn().await;
    let first = signed_up(&s, "CaseReader").await;
    let resp = login(&s, "casereader", GOOD_PASSWORD, Some(&first)).await;
    assert_eq!(resp.status(), 200);
    let second = cookie_pair(&set_cookie(&resp).unwrap());
    assert_ne!(first, second, "a new token on every login");
    assert_eq!(me(&s, &second).await["name"], "CaseReader");
    // The browser's previous session was replaced, not left behind.
    assert_eq!(me(&s, &first).await, Value::Null);
}

#[tokio::test]
async fn too_many_failed_logins_lock_the_account_until_the_window_passes() {
    let s =
        common::spawn_with(&[("JINRI_AUTH_LOGIN_FAILURES_PER_ACCOUNT", "3"), ("JINRI_AUTH_LOGIN_WINDOW_SECS", "2")])
            .await;
    signed_up(&s, "locked_out").await;
    for _ in 0..3 {
        assert_eq!(login(&s, "locked_out", "wrong password!", None).await.status(), 400);
    }
    let resp = login(&s, "LOCKED_OUT", GOOD_PASSWORD, None).await;
    assert_eq!(resp.status(), 429);
    let retry: u64 = resp.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=2).contains(&retry), "{retry}");
    let body: Value = resp.json().await.unwrap();
    assert!(body["RateLimited"]["retry_after_secs"].as_u64().is_some());
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    assert_eq!(login(&s, "locked_out", GOOD_PASSWORD, None).await.status(), 200);
}

#[tokio::test]
async fn failed_logins_from_one_address_are_limited_across_accounts() {
    let s = common::spawn_with(&[("JINRI_AUTH_LOGIN_FAILURES_PER_IP", "4")]).await;
    for i in 0..4 {
        assert_eq!(login(&s, &format!("guess{i}"), "wrong password!", None).await.status(), 400);
    }
    assert_eq!(login(&s, "guess9", "wrong password!", None).await.status(), 429);
}

#[tokio::test]
async fn registrations_per_address_are_limited_per_hour() {
    let s = common::spawn_with(&[("JINRI_AUTH_REGISTRATIONS_PER_IP_PER_HOUR", "2")]).await;
    signed_up(&s, "first_one").await;
    signed_up(&s, "second_one").await;
    let resp = register(&s, "third_one", GOOD_PASSWORD).await;
    assert_eq!(resp.status(), 429);
    let body: Value = resp.json().await.unwrap();
    assert!(body["RateLimited"]["retry_after_secs"].as_u64().unwrap() > 3000);
}

#[tokio::test]
async fn a_cross_site_post_is_refused_and_changes_nothing() {
    let s = common::spawn().await;
    let cross = s
        .client
        .post(format!("{}/api/auth/register", s.base))
        .header("origin", "https://evil.example")
        .form(&[("name", "csrf_victim"), ("password", GOOD_PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(cross.status(), 403);
    let sec_fetch = s
        .client
        .post(format!("{}/api/auth/register", s.base))
        .header("sec-fetch-site", "cross-site")
        .form(&[("name", "csrf_victim"), ("password", GOOD_PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(sec_fetch.status(), 403);
    // Nothing was created: the name is still free.
    signed_up(&s, "csrf_victim").await;
    // A same-origin browser request passes.
    let host = s.base.trim_start_matches("http://").to_owned();
    let ok = s
        .client
        .post(format!("{}/api/auth/register", s.base))
        .header("origin", format!("http://{host}"))
        .header("accept", "application/json")
        .form(&[("name", "same_origin"), ("password", GOOD_PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
}

#[tokio::test]
async fn state_changing_endpoints_accept_only_post() {
    let s = common::spawn().await;
    for endpoint in ["/api/auth/register", "/api/auth/login", "/api/auth/logout"] {
        let resp = s.client.get(format!("{}{endpoint}?name=x&password=y", s.base)).send().await.unwrap();
        assert_eq!(resp.status(), 405, "{endpoint}");
    }
}

#[tokio::test]
async fn logout_deletes_the_session_on_the_server() {
    let s = common::spawn().await;
    let cookie = signed_up(&s, "leaving_soon").await;
    let resp = s.call("/api/auth/logout", &[("next", "/")], Some(&cookie)).await;
    assert_eq!(resp.status(), 200);
    assert!(set_cookie(&resp).unwrap().contains("Max-Age=0"));
    // Replaying the old cookie does not sign anyone in.
    assert_eq!(me(&s, &cookie).await, Value::Null);
}

#[tokio::test]
async fn a_session_survives_a_server_restart() {
    let dir = tempfile::tempdir().unwrap();
    let first = common::spawn_at(dir.path()).await;
    let cookie = signed_up(&first, "stays_signed_in").await;
    let again = common::spawn_at(dir.path()).await;
    assert_eq!(me(&again, &cookie).await["name"], "stays_signed_in");
}

#[tokio::test]
async fn an_idle_session_ends_after_the_configured_time() {
    let s = common::spawn_with(&[("JINRI_AUTH_SESSION_IDLE_SECS", "1")]).await;
    let cookie = signed_up(&s, "idle_reader").await;
    assert_eq!(me(&s, &cookie).await["name"], "idle_reader");
    tokio::time::sleep(std::time::Duration::from_millis(2200)).await;
    assert_eq!(me(&s, &cookie).await, Value::Null);
}

#[tokio::test]
async fn a_session_ends_after_its_absolute_lifetime() {
    let s = common::spawn_with(&[("JINRI_AUTH_SESSION_MAX_SECS", "1")]).await;
    let cookie = signed_up(&s, "short_lived").await;
    tokio::time::sleep(std::time::Duration::from_millis(2200)).await;
    assert_eq!(me(&s, &cookie).await, Value::Null);
}

/// A plain HTML form post, as a browser without JavaScript sends it.
async fn form_post(s: &TestServer, endpoint: &str, form: &[(&str, &str)]) -> reqwest::Response {
    s.client
        .post(format!("{}{endpoint}", s.base))
        .header("accept", "text/html,application/xhtml+xml")
        .header("referer", format!("{}/register", s.base))
        .form(form)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn without_javascript_a_form_post_returns_to_the_page_it_came_from() {
    let s = common::spawn().await;
    let resp = form_post(
        &s,
        "/api/auth/register",
        &[("name", "nojs_reader"), ("password", GOOD_PASSWORD), ("next", "/article/1")],
    )
    .await;
    assert_eq!(resp.status(), 302);
    assert_eq!(resp.headers()["location"], "/article/1");
    assert!(set_cookie(&resp).is_some());
    let resp = form_post(
        &s,
        "/api/auth/login",
        &[("name", "nojs_reader"), ("password", GOOD_PASSWORD), ("next", "/channel/au")],
    )
    .await;
    assert_eq!(resp.headers()["location"], "/channel/au");
}

#[tokio::test]
async fn a_return_target_on_another_site_is_refused() {
    let s = common::spawn().await;
    for evil in ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"] {
        let name = format!("r{}", evil.len());
        let resp = form_post(
            &s,
            "/api/auth/register",
            &[("name", name.as_str()), ("password", GOOD_PASSWORD), ("next", evil)],
        )
        .await;
        assert_eq!(resp.status(), 302);
        assert_eq!(resp.headers()["location"], "/", "{evil}");
    }
}

/// The `name=value` of the flash cookie a response sets, if any.
fn flash_cookie(resp: &reqwest::Response) -> Option<String> {
    common::set_cookie_pair(resp, "jinri_flash=")
}

async fn get_with(s: &TestServer, path: &str, cookie: &str) -> (u16, String) {
    let resp = s.client.get(format!("{}{path}", s.base)).header("cookie", cookie).send().await.unwrap();
    (resp.status().as_u16(), common::strip_comments(&resp.text().await.unwrap()))
}

#[tokio::test]
async fn without_javascript_an_error_returns_to_the_form_with_the_message_and_the_name_typed() {
    let s = common::spawn().await;
    let resp =
        form_post(&s, "/api/auth/register", &[("name", "名 字"), ("password", GOOD_PASSWORD), ("next", "/article/1")])
            .await;
    assert_eq!(resp.status(), 302);
    let location = resp.headers()["location"].to_str().unwrap().to_owned();
    // Only the return path the reader followed a link with stays in the address.
    assert_eq!(location, "/register?next=/article/1");
    let cookie = flash_cookie(&resp).expect("flash cookie");
    // The form page shows the message next to the name field and keeps the name.
    let (status, html) = get_with(&s, &location, &cookie).await;
    assert_eq!(status, 200);
    assert!(html.contains("value=\"名 字\""), "name kept");
    assert!(html.contains("value=\"/article/1\""), "return path kept");
    let err = &html[html.find("id=\"name-error\"").unwrap()..];
    assert!(err[..300].contains("只能包含"), "{}", &err[..300]);
}

#[tokio::test]
async fn an_error_or_name_in_an_address_is_not_shown() {
    let s = common::spawn().await;
    let spoof = "账号已被冻结请致电";
    let q = common::encode(spoof);
    for path in [
        format!("/login?field=form&error={q}&name={q}"),
        format!("/register?field=name&error={q}&name={q}&sig=AAAAAAAAAAAAAAAAAAAAAA"),
    ] {
        let (status, html) = s.get(&path).await;
        assert_eq!(status, 200, "{path}");
        assert!(!html.contains(spoof), "{path} shows text from its address");
    }
    // A failed login comes back through the flash cookie, not the address.
    let resp = form_post(&s, "/api/auth/login", &[("name", "nobody"), ("password", "wrong-password")]).await;
    assert_eq!(resp.headers()["location"], "/login");
    let cookie = flash_cookie(&resp).expect("flash cookie");
    let (_, html) = get_with(&s, "/login", &cookie).await;
    assert!(html.contains("用户名或密码不正确") && html.contains("value=\"nobody\""), "flash shown");
}

#[tokio::test]
async fn the_top_bar_shows_login_links_or_the_signed_in_reader() {
    let s = common::spawn().await;
    let (_, html) = s.get("/article/1").await;
    assert!(html.contains("href=\"/login?next=/article/1\""));
    assert!(html.contains("href=\"/register?next=/article/1\""));
    let cookie = signed_up(&s, "TopBarReader").await;
    let resp = s.client.get(format!("{}/article/1", s.base)).header("cookie", &cookie).send().await.unwrap();
    let html = common::strip_comments(&resp.text().await.unwrap());
    assert!(html.contains("class=\"user-name\">TopBarReader<"));
    assert!(html.contains(">退出</button>"));
    assert!(!html.contains("href=\"/login?next="));
}

/// A server whose registration limit is out of the way of tests that register many times.
async fn spawn_for_names() -> TestServer {
    common::spawn_with(&[("JINRI_AUTH_REGISTRATIONS_PER_IP_PER_HOUR", "1000")]).await
}

#[tokio::test]
async fn reserved_words_in_any_form_or_inside_a_name_are_refused() {
    let s = spawn_for_names().await;
    for name in ["管理員", "今曰", "admin1", "官方客服", "jinri_official", "Adm1n", "JINRI2", "客服小美", "系統"]
    {
        let (status, field, message) = validation(register(&s, name, GOOD_PASSWORD).await).await;
        assert_eq!((status, field.as_str()), (400, "name"), "{name:?}");
        assert!(message.contains("保留"), "{name:?}: {message}");
    }
    // Short generic words are reserved only as the whole name.
    for name in ["model", "rooted", "badminton_fan"] {
        signed_up(&s, name).await;
    }
}

#[tokio::test]
async fn a_lookalike_of_a_readers_name_is_refused() {
    let s = spawn_for_names().await;
    signed_up(&s, "Melan").await;
    // Demo commenters (Melan_小黑鸟, 善結仁義, Sammie傻咪) and the new reader.
    for name in ["MeIan", "MELAN", "MeIan_小黑鸟", "Melan-小黑乌", "善结仁义", "Sarnmie傻咪", "Kiwi_2O2l"] {
        let (status, field, message) = validation(register(&s, name, GOOD_PASSWORD).await).await;
        assert_eq!((status, field.as_str()), (400, "name"), "{name:?}");
        let says = if name == "MELAN" { "已被使用" } else { "太像" };
        assert!(message.contains(says), "{name:?}: {message}");
    }
    // Different names stay free, and signing in by name is as before (exact, ignoring case).
    let cookie = signed_up(&s, "Nolan").await;
    assert_eq!(me(&s, &cookie).await["name"], "Nolan");
    assert_eq!(login(&s, "NOLAN", GOOD_PASSWORD, None).await.status(), 200);
    assert_eq!(login(&s, "NoIan", GOOD_PASSWORD, None).await.status(), 400);
}

#[tokio::test]
async fn two_lookalike_names_registered_at_once_are_not_both_accepted() {
    let s = spawn_for_names().await;
    for round in 0..4 {
        let (a, b) = (format!("Twin{round}l"), format!("Twin{round}I"));
        let (ra, rb) = tokio::join!(register(&s, &a, GOOD_PASSWORD), register(&s, &b, GOOD_PASSWORD));
        let ok = [ra.status().as_u16(), rb.status().as_u16()];
        assert!(ok == [200, 400] || ok == [400, 200], "round {round}: {ok:?}");
    }
}

#[tokio::test]
async fn names_with_invisible_or_direction_characters_are_refused_with_a_clear_message() {
    let s = spawn_for_names().await;
    for name in ["Melan\u{202e}", "小\u{200b}王", "\u{2066}admin\u{2069}", "ab\u{200d}cd", "\u{feff}读者"] {
        let (status, field, message) = validation(register(&s, name, GOOD_PASSWORD).await).await;
        assert_eq!((status, field.as_str()), (400, "name"), "{name:?}");
        assert!(message.contains("看不见的字符"), "{name:?}: {message}");
    }
}

#[tokio::test]
async fn weak_passwords_are_refused_with_a_reason_and_strong_ones_accepted() {
    let s = spawn_for_names().await;
    for (password, says) in [
        ("password123", "常见"),
        ("12345678", "常见"),
        ("qwertyuiop", "常见"),
        ("strong_reader123", "用户名"),
        ("aaaaaaaaaaaa", "规律"),
    ] {
        let (status, field, message) = validation(register(&s, "strong_reader", password).await).await;
        assert_eq!((status, field.as_str()), (400, "password"), "{password:?}");
        assert!(message.contains(says), "{password:?}: {message}");
    }
    let random: String =
        (0..16).map(|i| (b'!' + ((i * 37 + std::process::id() as usize) % 94) as u8) as char).collect();
    for (name, password) in
        [("strong_reader", "今日新闻真好看2021"), ("strong_two", "correct horse battery staple"), ("strong_3", &random)]
    {
        let resp = register(&s, name, password).await;
        assert_eq!(resp.status(), 200, "{password:?}: {:?}", resp.text().await);
    }
    // Sign-in never judges a password's strength: only registration does.
    assert_eq!(login(&s, "strong_two", "correct horse battery staple", None).await.status(), 200);
}

#[tokio::test]
async fn readers_get_their_name_skeletons_at_start_up() {
    let dir = tempfile::tempdir().unwrap();
    let db = common::database_url(dir.path()).await;
    drop(common::spawn_at(dir.path()).await);
    let pool = common::open(&db).await;
    let missing = common::scalar(&pool, "SELECT COUNT(*) FROM users WHERE skeleton IS NULL").await;
    assert_eq!(missing, 0, "the seeded commenters have their skeletons");
    // A reader from before migration 0005 (or written by an older server) has none …
    common::execute(&pool, "INSERT INTO users (name, name_key, created_at) VALUES ('OldReader', 'oldreader', 0)").await;
    pool.close().await;
    // … until the next start.
    let s = common::spawn_at_with(dir.path(), &[("JINRI_AUTH_REGISTRATIONS_PER_IP_PER_HOUR", "1000")]).await;
    let pool = common::open(&db).await;
    let stored = common::texts(&pool, "SELECT skeleton FROM users WHERE name = 'OldReader'").await;
    assert_eq!(stored, [Some(jinri::server::names::stored_skeleton("OldReader"))], "skeleton filled at start-up");
    let (_, field, message) = validation(register(&s, "01dReader", GOOD_PASSWORD).await).await;
    assert_eq!(field, "name");
    assert!(message.contains("太像"), "{message}");
}

/// Counts of `limit_events` rows by scope.
async fn limit_rows(s: &TestServer, scope: &str) -> i64 {
    on_db!(&s.db().await, p => sqlx::query_scalar("SELECT COUNT(*) FROM limit_events WHERE scope = $1")
        .bind(scope)
        .fetch_one(p)
        .await
        .unwrap())
}

#[tokio::test]
async fn thirty_concurrent_registrations_from_one_address_create_exactly_the_configured_number_of_accounts() {
    let s = common::spawn().await; // auth.registrations_per_ip_per_hour = 5
    let names: Vec<String> = (0..30).map(|i| format!("burst_{i}")).collect();
    let replies = futures::future::join_all(names.iter().map(|n| register(&s, n, GOOD_PASSWORD))).await;
    let ok = replies.iter().filter(|r| r.status() == 200).count();
    let limited: Vec<_> = replies.iter().filter(|r| r.status() == 429).collect();
    assert_eq!((ok, limited.len()), (5, 25));
    for r in limited {
        let retry: u64 = r.headers()["retry-after"].to_str().unwrap().parse().unwrap();
        assert!(retry > 3000, "{retry}");
    }
    let made =
        common::scalar(&s.db().await, "SELECT COUNT(*) FROM users WHERE name LIKE 'burst\\_%' ESCAPE '\\'").await;
    assert_eq!(made, 5);
    assert_eq!(limit_rows(&s, "register_ip").await, 5);
}

#[tokio::test]
async fn a_typo_in_a_registration_does_not_use_up_the_addresss_quota() {
    let s = common::spawn_with(&[("JINRI_AUTH_REGISTRATIONS_PER_IP_PER_HOUR", "1")]).await;
    assert_eq!(register(&s, "a b", GOOD_PASSWORD).await.status(), 400);
    assert_eq!(register(&s, "typo_reader", "short").await.status(), 400);
    assert_eq!(register(&s, "SAMMIE傻咪", GOOD_PASSWORD).await.status(), 400);
    signed_up(&s, "typo_reader").await;
}

#[tokio::test]
async fn thirty_concurrent_wrong_passwords_for_one_account_are_all_counted() {
    let s = common::spawn().await; // 10 failures per account from one address
    signed_up(&s, "under_attack").await;
    let tries = (0..30).map(|i| {
        let s = &s;
        async move { validation(login(s, "under_attack", &format!("wrong guess {i}"), None).await).await }
    });
    let replies = futures::future::join_all(tries).await;
    let wrong = replies.iter().filter(|(st, field, m)| *st == 400 && field == "password" && m == "用户名或密码不正确");
    let limited = replies.iter().filter(|(st, _, _)| *st == 429);
    assert_eq!((wrong.count(), limited.count()), (10, 20), "{replies:?}");
    for scope in ["login_pair", "login_ip", "login_account"] {
        assert_eq!(limit_rows(&s, scope).await, 10, "{scope}");
    }
    // A correct password from the same address is refused too until the window passes.
    assert_eq!(login(&s, "under_attack", GOOD_PASSWORD, None).await.status(), 429);
}

#[tokio::test]
async fn a_strangers_fifty_failures_from_five_other_addresses_do_not_stop_the_owner_signing_in() {
    // A slowed attempt would take over 3 s; the ceiling (100) is not reached.
    let s = common::spawn_with(&[("JINRI_AUTH_LOGIN_DELAY_MS", "3000")]).await;
    signed_up(&s, "owner_here").await;
    for a in 2..=6 {
        let stranger = s.seen_from(&format!("127.0.0.{a}"));
        for _ in 0..10 {
            assert_eq!(login(&stranger, "owner_here", "guessing wrong", None).await.status(), 400);
        }
        assert_eq!(login(&stranger, "owner_here", "guessing wrong", None).await.status(), 429, "127.0.0.{a}");
    }
    assert_eq!(limit_rows(&s, "login_account").await, 50);
    let owner = s.seen_from("127.0.0.7");
    let started = std::time::Instant::now();
    let resp = login(&owner, "owner_here", GOOD_PASSWORD, None).await;
    assert_eq!(resp.status(), 200);
    assert!(started.elapsed() < std::time::Duration::from_millis(2000), "not slowed: {:?}", started.elapsed());
    // The owner's usual address is not locked either.
    assert_eq!(login(&s, "owner_here", GOOD_PASSWORD, None).await.status(), 200);
}

#[tokio::test]
async fn past_the_per_account_ceiling_every_attempt_is_slowed_but_not_refused() {
    let s = common::spawn_with(&[
        ("JINRI_AUTH_LOGIN_DELAY_AFTER_ACCOUNT_FAILURES", "3"),
        ("JINRI_AUTH_LOGIN_DELAY_MS", "1500"),
    ])
    .await;
    signed_up(&s, "popular_target").await;
    for a in 2..=4 {
        let started = std::time::Instant::now();
        let stranger = s.seen_from(&format!("127.0.0.{a}"));
        assert_eq!(login(&stranger, "popular_target", "guessing wrong", None).await.status(), 400);
        assert!(started.elapsed() < std::time::Duration::from_millis(1500), "below the ceiling: no delay");
    }
    let started = std::time::Instant::now();
    let stranger = s.seen_from("127.0.0.5");
    assert_eq!(login(&stranger, "popular_target", "guessing wrong", None).await.status(), 400);
    assert!(started.elapsed() >= std::time::Duration::from_millis(1500), "{:?}", started.elapsed());
    let started = std::time::Instant::now();
    assert_eq!(login(&s, "popular_target", GOOD_PASSWORD, None).await.status(), 200, "slowed, not refused");
    assert!(started.elapsed() >= std::time::Duration::from_millis(1500), "{:?}", started.elapsed());
    // Another account is not slowed.
    signed_up(&s, "quiet_reader").await;
    let started = std::time::Instant::now();
    assert_eq!(login(&s, "quiet_reader", GOOD_PASSWORD, None).await.status(), 200);
    assert!(started.elapsed() < std::time::Duration::from_millis(1500));
}

#[tokio::test]
async fn weak_passwords_sent_without_end_are_cut_off_after_ten_tries_per_registration_allowed() {
    let s = common::spawn_with(&[("JINRI_AUTH_REGISTRATIONS_PER_IP_PER_HOUR", "1")]).await;
    for i in 0..10 {
        let r = register(&s, &format!("weak_{i}"), "password123").await;
        assert_eq!(r.status(), 400, "try {i}: refused as weak, and counted");
    }
    let r = register(&s, "weak_10", "password123").await;
    assert_eq!(r.status(), 429, "the strength check is not run without end from one address");
    assert!(r.headers().contains_key("retry-after"));
}

/// Registers through a proxy that says it got the request from `client`.
async fn register_via_proxy(s: &TestServer, name: &str, client: &str) -> u16 {
    let form = [("name", name), ("password", GOOD_PASSWORD), ("next", "/")];
    let req = s.client.post(format!("{}/api/auth/register", s.base)).form(&form).header("accept", "application/json");
    req.header("x-forwarded-for", client).send().await.unwrap().status().as_u16()
}

#[tokio::test]
async fn behind_a_trusted_proxy_registrations_are_counted_per_forwarded_address_and_never_otherwise() {
    let limit = ("JINRI_AUTH_REGISTRATIONS_PER_IP_PER_HOUR", "2");
    let proxied = common::spawn_with(&[limit, ("JINRI_SERVER_TRUSTED_PROXIES", "127.0.0.1")]).await;
    assert_eq!(register_via_proxy(&proxied, "代理甲一", "203.0.113.9").await, 200);
    assert_eq!(register_via_proxy(&proxied, "代理甲二", "203.0.113.9").await, 200);
    assert_eq!(register_via_proxy(&proxied, "代理甲三", "203.0.113.9").await, 429, "that client's limit");
    assert_eq!(register_via_proxy(&proxied, "代理乙一", "198.51.100.7").await, 200, "another client behind it");
    // A client that writes the header itself is still counted by what the proxy saw.
    assert_eq!(register_via_proxy(&proxied, "代理甲四", "198.51.100.77, 203.0.113.9").await, 429);
    // Not a trusted peer (or none configured): the header is ignored, the peer is the client.
    for trusted in ["10.0.0.1", ""] {
        let direct = common::spawn_with(&[limit, ("JINRI_SERVER_TRUSTED_PROXIES", trusted)]).await;
        assert_eq!(register_via_proxy(&direct, "直连一", "203.0.113.1").await, 200);
        assert_eq!(register_via_proxy(&direct, "直连二", "203.0.113.2").await, 200);
        assert_eq!(register_via_proxy(&direct, "直连三", "203.0.113.3").await, 429, "trusted = {trusted:?}");
    }
}
