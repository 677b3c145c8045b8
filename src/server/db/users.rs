//! Reader accounts.

use super::{Db, WriteTx};
use crate::model::{PublicUser, UserId};
use crate::server::names;

/// A reader as sign-in needs it. The hash never leaves the server: this type is not `Serialize`.
#[derive(sqlx::FromRow)]
pub struct Credentials {
    pub id: i64,
    pub name: String,
    pub password_hash: Option<String>,
}

/// Why a new name cannot be had.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameConflict {
    /// The same name, ignoring case, belongs to a reader.
    Taken,
    /// A reader's name looks the same (equal skeletons, see `server::names`).
    LooksLike,
}

impl NameConflict {
    pub fn message(self) -> &'static str {
        match self {
            NameConflict::Taken => "这个用户名已被使用，请换一个",
            NameConflict::LooksLike => "这个用户名和已有的用户名太像，容易混淆，请换一个",
        }
    }
}

/// Finds the reader whose name a new name with this key and stored skeleton would conflict
/// with: whether it is the same name (rather than a lookalike).
const CONFLICT: &str =
    "SELECT name_key = $1 FROM users WHERE name_key = $1 OR skeleton = $2 ORDER BY name_key = $1 DESC LIMIT 1";

fn conflict_of(row: Option<bool>) -> Option<NameConflict> {
    row.map(|same| if same { NameConflict::Taken } else { NameConflict::LooksLike })
}

/// The conflict a new name with this key and stored skeleton would have, if any.
async fn conflict_on(tx: &mut WriteTx, key: &str, skeleton: &str) -> Result<Option<NameConflict>, sqlx::Error> {
    let row = on_tx!(tx, c => sqlx::query_scalar(CONFLICT).bind(key).bind(skeleton).fetch_optional(&mut *c).await?);
    Ok(conflict_of(row))
}

/// A quick check before the password is hashed; `create` checks again in its transaction.
pub async fn conflict(db: &Db, key: &str, skeleton: &str) -> Result<Option<NameConflict>, sqlx::Error> {
    let row = on!(db, p => sqlx::query_scalar(CONFLICT).bind(key).bind(skeleton).fetch_optional(p).await?);
    Ok(conflict_of(row))
}

/// Creates an account, unless the name (ignoring case) is taken or looks like a reader's name.
/// `skeleton` is `names::stored_skeleton` of the name. The check and the insert are one write
/// transaction that registrations take one at a time (SQLite's write lock; on PostgreSQL a
/// transaction lock, across processes), so two lookalike names registered at the same moment
/// cannot both pass. Rows without a skeleton yet get theirs first.
pub async fn create(
    db: &Db,
    name: &str,
    key: &str,
    skeleton: &str,
    hash: &str,
    now: i64,
) -> Result<Result<PublicUser, NameConflict>, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    if let WriteTx::Pg(t) = &mut tx {
        sqlx::query("SELECT pg_advisory_xact_lock(7138330902)").execute(&mut **t).await?;
    }
    fill_skeletons_on(&mut tx, false).await?;
    if let Some(c) = conflict_on(&mut tx, key, skeleton).await? {
        return Ok(Err(c));
    }
    let id: Option<i64> = on_tx!(&mut tx, c => sqlx::query_scalar(
        "INSERT INTO users (name, name_key, skeleton, password_hash, created_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (name_key) DO NOTHING RETURNING id",
    )
    .bind(name)
    .bind(key)
    .bind(skeleton)
    .bind(hash)
    .bind(now)
    .fetch_optional(&mut *c)
    .await?);
    let Some(id) = id else { return Ok(Err(NameConflict::Taken)) };
    tx.commit().await?;
    Ok(Ok(PublicUser { id: UserId(id), name: name.to_owned() }))
}

/// Computes the skeletons (SQL cannot: see `server::names`) of the rows without one, and with
/// `stale` also of those of another version of the folding.
async fn fill_skeletons_on(tx: &mut WriteTx, stale: bool) -> Result<u64, sqlx::Error> {
    let prefix = format!("{}:", names::SKELETON_VERSION);
    on_tx!(tx, c => {
        let rows: Vec<(i64, String)> = if stale {
            sqlx::query_as("SELECT id, name FROM users WHERE skeleton IS NULL OR substr(skeleton, 1, $1) <> $2")
                .bind(prefix.chars().count() as i32)
                .bind(&prefix)
                .fetch_all(&mut *c)
                .await?
        } else {
            sqlx::query_as("SELECT id, name FROM users WHERE skeleton IS NULL").fetch_all(&mut *c).await?
        };
        for (id, name) in &rows {
            sqlx::query("UPDATE users SET skeleton = $1 WHERE id = $2")
                .bind(names::stored_skeleton(name))
                .bind(id)
                .execute(&mut *c)
                .await?;
        }
        Ok(rows.len() as u64)
    })
}

/// At start-up: gives every reader without a skeleton of the current version (new rows of the
/// seed or of `generate`, rows from before migration 0005, or from an older version of the
/// folding) its skeleton, in one transaction. Returns how many rows changed. Writes nothing
/// when every row is up to date (a read-only database starts as before).
pub async fn fill_skeletons(db: &Db) -> Result<u64, sqlx::Error> {
    let prefix = format!("{}:", names::SKELETON_VERSION);
    let stale: i64 = on!(db, p => sqlx::query_scalar(
        "SELECT COUNT(*) FROM users WHERE skeleton IS NULL OR substr(skeleton, 1, $1) <> $2",
    )
    .bind(prefix.chars().count() as i32)
    .bind(&prefix)
    .fetch_one(p)
    .await?);
    if stale == 0 {
        return Ok(0);
    }
    let mut tx = db.begin_write().await?;
    let n = fill_skeletons_on(&mut tx, true).await?;
    tx.commit().await?;
    Ok(n)
}

pub async fn credentials(db: &Db, key: &str) -> Result<Option<Credentials>, sqlx::Error> {
    on!(db, p => sqlx::query_as("SELECT id, name, password_hash FROM users WHERE name_key = $1")
        .bind(key)
        .fetch_optional(p)
        .await)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::db::test_db;

    async fn add(pool: &Db, name: &str) -> Result<PublicUser, NameConflict> {
        create(pool, name, &name.to_lowercase(), &names::stored_skeleton(name), "x", 0).await.unwrap()
    }

    #[tokio::test]
    async fn a_name_or_a_lookalike_of_one_cannot_be_created_twice() {
        let (pool, _dir) = test_db::fresh().await;
        add(&pool, "Melan").await.unwrap();
        assert_eq!(add(&pool, "melan").await.unwrap_err(), NameConflict::Taken);
        assert_eq!(add(&pool, "MeIan").await.unwrap_err(), NameConflict::LooksLike);
        add(&pool, "善結仁義").await.unwrap();
        assert_eq!(add(&pool, "善结仁义").await.unwrap_err(), NameConflict::LooksLike);
        add(&pool, "Nolan").await.unwrap();
        let n = test_db::scalar(&pool, "SELECT COUNT(*) FROM users").await;
        assert_eq!(n, 3);
    }

    #[tokio::test]
    async fn concurrent_lookalikes_cannot_both_be_created() {
        let (pool, _dir) = test_db::fresh().await;
        for round in 0..10 {
            let (a, b) = (format!("Melan{round}"), format!("MeIan{round}"));
            let (ra, rb) = tokio::join!(add(&pool, &a), add(&pool, &b));
            assert!(ra.is_ok() != rb.is_ok(), "round {round}: {ra:?} / {rb:?}");
        }
        let n = test_db::scalar(&pool, "SELECT COUNT(*) FROM users").await;
        assert_eq!(n, 10);
    }

    #[tokio::test]
    async fn rows_without_a_skeleton_get_one_at_start_up_and_before_a_registration() {
        let (pool, _dir) = test_db::fresh().await;
        for (name, skeleton) in [("Melan", None), ("Sammie", Some("0:old")), ("June", Some("stale"))] {
            on!(&pool, p => sqlx::query("INSERT INTO users (name, name_key, skeleton, created_at) VALUES ($1, $2, $3, 0)")
                .bind(name)
                .bind(name.to_lowercase())
                .bind(skeleton)
                .execute(p)
                .await
                .unwrap()
                .rows_affected());
        }
        assert_eq!(fill_skeletons(&pool).await.unwrap(), 3);
        assert_eq!(fill_skeletons(&pool).await.unwrap(), 0);
        let stored = test_db::texts(&pool, "SELECT skeleton FROM users ORDER BY id").await;
        assert_eq!(stored, ["Melan", "Sammie", "June"].map(names::stored_skeleton));
        // A row written without one after start-up (an older server process) is filled before
        // the next registration is compared with it.
        test_db::execute(&pool, "INSERT INTO users (name, name_key, created_at) VALUES ('Kiwi_2021', 'kiwi_2021', 0)")
            .await;
        assert_eq!(add(&pool, "KIWI_2O2l").await.unwrap_err(), NameConflict::LooksLike);
    }
}
