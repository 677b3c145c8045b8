//! Counters for abuse limits (failed logins, registrations, likes), kept in the database so
//! every server process sees the same counts and they survive a restart.
//!
//! A limited attempt first *takes* a slot: in one write transaction its rows are counted and,
//! if every limit has room, one row per limit is added. Concurrent attempts are serialised (by
//! SQLite's write lock; on PostgreSQL by a transaction lock on each limit's key, which holds
//! across server processes), so a burst gets exactly as many slots as the limit allows,
//! however slow the work after it (a password hash) is. An attempt that must not count gives
//! its rows back afterwards.

use super::{Db, WriteTx};

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
pub async fn take(db: &Db, limits: &[Limit<'_>], now: i64) -> Result<Result<Taken, u64>, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    let taken = take_in(&mut tx, limits, now).await?;
    if taken.is_ok() {
        tx.commit().await?;
    }
    Ok(taken)
}

/// `take` inside the caller's write transaction (`Db::begin_write`, so the count and the
/// insert are one step): the slot counts only if the caller commits.
pub async fn take_in(tx: &mut WriteTx, limits: &[Limit<'_>], now: i64) -> Result<Result<Taken, u64>, sqlx::Error> {
    if let WriteTx::Pg(t) = tx {
        // In one order, so two attempts that share limits cannot wait for each other.
        let mut keys: Vec<String> = limits.iter().map(|l| format!("{}\u{1f}{}", l.scope, l.key)).collect();
        keys.sort();
        keys.dedup();
        for key in keys {
            sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))").bind(key).execute(&mut **t).await?;
        }
    }
    let mut counts = Vec::with_capacity(limits.len());
    let mut retry: Option<u64> = None;
    for l in limits {
        let (n, oldest) = since(&mut *tx, l.scope, l.key, now - l.window_secs).await?;
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
        // A SQLite row's own number is its rowid; PostgreSQL's table has an `id` column.
        let row: i64 = match &mut *tx {
            WriteTx::Sqlite(t) => {
                sqlx::query_scalar("INSERT INTO limit_events (scope, key, at) VALUES ($1, $2, $3) RETURNING rowid")
                    .bind(l.scope)
                    .bind(l.key)
                    .bind(now)
                    .fetch_one(&mut **t)
                    .await?
            }
            WriteTx::Pg(t) => {
                sqlx::query_scalar("INSERT INTO limit_events (scope, key, at) VALUES ($1, $2, $3) RETURNING id")
                    .bind(l.scope)
                    .bind(l.key)
                    .bind(now)
                    .fetch_one(&mut **t)
                    .await?
            }
        };
        rows.push(row);
    }
    Ok(Ok(Taken { rows, counts }))
}

/// Removes slots taken by an attempt that must not count (a correct password, a name taken
/// by a concurrent registration, a failure of the server).
pub async fn give_back(db: &Db, rows: &[i64]) -> Result<(), sqlx::Error> {
    for row in rows {
        match db {
            Db::Sqlite(p) => sqlx::query("DELETE FROM limit_events WHERE rowid = $1")
                .bind(row)
                .execute(&p.pool)
                .await?
                .rows_affected(),
            Db::Pg(p) => {
                sqlx::query("DELETE FROM limit_events WHERE id = $1").bind(row).execute(p).await?.rows_affected()
            }
        };
    }
    Ok(())
}

/// How many events of `scope`/`key` happened after `since`, and when the oldest of them did.
pub async fn since(tx: &mut WriteTx, scope: &str, key: &str, since: i64) -> Result<(i64, Option<i64>), sqlx::Error> {
    on_tx!(tx, c => sqlx::query_as(
        "SELECT COUNT(*), MIN(at) FROM limit_events WHERE scope = $1 AND key = $2 AND at > $3",
    )
    .bind(scope)
    .bind(key)
    .bind(since)
    .fetch_one(&mut *c)
    .await)
}

pub async fn clear(db: &Db, scope: &str, key: &str) -> Result<(), sqlx::Error> {
    on!(db, p => sqlx::query("DELETE FROM limit_events WHERE scope = $1 AND key = $2")
        .bind(scope)
        .bind(key)
        .execute(p)
        .await?
        .rows_affected());
    Ok(())
}

/// Drops the events of `scope` older than `before` (past its window), so the table stays small.
pub async fn prune(db: &Db, scope: &str, before: i64) -> Result<u64, sqlx::Error> {
    on!(db, p => Ok(sqlx::query("DELETE FROM limit_events WHERE scope = $1 AND at < $2")
        .bind(scope)
        .bind(before)
        .execute(p)
        .await?
        .rows_affected()))
}

/// Deletes the events of every scope before `before`.
pub async fn prune_all(db: &Db, before: i64) -> Result<u64, sqlx::Error> {
    on!(db, p => Ok(sqlx::query("DELETE FROM limit_events WHERE at < $1")
        .bind(before)
        .execute(p)
        .await?
        .rows_affected()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::db::test_db;

    async fn rows(db: &Db, scope: &str) -> i64 {
        on!(db, p => sqlx::query_scalar("SELECT COUNT(*) FROM limit_events WHERE scope = $1")
            .bind(scope)
            .fetch_one(p)
            .await
            .unwrap())
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
