//! SQLite connections kept apart from the pool for the statements every page reads: who is
//! signed in, the article, a page of its comments, the lists.
//!
//! Why: an SQLite connection in sqlx is a worker thread, and each statement run on the pool was
//! two round trips to it: the statement, and then the ping sqlx sends every connection that
//! goes back to the pool (`PoolConnection::return_to_pool`, on a task of its own), a thread
//! woken and put to sleep again each time; a signed-in article page made twelve thread
//! switches. A reader here is a plain SQLite handle (rusqlite, on the same bundled SQLite as
//! sqlx) and its statement runs where the page is being rendered: no thread is woken, no row
//! is sent anywhere, nothing follows it.
//!
//! Running in place is safe because a read here does not wait: a reader is opened read-only,
//! runs single statements in autocommit, and in WAL mode a reader never waits for the writer.
//! The one wait SQLite can still ask of it (`SQLITE_BUSY` while another connection recovers or
//! resets the write-ahead log, or a file lock held by a `jinri` command) is answered by running
//! the statement again on a blocking thread with the pool's busy timeout, so a runtime worker
//! thread is never held by a lock. Writes and transactions stay on the pool.
//!
//! A reader is opened when first wanted (a `jinri` command that shows no page opens none).
//! Requests take the first free reader, or queue on one in turn (tokio's fair mutex).

use rusqlite::types::Value;
use rusqlite::{Connection, OpenFlags, Row};
use sqlx::SqlitePool;
use std::borrow::Cow;
use std::ops::Deref;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Mutex;

/// How many readers a database keeps: twice the two cores the site is measured on. A read
/// runs without yielding, so at most one reader per runtime thread is busy at a time.
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
    file: PathBuf,
    busy_timeout: Duration,
    slots: Box<[Mutex<Option<Connection>>]>,
    next: AtomicUsize,
}

impl Lite {
    /// The pool and `readers` readers of the same file, with the pool's busy timeout for the
    /// statements that must wait.
    pub fn new(pool: SqlitePool, readers: usize, busy_timeout: Duration) -> Self {
        let file = pool.connect_options().get_filename().to_owned();
        let slots = (0..readers.max(1)).map(|_| Mutex::new(None)).collect();
        Lite { pool, readers: Arc::new(Readers { file, busy_timeout, slots, next: AtomicUsize::new(0) }) }
    }

    /// Runs `read` (one statement) on a reader, in place; if SQLite answers BUSY, once more on a
    /// blocking thread that waits out the busy timeout.
    pub async fn read<T, F>(&self, read: F) -> Result<T, sqlx::Error>
    where
        F: Fn(&Connection) -> rusqlite::Result<T> + Send + 'static,
        T: Send + 'static,
    {
        // No yield first. Until the server wrote the page's parts itself, a read that answered
        // at the render's first look cost more (Leptos takes another road for data already
        // there: 9,415 allocations a signed-in article against 6,430 with a yield, bench/README
        // "Page reads in place"); since then the yield only cost each read a trip through the
        // scheduler: 547 -> 459 µs of CPU a signed-in article without it, 1,920 -> 1,893
        // allocations, the same bytes (bench/README, "No yield before a page read").
        let r = &self.readers;
        let mut slot = match r.slots.iter().find_map(|s| s.try_lock().ok()) {
            Some(free) => free,
            None => r.slots[r.next.fetch_add(1, Ordering::Relaxed) % r.slots.len()].lock().await,
        };
        if slot.is_none() {
            if self.pool.is_closed() {
                return Err(sqlx::Error::PoolClosed);
            }
            let file = r.file.clone();
            *slot = Some(blocking(move || open(&file)).await?.map_err(to_sqlx)?);
        }
        let conn = slot.as_ref().expect("opened above");
        match read(conn) {
            Err(e) if busy(&e) => {}
            done => return done.map_err(to_sqlx),
        }
        // Taken out of its slot while it waits; a reader that goes away meanwhile leaves the
        // slot empty, and the next request opens a new one.
        let conn = slot.take().expect("opened above");
        let wait = r.busy_timeout;
        let (conn, done) = blocking(move || {
            let done = conn.busy_timeout(wait).and_then(|()| read(&conn));
            let reset = conn.busy_timeout(Duration::ZERO);
            (reset.is_ok().then_some(conn), done)
        })
        .await?;
        *slot = conn;
        done.map_err(to_sqlx)
    }

    /// The first row of `sql` (one statement; `$1`, `$2` … bound to `args` in order, as sqlx
    /// binds them), read by `row`.
    pub async fn one<T: Send + 'static>(
        &self,
        sql: &'static str,
        args: Vec<Value>,
        row: fn(&Row) -> rusqlite::Result<T>,
    ) -> Result<Option<T>, sqlx::Error> {
        self.read(move |c| rows(c, sql, &args, |rows| rows.next()?.map(row).transpose())).await
    }

    /// Every row of `sql`, as `one` reads one.
    pub async fn all<T: Send + 'static>(
        &self,
        sql: &'static str,
        args: Vec<Value>,
        row: fn(&Row) -> rusqlite::Result<T>,
    ) -> Result<Vec<T>, sqlx::Error> {
        self.read(move |c| {
            rows(c, sql, &args, |rows| {
                let mut all = Vec::new();
                while let Some(r) = rows.next()? {
                    all.push(row(r)?);
                }
                Ok(all)
            })
        })
        .await
    }

    /// Closes the readers (the pool is closed by its owner); one wanted later is refused.
    pub async fn close_readers(&self) {
        for slot in self.readers.slots.iter() {
            slot.lock().await.take();
        }
    }
}

/// Column `i` of a reader's row, which is named `name`. Rows are read by position: a lookup
/// by name asks SQLite for the name of each column before it in turn (`sqlite3_column_name`,
/// with its mutex and a `strlen` each time), 5 % of a signed-in article page's CPU for its
/// page of comments. The name is checked in debug builds, so every test that reads the row
/// proves the position.
pub fn col<T: rusqlite::types::FromSql>(r: &Row<'_>, i: usize, name: &str) -> rusqlite::Result<T> {
    debug_assert_eq!(r.as_ref().column_name(i).ok(), Some(name), "column {i} of {:?}", r.as_ref().expanded_sql());
    r.get(i)
}

/// The rows of `sql` (cached by the connection) with `args` bound, handed to `read`.
fn rows<T>(
    c: &Connection,
    sql: &str,
    args: &[Value],
    read: impl FnOnce(&mut rusqlite::Rows<'_>) -> rusqlite::Result<T>,
) -> rusqlite::Result<T> {
    let mut statement = c.prepare_cached(sql)?;
    bind(&mut statement, args)?;
    let mut rows = statement.raw_query();
    read(&mut rows)
}

/// Binds `args[i]` to `$i+1` wherever the statement names it; every parameter of the
/// statement must be given one, and every argument must be used. Walks the statement's
/// parameters by their names (SQLite numbers them in order of first use, `$2` may come first)
/// rather than looking each `$N` up by a name built for it.
fn bind(statement: &mut rusqlite::Statement<'_>, args: &[Value]) -> rusqlite::Result<()> {
    let count = statement.parameter_count();
    if count != args.len() {
        return Err(rusqlite::Error::InvalidParameterCount(args.len(), count));
    }
    for index in 1..=count {
        // Distinct names, each `$N` with N in 1..=count: every argument is used once.
        let arg = statement
            .parameter_name(index)
            .and_then(|name| name.strip_prefix('$').filter(|n| !n.starts_with('0'))?.parse::<usize>().ok())
            .and_then(|n| args.get(n.checked_sub(1)?))
            .ok_or_else(|| rusqlite::Error::InvalidParameterName(format!("parameter {index}")))?;
        statement.raw_bind_parameter(index, arg)?;
    }
    Ok(())
}

/// A reader: read-only, and never waiting in place for a lock (`read` waits elsewhere).
fn open(file: &std::path::Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open_with_flags(file, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
    conn.busy_timeout(Duration::ZERO)?;
    Ok(conn)
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T, sqlx::Error> {
    tokio::task::spawn_blocking(f).await.map_err(|e| sqlx::Error::Io(std::io::Error::other(e)))
}

fn busy(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _) if matches!(f.code, rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked))
}

/// A reader's failure as sqlx reports an SQLite one: the extended result code as the error's
/// code (`db::is_unavailable` reads it), anything else as a decoding failure.
fn to_sqlx(e: rusqlite::Error) -> sqlx::Error {
    match e {
        rusqlite::Error::SqliteFailure(f, message) => sqlx::Error::Database(Box::new(ReadError {
            code: f.extended_code,
            message: message.unwrap_or_else(|| f.to_string()),
        })),
        other => sqlx::Error::Decode(Box::new(other)),
    }
}

#[derive(Debug)]
struct ReadError {
    code: i32,
    message: String,
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "(code: {}) {}", self.code, self.message)
    }
}

impl std::error::Error for ReadError {}

impl sqlx::error::DatabaseError for ReadError {
    fn message(&self) -> &str {
        &self.message
    }
    fn code(&self) -> Option<Cow<'_, str>> {
        Some(Cow::Owned(self.code.to_string()))
    }
    fn as_error(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
        self
    }
    fn as_error_mut(&mut self) -> &mut (dyn std::error::Error + Send + Sync + 'static) {
        self
    }
    fn into_error(self: Box<Self>) -> Box<dyn std::error::Error + Send + Sync + 'static> {
        self
    }
    fn kind(&self) -> sqlx::error::ErrorKind {
        sqlx::error::ErrorKind::Other
    }
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

    fn sum(c: &rusqlite::Connection) -> rusqlite::Result<i64> {
        c.prepare_cached("SELECT COALESCE(SUM(v), 0) FROM t")?.query_row([], |r| r.get(0))
    }

    /// A reader sees what the pool committed a moment before, is not opened until wanted, and
    /// cannot write.
    #[tokio::test]
    async fn a_reader_sees_each_commit_and_cannot_write() {
        let (lite, _dir) = lite().await;
        assert!(lite.readers.slots.iter().all(|s| s.try_lock().unwrap().is_none()));
        for v in 1..=3i64 {
            sqlx::query("INSERT INTO t (v) VALUES ($1)").bind(v).execute(&lite.pool).await.unwrap();
            assert_eq!(lite.read(sum).await.unwrap(), v * (v + 1) / 2);
        }
        let write = lite.read(|c| c.execute("INSERT INTO t (v) VALUES (1)", [])).await;
        let code = match &write {
            Err(sqlx::Error::Database(e)) => e.code().and_then(|c| c.parse::<i64>().ok()),
            _ => None,
        };
        assert_eq!(code.map(|c| c & 0xff), Some(8), "SQLITE_READONLY: {write:?}");
        assert_eq!(lite.read(sum).await.unwrap(), 6);
    }

    /// While another connection holds an exclusive lock on the file (a database in rollback
    /// mode, where a writer's lock keeps readers out; in WAL mode readers are never kept out
    /// this way), a read waits on a blocking thread with the busy timeout, the runtime's
    /// threads staying free, and answers once the lock is gone; with the lock held past the
    /// busy timeout it fails with SQLite's BUSY, which the site answers with 503.
    /// One runtime thread: a read that waited in place would stop the ticks.
    #[tokio::test(flavor = "current_thread")]
    async fn a_locked_file_is_waited_for_off_the_runtime() {
        use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("rollback.db");
        let options =
            SqliteConnectOptions::new().filename(&file).create_if_missing(true).journal_mode(SqliteJournalMode::Delete);
        let pool = SqlitePoolOptions::new().max_connections(1).connect_with(options).await.unwrap();
        sqlx::query("CREATE TABLE t (v INTEGER); INSERT INTO t (v) VALUES (5)").execute(&pool).await.unwrap();
        let lite = Lite::new(pool.clone(), 1, Duration::from_secs(5));
        assert_eq!(lite.read(sum).await.unwrap(), 5);

        let locker = rusqlite::Connection::open(&file).unwrap();
        locker.execute_batch("BEGIN EXCLUSIVE").unwrap();
        let reading = tokio::spawn({
            let lite = lite.clone();
            async move { lite.read(sum).await }
        });
        // The runtime still runs other work while the read waits.
        let ticks = tokio::time::timeout(Duration::from_millis(500), async {
            for _ in 0..10 {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
        .await;
        assert!(ticks.is_ok(), "the runtime's threads were held");
        assert!(!reading.is_finished(), "the read did not wait for the lock");
        drop(locker);
        assert_eq!(reading.await.unwrap().unwrap(), 5);
        let timeout = lite.read(|c| c.query_row("PRAGMA busy_timeout", [], |r| r.get::<_, i64>(0))).await.unwrap();
        assert_eq!(timeout, 0, "back in place, the reader does not wait");

        let short = Lite::new(pool, 1, Duration::from_millis(50));
        let locker = rusqlite::Connection::open(&file).unwrap();
        locker.execute_batch("BEGIN EXCLUSIVE").unwrap();
        let refused = short.read(sum).await.unwrap_err();
        assert!(crate::server::db::is_unavailable(&refused), "{refused:?}");
        drop(locker);
        assert_eq!(short.read(sum).await.unwrap(), 5, "the reader is usable again");
    }

    /// `one` and `all` bind `$N` in any order and refuse a statement whose parameters and
    /// arguments do not match.
    #[tokio::test]
    async fn one_and_all_bind_each_argument_to_its_number() {
        let (lite, _dir) = lite().await;
        sqlx::query("INSERT INTO t (v) VALUES (1), (2), (3)").execute(&lite.pool).await.unwrap();
        let got = lite.one("SELECT $2 * 10 + $1", vec![1.into(), 2.into()], |r| r.get::<_, i64>(0)).await.unwrap();
        assert_eq!(got, Some(21));
        let none = lite.one("SELECT v FROM t WHERE v > $1", vec![9.into()], |r| r.get::<_, i64>(0)).await.unwrap();
        assert_eq!(none, None);
        let all =
            lite.all("SELECT v FROM t WHERE v >= $1 ORDER BY v", vec![2.into()], |r| r.get::<_, i64>(0)).await.unwrap();
        assert_eq!(all, vec![2, 3]);
        let text =
            lite.one("SELECT $1 || '!'", vec!["读者".to_owned().into()], |r| r.get::<_, String>(0)).await.unwrap();
        assert_eq!(text.as_deref(), Some("读者!"));
        assert!(
            lite.one("SELECT $1 + $2", vec![1.into()], |r| r.get::<_, i64>(0)).await.is_err(),
            "a missing argument"
        );
        assert!(
            lite.one("SELECT $1", vec![1.into(), 2.into()], |r| r.get::<_, i64>(0)).await.is_err(),
            "an unused argument"
        );
        for (sql, why) in [
            ("SELECT $1 + $3", "a number past the arguments"),
            ("SELECT $1 + ?", "a parameter without a number"),
            ("SELECT $1 + :a", "a parameter named otherwise"),
            ("SELECT $1 + $01", "the same number written twice"),
            ("SELECT $0 + $1", "numbered from zero"),
        ] {
            assert!(lite.one(sql, vec![1.into(), 2.into()], |r| r.get::<_, i64>(0)).await.is_err(), "{why}");
        }
        let twice = lite.one("SELECT $2 - $1 + $2", vec![1.into(), 5.into()], |r| r.get::<_, i64>(0)).await.unwrap();
        assert_eq!(twice, Some(9), "a number used twice is one parameter");
    }

    /// More requests than readers: every one is served.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn more_requests_than_readers_are_all_served() {
        let (lite, _dir) = lite().await;
        let tasks: Vec<_> = (0..40i64)
            .map(|i| {
                let lite = lite.clone();
                tokio::spawn(async move {
                    lite.read(move |c| c.prepare_cached("SELECT $1 + 1")?.query_row([i], |r| r.get::<_, i64>(0))).await
                })
            })
            .collect();
        let got: Vec<i64> = futures::future::join_all(tasks).await.into_iter().map(|r| r.unwrap().unwrap()).collect();
        assert_eq!(got, (1..=40).collect::<Vec<i64>>());
    }

    /// After `close_readers` and the pool's close, no reader is opened again.
    #[tokio::test]
    async fn closed_readers_stay_closed() {
        let (lite, _dir) = lite().await;
        assert_eq!(lite.read(sum).await.unwrap(), 0);
        lite.pool.close().await;
        lite.close_readers().await;
        assert!(matches!(lite.read(sum).await, Err(sqlx::Error::PoolClosed)));
    }
}
