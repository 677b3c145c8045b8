//! All SQL lives under this module. Statements are plain SQL that PostgreSQL accepts too.

pub mod articles;
pub mod comments;
pub mod facts;
pub mod flash;
pub mod generate;
pub mod limits;
pub mod secrets;
pub mod seed;
pub mod sessions;
pub mod users;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;
use std::str::FromStr;
use std::time::Duration;

/// Opens the database (creating the file and its folder if needed) with the settings the
/// site relies on: WAL so readers never wait for the writer, synchronous=NORMAL (durable
/// across a crash of the process; a power cut can lose the last transactions), foreign keys,
/// and a busy timeout so writers queue instead of failing.
pub async fn connect(url: &str, max_connections: u32, busy_timeout: Duration) -> Result<SqlitePool, sqlx::Error> {
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
    SqlitePoolOptions::new()
        .max_connections(max_connections)
        .min_connections(1)
        .before_acquire(|conn, _| Box::pin(async move { usable(conn).await }))
        .connect_with(options)
        .await
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

/// Writes a consistent copy of the database to a new file.
pub async fn backup(pool: &SqlitePool, file: &str) -> Result<(), sqlx::Error> {
    sqlx::query("VACUUM INTO $1").bind(file).execute(pool).await?;
    Ok(())
}

/// Applies the migrations in `migrations/` that the database has not seen yet.
pub async fn migrate(pool: &SqlitePool) -> Result<(), sqlx::migrate::MigrateError> {
    sqlx::migrate!("./migrations").run(pool).await
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn connections_use_wal_normal_sync_foreign_keys_and_a_busy_timeout() {
        let (pool, _dir) = super::test_db::fresh().await;
        let mut conn = pool.acquire().await.unwrap();
        let mode: String = sqlx::query_scalar("PRAGMA journal_mode").fetch_one(&mut *conn).await.unwrap();
        let sync: i64 = sqlx::query_scalar("PRAGMA synchronous").fetch_one(&mut *conn).await.unwrap();
        let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys").fetch_one(&mut *conn).await.unwrap();
        let busy: i64 = sqlx::query_scalar("PRAGMA busy_timeout").fetch_one(&mut *conn).await.unwrap();
        assert_eq!((mode.as_str(), sync, fk, busy), ("wal", 1, 1, 5000));
    }

    #[tokio::test]
    async fn migrations_apply_to_a_fresh_database_and_again_without_change() {
        let (pool, _dir) = super::test_db::fresh().await;
        super::migrate(&pool).await.unwrap();
        let tables: Vec<String> = sqlx::query_scalar(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\' ORDER BY name",
        )
        .fetch_all(&pool)
        .await
        .unwrap();
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
}

#[cfg(test)]
pub(crate) mod test_db {
    use sqlx::SqlitePool;

    /// A fresh, migrated database in a temporary folder that lives as long as the guard.
    pub async fn fresh() -> (SqlitePool, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("test.db").display());
        let pool = super::connect(&url, 4, std::time::Duration::from_secs(5)).await.unwrap();
        super::migrate(&pool).await.unwrap();
        (pool, dir)
    }
}
