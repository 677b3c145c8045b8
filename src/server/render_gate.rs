//! At most so many page renders at once on each lane (`server.render_concurrency`, by default
//! 32; `listen::serve` serves connections on one lane per worker thread); the others wait
//! their turn, first come first served.
//!
//! Rendering a page is CPU work with short waits for the database in between. With fifty
//! readers' pages rendering at once on two cores, each render's memory (its reactive owners,
//! views, strings: ~8,000 allocations for a signed-in article) went cold in the caches while
//! the others ran, and the allocator's fast path spent most of its time on cache misses
//! (`_mi_page_malloc_zero`, a tenth of all samples, nearly all on reading a free block's next
//! pointer); requests also moved between the worker threads, whose allocator then collects
//! blocks another thread freed. Renders that took turns (then twice the worker threads at once)
//! kept their memory warm (bench/README, "Page renders take turns"). Since connections are
//! served on lanes, a render's memory stays on its thread and renders are ~1,400 allocations:
//! few turns then only slowed pages (see [`DEFAULT_TURNS`]), and the gate is left as a bound
//! on how many renders a lane holds at once.
//!
//! Only renders wait: a cached guest page (answered before this gate), server functions and
//! live streams under `/api/`, the bundle, images, feeds and the other files the router
//! answers itself (`NOT_RENDERED`) pass at once. A render that waits too long for its turn
//! gets the handler timeout's 503 like any slow request (`server.handler_timeout_secs`); a
//! reader who goes away gives the turn back (the permit is dropped with the request).

use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use std::sync::Arc;
use tokio::sync::Semaphore;

/// Paths the router answers without rendering a page (see `routes::router`): prefixes ending
/// in `/`, whole paths otherwise; the bundle's folder (`/pkg/`, Leptos' `site_pkg_dir`) besides.
/// Everything else a GET reaches is a page (a 404 is one too).
pub const NOT_RENDERED: [&str; 8] =
    ["/api/", "/images/", "/media/", "/feeds/", "/share/", "/healthz", "/sitemap.xml", "/robots.txt"];

/// Turns a lane has by default. On lanes, where a render's memory stays on its thread, fewer
/// turns only cost pages a second (signed-in article, 50 connections, 25 a lane: 2 turns
/// 4,463–4,549 req/s, 8 turns 4,662–4,840, 32 turns 5,110–5,281, no gate 4,932–5,185;
/// bench/README, "Connections on lanes"); the gate still bounds what a flood of page requests
/// holds in memory at once.
pub const DEFAULT_TURNS: usize = 32;

pub struct RenderGate {
    /// The turns of each lane. Turns shared by all lanes let one lane hold them all while its
    /// renders ran one after another on its thread, and the other lane's thread sat idle:
    /// 102 % of two cores used, 2,700 signed-in articles a second against ~5,000 with turns
    /// per lane (bench/README, "Connections on lanes").
    lanes: Box<[Semaphore]>,
    /// `/{site_pkg_dir}/`.
    pkg: String,
}

impl RenderGate {
    /// A gate of `size` turns for each lane, one lane per worker thread of the current tokio
    /// runtime (as `listen::serve` makes them); 0 means [`DEFAULT_TURNS`].
    pub fn new(size: usize, pkg_dir: &str) -> Arc<RenderGate> {
        let size = if size > 0 { size } else { DEFAULT_TURNS };
        let lanes = tokio::runtime::Handle::try_current().map_or(1, |h| h.metrics().num_workers()).max(1);
        Arc::new(RenderGate {
            lanes: (0..lanes).map(|_| Semaphore::new(size)).collect(),
            pkg: format!("/{}/", pkg_dir.trim_matches('/')),
        })
    }

    /// The turns of the lane this runs on (the first lane's off the lanes: tests, tools).
    fn turns(&self) -> &Semaphore {
        &self.lanes[super::listen::current_lane().unwrap_or(0) % self.lanes.len()]
    }

    /// Whether the router renders a page for this request.
    pub fn renders(&self, req: &Request) -> bool {
        let method = req.method();
        if method != Method::GET && method != Method::HEAD {
            return false;
        }
        let path = req.uri().path();
        !path.starts_with(&self.pkg)
            && !NOT_RENDERED.iter().any(|p| if p.ends_with('/') { path.starts_with(p) } else { path == *p })
    }
}

/// Middleware, inside the page cache: a page render waits for its turn.
pub async fn layer(State(gate): State<Arc<RenderGate>>, req: Request, next: Next) -> Response {
    if !gate.renders(&req) {
        return next.run(req).await;
    }
    // The semaphore is never closed, so acquiring fails never; were it to, the page is
    // rendered without a turn rather than refused.
    let _turn = gate.turns().acquire().await.ok();
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::routing::get;
    use axum::Router;
    use std::time::Duration;
    use tower::ServiceExt;

    fn request(method: Method, path: &str) -> Request {
        Request::builder().method(method).uri(path).body(Body::empty()).unwrap()
    }

    #[tokio::test]
    async fn pages_render_and_files_and_functions_do_not() {
        let gate = RenderGate::new(1, "pkg");
        for path in ["/", "/article/17", "/article/17?sort=old", "/app", "/login", "/no/such/page", "/favicon.svg"] {
            assert!(gate.renders(&request(Method::GET, path)), "{path}");
            assert!(gate.renders(&request(Method::HEAD, path)), "{path}");
        }
        for path in [
            "/api/comments/stream",
            "/api/auth/me",
            "/pkg/jinri.css",
            "/images/a.jpg",
            "/media/x.webp",
            "/feeds/rss.xml",
            "/share/qr/1",
            "/healthz",
            "/sitemap.xml",
            "/robots.txt",
        ] {
            assert!(!gate.renders(&request(Method::GET, path)), "{path}");
        }
        // A page-like path that only starts like a file is a page (a 404 render).
        assert!(gate.renders(&request(Method::GET, "/healthz2")));
        assert!(gate.renders(&request(Method::GET, "/apix")));
        // Another bundle folder is passed in its place.
        let elsewhere = RenderGate::new(1, "/assets/");
        assert!(!elsewhere.renders(&request(Method::GET, "/assets/jinri.css")));
        assert!(elsewhere.renders(&request(Method::GET, "/pkg/jinri.css")));
        // Posts never render through the router's page handler.
        assert!(!gate.renders(&request(Method::POST, "/article/17")));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_lane_for_each_worker_and_zero_means_the_default_turns_each() {
        let permits = |g: &RenderGate| g.lanes.iter().map(|l| l.available_permits()).collect::<Vec<_>>();
        assert_eq!(permits(&RenderGate::new(0, "pkg")), [DEFAULT_TURNS, DEFAULT_TURNS]);
        assert_eq!(permits(&RenderGate::new(3, "pkg")), [3, 3]);
    }

    /// Renders on one lane wait for that lane's turns only: with one turn a lane, a page on
    /// each lane renders at once while a second one on the same lane waits.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn each_lane_has_its_own_turns() {
        let (release, released) = tokio::sync::watch::channel(false);
        let started = Arc::new(std::sync::Mutex::new(Vec::new()));
        let page = {
            let started = started.clone();
            move || {
                let (started, mut released) = (started.clone(), released.clone());
                async move {
                    started.lock().unwrap().push(super::super::listen::current_lane());
                    released.wait_for(|r| *r).await.unwrap();
                    "page"
                }
            }
        };
        let gate = RenderGate::new(1, "pkg");
        let app =
            Router::new().route("/article/{id}", get(page)).layer(axum::middleware::from_fn_with_state(gate, layer));
        let (addr, stop, server) = super::super::listen::tests::serving(app).await;
        // Four connections, two on each lane, each asking for a page.
        let clients =
            tokio::task::spawn_blocking(move || super::super::listen::tests::ask_at_once(addr, 4, "/article/1"));
        tokio::time::sleep(Duration::from_millis(600)).await;
        let mut first = started.lock().unwrap().clone();
        first.sort();
        assert_eq!(first, [Some(0), Some(1)], "one render on each lane, the others waiting");
        release.send(true).unwrap();
        let answers = tokio::time::timeout(Duration::from_secs(10), clients).await.unwrap().unwrap();
        assert!(answers.iter().all(|a| a.starts_with("HTTP/1.1 200") && a.ends_with("page")), "{answers:?}");
        assert_eq!(started.lock().unwrap().len(), 4);
        stop.send(()).unwrap();
        server.await.unwrap();
    }

    /// With one turn, a second page waits until the first is done, while a server function
    /// passes at once; the waiting page is then served.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn renders_take_turns_and_the_rest_pass() {
        let (release, released) = tokio::sync::watch::channel(false);
        let started = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let page = {
            let started = started.clone();
            move || {
                let (started, mut released) = (started.clone(), released.clone());
                async move {
                    started.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    released.wait_for(|r| *r).await.unwrap();
                    "page"
                }
            }
        };
        let gate = RenderGate::new(1, "pkg");
        let app = Router::new()
            .route("/article/{id}", get(page))
            .route("/api/auth/me", get(|| async { "me" }))
            .layer(axum::middleware::from_fn_with_state(gate, layer));
        let first = tokio::spawn(app.clone().oneshot(request(Method::GET, "/article/1")));
        let second = tokio::spawn(app.clone().oneshot(request(Method::GET, "/article/2")));
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert_eq!(started.load(std::sync::atomic::Ordering::SeqCst), 1, "one render at a time");
        let me =
            tokio::time::timeout(Duration::from_secs(5), app.clone().oneshot(request(Method::GET, "/api/auth/me")))
                .await
                .expect("a server function does not wait for a render's turn")
                .unwrap();
        assert_eq!(me.status(), 200);
        release.send(true).unwrap();
        for resp in [first, second] {
            assert_eq!(
                tokio::time::timeout(Duration::from_secs(5), resp).await.unwrap().unwrap().unwrap().status(),
                200
            );
        }
        assert_eq!(started.load(std::sync::atomic::Ordering::SeqCst), 2);
    }

    /// A request that goes away while waiting gives up its place, and one that goes away while
    /// rendering gives back its turn.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_reader_who_leaves_gives_the_turn_back() {
        let gate = RenderGate::new(1, "pkg");
        let app = Router::new()
            .route("/slow", get(|| async { std::future::pending::<&str>().await }))
            .route("/fast", get(|| async { "fast" }))
            .layer(axum::middleware::from_fn_with_state(gate.clone(), layer));
        let slow = tokio::spawn(app.clone().oneshot(request(Method::GET, "/slow")));
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(gate.turns().available_permits(), 0);
        slow.abort();
        let _ = slow.await;
        let fast = tokio::time::timeout(Duration::from_secs(5), app.oneshot(request(Method::GET, "/fast")))
            .await
            .expect("the turn came back")
            .unwrap();
        assert_eq!(fast.status(), 200);
        assert_eq!(gate.turns().available_permits(), 1);
    }
}
