//! Stored site facts: the weather range, exchange rate and city shown in the top bar.

use super::{Db, WriteTx};
use crate::model::UserId;
use std::collections::HashMap;

/// The facts an editor may set, with what each means (for `jinri facts`).
pub const FACTS: [(&str, &str); 3] = [
    ("weather", "今日气温范围，例如 20.1°C-21.3°C"),
    ("exchange_rate", "澳元兑人民币汇率，例如 4.73"),
    ("city", "城市名，例如 悉尼"),
];

pub async fn all(db: &Db) -> Result<HashMap<String, String>, sqlx::Error> {
    let rows: Vec<(String, String)> =
        on!(db, p => sqlx::query_as("SELECT key, value FROM site_facts").fetch_all(p).await?);
    Ok(rows.into_iter().collect())
}

/// The row that says the articles changed (not a fact the top bar shows): the page cache digests
/// every row of this table, read at most once a second per process (`page_cache::FACTS_CHECK`),
/// so writing it makes every cached page of every process stale within a second, whichever
/// process (the site, `jinri import`) changed the articles.
pub const ARTICLES_CHANGED: &str = "articles_changed";

/// Marks the articles as changed (`ARTICLES_CHANGED`).
pub async fn touch_articles(db: &Db, now: i64) -> Result<(), sqlx::Error> {
    let stamp = format!(
        "{now}.{}",
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos())
    );
    set(db, ARTICLES_CHANGED, &stamp, now).await
}

pub async fn set(db: &Db, key: &str, value: &str, now: i64) -> Result<(), sqlx::Error> {
    let mut tx = db.begin_write().await?;
    upsert(&mut tx, key, value, now).await?;
    tx.commit().await
}

/// Sets the facts in `changes` that differ from what is stored, in one transaction, each with
/// a line in the audit log (`fact.set`, `key=value`) naming `by`; returns how many changed.
pub async fn set_by(db: &Db, changes: &[(&str, &str)], by: UserId, now: i64) -> Result<usize, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    let mut changed = 0;
    for (key, value) in changes {
        let stored: Option<String> = on_tx!(&mut tx, c => sqlx::query_scalar("SELECT value FROM site_facts WHERE key = $1")
            .bind(*key)
            .fetch_optional(&mut *c)
            .await?);
        if stored.as_deref() == Some(*value) {
            continue;
        }
        upsert(&mut tx, key, value, now).await?;
        super::roles::log(&mut tx, now, Some(by), "fact.set", None, &format!("{key}={value}")).await?;
        changed += 1;
    }
    tx.commit().await?;
    Ok(changed)
}

async fn upsert(tx: &mut WriteTx, key: &str, value: &str, now: i64) -> Result<(), sqlx::Error> {
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO site_facts (key, value, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
    )
    .bind(key)
    .bind(value)
    .bind(now)
    .execute(&mut *c)
    .await?
    .rows_affected());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::db::test_db;

    #[tokio::test]
    async fn a_fact_set_twice_keeps_the_latest_value() {
        let (pool, _dir) = test_db::fresh().await;
        set(&pool, "weather", "20.1°C-21.3°C", 1).await.unwrap();
        set(&pool, "weather", "18.0°C-25.5°C", 2).await.unwrap();
        assert_eq!(all(&pool).await.unwrap()["weather"], "18.0°C-25.5°C");
    }

    #[tokio::test]
    async fn facts_set_on_the_site_are_logged_and_an_unchanged_one_is_not() {
        let (pool, _dir) = test_db::fresh().await;
        let by = crate::server::db::users::create(&pool, "zhu_bian", "zhu_bian", "zhu_bian", "x", 0)
            .await
            .unwrap()
            .unwrap()
            .id;
        set(&pool, "city", "悉尼", 1).await.unwrap();
        let n = set_by(&pool, &[("city", "悉尼"), ("weather", "18°C-24°C")], by, 2).await.unwrap();
        assert_eq!(n, 1);
        assert_eq!(all(&pool).await.unwrap()["weather"], "18°C-24°C");
        let log = crate::server::db::roles::audit(&pool, 10).await.unwrap();
        assert_eq!(log.len(), 1);
        assert_eq!(
            (log[0].action.as_str(), log[0].detail.as_str(), log[0].actor.as_deref()),
            ("fact.set", "weather=18°C-24°C", Some("zhu_bian"))
        );
    }
}
