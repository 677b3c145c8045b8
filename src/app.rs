//! The HTML shell, the application and its route table.

use crate::api::auth::me;
use crate::api::site::get_site_facts;
use crate::components::{SiteFooter, SiteHeader};
use crate::model::PublicUser;
use crate::model::{AppError, SiteFacts};
use crate::pages::{
    AboutPage, AppPage, ArticlePage, ChannelPage, CommentThreadPage, HomePage, LoginPage, NotFound, RegisterPage,
    SitemapPage,
};
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, Link, MetaTags, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{path, SsrMode};

/// The whole document the server sends; the browser hydrates only the islands inside `<App/>`.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    crate::server::headers::page_policy();
    view! {
        <!DOCTYPE html>
        <html lang="zh-CN">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="theme-color" content="#c8161d" />
                <AutoReload options=options.clone() />
                // `/pkg/jinri.<hash>.css` in a release build, `/pkg/jinri.css` in development
                // (`server::assets::hashed_names`).
                <HashedStylesheet options=options.clone() id="leptos" />
                // Islands mode: the page is server HTML; the bundle, loaded once the browser is
                // idle, hydrates only the islands (the live comment thread).
                <HydrationScripts options islands=true />
                <script nonce=use_nonce()>{include_str!("navigation.js")}</script>
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// Title of the front page, and of any page that sets none.
pub const DEFAULT_TITLE: &str = "今日 - 最好看的新闻,最实用的信息";

/// The site facts (top bar, footer, canonical base) are loaded once per page view and shared.
pub type FactsResource = Resource<Result<SiteFacts, AppError>>;

/// The signed-in reader (or `None`). Signing in or out ends in a redirect, so every page
/// view reads it afresh.
pub type MeResource = Resource<Result<Option<PublicUser>, AppError>>;

/// Rendered on the server only (islands mode): no part of it runs in the browser except the
/// islands inside it.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let facts: FactsResource = Resource::new(|| (), |_| get_site_facts());
    provide_context(facts);
    let me: MeResource = Resource::new(|| (), |_| me());
    provide_context(me);

    view! {
        <Link rel="icon" href="/favicon.svg" type_="image/svg+xml" />
        <Link rel="manifest" href="/manifest.webmanifest" />
        <Title formatter=|text: String| {
            if text.is_empty() { DEFAULT_TITLE.to_owned() } else { format!("{text} - 今日") }
        } />
        <Router>
            <a class="skip-link" href="#main">"跳到正文"</a>
            <SiteHeader />
            <main id="main" class="wrap">
                <Routes fallback=|| view! { <NotFound /> }>
                    <Route path=path!("/") view=HomePage ssr=SsrMode::Async />
                    <Route path=path!("/channel/:slug") view=ChannelPage ssr=SsrMode::Async />
                    <Route path=path!("/article/:id") view=ArticlePage ssr=SsrMode::Async />
                    <Route path=path!("/comment/:id") view=CommentThreadPage ssr=SsrMode::Async />
                    <Route path=path!("/sitemap") view=SitemapPage ssr=SsrMode::Async />
                    <Route path=path!("/about/:page") view=AboutPage ssr=SsrMode::Async />
                    <Route path=path!("/app") view=AppPage ssr=SsrMode::Async />
                    <Route path=path!("/login") view=LoginPage ssr=SsrMode::Async />
                    <Route path=path!("/register") view=RegisterPage ssr=SsrMode::Async />
                </Routes>
            </main>
            <SiteFooter />
        </Router>
    }
}
