//! Form flashes (`server::flash`): what a failed plain form post is sent back to its form with,
//! kept for a minute under the hash of a cookie's token and read at most once.

use super::Db;

/// Stores a flash for `path` until `expires_at`, first dropping every expired one, so the table
/// holds no more than the last minute's flashes even when the periodic prune has not run. A
/// client already holding `per_client` live flashes gets none (`false`): the count and the
/// insert are one statement, so a burst cannot slip past it.
#[allow(clippy::too_many_arguments)]
pub async fn insert(
    db: &Db,
    token_hash: &str,
    client: &str,
    path: &str,
    payload: &str,
    now: i64,
    expires_at: i64,
    per_client: i64,
) -> Result<bool, sqlx::Error> {
    prune(db, now).await?;
    let done = on!(db, p => sqlx::query(
        "INSERT INTO form_flash (token_hash, client, path, payload, created_at, expires_at) \
         SELECT $1, $2, $3, $4, $5, $6 \
         WHERE (SELECT COUNT(*) FROM form_flash WHERE client = $2 AND expires_at > $5) < $7",
    )
    .bind(token_hash)
    .bind(client)
    .bind(path)
    .bind(payload)
    .bind(now)
    .bind(expires_at)
    .bind(per_client)
    .execute(p)
    .await?
    .rows_affected());
    Ok(done == 1)
}

/// The payload of the live flash `token_hash` made for `path`, deleted as it is read: of two
/// requests with one cookie, only one gets it. A flash for another page is left alone (read
/// first, so a request for another page writes nothing) and an expired one is never returned.
pub async fn take(db: &Db, token_hash: &str, path: &str, now: i64) -> Result<Option<String>, sqlx::Error> {
    let made_for: Option<String> = on!(db, p => sqlx::query_scalar("SELECT path FROM form_flash WHERE token_hash = $1 AND expires_at > $2")
            .bind(token_hash)
            .bind(now)
            .fetch_optional(p)
            .await?);
    if made_for.as_deref() != Some(path) {
        return Ok(None);
    }
    on!(db, p => sqlx::query_scalar(
        "DELETE FROM form_flash WHERE token_hash = $1 AND path = $2 AND expires_at > $3 RETURNING payload",
    )
    .bind(token_hash)
    .bind(path)
    .bind(now)
    .fetch_optional(p)
    .await)
}

/// Deletes the flashes that expired by `now`; returns how many.
pub async fn prune(db: &Db, now: i64) -> Result<u64, sqlx::Error> {
    let done = on!(db, p => sqlx::query("DELETE FROM form_flash WHERE expires_at <= $1").bind(now).execute(p).await?.rows_affected());
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_flash_is_read_once_only_for_its_page_and_only_while_live() {
        let (pool, _dir) = super::super::test_db::fresh().await;
        let pool = &pool;
        assert!(insert(pool, "h", "c", "/login", "{}", 100, 160, 5).await.unwrap());
        assert_eq!(take(pool, "h", "/register", 110).await.unwrap(), None, "another page");
        assert_eq!(take(pool, "h", "/login", 160).await.unwrap(), None, "expired");
        assert_eq!(take(pool, "h", "/login", 110).await.unwrap().as_deref(), Some("{}"));
        assert_eq!(take(pool, "h", "/login", 111).await.unwrap(), None, "read once");
        assert!(insert(pool, "old", "c", "/login", "{}", 100, 160, 5).await.unwrap());
        assert!(insert(pool, "new", "c", "/login", "{}", 170, 230, 5).await.unwrap());
        assert_eq!(take(pool, "new", "/login", 171).await.unwrap().as_deref(), Some("{}"));
        let left = super::super::test_db::scalar(pool, "SELECT COUNT(*) FROM form_flash").await;
        assert_eq!(left, 0, "the expired flash was pruned when the new one was written");
    }

    #[tokio::test]
    async fn a_client_holds_at_most_its_share_of_live_flashes() {
        let (pool, _dir) = super::super::test_db::fresh().await;
        let pool = &pool;
        for i in 0..3 {
            assert!(insert(pool, &format!("a{i}"), "203.0.113.9/32", "/login", "{}", 100, 160, 3).await.unwrap());
        }
        assert!(!insert(pool, "a3", "203.0.113.9/32", "/login", "{}", 101, 161, 3).await.unwrap(), "full");
        assert!(insert(pool, "b0", "198.51.100.7/32", "/login", "{}", 101, 161, 3).await.unwrap(), "others unaffected");
        assert!(take(pool, "a0", "/login", 102).await.unwrap().is_some());
        assert!(
            insert(pool, "a4", "203.0.113.9/32", "/login", "{}", 102, 162, 3).await.unwrap(),
            "a read one frees a place"
        );
        assert!(
            insert(pool, "a5", "203.0.113.9/32", "/login", "{}", 170, 230, 3).await.unwrap(),
            "and so do expired ones"
        );
    }
}
