//! Fan-out of comment changes to the readers who have an article open.
//!
//! A change is written to `comment_events` in the transaction that makes it, numbered in its
//! article's log in commit order; after the commit it is published here. A stream first
//! subscribes, then replays the log after the reader's last event number, then follows the
//! broadcast, skipping what the replay already sent: nothing is missed between the two and
//! nothing is sent twice. A stream that falls behind the broadcast buffer, or is handed a
//! number past the next one (changes may be published out of commit order), catches up from
//! the log (`routes::live_events`).
//!
//! On PostgreSQL several processes write: `relay` hears through the database's notifications of
//! the events the others commit and publishes them from the log (a notification lost while the
//! listener reconnects is made up from the log, and a sweep every few seconds is the backstop).

use super::request::ClientKey;
use super::{db, AppState};
use crate::model::{ArticleId, Change, LiveEvent};
use axum::body::Bytes;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::{broadcast, watch, Semaphore, SemaphorePermit};

/// Changes buffered per article for slow readers before they fall back to the log.
const BUFFER: usize = 256;

/// A change as the hub hands it to the streams watching its article: the event, and its
/// Server-Sent Events frame written once. Ten thousand streams send the same bytes (a reference
/// count each) instead of each writing the comment out as JSON again.
pub struct Published {
    pub event: LiveEvent,
    pub frame: Bytes,
}

/// An event as one Server-Sent Events frame: `id`, `event: comment` and the JSON on one `data`
/// line (compact JSON has no line breaks: they are escaped inside strings).
pub fn sse_frame(event: &LiveEvent) -> Bytes {
    let data = serde_json::to_string(event).unwrap_or_default();
    Bytes::from(format!("id: {}\nevent: comment\ndata: {data}\n\n", event.id))
}

/// The broadcast of one watched article.
struct Channel {
    tx: broadcast::Sender<Arc<Published>>,
    /// The highest event number published to it (0: none since it was made).
    last: i64,
}

#[derive(Clone)]
pub struct Hub {
    channels: Arc<Mutex<HashMap<ArticleId, Channel>>>,
    streams_by_ip: Arc<Mutex<HashMap<ClientKey, usize>>>,
    closing: watch::Sender<bool>,
    /// Changes published so far: a page rendered before the last one may be out of date.
    published: Arc<AtomicU64>,
    /// Changes published so far that moved an article's comment count (new, deleted, hidden and
    /// restored comments): lists show those counts and 热门 follows them; likes leave them alone.
    counted: Arc<AtomicU64>,
    /// Per article, changes published so far (`article_version`).
    per_article: Arc<Mutex<HashMap<ArticleId, u64>>>,
    /// Bumped when any page may be stale (`invalidate_pages`).
    epoch: Arc<AtomicU64>,
    /// Streams reading the log at once (`log_reader`).
    log_readers: Arc<Semaphore>,
}

impl Default for Hub {
    fn default() -> Self {
        Hub::new(4)
    }
}

/// Counts an open stream against its client until dropped.
pub struct StreamSlot {
    hub: Hub,
    client: ClientKey,
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        let mut counts = self.hub.streams_by_ip.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = counts.get_mut(&self.client) {
            *n -= 1;
            if *n == 0 {
                counts.remove(&self.client);
            }
        }
    }
}

impl Hub {
    /// A hub whose streams read the log at most `log_readers` at a time.
    pub fn new(log_readers: usize) -> Self {
        Hub {
            channels: Arc::default(),
            streams_by_ip: Arc::default(),
            closing: watch::channel(false).0,
            published: Arc::default(),
            counted: Arc::default(),
            per_article: Arc::default(),
            epoch: Arc::default(),
            log_readers: Arc::new(Semaphore::new(log_readers.max(1))),
        }
    }

    /// Waits for one of the places to read the log from. Streams that resume all at once
    /// (after a restart every open page reconnects) read it a few at a time, so they never
    /// hold the whole pool, and pages and posts are served meanwhile.
    pub async fn log_reader(&self) -> Option<SemaphorePermit<'_>> {
        self.log_readers.acquire().await.ok()
    }

    /// Takes one of the `max` streams a client (`request::client_key`) may hold, or `None` if
    /// it holds them all.
    pub fn take_stream_slot(&self, client: ClientKey, max: usize) -> Option<StreamSlot> {
        let mut counts = self.streams_by_ip.lock().unwrap_or_else(|e| e.into_inner());
        let n = counts.entry(client).or_insert(0);
        if *n >= max {
            return None;
        }
        *n += 1;
        Some(StreamSlot { hub: self.clone(), client })
    }

    pub fn subscribe(&self, article: ArticleId) -> broadcast::Receiver<Arc<Published>> {
        let mut channels = self.channels.lock().unwrap_or_else(|e| e.into_inner());
        // Forget channels nobody listens to any more.
        channels.retain(|_, ch| ch.tx.receiver_count() > 0);
        channels.entry(article).or_insert_with(|| Channel { tx: broadcast::channel(BUFFER).0, last: 0 }).tx.subscribe()
    }

    /// Sends a committed change to everyone watching its article.
    pub fn publish(&self, event: LiveEvent) {
        // Page versions move before the change is sent, so a page rendered after a reader saw
        // it is never stored under the version before it.
        *self.per_article.lock().unwrap_or_else(|e| e.into_inner()).entry(event.article_id).or_insert(0) += 1;
        // Hiding and restoring move the count too.
        if matches!(
            event.change,
            Change::Created(_) | Change::Deleted(_) | Change::Hidden(_) | Change::Restored(_) | Change::Reset
        ) {
            self.counted.fetch_add(1, Ordering::AcqRel);
        }
        self.published.fetch_add(1, Ordering::AcqRel);
        let mut channels = self.channels.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(ch) = channels.get_mut(&event.article_id) {
            ch.last = ch.last.max(event.id);
            if ch.tx.receiver_count() > 0 {
                let frame = sse_frame(&event);
                let _ = ch.tx.send(Arc::new(Published { event, frame }));
            }
        }
    }

    /// The articles someone watches, each with the highest event number published to it.
    fn watched(&self) -> Vec<(ArticleId, i64)> {
        let channels = self.channels.lock().unwrap_or_else(|e| e.into_inner());
        channels.iter().filter(|(_, ch)| ch.tx.receiver_count() > 0).map(|(a, ch)| (*a, ch.last)).collect()
    }

    /// The highest event number published to a watched article (`None`: nobody watches it).
    fn published_to(&self, article: ArticleId) -> Option<i64> {
        let channels = self.channels.lock().unwrap_or_else(|e| e.into_inner());
        channels.get(&article).filter(|ch| ch.tx.receiver_count() > 0).map(|ch| ch.last)
    }

    /// Makes every rendered page stale without sending a change: for a state that was visible
    /// for a moment and is gone again (a like taken back before it was announced,
    /// `server::likes`), which a page rendered meanwhile may show.
    pub fn invalidate_pages(&self) {
        self.epoch.fetch_add(1, Ordering::AcqRel);
    }

    /// How many changes have been published: it grows with every committed comment change.
    pub fn version(&self) -> u64 {
        self.published.load(Ordering::Acquire)
    }

    /// How many published changes moved a comment count (new and deleted comments).
    pub fn counted_version(&self) -> u64 {
        self.counted.load(Ordering::Acquire)
    }

    /// How many changes have been published to one article.
    pub fn article_version(&self, article: ArticleId) -> u64 {
        self.per_article.lock().unwrap_or_else(|e| e.into_inner()).get(&article).copied().unwrap_or(0)
    }

    /// Grows whenever every page may be stale (`invalidate_pages`).
    pub fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::Acquire)
    }

    /// Readers watching an article now.
    pub fn watchers(&self, article: ArticleId) -> usize {
        let channels = self.channels.lock().unwrap_or_else(|e| e.into_inner());
        channels.get(&article).map_or(0, |ch| ch.tx.receiver_count())
    }

    /// Ends every stream (at shutdown), so clients reconnect to the next server.
    pub fn close(&self) {
        let _ = self.closing.send(true);
    }

    /// Resolves when the hub is closing.
    pub fn closed(&self) -> impl std::future::Future<Output = ()> + Send + 'static {
        let mut rx = self.closing.subscribe();
        async move {
            let _ = rx.wait_for(|closing| *closing).await;
        }
    }
}

/// How often `relay` compares every watched article's log with what it has published.
const SWEEP: std::time::Duration = std::time::Duration::from_secs(5);

/// Events one catch-up reads per article; a stream further behind reads the rest itself.
const CATCH_UP: i64 = 500;

/// Publishes the events other processes commit (PostgreSQL, `db::Notices`), until the hub
/// closes. A notice for an article nobody here watches only makes guest pages stale; for a
/// watched one, the events after the last one published here are read from the log and
/// published. After a lost notification, and every `SWEEP`, every watched article catches up.
pub async fn relay(state: AppState, mut notices: db::Notices) {
    let closed = state.hub.closed();
    tokio::pin!(closed);
    let mut sweep = tokio::time::interval(SWEEP);
    sweep.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        // Per article, the lowest and the highest event number heard in this round.
        let mut heard: HashMap<ArticleId, (i64, i64)> = HashMap::new();
        // Notifications may have been missed: any page may be stale.
        let mut lost = false;
        // Another process made rendered pages stale without an event.
        let mut pages = false;
        let mut note = |n: db::Notice| match n {
            db::Notice::Event(article, seq) => {
                let (low, high) = heard.entry(article).or_insert((seq, seq));
                (*low, *high) = ((*low).min(seq), (*high).max(seq));
            }
            db::Notice::Lost => lost = true,
            db::Notice::PagesChanged => pages = true,
        };
        let swept = tokio::select! {
            _ = &mut closed => return,
            n = notices.recv() => match n {
                Some(n) => {
                    note(n);
                    false
                }
                None => return,
            },
            _ = sweep.tick() => true,
        };
        // Whatever else has arrived is handled in the same round.
        while let Ok(n) = notices.try_recv() {
            note(n);
        }
        let everything = swept || lost;
        let mut stale = false;
        for (&article, &(low, high)) in &heard {
            match state.hub.published_to(article) {
                Some(last) => {
                    if let Some(after) = read_after(last, low, high) {
                        stale |= catch_up(&state, article, after).await;
                    }
                }
                // Nobody watches it here; a page of it may be cached.
                None => stale = true,
            }
        }
        if everything {
            for (article, last) in state.hub.watched() {
                match db::comments::last_event_id(&state.pool, article).await {
                    Ok(newest) if newest > last => {
                        // Since nothing was published here, streams have read the log up to
                        // their start: the newest event is enough to send those behind back to it.
                        let from = if last > 0 { last.max(newest - CATCH_UP) } else { newest - 1 };
                        stale |= catch_up(&state, article, from).await;
                    }
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, article = article.0, "live catch-up failed"),
                }
            }
        }
        if stale || lost || pages {
            state.hub.invalidate_pages();
        }
    }
}

/// Where to read a watched article's log from, when events `low..=high` were heard of and
/// `last` is the highest published here (0: none since the article was first watched):
/// `None` when all of them were published already (this process made them, or heard of them
/// before); else after `last`, or, with nothing published yet, from the first one heard (its
/// streams read the log up to their start themselves).
fn read_after(last: i64, low: i64, high: i64) -> Option<i64> {
    match last {
        _ if last >= high => None,
        0 => Some(low - 1),
        _ => Some(last),
    }
}

/// Publishes the article's logged events after `after`; whether there were any.
async fn catch_up(state: &AppState, article: ArticleId, after: i64) -> bool {
    let tz = state.config.site.timezone;
    match db::comments::events_since(&state.pool, tz, article, after, CATCH_UP).await {
        Ok(replay) => {
            let any = replay.read > 0;
            for ev in replay.events {
                state.hub.publish(ev);
            }
            any
        }
        Err(e) => {
            tracing::warn!(error = %e, article = article.0, "live catch-up failed");
            // Streams that see the next event catch up from the log themselves.
            true
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::request::client_key;

    #[test]
    fn a_relay_reads_only_what_was_not_published_here() {
        assert_eq!(read_after(7, 5, 7), None, "made here");
        assert_eq!(read_after(5, 5, 6), Some(5), "one made here, the next one elsewhere");
        assert_eq!(read_after(3, 6, 9), Some(3), "whatever came between is read too");
        assert_eq!(read_after(0, 6, 9), Some(5), "nothing published yet: from the first heard");
    }

    #[test]
    fn live_streams_from_one_ipv6_64_count_against_one_limit() {
        let hub = Hub::default();
        let client = |ip: &str| client_key(ip.parse().unwrap(), 64);
        let first = hub.take_stream_slot(client("2001:db8:0:1::1"), 2).expect("first stream");
        let _second = hub.take_stream_slot(client("2001:db8:0:1::2"), 2).expect("second stream");
        assert!(hub.take_stream_slot(client("2001:db8:0:1:ffff::9"), 2).is_none(), "the /64 holds two");
        assert!(hub.take_stream_slot(client("2001:db8:0:2::1"), 2).is_some(), "another /64 is another client");
        drop(first);
        assert!(hub.take_stream_slot(client("2001:db8:0:1::3"), 2).is_some(), "a closed stream frees its place");
    }

    #[test]
    fn an_event_is_one_frame_whose_data_is_one_line_whatever_the_comment_holds() {
        let comment = crate::model::Comment {
            id: crate::model::CommentId(9),
            article_id: ArticleId(3),
            parent_id: None,
            root_id: None,
            reply_to: None,
            replies: 0,
            author: crate::model::PublicUser { id: crate::model::UserId(1), name: "读者".into() },
            body: "第一行\n\ndata: 假的\r\nid: 99\n\n".into(),
            created_at: 0,
            created: String::new(),
            created_iso: String::new(),
            likes: 0,
            deleted: false,
            liked: false,
            hidden: false,
            review: None,
            pinned: false,
        };
        let event = LiveEvent { id: 42, article_id: ArticleId(3), comment_count: 1, change: Change::Created(comment) };
        let frame = sse_frame(&event);
        let text = std::str::from_utf8(&frame).unwrap();
        assert!(text.ends_with("\n\n"));
        let lines: Vec<&str> = text.trim_end_matches('\n').split('\n').collect();
        assert_eq!(lines.len(), 3, "{text}");
        assert_eq!(lines[0], "id: 42");
        assert_eq!(lines[1], "event: comment");
        assert!(!text.contains('\r'));
        let data = lines[2].strip_prefix("data: ").unwrap();
        assert_eq!(serde_json::from_str::<LiveEvent>(data).unwrap(), event, "the browser reads back the same event");
    }
}
