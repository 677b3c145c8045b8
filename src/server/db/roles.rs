//! Newsroom roles (`user_roles`) and the audit log of what was done with them (`audit_log`).
//!
//! A grant or a revocation and its audit row are one transaction. Revoking `admin` never
//! leaves the site without one: the admins are counted under the write lock (SQLite) or with
//! every admin row locked (PostgreSQL, across processes), so two admins revoking each other at
//! the same moment cannot both succeed.

use super::{Db, WriteTx};
use crate::model::{Role, Roles, UserId};

/// A reader holding at least one role, as the admin page lists them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    pub id: UserId,
    pub name: String,
    /// Each role with when it was granted and by whom (`None`: on the command line).
    pub roles: Vec<(Role, i64, Option<String>)>,
}

/// One line of the audit log.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct AuditEntry {
    pub id: i64,
    pub at: i64,
    /// Who did it; `None` for the command line (or an account since removed).
    pub actor: Option<String>,
    pub action: String,
    pub target: Option<String>,
    pub detail: String,
    /// Why (moderators' actions).
    pub reason: String,
}

/// What a grant or a revocation did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The role was granted or revoked (and logged).
    Changed,
    /// Nothing to do: the reader already held (or did not hold) the role. Not logged.
    Unchanged,
    /// No reader has that name.
    NoSuchReader,
    /// Refused: it would leave the site without an admin.
    LastAdmin,
}

/// The roles of one reader.
pub async fn of(db: &Db, user: UserId) -> Result<Roles, sqlx::Error> {
    let sql = "SELECT COALESCE(SUM(CASE role WHEN 'editor' THEN 1 WHEN 'moderator' THEN 2 WHEN 'admin' THEN 4 \
               ELSE 0 END), 0) FROM user_roles WHERE user_id = $1";
    let bits: i64 = on!(db, p => sqlx::query_scalar(sql).bind(user.0).fetch_one(p).await?);
    Ok(Roles(u8::try_from(bits).unwrap_or(0)))
}

/// The id and stored name of the reader whose name key (`Username::key`) is `key`.
async fn find_reader(tx: &mut WriteTx, key: &str) -> Result<Option<(i64, String)>, sqlx::Error> {
    on_tx!(tx, c => sqlx::query_as("SELECT id, name FROM users WHERE name_key = $1")
        .bind(key)
        .fetch_optional(&mut *c)
        .await)
}

/// Appends a line to the audit log in the caller's transaction.
pub(super) async fn log(
    tx: &mut WriteTx,
    now: i64,
    actor: Option<UserId>,
    action: &str,
    target: Option<i64>,
    detail: &str,
) -> Result<(), sqlx::Error> {
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO audit_log (at, actor_id, action, target_user_id, detail) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(now)
    .bind(actor.map(|a| a.0))
    .bind(action)
    .bind(target)
    .bind(detail)
    .execute(&mut *c)
    .await?
    .rows_affected());
    Ok(())
}

/// Grants `role` to the reader whose name key is `key`; `by` is the admin who did it (`None`:
/// the command line). Logged as `role.grant`.
pub async fn grant(db: &Db, key: &str, role: Role, by: Option<UserId>, now: i64) -> Result<Outcome, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    let Some((user, _)) = find_reader(&mut tx, key).await? else { return Ok(Outcome::NoSuchReader) };
    let added = on_tx!(&mut tx, c => sqlx::query(
        "INSERT INTO user_roles (user_id, role, granted_at, granted_by) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (user_id, role) DO NOTHING",
    )
    .bind(user)
    .bind(role.as_str())
    .bind(now)
    .bind(by.map(|b| b.0))
    .execute(&mut *c)
    .await?
    .rows_affected());
    if added == 0 {
        return Ok(Outcome::Unchanged);
    }
    log(&mut tx, now, by, "role.grant", Some(user), role.as_str()).await?;
    tx.commit().await?;
    Ok(Outcome::Changed)
}

/// Revokes `role` from the reader whose name key is `key`, unless it is the last admin's
/// `admin`. Logged as `role.revoke`.
pub async fn revoke(db: &Db, key: &str, role: Role, by: Option<UserId>, now: i64) -> Result<Outcome, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    let Some((user, _)) = find_reader(&mut tx, key).await? else { return Ok(Outcome::NoSuchReader) };
    if role == Role::Admin {
        // Every admin row locked in one statement (PostgreSQL; SQLite holds its write lock
        // already): a concurrent revocation waits here and then counts what this one left.
        let admins: Vec<i64> = match &mut tx {
            WriteTx::Sqlite(t) => {
                sqlx::query_scalar("SELECT user_id FROM user_roles WHERE role = 'admin'").fetch_all(&mut **t).await?
            }
            WriteTx::Pg(t) => {
                sqlx::query_scalar("SELECT user_id FROM user_roles WHERE role = 'admin' ORDER BY user_id FOR UPDATE")
                    .fetch_all(&mut **t)
                    .await?
            }
        };
        if admins.contains(&user) && admins.len() <= 1 {
            return Ok(Outcome::LastAdmin);
        }
    }
    let removed = on_tx!(&mut tx, c => sqlx::query("DELETE FROM user_roles WHERE user_id = $1 AND role = $2")
        .bind(user)
        .bind(role.as_str())
        .execute(&mut *c)
        .await?
        .rows_affected());
    if removed == 0 {
        return Ok(Outcome::Unchanged);
    }
    log(&mut tx, now, by, "role.revoke", Some(user), role.as_str()).await?;
    tx.commit().await?;
    Ok(Outcome::Changed)
}

/// Everyone holding a role, by name; with who granted each role.
pub async fn staff(db: &Db) -> Result<Vec<Member>, sqlx::Error> {
    let rows: Vec<(i64, String, String, i64, Option<String>)> = on!(db, p => sqlx::query_as(
        "SELECT u.id, u.name, r.role, r.granted_at, g.name FROM user_roles r JOIN users u ON u.id = r.user_id \
         LEFT JOIN users g ON g.id = r.granted_by ORDER BY u.name_key, u.id, r.role",
    )
    .fetch_all(p)
    .await?);
    let mut out: Vec<Member> = Vec::new();
    for (id, name, role, at, by) in rows {
        let Some(role) = Role::parse(&role) else { continue };
        match out.last_mut() {
            Some(m) if m.id.0 == id => m.roles.push((role, at, by)),
            _ => out.push(Member { id: UserId(id), name, roles: vec![(role, at, by)] }),
        }
    }
    for m in &mut out {
        m.roles.sort_by_key(|(r, _, _)| Role::ALL.iter().position(|x| x == r));
    }
    Ok(out)
}

/// The newest `limit` lines of the audit log, newest first.
pub async fn audit(db: &Db, limit: i64) -> Result<Vec<AuditEntry>, sqlx::Error> {
    on!(db, p => sqlx::query_as(
        "SELECT l.id, l.at, a.name AS actor, l.action, t.name AS target, l.detail, l.reason FROM audit_log l \
         LEFT JOIN users a ON a.id = l.actor_id LEFT JOIN users t ON t.id = l.target_user_id \
         ORDER BY l.id DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(p)
    .await)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::db::{sessions, test_db, users};

    async fn reader(db: &Db, name: &str) -> UserId {
        let key = name.to_lowercase();
        users::create(db, name, &key, &crate::server::names::stored_skeleton(name), "x", 0).await.unwrap().unwrap().id
    }

    #[tokio::test]
    async fn a_grant_shows_in_the_session_at_once_and_a_revocation_too() {
        let (db, _guard) = test_db::fresh().await;
        let id = reader(&db, "editor_wang").await;
        sessions::create(&db, "t", id, 100).await.unwrap();
        let roles_now = || async { sessions::find(&db, "t", 100, 1_000, 1_000).await.unwrap().unwrap().roles };
        assert_eq!(roles_now().await, Roles::default());
        assert_eq!(grant(&db, "editor_wang", Role::Editor, None, 100).await.unwrap(), Outcome::Changed);
        assert_eq!(grant(&db, "editor_wang", Role::Moderator, None, 100).await.unwrap(), Outcome::Changed);
        assert_eq!(grant(&db, "editor_wang", Role::Editor, None, 101).await.unwrap(), Outcome::Unchanged);
        assert_eq!(roles_now().await, Roles(Role::Editor.bit() | Role::Moderator.bit()));
        assert_eq!(of(&db, id).await.unwrap(), roles_now().await);
        assert_eq!(revoke(&db, "editor_wang", Role::Editor, None, 102).await.unwrap(), Outcome::Changed);
        assert_eq!(revoke(&db, "editor_wang", Role::Editor, None, 102).await.unwrap(), Outcome::Unchanged);
        assert_eq!(roles_now().await, Roles(Role::Moderator.bit()));
        assert_eq!(grant(&db, "nobody", Role::Editor, None, 100).await.unwrap(), Outcome::NoSuchReader);
        // Changes are logged, newest first; no-ops are not.
        let log = audit(&db, 10).await.unwrap();
        let actions: Vec<_> = log.iter().map(|e| (e.action.as_str(), e.detail.as_str())).collect();
        assert_eq!(actions, [("role.revoke", "editor"), ("role.grant", "moderator"), ("role.grant", "editor")]);
        assert!(log.iter().all(|e| e.actor.is_none() && e.target.as_deref() == Some("editor_wang")));
    }

    #[tokio::test]
    async fn the_staff_list_names_each_role_and_who_granted_it() {
        let (db, _guard) = test_db::fresh().await;
        let admin = reader(&db, "chief").await;
        reader(&db, "zhang").await;
        reader(&db, "plain_reader").await;
        grant(&db, "chief", Role::Admin, None, 1).await.unwrap();
        grant(&db, "zhang", Role::Moderator, Some(admin), 2).await.unwrap();
        grant(&db, "zhang", Role::Editor, Some(admin), 3).await.unwrap();
        let staff = staff(&db).await.unwrap();
        let shown: Vec<_> = staff.iter().map(|m| (m.name.as_str(), m.roles.clone())).collect();
        assert_eq!(
            shown,
            [
                ("chief", vec![(Role::Admin, 1, None)]),
                (
                    "zhang",
                    vec![(Role::Editor, 3, Some("chief".to_owned())), (Role::Moderator, 2, Some("chief".to_owned()))]
                ),
            ]
        );
    }

    #[tokio::test]
    async fn the_last_admin_cannot_be_revoked_even_by_two_admins_at_once() {
        let (db, _guard) = test_db::fresh().await;
        let a = reader(&db, "admin_a").await;
        let b = reader(&db, "admin_b").await;
        grant(&db, "admin_a", Role::Admin, None, 1).await.unwrap();
        assert_eq!(revoke(&db, "admin_a", Role::Admin, None, 2).await.unwrap(), Outcome::LastAdmin);
        for round in 0..10 {
            grant(&db, "admin_b", Role::Admin, None, 3).await.unwrap();
            grant(&db, "admin_a", Role::Admin, None, 3).await.unwrap();
            // Each revokes the other at the same moment: exactly one may win.
            let (ra, rb) = tokio::join!(
                revoke(&db, "admin_b", Role::Admin, Some(a), 4),
                revoke(&db, "admin_a", Role::Admin, Some(b), 4)
            );
            let outcomes = [ra.unwrap(), rb.unwrap()];
            assert!(
                outcomes.contains(&Outcome::Changed) && outcomes.contains(&Outcome::LastAdmin),
                "{round}: {outcomes:?}"
            );
            let admins = test_db::scalar(&db, "SELECT COUNT(*) FROM user_roles WHERE role = 'admin'").await;
            assert_eq!(admins, 1, "round {round}");
        }
    }

    #[tokio::test]
    async fn a_role_held_in_the_first_schema_moves_to_the_role_table() {
        let (db, _guard) = test_db::migrated_to(8, 3).await;
        test_db::execute(
            &db,
            "INSERT INTO users (name, name_key, role, created_at) VALUES ('old_admin', 'old_admin', 'admin', 7)",
        )
        .await;
        test_db::execute(&db, "INSERT INTO users (name, name_key, created_at) VALUES ('old_reader', 'old_reader', 8)")
            .await;
        crate::server::db::migrate(&db).await.unwrap();
        let staff = staff(&db).await.unwrap();
        assert_eq!(staff.len(), 1);
        assert_eq!((staff[0].name.as_str(), staff[0].roles.clone()), ("old_admin", vec![(Role::Admin, 7, None)]));
        assert_eq!(test_db::scalar(&db, "SELECT COUNT(*) FROM users WHERE role <> 'reader'").await, 0);
    }
}
