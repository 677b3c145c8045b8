//! Form flashes (`server::flash`): what a failed plain form post is sent back to its form with,
//! kept for a minute under the hash of a cookie's token and read at most once.

use sqlx::SqlitePool;

/// Stores a flash for `path` until `expires_at`, first dropping every expired one, so the table
/// holds no more than the last minute's flashes even when the periodic prune has not run.
pub async fn insert(
    pool: &SqlitePool,
    token_hash: &str,
    path: &str,
    payload: &str,
    now: i64,
    expires_at: i64,
) -> Result<(), sqlx::Error> {
    prune(pool, now).await?;
    sqlx::query(
        "INSERT INTO form_flash (token_hash, path, payload, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(token_hash)
    .bind(path)
    .bind(payload)
    .bind(now)
    .bind(expires_at)
    .execute(pool)
    .await?;
    Ok(())
}

/// The payload of the live flash `token_hash` made for `path`, deleted as it is read: of two
/// requests with one cookie, only one gets it. A flash for another page is left alone (read
/// first, so a request for another page writes nothing) and an expired one is never returned.
pub async fn take(pool: &SqlitePool, token_hash: &str, path: &str, now: i64) -> Result<Option<String>, sqlx::Error> {
    let made_for: Option<String> =
        sqlx::query_scalar("SELECT path FROM form_flash WHERE token_hash = $1 AND expires_at > $2")
            .bind(token_hash)
            .bind(now)
            .fetch_optional(pool)
            .await?;
    if made_for.as_deref() != Some(path) {
        return Ok(None);
    }
    sqlx::query_scalar(
        "DELETE FROM form_flash WHERE token_hash = $1 AND path = $2 AND expires_at > $3 RETURNING payload",
    )
    .bind(token_hash)
    .bind(path)
    .bind(now)
    .fetch_optional(pool)
    .await
}

/// Deletes the flashes that expired by `now`; returns how many.
pub async fn prune(pool: &SqlitePool, now: i64) -> Result<u64, sqlx::Error> {
    let done = sqlx::query("DELETE FROM form_flash WHERE expires_at <= $1").bind(now).execute(pool).await?;
    Ok(done.rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_flash_is_read_once_only_for_its_page_and_only_while_live() {
        let (pool, _dir) = super::super::test_db::fresh().await;
        let pool = &pool;
        insert(pool, "h", "/login", "{}", 100, 160).await.unwrap();
        assert_eq!(take(pool, "h", "/register", 110).await.unwrap(), None, "another page");
        assert_eq!(take(pool, "h", "/login", 160).await.unwrap(), None, "expired");
        assert_eq!(take(pool, "h", "/login", 110).await.unwrap().as_deref(), Some("{}"));
        assert_eq!(take(pool, "h", "/login", 111).await.unwrap(), None, "read once");
        insert(pool, "old", "/login", "{}", 100, 160).await.unwrap();
        insert(pool, "new", "/login", "{}", 170, 230).await.unwrap();
        assert_eq!(take(pool, "new", "/login", 171).await.unwrap().as_deref(), Some("{}"));
        let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM form_flash").fetch_one(pool).await.unwrap();
        assert_eq!(left, 0, "the expired flash was pruned when the new one was written");
    }
}
