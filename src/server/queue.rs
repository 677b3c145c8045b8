//! Open moderation queue pages learn within a second that the queue changed, whichever process
//! changed it: a report, a held comment, a moderator's action. `/api/moderation/stream` sends
//! `event: queue` with the queue's version (`moderation_settings.queue_version`, moved in the
//! same transaction as each such change); the page reads the queue again when it moves.
//!
//! One watcher per process, running while a moderator listens: it reads the version once a
//! second, and at once when this process changed the queue (`poke`). SQLite and PostgreSQL
//! alike.

use super::{db, AppState};
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::sync::{watch, Notify};

pub struct QueueWatch {
    version: watch::Sender<i64>,
    poked: Notify,
    running: AtomicBool,
}

impl Default for QueueWatch {
    fn default() -> Self {
        Self { version: watch::Sender::new(-1), poked: Notify::new(), running: AtomicBool::new(false) }
    }
}

impl QueueWatch {
    /// The queue's version, kept current while the receiver lives.
    pub fn follow(&self, state: &AppState) -> watch::Receiver<i64> {
        let rx = self.version.subscribe();
        if self.running.compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire).is_ok() {
            tokio::spawn(run(state.clone()));
        }
        rx
    }

    /// This process changed the queue: read the version now rather than within a second.
    pub fn poke(&self) {
        self.poked.notify_one();
    }
}

async fn run(state: AppState) {
    let watch = &state.queue;
    let closed = state.hub.closed();
    tokio::pin!(closed);
    loop {
        if watch.version.receiver_count() == 0 {
            watch.running.store(false, Ordering::Release);
            // A listener that came meanwhile found the watcher running: carry on for it.
            if watch.version.receiver_count() == 0
                || watch.running.compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire).is_err()
            {
                return;
            }
        }
        match db::moderation::queue_version(&state.pool).await {
            Ok(v) => {
                watch.version.send_if_modified(|old| std::mem::replace(old, v) != v);
            }
            Err(e) => tracing::warn!(error = %e, "open queue pages not told of changes: the version could not be read"),
        }
        tokio::select! {
            _ = &mut closed => break,
            _ = watch.poked.notified() => {}
            _ = tokio::time::sleep(std::time::Duration::from_secs(1)) => {}
        }
    }
    watch.running.store(false, Ordering::Release);
}
