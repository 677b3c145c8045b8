//! Newsroom roles over HTTP: only admins read the staff page and grant or revoke; everyone else
//! is refused on the server and nothing changes; a change reaches open sessions at once; the
//! last admin stays; the change endpoints are rate-limited per admin, atomically.
#![cfg(feature = "ssr")]

mod common;

use common::TestServer;
use jinri::model::{Role, Username};
use jinri::server::db;
use serde_json::Value;

/// Registrations from one address: the tests make more readers than the default allows.
use common::MANY;

/// Grants `role` to `name` as the command line does (how the first admin is made).
async fn grant_directly(s: &TestServer, name: &str, role: Role) {
    let outcome = db::roles::grant(&s.db().await, &Username::lookup_key(name), role, None, 1).await.unwrap();
    assert_eq!(outcome, db::roles::Outcome::Changed);
}

async fn me(s: &TestServer, cookie: &str) -> Value {
    s.call("/api/auth/me", &[], Some(cookie)).await.json().await.unwrap()
}

/// Rows of the role table and of the audit log: what a refused call must leave as it was.
async fn state(s: &TestServer) -> (i64, i64) {
    let pool = s.db().await;
    (
        common::scalar(&pool, "SELECT COUNT(*) FROM user_roles").await,
        common::scalar(&pool, "SELECT COUNT(*) FROM audit_log").await,
    )
}

#[tokio::test]
async fn only_an_admin_may_read_the_staff_or_grant_or_revoke_and_refusals_change_nothing() {
    let s = common::spawn_with(&MANY).await;
    let admin = s.reader("chief_editor").await;
    grant_directly(&s, "chief_editor", Role::Admin).await;
    s.reader("target_reader").await;
    let reader = s.reader("plain_reader").await;
    let editor = s.reader("bian_ji_wang").await;
    let moderator = s.reader("ban_zhu_li").await;
    grant_directly(&s, "bian_ji_wang", Role::Editor).await;
    grant_directly(&s, "ban_zhu_li", Role::Moderator).await;
    let before = state(&s).await;
    for (who, cookie, status) in [
        ("visitor", None, 401),
        ("reader", Some(&reader), 403),
        ("editor", Some(&editor), 403),
        ("moderator", Some(&moderator), 403),
    ] {
        let cookie = cookie.map(String::as_str);
        let staff = s.call("/api/admin/staff", &[], cookie).await;
        assert_eq!(staff.status(), status, "{who} reads the staff");
        for (endpoint, role) in
            [("/api/admin/grant", "admin"), ("/api/admin/grant", "editor"), ("/api/admin/revoke", "admin")]
        {
            let name = if endpoint.ends_with("revoke") { "chief_editor" } else { "target_reader" };
            let resp = s.call(endpoint, &[("name", name), ("role", role)], cookie).await;
            assert_eq!(resp.status(), status, "{who} {endpoint} {role}");
            let body: Value = resp.json().await.unwrap();
            let expected = if status == 401 { "Unauthorized" } else { "NotPermitted" };
            assert_eq!(body, Value::String(expected.into()), "{who} {endpoint}");
        }
    }
    assert_eq!(state(&s).await, before, "a refused call changed roles or the log");
    // The page itself: 401 for a visitor, 403 for a reader, the staff for an admin.
    assert_eq!(s.get("/admin/users").await.0, 401);
    let page = |cookie: String| {
        let s = &s;
        async move {
            let resp = s.client.get(format!("{}/admin/users", s.base)).header("cookie", cookie).send().await.unwrap();
            (resp.status().as_u16(), common::strip_comments(&resp.text().await.unwrap()))
        }
    };
    let (status, html) = page(reader.clone()).await;
    assert_eq!(status, 403);
    assert!(html.contains("没有权限") && !html.contains("bian_ji_wang"), "{html}");
    let (status, html) = page(admin.clone()).await;
    assert_eq!(status, 200);
    for text in ["编辑部成员", "chief_editor", "bian_ji_wang", "ban_zhu_li", "编辑", "版主", "管理员", "noindex"]
    {
        assert!(html.contains(text), "admin page lacks {text}");
    }
    assert!(!html.contains("plain_reader"), "a reader without a role is not staff");
}

#[tokio::test]
async fn a_grant_and_a_revocation_reach_an_open_session_at_once_and_are_logged() {
    let s = common::spawn_with(&MANY).await;
    let admin = s.reader("chief_editor").await;
    grant_directly(&s, "chief_editor", Role::Admin).await;
    let reader = s.reader("new_editor").await;
    assert_eq!(me(&s, &reader).await["roles"], 0);
    // Another case of the name is the same reader.
    let resp = s.call("/api/admin/grant", &[("name", " NEW_editor "), ("role", "editor")], Some(&admin)).await;
    assert_eq!(resp.status(), 200, "{:?}", resp.text().await);
    assert_eq!(me(&s, &reader).await["roles"], Role::Editor.bit(), "no sign-out needed");
    let staff: Value = s.call("/api/admin/staff", &[], Some(&admin)).await.json().await.unwrap();
    let member = staff["staff"].as_array().unwrap().iter().find(|m| m["name"] == "new_editor").unwrap().clone();
    assert_eq!(member["roles"][0]["role"], "Editor");
    assert_eq!(member["roles"][0]["granted_by"], "chief_editor");
    let resp = s.call("/api/admin/revoke", &[("name", "new_editor"), ("role", "editor")], Some(&admin)).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(me(&s, &reader).await["roles"], 0);
    let staff: Value = s.call("/api/admin/staff", &[], Some(&admin)).await.json().await.unwrap();
    let lines: Vec<&str> = staff["audit"].as_array().unwrap().iter().map(|l| l["text"].as_str().unwrap()).collect();
    assert_eq!(lines[..2], ["撤销 new_editor 的「编辑」角色", "授予 new_editor「编辑」角色"]);
    assert_eq!(staff["audit"][0]["actor"], "chief_editor");
    // The admin's own page shows the 管理 link; a reader's does not.
    let with = |cookie: &str| {
        let (s, cookie) = (&s, cookie.to_owned());
        async move {
            let resp = s.client.get(format!("{}/about/contact", s.base)).header("cookie", cookie).send().await.unwrap();
            resp.text().await.unwrap()
        }
    };
    assert!(with(&admin).await.contains("href=\"/admin/users\""));
    assert!(!with(&reader).await.contains("href=\"/admin/users\""));
}

#[tokio::test]
async fn bad_input_gets_a_chinese_error_on_its_field() {
    let s = common::spawn_with(&MANY).await;
    let admin = s.reader("chief_editor").await;
    grant_directly(&s, "chief_editor", Role::Admin).await;
    let long = "名".repeat(200);
    for (name, role, field, says) in [
        ("", "editor", "name", "请输入用户名"),
        ("nobody_here", "editor", "name", "没有叫这个名字的读者"),
        (long.as_str(), "editor", "name", "没有叫这个名字的读者"),
        ("chief_editor", "reader", "role", "请选择角色"),
        ("chief_editor", "root", "role", "请选择角色"),
    ] {
        let resp = s.call("/api/admin/grant", &[("name", name), ("role", role)], Some(&admin)).await;
        assert_eq!(resp.status(), 400, "{name} {role}");
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["Validation"]["field"], field);
        assert_eq!(body["Validation"]["message"], says);
    }
    assert_eq!(state(&s).await, (1, 1), "only the first grant is recorded");
}

#[tokio::test]
async fn the_last_admin_cannot_be_revoked_but_one_of_two_can() {
    let s = common::spawn_with(&MANY).await;
    let admin = s.reader("zhu_bian").await;
    grant_directly(&s, "zhu_bian", Role::Admin).await;
    let resp = s.call("/api/admin/revoke", &[("name", "zhu_bian"), ("role", "admin")], Some(&admin)).await;
    assert_eq!(resp.status(), 409);
    let body: Value = resp.json().await.unwrap();
    assert!(body["Conflict"].as_str().unwrap().contains("最后一位管理员"), "{body}");
    assert_eq!(me(&s, &admin).await["roles"], Role::Admin.bit());
    s.reader("fu_zhu_bian").await;
    let resp = s.call("/api/admin/grant", &[("name", "fu_zhu_bian"), ("role", "admin")], Some(&admin)).await;
    assert_eq!(resp.status(), 200);
    // An admin may step down when another remains; then their own admin calls are refused.
    let resp = s.call("/api/admin/revoke", &[("name", "zhu_bian"), ("role", "admin")], Some(&admin)).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(s.call("/api/admin/staff", &[], Some(&admin)).await.status(), 403);
}

#[tokio::test]
async fn a_burst_of_role_changes_gets_exactly_the_limit_per_admin() {
    let s = common::spawn_with(&MANY).await;
    let admin = s.reader("mang_lu").await;
    grant_directly(&s, "mang_lu", Role::Admin).await;
    s.reader("target_reader").await;
    let calls = (0..40).map(|i| {
        let (s, admin) = (&s, admin.clone());
        async move {
            let (endpoint, role) =
                if i % 2 == 0 { ("/api/admin/grant", "editor") } else { ("/api/admin/revoke", "editor") };
            s.call(endpoint, &[("name", "target_reader"), ("role", role)], Some(&admin)).await.status().as_u16()
        }
    });
    let statuses = futures::future::join_all(calls).await;
    let ok = statuses.iter().filter(|s| **s == 200).count() as i64;
    let limited = statuses.iter().filter(|s| **s == 429).count() as i64;
    assert_eq!(
        (ok, limited),
        (jinri::api::admin::CHANGES_PER_MINUTE, 40 - jinri::api::admin::CHANGES_PER_MINUTE),
        "{statuses:?}"
    );
}

#[tokio::test]
async fn a_refused_plain_post_comes_back_to_the_page_with_its_message_and_the_name_typed() {
    let s = common::spawn_with(&MANY).await;
    let admin = s.reader("chief_editor").await;
    grant_directly(&s, "chief_editor", Role::Admin).await;
    let resp = s
        .client
        .post(format!("{}/api/admin/grant", s.base))
        .header("accept", "text/html")
        .header("cookie", &admin)
        .form(&[("name", "no_such_reader"), ("role", "moderator")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 302);
    assert_eq!(resp.headers()["location"], "/admin/users", "nothing typed travels in the address");
    let flash = common::set_cookie_pair(&resp, "jinri_flash").expect("a flash cookie");
    let page = s
        .client
        .get(format!("{}/admin/users", s.base))
        .header("cookie", format!("{admin}; {flash}"))
        .send()
        .await
        .unwrap();
    let html = common::strip_comments(&page.text().await.unwrap());
    assert!(html.contains("没有叫这个名字的读者"), "the message shows");
    assert!(html.contains("value=\"no_such_reader\""), "the name typed stays");
    assert!(html.contains("value=\"moderator\" selected"), "the role chosen stays");
    // A successful plain post comes back to the page, which lists the new role.
    s.reader("real_reader").await;
    let resp = s
        .client
        .post(format!("{}/api/admin/grant", s.base))
        .header("accept", "text/html")
        .header("cookie", &admin)
        .form(&[("name", "real_reader"), ("role", "moderator")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 302);
    assert_eq!(resp.headers()["location"], "/admin/users");
    let (_, html) = {
        let r = s.client.get(format!("{}/admin/users", s.base)).header("cookie", &admin).send().await.unwrap();
        (r.status(), common::strip_comments(&r.text().await.unwrap()))
    };
    assert!(html.contains("real_reader") && html.contains("授予 real_reader「版主」角色"), "{html}");
}

#[tokio::test]
async fn an_admin_sets_the_top_bar_and_every_page_served_after_shows_it_even_a_cached_one() {
    let s = common::spawn_with(&MANY).await;
    let admin = s.reader("chief_editor").await;
    grant_directly(&s, "chief_editor", Role::Admin).await;
    let editor = s.reader("bian_ji_wang").await;
    grant_directly(&s, "bian_ji_wang", Role::Editor).await;
    let facts = [("weather", "11.5°C-19.0°C"), ("exchange_rate", "4.88"), ("city", "墨尔本")];
    // The front page, kept for guests.
    let (_, before) = s.get("/").await;
    assert!(!before.contains("墨尔本"));
    let again = s.client.get(format!("{}/", s.base)).send().await.unwrap();
    assert_eq!(again.headers().get("x-cache").map(|v| v.to_str().unwrap().to_owned()).as_deref(), Some("hit"));
    for (who, cookie, status) in [("visitor", None, 401), ("editor", Some(editor.as_str()), 403)] {
        assert_eq!(s.call("/api/admin/facts", &facts, cookie).await.status(), status, "{who}");
        assert_eq!(s.call("/api/admin/facts/get", &[], cookie).await.status(), status, "{who}");
    }
    assert_eq!(state(&s).await, (2, 2), "refused calls change nothing");
    let resp = s.call("/api/admin/facts", &facts, Some(&admin)).await;
    assert_eq!(resp.status(), 200, "{:?}", resp.text().await);
    let (_, after) = s.get("/").await;
    assert!(
        after.contains("墨尔本") && after.contains("11.5°C-19.0°C") && after.contains("4.88"),
        "the cached page kept the old facts"
    );
    let (_, article) = s.get(&s.seed_article_path().await).await;
    assert!(article.contains("墨尔本"));
    // Only what changed is logged; saving the same values again logs nothing.
    assert_eq!(s.call("/api/admin/facts", &facts, Some(&admin)).await.status(), 200);
    let staff: Value = s.call("/api/admin/staff", &[], Some(&admin)).await.json().await.unwrap();
    let lines: Vec<&str> = staff["audit"].as_array().unwrap().iter().map(|l| l["text"].as_str().unwrap()).collect();
    assert_eq!(
        lines[..3],
        ["把顶栏的城市改为 墨尔本", "把顶栏的澳元兑人民币汇率改为 4.88", "把顶栏的天气改为 11.5°C-19.0°C"]
    );
    assert_eq!(state(&s).await.1, 5);
    // Bad values: the field at fault, in Chinese, and nothing saved.
    let long = "晴".repeat(41);
    for (field, value, says) in [
        ("city", "   ", "请填写"),
        ("weather", long.as_str(), "最多 40 个字符"),
        ("exchange_rate", "4.8\u{7}", "控制字符"),
    ] {
        let mut form = facts.to_vec();
        form.iter_mut().find(|(k, _)| *k == field).unwrap().1 = value;
        let resp = s.call("/api/admin/facts", &form, Some(&admin)).await;
        assert_eq!(resp.status(), 400);
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["Validation"]["field"], field);
        assert!(body["Validation"]["message"].as_str().unwrap().contains(says), "{body}");
    }
    let got: Value = s.call("/api/admin/facts/get", &[], Some(&admin)).await.json().await.unwrap();
    assert_eq!((got["city"].as_str(), got["weather"].as_str()), (Some("墨尔本"), Some("11.5°C-19.0°C")));
}
