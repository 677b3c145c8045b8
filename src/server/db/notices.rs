//! Word that an article's event log has grown, from the other server processes on the same
//! PostgreSQL database (LISTEN/NOTIFY). A notice only says "there is more": the log stays the
//! truth, and whoever hears one reads the log. Notifications sent while the listening
//! connection is down are lost, so after every reconnection the listener says `Lost`, and the
//! reader catches up from the log for everything it follows. A process's own notifications
//! (its pool's `application_name`, see `db::connect`) are left out: it has published those.
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
    /// Another process committed event `seq` of the article's log.
    Event(ArticleId, i64),
    /// Another process says that pages may show a state that is gone, without an event
    /// (`Db::pages_changed`).
    PagesChanged,
    /// Notifications may have been missed (the listener has just reconnected): catch up from
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
    /// On PostgreSQL, listens for the events other processes commit and forwards them from a
    /// task of its own, which ends when the receiver is dropped. Returns once it listens, so
    /// nothing committed after this returns is missed. `None` on SQLite.
    pub async fn notices(&self) -> Result<Option<Notices>, sqlx::Error> {
        let Db::Pg(pool) = self else { return Ok(None) };
        let me = pool.connect_options().get_application_name().unwrap_or_default().to_owned();
        let listener = connect(pool).await?;
        let (tx, rx) = mpsc::channel(QUEUE);
        tokio::spawn(listen(pool.clone(), listener, me, tx));
        Ok(Some(rx))
    }

    /// Tells the other processes (PostgreSQL) that pages rendered until now may be out of date,
    /// for a change that has no event (`server::likes`: a like taken back before it was
    /// announced). Nothing on SQLite.
    pub async fn pages_changed(&self) -> Result<(), sqlx::Error> {
        if let Db::Pg(pool) = self {
            sqlx::query("SELECT pg_notify($1, 'pages:' || current_setting('application_name'))")
                .bind(NOTIFY_CHANNEL)
                .execute(pool)
                .await?;
        }
        Ok(())
    }
}

async fn listen(pool: PgPool, mut listener: PgListener, me: String, tx: mpsc::Sender<Notice>) {
    loop {
        loop {
            let received = tokio::select! {
                _ = tx.closed() => return,
                r = listener.try_recv() => r,
            };
            let notice = match received {
                Ok(Some(n)) => match parse(n.payload()) {
                    Some((_, from)) if from == me => continue,
                    Some((notice, _)) => notice,
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
        listener = loop {
            match connect(&pool).await {
                Ok(l) => break l,
                Err(e) => {
                    if pool.is_closed() {
                        return;
                    }
                    tracing::warn!(error = %e, "event listener cannot connect; trying again");
                    tokio::select! {
                        _ = tx.closed() => return,
                        _ = tokio::time::sleep(RETRY) => {}
                    }
                }
            }
        };
        // Listening again: whatever was committed meanwhile is read from the log.
        if tx.send(Notice::Lost).await.is_err() {
            return;
        }
    }
}

async fn connect(pool: &PgPool) -> Result<PgListener, sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(NOTIFY_CHANNEL).await?;
    Ok(listener)
}

/// `"article:seq:sender"`, as `comments::record_event` sends it, or `"pages:sender"`; with the
/// sender.
fn parse(payload: &str) -> Option<(Notice, &str)> {
    if let Some(from) = payload.strip_prefix("pages:") {
        return Some((Notice::PagesChanged, from));
    }
    let mut parts = payload.splitn(3, ':');
    let article = parts.next()?.parse().ok()?;
    let seq = parts.next()?.parse().ok()?;
    Some((Notice::Event(ArticleId(article), seq), parts.next()?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::CommentId;
    use crate::server::db::{comments, seed, test_db};

    #[test]
    fn a_notification_names_the_article_the_event_number_and_the_sender() {
        assert_eq!(parse("12:345:jinri-ab"), Some((Notice::Event(ArticleId(12), 345), "jinri-ab")));
        assert_eq!(parse("pages:jinri-ab"), Some((Notice::PagesChanged, "jinri-ab")));
        for bad in ["", "12", "12:345", "x:1:a", "1:y:a"] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }

    async fn event(db: &Db, article: i64, comment: CommentId, commit: bool) -> i64 {
        let mut tx = db.begin_write().await.unwrap();
        let seq = comments::record_event(&mut tx, ArticleId(article), "liked", comment, 0).await.unwrap();
        if commit {
            tx.commit().await.unwrap();
        }
        seq
    }

    #[tokio::test]
    async fn another_process_committed_event_is_heard_and_neither_a_rolled_back_nor_an_own_one_is() {
        let (db, _dir) = test_db::fresh().await;
        let Some(mut notices) = db.notices().await.unwrap() else { return };
        let Db::Pg(pool) = &db else { unreachable!() };
        // Another process: a pool of its own on the same database.
        let options = (*pool.connect_options()).clone().application_name("jinri-other");
        let other = Db::Pg(sqlx::postgres::PgPoolOptions::new().connect_with(options).await.unwrap());
        seed::seed_if_empty(&db, 0).await.unwrap();
        let comment = CommentId(test_db::scalar(&db, "SELECT MIN(id) FROM comments").await);
        event(&db, 1, comment, true).await;
        event(&other, 1, comment, false).await;
        let seq = event(&other, 2, comment, true).await;
        let heard = tokio::time::timeout(Duration::from_secs(5), notices.recv()).await.unwrap();
        assert_eq!(heard, Some(Notice::Event(ArticleId(2), seq)), "only the other's committed event");
        assert!(notices.try_recv().is_err());
    }
}
