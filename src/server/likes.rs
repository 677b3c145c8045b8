//! 点赞 announcements, coalesced per comment.
//!
//! A like is stored at once, in its own transaction (`api::comments::like_comment`), and the
//! reader who clicked gets the new count in the answer. What everyone else sees — a `liked`
//! event in `comment_events`, a live message, and a fresh guest page (the hub's count, which
//! `page_cache` compares) — follows `SETTLE` after the first like of a comment: one event with
//! the count at that moment, and only if it differs from the count last announced. Likes and
//! likes taken back in between cost one event at most, and a like taken back within the second
//! costs none.
//!
//! The announcement is a write transaction like every other change, numbered in the article's
//! log (`db::comments::record_event`). The count it announces is read in that transaction
//! with the comment's row locked (`db::comments::like_count`), so it includes every like whose
//! transaction registered here before: likes register while their transaction still holds
//! that row (SQLite: the database's write lock), and the read waits for them to commit.
//!
//! At shutdown `flush_all` announces what is pending once requests have finished (see
//! `server::cli`). If the process dies instead, a pending announcement is lost; the likes
//! themselves are stored, so every page and every reconnecting stream has the right count
//! anyway — only streams that stayed open miss that one change.

use super::{db, time, AppState};
use crate::model::{ArticleId, Change, CommentId, LiveEvent};
use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

/// How long likes of a comment are gathered before they are announced.
pub const SETTLE: Duration = Duration::from_secs(1);

/// Announcements that failed this many times in a row are given up (the log says so).
const MAX_FAILURES: u32 = 5;

#[derive(Default)]
pub struct Likes {
    pending: Mutex<HashMap<CommentId, Pending>>,
}

struct Pending {
    article: ArticleId,
    /// The count readers last saw announced (or on the page).
    announced: i64,
    /// Liked or unliked since the last announcement was prepared.
    dirty: bool,
    /// An announcement is being written now.
    writing: bool,
    failures: u32,
}

enum Step {
    /// Nothing left to announce for this comment.
    Done,
    /// Changed again meanwhile (or busy, or failed): another round after `SETTLE`.
    Again,
}

impl Likes {
    /// Notes a like or a like taken back. Called inside the like's write transaction, before it
    /// commits; `before` is the comment's count as that transaction found it.
    pub fn changed(&self, state: &AppState, comment: CommentId, article: ArticleId, before: i64) {
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        match pending.entry(comment) {
            Entry::Occupied(mut e) => e.get_mut().dirty = true,
            Entry::Vacant(e) => {
                e.insert(Pending { article, announced: before, dirty: true, writing: false, failures: 0 });
                let state = state.clone();
                tokio::spawn(async move {
                    loop {
                        tokio::time::sleep(SETTLE).await;
                        if let Step::Done = announce(&state, comment).await {
                            return;
                        }
                    }
                });
            }
        }
    }

    /// Comments with an announcement still to come.
    pub fn pending(&self) -> usize {
        self.pending.lock().unwrap_or_else(|e| e.into_inner()).len()
    }
}

/// Announces every pending change now (at shutdown, once no request is running).
pub async fn flush_all(state: &AppState) {
    for _ in 0..200 {
        let ids: Vec<CommentId> =
            state.likes.pending.lock().unwrap_or_else(|e| e.into_inner()).keys().copied().collect();
        if ids.is_empty() {
            return;
        }
        for id in ids {
            announce(state, id).await;
        }
        if state.likes.pending() > 0 {
            // One is being written by its own task, or failed: give it a moment.
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
    tracing::warn!(pending = state.likes.pending(), "like announcements not written at shutdown");
}

/// One round for one comment: announce its count if it differs from the last announced.
async fn announce(state: &AppState, comment: CommentId) -> Step {
    let (article, announced) = {
        let mut pending = state.likes.pending.lock().unwrap_or_else(|e| e.into_inner());
        match pending.get_mut(&comment) {
            None => return Step::Done,
            Some(p) if p.writing => return Step::Again,
            Some(p) => {
                p.writing = true;
                p.dirty = false;
                (p.article, p.announced)
            }
        }
    };
    let result = write(state, comment, article, announced).await;
    let mut pending = state.likes.pending.lock().unwrap_or_else(|e| e.into_inner());
    let Some(p) = pending.get_mut(&comment) else { return Step::Done };
    p.writing = false;
    match result {
        Ok(likes) => {
            p.announced = likes;
            p.failures = 0;
            if p.dirty {
                return Step::Again;
            }
        }
        Err(e) => {
            p.failures += 1;
            if p.failures < MAX_FAILURES {
                tracing::warn!(error = %e, comment = comment.0, "like announcement failed; trying again");
                return Step::Again;
            }
            tracing::error!(error = %e, comment = comment.0, "like announcement given up (the count is stored)");
        }
    }
    pending.remove(&comment);
    Step::Done
}

/// Writes and publishes a `liked` event if the count is not `announced`; returns the count.
async fn write(state: &AppState, comment: CommentId, article: ArticleId, announced: i64) -> Result<i64, sqlx::Error> {
    // The count's read waits for any like transaction that registered before this round began.
    let mut tx = state.pool.begin_write().await?;
    let likes = db::comments::like_count(&mut tx, comment).await?;
    if likes == announced {
        drop(tx);
        // Nothing to announce, but a guest page rendered in between, here or by another
        // process, may show the passing state: pages are rendered again (no event, no live
        // message).
        state.hub.invalidate_pages();
        state.pool.pages_changed().await?;
        return Ok(likes);
    }
    let (event_id, comment_count) =
        db::comments::record_change(&mut tx, article, "liked", comment, time::now_unix(), 0).await?;
    tx.commit().await?;
    state.hub.publish(LiveEvent {
        id: event_id,
        article_id: article,
        comment_count,
        change: Change::Liked { comment_id: comment, likes },
    });
    Ok(likes)
}
