//! Stored site facts: the weather range, exchange rate and city shown in the top bar.

use super::Db;
use std::collections::HashMap;

/// The facts an editor may set, with what each means (for `jinri facts`).
pub const FACTS: [(&str, &str); 3] = [
    ("weather", "今日气温范围, 例如 20.1°C-21.3°C"),
    ("exchange_rate", "澳元兑人民币汇率, 例如 4.73"),
    ("city", "城市名, 例如 悉尼"),
];

pub async fn all(db: &Db) -> Result<HashMap<String, String>, sqlx::Error> {
    let rows: Vec<(String, String)> =
        on!(db, p => sqlx::query_as("SELECT key, value FROM site_facts").fetch_all(p).await?);
    Ok(rows.into_iter().collect())
}

pub async fn set(db: &Db, key: &str, value: &str, now: i64) -> Result<(), sqlx::Error> {
    on!(db, p => sqlx::query(
        "INSERT INTO site_facts (key, value, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
    )
    .bind(key)
    .bind(value)
    .bind(now)
    .execute(p)
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
}
