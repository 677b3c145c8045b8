//! Word that an article's event log has grown, from any server process on the same PostgreSQL
//! database (LISTEN/NOTIFY). A notice only says "there is more": the log stays the truth, and
//! whoever hears one reads the log. Notifications sent while the listening connection is down
//! are lost, so after every (re)connection the listener says `Lost`, and the reader catches up
//! from the log for everything it follows.
//!
//! SQLite has no notices: one process writes and publishes its own changes.

use super::{Db, NOTIFY_CHANNEL};
use crate::model::ArticleId;
use sqlx::postgres::PgListener;
use sqlx::PgPool;
use std::time::Duration;
use tokio::sync::mpsc;

/// What the listener has heard.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Notice {
    /// Event `seq` of the article's log was committed.
    Event(ArticleId, i64),
    /// Notifications may have been missed (the listener has just (re)connected): catch up from
    /// the log.
    Lost,
}

/// Notices arrive here; see `Db::notices`.
pub type Notices = mpsc::Receiver<Notice>;

/// How long the listener waits before it connects again after a failure.
const RETRY: Duration = Duration::from_secs(1);

/// Notices queued for a reader that is busy reading the log.
const QUEUE: usize = 4096;

impl Db {
    /// On PostgreSQL, a task that listens for committed events of every process (this one
    /// included) and forwards them; it ends when the receiver is dropped. `None` on SQLite.
    pub fn notices(&self) -> Option<Notices> {
        let Db::Pg(pool) = self else { return None };
        let (tx, rx) = mpsc::channel(QUEUE);
        tokio::spawn(listen(pool.clone(), tx));
        Some(rx)
    }
}

async fn listen(pool: PgPool, tx: mpsc::Sender<Notice>) {
    loop {
        let mut listener = match connect(&pool).await {
            Ok(l) => l,
            Err(e) => {
                if pool.is_closed() {
                    return;
                }
                tracing::warn!(error = %e, "event listener cannot connect; trying again");
                tokio::select! {
                    _ = tx.closed() => return,
                    _ = tokio::time::sleep(RETRY) => continue,
                }
            }
        };
        // Listening again: whatever was committed meanwhile is read from the log.
        if tx.send(Notice::Lost).await.is_err() {
            return;
        }
        loop {
            let received = tokio::select! {
                _ = tx.closed() => return,
                r = listener.try_recv() => r,
            };
            let notice = match received {
                Ok(Some(n)) => match parse(n.payload()) {
                    Some(notice) => notice,
                    None => {
                        tracing::warn!(payload = n.payload(), "event notification not understood");
                        continue;
                    }
                },
                // The connection dropped and the listener has listened again on a new one.
                Ok(None) => {
                    tracing::warn!("event listener reconnected; catching up from the log");
                    Notice::Lost
                }
                Err(e) => {
                    if pool.is_closed() {
                        return;
                    }
                    // No `Ok(None)` follows an error: a new listener is built.
                    tracing::warn!(error = %e, "event listener failed; listening again");
                    break;
                }
            };
            if tx.send(notice).await.is_err() {
                return;
            }
        }
    }
}

async fn connect(pool: &PgPool) -> Result<PgListener, sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(NOTIFY_CHANNEL).await?;
    Ok(listener)
}

/// `"article:seq"`, as `comments::record_event` sends it.
fn parse(payload: &str) -> Option<Notice> {
    let (article, seq) = payload.split_once(':')?;
    Some(Notice::Event(ArticleId(article.parse().ok()?), seq.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_notification_names_the_article_and_the_event_number() {
        assert_eq!(parse("12:345"), Some(Notice::Event(ArticleId(12), 345)));
        for bad in ["", "12", "x:1", "1:y", "1:2:3"] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }

    #[tokio::test]
    async fn a_committed_event_is_heard_and_a_rolled_back_one_is_not() {
        let (db, _dir) = super::super::test_db::fresh().await;
        let Some(mut notices) = db.notices() else { return };
        assert_eq!(notices.recv().await, Some(Notice::Lost), "first the listener says: catch up");
        super::super::seed::seed_if_empty(&db, 0).await.unwrap();
        let comment = super::super::test_db::scalar(&db, "SELECT MIN(id) FROM comments").await;
        let comment = crate::model::CommentId(comment);
        let mut tx = db.begin_write().await.unwrap();
        super::super::comments::record_event(&mut tx, ArticleId(1), "liked", comment, 0).await.unwrap();
        drop(tx);
        let mut tx = db.begin_write().await.unwrap();
        let seq = super::super::comments::record_event(&mut tx, ArticleId(2), "liked", comment, 0).await.unwrap();
        tx.commit().await.unwrap();
        let heard = tokio::time::timeout(Duration::from_secs(5), notices.recv()).await.unwrap();
        assert_eq!(heard, Some(Notice::Event(ArticleId(2), seq)));
    }
}
