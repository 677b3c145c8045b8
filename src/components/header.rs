#[cfg(feature = "ssr")]
use super::sync_html::Prerendered;
use super::{avatar_badge, send_form, ServerCall};
use crate::api::auth::Logout;
use crate::app::{AccountActions, FactsResource, MeResource};
use crate::model::{encode_query, safe_next, Role, SiteFacts, Viewer, CHANNELS};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::{use_location, use_query_map};

#[cfg(feature = "ssr")]
mod written;

/// Top bar (date, weather, exchange rate, city, app), masthead and channel navigation.
#[component]
pub fn SiteHeader() -> impl IntoView {
    let facts = expect_context::<FactsResource>();
    let location = use_location();
    let current = move |href: &'static str| is_current(&location.pathname.get(), href).then_some("page");
    view! {
        <header class="site-header">
            <div class="topbar">
                <div class="wrap topbar-inner">
                    <Suspense fallback=|| ()>
                        {crate::components::suspended(move || Suspend::new(async move {
                            // The first hydration goes on from here in a new task: the router
                            // and the shell before, the header and the page's start after
                            // (see `hydration_break`).
                            crate::components::hydration_break().await;
                            facts_part(facts).await
                        }))}
                    </Suspense>
                    <UserArea />
                </div>
            </div>
            {masthead_part(current)}
        </header>
    }
}

/// 登录 / 注册 for visitors; avatar, name and 退出 for a signed-in reader.
#[component]
fn UserArea() -> impl IntoView {
    let me = expect_context::<MeResource>();
    let actions = expect_context::<AccountActions>();
    let location = use_location();
    let query = use_query_map();
    // Where to come back to: this page, or on the sign-in pages the page that sent the reader there.
    let here = Memo::new(move |_| {
        let path = location.pathname.get();
        if path == "/login" || path == "/register" {
            safe_next(&query.read().get("next").unwrap_or_default())
        } else {
            // The router's `search` comes without its `?`: put it back, or `/?page=2` would
            // come back as `/page=2` (a 404).
            let search = location.search.get();
            match search.trim_start_matches('?') {
                "" => path,
                q => format!("{path}?{q}"),
            }
        }
    });
    view! {
        <div class="user-area">
            <Transition fallback=|| ()>
                {crate::components::suspended(move || Suspend::new(async move {
                    user_part(me, here, actions).await
                }))}
            </Transition>
        </div>
    }
}

/// The top bar's facts. The server writes their HTML itself (`written::facts`: the same bytes
/// as the view, without building it), from the facts where they are (awaiting the resource
/// itself would copy all thirteen strings); the browser hydrates them with the view.
#[cfg(feature = "ssr")]
async fn facts_part(facts: FactsResource) -> Option<Prerendered> {
    facts.by_ref().await.as_ref().ok().map(|f| Prerendered::new(written::facts(f)))
}

/// See the server's `facts_part`.
#[cfg(not(feature = "ssr"))]
async fn facts_part(facts: FactsResource) -> Option<impl IntoView> {
    facts.await.ok().map(|f| super::sync_html(facts_view(f)))
}

#[cfg_attr(all(feature = "ssr", not(test)), allow(dead_code))]
fn facts_view(f: SiteFacts) -> impl IntoView {
    let facts = move || {
        view! {
            <span class="today">{f.today.clone()}</span>
            <span class="weather">{f.weather.clone()}</span>
            <span class="rate">"澳元 : 人民币="{f.exchange_rate.clone()}</span>
            <span class="city">{f.city.clone()}</span>
            <a class="app-link" href="/app">{f.name.clone()}"app下载"</a>
        }
    };
    // On phones the header is one compact sticky bar and the facts fold behind 今日信息 (a
    // `<details>`: no script needed); wider screens show them in the top bar.
    view! {
        <span class="facts-inline">{facts()}</span>
        <details class="facts-fold">
            <summary aria-label="今日信息">
                <span aria-hidden="true">"⋯"</span>
            </summary>
            <div class="facts-panel">{facts()}</div>
        </details>
    }
}

/// Whether the channel bar's link `href` is the page at `path` (or the channel it is in).
fn is_current(path: &str, href: &str) -> bool {
    if href == "/" {
        path == "/"
    } else {
        path.starts_with(href)
    }
}

/// The masthead and the channel bar, the current channel marked. Written by the server itself
/// (`written::masthead`), as `facts_part`.
#[cfg(feature = "ssr")]
fn masthead_part(_: impl Fn(&'static str) -> Option<&'static str>) -> Prerendered {
    Prerendered::new(written::masthead(&use_location().pathname.get_untracked()))
}

/// See the server's `masthead_part`.
#[cfg(not(feature = "ssr"))]
fn masthead_part(
    current: impl Fn(&'static str) -> Option<&'static str> + Copy + Send + Sync + 'static,
) -> impl IntoView {
    super::sync_html(masthead_view(current))
}

#[cfg_attr(all(feature = "ssr", not(test)), allow(dead_code))]
fn masthead_view(
    current: impl Fn(&'static str) -> Option<&'static str> + Copy + Send + Sync + 'static,
) -> impl IntoView {
    view! {
        <div class="wrap masthead">
            <a class="logo" href="/" aria-label="今日 首页">"今日"</a>
            <p class="slogan">"最好看的新闻，最实用的信息"</p>
        </div>
        <nav class="channels" aria-label="频道">
            <div class="wrap channels-inner">
                <a href="/" aria-current=move || current("/")>"首页"</a>
                {CHANNELS
                    .iter()
                    .map(|c| view! { <a href=c.href aria-current=move || current(c.href)>{c.name}</a> })
                    .collect_view()}
            </div>
        </nav>
    }
}

/// The user area's content for the reader `me` holds (`None`: a visitor), coming back to
/// `here`. Written by the server itself (`written::user`) from the reader where it is, as
/// `facts_part`.
async fn user_part(me: MeResource, here: Memo<String>, actions: AccountActions) -> AnyView {
    #[cfg(feature = "ssr")]
    {
        // The server's form is plain HTML: no action is made for it.
        let _ = actions;
        let html = written::user(me.by_ref().await.as_ref().ok().and_then(Option::as_ref), &here.get_untracked());
        Prerendered::new(html).into_any()
    }
    #[cfg(not(feature = "ssr"))]
    user_view(me.await.ok().flatten(), here, actions.logout())
}

#[cfg_attr(all(feature = "ssr", not(test)), allow(dead_code))]
fn user_view(user: Option<Viewer>, here: Memo<String>, logout: ServerCall<Logout>) -> AnyView {
    match user {
        Some(user) => {
            let staff = staff_link(&user);
            view! {
            <span class="user">
                {avatar_badge(&user.name)}
                <span class="user-name">{user.name}</span>
            </span>
            {staff.map(|(href, label)| view! { <a class="staff-link" href=href>{label}</a> })}
            <form
                method="post"
                action=Logout::url()
                class="logout-form"
                on:submit=send_form(logout, |form| Logout { next: form.opt("next") })
            >
                <input type="hidden" name="next" value=here />
                <button type="submit" class="link-button" disabled=move || logout.pending().get()>"退出"</button>
            </form>
            }
            .into_any()
        }
        None => view! {
            <a href=move || format!("/login?next={}", encode_query(&here.get()))>"登录"</a>
            <a href=move || format!("/register?next={}", encode_query(&here.get()))>"注册"</a>
        }
        .into_any(),
    }
}

/// The newsroom link of a staff member: admins reach every newsroom page from theirs; editors
/// go to the articles, moderators to the moderation queue.
fn staff_link(user: &Viewer) -> Option<(&'static str, &'static str)> {
    if user.roles.may(Role::Admin) {
        Some(("/admin/users", "管理"))
    } else if user.roles.may(Role::Editor) {
        Some(("/admin/articles", "编辑部"))
    } else {
        user.roles.may(Role::Moderator).then_some(("/admin/moderation", "审核"))
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;
    use crate::components::sync_html::both;
    use crate::model::{Roles, UserId};

    fn facts(name: &str, weather: &str, rate: &str, city: &str) -> SiteFacts {
        SiteFacts {
            name: name.to_owned(),
            today: "12月07日".to_owned(),
            weather: weather.to_owned(),
            exchange_rate: rate.to_owned(),
            city: city.to_owned(),
            slogan: String::new(),
            phone: String::new(),
            email_contact: String::new(),
            email_business: String::new(),
            email_tips: String::new(),
            copyright: String::new(),
            base_url: String::new(),
            flash: None,
        }
    }

    /// Each of the header's parts the server writes itself, against its view (both of tachys'
    /// paths): facts with escapes and empty values, the channel bar on every kind of page, the
    /// user area of a visitor and of each role, on addresses with characters to escape.
    #[test]
    fn the_server_writes_the_header_as_its_views_write_it() {
        Owner::new().with(|| {
            let all_facts = [
                facts("今日", "20.1°C-21.3°C", "4.73", "悉尼"),
                facts("<今日> & \"新闻\"", "", "", "墨尔本 <b>"),
                facts("", "晴", "4.7&5", ""),
            ];
            for f in all_facts {
                let written = written::facts(&f);
                let (plain, streamed) = both(|| facts_view(f.clone()));
                assert_eq!(written, plain);
                assert_eq!(written, streamed);
            }
            for path in ["/", "/channel/au", "/channel/life", "/channel/finance?page=2", "/article/1", "/app", "/login"]
            {
                let written = written::masthead(path);
                let current = move |href: &'static str| is_current(path, href).then_some("page");
                let (plain, streamed) = both(|| masthead_view(current));
                assert_eq!(written, plain, "{path}");
                assert_eq!(written, streamed, "{path}");
                assert_eq!(
                    written.matches("aria-current").count(),
                    usize::from(path == "/" || path.starts_with("/channel/"))
                );
            }
            let logout = crate::components::server_call::<Logout>();
            let viewer =
                |name: &str, roles: u8| Viewer { id: UserId(7), name: name.to_owned(), roles: Roles(roles), ban: None };
            let users = [
                None,
                Some(viewer("读者甲", 0)),
                Some(viewer("编辑乙", Role::Editor.bit())),
                Some(viewer("版主丙", Role::Moderator.bit())),
                Some(viewer("<admin> & \"丁\"", Role::Admin.bit())),
                Some(viewer("x", Role::Editor.bit() | Role::Moderator.bit())),
            ];
            for here in ["/", "/article/1?sort=old&page=2", "/channel/au?x=\"<b>&y"] {
                let here_memo = Memo::new(move |_| here.to_owned());
                for user in &users {
                    let written = written::user(user.as_ref(), here);
                    let (plain, streamed) = both(|| user_view(user.clone(), here_memo, logout));
                    assert_eq!(written, plain, "{here} {user:?}");
                    assert_eq!(written, streamed, "{here} {user:?}");
                }
            }
        })
    }
}
