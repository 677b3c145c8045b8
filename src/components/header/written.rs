//! The server's writer of the header's parts (`facts_part`, `masthead_part`, `user_part`): the
//! bytes their views write, hydration markers included, by the rules `comments::written` lists,
//! written straight into a string. The header is on every page; building its views was some
//! 150 boxed elements and attributes a request. The tests below compare writer and view.

use super::{is_current, staff_link};
use crate::api::auth::Logout;
use crate::components::sync_html::write::{attr, text};
use crate::model::{encode_query, Avatar, SiteFacts, Viewer, CHANNELS};
use leptos::server_fn::ServerFn;

/// `facts_view`.
pub(super) fn facts(f: &SiteFacts) -> String {
    let mut w = String::with_capacity(1024);
    w.push_str("<span class=\"facts-inline\">");
    facts_list(&mut w, f);
    w.push_str("<!></span><details class=\"facts-fold\"><summary aria-label=\"今日信息\"><span aria-hidden=\"true\">⋯</span></summary><div class=\"facts-panel\">");
    facts_list(&mut w, f);
    w.push_str("<!></div><!><!></details><!>");
    w
}

/// The five facts, as a fragment: each element, then the fragment's marker.
fn facts_list(w: &mut String, f: &SiteFacts) {
    w.push_str("<span class=\"today\">");
    text(w, &f.today);
    w.push_str("<!></span><span class=\"weather\">");
    text(w, &f.weather);
    w.push_str("<!></span><span class=\"rate\">澳元 : 人民币=<!>");
    text(w, &f.exchange_rate);
    w.push_str("<!><!></span><span class=\"city\">");
    text(w, &f.city);
    w.push_str("<!></span><a href=\"/app\" class=\"app-link\">");
    text(w, &f.name);
    w.push_str("<!>app下载<!><!></a><!>");
}

/// `masthead_view` on the page at `path`.
pub(super) fn masthead(path: &str) -> String {
    let mut w = String::with_capacity(1024);
    w.push_str(
        "<div class=\"wrap masthead\"><a class=\"logo\" href=\"/\" aria-label=\"今日 首页\">今日</a>\
         <p class=\"slogan\">最好看的新闻，最实用的信息</p><!><!></div>\
         <nav aria-label=\"频道\" class=\"channels\"><div class=\"wrap channels-inner\">",
    );
    let link = |w: &mut String, href: &str, name: &str, here: bool| {
        w.push_str("<a href=\"");
        w.push_str(href);
        w.push_str(if here { "\" aria-current=\"page\">" } else { "\">" });
        w.push_str(name);
        w.push_str("<!></a>");
    };
    link(&mut w, "/", "首页", is_current(path, "/"));
    for c in CHANNELS {
        link(&mut w, c.href, c.name, is_current(path, c.href));
    }
    w.push_str("<!><!><!></div><!></nav><!>");
    w
}

/// `user_view` for `user` (`None`: a visitor) on the page `here`.
pub(super) fn user(user: Option<&Viewer>, here: &str) -> String {
    let mut w = String::with_capacity(512);
    match user {
        Some(user) => {
            let avatar = Avatar::for_name(&user.name);
            w.push_str("<span class=\"user\"><span aria-hidden=\"true\" class=\"avatar avatar-");
            w.push_str(&avatar.index.to_string());
            w.push_str("\">");
            text(&mut w, &avatar.initial);
            w.push_str("<!></span><span class=\"user-name\">");
            text(&mut w, &user.name);
            w.push_str("<!></span><!><!></span>");
            match staff_link(user) {
                Some((href, label)) => {
                    w.push_str("<a href=\"");
                    w.push_str(href);
                    w.push_str("\" class=\"staff-link\">");
                    w.push_str(label);
                    w.push_str("<!></a>");
                }
                None => w.push_str("<!>"),
            }
            w.push_str("<form method=\"post\" action=\"");
            attr(&mut w, Logout::url());
            w.push_str("\" class=\"logout-form\"><input type=\"hidden\" name=\"next\" value=\"");
            attr(&mut w, here);
            w.push_str("\"><button type=\"submit\" class=\"link-button\">退出<!></button><!><!></form><!>");
        }
        None => {
            let next = encode_query(here);
            w.push_str("<a href=\"");
            attr(&mut w, &format!("/login?next={next}"));
            w.push_str("\">登录<!></a><a href=\"");
            attr(&mut w, &format!("/register?next={next}"));
            w.push_str("\">注册<!></a><!>");
        }
    }
    w
}
