//! Rendered pages for readers who are not signed in, kept until something they show changes.
//!
//! A page a guest sees depends only on its address, the database and the day; the database
//! changes at run time through comment changes, every one of them published to the live hub,
//! which counts them per article and overall, and through `jinri facts set` (another process).
//! A page is stored with a [`Stamp`] of what it shows, read *before* rendering (so a change
//! committed meanwhile makes it stale at once), and served while the stamp is unchanged:
//! - an article page (`/article/N`) goes stale with a change to that article's comments, and
//!   when the order of 热门 in its side column changes ([`HotWatch`]: after a new or deleted
//!   comment anywhere, the order is read again, once, and the pages go stale only if it moved);
//! - the front and channel pages with a new or deleted comment anywhere (they show each
//!   article's count, and 热门 follows the counts), not with a like;
//! - a comment's page (`/comment/N`) with any comment change (its article is not in its address);
//! - the sitemap and the about pages with none of these;
//! - every page at midnight in the site's time zone (the top bar's date), when the top bar's
//!   facts change (read again at most once a second, [`FACTS_CHECK`]), and when the hub says
//!   any page may be stale (a change heard from another process, a like taken back).
//!
//! Pages are kept for guests only: signed-in readers, requests with a form flash cookie (`server::flash`), queries
//! other than paging and sorting, and anything but a 200 HTML page are always rendered.
//!
//! Each response still gets its own CSP nonce: the stored page remembers where its nonce
//! appears, and every copy sent gets a fresh one in those places (nonces all have one length).
//!
//! Browsers ask for compressed pages, and compressing a page anew for every copy cost ten times
//! what the copy did (bench/README). So a page is also stored gzip-compressed, once, in runs
//! that stop where the nonce stands: each run is compressed on its own (no run refers back into
//! another, or into a nonce) and ends byte-aligned, so a copy is the runs with the fresh nonce
//! between them as stored (uncompressed) deflate blocks, and the gzip trailer's CRC of the
//! bytes sent. A reader whose browser takes gzip gets that; any other gets the page as before.

use super::AppState;
use crate::model::ArticleId;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long the top bar's facts, as last read, are trusted: a `jinri facts set` run by another
/// process shows on cached pages within this time.
pub const FACTS_CHECK: Duration = Duration::from_secs(1);

/// What a stored page shows besides its address, as numbers that change when it does.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct Stamp {
    /// `Hub::epoch`: any page may be stale.
    epoch: u64,
    /// The changes the page's own content follows (see the module's list).
    scope: u64,
    /// For article pages, `HotWatch`'s version of the 热门 order; 0 for other pages.
    hot: u64,
    /// A digest of the top bar's facts.
    facts: u64,
    /// The day in the site's time zone (`time::day_number`).
    day: i32,
}

/// Largest page kept; a larger one is served but not stored (an article page is bounded well
/// under this, see `model::REPLIES_SHOWN`).
const MAX_PAGE_BYTES: usize = 2 * 1024 * 1024;

/// Says whether a guest's page came from the cache (`hit`) or was rendered (`miss`); absent
/// on responses that are never cached. For operators and the benchmarks.
const X_CACHE: &str = "x-cache";

/// Length of a Leptos nonce: 16 random bytes in unpadded base64.
const NONCE_LEN: usize = 22;

#[derive(Default)]
pub struct PageCache {
    capacity: usize,
    pages: Mutex<Pages>,
    /// The facts as last read, when, and their digest; and when this process last changed them
    /// (a reading begun before that is not kept).
    facts: Mutex<(Option<Facts>, Option<Instant>)>,
    hot: HotWatch,
}

/// The top bar's facts as read at `at`, with their digest (for [`Stamp`]).
#[derive(Clone)]
struct Facts {
    at: Instant,
    values: Arc<HashMap<String, String>>,
    digest: u64,
}

/// The order of 热门 the article pages' side column shows (`db::articles::hot_order`), and a
/// version that moves when it changes. Only a new or deleted comment can change it, and each
/// one counts in `Hub::counted_version`: the order is read again when that count has moved
/// since the last reading, by one request at a time, so a burst of comments costs a reading
/// per change at most, and a page request with no change since costs none.
#[derive(Default)]
struct HotWatch {
    /// `counted_version + 1` when the order was last read; 0 before the first reading.
    seen: std::sync::atomic::AtomicU64,
    version: std::sync::atomic::AtomicU64,
    order: tokio::sync::Mutex<Vec<i64>>,
}

impl HotWatch {
    /// The version of 热门 now, or `None` if the order cannot be read (the page is then
    /// rendered, not cached).
    async fn version(&self, state: &AppState) -> Option<u64> {
        use std::sync::atomic::Ordering::{AcqRel, Acquire, Release};
        let fresh = || state.hub.counted_version() + 1;
        if self.seen.load(Acquire) == fresh() {
            return Some(self.version.load(Acquire));
        }
        let mut order = self.order.lock().await;
        // The count is read before the order: a change committed after this reading moves the
        // count again, and the next request reads the order again.
        let counted = fresh();
        if self.seen.load(Acquire) == counted {
            return Some(self.version.load(Acquire));
        }
        match super::db::articles::hot_order(&state.pool).await {
            Ok(now) => {
                if *order != now {
                    *order = now;
                    self.version.fetch_add(1, AcqRel);
                }
                self.seen.store(counted, Release);
                Some(self.version.load(Acquire))
            }
            Err(e) => {
                tracing::warn!(error = %e, "the order of 热门 could not be read for the page cache");
                None
            }
        }
    }
}

/// The stored pages, each with the tick of its last use: a full cache drops the page unused
/// the longest, so a crawler walking many addresses cannot empty it of the popular ones.
#[derive(Default)]
struct Pages {
    tick: u64,
    map: HashMap<String, (Arc<Page>, u64)>,
}

struct Page {
    stamp: Stamp,
    headers: HeaderMap,
    csp: String,
    body: Bytes,
    /// Byte offsets of the nonce in `body`, and the nonce itself (for `csp`).
    nonce_at: Vec<usize>,
    nonce: String,
    /// `body` around its nonces, each run raw deflate on its own (one more run than nonces).
    deflated: Vec<Vec<u8>>,
}

impl PageCache {
    /// A cache of at most `capacity` pages; 0 turns it off.
    pub fn new(capacity: usize) -> Self {
        PageCache { capacity, pages: Mutex::default(), facts: Mutex::default(), hot: HotWatch::default() }
    }

    fn get(&self, key: &str, stamp: Stamp) -> Option<Arc<Page>> {
        let mut pages = self.pages.lock().unwrap_or_else(|e| e.into_inner());
        pages.tick += 1;
        let tick = pages.tick;
        let (page, used) = pages.map.get_mut(key).filter(|(p, _)| p.stamp == stamp)?;
        *used = tick;
        Some(page.clone())
    }

    fn put(&self, key: String, page: Page) {
        let mut pages = self.pages.lock().unwrap_or_else(|e| e.into_inner());
        pages.tick += 1;
        let tick = pages.tick;
        if pages.map.len() >= self.capacity && !pages.map.contains_key(&key) {
            // Pages that cannot be fresh any more go first (an older epoch, other facts, another
            // day); then the least recently used one. A scan of at most `capacity` entries, only
            // when a new page is stored into a full cache.
            let now = page.stamp;
            pages
                .map
                .retain(|_, (p, _)| (p.stamp.epoch, p.stamp.facts, p.stamp.day) == (now.epoch, now.facts, now.day));
            if pages.map.len() >= self.capacity {
                if let Some(oldest) = pages.map.iter().min_by_key(|(_, (_, used))| *used).map(|(k, _)| k.clone()) {
                    pages.map.remove(&oldest);
                }
            }
        }
        pages.map.insert(key, (Arc::new(page), tick));
    }

    pub fn len(&self) -> usize {
        self.pages.lock().unwrap_or_else(|e| e.into_inner()).map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The key of a request whose page may be shared among guests, or `None`.
fn cache_key(state: &AppState, req: &Request) -> Option<String> {
    if state.page_cache.capacity == 0 || req.method() != Method::GET {
        return None;
    }
    let uri = req.uri();
    let path = uri.path();
    let page_path = path == "/"
        || path == "/sitemap"
        || path.starts_with("/article/")
        || path.starts_with("/comment/")
        || path.starts_with("/channel/")
        || path.starts_with("/about/");
    if !page_path || path.len() > 64 {
        return None;
    }
    // A signed-in reader's page, or one that may show a form's flash (and clears its cookie),
    // is that reader's own: it is neither served from the cache nor stored.
    if super::auth::session_token(state, req.headers()).is_some() || super::flash::carries_cookie(state, req.headers())
    {
        return None;
    }
    canonical_query(uri.query().unwrap_or(""))
        .map(|q| if q.is_empty() { path.to_owned() } else { format!("{path}?{q}") })
}

/// Only the paging and sorting parameters are shared; anything else (a reply target, a return
/// path) is particular to one reader. The key is rebuilt from their parsed values, so
/// `?page=2&&&`, `?&page=2` and `?page=2` share one entry and padding cannot fill the cache;
/// a repeated or malformed parameter is not cached (such a page is a 404 anyway).
fn canonical_query(query: &str) -> Option<String> {
    if query.len() > 64 {
        return None;
    }
    let (mut page, mut sort) = (None, None);
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        match pair.split_once('=')? {
            ("page", v) if page.is_none() && crate::pages::parse_page(Some(v.to_owned())).is_ok() => page = Some(v),
            ("sort", v) if sort.is_none() && crate::model::Sort::parse(v).is_some() => sort = Some(v),
            _ => return None,
        }
    }
    let parts: Vec<String> =
        [("page", page), ("sort", sort)].into_iter().filter_map(|(k, v)| v.map(|v| format!("{k}={v}"))).collect();
    Some(parts.join("&"))
}

/// The stamp of the page at `path` now (see the module's list).
async fn stamp(state: &AppState, path: &str) -> Option<Stamp> {
    let hub = &state.hub;
    let mut hot = 0;
    let scope = if let Some(id) = path.strip_prefix("/article/") {
        hot = state.page_cache.hot.version(state).await?;
        ArticleId::parse(id).map_or(0, |a| hub.article_version(a))
    } else if path == "/" || path.starts_with("/channel/") {
        hub.counted_version()
    } else if path.starts_with("/comment/") {
        hub.version()
    } else {
        0
    };
    Some(Stamp {
        epoch: hub.epoch(),
        scope,
        hot,
        facts: state.page_cache.facts_digest(state).await?,
        day: super::time::day_number(state.config.site.timezone, super::time::now_unix()),
    })
}

impl PageCache {
    /// After this process changed the facts: the next page request reads them again, so no
    /// stored page with the old ones is served from now on (other processes within
    /// [`FACTS_CHECK`]).
    pub fn forget_facts(&self) {
        *self.facts.lock().unwrap_or_else(|e| e.into_inner()) = (None, Some(Instant::now()));
    }

    /// The top bar's facts, read from the database at most once per [`FACTS_CHECK`]: every page
    /// shows them (`api::site::get_site_facts`) and every cached page's stamp holds their
    /// digest, so one reading serves both, and a page rendered after a stamp never shows older
    /// facts than the stamp says.
    pub async fn facts(&self, state: &AppState) -> Result<Arc<HashMap<String, String>>, sqlx::Error> {
        Ok(self.reading(state).await?.values)
    }

    async fn reading(&self, state: &AppState) -> Result<Facts, sqlx::Error> {
        if let Some(facts) = self.facts.lock().unwrap_or_else(|e| e.into_inner()).0.as_ref() {
            if facts.at.elapsed() < FACTS_CHECK {
                return Ok(facts.clone());
            }
        }
        let at = Instant::now();
        let values = super::db::facts::all(&state.pool).await?;
        use std::hash::{Hash, Hasher};
        let mut sorted: Vec<_> = values.iter().collect();
        sorted.sort();
        let mut h = std::collections::hash_map::DefaultHasher::new();
        sorted.hash(&mut h);
        let facts = Facts { at, values: Arc::new(values), digest: h.finish() };
        let mut kept = self.facts.lock().unwrap_or_else(|e| e.into_inner());
        // A reading begun before the one kept, or before this process changed the facts, is not
        // kept.
        if kept.0.as_ref().is_none_or(|k| k.at <= at) && kept.1.is_none_or(|changed| changed < at) {
            kept.0 = Some(facts.clone());
        }
        Ok(facts)
    }

    /// A digest of the top bar's facts (see [`PageCache::facts`]); `None` if they cannot be
    /// read (the page is then rendered, not cached).
    async fn facts_digest(&self, state: &AppState) -> Option<u64> {
        match self.reading(state).await {
            Ok(facts) => Some(facts.digest),
            Err(e) => {
                tracing::warn!(error = %e, "the top bar's facts could not be read for the page cache");
                None
            }
        }
    }
}

/// Middleware: answers guests' page requests from the cache, and fills it.
pub async fn cached_pages(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let Some(key) = cache_key(&state, &req) else { return next.run(req).await };
    let Some(version) = stamp(&state, req.uri().path()).await else { return next.run(req).await };
    if let Some(page) = state.page_cache.get(&key, version) {
        let mut resp = page.response(takes_gzip(req.headers()));
        resp.headers_mut().insert(X_CACHE, HeaderValue::from_static("hit"));
        return resp;
    }
    let mut resp = next.run(req).await;
    resp.headers_mut().insert(X_CACHE, HeaderValue::from_static("miss"));
    keep(&state.page_cache, key, version, resp).await
}

/// Stores a page that may be shared and is not too large, and answers with it either way.
async fn keep(cache: &PageCache, key: String, version: Stamp, resp: Response) -> Response {
    if !storable(&resp) {
        return resp;
    }
    let (parts, body) = resp.into_parts();
    // The rendered page is in memory already: reading it whole costs nothing more, and a page
    // too large to keep is still the reader's page.
    let body = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(b) => b,
        Err(e) => {
            tracing::error!(error = %e, "page body could not be read");
            return (StatusCode::INTERNAL_SERVER_ERROR, "500").into_response();
        }
    };
    if body.len() <= MAX_PAGE_BYTES {
        if let Some(page) = Page::new(version, &parts.headers, body.clone()) {
            cache.put(key, page);
        }
    }
    Response::from_parts(parts, Body::from(body))
}

fn storable(resp: &Response) -> bool {
    let h = resp.headers();
    resp.status() == StatusCode::OK
        && !h.contains_key(header::SET_COOKIE)
        && h.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("text/html"))
        && h.contains_key(header::CONTENT_SECURITY_POLICY)
}

impl Page {
    fn new(stamp: Stamp, headers: &HeaderMap, body: Bytes) -> Option<Page> {
        let csp = headers.get(header::CONTENT_SECURITY_POLICY)?.to_str().ok()?.to_owned();
        let nonce = csp.split("'nonce-").nth(1)?.split('\'').next()?.to_owned();
        if nonce.len() != NONCE_LEN {
            return None;
        }
        let text = std::str::from_utf8(&body).ok()?;
        let nonce_at: Vec<usize> = text.match_indices(nonce.as_str()).map(|(i, _)| i).collect();
        let mut headers = headers.clone();
        headers.remove(header::CONTENT_SECURITY_POLICY);
        headers.remove(header::CONTENT_LENGTH);
        let deflated = deflate_runs(&body, &nonce_at)?;
        Some(Page { stamp, headers, csp, body, nonce_at, nonce, deflated })
    }

    /// A copy of the page with a nonce of its own, gzip-compressed when the reader takes that.
    fn response(&self, gzip: bool) -> Response {
        let Some(nonce) = new_nonce() else {
            return (StatusCode::INTERNAL_SERVER_ERROR, "500").into_response();
        };
        let body = if gzip {
            self.gzipped(nonce.as_bytes())
        } else {
            let mut body = self.body.to_vec();
            for &i in &self.nonce_at {
                body[i..i + NONCE_LEN].copy_from_slice(nonce.as_bytes());
            }
            body
        };
        let mut resp = Response::new(Body::from(body));
        *resp.headers_mut() = self.headers.clone();
        if gzip {
            resp.headers_mut().insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            resp.headers_mut().append(header::VARY, HeaderValue::from_static("accept-encoding"));
        }
        if let Ok(v) = HeaderValue::from_str(&self.csp.replace(&self.nonce, &nonce)) {
            resp.headers_mut().insert(header::CONTENT_SECURITY_POLICY, v);
        }
        resp
    }

    /// The page with `nonce` in its places, as gzip: the stored runs, the nonce between them
    /// as stored deflate blocks, a final empty block, and the CRC and length of those bytes.
    fn gzipped(&self, nonce: &[u8]) -> Vec<u8> {
        const HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
        let mut out =
            Vec::with_capacity(self.deflated.iter().map(Vec::len).sum::<usize>() + 64 + 27 * self.nonce_at.len());
        out.extend_from_slice(&HEADER);
        let mut crc = crc32fast::Hasher::new();
        let mut from = 0;
        // One run before each nonce, and one after the last (`deflated` has one run more).
        for (run, &at) in self.deflated.iter().zip(&self.nonce_at) {
            out.extend_from_slice(run);
            crc.update(&self.body[from..at]);
            crc.update(nonce);
            from = at + NONCE_LEN;
            // A stored block, not the last: header byte, LEN and its complement, the bytes.
            let len = nonce.len() as u16;
            out.push(0);
            out.extend_from_slice(&len.to_le_bytes());
            out.extend_from_slice(&(!len).to_le_bytes());
            out.extend_from_slice(nonce);
        }
        out.extend_from_slice(self.deflated.last().map_or(&[][..], Vec::as_slice));
        crc.update(&self.body[from..]);
        // The last block: stored and empty.
        out.extend_from_slice(&[1, 0, 0, 0xff, 0xff]);
        out.extend_from_slice(&crc.finalize().to_le_bytes());
        out.extend_from_slice(&(self.body.len() as u32).to_le_bytes());
        out
    }
}

/// `body` cut at each nonce (`nonce_at`), each run compressed as raw deflate on its own and
/// ended with a sync flush (byte-aligned, not final): the runs and stored blocks between them
/// then make one deflate stream. Level 6: this runs once per stored page.
fn deflate_runs(body: &[u8], nonce_at: &[usize]) -> Option<Vec<Vec<u8>>> {
    use flate2::{Compress, Compression, FlushCompress};
    let mut runs = Vec::with_capacity(nonce_at.len() + 1);
    let mut from = 0;
    for end in nonce_at.iter().copied().chain([body.len()]) {
        let input = body.get(from..end)?;
        let mut deflate = Compress::new(Compression::new(6), false);
        let mut out = Vec::with_capacity(input.len() / 3 + 64);
        // The flush is complete once all input is taken and the output had room to spare.
        loop {
            if out.len() == out.capacity() {
                out.reserve(out.capacity().max(64));
            }
            let taken = deflate.total_in() as usize;
            deflate.compress_vec(&input[taken..], &mut out, FlushCompress::Sync).ok()?;
            if deflate.total_in() as usize == input.len() && out.len() < out.capacity() {
                break;
            }
        }
        runs.push(out);
        from = end + NONCE_LEN;
    }
    Some(runs)
}

/// Whether the request's `Accept-Encoding` takes gzip (by name or `*`, with a quality above 0).
fn takes_gzip(headers: &HeaderMap) -> bool {
    headers.get_all(header::ACCEPT_ENCODING).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(',')).any(
        |coding| {
            let mut parts = coding.split(';');
            let name = parts.next().unwrap_or("").trim();
            let zero = parts.any(|p| {
                p.trim().strip_prefix("q=").and_then(|q| q.trim().parse::<f32>().ok()).is_some_and(|q| q <= 0.0)
            });
            (name.eq_ignore_ascii_case("gzip") || name == "*") && !zero
        },
    )
}

/// 128 random bits in unpadded base64url, like the nonces Leptos makes.
fn new_nonce() -> Option<String> {
    use base64::Engine;
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).ok()?;
    Some(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stamp that differs from another only in its epoch.
    fn st(epoch: u64) -> Stamp {
        Stamp { epoch, ..Stamp::default() }
    }

    fn page(body: &str, nonce: &str) -> Option<Page> {
        let mut h = HeaderMap::new();
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
        h.insert(header::CONTENT_LENGTH, HeaderValue::from_static("10"));
        let csp = format!("script-src 'self' 'nonce-{nonce}'");
        h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_str(&csp).unwrap());
        Page::new(st(1), &h, Bytes::from(body.to_owned()))
    }

    #[tokio::test]
    async fn every_copy_gets_a_fresh_nonce_in_the_body_and_the_policy() {
        let old = "AAAAAAAAAAAAAAAAAAAAAA";
        let p =
            page(&format!("<script nonce=\"{old}\">1</script><p>x</p><script nonce=\"{old}\"></script>"), old).unwrap();
        assert_eq!(p.nonce_at.len(), 2);
        let a = p.response(false);
        let b = p.response(false);
        let csp_a = a.headers()[header::CONTENT_SECURITY_POLICY].to_str().unwrap().to_owned();
        let body_a = axum::body::to_bytes(a.into_body(), 1 << 20).await.unwrap();
        let body_b = axum::body::to_bytes(b.into_body(), 1 << 20).await.unwrap();
        let text_a = std::str::from_utf8(&body_a).unwrap();
        assert!(!text_a.contains(old), "the stored nonce is never sent again: {text_a}");
        assert_ne!(body_a, body_b, "two copies, two nonces");
        let nonce = csp_a.split("'nonce-").nth(1).unwrap().trim_end_matches('\'');
        assert_eq!(nonce.len(), NONCE_LEN);
        assert_eq!(text_a.matches(nonce).count(), 2, "the body carries the policy's nonce: {text_a}");
    }

    /// Unpacks a gzip copy with flate2's reader (as a browser would), checking its trailer.
    fn gunzip(bytes: &[u8]) -> String {
        use std::io::Read;
        let mut text = String::new();
        flate2::read::GzDecoder::new(bytes).read_to_string(&mut text).expect("a valid gzip stream");
        text
    }

    #[tokio::test]
    async fn a_gzip_copy_is_the_page_with_a_fresh_nonce_in_every_place() {
        let old = "AAAAAAAAAAAAAAAAAAAAAA";
        // Nonces at the very start, side by side and at the very end: empty runs between them.
        let filler = "<p>今日新闻，评论实时更新。</p>".repeat(400);
        let body =
            format!("{old}<script nonce=\"{old}\">1</script>{filler}<script nonce=\"{old}\">{old}{old}</script>{old}");
        let p = page(&body, old).unwrap();
        assert_eq!(p.nonce_at.len(), 6);
        assert_eq!(p.deflated.len(), 7);
        let mut copies = Vec::new();
        for _ in 0..2 {
            let resp = p.response(true);
            assert_eq!(resp.headers()[header::CONTENT_ENCODING], "gzip");
            assert!(resp.headers().get_all(header::VARY).iter().any(|v| v == "accept-encoding"));
            let csp = resp.headers()[header::CONTENT_SECURITY_POLICY].to_str().unwrap().to_owned();
            let nonce = csp.split("'nonce-").nth(1).unwrap().trim_end_matches('\'').to_owned();
            let sent = axum::body::to_bytes(resp.into_body(), 1 << 22).await.unwrap();
            assert!(sent.len() < body.len() / 10, "compressed: {} of {} bytes", sent.len(), body.len());
            let text = gunzip(&sent);
            assert_eq!(text, body.replace(old, &nonce), "the page, with the policy's nonce in each place");
            copies.push(nonce);
        }
        assert_ne!(copies[0], copies[1], "two copies, two nonces");
    }

    #[test]
    fn only_a_browser_that_takes_gzip_gets_it() {
        let takes = |v: &str| {
            let mut h = HeaderMap::new();
            h.insert(header::ACCEPT_ENCODING, HeaderValue::from_str(v).unwrap());
            takes_gzip(&h)
        };
        assert!(takes("gzip, deflate, br, zstd"));
        assert!(takes("br;q=1.0, GZIP;q=0.5"));
        assert!(takes("*"));
        assert!(!takes("br"));
        assert!(!takes("gzip;q=0, br"));
        assert!(!takes("identity"));
        assert!(!takes("xgzip"));
        assert!(!takes_gzip(&HeaderMap::new()));
    }

    fn html(body: Vec<u8>) -> Response {
        let mut resp = Response::new(Body::from(body));
        let h = resp.headers_mut();
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("script-src 'nonce-AAAAAAAAAAAAAAAAAAAAAA'"),
        );
        resp
    }

    #[tokio::test]
    async fn a_page_over_the_size_limit_is_served_whole_and_not_stored() {
        let cache = PageCache::new(4);
        let big = vec![b'x'; MAX_PAGE_BYTES + 1];
        let resp = keep(&cache, "/big".into(), st(1), html(big)).await;
        assert_eq!(resp.status(), StatusCode::OK);
        let body = axum::body::to_bytes(resp.into_body(), usize::MAX).await.unwrap();
        assert_eq!(body.len(), MAX_PAGE_BYTES + 1);
        assert!(cache.is_empty(), "too large to keep");
        let resp = keep(&cache, "/small".into(), st(1), html(b"<p>x</p>".to_vec())).await;
        assert_eq!(resp.status(), StatusCode::OK);
        assert!(cache.get("/small", st(1)).is_some(), "a page within the limit is kept");
    }

    #[test]
    fn a_page_without_a_proper_nonce_is_not_kept() {
        assert!(page("<p>x</p>", "short").is_none());
    }

    #[test]
    fn a_full_cache_drops_stale_pages_first_and_never_grows_past_its_size() {
        let cache = PageCache::new(2);
        let old = "AAAAAAAAAAAAAAAAAAAAAA";
        let mk = |v: u64| {
            let mut p = page("<p>x</p>", old).unwrap();
            p.stamp = st(v);
            p
        };
        cache.put("/a".into(), mk(1));
        cache.put("/b".into(), mk(2));
        cache.put("/c".into(), mk(2));
        assert!(cache.get("/a", st(1)).is_none(), "the stale page went first");
        assert!(cache.get("/b", st(2)).is_some() && cache.get("/c", st(2)).is_some());
        assert!(cache.get("/b", st(3)).is_none(), "a page of another stamp is not served");
        cache.put("/d".into(), mk(2));
        assert!(cache.len() <= 2);
        assert!(PageCache::new(0).is_empty());
    }

    #[test]
    fn a_full_cache_drops_the_page_unused_the_longest() {
        let cache = PageCache::new(3);
        let nonce = "AAAAAAAAAAAAAAAAAAAAAA";
        for key in ["/a", "/b", "/c"] {
            cache.put(key.into(), page("<p>x</p>", nonce).unwrap());
        }
        assert!(cache.get("/a", st(1)).is_some(), "the front page is read again and again");
        cache.put("/d".into(), page("<p>x</p>", nonce).unwrap());
        assert!(cache.get("/b", st(1)).is_none(), "the page unused the longest went");
        for key in ["/a", "/c", "/d"] {
            assert!(cache.get(key, st(1)).is_some(), "{key} stays");
        }
        assert_eq!(cache.len(), 3);
    }

    #[test]
    fn padded_and_reordered_queries_share_one_key_and_others_are_not_cached() {
        assert_eq!(canonical_query("").as_deref(), Some(""));
        assert_eq!(canonical_query("&&&").as_deref(), Some(""));
        for same in ["page=2", "page=2&&&", "&page=2", "page=2&"] {
            assert_eq!(canonical_query(same).as_deref(), Some("page=2"), "{same}");
        }
        assert_eq!(canonical_query("sort=hot&page=3").as_deref(), Some("page=3&sort=hot"));
        assert_eq!(canonical_query("page=3&sort=hot").as_deref(), Some("page=3&sort=hot"));
        for other in ["page=0", "page=02", "page=1&page=1", "sort=best", "error=x", "page", "reply=3", "page=1&x=1"] {
            assert_eq!(canonical_query(other), None, "{other}");
        }
        assert_eq!(canonical_query(&format!("page=1{}", "&".repeat(100))), None, "long queries are not cached");
    }
}
