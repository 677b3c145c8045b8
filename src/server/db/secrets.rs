//! Site-wide keys, made on first use and kept in the database.

use super::Db;

/// The key named `name`: the one already stored, or else `fresh`, stored now. When two
/// processes start at once, both read back the one that was stored first.
pub async fn get_or_create(db: &Db, name: &str, fresh: &str) -> Result<String, sqlx::Error> {
    on!(db, pool => {
    // Read first: a read-only database that has its key already still serves with it.
    let stored: Option<String> =
        sqlx::query_scalar("SELECT secret FROM site_secrets WHERE name = $1").bind(name).fetch_optional(pool).await?;
    if let Some(secret) = stored {
        return Ok(secret);
    }
    sqlx::query("INSERT INTO site_secrets (name, secret) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
        .bind(name)
        .bind(fresh)
        .execute(pool)
        .await?;
    sqlx::query_scalar("SELECT secret FROM site_secrets WHERE name = $1").bind(name).fetch_one(pool).await
    })
}
