//! Counters for abuse limits (failed logins, registrations, likes), kept in the database so
//! every server process sees the same counts and they survive a restart.
//!
//! A limited attempt first *takes* a slot: in one write transaction its rows are counted and,
//! if every limit has room, one row per limit is added. Concurrent attempts are serialised by
//! SQLite's write lock, so a burst gets exactly as many slots as the limit allows, however
//! slow the work after it (a password hash) is. An attempt that must not count gives its rows
//! back afterwards.

use sqlx::{SqliteConnection, SqlitePool};

/// One counter an attempt is checked against: rows of `scope`/`key` in the last `window_secs`.
#[derive(Clone, Copy, Debug)]
pub struct Limit<'a> {
    pub scope: &'a str,
    pub key: &'a str,
    pub window_secs: i64,
    /// At most this many rows in the window; `None` only counts (the caller decides).
    pub max: Option<i64>,
}

impl<'a> Limit<'a> {
    pub fn new(scope: &'a str, key: &'a str, window_secs: i64, max: i64) -> Self {
        Limit { scope, key, window_secs, max: Some(max) }
    }

    /// A counter that never refuses: the attempt is recorded and its count before it returned.
    pub fn count_only(scope: &'a str, key: &'a str, window_secs: i64) -> Self {
        Limit { scope, key, window_secs, max: None }
    }
}

/// Slots taken by one attempt.
#[derive(Debug)]
pub struct Taken {
    /// The rows added, one per limit, to give back if the attempt must not count.
    pub rows: Vec<i64>,
    /// For each limit, how many rows its window held before this attempt.
    pub counts: Vec<i64>,
}

/// Takes a slot of every limit in one write transaction: `Ok(Ok(taken))` when each had room
/// (one row added per limit), `Ok(Err(retry_after_secs))` when one was full (nothing added).
pub async fn take(pool: &SqlitePool, limits: &[Limit<'_>], now: i64) -> Result<Result<Taken, u64>, sqlx::Error> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let taken = take_in(&mut tx, limits, now).await?;
    if taken.is_ok() {
        tx.commit().await?;
    }
    Ok(taken)
}

/// `take` inside the caller's write transaction (begun with `BEGIN IMMEDIATE`, so the count
/// and the insert are one step): the slot counts only if the caller commits.
pub async fn take_in(
    conn: &mut SqliteConnection,
    limits: &[Limit<'_>],
    now: i64,
) -> Result<Result<Taken, u64>, sqlx::Error> {
    let mut counts = Vec::with_capacity(limits.len());
    let mut retry: Option<u64> = None;
    for l in limits {
        let (n, oldest) = since(&mut *conn, l.scope, l.key, now - l.window_secs).await?;
        if l.max.is_some_and(|max| n >= max) {
            let wait = oldest.map_or(l.window_secs, |o| o + l.window_secs - now).max(1) as u64;
            retry = Some(retry.map_or(wait, |r| r.max(wait)));
        }
        counts.push(n);
    }
    if let Some(r) = retry {
        return Ok(Err(r));
    }
    let mut rows = Vec::with_capacity(limits.len());
    for l in limits {
        let row: i64 =
            sqlx::query_scalar("INSERT INTO limit_events (scope, key, at) VALUES ($1, $2, $3) RETURNING rowid")
                .bind(l.scope)
                .bind(l.key)
                .bind(now)
                .fetch_one(&mut *conn)
                .await?;
        rows.push(row);
    }
    Ok(Ok(Taken { rows, counts }))
}

/// Removes slots taken by an attempt that must not count (a correct password, a name taken
/// by a concurrent registration, a failure of the server).
pub async fn give_back(pool: &SqlitePool, rows: &[i64]) -> Result<(), sqlx::Error> {
    for row in rows {
        sqlx::query("DELETE FROM limit_events WHERE rowid = $1").bind(row).execute(pool).await?;
    }
    Ok(())
}

/// How many events of `scope`/`key` happened after `since`, and when the oldest of them did.
pub async fn since(
    conn: &mut SqliteConnection,
    scope: &str,
    key: &str,
    since: i64,
) -> Result<(i64, Option<i64>), sqlx::Error> {
    sqlx::query_as("SELECT COUNT(*), MIN(at) FROM limit_events WHERE scope = $1 AND key = $2 AND at > $3")
        .bind(scope)
        .bind(key)
        .bind(since)
        .fetch_one(conn)
        .await
}

pub async fn clear(pool: &SqlitePool, scope: &str, key: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM limit_events WHERE scope = $1 AND key = $2").bind(scope).bind(key).execute(pool).await?;
    Ok(())
}

/// Drops the events of `scope` older than `before` (past its window), so the table stays small.
pub async fn prune(pool: &SqlitePool, scope: &str, before: i64) -> Result<u64, sqlx::Error> {
    let done = sqlx::query("DELETE FROM limit_events WHERE scope = $1 AND at < $2")
        .bind(scope)
        .bind(before)
        .execute(pool)
        .await?;
    Ok(done.rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::db::test_db;

    async fn rows(pool: &SqlitePool, scope: &str) -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM limit_events WHERE scope = $1")
            .bind(scope)
            .fetch_one(pool)
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn a_concurrent_burst_takes_exactly_the_slots_the_limit_allows() {
        let (pool, _dir) = test_db::fresh().await;
        let tries = (0..30).map(|_| {
            let pool = pool.clone();
            tokio::spawn(async move { take(&pool, &[Limit::new("t", "k", 60, 5)], 1000).await.unwrap() })
        });
        let results = futures::future::join_all(tries).await;
        let granted = results.iter().filter(|r| r.as_ref().unwrap().is_ok()).count();
        assert_eq!(granted, 5);
        assert_eq!(rows(&pool, "t").await, 5);
    }

    #[tokio::test]
    async fn a_full_limit_adds_nothing_and_says_when_a_slot_frees() {
        let (pool, _dir) = test_db::fresh().await;
        let both = [Limit::new("a", "k", 60, 2), Limit::count_only("b", "k", 60)];
        let first = take(&pool, &both, 1000).await.unwrap().unwrap();
        assert_eq!(first.counts, vec![0, 0]);
        let second = take(&pool, &both, 1010).await.unwrap().unwrap();
        assert_eq!(second.counts, vec![1, 1]);
        assert_eq!(take(&pool, &both, 1020).await.unwrap().unwrap_err(), 40, "the first slot frees at 1060");
        assert_eq!(rows(&pool, "b").await, 2, "a refused attempt records nothing");
        give_back(&pool, &second.rows).await.unwrap();
        assert!(take(&pool, &both, 1020).await.unwrap().is_ok(), "a slot given back is free again");
        assert!(take(&pool, &both, 1061).await.unwrap().is_ok(), "the window moved on");
    }

    #[tokio::test]
    async fn pruning_drops_only_old_events_of_its_scope() {
        let (pool, _dir) = test_db::fresh().await;
        for at in [10, 20, 30] {
            take(&pool, &[Limit::count_only("old", "k", 5)], at).await.unwrap().unwrap();
            take(&pool, &[Limit::count_only("other", "k", 5)], at).await.unwrap().unwrap();
        }
        assert_eq!(prune(&pool, "old", 25).await.unwrap(), 2);
        assert_eq!((rows(&pool, "old").await, rows(&pool, "other").await), (1, 3));
    }
}
