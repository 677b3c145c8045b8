//! SQLite connections kept apart from the pool for the statements every page reads (`read!`):
//! who is signed in, the article, a page of its comments, the lists.
//!
//! Why: an SQLite connection in sqlx is a worker thread, and each statement run on the pool is
//! two round trips to it: the statement, and then the ping sqlx sends every connection that
//! goes back to the pool (`PoolConnection::return_to_pool`, on a task of its own), a thread
//! woken and put to sleep again each time. A signed-in article page runs three statements, so
//! it paid three such pings; a reader here runs its statement and is free again at once, with
//! nothing sent after it.
//!
//! What the ping is for does not arise here: a reader only ever runs single statements in
//! autocommit, never a transaction, so there is nothing to roll back when it comes back; and a
//! statement abandoned halfway (the reader went away) leaves its command in the worker's queue,
//! where the next statement waits behind it, so the next one starts clean.
//!
//! A reader is opened when first wanted, with the pool's own options (WAL, foreign keys, busy
//! timeout), so a `jinri` command that shows no page opens none. Requests take the first free
//! reader; when all are busy, they queue on one of them in turn (tokio's fair mutex: first come,
//! first served, and a free reader cannot be taken past a request already waiting for it).
//! Writes and transactions stay on the pool.

use sqlx::sqlite::SqliteConnection;
use sqlx::{Connection, SqlitePool};
use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::sync::{Mutex, MutexGuard};

/// How many readers a database keeps: twice the two cores the site is measured on, as many as
/// pages render at once by default (`server.render_concurrency`).
pub const READERS: usize = 4;

/// The site's SQLite database: the pool, for writes and everything else, and the readers.
#[derive(Clone)]
pub struct Lite {
    pub pool: SqlitePool,
    readers: Arc<Readers>,
}

impl std::fmt::Debug for Lite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lite").field("pool", &self.pool).field("readers", &self.readers.slots.len()).finish()
    }
}

impl Deref for Lite {
    type Target = SqlitePool;
    fn deref(&self) -> &SqlitePool {
        &self.pool
    }
}

struct Readers {
    slots: Box<[Mutex<Option<SqliteConnection>>]>,
    next: AtomicUsize,
}

/// A reader, held until dropped; use it as `&mut *reader`.
pub struct Reader<'a>(MutexGuard<'a, Option<SqliteConnection>>);

impl Deref for Reader<'_> {
    type Target = SqliteConnection;
    fn deref(&self) -> &SqliteConnection {
        self.0.as_ref().expect("a reader is opened before it is handed out")
    }
}

impl DerefMut for Reader<'_> {
    fn deref_mut(&mut self) -> &mut SqliteConnection {
        self.0.as_mut().expect("a reader is opened before it is handed out")
    }
}

impl Lite {
    pub fn new(pool: SqlitePool, readers: usize) -> Self {
        let slots = (0..readers.max(1)).map(|_| Mutex::new(None)).collect();
        Lite { pool, readers: Arc::new(Readers { slots, next: AtomicUsize::new(0) }) }
    }

    /// A free reader, or the next one in turn once it is free; opened if it is not yet.
    pub async fn reader(&self) -> Result<Reader<'_>, sqlx::Error> {
        let slots = &self.readers.slots;
        let mut guard = match slots.iter().find_map(|s| s.try_lock().ok()) {
            Some(free) => free,
            None => slots[self.readers.next.fetch_add(1, Ordering::Relaxed) % slots.len()].lock().await,
        };
        if guard.is_none() {
            if self.pool.is_closed() {
                return Err(sqlx::Error::PoolClosed);
            }
            *guard = Some(SqliteConnection::connect_with(&*self.pool.connect_options()).await?);
        }
        Ok(Reader(guard))
    }

    /// Closes the readers (the pool is closed by its owner); one wanted later is refused.
    pub async fn close_readers(&self) {
        for slot in self.readers.slots.iter() {
            if let Some(conn) = slot.lock().await.take() {
                let _ = conn.close().await;
            }
        }
    }
}

/// Runs `$body` with `$c` bound to an executor for one read statement: on SQLite a reader
/// (`&mut SqliteConnection`, see `readers`), on PostgreSQL the pool (whose connections
/// are not worker threads, so the reason for readers does not apply).
macro_rules! read {
    ($db:expr, $c:ident => $body:expr) => {
        match $db {
            $crate::server::db::Db::Sqlite(lite) => {
                let mut reader = lite.reader().await?;
                let $c = &mut *reader;
                $body
            }
            $crate::server::db::Db::Pg($c) => $body,
        }
    };
}

#[cfg(test)]
mod tests {
    use super::Lite;
    use crate::server::db::Db;
    use std::time::Duration;

    async fn lite() -> (Lite, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("r.db").display());
        let Db::Sqlite(lite) = crate::server::db::connect(&url, 2, Duration::from_secs(5)).await.unwrap() else {
            unreachable!()
        };
        sqlx::query("CREATE TABLE t (v INTEGER)").execute(&lite.pool).await.unwrap();
        (lite, dir)
    }

    /// A reader sees what the pool committed a moment before, opens with the pool's settings,
    /// and is not opened until wanted.
    #[tokio::test]
    async fn a_reader_sees_each_commit_and_has_the_pools_settings() {
        let (lite, _dir) = lite().await;
        assert!(lite.readers.slots.iter().all(|s| s.try_lock().unwrap().is_none()));
        for v in 1..=3i64 {
            sqlx::query("INSERT INTO t (v) VALUES ($1)").bind(v).execute(&lite.pool).await.unwrap();
            let mut r = lite.reader().await.unwrap();
            let sum: i64 = sqlx::query_scalar("SELECT SUM(v) FROM t").fetch_one(&mut *r).await.unwrap();
            assert_eq!(sum, v * (v + 1) / 2);
            let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys").fetch_one(&mut *r).await.unwrap();
            let mode: String = sqlx::query_scalar("PRAGMA journal_mode").fetch_one(&mut *r).await.unwrap();
            assert_eq!((fk, mode.as_str()), (1, "wal"));
        }
    }

    /// More readers wanted than there are: each waits its turn and every one is served; while
    /// every reader is held, the next request waits rather than opening another connection.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn more_requests_than_readers_take_turns() {
        let (lite, _dir) = lite().await;
        let n = lite.readers.slots.len();
        let held: Vec<_> = futures::future::join_all((0..n).map(|_| lite.reader())).await;
        assert!(held.iter().all(|r| r.is_ok()));
        let waiting = tokio::time::timeout(Duration::from_millis(100), lite.reader()).await;
        assert!(waiting.is_err(), "a reader was handed out while all {n} were held");
        drop(held);
        let tasks: Vec<_> = (0..40)
            .map(|i| {
                let lite = lite.clone();
                tokio::spawn(async move {
                    let mut r = lite.reader().await.unwrap();
                    sqlx::query_scalar::<_, i64>("SELECT $1 + 1").bind(i).fetch_one(&mut *r).await.unwrap()
                })
            })
            .collect();
        let got: Vec<i64> = futures::future::join_all(tasks).await.into_iter().map(|r| r.unwrap()).collect();
        assert_eq!(got, (1..=40).collect::<Vec<i64>>());
    }

    /// A reader whose statement was abandoned halfway (the request went away with rows still
    /// to come) answers the next statement with its own rows.
    #[tokio::test]
    async fn an_abandoned_statement_leaves_the_reader_usable() {
        let (lite, _dir) = lite().await;
        sqlx::query("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000) INSERT INTO t SELECT i FROM n")
            .execute(&lite.pool)
            .await
            .unwrap();
        for _ in 0..3 {
            {
                use futures::StreamExt;
                let mut r = lite.reader().await.unwrap();
                let mut rows = sqlx::query_scalar::<_, i64>("SELECT v FROM t ORDER BY v").fetch(&mut *r);
                assert_eq!(rows.next().await.unwrap().unwrap(), 1);
            }
            let mut r = lite.reader().await.unwrap();
            let max: i64 = sqlx::query_scalar("SELECT MAX(v) FROM t").fetch_one(&mut *r).await.unwrap();
            assert_eq!(max, 5000);
        }
    }

    /// After `close_readers` and the pool's close, no reader is handed out.
    #[tokio::test]
    async fn closed_readers_stay_closed() {
        let (lite, _dir) = lite().await;
        drop(lite.reader().await.unwrap());
        lite.pool.close().await;
        lite.close_readers().await;
        assert!(matches!(lite.reader().await, Err(sqlx::Error::PoolClosed)));
    }
}
