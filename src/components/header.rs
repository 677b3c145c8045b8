use crate::app::FactsResource;
use crate::model::CHANNELS;
use leptos::prelude::*;
use leptos_router::hooks::use_location;

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
                        {move || Suspend::new(async move {
                            facts.await.ok().map(|f| view! {
                                <span class="today">{f.today}</span>
                                <span class="weather">{f.weather}</span>
                                <span class="rate">"澳元 : 人民币="{f.exchange_rate}</span>
                                <span class="city">{f.city}</span>
                                <a class="app-link" href="/app">{f.name}"app下载"</a>
                            })
                        })}
                    </Suspense>
                </div>
            </div>
            <div class="wrap masthead">
                <a class="logo" href="/" aria-label="今日 首页">"今日"</a>
                <p class="slogan">"最好看的新闻,最实用的信息"</p>
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
        </header>
    }
}
