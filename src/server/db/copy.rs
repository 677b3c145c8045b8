//! `jinri copy-to`: the whole content of one database copied into another, empty one (moving a
//! site from SQLite to PostgreSQL): articles, readers with their password hashes and roles, the audit log, sessions,
//! comments, likes, the event log with its numbers, facts, site keys, abuse-limit counters and
//! form flashes. The source is read in one transaction, so a live site gives a consistent
//! snapshot; the target is written in one transaction, so a failed copy leaves it empty.
//! Readers keep their passwords and sessions, and each article's event numbers go on from where
//! they were, so a page left open resumes without loss once it reconnects to the new site.

use super::{Db, WriteTx};
use futures::TryStreamExt;

/// Why a copy did not happen.
#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    #[error("the target database is not empty ({0} rows); copy-to writes only into an empty database")]
    NotEmpty(i64),
    #[error("{table}: {original} rows in the source but {copied} in the copy")]
    Mismatch { table: &'static str, original: i64, copied: i64 },
    #[error("the target database cannot be migrated: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// Streams every row of `$select` from the source transaction into `$insert` on the target
/// one; evaluates to the number of rows.
macro_rules! copy_rows {
    ($src:expr, $dst:expr, $select:literal, $insert:literal, ($($v:ident: $t:ty),+)) => {{
        let mut n: i64 = 0;
        on_tx!($src, s => {
            let mut rows = sqlx::query_as::<_, ($($t,)+)>($select).fetch(&mut *s);
            while let Some(($($v,)+)) = rows.try_next().await? {
                on_tx!($dst, d => sqlx::query($insert)$(.bind($v))+.execute(&mut *d).await?.rows_affected());
                n += 1;
            }
        });
        n
    }};
}

/// The tables in the order they are copied (each after those it refers to).
pub const TABLES: [&str; 19] = [
    "channels",
    "users",
    "user_roles",
    "articles",
    "media",
    "article_blocks",
    "article_revisions",
    "comments",
    "audit_log",
    "comment_reports",
    "word_filters",
    "moderation_settings",
    "comment_likes",
    "comment_events",
    "site_facts",
    "site_secrets",
    "sessions",
    "limit_events",
    "form_flash",
];

/// Copies everything from `source` into `target` (migrated, and empty), then counts every table
/// on both sides. Returns each table with its number of rows.
pub async fn copy_to(source: &Db, target: &Db) -> Result<Vec<(&'static str, i64)>, CopyError> {
    super::migrate(target).await?;
    let mut dst = target.begin_write().await?;
    let rows: i64 = on_tx!(&mut dst, d => sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM channels) + (SELECT COUNT(*) FROM users) + (SELECT COUNT(*) FROM articles) \
         + (SELECT COUNT(*) FROM comments) + (SELECT COUNT(*) FROM site_facts) + (SELECT COUNT(*) FROM site_secrets) \
         + (SELECT COUNT(*) FROM sessions)",
    )
    .fetch_one(&mut *d)
    .await?);
    if rows > 0 {
        return Err(CopyError::NotEmpty(rows));
    }
    // One snapshot of the source: SQLite's read transaction sees the database as of its first
    // read while the site goes on writing.
    let mut src = source.begin().await?;
    let (s, d) = (&mut src, &mut dst);
    let copied = [
        copy_rows!(s, d, "SELECT id, slug, name, position FROM channels ORDER BY id",
            "INSERT INTO channels (id, slug, name, position) VALUES ($1, $2, $3, $4)",
            (id: i64, slug: String, name: String, position: i64)),
        copy_rows!(s, d, "SELECT id, name, name_key, password_hash, role, created_at, skeleton, banned_until, ban_reason \
             FROM users ORDER BY id",
            "INSERT INTO users (id, name, name_key, password_hash, role, created_at, skeleton, banned_until, ban_reason) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            (id: i64, name: String, key: String, hash: Option<String>, role: String, at: i64, skeleton: Option<String>,
             banned: Option<i64>, ban_reason: Option<String>)),
        // Roles before the audit log, both after the readers they name.
        copy_rows!(s, d, "SELECT user_id, role, granted_at, granted_by FROM user_roles ORDER BY user_id, role",
            "INSERT INTO user_roles (user_id, role, granted_at, granted_by) VALUES ($1, $2, $3, $4)",
            (user: i64, role: String, at: i64, by: Option<i64>)),
        copy_rows!(s, d, "SELECT id, channel_id, title, summary, source, original_url, published_at, comment_count, \
             created_at, event_seq, state, body_md, updated_at, external_id, comments_locked, premoderate \
             FROM articles ORDER BY id",
            "INSERT INTO articles (id, channel_id, title, summary, source, original_url, published_at, comment_count, \
             created_at, event_seq, state, body_md, updated_at, external_id, comments_locked, premoderate) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
            (id: i64, channel: i64, title: String, summary: String, src_name: String, url: Option<String>,
             published: i64, count: i64, created: i64, seq: i64, state: String, body: Option<String>,
             updated: Option<i64>, external: Option<String>, locked: bool, premoderate: bool)),
        copy_rows!(s, d, "SELECT name, content_type, bytes, created_at FROM media ORDER BY name",
            "INSERT INTO media (name, content_type, bytes, created_at) VALUES ($1, $2, $3, $4)",
            (name: String, content_type: String, bytes: Vec<u8>, at: i64)),
        copy_rows!(s, d, "SELECT article_id, position, kind, body, caption, alt, credit, srcset, width, height, \
             source_hash FROM article_blocks ORDER BY article_id, position",
            "INSERT INTO article_blocks (article_id, position, kind, body, caption, alt, credit, srcset, width, height, \
             source_hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            (article: i64, position: i64, kind: String, body: String, caption: Option<String>, alt: Option<String>,
             credit: Option<String>, srcset: Option<String>, width: Option<i64>, height: Option<i64>,
             source_hash: Option<String>)),
        copy_rows!(s, d, "SELECT id, article_id, editor_id, created_at, title, channel_id, summary, source, original_url, \
             body_md FROM article_revisions ORDER BY id",
            "INSERT INTO article_revisions (id, article_id, editor_id, created_at, title, channel_id, summary, source, \
             original_url, body_md) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            (id: i64, article: i64, editor: Option<i64>, at: i64, title: String, channel: i64, summary: String,
             src_name: String, url: Option<String>, body: String)),
        // In id order: a reply's parent and thread root come before it.
        copy_rows!(s, d, "SELECT id, article_id, parent_id, root_id, author_id, body, created_at, deleted_at, like_count, \
             status, held_reason, hidden_at, hidden_by, hide_batch, pinned_at FROM comments ORDER BY id",
            "INSERT INTO comments (id, article_id, parent_id, root_id, author_id, body, created_at, deleted_at, \
             like_count, status, held_reason, hidden_at, hidden_by, hide_batch, pinned_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
            (id: i64, article: i64, parent: Option<i64>, root: Option<i64>, author: i64, body: String, at: i64,
             deleted: Option<i64>, likes: i64, status: String, held: Option<String>, hidden: Option<i64>,
             hidden_by: Option<i64>, batch: Option<i64>, pinned: Option<i64>)),
        // After the comments it may name.
        copy_rows!(s, d, "SELECT id, at, actor_id, action, target_user_id, detail, reason, comment_id FROM audit_log \
             ORDER BY id",
            "INSERT INTO audit_log (id, at, actor_id, action, target_user_id, detail, reason, comment_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            (id: i64, at: i64, actor: Option<i64>, action: String, target: Option<i64>, detail: String, reason: String,
             comment: Option<i64>)),
        copy_rows!(s, d, "SELECT comment_id, reporter_id, reason, detail, created_at, handled_at FROM comment_reports",
            "INSERT INTO comment_reports (comment_id, reporter_id, reason, detail, created_at, handled_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
            (comment: i64, reporter: i64, reason: String, detail: String, at: i64, handled: Option<i64>)),
        copy_rows!(s, d, "SELECT id, pattern, is_regex, action, created_at, created_by FROM word_filters ORDER BY id",
            "INSERT INTO word_filters (id, pattern, is_regex, action, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6)",
            (id: i64, pattern: String, is_regex: bool, action: String, at: i64, by: Option<i64>)),
        // The one row the target's migration made takes the source's values.
        copy_rows!(s, d, "SELECT id, premoderation, new_reader_comments, queue_version, filters_version \
             FROM moderation_settings",
            "UPDATE moderation_settings SET premoderation = $2, new_reader_comments = $3, queue_version = $4, \
             filters_version = $5 WHERE id = $1",
            (id: i64, mode: String, n: i64, queue: i64, filters: i64)),
        copy_rows!(s, d, "SELECT comment_id, user_id, created_at FROM comment_likes",
            "INSERT INTO comment_likes (comment_id, user_id, created_at) VALUES ($1, $2, $3)",
            (comment: i64, user: i64, at: i64)),
        copy_rows!(s, d, "SELECT article_id, seq, kind, comment_id, at FROM comment_events ORDER BY article_id, seq",
            "INSERT INTO comment_events (article_id, seq, kind, comment_id, at) VALUES ($1, $2, $3, $4, $5)",
            (article: i64, seq: i64, kind: String, comment: i64, at: i64)),
        copy_rows!(s, d, "SELECT key, value, updated_at FROM site_facts",
            "INSERT INTO site_facts (key, value, updated_at) VALUES ($1, $2, $3)",
            (key: String, value: String, at: i64)),
        copy_rows!(s, d, "SELECT name, secret FROM site_secrets",
            "INSERT INTO site_secrets (name, secret) VALUES ($1, $2)",
            (name: String, secret: String)),
        copy_rows!(s, d, "SELECT token_hash, user_id, created_at, last_seen_at FROM sessions",
            "INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at) VALUES ($1, $2, $3, $4)",
            (hash: String, user: i64, created: i64, seen: i64)),
        // A counter's own number is new in the copy; nothing refers to it after the move.
        copy_rows!(s, d, "SELECT scope, key, at FROM limit_events",
            "INSERT INTO limit_events (scope, key, at) VALUES ($1, $2, $3)",
            (scope: String, key: String, at: i64)),
        copy_rows!(s, d, "SELECT token_hash, client, path, payload, created_at, expires_at FROM form_flash",
            "INSERT INTO form_flash (token_hash, client, path, payload, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
            (hash: String, client: String, path: String, payload: String, created: i64, expires: i64)),
    ];
    if let WriteTx::Pg(t) = &mut dst {
        // The copied ids were given explicitly: new rows are numbered after them.
        for table in [
            "channels",
            "users",
            "audit_log",
            "articles",
            "article_revisions",
            "comments",
            "limit_events",
            "word_filters",
        ] {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE(MAX(id), 0) + 1, false) FROM {table}"
            )))
            .execute(&mut **t)
            .await?;
        }
    }
    dst.commit().await?;
    let mut counts = Vec::with_capacity(TABLES.len());
    for (table, source_rows) in TABLES.into_iter().zip(copied) {
        let target_rows = count(target, table).await?;
        if target_rows != source_rows {
            return Err(CopyError::Mismatch { table, original: source_rows, copied: target_rows });
        }
        counts.push((table, target_rows));
    }
    Ok(counts)
}

async fn count(db: &Db, table: &'static str) -> Result<i64, sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}"));
    on!(db, p => sqlx::query_scalar(sql).fetch_one(p).await)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Role;
    use crate::model::{ArticleId, CommentId, UserId};
    use crate::server::db::{comments, flash, limits, newsroom, roles, secrets, seed, sessions, test_db};

    /// A SQLite site with a bit of everything.
    async fn site() -> (Db, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("site.db").display());
        let db = super::super::connect(&url, 2, std::time::Duration::from_secs(5)).await.unwrap();
        super::super::migrate(&db).await.unwrap();
        seed::seed_if_empty(&db, 1_000).await.unwrap();
        sessions::create(&db, "token-hash", UserId(1), 1_000).await.unwrap();
        let key = test_db::texts(&db, "SELECT name_key FROM users WHERE id = 1").await.remove(0);
        roles::grant(&db, &key, Role::Editor, None, 1_000).await.unwrap();
        secrets::get_or_create(&db, "form_echo", "abc123").await.unwrap();
        limits::take(&db, &[limits::Limit::new("like_user", "1", 60, 30)], 1_000).await.unwrap().unwrap();
        flash::insert(&db, "flash-hash", "127.0.0.1/32", "/login", "{}", 1_000, 2_000_000_000, 5).await.unwrap();
        let draft = crate::model::ArticleFields {
            title: "搬家前的草稿".into(),
            channel: "life".into(),
            summary: "摘要".into(),
            body: "*正文*".into(),
            ..Default::default()
        };
        let draft = crate::model::check_article(&draft).unwrap();
        newsroom::save(&db, None, &draft, Some(UserId(1)), 1_000).await.unwrap().unwrap();
        for _ in 0..3 {
            let mut tx = db.begin_write().await.unwrap();
            let c = comments::insert(&mut tx, ArticleId(2), None, UserId(2), "搬家前的评论", 1_000).await.unwrap();
            comments::record_change(&mut tx, ArticleId(2), "created", c, 1_000, 1).await.unwrap();
            tx.commit().await.unwrap();
        }
        // A thread: a deleted reply with a published answer (listed), a held reply (not).
        let mut tx = db.begin_write().await.unwrap();
        let root = comments::insert(&mut tx, ArticleId(3), None, UserId(2), "楼", 1_000).await.unwrap();
        let reply = comments::insert(&mut tx, ArticleId(3), Some(root), UserId(2), "回复", 1_000).await.unwrap();
        comments::insert(&mut tx, ArticleId(3), Some(reply), UserId(2), "再回复", 1_000).await.unwrap();
        comments::soft_delete(&mut tx, reply, 1_001).await.unwrap();
        let held = comments::insert(&mut tx, ArticleId(3), Some(root), UserId(2), "待审", 1_000).await.unwrap();
        tx.commit().await.unwrap();
        let sql = format!("UPDATE comments SET status = 'pending' WHERE id = {}", held.0);
        assert_eq!(test_db::execute_text(&db, sql).await, 1);
        (db, dir)
    }

    #[tokio::test]
    async fn a_site_is_copied_whole_and_goes_on_numbering_where_it_was() {
        let (source, _dir) = site().await;
        let (target, _guard) = test_db::empty().await;
        let counts = copy_to(&source, &target).await.unwrap();
        let rows = |t: &str| counts.iter().find(|(name, _)| *name == t).unwrap().1;
        assert_eq!((rows("comment_events"), rows("sessions"), rows("site_secrets")), (3, 1, 1));
        assert!(rows("articles") >= 12 && rows("comments") >= 8 && rows("limit_events") == 1);
        // The reader is still signed in, the key is the same, and the next event and comment
        // are numbered after the copied ones.
        let who = sessions::find(&target, "token-hash", 1_001, 1_000_000, 1_000_000).await.unwrap();
        assert_eq!(who.as_ref().map(|u| u.id), Some(UserId(1)));
        // With the role granted before the move, and its record.
        assert!(who.unwrap().roles.holds(Role::Editor));
        assert_eq!((rows("user_roles"), rows("audit_log")), (1, 1));
        // The draft stays a draft, with its Markdown and its version.
        assert_eq!(rows("article_revisions"), 1);
        let draft =
            test_db::texts(&target, "SELECT state || ' ' || body_md FROM articles WHERE title = '搬家前的草稿'").await;
        assert_eq!(draft, ["draft *正文*"]);
        assert_eq!(secrets::get_or_create(&target, "form_echo", "other").await.unwrap(), "abc123");
        // Each thread's kept reply count is the source's (the copy's rows went through the
        // target's triggers in id order).
        let kept = "SELECT CAST(root_id AS TEXT) || ':' || CAST(listed AS TEXT) FROM thread_counts ORDER BY root_id";
        let (copied, original) = (test_db::texts(&target, kept).await, test_db::texts(&source, kept).await);
        assert!(copied.iter().any(|c| c.ends_with(":2")), "{copied:?}");
        assert_eq!(copied, original);
        assert_eq!(comments::last_event_id(&target, ArticleId(2)).await.unwrap(), 3);
        let before = test_db::scalar(&target, "SELECT MAX(id) FROM comments").await;
        let mut tx = target.begin_write().await.unwrap();
        let c = comments::insert(&mut tx, ArticleId(2), None, UserId(2), "搬家后的评论", 2_000).await.unwrap();
        assert_eq!(comments::record_change(&mut tx, ArticleId(2), "created", c, 2_000, 1).await.unwrap().0, 4);
        tx.commit().await.unwrap();
        assert_eq!(c, CommentId(before + 1));
        let resumed = comments::events_since(&target, chrono_tz::UTC, ArticleId(2), 1, 10).await.unwrap();
        assert_eq!(resumed.events.iter().map(|e| e.id).collect::<Vec<_>>(), vec![2, 3, 4]);
        // Into a database with content: refused, and nothing is written.
        assert!(matches!(copy_to(&source, &target).await, Err(CopyError::NotEmpty(_))));
        assert_eq!(test_db::scalar(&target, "SELECT COUNT(*) FROM sessions").await, 1);
    }
}
