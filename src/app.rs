//! The HTML shell, the application and its route table.

use crate::api::auth::{me, Login, Logout, Register};
use crate::api::site::get_site_facts;
use crate::components::{server_call, ServerCall};
use crate::components::{NavEffects, PageCodeFailure, SiteFooter, SiteHeader};
use crate::model::{AppError, FormFlash, SiteFacts, Viewer};
use crate::pages::{
    AboutRoute, AdminSiteRoute, AdminUsersRoute, AppRoute, ArticlePage, ChannelRoute, HomeRoute, LoginRoute,
    ModerationRoute, NewsroomRoute, NotFound, RegisterRoute, SitemapRoute, ThreadRoute,
};
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Title};
use leptos_router::components::{FlatRoutes, Route, Router};
use leptos_router::hooks::use_location;
use leptos_router::{path, Lazy, SsrMode};

/// The whole document the server sends; the browser hydrates all of `<App/>`.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    crate::server::headers::page_policy();
    #[cfg(feature = "ssr")]
    let stylesheet = crate::server::assets::stylesheet_href(&options);
    #[cfg(not(feature = "ssr"))]
    let stylesheet = String::new();
    view! {
        <!DOCTYPE html>
        <html lang="zh-CN">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="theme-color" content="#c8161d" />
                <AutoReload options=options.clone() />
                // `/pkg/jinri.<hash>.css` in a release build, `/pkg/jinri.css` in development
                // (`server::assets::hashed_names`, `stylesheet_href`).
                <link rel="stylesheet" id="leptos" href=stylesheet />
                // The icon, the manifest and the site's feeds (`server::feeds`; a channel page adds
                // its own): in the shell, which only the server renders, so they cost the browser
                // bundle nothing.
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <link rel="manifest" href="/manifest.webmanifest" />
                <link rel="alternate" type="application/rss+xml" title="今日 RSS" href="/feeds/rss.xml" />
                <link rel="alternate" type="application/atom+xml" title="今日 Atom" href="/feeds/atom.xml" />
                // OpenGraph tags that no page changes; each page's own are `PageMeta`'s.
                <meta property="og:site_name" content="今日" />
                <meta property="og:locale" content="zh_CN" />
                <meta name="twitter:card" content="summary_large_image" />
                // Content first: the bundle is fetched once the browser is idle after showing
                // the page (at most 2 s later) and then hydrates it; until then it works as
                // plain HTML (links, forms), so a slow phone shows text and figures without
                // waiting for it (`BundleScripts`).
                <BundleScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// Leptos' `HydrationScripts` (with `defer`) without its early fetch of the wasm. Leptos' own
/// links `<link rel="preload">` for the wasm in the head, so the browser downloads the bundle
/// (~345 KB) while the page's own figures and text are still coming: on a slow phone network
/// they share the line, and Lighthouse's model of a phone counted the page's largest paint only
/// after the bundle (LCP 2.9–3.4 s). Here the wasm is fetched only when the start script runs,
/// at the browser's first idle moment after showing the page; the small JS glue keeps its
/// low-priority preload, so the start does not wait for it.
#[component]
fn BundleScripts(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    {
        // Leptos' component also provides the lazy routes' split manifest to the page (the
        // routes' chunk preloads); its view is replaced by the two tags below. It is asked
        // once per process, and the manifest it provides (an `Arc`, the same for every page)
        // is kept: each call formatted its script and tags, only to be thrown away.
        static SPLITS: std::sync::OnceLock<Option<leptos::WasmSplitManifest>> = std::sync::OnceLock::new();
        let splits = SPLITS.get_or_init(|| {
            let _ = HydrationScripts(HydrationScriptsProps::builder().options(options.clone()).defer(true).build());
            use_context::<leptos::WasmSplitManifest>()
        });
        if let Some(splits) = splits {
            provide_context(splits.clone());
        }
        // The glue's address and the start script are the same for every page of a process.
        static TAGS: std::sync::OnceLock<(String, String)> = std::sync::OnceLock::new();
        let (href, script) = TAGS.get_or_init(|| {
            let (js, wasm) = crate::server::assets::bundle_names(&options);
            let pkg = options.pkg_url_path();
            (format!("/{pkg}/{js}.js"), crate::server::assets::start_script(pkg, &js, &wasm))
        });
        view! {
            <link rel="modulepreload" href=href.as_str() crossorigin="anonymous" fetchpriority="low" />
            <script type="module" nonce=use_nonce()>{script.as_str()}</script>
        }
    }
    #[cfg(not(feature = "ssr"))]
    {
        // Only the server renders the document's head.
        let _ = options;
    }
}

/// Title of the front page, and of any page that sets none.
pub const DEFAULT_TITLE: &str = "今日 - 最好看的新闻，最实用的信息";

/// A page's `<title>`: its own title with the site's name, the front page's without one. Text
/// that is a full title already (see `shown_title`) stays as it is.
fn title_text(text: String) -> String {
    if text.is_empty() {
        DEFAULT_TITLE.to_owned()
    } else if text == DEFAULT_TITLE || text.ends_with(" - 今日") {
        text
    } else {
        format!("{text} - 今日")
    }
}

/// In the browser, the title the server rendered: it stays while a lazy page hydrates (the page's
/// own `<Title>` registers only once its view has loaded; without this the document had no title
/// meanwhile). Every page sets its own title, which then takes over. Nothing on the server.
fn shown_title() -> String {
    #[cfg(feature = "hydrate")]
    {
        document().title()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        String::new()
    }
}

/// The site facts (top bar, footer, canonical base): read once per visit and shared.
pub type FactsResource = crate::api::codec::JsonResource<Result<SiteFacts, AppError>>;

/// The signed-in reader (or `None`), read again on every page change and after each sign-in,
/// registration or sign-out: a session that ended in another tab shows on the next page.
pub type MeResource = crate::api::codec::JsonResource<Result<Option<Viewer>, AppError>>;

/// What a failed plain form post was sent back with (`SiteFacts::flash`, read with the site
/// facts), for the first page of a visit only: see `Flash::get`.
#[derive(Clone, Copy)]
pub struct Flash {
    data: FactsResource,
    /// Set by the first page change in the browser: a flash belongs to the page it came with.
    pub(crate) moved: RwSignal<bool>,
}

impl Flash {
    /// The flash of this page, if the reader has not left the page it came with. Read inside a
    /// `Suspend`, so the server render and the hydration see the same value.
    pub async fn get(self) -> Option<FormFlash> {
        if self.moved.get_untracked() {
            return None;
        }
        #[cfg(feature = "ssr")]
        let flash = self.data.by_ref().await.as_ref().ok().and_then(|f| f.flash.clone());
        // In the browser the facts came with the first page's hydration data and are read
        // without subscribing to them: the site page (`/admin/site`) reads them again after a
        // save, and a page that ran anew on that would make its form anew, whose effect would
        // read them again, and so on (the header's facts never settled).
        #[cfg(not(feature = "ssr"))]
        let flash =
            self.data.with_untracked(|f| f.as_ref().and_then(|f| f.as_ref().ok()).and_then(|f| f.flash.clone()));
        flash
    }
}

/// The newest published articles' ids of the list page on screen (its scope: `""` for the
/// front page, else the channel's slug), as its live stream last said (`live_client`):
/// the list shows "N 篇新文章" when it lacks some. `None` until the stream speaks. On the
/// moderation queue (scope `moderation`) it holds the queue's version instead, alone: the
/// queue is read again when it moves. One stream and one signal serve both kinds of page.
#[derive(Clone, Copy)]
pub struct NewestArticles(pub RwSignal<Option<(&'static str, Vec<i64>)>>);

/// What the open article page last heard of its article from the newsroom (corrected,
/// withdrawn), on its comment stream.
#[derive(Clone, Copy)]
pub struct ArticleLive(pub RwSignal<Option<crate::model::ArticleNotice>>);

/// The account actions, shared by the header, the sign-in pages and `MeResource`. In the
/// browser there is one of each for the whole visit. The server never sends one (its forms are
/// plain HTML there), so it makes an action only where a page shows its form: three actions
/// for every page, with their signals and memos, were some forty allocations a request.
#[derive(Clone, Copy)]
pub struct AccountActions {
    #[cfg(not(feature = "ssr"))]
    login: ServerCall<Login>,
    #[cfg(not(feature = "ssr"))]
    register: ServerCall<Register>,
    #[cfg(not(feature = "ssr"))]
    logout: ServerCall<Logout>,
}

impl AccountActions {
    fn new() -> Self {
        #[cfg(feature = "ssr")]
        {
            AccountActions {}
        }
        #[cfg(not(feature = "ssr"))]
        {
            AccountActions { login: server_call(), register: server_call(), logout: server_call() }
        }
    }

    pub fn login(self) -> ServerCall<Login> {
        #[cfg(feature = "ssr")]
        return server_call();
        #[cfg(not(feature = "ssr"))]
        self.login
    }

    pub fn register(self) -> ServerCall<Register> {
        #[cfg(feature = "ssr")]
        return server_call();
        #[cfg(not(feature = "ssr"))]
        self.register
    }

    pub fn logout(self) -> ServerCall<Logout> {
        #[cfg(feature = "ssr")]
        return server_call();
        #[cfg(not(feature = "ssr"))]
        self.logout
    }

    /// What `MeResource` follows: the actions' versions, which move after each sign-in,
    /// registration or sign-out (always the same on the server, which renders a page once).
    fn versions(self) -> (usize, usize, usize) {
        #[cfg(feature = "ssr")]
        return (0, 0, 0);
        #[cfg(not(feature = "ssr"))]
        (self.login.version().get(), self.register.version().get(), self.logout.version().get())
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let is_routing = RwSignal::new(false);
    view! {
        <Title formatter=title_text text=shown_title() />
        <Router set_is_routing=is_routing>
            <Site is_routing />
        </Router>
    }
}

/// Everything inside the router: the shared resources, header, routes and footer.
#[component]
fn Site(is_routing: RwSignal<bool>) -> impl IntoView {
    let facts: FactsResource = crate::api::codec::resource(|| (), |_| get_site_facts());
    provide_context(facts);
    let actions = AccountActions::new();
    provide_context(actions);
    let location = use_location();
    let me: MeResource = crate::api::codec::resource(move || (location.pathname.get(), actions.versions()), |_| me());
    provide_context(me);
    let newest = NewestArticles(RwSignal::new(None));
    provide_context(newest);
    // Followed from here, in the main bundle: the list pages are lazy chunks, whose code
    // cannot hold the stream's callbacks (see `pages`).
    #[cfg(feature = "hydrate")]
    crate::components::follow_newest(location.pathname, newest);
    let waiting = RwSignal::new(false);
    provide_context(Flash { data: facts, moved: RwSignal::new(false) });

    view! {
        <a class="skip-link" href="#main">"跳到正文"</a>
        // A thin bar at the top while a page change waits for its data or code (until
        // `NavEffects` sees the new page on screen); it shows only
        // after 150 ms (style/main.css), so quick changes do not flicker.
        <div class="route-progress" aria-hidden="true" hidden=move || !waiting.get()></div>
        <SiteHeader />
        <main id="main" class="wrap" tabindex="-1" aria-busy=move || waiting.get().then_some("true")>
            <PageCodeFailure />
            <FlatRoutes fallback=|| view! { <NotFound /> }>
                // Every page but the article is a lazy route (see `pages`).
                <Route path=path!("/") view={Lazy::<HomeRoute>::new()} ssr=SsrMode::Async />
                <Route path=path!("/channel/:slug") view={Lazy::<ChannelRoute>::new()} ssr=SsrMode::Async />
                <Route path=path!("/article/:id") view=ArticlePage ssr=SsrMode::Async />
                <Route path=path!("/comment/:id") view={Lazy::<ThreadRoute>::new()} ssr=SsrMode::Async />
                <Route path=path!("/sitemap") view={Lazy::<SitemapRoute>::new()} ssr=SsrMode::Async />
                <Route path=path!("/about/:page") view={Lazy::<AboutRoute>::new()} ssr=SsrMode::Async />
                <Route path=path!("/app") view={Lazy::<AppRoute>::new()} ssr=SsrMode::Async />
                <Route path=path!("/login") view={Lazy::<LoginRoute>::new()} ssr=SsrMode::Async />
                <Route path=path!("/register") view={Lazy::<RegisterRoute>::new()} ssr=SsrMode::Async />
                <Route path=path!("/admin/users") view={Lazy::<AdminUsersRoute>::new()} ssr=SsrMode::Async />
                <Route path=path!("/admin/site") view={Lazy::<AdminSiteRoute>::new()} ssr=SsrMode::Async />
                <Route path=path!("/admin/moderation") view={Lazy::<ModerationRoute>::new()} ssr=SsrMode::Async />
                <Route path=path!("/admin/articles") view={Lazy::<NewsroomRoute>::new()} ssr=SsrMode::Async />
                <Route path=path!("/admin/articles/:id") view={Lazy::<NewsroomRoute>::new()} ssr=SsrMode::Async />
            </FlatRoutes>
        </main>
        <SiteFooter />
        <NavEffects is_routing waiting />
    }
}
