//! The axum application: Leptos pages and server functions, the XML sitemap, static files.

use super::live::{sse_frame, Published};
use super::{db, time, AppState};
use crate::app::{shell, App};
use crate::model::{ArticleId, Change, LiveEvent, CHANNELS};
use axum::body::Bytes;
use axum::extract::{Query, RawQuery};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use futures::StreamExt;
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, LeptosRoutes};
use std::collections::VecDeque;
use std::fmt::Write as _;
use std::sync::Arc;
use tokio::sync::broadcast;

pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let options = state.leptos_options.clone();
    let fallback_state = state.clone();
    let cache_state = state.clone();
    let flash_state = state.clone();
    let upload_state = state.clone();
    let files = |dir: &str| static_files(&state.config.site_root, dir);
    let pkg = state.leptos_options.site_pkg_dir.to_string();
    let client_timeout = std::time::Duration::from_secs(state.config.client_timeout_secs);
    let handler_timeout = std::time::Duration::from_secs(state.config.handler_timeout_secs);
    let header_state = super::headers::HeaderState::new(state.config.https(), &state.leptos_options);
    let trusted_proxies: Arc<[super::proxies::Network]> = state.config.trusted_proxies.clone().into();
    let render_gate = super::render_gate::RenderGate::new(state.config.render_concurrency, &pkg);
    // Every route but the pages' is in `render_gate::NOT_RENDERED` or the bundle's folder (its
    // requests do not wait for a render's turn).
    let app = Router::new()
        .route("/sitemap.xml", get(sitemap_xml))
        .route("/robots.txt", get(robots_txt))
        .route("/feeds/rss.xml", get(super::feeds::site_rss))
        .route("/feeds/atom.xml", get(super::feeds::site_atom))
        .route("/feeds/{channel}/rss.xml", get(super::feeds::channel_rss))
        .route("/feeds/{channel}/atom.xml", get(super::feeds::channel_atom))
        .route("/share/qr/{id}", get(share_qr))
        .route("/media/{name}", get(media))
        .route("/api/comments/stream", get(comment_stream))
        .route("/api/articles/stream", get(articles_stream))
        .route("/api/moderation/stream", get(moderation_stream))
        .route("/healthz", get(healthz))
        .nest_service(&format!("/{pkg}"), files(&pkg))
        .nest_service("/images", files("images"))
        .leptos_routes_with_context(&state, routes, || {}, move || shell(options.clone()))
        .fallback(leptos_axum::file_and_error_handler_with_context::<AppState, _>(
            move || provide_context(fallback_state.clone()),
            shell,
        ))
        .with_state(state);
    // The layers wrap the router once, innermost first. Not `Router::layer`: that wraps each
    // route on its own, in a boxed service per layer, and every request then clones the
    // matched route's chain at each `from_fn` layer (the chain below it, box by box: ~190
    // allocations a request with these layers, measured).
    use tower::Layer;
    // Innermost: a failed plain form post's flash is stored, and a page's taken, around the
    // handler (`server::flash`).
    let s = middleware::from_fn_with_state(flash_state, super::flash::layer).layer(app);
    let s = checked(middleware::from_fn(super::request::memo_viewer).layer(s));
    // Page renders take turns (`server::render_gate`); a cached guest page is answered before.
    let s = checked(middleware::from_fn_with_state(render_gate, super::render_gate::layer).layer(s));
    let s = checked(middleware::from_fn_with_state(cache_state, super::page_cache::cached_pages).layer(s));
    let s = checked(middleware::from_fn(server_fn_error_status).layer(s));
    let s = checked(middleware::from_fn(same_origin_only).layer(s));
    // A handler that takes too long answers 503; a slow client's body is cut off with 408.
    let s = checked(
        tower_http::timeout::TimeoutLayer::with_status_code(StatusCode::SERVICE_UNAVAILABLE, handler_timeout).layer(s),
    );
    let s = checked(middleware::from_fn_with_state(client_timeout, read_body_in_time).layer(s));
    // An upload's sender is checked before its body is read.
    let s = checked(middleware::from_fn_with_state(upload_state, upload_gate).layer(s));
    // No body is larger than a figure upload; larger ones get 413 before any work (and every
    // path but the upload has a far smaller limit: `body_limit`). The limit's body type is
    // turned back into axum's for the layers inside.
    let s = tower::util::MapRequestLayer::new(|req: Request<tower_http::body::Limited<axum::body::Body>>| {
        req.map(axum::body::Body::new)
    })
    .layer(s);
    let s = checked(tower_http::limit::RequestBodyLimitLayer::new(UPLOAD_MAX_BODY).layer(s));
    let s = checked(middleware::from_fn(limit_uri_length).layer(s));
    // Pages and answers compressed for browsers that accept it (never the live stream, which
    // would then be buffered). Brotli quality 1 / gzip level 1: this runs for every rendered
    // response (a cached guest page a browser takes as gzip comes already compressed from
    // `page_cache` and passes through untouched). At level 4 it was most of
    // a page's CPU as browsers ask for it: a cached article 342 µs a request against 29 µs
    // uncompressed, a signed-in one 1,598 µs against ~950; at 1, 128 and 1,047 µs, for ~1 KB
    // more a page (6,523 bytes of brotli against 5,552; bench/README).
    let s = checked(
        tower_http::compression::CompressionLayer::new()
            .quality(tower_http::compression::CompressionLevel::Precise(1))
            .layer(s),
    );
    // A panicking handler answers 500 with a page in Chinese; the server keeps serving.
    let s = checked(tower_http::catch_panic::CatchPanicLayer::custom(panic_page).layer(s));
    let s = checked(middleware::from_fn_with_state(header_state, super::headers::security_headers).layer(s));
    // Before anything counts a client: behind a trusted proxy, the address it forwarded.
    let stack = checked(middleware::from_fn_with_state(trusted_proxies, super::proxies::client_address).layer(s));
    traced(Router::new().fallback_service(stack))
}

/// Outermost: every request gets an id of ours (one a client sent is dropped, so the logs
/// hold only ids the server made), the id is answered as `x-request-id`, and the request is
/// served inside a span that carries it: every line logged while serving it, in a handler, a
/// server function or a page's resources (`spawn_in_span`), names the request. One line
/// per request: status and latency, with method and path (never the query, which may carry
/// what a reader typed) from the span.
fn traced(router: Router) -> Router {
    use tower_http::request_id::{PropagateRequestIdLayer, SetRequestIdLayer};
    use tower_http::trace::TraceLayer;
    let trace = TraceLayer::new_for_http()
        .make_span_with(|req: &Request| {
            let id = req.headers().get(REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or_default();
            tracing::info_span!("request", id, method = %req.method(), path = req.uri().path())
        })
        .on_request(())
        .on_response(|resp: &Response, latency: std::time::Duration, _: &tracing::Span| {
            let (status, ms) = (resp.status().as_u16(), latency.as_secs_f64() * 1000.0);
            if status >= 500 {
                tracing::error!(status, latency_ms = ms, "request");
            } else {
                tracing::info!(status, latency_ms = ms, "request");
            }
        })
        .on_body_chunk(())
        .on_eos(())
        // A 5xx is logged once, by `on_response`.
        .on_failure(());
    let stack = tower::ServiceBuilder::new()
        .layer(middleware::map_request(drop_client_request_id))
        .layer(SetRequestIdLayer::new(REQUEST_ID, RequestIds))
        .layer(trace)
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .service(router);
    Router::new().fallback_service(stack)
}

/// `s`, after the compiler has checked that it can be a layer's inner service.
fn checked<S>(s: S) -> S
where
    S: tower::Service<Request, Error = std::convert::Infallible> + Clone + Send + Sync + 'static,
    S::Response: IntoResponse,
    S::Future: Send + 'static,
{
    s
}

const REQUEST_ID: header::HeaderName = header::HeaderName::from_static("x-request-id");

async fn drop_client_request_id(mut req: Request) -> Request {
    req.headers_mut().remove(REQUEST_ID);
    req
}

/// Request ids: this process's start time (seconds, base 36) and a count, short and unique
/// across restarts and across the processes behind one proxy as long as they started in
/// different seconds.
#[derive(Clone, Copy)]
struct RequestIds;

impl tower_http::request_id::MakeRequestId for RequestIds {
    fn make_request_id<B>(&mut self, _: &axum::http::Request<B>) -> Option<tower_http::request_id::RequestId> {
        use std::sync::atomic::{AtomicU64, Ordering};
        use std::sync::OnceLock;
        static PREFIX: OnceLock<String> = OnceLock::new();
        static NEXT: AtomicU64 = AtomicU64::new(1);
        let prefix = PREFIX.get_or_init(|| base36(super::time::now_unix().max(0) as u64));
        let id = format!("{prefix}-{}", NEXT.fetch_add(1, Ordering::Relaxed));
        axum::http::HeaderValue::from_str(&id).ok().map(tower_http::request_id::RequestId::new)
    }
}

fn base36(mut n: u64) -> String {
    let digits = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut out = Vec::new();
    loop {
        out.push(digits[(n % 36) as usize]);
        n /= 36;
        if n == 0 {
            break;
        }
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// The bundle and figures under `site_root/dir`, with the compressed copies the release build
/// wrote beside them (`cargo leptos build --release --precompress`) for browsers that accept
/// them.
fn static_files(site_root: &str, dir: &str) -> tower_http::services::ServeDir {
    tower_http::services::ServeDir::new(std::path::Path::new(site_root).join(dir))
        .precompressed_br()
        .precompressed_gzip()
}

/// The site while its database cannot be opened or migrated: static files load, every page and
/// endpoint answers 503 with a message in Chinese, `/healthz` says what is wrong.
pub fn unavailable_router(config: &super::Config, options: &leptos::config::LeptosOptions) -> Router {
    let pkg = options.site_pkg_dir.to_string();
    let app = Router::new()
        .route("/healthz", get(|| async { (StatusCode::SERVICE_UNAVAILABLE, "database unavailable") }))
        .nest_service(&format!("/{pkg}"), static_files(&config.site_root, &pkg))
        .nest_service("/images", static_files(&config.site_root, "images"))
        .fallback(|| async {
            (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::CONTENT_TYPE, "text/html; charset=utf-8"), (header::RETRY_AFTER, "60")],
                "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
                 <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
                 <title>网站维护中 - 今日</title></head><body><h1>网站维护中</h1>\
                 <p>今日暂时无法读取数据，我们正在处理，请稍后再来。已发表的文章和评论都不会丢失。</p>\
                 <p lang=\"en\">Jinri is temporarily unavailable. Please try again shortly.</p></body></html>",
            )
        })
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(panic_page))
        .layer(middleware::from_fn_with_state(
            super::headers::HeaderState::new(config.https(), options),
            super::headers::security_headers,
        ));
    traced(app)
}

/// Largest request body accepted, in bytes (a 2,000-character comment is under 20 KB encoded).
const MAX_BODY: usize = 64 * 1024;

/// Largest body of a newsroom save (`/api/newsroom/save`): an article of
/// `model::ARTICLE_BODY_MAX` characters, percent-encoded (9 bytes a Chinese character), with
/// its other fields. Only that endpoint, and only editors get past its role check.
const NEWSROOM_MAX_BODY: usize = 384 * 1024;

/// The figure upload (`api::figures::upload_figure`).
const UPLOAD_PATH: &str = "/api/newsroom/figure";

/// Largest body of a figure upload: the picture (`figures::UPLOAD_MAX_BYTES`) and its form.
const UPLOAD_MAX_BODY: usize = super::figures::UPLOAD_MAX_BYTES + 64 * 1024;

/// The largest body accepted at `path`.
fn body_limit(path: &str) -> usize {
    match path {
        "/api/newsroom/save" => NEWSROOM_MAX_BODY,
        UPLOAD_PATH => UPLOAD_MAX_BODY,
        _ => MAX_BODY,
    }
}

/// Before a figure upload's body (up to 10 MB) is read: it must be multipart form data with a
/// boundary (anything else is 415; the server function's decoder would not take it), from an
/// editor or admin (a visitor's plain form post is sent to sign in; otherwise 401 or 403, and
/// the body is never read).
async fn upload_gate(State(state): State<AppState>, req: Request, next: Next) -> Response {
    use crate::model::Role;
    if req.uri().path() != UPLOAD_PATH {
        return next.run(req).await;
    }
    let text = |status: StatusCode, message: &'static str| {
        (status, [(header::CONTENT_TYPE, "text/plain; charset=utf-8"), (header::CONNECTION, "close")], message)
            .into_response()
    };
    let multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| multer::parse_boundary(t).is_ok());
    if req.method() != Method::POST || !multipart {
        return text(StatusCode::UNSUPPORTED_MEDIA_TYPE, "415 请用图片上传表单提交 (multipart/form-data only)");
    }
    let plain_form =
        req.headers().get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("text/html"));
    match super::auth::current_user(&state, req.headers()).await {
        Ok(Some(viewer)) if viewer.roles.may(Role::Editor) => next.run(req).await,
        Ok(Some(_)) => text(StatusCode::FORBIDDEN, "403 只有编辑可以上传图片 (editors only)"),
        Ok(None) if plain_form => {
            (StatusCode::SEE_OTHER, [(header::LOCATION, "/login?next=%2Fadmin%2Farticles")]).into_response()
        }
        Ok(None) => text(StatusCode::UNAUTHORIZED, "401 请先登录 (sign in first)"),
        Err(_) => text(StatusCode::SERVICE_UNAVAILABLE, "503 请稍后再试 (try again shortly)"),
    }
}

/// `/media/{name}`: a figure's file, from the database. Its name is the hash of its bytes, so
/// it never changes: browsers and proxies keep it for a year without asking again.
async fn media(
    State(state): State<AppState>,
    axum::extract::Path(name): axum::extract::Path<String>,
    headers: HeaderMap,
) -> Response {
    const IMMUTABLE: &str = "public, max-age=31536000, immutable";
    if !super::figures::is_media_name(&name) {
        return (StatusCode::NOT_FOUND, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], "404 没有这张图片")
            .into_response();
    }
    let etag = format!("\"{}\"", &name[..32]);
    if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag))
    {
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag), (header::CACHE_CONTROL, IMMUTABLE.to_owned())])
            .into_response();
    }
    match db::figures::media(&state.pool, &name).await {
        Ok(Some((content_type, bytes))) => (
            [(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, IMMUTABLE.to_owned()), (header::ETAG, etag)],
            bytes,
        )
            .into_response(),
        Ok(None) => (StatusCode::NOT_FOUND, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], "404 没有这张图片")
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "a figure's file could not be read");
            (StatusCode::SERVICE_UNAVAILABLE, [(header::RETRY_AFTER, "5")], "503").into_response()
        }
    }
}

/// Reads a request's whole body (at most `MAX_BODY`) before any handler runs: a client that has
/// not sent it within the client timeout gets 408, instead of holding a handler.
async fn read_body_in_time(State(timeout): State<std::time::Duration>, req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let limit = body_limit(parts.uri.path());
    match tokio::time::timeout(timeout, axum::body::to_bytes(body, limit)).await {
        Ok(Ok(bytes)) => next.run(Request::from_parts(parts, axum::body::Body::from(bytes))).await,
        Ok(Err(_)) => (
            StatusCode::PAYLOAD_TOO_LARGE,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "413 内容太长 (request body too large)",
        )
            .into_response(),
        Err(_) => {
            tracing::warn!(path = %parts.uri.path(), "request body not received in time");
            (
                StatusCode::REQUEST_TIMEOUT,
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8"), (header::CONNECTION, "close")],
                "408 请求超时 (request timeout)",
            )
                .into_response()
        }
    }
}

/// Longest request target (path and query) accepted, in bytes. The site's own addresses are
/// short (a path, a page number, a sort, a reply id, a return path); what a reader typed never
/// travels in an address (`server::flash`).
pub const MAX_URI: usize = 8 * 1024;

async fn limit_uri_length(req: Request, next: Next) -> Response {
    if req.uri().to_string().len() > MAX_URI {
        return (
            StatusCode::URI_TOO_LONG,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "414 网址太长 (URI too long)",
        )
            .into_response();
    }
    next.run(req).await
}

fn panic_page(err: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let what = err
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| err.downcast_ref::<&str>().copied())
        .unwrap_or("unknown");
    tracing::error!(panic = what, "handler panicked");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>出错了 - 今日</title></head>\
         <body><h1>出错了</h1><p>服务器暂时出错，请稍后再试。</p><p><a href=\"/\">返回首页</a></p></body></html>",
    )
        .into_response()
}

/// `/healthz`: 200 when the database answers, 503 otherwise.
async fn healthz(State(state): State<AppState>) -> Response {
    match state.pool.health_check().await {
        Ok(_) => (StatusCode::OK, "ok").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check: database unavailable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}

/// Largest server function error body read to find its status (an `AppError` is a few hundred bytes).
const MAX_ERROR_BODY: usize = 16 * 1024;

/// A server function that fails without choosing a status (an unknown article, a bad `sort`,
/// arguments that do not parse before its body runs) is answered 500 by Leptos, which would
/// say that the server failed. Such an answer gets the status that fits the `AppError` it
/// carries (404, 400, …); internal errors stay 500.
async fn server_fn_error_status(req: Request, next: Next) -> Response {
    let resp = next.run(req).await;
    if resp.status() != StatusCode::INTERNAL_SERVER_ERROR
        || !resp.headers().contains_key(leptos::server_fn::error::SERVER_FN_ERROR_HEADER)
    {
        return resp;
    }
    let (mut parts, body) = resp.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_ERROR_BODY).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    if let Ok(error) = serde_json::from_slice::<crate::model::AppError>(&bytes) {
        parts.status = super::request::status_of(&error);
    }
    Response::from_parts(parts, axum::body::Body::from(bytes))
}

/// Refuses a state-changing request that a browser says came from another site: the
/// `Origin` must name this host, or, without `Origin`, `Sec-Fetch-Site` must not say
/// cross-site. Server functions carry no CSRF protection of their own.
async fn same_origin_only(req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) || is_same_origin(req.headers()) {
        return next.run(req).await;
    }
    tracing::warn!(path = %req.uri().path(), "cross-site request refused");
    (
        StatusCode::FORBIDDEN,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        "403 请求来源不被允许 (cross-site request refused)",
    )
        .into_response()
}

fn is_same_origin(headers: &HeaderMap) -> bool {
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    if let Some(origin) = headers.get(header::ORIGIN) {
        let origin = origin.to_str().unwrap_or("");
        let authority = origin.strip_prefix("https://").or_else(|| origin.strip_prefix("http://"));
        return matches!((authority, host), (Some(a), Some(h)) if a.eq_ignore_ascii_case(h));
    }
    match headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        Some(site) => site == "same-origin" || site == "none",
        // Neither header: not a browser's cross-site request (curl, tests, old browsers).
        None => true,
    }
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&apos;")
}

#[derive(serde::Deserialize)]
struct StreamQuery {
    article_id: String,
    after: Option<i64>,
}

/// `/api/comments/stream?article_id=N&after=M`: the article's comment changes as Server-Sent
/// Events, starting after event `M` (or after the `Last-Event-ID` a reconnecting browser sends).
/// A resuming stream costs one statement (`db::comments::events_since`: the article, its count
/// and the first batch of what the reader missed), and holds a pool connection only for it.
async fn comment_stream(
    State(state): State<AppState>,
    Query(q): Query<StreamQuery>,
    axum::extract::ConnectInfo(peer): axum::extract::ConnectInfo<std::net::SocketAddr>,
    headers: HeaderMap,
) -> Response {
    let Some(article) = ArticleId::parse(&q.article_id) else {
        return (StatusCode::NOT_FOUND, "no such article").into_response();
    };
    let after = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<i64>().ok())
        .or(q.after)
        .unwrap_or(0)
        .max(0);
    let Some(slot) = stream_slot(&state, peer) else { return too_many_streams() };
    // Subscribed before the log is read: whatever commits after the read is published to it
    // (comments on the hub, the newsroom's changes by the watcher).
    let rx = state.hub.subscribe(article);
    let changes = state.articles.changed(&state);
    let first = read_log(&state, article, after).await;
    let first = match first {
        Ok(replay) => replay,
        Err(sqlx::Error::RowNotFound) => return (StatusCode::NOT_FOUND, "no such article").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "stream: reading the log failed");
            return (StatusCode::SERVICE_UNAVAILABLE, [(header::RETRY_AFTER, "5")], "try again").into_response();
        }
    };
    let closed = state.hub.closed();
    // What the newsroom does to the article (corrected, withdrawn: `server::newest`) comes on
    // the same stream; the stream ends when its comments' part does. It opens with the
    // article's state as read with the log: a change made after the page was rendered and
    // before this stream subscribed (or while it was reconnecting) is never broadcast to it
    // again, and a page ignores a notice no newer than what it shows.
    let now = super::newest::notice_frame(first.article_state.clone(), first.article_updated);
    let notices = futures::stream::once(std::future::ready(Ok(now))).chain(article_notices(changes, article));
    let comments = live_events(state, article, after, first, rx).map(Some).chain(futures::stream::once(async { None }));
    let merged = futures::stream::select(comments, notices.map(Some))
        .take_while(|e| std::future::ready(e.is_some()))
        .filter_map(std::future::ready);
    // The slot lives as long as the stream.
    let stream = merged.take_until(closed).map(move |e| {
        let _held = &slot;
        e
    });
    event_stream(stream)
}

/// One of the client's live streams (`max_streams_per_ip`), if it has one left.
fn stream_slot(state: &AppState, peer: std::net::SocketAddr) -> Option<super::live::StreamSlot> {
    let client = super::request::client_key(peer.ip(), state.config.ipv6_prefix);
    state.hub.take_stream_slot(client, state.config.max_streams_per_ip)
}

fn too_many_streams() -> Response {
    (StatusCode::TOO_MANY_REQUESTS, [(header::RETRY_AFTER, "30")], "too many live streams from this address")
        .into_response()
}

/// A Server-Sent Events answer.
fn event_stream(
    stream: impl futures::Stream<Item = Result<Bytes, std::convert::Infallible>> + Send + 'static,
) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/event-stream"),
            (header::CACHE_CONTROL, "no-cache"),
            // A proxy in front (nginx honours this) passes each event on as it comes, whatever
            // its own buffering setting.
            (header::HeaderName::from_static("x-accel-buffering"), "no"),
        ],
        axum::body::Body::from_stream(stream),
    )
        .into_response()
}

/// The frames of the newsroom's changes to `article`, as the watcher reads them.
fn article_notices(
    rx: broadcast::Receiver<super::newest::Changes>,
    article: ArticleId,
) -> impl futures::Stream<Item = Result<Bytes, std::convert::Infallible>> {
    futures::stream::unfold(rx, move |mut rx| async move {
        loop {
            match rx.recv().await {
                Ok(changes) => {
                    if let Some((_, frame)) = changes.iter().find(|(id, _)| *id == article.0) {
                        return Some((Ok(frame.clone()), rx));
                    }
                }
                // Missed changes are older than the next ones, which say the article's state.
                Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    })
}

#[derive(serde::Deserialize)]
struct ArticlesQuery {
    channel: Option<String>,
}

/// `/api/articles/stream[?channel=SLUG]`: Server-Sent Events for an open front or channel
/// page: `event: articles` with the scope's newest published ids (newest first, at most
/// `newest::NEWEST`) at once and whenever they change. Counted with the comment streams
/// against `max_streams_per_ip`.
async fn articles_stream(
    State(state): State<AppState>,
    Query(q): Query<ArticlesQuery>,
    axum::extract::ConnectInfo(peer): axum::extract::ConnectInfo<std::net::SocketAddr>,
) -> Response {
    let scope: &'static str = match q.channel.as_deref() {
        None | Some("") => "",
        Some(slug) => match CHANNELS.iter().find(|c| c.slug == slug) {
            Some(c) => c.slug,
            None => return (StatusCode::NOT_FOUND, "no such channel").into_response(),
        },
    };
    let Some(slot) = stream_slot(&state, peer) else { return too_many_streams() };
    let rx = state.articles.newest(&state);
    watched_stream(&state, slot, rx, move |frames| frames.get(scope).cloned())
}

/// The Server-Sent Events of a watched value: the frame `frame` makes of it at once (if any)
/// and again whenever it makes another, a keep-alive comment when nothing changed for a while,
/// until the site shuts down; the stream holds `slot` while it lives.
fn watched_stream<T: Send + Sync + 'static>(
    state: &AppState,
    slot: super::live::StreamSlot,
    rx: tokio::sync::watch::Receiver<T>,
    frame: impl Fn(&T) -> Option<Bytes> + Send + Sync + 'static,
) -> Response {
    let first = futures::stream::once(async { Ok(Bytes::from_static(b"retry: 1000\n: jinri\n\n")) });
    let frame = Arc::new(frame);
    let frames = futures::stream::unfold((rx, None::<Bytes>), move |(mut rx, sent)| {
        let frame = frame.clone();
        async move {
            loop {
                let now = frame(&rx.borrow_and_update());
                if now.is_some() && now != sent {
                    return Some((Ok::<_, std::convert::Infallible>(now.clone().unwrap_or_default()), (rx, now)));
                }
                match tokio::time::timeout(KEEP_ALIVE, rx.changed()).await {
                    Err(_) => return Some((Ok(Bytes::from_static(b":\n\n")), (rx, sent))),
                    Ok(Err(_)) => return None,
                    Ok(Ok(())) => {}
                }
            }
        }
    });
    let stream = first.chain(frames).take_until(state.hub.closed()).map(move |e| {
        let _held = &slot;
        e
    });
    event_stream(stream)
}

/// `/api/moderation/stream`: Server-Sent Events for an open moderation queue: `event: queue`
/// with `[version]` (`server::queue`) at once and whenever the queue changes. Moderators and
/// admins only (401 for a visitor, 403 for anyone else); counted with the other streams
/// against `max_streams_per_ip`.
async fn moderation_stream(
    State(state): State<AppState>,
    headers: HeaderMap,
    axum::extract::ConnectInfo(peer): axum::extract::ConnectInfo<std::net::SocketAddr>,
) -> Response {
    match super::auth::current_user(&state, &headers).await {
        Ok(Some(v)) if v.roles.may(crate::model::Role::Moderator) => {}
        Ok(Some(_)) => return (StatusCode::FORBIDDEN, "moderators only").into_response(),
        Ok(None) => return (StatusCode::UNAUTHORIZED, "sign in first").into_response(),
        Err(_) => return (StatusCode::SERVICE_UNAVAILABLE, "try again").into_response(),
    }
    let Some(slot) = stream_slot(&state, peer) else { return too_many_streams() };
    let rx = state.queue.follow(&state);
    watched_stream(&state, slot, rx, |version| {
        (*version >= 0).then(|| Bytes::from(format!("event: queue\ndata: [{version}]\n\n")))
    })
}

/// One batch of the article's log after `after`, read when one of the hub's log readers is
/// free (`live::Hub::log_reader`): however many streams resume at once, they queue there
/// instead of taking every connection of the pool.
async fn read_log(state: &AppState, article: ArticleId, after: i64) -> Result<db::comments::Replay, sqlx::Error> {
    let _reader = state.hub.log_reader().await;
    db::comments::events_since(&state.pool, state.config.site.timezone, article, after, REPLAY_BATCH).await
}

struct Follow {
    state: AppState,
    article: ArticleId,
    /// The number of the last event sent (or skipped in the log).
    last: i64,
    rx: broadcast::Receiver<Arc<Published>>,
    backlog: VecDeque<LiveEvent>,
    /// The last number the backlog's replay read: `last` once the backlog is sent.
    replayed_to: i64,
    replay: bool,
}

impl Follow {
    /// Queues what a read of the log found. When the log cannot bring the reader up to date
    /// (`Replay::gap`), the reader is told to read the thread again and follows on from the
    /// article's newest event: never an error, never a silent gap.
    fn take(&mut self, replay: db::comments::Replay) {
        if replay.gap {
            self.backlog.clear();
            self.backlog.push_back(LiveEvent {
                id: replay.newest,
                article_id: self.article,
                comment_count: replay.count,
                change: Change::Reset,
            });
            self.replayed_to = replay.newest;
            self.replay = false;
            return;
        }
        self.replay = replay.read == REPLAY_BATCH;
        self.replayed_to = replay.last;
        self.backlog.extend(replay.events);
    }
}

/// How many logged events one replay query reads: a fixed number, whatever the reader asks.
const REPLAY_BATCH: i64 = 200;

/// The log after `after` (its first batch, `first`, already read), then the broadcast; back to
/// the log whenever the broadcast overran or skipped a number. An article's events are
/// numbered in commit order without gaps (`db::comments::record_event`), but they may be
/// published out of that order (two requests commit one after the other and publish the other
/// way round, or one was made through another process): number N + 2 arriving after N means
/// N + 1 is committed and in the log.
fn live_events(
    state: AppState,
    article: ArticleId,
    after: i64,
    first: db::comments::Replay,
    rx: broadcast::Receiver<Arc<Published>>,
) -> impl futures::Stream<Item = Result<Bytes, std::convert::Infallible>> {
    let mut start =
        Follow { state, article, last: after, rx, backlog: VecDeque::new(), replayed_to: after, replay: false };
    start.take(first);
    // The browser reconnects a second after a stream drops; the comment names the stream.
    let first = futures::stream::once(async { Ok(Bytes::from_static(b"retry: 1000\n: jinri\n\n")) });
    first.chain(futures::stream::unfold(start, |mut f| async move {
        loop {
            if f.replay && f.backlog.is_empty() {
                match read_log(&f.state, f.article, f.last).await {
                    Ok(replay) => f.take(replay),
                    Err(e) => {
                        // End the stream: the browser reconnects and resumes from its last id.
                        tracing::error!(error = %e, "stream: replay failed");
                        return None;
                    }
                }
            }
            if let Some(ev) = f.backlog.pop_front() {
                f.last = ev.id;
                if f.backlog.is_empty() {
                    f.last = f.last.max(f.replayed_to);
                }
                return Some((Ok(sse_frame(&ev)), f));
            }
            // The replay read only entries it does not send (their comments are gone).
            f.last = f.last.max(f.replayed_to);
            if f.replay {
                continue;
            }
            // A comment line when nothing was sent for a while keeps proxies and the browser
            // from taking the quiet stream for a dead one.
            let Ok(received) = tokio::time::timeout(KEEP_ALIVE, f.rx.recv()).await else {
                return Some((Ok(Bytes::from_static(b":\n\n")), f));
            };
            match received {
                Ok(p) if p.event.id == f.last + 1 => {
                    f.last = p.event.id;
                    return Some((Ok(p.frame.clone()), f));
                }
                Ok(p) if p.event.id <= f.last => continue,
                // A number was skipped: it is committed, so the log has it.
                Ok(_) => f.replay = true,
                Err(broadcast::error::RecvError::Lagged(_)) => f.replay = true,
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }))
}

/// How long a stream stays silent before it sends a comment line.
const KEEP_ALIVE: std::time::Duration = std::time::Duration::from_secs(20);

async fn robots_txt(State(state): State<AppState>) -> impl IntoResponse {
    let base = &state.config.site.base_url;
    (
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("User-agent: *\nAllow: /\nSitemap: {base}/sitemap.xml\n"),
    )
}

/// `/share/qr/{id}`: the QR code a WeChat reader scans to open article `{id}` (the article
/// page's 微信 share), an SVG drawn here: the site asks no outside service. It encodes only
/// the site's own address of an existing article, so nothing a visitor sends ends up in it,
/// and its size is fixed by `site.base_url`. Unknown or malformed ids are 404s.
async fn share_qr(State(state): State<AppState>, axum::extract::Path(id): axum::extract::Path<String>) -> Response {
    let Some(id) = crate::model::ArticleId::parse(&id) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    match db::articles::title(&state.pool, id).await {
        Ok(Some(_)) => {}
        Ok(None) => return StatusCode::NOT_FOUND.into_response(),
        Err(e) => {
            tracing::error!(error = %e, "share code: article lookup failed");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    }
    let url = format!("{}/article/{id}", state.config.site.base_url);
    match qr_svg(&url) {
        Some(svg) => (
            [
                (header::CONTENT_TYPE, "image/svg+xml"),
                // An article's address does not change; a day keeps the code fresh if the site moves.
                (header::CACHE_CONTROL, "public, max-age=86400"),
            ],
            svg,
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// `text` as a QR code in SVG, black on white with its quiet zone, at least 200 px square.
pub fn qr_svg(text: &str) -> Option<String> {
    use qrcode::render::svg;
    let code = qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M).ok()?;
    Some(
        code.render::<svg::Color<'_>>()
            .min_dimensions(200, 200)
            .dark_color(svg::Color("#000000"))
            .light_color(svg::Color("#ffffff"))
            .build(),
    )
}

/// Articles a file of `/sitemap.xml` names at most (the protocol allows 50,000 addresses and
/// 50 MB a file; one file for every article was 8.9 MB at 100,000 articles). Any visitor may
/// ask for any file, uncached: a file of 2,000 (~180 KB) costs about what a rendered page does,
/// where one of 10,000 held a core for ~10 ms (bench/README, "Sitemap files").
const SITEMAP_FILE: i64 = 2_000;

/// `/sitemap.xml`: the front page, every channel and every article. A site whose article ids
/// fit one file gets one list; a larger one gets an index of files (`?part=N`: the articles
/// with ids in `((N - 1) × SITEMAP_FILE, N × SITEMAP_FILE]`, the first with the front page and
/// the channels), each a range of the primary key.
async fn sitemap_xml(State(state): State<AppState>, RawQuery(query): RawQuery) -> Response {
    // `part=N`, N written plainly (1 to 9 digits, no leading zero); anything else is no file of ours.
    let part = match query.as_deref() {
        None => None,
        Some(q) => match q
            .strip_prefix("part=")
            .filter(|n| (1..=9).contains(&n.len()) && !n.starts_with('0') && n.bytes().all(|b| b.is_ascii_digit()))
        {
            Some(n) => n.parse().ok(),
            None => return StatusCode::NOT_FOUND.into_response(),
        },
    };
    let tz = state.config.site.timezone;
    match sitemap_doc(&state.pool, tz, &state.config.site.base_url, part, SITEMAP_FILE).await {
        Ok(Some(xml)) => ([(header::CONTENT_TYPE, "application/xml; charset=utf-8")], xml).into_response(),
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(e) => {
            tracing::error!(error = %e, "sitemap query failed");
            (StatusCode::SERVICE_UNAVAILABLE, "sitemap unavailable").into_response()
        }
    }
}

/// The document `/sitemap.xml` answers for `part` (`None`: the sitemap itself); `None` for a
/// part past the last.
async fn sitemap_doc(
    db: &db::Db,
    tz: chrono_tz::Tz,
    base: &str,
    part: Option<i64>,
    per_file: i64,
) -> Result<Option<String>, sqlx::Error> {
    let parts = ((db::articles::max_id(db).await? + per_file - 1) / per_file).max(1);
    let head = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    let base = xml_escape(base);
    let part = match part {
        Some(n) if n > parts => return Ok(None),
        Some(n) => n,
        None if parts == 1 => 1,
        None => {
            let mut xml = format!("{head}<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
            for n in 1..=parts {
                let _ = writeln!(xml, "  <sitemap><loc>{base}/sitemap.xml?part={n}</loc></sitemap>");
            }
            xml.push_str("</sitemapindex>\n");
            return Ok(Some(xml));
        }
    };
    let entries = db::articles::sitemap_range(db, (part - 1) * per_file, part * per_file).await?;
    // Written straight into one buffer: a file is up to `per_file` lines, and any visitor may
    // ask for any file at any time (no title or channel is read; a date is formatted once for
    // the articles of one day).
    let mut xml = String::with_capacity(256 + (entries.len() + CHANNELS.len()) * (base.len() + 64));
    xml.push_str(head);
    xml.push_str("<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
    if part == 1 {
        let _ = writeln!(xml, "  <url><loc>{base}/</loc></url>");
        for c in CHANNELS {
            let _ = writeln!(xml, "  <url><loc>{base}{}</loc></url>", xml_escape(c.href));
        }
    }
    let mut last: Option<(chrono::NaiveDate, String)> = None;
    for (id, at) in &entries {
        let day = time::day(tz, *at);
        if last.as_ref().is_none_or(|(d, _)| *d != day) {
            last = Some((day, time::date(tz, *at)));
        }
        let date = last.as_ref().map_or("", |(_, s)| s.as_str());
        let _ = writeln!(xml, "  <url><loc>{base}/article/{}</loc><lastmod>{date}</lastmod></url>", id.0);
    }
    xml.push_str("</urlset>\n");
    Ok(Some(xml))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn a_panic_becomes_a_500_page_in_chinese() {
        let resp = panic_page(Box::new("boom"));
        assert_eq!(resp.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(resp.headers()[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/html"));
    }

    #[test]
    fn a_request_from_our_own_origin_passes() {
        assert!(is_same_origin(&headers(&[("host", "127.0.0.1:3000"), ("origin", "http://127.0.0.1:3000")])));
        assert!(is_same_origin(&headers(&[("host", "jinri.example"), ("origin", "https://jinri.example")])));
        assert!(is_same_origin(&headers(&[("host", "jinri.example"), ("sec-fetch-site", "same-origin")])));
        assert!(is_same_origin(&headers(&[("host", "jinri.example")])));
    }

    #[test]
    fn a_request_from_another_site_is_refused() {
        assert!(!is_same_origin(&headers(&[("host", "jinri.example"), ("origin", "https://evil.example")])));
        assert!(!is_same_origin(&headers(&[("host", "jinri.example"), ("origin", "null")])));
        assert!(!is_same_origin(&headers(&[
            ("host", "jinri.example"),
            ("origin", "https://jinri.example.evil.example")
        ])));
        assert!(!is_same_origin(&headers(&[("host", "jinri.example"), ("sec-fetch-site", "cross-site")])));
        assert!(!is_same_origin(&headers(&[("host", "jinri.example"), ("sec-fetch-site", "same-site")])));
    }

    /// Past one file's worth of article ids, `/sitemap.xml` is an index of files, each a range
    /// of ids; together they name every published article once, and the front page and the
    /// channels once, in the first.
    #[tokio::test]
    async fn a_large_sitemap_is_an_index_of_files_that_together_name_every_article_once() {
        use crate::server::db::{seed, test_db};
        let (db, _guard) = test_db::fresh().await;
        seed::seed_if_empty(&db, 1_000).await.unwrap();
        test_db::execute(&db, "UPDATE articles SET state = 'draft' WHERE id = (SELECT MIN(id) + 2 FROM articles)")
            .await;
        // Publication times five and a half hours apart, so that days in the site's time zone
        // change every few articles (each article's date is its own).
        test_db::execute(&db, "UPDATE articles SET published_at = 1700000000 + id * 19800").await;
        let published: Vec<(i64, i64)> = match &db {
            db::Db::Sqlite(p) => {
                sqlx::query_as("SELECT id, published_at FROM articles WHERE state = 'published' ORDER BY id")
                    .fetch_all(&p.pool)
                    .await
            }
            db::Db::Pg(p) => {
                sqlx::query_as("SELECT id, published_at FROM articles WHERE state = 'published' ORDER BY id")
                    .fetch_all(p)
                    .await
            }
        }
        .unwrap();
        let base = "https://jinri.test";
        let tz = chrono_tz::Asia::Shanghai;
        let expected: Vec<(i64, String)> = published.iter().map(|&(id, at)| (id, time::date(tz, at))).collect();
        assert!(expected.windows(2).any(|w| w[0].1 == w[1].1) && expected.windows(2).any(|w| w[0].1 != w[1].1));
        let locs = |xml: &str| -> Vec<String> {
            xml.split("<loc>").skip(1).map(|p| p[..p.find("</loc>").unwrap()].to_owned()).collect()
        };
        // One file holds them all: the sitemap is that list.
        let one = sitemap_doc(&db, tz, base, None, 10_000).await.unwrap().unwrap();
        assert!(one.contains("<urlset"), "{one}");
        assert_eq!(sitemap_doc(&db, tz, base, Some(1), 10_000).await.unwrap().as_deref(), Some(one.as_str()));
        assert_eq!(sitemap_doc(&db, tz, base, Some(2), 10_000).await.unwrap(), None);
        // Five ids a file: an index, then the files.
        let index = sitemap_doc(&db, tz, base, None, 5).await.unwrap().unwrap();
        assert!(index.contains("<sitemapindex"), "{index}");
        let files = locs(&index);
        let max: i64 = test_db::scalar(&db, "SELECT MAX(id) FROM articles").await;
        assert_eq!(files.len() as i64, (max + 4) / 5);
        let mut articles = Vec::new();
        let mut pages = Vec::new();
        for (n, file) in files.iter().enumerate() {
            assert_eq!(file, &format!("{base}/sitemap.xml?part={}", n + 1));
            let xml = sitemap_doc(&db, tz, base, Some(n as i64 + 1), 5).await.unwrap().unwrap();
            assert!(xml.contains("<urlset"));
            for line in xml.lines().filter(|l| l.contains("<loc>")) {
                let loc = &locs(line)[0];
                match loc.strip_prefix("https://jinri.test/article/") {
                    Some(id) => {
                        let date = line.split("<lastmod>").nth(1).and_then(|d| d.split("</lastmod>").next());
                        articles.push((id.parse::<i64>().unwrap(), date.unwrap_or_default().to_owned()));
                    }
                    None => pages.push((n, loc.clone())),
                }
            }
        }
        assert_eq!(articles, expected, "every published article once, in id order, with its date; no draft");
        assert_eq!(pages.len(), 1 + CHANNELS.len(), "{pages:?}");
        assert!(pages.iter().all(|(n, _)| *n == 0), "{pages:?}");
        assert_eq!(sitemap_doc(&db, tz, base, Some(files.len() as i64 + 1), 5).await.unwrap(), None);
    }
}
