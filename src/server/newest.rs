//! Open pages learn of the newsroom's work within a second, whichever process did it: a front
//! or channel page hears the newest published articles' ids (`/api/articles/stream`, `event:
//! articles`) and shows "N 篇新文章"; an article page hears on its comment stream (`event:
//! article`) that its article was corrected or withdrawn.
//!
//! One watcher per process, running while anyone listens: once a second it reads the
//! `articles_changed` stamp that every publication, correction, withdrawal, figure change and
//! import touches (`cli::articles_changed`, `jinri import`) in the shared database, and when
//! the stamp moved it reads the newest ids of the site and of each channel, and the articles
//! changed since its last look. SQLite and PostgreSQL alike, no notification needed.

use super::{db, time, AppState};
use crate::model::{ArticleNotice, CHANNELS};
use axum::body::Bytes;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use tokio::sync::{broadcast, watch};

/// How many of the newest ids a list page is sent (it shows 10 a page).
pub const NEWEST: i64 = 30;

/// The scopes' frames: `""` for the whole site, else a channel's slug.
pub type Frames = Arc<HashMap<&'static str, Bytes>>;

/// Changed articles with the frame their open pages are sent.
pub type Changes = Arc<Vec<(i64, Bytes)>>;

pub struct ArticleWatch {
    newest: watch::Sender<Frames>,
    changed: broadcast::Sender<Changes>,
    running: AtomicBool,
}

impl Default for ArticleWatch {
    fn default() -> Self {
        Self {
            newest: watch::Sender::new(Frames::default()),
            changed: broadcast::channel(64).0,
            running: AtomicBool::new(false),
        }
    }
}

impl ArticleWatch {
    /// The newest ids of every scope, kept current while the receiver lives.
    pub fn newest(&self, state: &AppState) -> watch::Receiver<Frames> {
        let rx = self.newest.subscribe();
        self.ensure_running(state);
        rx
    }

    /// Articles as they change, while the receiver lives.
    pub fn changed(&self, state: &AppState) -> broadcast::Receiver<Changes> {
        let rx = self.changed.subscribe();
        self.ensure_running(state);
        rx
    }

    fn listeners(&self) -> usize {
        self.newest.receiver_count() + self.changed.receiver_count()
    }

    /// Starts the watcher unless it runs. Called after subscribing: either the watcher, about
    /// to stop, sees this listener and carries on, or this sees it stopped and starts one.
    fn ensure_running(&self, state: &AppState) {
        if self.running.compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire).is_ok() {
            tokio::spawn(run(state.clone()));
        }
    }
}

/// The watcher: until the site shuts down or nobody listens.
async fn run(state: AppState) {
    let watch = &state.articles;
    let closed = state.hub.closed();
    tokio::pin!(closed);
    let mut stamp: Option<String> = None;
    // The first look reports changes from a little before the watcher started too: a stream
    // that subscribed and then read its article (`routes::comment_stream`) may have read it
    // just before a change the first look takes for its starting point.
    let mut since = time::now_unix() - 5;
    let mut first = true;
    let mut at_once = true;
    loop {
        if !std::mem::take(&mut at_once) {
            tokio::select! {
                _ = &mut closed => break,
                _ = tokio::time::sleep(std::time::Duration::from_secs(1)) => {}
            }
        }
        if watch.listeners() == 0 {
            watch.running.store(false, Ordering::Release);
            // A listener that came meanwhile found the watcher running: carry on for it.
            if watch.listeners() == 0
                || watch.running.compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire).is_err()
            {
                return;
            }
        }
        let now = time::now_unix();
        let current = match db::facts::all(&state.pool).await {
            Ok(facts) => facts.get(db::facts::ARTICLES_CHANGED).cloned(),
            Err(e) => {
                tracing::warn!(error = %e, "open pages not told of article changes: the stamp could not be read");
                continue;
            }
        };
        if !first && current == stamp {
            continue;
        }
        match look(&state, since).await {
            Ok(()) => {
                stamp = current;
                // Changes are looked for again a little before the last look: clocks of
                // processes on several machines differ, and a page ignores what it has.
                since = now - 5;
                first = false;
            }
            Err(e) => tracing::warn!(error = %e, "open pages not told of article changes"),
        }
    }
    watch.running.store(false, Ordering::Release);
}

/// The SSE frame (`event: article`) telling an open article page its state and when it last
/// changed.
pub fn notice_frame(state: String, updated: i64) -> Bytes {
    let data = serde_json::to_string(&ArticleNotice { state, updated }).unwrap_or_default();
    Bytes::from(format!("event: article\ndata: {data}\n\n"))
}

/// Reads the newest ids of every scope and the articles changed since `since`, and sends them
/// on.
async fn look(state: &AppState, since: i64) -> Result<(), sqlx::Error> {
    let mut frames = HashMap::new();
    for scope in std::iter::once(None).chain(CHANNELS.iter().map(|c| Some(c.slug))) {
        let ids = db::articles::newest_ids(&state.pool, scope, NEWEST).await?;
        let data = serde_json::to_string(&ids).unwrap_or_default();
        frames.insert(scope.unwrap_or(""), Bytes::from(format!("event: articles\ndata: {data}\n\n")));
    }
    state.articles.newest.send_if_modified(|old| {
        let changed = **old != frames;
        if changed {
            *old = Arc::new(frames);
        }
        changed
    });
    let changed = db::articles::changed_since(&state.pool, since).await?;
    if !changed.is_empty() {
        let frames = changed.into_iter().map(|(id, state, updated)| (id, notice_frame(state, updated))).collect();
        let _ = state.articles.changed.send(Arc::new(frames));
    }
    Ok(())
}
