//! Reader accounts.

use crate::model::{PublicUser, UserId};
use sqlx::SqlitePool;

/// A reader as sign-in needs it. The hash never leaves the server: this type is not `Serialize`.
#[derive(sqlx::FromRow)]
pub struct Credentials {
    pub id: i64,
    pub name: String,
    pub password_hash: Option<String>,
}

/// Creates an account; `None` if the name (ignoring case) is taken.
pub async fn create(
    pool: &SqlitePool,
    name: &str,
    key: &str,
    hash: &str,
    now: i64,
) -> Result<Option<PublicUser>, sqlx::Error> {
    let id: Option<i64> = sqlx::query_scalar(
        "INSERT INTO users (name, name_key, password_hash, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (name_key) DO NOTHING RETURNING id",
    )
    .bind(name)
    .bind(key)
    .bind(hash)
    .bind(now)
    .fetch_optional(pool)
    .await?;
    Ok(id.map(|id| PublicUser { id: UserId(id), name: name.to_owned() }))
}

pub async fn name_taken(pool: &SqlitePool, key: &str) -> Result<bool, sqlx::Error> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE name_key = $1").bind(key).fetch_one(pool).await?;
    Ok(n > 0)
}

pub async fn credentials(pool: &SqlitePool, key: &str) -> Result<Option<Credentials>, sqlx::Error> {
    sqlx::query_as("SELECT id, name, password_hash FROM users WHERE name_key = $1").bind(key).fetch_optional(pool).await
}
