//! All SQL lives under this module, and only this module knows which database is underneath:
//! SQLite (one process, the embedded default) or PostgreSQL (several processes on one
//! database). Statements are plain SQL that both accept; each function's body is written once
//! and expanded by `on!`/`on_tx!` into one arm per driver, so the compiler checks it against
//! both. Only what differs (how a write transaction begins, locks SQLite does not need, the
//! backup, the health check) is written per database. The few statements every page reads
//! (who is signed in, the article, its comments, the lists) run on SQLite through the readers
//! (`readers`: in place, off sqlx's pool), so they are written once for each database.

/// Runs `$body` with `$p` bound to the pool of whichever database `$db` (a `&Db`) is.
macro_rules! on {
    ($db:expr, $p:ident => $body:expr) => {
        match $db {
            $crate::server::db::Db::Sqlite(lite) => {
                let $p = &lite.pool;
                $body
            }
            $crate::server::db::Db::Pg($p) => $body,
        }
    };
}

pub mod readers;

/// SQL for an article's next `updated_at`, given the statement's parameter holding now
/// (`later_stamp!("$2")`): the larger of now and its last stamp + 1 second. Open pages ignore a
/// notice no newer than the copy they show and stamps are whole seconds, so a change in the same
/// second as the one before it must still read as newer. Every statement that changes an
/// article writes its stamp through this.
macro_rules! later_stamp {
    ($now:literal) => {
        concat!(
            "CASE WHEN COALESCE(updated_at, published_at) >= ",
            $now,
            " THEN COALESCE(updated_at, published_at) + 1 ELSE ",
            $now,
            " END"
        )
    };
}

/// Runs `$body` with `$c` bound to the connection of the write transaction `$tx` (a
/// `&mut WriteTx`); use it as `&mut *$c`.
macro_rules! on_tx {
    ($tx:expr, $c:ident => $body:expr) => {
        match $tx {
            $crate::server::db::WriteTx::Sqlite(t) => {
                let $c = &mut **t;
                $body
            }
            $crate::server::db::WriteTx::Pg(t) => {
                let $c = &mut **t;
                $body
            }
        }
    };
}

pub mod articles;
pub mod comments;
pub mod copy;
pub mod facts;
pub mod figures;
pub mod flash;
pub mod generate;
pub mod limits;
pub mod moderation;
pub mod newsroom;
pub mod notices;
pub mod roles;
pub mod secrets;
pub mod seed;
pub mod sessions;
pub mod users;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, Postgres, Sqlite, Transaction};
use std::str::FromStr;
use std::time::Duration;

pub use notices::{Notice, Notices};

/// The PostgreSQL channel on which a committed event is announced (`notices`).
const NOTIFY_CHANNEL: &str = "jinri_events";

/// The site's database: chosen by the URL's scheme (`sqlite://…` or `postgres://…`).
#[derive(Clone, Debug)]
pub enum Db {
    /// The pool and the readers (`readers`).
    Sqlite(readers::Lite),
    Pg(PgPool),
}

/// A write transaction (`Db::begin_write`): commit it, or drop it to roll back.
pub enum WriteTx {
    Sqlite(Transaction<'static, Sqlite>),
    Pg(Transaction<'static, Postgres>),
}

/// Whether `url` names a PostgreSQL database rather than a SQLite file.
pub fn is_postgres_url(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

/// `url` without its password, for messages and logs.
pub fn redacted(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_owned() };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => match rest[..at].split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***{}", &rest[at..]),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

/// Opens the database named by `url`. SQLite: creates the file and its folder if needed, with
/// the settings the site relies on: WAL so readers never wait for the writer,
/// synchronous=NORMAL (durable across a crash of the process; a power cut can lose the last
/// transactions), foreign keys, and a busy timeout so writers queue instead of failing.
/// PostgreSQL: the database must exist; a statement waits at most `busy_timeout` for a lock;
/// the JIT compiler is off. The pool's connections carry a name of their own
/// (`application_name` `jinri-` and random hex): it tells this process's notifications from
/// those of others (`notices`).
///
/// JIT: PostgreSQL compiles a statement whose estimated cost passes `jit_above_cost` (100,000
/// by default), and the site's statements are small reads whose estimates pass it whenever the
/// planner has no statistics yet (a new or just imported database before autovacuum's first
/// ANALYZE): each comment page then spent ~390 ms compiling to run in ~1 ms (bench/README,
/// "PostgreSQL's JIT"). No statement here scans enough rows to gain from it.
pub async fn connect(url: &str, max_connections: u32, busy_timeout: Duration) -> Result<Db, sqlx::Error> {
    if is_postgres_url(url) {
        let mut id = [0u8; 8];
        getrandom::fill(&mut id).map_err(|e| sqlx::Error::Configuration(e.to_string().into()))?;
        let name = format!("jinri-{}", id.iter().map(|b| format!("{b:02x}")).collect::<String>());
        let options = PgConnectOptions::from_str(url)?
            .application_name(&name)
            .options([("lock_timeout", format!("{}ms", busy_timeout.as_millis()).as_str()), ("jit", "off")]);
        let pool = PgPoolOptions::new().max_connections(max_connections).connect_with(options).await?;
        return Ok(Db::Pg(pool));
    }
    let options = SqliteConnectOptions::from_str(url)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(busy_timeout);
    if let Some(dir) = options.get_filename().parent() {
        if !dir.as_os_str().is_empty() {
            std::fs::create_dir_all(dir).map_err(sqlx::Error::Io)?;
        }
    }
    // No ping before each acquire (sqlx's default `test_before_acquire`): an SQLite connection
    // lives in this process and cannot have been dropped by a server, and each ping was a round
    // trip through the connection's worker thread, one more for every statement (6 % of the CPU
    // of a signed-in article page in `perf`). `usable` still waits for a queued rollback.
    // PostgreSQL keeps the ping: its connections can die with the server or the network, and
    // the ping lets the pool replace such a connection before a statement fails on it.
    //
    // Opening a new file turns it to WAL, which needs the file to itself, and SQLite answers
    // another process doing the same at that moment with BUSY at once, without waiting out
    // `busy_timeout`: two processes starting on one new file (`two_processes_migrating_…`)
    // would leave one of them serving 503 until restarted. A busy or locked file is tried
    // again, up to five more times.
    let pool = retried(
        || {
            SqlitePoolOptions::new()
                .max_connections(max_connections)
                .min_connections(1)
                .test_before_acquire(false)
                .before_acquire(|conn, _| Box::pin(async move { usable(conn).await }))
                .connect_with(options.clone())
        },
        |e| matches!(e, sqlx::Error::Database(e) if sqlite_busy(e.code().as_deref())),
        "the database file is busy; opening it again",
    )
    .await?;
    Ok(Db::Sqlite(readers::Lite::new(pool, readers::READERS, busy_timeout)))
}

/// Runs `attempt` again, up to five more times 50, 100, … 250 ms apart, while it fails with an
/// error that `again` says may pass (another process holding the file for a moment).
async fn retried<T, E, F>(mut attempt: impl FnMut() -> F, again: impl Fn(&E) -> bool, what: &str) -> Result<T, E>
where
    F: std::future::Future<Output = Result<T, E>>,
    E: std::fmt::Display,
{
    let mut retries = 0u64;
    loop {
        match attempt().await {
            Err(e) if retries < 5 && again(&e) => {
                retries += 1;
                tracing::warn!(error = %e, retries, "{what}");
                tokio::time::sleep(Duration::from_millis(50 * retries)).await;
            }
            done => return done,
        }
    }
}

/// SQLite's BUSY (5) or LOCKED (6), in a primary or extended result code.
fn sqlite_busy(code: Option<&str>) -> bool {
    matches!(code.and_then(|c| c.parse::<i64>().ok()).map(|c| c & 0xff), Some(5 | 6))
}

/// A connection whose transaction SQLite rolled back by itself (it does on a full disk or an
/// I/O error) fails its own ROLLBACK, and sqlx then counts it as still in a transaction:
/// every later `BEGIN IMMEDIATE` on it would fail. Such a connection is closed instead of
/// handed out. A rollback only queued when the connection came back is let run first (a ping
/// waits for it).
async fn usable(conn: &mut sqlx::SqliteConnection) -> Result<bool, sqlx::Error> {
    use sqlx::Connection;
    if conn.is_in_transaction() {
        conn.ping().await?;
    }
    Ok(!conn.is_in_transaction())
}

impl Db {
    /// Begins a transaction that will write. SQLite takes its write lock at once (`BEGIN
    /// IMMEDIATE`), so what the transaction reads stays true until it commits. PostgreSQL
    /// begins at READ COMMITTED; the functions that need it lock the rows they depend on.
    pub async fn begin_write(&self) -> Result<WriteTx, sqlx::Error> {
        Ok(match self {
            Db::Sqlite(readers::Lite { pool: p, .. }) => WriteTx::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?),
            Db::Pg(p) => WriteTx::Pg(p.begin().await?),
        })
    }

    /// Begins a transaction without taking SQLite's write lock up front (a plain `BEGIN`): for
    /// work that may end up only reading, on a database that may be read-only.
    pub async fn begin(&self) -> Result<WriteTx, sqlx::Error> {
        Ok(match self {
            Db::Sqlite(readers::Lite { pool: p, .. }) => WriteTx::Sqlite(p.begin().await?),
            Db::Pg(p) => WriteTx::Pg(p.begin().await?),
        })
    }

    /// Whether the database answers.
    pub async fn health_check(&self) -> Result<(), sqlx::Error> {
        on!(self, p => sqlx::query("SELECT 1").execute(p).await.map(|_| ()))
    }

    /// Before the process ends: SQLite folds its write-ahead log into the database file.
    pub async fn checkpoint(&self) -> Result<(), sqlx::Error> {
        match self {
            Db::Sqlite(readers::Lite { pool: p, .. }) => {
                sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(p).await.map(|_| ())
            }
            Db::Pg(_) => Ok(()),
        }
    }

    pub async fn close(&self) {
        on!(self, p => p.close().await);
        if let Db::Sqlite(lite) = self {
            lite.close_readers().await;
        }
    }
}

impl WriteTx {
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        match self {
            WriteTx::Sqlite(t) => t.commit().await,
            WriteTx::Pg(t) => t.commit().await,
        }
    }
}

/// Writes a consistent copy of the database to a new file (SQLite). A PostgreSQL database is
/// backed up with PostgreSQL's own tools.
pub async fn backup(db: &Db, file: &str) -> Result<(), sqlx::Error> {
    match db {
        Db::Sqlite(readers::Lite { pool: p, .. }) => {
            sqlx::query("VACUUM INTO $1").bind(file).execute(p).await.map(|_| ())
        }
        Db::Pg(_) => Err(sqlx::Error::Configuration(
            "jinri backup writes SQLite files; back a PostgreSQL database up with pg_dump".into(),
        )),
    }
}

/// Applies the migrations (`migrations/sqlite/` or `migrations/postgres/`) that the database
/// has not seen yet.
///
/// PostgreSQL's run holds sqlx's advisory lock, so processes migrating one database at once
/// take turns. SQLite's takes no lock: two processes that start on one file at once (the site
/// and a `jinri` command, or several processes after an upgrade) both read which migrations
/// are applied, and the one that comes second to a migration fails on it (`duplicate column`,
/// `UNIQUE constraint failed: _sqlx_migrations.version`) and served 503 until restarted. Each
/// migration is one transaction, so the failed one left nothing: the run is tried again,
/// up to five more times, and then finds what the other process applied. A migration that
/// fails by itself fails every time, and its error is returned.
pub async fn migrate(db: &Db) -> Result<(), sqlx::migrate::MigrateError> {
    match db {
        Db::Sqlite(readers::Lite { pool: p, .. }) => {
            let migrator = sqlx::migrate!("./migrations/sqlite");
            retried(
                || migrator.run(p),
                |_| true,
                "a migration failed; trying again (another process may have applied it)",
            )
            .await
        }
        Db::Pg(p) => sqlx::migrate!("./migrations/postgres").run(p).await,
    }
}

/// Faults of the database or its disk, rather than of the request or the code: the database is
/// busy, read-only, full or unreachable, and the request may succeed if tried again shortly.
pub fn is_unavailable(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => true,
        sqlx::Error::Database(db) => {
            if let Some(pg) = db.try_downcast_ref::<sqlx::postgres::PgDatabaseError>() {
                // SQLSTATE classes: 08 connection exception, 53 insufficient resources (disk
                // full, too many connections), 57 operator intervention (shutdown), and
                // 55P03 lock not available, 25006 read-only transaction.
                let code = pg.code();
                return ["08", "53", "57"].iter().any(|class| code.starts_with(class))
                    || code == "55P03"
                    || code == "25006";
            }
            // SQLite's primary result codes: BUSY 5, LOCKED 6, READONLY 8, IOERR 10, FULL 13,
            // CANTOPEN 14 (extended codes carry the primary one in the low byte).
            let code = db.code().and_then(|c| c.parse::<i64>().ok()).unwrap_or(0) & 0xff;
            matches!(code, 5 | 6 | 8 | 10 | 13 | 14)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::Db;

    #[tokio::test]
    async fn sqlite_connections_use_wal_normal_sync_foreign_keys_and_a_busy_timeout() {
        let (db, _dir) = super::test_db::fresh().await;
        let Db::Sqlite(super::readers::Lite { pool, .. }) = db else { return };
        let mut conn = pool.acquire().await.unwrap();
        let mode: String = sqlx::query_scalar("PRAGMA journal_mode").fetch_one(&mut *conn).await.unwrap();
        let sync: i64 = sqlx::query_scalar("PRAGMA synchronous").fetch_one(&mut *conn).await.unwrap();
        let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys").fetch_one(&mut *conn).await.unwrap();
        let busy: i64 = sqlx::query_scalar("PRAGMA busy_timeout").fetch_one(&mut *conn).await.unwrap();
        assert_eq!((mode.as_str(), sync, fk, busy), ("wal", 1, 1, 5000));
    }

    /// PostgreSQL compiles no statement of the site's, however high the planner's estimate
    /// (with no statistics yet, a comment page's estimate passed `jit_above_cost` and each one
    /// spent ~390 ms compiling). A session that lowers the threshold to nothing still runs the
    /// comment page's statement uncompiled.
    #[tokio::test]
    async fn postgres_connections_never_compile_a_statement() {
        let (db, _guard) = super::test_db::fresh().await;
        let Db::Pg(pool) = db else { return };
        let mut conn = pool.acquire().await.unwrap();
        let jit: String = sqlx::query_scalar("SHOW jit").fetch_one(&mut *conn).await.unwrap();
        assert_eq!(jit, "off");
        sqlx::query("SET jit_above_cost = 0").execute(&mut *conn).await.unwrap();
        let plan: Vec<String> = sqlx::query_scalar(
            "EXPLAIN ANALYZE SELECT count(*) FROM comments c JOIN articles a ON a.id = c.article_id",
        )
        .fetch_all(&mut *conn)
        .await
        .unwrap();
        let plan = plan.join("\n");
        assert!(plan.contains("Execution Time") && !plan.contains("JIT"), "{plan}");
    }

    /// An SQLite connection is handed out without a ping (a worker round trip per statement);
    /// one whose transaction SQLite rolled back by itself is still refused (`usable`).
    #[tokio::test]
    async fn sqlite_connections_are_not_pinged_before_each_statement() {
        let (db, _dir) = super::test_db::fresh().await;
        let Db::Sqlite(super::readers::Lite { pool, .. }) = db else { return };
        assert!(!pool.options().get_test_before_acquire());
        let mut conn = pool.acquire().await.unwrap();
        assert!(super::usable(&mut conn).await.unwrap());
    }

    /// Two processes that start on one new SQLite file at once (the site and a `jinri` command,
    /// or two processes after an upgrade) both open and migrate it; each must come up on the
    /// whole schema (`connect`, `migrate`).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn two_processes_migrating_one_new_sqlite_file_at_once_both_succeed() {
        if std::env::var("JINRI_TEST_PG_URL").is_ok_and(|u| !u.is_empty()) {
            return; // PostgreSQL's migrations take sqlx's advisory lock.
        }
        assert!(super::sqlite_busy(Some("5")) && super::sqlite_busy(Some("517")) && super::sqlite_busy(Some("6")));
        assert!(!super::sqlite_busy(Some("8")) && !super::sqlite_busy(Some("13")) && !super::sqlite_busy(None));
        let expected = sqlx::migrate!("./migrations/sqlite").iter().count() as i64;
        for round in 0..6 {
            let dir = tempfile::tempdir().unwrap();
            let url = format!("sqlite://{}", dir.path().join("race.db").display());
            let (a, b) = tokio::join!(
                super::connect(&url, 2, std::time::Duration::from_secs(5)),
                super::connect(&url, 2, std::time::Duration::from_secs(5))
            );
            let (a, b) = (a.unwrap(), b.unwrap());
            let (ra, rb) = tokio::join!(super::migrate(&a), super::migrate(&b));
            assert!(ra.is_ok() && rb.is_ok(), "round {round}: {ra:?} / {rb:?}");
            let Db::Sqlite(super::readers::Lite { pool: p, .. }) = &a else { unreachable!() };
            let applied: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations WHERE success").fetch_one(p).await.unwrap();
            assert_eq!(applied, expected, "round {round}");
        }
    }

    #[tokio::test]
    async fn migrations_apply_to_a_fresh_database_and_again_without_change() {
        let (db, _dir) = super::test_db::fresh().await;
        super::migrate(&db).await.unwrap();
        let tables: Vec<String> = match &db {
            Db::Sqlite(super::readers::Lite { pool: p, .. }) => sqlx::query_scalar(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\' ORDER BY name",
            )
            .fetch_all(p)
            .await
            .unwrap(),
            Db::Pg(p) => sqlx::query_scalar(
                "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1",
            )
            .fetch_all(p)
            .await
            .unwrap(),
        };
        for t in [
            "article_blocks",
            "articles",
            "channels",
            "comment_events",
            "comment_likes",
            "comments",
            "form_flash",
            "limit_events",
            "sessions",
            "site_facts",
            "users",
        ] {
            assert!(tables.iter().any(|x| x == t), "{t} missing from {tables:?}");
        }
    }

    #[test]
    fn a_database_url_is_shown_without_its_password() {
        assert_eq!(super::redacted("postgres://jinri:s3cret@db:5432/jinri"), "postgres://jinri:***@db:5432/jinri");
        assert_eq!(super::redacted("postgres://jinri@db/jinri"), "postgres://jinri@db/jinri");
        assert_eq!(super::redacted("sqlite://data/jinri.db"), "sqlite://data/jinri.db");
    }

    /// A database from before per-article event numbers: events of two articles took turns
    /// in one global sequence of ids.
    #[tokio::test]
    async fn old_events_keep_their_ids_as_numbers_and_each_article_counts_on_from_its_largest() {
        use crate::model::{ArticleId, CommentId};
        use crate::server::db::{comments, test_db};
        let (db, _dir) = test_db::migrated_to(6, 1).await;
        // Two articles and a comment, as that schema held them (today's seed writes columns
        // added since).
        for sql in [
            "INSERT INTO channels (slug, name, position) VALUES ('au', '澳洲', 0)",
            "INSERT INTO users (name, name_key, created_at) VALUES ('老读者', '老读者', 0)",
            "INSERT INTO articles (channel_id, title, summary, source, published_at, created_at) \
             VALUES (1, '甲', '甲', '今日', 0, 0)",
            "INSERT INTO articles (channel_id, title, summary, source, published_at, created_at) \
             VALUES (1, '乙', '乙', '今日', 0, 0)",
            "INSERT INTO comments (article_id, author_id, body, created_at) VALUES (1, 1, '一条评论', 0)",
        ] {
            assert_eq!(test_db::execute(&db, sql).await, 1, "{sql}");
        }
        let (a, b) = (1, 2);
        let comment = test_db::scalar(&db, "SELECT MIN(id) FROM comments").await;
        for article in [a, b, a, a, b] {
            on!(&db, p => sqlx::query(
                "INSERT INTO comment_events (article_id, kind, comment_id, at) VALUES ($1, 'created', $2, 0)",
            )
            .bind(article)
            .bind(comment)
            .execute(p)
            .await
            .unwrap()
            .rows_affected());
        }
        super::migrate(&db).await.unwrap();
        let numbers = |article: i64| {
            let db = db.clone();
            async move {
                let r = comments::events_since(&db, chrono_tz::UTC, ArticleId(article), 0, 100).await.unwrap();
                r.events.iter().map(|e| e.id).collect::<Vec<_>>()
            }
        };
        assert_eq!((numbers(a).await, numbers(b).await), (vec![1, 3, 4], vec![2, 5]));
        assert_eq!(comments::last_event_id(&db, ArticleId(a)).await.unwrap(), 4);
        assert_eq!(comments::last_event_id(&db, ArticleId(b)).await.unwrap(), 5);
        for (article, next) in [(a, 5), (b, 6), (a, 6)] {
            let mut tx = db.begin_write().await.unwrap();
            let seq =
                comments::record_event(&mut tx, ArticleId(article), "liked", CommentId(comment), 0).await.unwrap();
            tx.commit().await.unwrap();
            assert_eq!(seq, next, "article {article}");
        }
        let after_three = comments::events_since(&db, chrono_tz::UTC, ArticleId(a), 3, 100).await.unwrap();
        assert_eq!(after_three.events.iter().map(|e| e.id).collect::<Vec<_>>(), vec![4, 5, 6]);
    }

    /// See `.cargo/config.toml`: without the planner's stability guarantee, every statement with
    /// a bound LIMIT is compiled again on each use.
    #[tokio::test]
    async fn the_bundled_sqlite_keeps_its_plans() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("qpsg.db").display());
        let db = super::connect(&url, 1, std::time::Duration::from_secs(5)).await.unwrap();
        let n = super::test_db::scalar(
            &db,
            "SELECT COUNT(*) FROM pragma_compile_options WHERE compile_options = 'ENABLE_QPSG'",
        )
        .await;
        assert_eq!(n, 1, "SQLite was built without SQLITE_ENABLE_QPSG");
    }

    /// See `.cargo/config.toml`: no global mutex taken for every page a statement reads and for
    /// every allocation, which the page readers on different threads met on.
    #[tokio::test]
    async fn the_bundled_sqlite_shares_no_lock() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("locks.db").display());
        let db = super::connect(&url, 1, std::time::Duration::from_secs(5)).await.unwrap();
        let option = |sql| super::test_db::scalar(&db, sql);
        let managed = "SELECT COUNT(*) FROM pragma_compile_options WHERE compile_options = 'ENABLE_MEMORY_MANAGEMENT'";
        assert_eq!(option(managed).await, 0, "one page cache group, under one mutex, for all connections");
        let counted = "SELECT COUNT(*) FROM pragma_compile_options WHERE compile_options = 'DEFAULT_MEMSTATUS=0'";
        assert_eq!(option(counted).await, 1, "SQLite counts its memory under a global mutex");
        let bulk = "SELECT COUNT(*) FROM pragma_compile_options WHERE compile_options = 'DEFAULT_PCACHE_INITSZ=0'";
        assert_eq!(option(bulk).await, 1, "each temporary b-tree takes ~86 KB from malloc and gives it back");
    }

    #[tokio::test]
    async fn the_health_check_answers() {
        let (db, _dir) = super::test_db::fresh().await;
        db.health_check().await.unwrap();
    }
}

#[cfg(test)]
pub(crate) mod test_db {
    use super::Db;

    /// Keeps a test's database alive: the SQLite file's folder (a PostgreSQL test database
    /// lives until the throwaway cluster of scripts/test.sh is removed).
    pub struct Guard(#[allow(dead_code)] Option<tempfile::TempDir>);

    /// A fresh, migrated database: SQLite in a temporary folder, or, when `JINRI_TEST_PG_URL`
    /// names a PostgreSQL server (scripts/test.sh), a new database there.
    pub async fn fresh() -> (Db, Guard) {
        let (db, guard) = empty().await;
        super::migrate(&db).await.unwrap();
        (db, guard)
    }

    /// A fresh database with the migrations up to the given versions applied (SQLite's and
    /// PostgreSQL's are numbered apart): the schema an older release left.
    pub async fn migrated_to(sqlite: i64, postgres: i64) -> (Db, Guard) {
        let (db, guard) = empty().await;
        match &db {
            Db::Sqlite(super::readers::Lite { pool: p, .. }) => {
                sqlx::migrate!("./migrations/sqlite").run_to(sqlite, p).await.unwrap()
            }
            Db::Pg(p) => sqlx::migrate!("./migrations/postgres").run_to(postgres, p).await.unwrap(),
        }
        (db, guard)
    }

    /// A fresh database without any migration applied.
    pub async fn empty() -> (Db, Guard) {
        let (url, guard) = match std::env::var("JINRI_TEST_PG_URL") {
            Ok(admin) if !admin.is_empty() => (new_pg_database(&admin).await, Guard(None)),
            _ => {
                let dir = tempfile::tempdir().unwrap();
                (format!("sqlite://{}", dir.path().join("test.db").display()), Guard(Some(dir)))
            }
        };
        let db = super::connect(&url, 4, std::time::Duration::from_secs(5)).await.unwrap();
        (db, guard)
    }

    /// A number the statement reads (a count, an id).
    pub async fn scalar(db: &Db, sql: &'static str) -> i64 {
        on!(db, p => sqlx::query_scalar(sql).fetch_one(p).await.unwrap())
    }

    /// The texts the statement reads.
    pub async fn texts(db: &Db, sql: &'static str) -> Vec<String> {
        on!(db, p => sqlx::query_scalar(sql).fetch_all(p).await.unwrap())
    }

    /// Runs a statement; how many rows it changed.
    pub async fn execute(db: &Db, sql: &'static str) -> u64 {
        on!(db, p => sqlx::query(sql).execute(p).await.unwrap().rows_affected())
    }

    /// `execute` of a statement a test wrote out (numbers only, never outside text).
    pub async fn execute_text(db: &Db, sql: String) -> u64 {
        on!(db, p => sqlx::query(sqlx::AssertSqlSafe(sql.clone())).execute(p).await.unwrap().rows_affected())
    }

    /// Creates an empty database with a random name on the server `admin` points at; its URL.
    async fn new_pg_database(admin: &str) -> String {
        use sqlx::{Connection, Executor};
        let mut bytes = [0u8; 8];
        getrandom::fill(&mut bytes).unwrap();
        let name = format!("jinri_unit_{}", bytes.iter().map(|b| format!("{b:02x}")).collect::<String>());
        let mut conn = sqlx::PgConnection::connect(admin).await.unwrap();
        conn.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).await.unwrap();
        conn.close().await.unwrap();
        let (base, _) = admin.rsplit_once('/').unwrap();
        format!("{base}/{name}")
    }
}
