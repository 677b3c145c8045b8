//! Sign-in sessions. Only a hash of each token is stored.

use super::Db;
use crate::model::{Ban, Roles, UserId, Viewer};

pub async fn create(db: &Db, token_hash: &str, user: UserId, now: i64) -> Result<(), sqlx::Error> {
    on!(db, p => sqlx::query("INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at) VALUES ($1, $2, $3, $3)")
        .bind(token_hash)
        .bind(user.0)
        .bind(now)
        .execute(p)
        .await?
        .rows_affected());
    Ok(())
}

/// The reader of a live session, with the roles they hold now (read in the same statement, so
/// a grant or a revocation applies to open sessions at once). A session idle for `idle_secs` or older than `max_secs` is
/// deleted instead. `last_seen_at` is written at most once a minute per session.
pub async fn find(
    db: &Db,
    token_hash: &str,
    now: i64,
    idle_secs: i64,
    max_secs: i64,
) -> Result<Option<Viewer>, sqlx::Error> {
    // The roles as `Roles` bits (`Role::bit`), as `roles::of` reads them.
    const FIND: &str = "SELECT u.id, u.name, s.created_at, s.last_seen_at, (SELECT COALESCE(SUM(CASE r.role \
         WHEN 'editor' THEN 1 WHEN 'moderator' THEN 2 WHEN 'admin' THEN 4 ELSE 0 END), 0) FROM user_roles r \
         WHERE r.user_id = u.id), u.banned_until, u.ban_reason FROM sessions s JOIN users u ON u.id = s.user_id \
         WHERE s.token_hash = $1";
    #[allow(clippy::type_complexity)]
    let row: Option<(i64, String, i64, i64, i64, Option<i64>, Option<String>)> = match db {
        Db::Sqlite(lite) => {
            lite.one(FIND, vec![token_hash.to_owned().into()], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?))
            })
            .await?
        }
        Db::Pg(p) => sqlx::query_as(FIND).bind(token_hash).fetch_optional(p).await?,
    };
    let Some((id, name, created, last_seen, roles, banned_until, ban_reason)) = row else { return Ok(None) };
    if now - last_seen > idle_secs || now - created > max_secs {
        delete(db, token_hash).await?;
        return Ok(None);
    }
    if now - last_seen >= 60 {
        on!(db, p => sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2")
            .bind(now)
            .bind(token_hash)
            .execute(p)
            .await?
            .rows_affected());
    }
    let ban =
        banned_until.filter(|until| *until > now).map(|until| Ban { until, reason: ban_reason.unwrap_or_default() });
    Ok(Some(Viewer { id: UserId(id), name, roles: Roles(u8::try_from(roles).unwrap_or(0)), ban }))
}

pub async fn delete(db: &Db, token_hash: &str) -> Result<(), sqlx::Error> {
    on!(db, p => sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(p).await?.rows_affected());
    Ok(())
}

pub async fn count_for_user(db: &Db, user: UserId) -> Result<i64, sqlx::Error> {
    on!(db, p => sqlx::query_scalar("SELECT COUNT(*) FROM sessions WHERE user_id = $1").bind(user.0).fetch_one(p).await)
}

/// Deletes the sessions that `find` would refuse: idle for more than `idle_secs`, or begun
/// more than `max_secs` ago; returns how many.
pub async fn prune(db: &Db, now: i64, idle_secs: i64, max_secs: i64) -> Result<u64, sqlx::Error> {
    on!(db, p => sqlx::query("DELETE FROM sessions WHERE last_seen_at < $1 OR created_at < $2")
        .bind(now - idle_secs)
        .bind(now - max_secs)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))
}
