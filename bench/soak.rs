//! Soak test: a steady mix of readers, posters, likers, logins and live subscribers against a
//! running server for a given time, then checks that nothing was lost. Loopback only; run by
//! bench/soak.sh, which starts the server and watches its memory.
//!
//! Usage: soak BASE_URL SECONDS
//!
//! The server must allow (see bench/soak.sh): comments.min_interval_secs = 2 (posters wait
//! longer than that between posts, and a probe checks that a too-early post gets 429), at
//! least ~100 registrations per address per hour, ~1,000 failed logins per address per window,
//! the default 20 live streams per address (12 are used) and the default 30 likes per reader
//! per minute: likers stay under it (one like every 2.1–2.6 s), one eager liker goes past it
//! and expects 429.
//!
//! Every request has a 10 s client timeout; a timeout is a hang. A live stream that sends
//! nothing for 45 s (the server sends a keep-alive every 20 s) is a hang too. At the end:
//! every acknowledged comment must be listed by `/api/comments/list` or, past a thread's first
//! replies, by `/api/comments/replies` (deleted ones marked deleted, the others with their
//! text; a deleted comment that nothing answers is not listed at all, and one missing while a
//! listed comment answers it is lost), and every live subscriber must have received every
//! acknowledged comment of its article, and the last like count it saw of each comment that
//! is not deleted (likes are announced about a second after they happen, once per comment and
//! second; a deleted comment's likes no longer count) must be the count listed at the end. The last line starts with `RESULT` for scripts.
//! Exit status 1 on any 5xx, hang, transport error, unexpected status, lost or mismatched
//! comment, missed live event or like-state mismatch.

use futures::StreamExt;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const TIMEOUT: Duration = Duration::from_secs(10);
const STREAM_STALL: Duration = Duration::from_secs(45);
const READERS: usize = 8;
const POSTERS: usize = 20;
const LIKERS: usize = 10;
/// Likers that click faster than comments.likes_per_minute (30) allows.
const EAGER_LIKERS: usize = 1;
/// An honest liker's pause between likes: at most 60 / 2.1 = 28 a minute, under the limit.
const LIKE_GAP_MS: (u64, u64) = (2_100, 2_600);
/// The eager liker's pause: ~240 a minute, most of them refused with 429.
const EAGER_LIKE_GAP_MS: (u64, u64) = (150, 350);
const CYCLERS: usize = 2;
const LIVE_ARTICLES: usize = 4;
const SUBSCRIBERS_PER_ARTICLE: usize = 3;
/// Must exceed the server's comments.min_interval_secs (2 in bench/soak.sh).
const POST_GAP_MS: (u64, u64) = (2_300, 5_000);
const PASSWORD: &str = "soak-password-2021";
const CHANNELS: [&str; 5] = ["au", "china", "world", "finance", "life"];

/// A comment the server acknowledged.
struct Acked {
    article: i64,
    body: String,
    deleted: bool,
}

#[derive(Default)]
struct Stats {
    requests: Mutex<BTreeMap<&'static str, u64>>,
    statuses: Mutex<BTreeMap<u16, u64>>,
    unexpected: Mutex<BTreeMap<String, u64>>,
    hangs: AtomicU64,
    transport: AtomicU64,
    server_errors: AtomicU64,
    like_mismatches: AtomicU64,
    likes_refused: AtomicU64,
    stream_reconnects: AtomicU64,
    stream_ends: AtomicU64,
    duplicates: AtomicU64,
    /// The first few failures, with what was asked and the server's request id.
    notes: Mutex<Vec<String>>,
}

struct Ctx {
    base: String,
    client: reqwest::Client,
    stats: Stats,
    deadline: Mutex<Instant>,
    articles: Vec<i64>,
    live: Vec<i64>,
    acked: Mutex<BTreeMap<i64, Acked>>,
    /// Comment ids that can be liked or replied to, by article.
    by_article: Mutex<HashMap<i64, Vec<i64>>>,
    all_ids: Mutex<Vec<i64>>,
    run: String,
}

struct Reply {
    status: u16,
    cookie: Option<String>,
    body: Vec<u8>,
}

impl Ctx {
    fn note(&self, what: String) {
        let mut notes = self.stats.notes.lock().unwrap();
        if notes.len() < 30 {
            eprintln!("soak: {what}");
            notes.push(what);
        }
    }

    /// Sends a request, counts it, and checks its status against `expect`.
    async fn send(
        &self,
        kind: &'static str,
        what: &str,
        req: reqwest::RequestBuilder,
        expect: &[u16],
    ) -> Option<Reply> {
        *self.stats.requests.lock().unwrap().entry(kind).or_default() += 1;
        let result = async {
            let resp = req.send().await?;
            let status = resp.status().as_u16();
            let rid = resp.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-").to_owned();
            let cookie = resp
                .headers()
                .get_all("set-cookie")
                .iter()
                .filter_map(|v| v.to_str().ok()?.split(';').next().map(str::to_owned))
                .find(|c| !c.ends_with('='));
            let body = resp.bytes().await?.to_vec();
            Ok::<_, reqwest::Error>((status, rid, cookie, body))
        }
        .await;
        match result {
            Ok((status, rid, cookie, body)) => {
                *self.stats.statuses.lock().unwrap().entry(status).or_default() += 1;
                if status >= 500 {
                    self.stats.server_errors.fetch_add(1, Relaxed);
                    let text = String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned();
                    self.note(format!("{status} on {kind} {what} (x-request-id {rid}): {text}"));
                } else if !expect.contains(&status) {
                    *self.stats.unexpected.lock().unwrap().entry(format!("{kind} {status}")).or_default() += 1;
                    let text = String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned();
                    self.note(format!("unexpected {status} on {kind} {what} (x-request-id {rid}): {text}"));
                }
                Some(Reply { status, cookie, body })
            }
            Err(e) if e.is_timeout() => {
                self.stats.hangs.fetch_add(1, Relaxed);
                self.note(format!("hang: {kind} {what} got no complete answer within {TIMEOUT:?}"));
                None
            }
            Err(e) => {
                self.stats.transport.fetch_add(1, Relaxed);
                self.note(format!("transport error on {kind} {what}: {e}"));
                None
            }
        }
    }

    async fn get(&self, kind: &'static str, path: &str, expect: &[u16]) -> Option<Reply> {
        self.send(kind, path, self.client.get(format!("{}{path}", self.base)), expect).await
    }

    /// POSTs a form to a server function as the browser bundle does (JSON reply).
    async fn call(
        &self,
        kind: &'static str,
        endpoint: &str,
        form: &[(&str, &str)],
        cookie: Option<&str>,
        expect: &[u16],
    ) -> Option<Reply> {
        let mut req =
            self.client.post(format!("{}{endpoint}", self.base)).header("accept", "application/json").form(form);
        if let Some(c) = cookie {
            req = req.header("cookie", c);
        }
        self.send(kind, endpoint, req, expect).await
    }

    fn deadline(&self) -> Instant {
        *self.deadline.lock().unwrap()
    }

    fn running(&self) -> bool {
        Instant::now() < self.deadline()
    }

    /// Sleeps `ms`, or until the deadline if that comes first.
    async fn pause(&self, ms: u64) {
        let until = (Instant::now() + Duration::from_millis(ms)).min(self.deadline());
        tokio::time::sleep_until(until.into()).await;
    }

    async fn register(&self, name: &str) -> Option<String> {
        let form = [("name", name), ("password", PASSWORD), ("next", "/")];
        let reply = self.call("register", "/api/auth/register", &form, None, &[200]).await?;
        if reply.status != 200 {
            return None;
        }
        reply.cookie
    }

    fn remember(&self, id: i64, article: i64, body: String) {
        self.acked.lock().unwrap().insert(id, Acked { article, body, deleted: false });
        self.by_article.lock().unwrap().entry(article).or_default().push(id);
        self.all_ids.lock().unwrap().push(id);
    }
}

/// xorshift64*: enough randomness to mix the load, no dependency.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn between(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }
    fn pick<T: Copy>(&mut self, v: &[T]) -> T {
        v[self.below(v.len() as u64) as usize]
    }
    fn chance(&mut self, one_in: u64) -> bool {
        self.below(one_in) == 0
    }
}

async fn reader(ctx: Arc<Ctx>, mut rng: Rng) {
    while ctx.running() {
        let roll = rng.below(100);
        if roll < 12 {
            ctx.get("page", "/", &[200]).await;
        } else if roll < 30 {
            let path = format!("/channel/{}", rng.pick(&CHANNELS));
            ctx.get("page", &path, &[200]).await;
        } else if roll < 80 {
            let article = if rng.chance(2) { rng.pick(&ctx.live) } else { rng.pick(&ctx.articles) };
            let mut path = format!("/article/{article}");
            let sort = ["", "new", "old", "hot"][rng.below(4) as usize];
            let page = rng.below(4);
            match (sort, page) {
                ("", 0) => {}
                ("", p) => path.push_str(&format!("?page={p}")),
                (s, 0) => path.push_str(&format!("?sort={s}")),
                (s, p) => path.push_str(&format!("?sort={s}&page={p}")),
            }
            // A page of comments past the last one is the 404 page.
            let ok: &[u16] = if page >= 2 { &[200, 404] } else { &[200] };
            ctx.get("page", &path, ok).await;
        } else if roll < 95 {
            let article = rng.pick(&ctx.live).to_string();
            let sort = ["new", "old", "hot"][rng.below(3) as usize];
            let page = rng.between(1, 3).to_string();
            let form = [("article_id", article.as_str()), ("sort", sort), ("page", page.as_str())];
            ctx.call("list", "/api/comments/list", &form, None, &[200]).await;
        } else if roll < 97 {
            ctx.get("page", "/sitemap.xml", &[200]).await;
        } else {
            ctx.get("page", "/article/99999999", &[404]).await;
        }
        ctx.pause(rng.between(25, 55)).await;
    }
}

async fn poster(ctx: Arc<Ctx>, mut rng: Rng, me: usize, cookie: String) {
    let mut seq = 0u64;
    let mut mine: Vec<i64> = Vec::new();
    // Spread the first posts out.
    ctx.pause(rng.between(0, POST_GAP_MS.1)).await;
    while ctx.running() {
        if !mine.is_empty() && rng.chance(20) {
            let id = mine.swap_remove(rng.below(mine.len() as u64) as usize);
            let form = [("comment_id", id.to_string())];
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            if let Some(r) = ctx.call("delete", "/api/comments/delete", &form, Some(&cookie), &[200]).await {
                if r.status == 200 {
                    if let Some(a) = ctx.acked.lock().unwrap().get_mut(&id) {
                        a.deleted = true;
                    }
                }
            }
        } else if rng.chance(50) {
            // An empty comment is refused, not stored.
            let form = [("article_id", "1"), ("body", "   ")];
            ctx.call("post_invalid", "/api/comments/post", &form, Some(&cookie), &[400]).await;
        } else {
            let article = if rng.below(10) < 6 { rng.pick(&ctx.live) } else { rng.pick(&ctx.articles) };
            let parent = if rng.below(10) < 3 {
                let ids = ctx.by_article.lock().unwrap();
                ids.get(&article)
                    .filter(|v| !v.is_empty())
                    .map(|v| v[v.len() - 1 - rng.below(v.len().min(50) as u64) as usize])
            } else {
                None
            };
            seq += 1;
            let body = format!("浸泡测试 {} 号读者第 {seq} 条评论 {}", me, ctx.run);
            let (a, p) = (article.to_string(), parent.map(|p| p.to_string()).unwrap_or_default());
            let form = [("article_id", a.as_str()), ("parent_id", p.as_str()), ("body", body.as_str())];
            if let Some(r) = ctx.call("post", "/api/comments/post", &form, Some(&cookie), &[200]).await {
                if r.status == 200 {
                    match serde_json::from_slice::<serde_json::Value>(&r.body).ok().and_then(|v| v["id"].as_i64()) {
                        Some(id) => {
                            ctx.remember(id, article, body.clone());
                            mine.push(id);
                        }
                        None => ctx.note(format!("post acknowledged without an id: {:?}", r.body)),
                    }
                    // The limit is still on: posting again at once gets 429.
                    if rng.chance(40) {
                        let body = format!("{body} 太快");
                        let form = [("article_id", a.as_str()), ("body", body.as_str())];
                        let r = ctx.call("post_too_soon", "/api/comments/post", &form, Some(&cookie), &[429]).await;
                        if let Some(r) = r.filter(|r| r.status == 200) {
                            if let Some(id) =
                                serde_json::from_slice::<serde_json::Value>(&r.body).ok().and_then(|v| v["id"].as_i64())
                            {
                                ctx.remember(id, article, body);
                            }
                        }
                    }
                }
            }
        }
        ctx.pause(rng.between(POST_GAP_MS.0, POST_GAP_MS.1)).await;
    }
}

async fn liker(ctx: Arc<Ctx>, mut rng: Rng, cookie: String, eager: bool) {
    // A like of a comment deleted meanwhile is refused with 409; an eager liker also gets 429.
    let (expect, gap): (&[u16], _) =
        if eager { (&[200, 409, 429], EAGER_LIKE_GAP_MS) } else { (&[200, 409], LIKE_GAP_MS) };
    // What this reader's likes should be; unknown after a request without an answer.
    let mut liked: HashMap<i64, bool> = HashMap::new();
    while ctx.running() {
        let target = {
            let ids = ctx.all_ids.lock().unwrap();
            (!ids.is_empty()).then(|| {
                // Mostly recent comments, as readers like what is new.
                let recent = ids.len().min(200) as u64;
                if rng.chance(3) {
                    ids[rng.below(ids.len() as u64) as usize]
                } else {
                    ids[ids.len() - 1 - rng.below(recent) as usize]
                }
            })
        };
        if let Some(id) = target {
            let form = [("comment_id", id.to_string())];
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            match ctx.call("like", "/api/comments/like", &form, Some(&cookie), expect).await {
                Some(r) if r.status == 200 => {
                    let now =
                        serde_json::from_slice::<serde_json::Value>(&r.body).ok().and_then(|v| v["liked"].as_bool());
                    let before = liked.get(&id).copied();
                    match (before, now) {
                        (_, None) => {
                            ctx.stats.like_mismatches.fetch_add(1, Relaxed);
                            ctx.note(format!("like of {id} answered without `liked`"));
                        }
                        (Some(b), Some(n)) if b == n => {
                            ctx.stats.like_mismatches.fetch_add(1, Relaxed);
                            ctx.note(format!("like of {id} did not toggle (still {n})"));
                        }
                        _ => {}
                    }
                    if let Some(n) = now {
                        liked.insert(id, n);
                    }
                }
                Some(r) => {
                    if r.status == 429 {
                        ctx.stats.likes_refused.fetch_add(1, Relaxed);
                    }
                }
                None => {
                    liked.remove(&id);
                }
            }
        }
        ctx.pause(rng.between(gap.0, gap.1)).await;
    }
}

/// Login, who-am-I, logout; now and then a wrong password, an unknown name, a new account.
async fn cycler(ctx: Arc<Ctx>, mut rng: Rng, name: String) {
    let mut cycle = 0u64;
    while ctx.running() {
        cycle += 1;
        let form = [("name", name.as_str()), ("password", PASSWORD), ("next", "/")];
        let cookie = ctx.call("login", "/api/auth/login", &form, None, &[200]).await.and_then(|r| r.cookie);
        if let Some(cookie) = cookie {
            if let Some(r) = ctx.call("me", "/api/auth/me", &[], Some(&cookie), &[200]).await {
                let who = serde_json::from_slice::<serde_json::Value>(&r.body).ok();
                if r.status == 200 && who.as_ref().and_then(|v| v["name"].as_str()) != Some(name.as_str()) {
                    *ctx.stats.unexpected.lock().unwrap().entry("me: wrong reader".into()).or_default() += 1;
                    ctx.note(format!("me after login as {name} answered {who:?}"));
                }
            }
            ctx.call("logout", "/api/auth/logout", &[("next", "/")], Some(&cookie), &[200]).await;
            if let Some(r) = ctx.call("me", "/api/auth/me", &[], Some(&cookie), &[200]).await {
                if r.status == 200 && &r.body[..] != b"null" {
                    *ctx.stats.unexpected.lock().unwrap().entry("me: session outlived logout".into()).or_default() += 1;
                    ctx.note(format!("me after logout answered {:?}", r.body));
                }
            }
        }
        if cycle.is_multiple_of(5) {
            let form = [("name", name.as_str()), ("password", "wrong-password-2021"), ("next", "/")];
            ctx.call("login_wrong", "/api/auth/login", &form, None, &[400, 429]).await;
        }
        if cycle.is_multiple_of(11) {
            let unknown = format!("nobody{}", rng.below(1_000_000));
            let form = [("name", unknown.as_str()), ("password", "wrong-password-2021"), ("next", "/")];
            ctx.call("login_wrong", "/api/auth/login", &form, None, &[400, 429]).await;
        }
        if cycle.is_multiple_of(40) {
            let fresh = format!("sk{}n{}", ctx.run, rng.below(1_000_000_000));
            ctx.register(&fresh).await;
        }
        ctx.pause(rng.between(500, 1500)).await;
    }
}

/// What a live subscriber received: each comment id and how often, and the last like count
/// of each comment.
#[derive(Default)]
struct Seen {
    created: HashMap<i64, u32>,
    likes: HashMap<i64, i64>,
}

type Received = Arc<Mutex<Seen>>;

/// Follows one article's live stream like a browser page: reconnects now and then (and when
/// the stream ends) with `Last-Event-ID`, so that it must still see every comment exactly once.
async fn subscriber(
    ctx: Arc<Ctx>,
    mut rng: Rng,
    article: i64,
    after: i64,
    got: Received,
    ready: tokio::sync::mpsc::Sender<()>,
) {
    let client = reqwest::Client::builder().connect_timeout(TIMEOUT).build().unwrap();
    let mut last = after;
    let mut ready = Some(ready);
    loop {
        let url = format!("{}/api/comments/stream?article_id={article}&after={last}", ctx.base);
        *ctx.stats.requests.lock().unwrap().entry("stream").or_default() += 1;
        let resp = match tokio::time::timeout(
            TIMEOUT,
            client.get(&url).header("last-event-id", last.to_string()).send(),
        )
        .await
        {
            Err(_) => {
                ctx.stats.hangs.fetch_add(1, Relaxed);
                ctx.note(format!("hang: stream of article {article} did not answer within {TIMEOUT:?}"));
                continue;
            }
            Ok(Err(e)) => {
                ctx.stats.transport.fetch_add(1, Relaxed);
                ctx.note(format!("transport error opening stream of article {article}: {e}"));
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
            Ok(Ok(r)) => r,
        };
        let status = resp.status().as_u16();
        *ctx.stats.statuses.lock().unwrap().entry(status).or_default() += 1;
        if status != 200 {
            if status >= 500 {
                ctx.stats.server_errors.fetch_add(1, Relaxed);
            } else {
                *ctx.stats.unexpected.lock().unwrap().entry(format!("stream {status}")).or_default() += 1;
            }
            ctx.note(format!("{status} opening stream of article {article}"));
            tokio::time::sleep(Duration::from_secs(1)).await;
            continue;
        }
        let churn_at = Instant::now() + Duration::from_secs(rng.between(60, 180));
        let mut stream = resp.bytes_stream();
        let mut buf = String::new();
        loop {
            match tokio::time::timeout(STREAM_STALL, stream.next()).await {
                Err(_) => {
                    ctx.stats.hangs.fetch_add(1, Relaxed);
                    ctx.note(format!(
                        "hang: stream of article {article} silent for {STREAM_STALL:?} after event {last}"
                    ));
                    break;
                }
                Ok(None) => {
                    ctx.stats.stream_ends.fetch_add(1, Relaxed);
                    ctx.note(format!("stream of article {article} ended by the server after event {last}"));
                    break;
                }
                Ok(Some(Err(e))) => {
                    ctx.stats.transport.fetch_add(1, Relaxed);
                    ctx.note(format!("transport error on stream of article {article}: {e}"));
                    break;
                }
                Ok(Some(Ok(chunk))) => {
                    if let Some(r) = ready.take() {
                        let _ = r.send(()).await;
                    }
                    buf.push_str(&String::from_utf8_lossy(&chunk));
                    while let Some(end) = buf.find("\n\n") {
                        let block: String = buf.drain(..end + 2).collect();
                        if let Some(id) = block.lines().find_map(|l| l.strip_prefix("id: ")?.trim().parse::<i64>().ok())
                        {
                            last = last.max(id);
                        }
                        let Some(data) = block.lines().find_map(|l| l.strip_prefix("data: ")) else { continue };
                        let Ok(v) = serde_json::from_str::<serde_json::Value>(data) else {
                            ctx.note(format!("stream of article {article} sent bad JSON: {data}"));
                            continue;
                        };
                        let mut seen = got.lock().unwrap();
                        if let Some(id) = v["change"]["Created"]["id"].as_i64() {
                            let n = seen.created.entry(id).or_default();
                            *n += 1;
                            if *n > 1 {
                                ctx.stats.duplicates.fetch_add(1, Relaxed);
                            }
                            if let Some(likes) = v["change"]["Created"]["likes"].as_i64() {
                                seen.likes.insert(id, likes);
                            }
                        }
                        let liked = &v["change"]["Liked"];
                        if let (Some(id), Some(likes)) = (liked["comment_id"].as_i64(), liked["likes"].as_i64()) {
                            seen.likes.insert(id, likes);
                        }
                    }
                }
            }
            if Instant::now() > churn_at && ctx.running() {
                break;
            }
        }
        ctx.stats.stream_reconnects.fetch_add(1, Relaxed);
    }
}

fn count(stats: &Mutex<BTreeMap<impl Ord + std::fmt::Display, u64>>) -> String {
    stats.lock().unwrap().iter().map(|(k, v)| format!("{k}:{v}")).collect::<Vec<_>>().join(",")
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let (Some(base), Some(secs)) = (args.get(1), args.get(2).and_then(|s| s.parse::<u64>().ok())) else {
        eprintln!("usage: soak BASE_URL SECONDS");
        return std::process::ExitCode::from(2);
    };
    let base = base.trim_end_matches('/').to_owned();
    let seed = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64;
    let run = format!("{:04x}", (seed >> 8) & 0xffff);
    let client = reqwest::Client::builder()
        .timeout(TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(64)
        .build()
        .unwrap();

    // The articles, from the sitemap; the first few get live subscribers and most comments.
    let sitemap = client.get(format!("{base}/sitemap.xml")).send().await.and_then(|r| r.error_for_status());
    let sitemap = match sitemap {
        Ok(r) => r.text().await.unwrap_or_default(),
        Err(e) => {
            eprintln!("soak: cannot read {base}/sitemap.xml: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    let mut articles: Vec<i64> =
        sitemap.split("/article/").skip(1).filter_map(|s| s.split('<').next()?.parse().ok()).collect();
    articles.sort_unstable();
    articles.dedup();
    if articles.len() < LIVE_ARTICLES {
        eprintln!("soak: the site lists {} articles, needs at least {LIVE_ARTICLES}", articles.len());
        return std::process::ExitCode::from(2);
    }
    let live: Vec<i64> = articles[..LIVE_ARTICLES].to_vec();
    let ctx = Arc::new(Ctx {
        base: base.clone(),
        client,
        stats: Stats::default(),
        deadline: Mutex::new(Instant::now() + Duration::from_secs(secs) + Duration::from_secs(60)),
        articles,
        live: live.clone(),
        acked: Mutex::default(),
        by_article: Mutex::default(),
        all_ids: Mutex::default(),
        run: run.clone(),
    });

    // Where each live article's log stands now, and its comments so far (to like and reply to).
    let mut starts = Vec::new();
    for &a in &live {
        let r = ctx.call("list", "/api/comments/list", &[("article_id", &a.to_string())], None, &[200]).await;
        let page = r.and_then(|r| serde_json::from_slice::<serde_json::Value>(&r.body).ok());
        let Some(page) = page else {
            eprintln!("soak: cannot list the comments of article {a}");
            return std::process::ExitCode::from(2);
        };
        starts.push(page["last_event_id"].as_i64().unwrap_or(0));
        for c in page["comments"].as_array().into_iter().flatten() {
            if let Some(id) = c["id"].as_i64() {
                ctx.by_article.lock().unwrap().entry(a).or_default().push(id);
                ctx.all_ids.lock().unwrap().push(id);
            }
        }
    }

    // Accounts (each registration hashes a password: ~20 ms).
    let mut cookies = Vec::new();
    for i in 0..POSTERS + LIKERS + EAGER_LIKERS + CYCLERS {
        match ctx.register(&format!("sk{run}u{i}")).await {
            Some(c) => cookies.push(c),
            None => {
                eprintln!("soak: registering account {i} failed (registration limit too low?)");
                return std::process::ExitCode::from(2);
            }
        }
    }

    // Live subscribers first, each connected before anything is posted.
    let received: Vec<(i64, Received)> =
        live.iter().flat_map(|&a| (0..SUBSCRIBERS_PER_ARTICLE).map(move |_| (a, Received::default()))).collect();
    let (ready_tx, mut ready_rx) = tokio::sync::mpsc::channel(received.len());
    let mut subscribers = Vec::new();
    for (i, (a, got)) in received.iter().enumerate() {
        let after = starts[live.iter().position(|x| x == a).unwrap()];
        let rng = Rng::new(seed ^ (1000 + i as u64));
        subscribers.push(tokio::spawn(subscriber(ctx.clone(), rng, *a, after, got.clone(), ready_tx.clone())));
    }
    drop(ready_tx);
    for _ in 0..received.len() {
        if tokio::time::timeout(TIMEOUT, ready_rx.recv()).await.ok().flatten().is_none() {
            eprintln!("soak: live subscribers did not all connect within {TIMEOUT:?}");
            return std::process::ExitCode::from(2);
        }
    }

    // The load itself, for `secs` from now.
    let started = Instant::now();
    *ctx.deadline.lock().unwrap() = started + Duration::from_secs(secs);
    println!(
        "soak: {secs} s against {base}: {READERS} readers, {POSTERS} posters, {LIKERS} likers (+{EAGER_LIKERS} \
         eager), {CYCLERS} login cycles, {} live subscribers on articles {live:?}",
        received.len()
    );
    let mut workers = Vec::new();
    let mut cookies = cookies.into_iter();
    for i in 0..READERS {
        workers.push(tokio::spawn(reader(ctx.clone(), Rng::new(seed ^ i as u64))));
    }
    for i in 0..POSTERS {
        let c = cookies.next().unwrap();
        workers.push(tokio::spawn(poster(ctx.clone(), Rng::new(seed ^ (100 + i as u64)), i, c)));
    }
    for i in 0..LIKERS + EAGER_LIKERS {
        let (rng, cookie) = (Rng::new(seed ^ (200 + i as u64)), cookies.next().unwrap());
        workers.push(tokio::spawn(liker(ctx.clone(), rng, cookie, i >= LIKERS)));
    }
    for i in 0..CYCLERS {
        let name = format!("sk{run}u{}", POSTERS + LIKERS + EAGER_LIKERS + i);
        workers.push(tokio::spawn(cycler(ctx.clone(), Rng::new(seed ^ (300 + i as u64)), name)));
    }
    let progress = {
        let ctx = ctx.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_secs(60)).await;
                let total: u64 = ctx.stats.requests.lock().unwrap().values().sum();
                println!(
                    "soak: {:>5} s  requests {total}  5xx {}  hangs {}  comments {}",
                    started.elapsed().as_secs(),
                    ctx.stats.server_errors.load(Relaxed),
                    ctx.stats.hangs.load(Relaxed),
                    ctx.acked.lock().unwrap().len()
                );
            }
        })
    };
    for w in workers {
        if let Err(e) = w.await {
            ctx.note(format!("a load task failed: {e}"));
            ctx.stats.transport.fetch_add(1, Relaxed);
        }
    }
    progress.abort();
    let elapsed = started.elapsed();

    // Grace period: every subscriber should have every comment of its article.
    let expected: HashMap<i64, HashSet<i64>> = {
        let acked = ctx.acked.lock().unwrap();
        let mut m: HashMap<i64, HashSet<i64>> = HashMap::new();
        for (id, a) in acked.iter() {
            m.entry(a.article).or_default().insert(*id);
        }
        m
    };
    let missed = || -> usize {
        received
            .iter()
            .map(|(a, got)| {
                let got = got.lock().unwrap();
                expected.get(a).map_or(0, |ids| ids.iter().filter(|id| !got.created.contains_key(id)).count())
            })
            .sum()
    };
    // Likes are announced about a second after the last one; give them three.
    let settle = Instant::now() + Duration::from_secs(3);
    let grace = Instant::now() + Duration::from_secs(15);
    while (missed() > 0 && Instant::now() < grace) || Instant::now() < settle {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let missed = missed();
    for s in subscribers {
        s.abort();
    }

    // Every acknowledged comment must be listed, deleted ones as deleted.
    let mut listed: HashMap<i64, (bool, String, i64)> = HashMap::new();
    // Comments some listed comment answers: a deleted one stays listed while it is answered.
    let mut answered: std::collections::HashSet<i64> = std::collections::HashSet::new();
    let mut threads: Vec<i64> = Vec::new();
    let articles: Vec<i64> = expected.keys().copied().collect();
    let mut list_failed = false;
    for a in articles {
        let mut page = 1;
        loop {
            let form = [("article_id", a.to_string()), ("sort", "old".to_owned()), ("page", page.to_string())];
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let r = ctx.call("check", "/api/comments/list", &form, None, &[200]).await;
            let Some(v) =
                r.filter(|r| r.status == 200).and_then(|r| serde_json::from_slice::<serde_json::Value>(&r.body).ok())
            else {
                list_failed = true;
                break;
            };
            for c in v["comments"].as_array().into_iter().flatten() {
                let (Some(id), deleted, body, Some(likes)) = (
                    c["id"].as_i64(),
                    c["deleted"].as_bool().unwrap_or(false),
                    c["body"].as_str(),
                    c["likes"].as_i64(),
                ) else {
                    continue;
                };
                listed.insert(id, (deleted, body.unwrap_or("").to_owned(), likes));
                answered.extend(c["parent_id"].as_i64());
                if c["parent_id"].is_null() && c["replies"].as_i64().unwrap_or(0) > 0 {
                    threads.push(id);
                }
            }
            if v["has_more"].as_bool() != Some(true) {
                break;
            }
            page += 1;
        }
    }
    // A page lists the first replies of each thread; the rest come from comments/replies.
    for root in threads {
        let mut after: Option<i64> = None;
        loop {
            let mut form = vec![("root_id", root.to_string())];
            form.extend(after.map(|a| ("after", a.to_string())));
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let r = ctx.call("check", "/api/comments/replies", &form, None, &[200]).await;
            let Some(v) =
                r.filter(|r| r.status == 200).and_then(|r| serde_json::from_slice::<serde_json::Value>(&r.body).ok())
            else {
                list_failed = true;
                break;
            };
            for c in v["replies"].as_array().into_iter().flatten() {
                let Some(id) = c["id"].as_i64() else { continue };
                let body = c["body"].as_str().unwrap_or("").to_owned();
                let likes = c["likes"].as_i64().unwrap_or(0);
                listed.insert(id, (c["deleted"].as_bool().unwrap_or(false), body, likes));
                answered.extend(c["parent_id"].as_i64());
                after = Some(id);
            }
            if v["has_more"].as_bool() != Some(true) {
                break;
            }
        }
    }
    let (mut lost, mut mismatched, mut deleted) = (0, 0, 0);
    {
        let acked = ctx.acked.lock().unwrap();
        for (id, a) in acked.iter() {
            deleted += a.deleted as usize;
            match listed.get(id) {
                // Deleted and answered by nothing listed: it has left the thread, as it should.
                None if a.deleted && !answered.contains(id) => {}
                None => {
                    lost += 1;
                    if lost <= 10 {
                        ctx.note(format!(
                            "lost: comment {id} on article {} was acknowledged but is not listed",
                            a.article
                        ));
                    }
                }
                Some((d, body, _)) => {
                    if *d != a.deleted || (!a.deleted && *body != a.body) {
                        mismatched += 1;
                        ctx.note(format!(
                            "comment {id}: listed deleted={d} body={body:?}, expected deleted={}",
                            a.deleted
                        ));
                    }
                }
            }
        }
    }
    // The last like count each subscriber saw of a comment is the count stored.
    let (mut like_counts_checked, mut like_counts_missed) = (0, 0);
    let deleted_ids: std::collections::HashSet<i64> =
        ctx.acked.lock().unwrap().iter().filter(|(_, a)| a.deleted).map(|(id, _)| *id).collect();
    for (_, got) in &received {
        for (id, seen) in got.lock().unwrap().likes.iter().filter(|(id, _)| !deleted_ids.contains(id)) {
            like_counts_checked += listed.contains_key(id) as usize;
            if let Some((_, _, stored)) = listed.get(id).filter(|(_, _, stored)| stored != seen) {
                like_counts_missed += 1;
                ctx.note(format!("comment {id}: {stored} likes listed, the live stream last said {seen}"));
            }
        }
    }
    let comments = ctx.acked.lock().unwrap().len();
    let stats = &ctx.stats;
    let total: u64 = stats.requests.lock().unwrap().values().sum();
    let unexpected: u64 = stats.unexpected.lock().unwrap().values().sum();
    let (s5, hangs, transport) =
        (stats.server_errors.load(Relaxed), stats.hangs.load(Relaxed), stats.transport.load(Relaxed));
    let like_mismatches = stats.like_mismatches.load(Relaxed);
    let errors: String = stats
        .statuses
        .lock()
        .unwrap()
        .iter()
        .filter(|(s, _)| **s >= 400)
        .map(|(s, n)| format!("{s}:{n}"))
        .collect::<Vec<_>>()
        .join(",");

    println!();
    println!("requests by kind     {}", count(&stats.requests));
    println!("responses by status  {}", count(&stats.statuses));
    println!("unexpected statuses  {}", if unexpected == 0 { "none".to_owned() } else { count(&stats.unexpected) });
    println!(
        "requests {total} in {:.0} s ({:.0}/s); 5xx {s5}; hangs {hangs}; transport errors {transport}",
        elapsed.as_secs_f64(),
        total as f64 / elapsed.as_secs_f64()
    );
    println!(
        "comments acknowledged {comments} (deleted {deleted}); lost {lost}; mismatched {mismatched}{}",
        if list_failed { "; LISTING FAILED" } else { "" }
    );
    println!(
        "live: {} subscribers, SSE events missed {missed} (comments) + {like_counts_missed} of \
         {like_counts_checked} like counts, duplicates {}, reconnects {}, ended by server {}",
        received.len(),
        stats.duplicates.load(Relaxed),
        stats.stream_reconnects.load(Relaxed),
        stats.stream_ends.load(Relaxed)
    );
    println!(
        "likes: state mismatches {like_mismatches}; refused by the per-minute limit (eager liker) {}",
        stats.likes_refused.load(Relaxed)
    );
    let missed = missed + like_counts_missed;
    let ok = s5 == 0
        && hangs == 0
        && transport == 0
        && unexpected == 0
        && lost == 0
        && mismatched == 0
        && missed == 0
        && like_mismatches == 0
        && !list_failed;
    println!(
        "RESULT requests={total} secs={:.0} 5xx={s5} hangs={hangs} transport={transport} unexpected={unexpected} \
         lost={} missed={missed} comments={comments} errors={} {}",
        elapsed.as_secs_f64(),
        lost + mismatched + list_failed as usize,
        if errors.is_empty() { "-" } else { &errors },
        if ok { "PASS" } else { "FAIL" }
    );
    if ok {
        std::process::ExitCode::SUCCESS
    } else {
        std::process::ExitCode::FAILURE
    }
}
