//! Counters for abuse limits (failed logins, registrations), kept in the database so every
//! server process sees the same counts and they survive a restart.

use sqlx::SqlitePool;

pub async fn record(pool: &SqlitePool, scope: &str, key: &str, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO limit_events (scope, key, at) VALUES ($1, $2, $3)")
        .bind(scope)
        .bind(key)
        .bind(now)
        .execute(pool)
        .await?;
    Ok(())
}

/// How many events of `scope`/`key` happened after `since`, and when the oldest of them did.
pub async fn since(pool: &SqlitePool, scope: &str, key: &str, since: i64) -> Result<(i64, Option<i64>), sqlx::Error> {
    sqlx::query_as("SELECT COUNT(*), MIN(at) FROM limit_events WHERE scope = $1 AND key = $2 AND at > $3")
        .bind(scope)
        .bind(key)
        .bind(since)
        .fetch_one(pool)
        .await
}

pub async fn clear(pool: &SqlitePool, scope: &str, key: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM limit_events WHERE scope = $1 AND key = $2").bind(scope).bind(key).execute(pool).await?;
    Ok(())
}

/// Drops events older than any window, so the table stays small.
pub async fn prune(pool: &SqlitePool, before: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM limit_events WHERE at < $1").bind(before).execute(pool).await?;
    Ok(())
}
