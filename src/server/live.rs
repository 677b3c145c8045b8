//! Fan-out of comment changes to the readers who have an article open.
//!
//! A change is written to `comment_events` in the transaction that makes it, numbered in its
//! article's log in commit order; after the commit it is published here. A stream first
//! subscribes, then replays the log after the reader's last event number, then follows the
//! broadcast, skipping what the replay already sent: nothing is missed between the two and
//! nothing is sent twice. A stream that falls behind the broadcast buffer, or is handed a
//! number past the next one (changes may be published out of commit order), catches up from
//! the log (`routes::live_events`).

use super::request::ClientKey;
use crate::model::{ArticleId, LiveEvent};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::{broadcast, watch};

/// Changes buffered per article for slow readers before they fall back to the log.
const BUFFER: usize = 256;

#[derive(Clone)]
pub struct Hub {
    channels: Arc<Mutex<HashMap<ArticleId, broadcast::Sender<Arc<LiveEvent>>>>>,
    streams_by_ip: Arc<Mutex<HashMap<ClientKey, usize>>>,
    closing: watch::Sender<bool>,
    /// Changes published so far: a page rendered before the last one may be out of date.
    published: Arc<AtomicU64>,
}

impl Default for Hub {
    fn default() -> Self {
        Hub {
            channels: Arc::default(),
            streams_by_ip: Arc::default(),
            closing: watch::channel(false).0,
            published: Arc::default(),
        }
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

    pub fn subscribe(&self, article: ArticleId) -> broadcast::Receiver<Arc<LiveEvent>> {
        let mut channels = self.channels.lock().unwrap_or_else(|e| e.into_inner());
        // Forget channels nobody listens to any more.
        channels.retain(|_, tx| tx.receiver_count() > 0);
        channels.entry(article).or_insert_with(|| broadcast::channel(BUFFER).0).subscribe()
    }

    /// Sends a committed change to everyone watching its article.
    pub fn publish(&self, event: LiveEvent) {
        self.published.fetch_add(1, Ordering::AcqRel);
        let channels = self.channels.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(tx) = channels.get(&event.article_id) {
            let _ = tx.send(Arc::new(event));
        }
    }

    /// Makes every rendered page stale without sending a change: for a state that was visible
    /// for a moment and is gone again (a like taken back before it was announced,
    /// `server::likes`), which a page rendered meanwhile may show.
    pub fn invalidate_pages(&self) {
        self.published.fetch_add(1, Ordering::AcqRel);
    }

    /// How many changes have been published: it grows with every committed comment change.
    pub fn version(&self) -> u64 {
        self.published.load(Ordering::Acquire)
    }

    /// Readers watching an article now.
    pub fn watchers(&self, article: ArticleId) -> usize {
        let channels = self.channels.lock().unwrap_or_else(|e| e.into_inner());
        channels.get(&article).map_or(0, |tx| tx.receiver_count())
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::request::client_key;

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
}
