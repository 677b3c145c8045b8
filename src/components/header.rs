use super::{avatar_badge, send_form, sync_html};
use crate::api::auth::Logout;
use crate::app::{AccountActions, FactsResource, MeResource};
use crate::model::{encode_query, safe_next, Role, CHANNELS};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::{use_location, use_query_map};

/// Top bar (date, weather, exchange rate, city, app), masthead and channel navigation.
#[component]
pub fn SiteHeader() -> impl IntoView {
    let facts = expect_context::<FactsResource>();
    let location = use_location();
    let current = move |href: &'static str| {
        let path = location.pathname.get();
        let here = if href == "/" { path == "/" } else { path.starts_with(href) };
        here.then_some("page")
    };
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
                            facts.await.ok().map(|f| sync_html({
                                let facts = move || view! {
                                    <span class="today">{f.today.clone()}</span>
                                    <span class="weather">{f.weather.clone()}</span>
                                    <span class="rate">"澳元 : 人民币="{f.exchange_rate.clone()}</span>
                                    <span class="city">{f.city.clone()}</span>
                                    <a class="app-link" href="/app">{f.name.clone()}"app下载"</a>
                                };
                                // On phones the header is one compact sticky bar and the facts
                                // fold behind 今日信息 (a `<details>`: no script needed); wider
                                // screens show them in the top bar.
                                view! {
                                    <span class="facts-inline">{facts()}</span>
                                    <details class="facts-fold">
                                        <summary aria-label="今日信息">
                                            <span aria-hidden="true">"⋯"</span>
                                        </summary>
                                        <div class="facts-panel">{facts()}</div>
                                    </details>
                                }
                            }))
                        }))}
                    </Suspense>
                    <UserArea />
                </div>
            </div>
            // Written by the server in one buffer (`sync_html`): no `Suspend` inside.
            {sync_html(view! {
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
            })}
        </header>
    }
}

/// 登录 / 注册 for visitors; avatar, name and 退出 for a signed-in reader.
#[component]
fn UserArea() -> impl IntoView {
    let me = expect_context::<MeResource>();
    let logout = expect_context::<AccountActions>().logout;
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
                    match me.await {
                        Ok(Some(user)) => view! {
                            <span class="user">
                                {avatar_badge(&user.name)}
                                <span class="user-name">{user.name}</span>
                            </span>
                            {
                                // Admins reach every newsroom page from theirs; editors go to the
                                // articles, moderators to the moderation queue.
                                let staff = if user.roles.may(Role::Admin) {
                                    Some(("/admin/users", "管理"))
                                } else if user.roles.may(Role::Editor) {
                                    Some(("/admin/articles", "编辑部"))
                                } else {
                                    user.roles.may(Role::Moderator).then_some(("/admin/moderation", "审核"))
                                };
                                staff.map(|(href, label)| view! { <a class="staff-link" href=href>{label}</a> })
                            }
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
                        .into_any(),
                        _ => view! {
                            <a href=move || format!("/login?next={}", encode_query(&here.get()))>"登录"</a>
                            <a href=move || format!("/register?next={}", encode_query(&here.get()))>"注册"</a>
                        }
                        .into_any(),
                    }
                }))}
            </Transition>
        </div>
    }
}
