//! Moderation: reports, hiding and restoring, approving held comments, bans, locked threads,
//! pins, the site's rules and the word filter's entries.
//!
//! Every action is one transaction with its line in the audit log (who, when, what, why). A
//! change readers see is logged in the article's event log like a reader's own change
//! (`comments::record_change`, which also moves the article's count of visible comments), and
//! the caller publishes what it logged (`Done::events`) once committed, so every open page of
//! the article shows it. A change to the queue moves `moderation_settings.queue_version`,
//! which open queue pages follow.

use super::comments::record_change;
use super::{Db, WriteTx};
use crate::model::{
    held_label, ArticleId, AuthorRecord, BanLine, CommentId, FilterLine, HistoryLine, ModerationRules, Premoderation,
    PublicUser, QueueComment, QueueItem, ReasonCount, ReportReason, UserId, BAN_FOREVER,
};
use crate::server::time;
use chrono_tz::Tz;

/// What a post must know of the rules before it is stored, read with its other checks in
/// the statement that stores it (`comments::post`: SQLite's write transaction, PostgreSQL's
/// `jinri_post_comment`).
#[derive(Debug, sqlx::FromRow)]
pub struct Rules {
    pub locked: bool,
    pub article_premoderated: bool,
    pub premoderation: String,
    pub new_reader_comments: i64,
    /// The author's published comments, counted up to `NEW_READER_COMMENTS_MAX` (SQLite) or
    /// `new_reader_comments` (PostgreSQL): either is enough to tell a new reader.
    pub author_published: i64,
    pub filters_version: i64,
}

impl Rules {
    /// Why a comment is held for review, if it is: the whole site, the article, or the
    /// author's first comments; `filter` says the word filter asked for it.
    pub fn held(&self, filter: bool) -> Option<&'static str> {
        match Premoderation::parse(&self.premoderation).unwrap_or_default() {
            Premoderation::All => Some("site"),
            _ if self.article_premoderated => Some("article"),
            Premoderation::NewReaders if self.author_published < self.new_reader_comments => Some("new_reader"),
            _ if filter => Some("filter"),
            _ => None,
        }
    }
}

/// Stores a just-inserted comment as held for review (SQLite's post; PostgreSQL's
/// `jinri_post_comment` does the same).
pub async fn hold(tx: &mut WriteTx, id: CommentId, reason: &str) -> Result<(), sqlx::Error> {
    on_tx!(tx, c => sqlx::query("UPDATE comments SET status = 'pending', held_reason = $2 WHERE id = $1")
        .bind(id.0)
        .bind(reason)
        .execute(&mut *c)
        .await?
        .rows_affected());
    bump_queue(tx).await
}

/// The queue changed: open queue pages read it again.
async fn bump_queue(tx: &mut WriteTx) -> Result<(), sqlx::Error> {
    on_tx!(tx, c => sqlx::query("UPDATE moderation_settings SET queue_version = queue_version + 1 WHERE id = 1")
        .execute(&mut *c)
        .await?
        .rows_affected());
    Ok(())
}

/// The queue's version now.
pub async fn queue_version(db: &Db) -> Result<i64, sqlx::Error> {
    on!(db, p => sqlx::query_scalar("SELECT queue_version FROM moderation_settings WHERE id = 1").fetch_one(p).await)
}

/// Appends a line to the audit log; returns its id.
#[allow(clippy::too_many_arguments)]
async fn log(
    tx: &mut WriteTx,
    now: i64,
    actor: UserId,
    action: &str,
    target: Option<i64>,
    comment: Option<CommentId>,
    detail: &str,
    reason: &str,
) -> Result<i64, sqlx::Error> {
    on_tx!(tx, c => sqlx::query_scalar(
        "INSERT INTO audit_log (at, actor_id, action, target_user_id, comment_id, detail, reason) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(now)
    .bind(actor.0)
    .bind(action)
    .bind(target)
    .bind(comment.map(|c| c.0))
    .bind(detail)
    .bind(reason)
    .fetch_one(&mut *c)
    .await)
}

/// What an action did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Done {
    /// Whether anything changed (an action repeated, or raced by another moderator, changes
    /// nothing and is not logged).
    pub changed: bool,
    /// Per article, the first event this action logged: publish from there once committed.
    pub events: Vec<(ArticleId, i64)>,
}

impl Done {
    fn note(&mut self, article: ArticleId, seq: i64) {
        self.changed = true;
        if !self.events.iter().any(|(a, _)| *a == article) {
            self.events.push((article, seq));
        }
    }
}

/// Who wrote a comment, and where: `None` when there is no such comment.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Target {
    pub article_id: i64,
    pub author_id: i64,
    pub parent_id: Option<i64>,
    /// The author holds `admin`: only an admin acts on them.
    pub author_is_admin: bool,
}

/// The comment a moderator would act on.
pub async fn target(db: &Db, id: CommentId) -> Result<Option<Target>, sqlx::Error> {
    on!(db, p => sqlx::query_as(
        "SELECT c.article_id, c.author_id, c.parent_id, \
         EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = c.author_id AND r.role = 'admin') AS author_is_admin \
         FROM comments c WHERE c.id = $1",
    )
    .bind(id.0)
    .fetch_optional(p)
    .await)
}

/// Whether reader `user` holds `admin` (only admins act on admins).
pub async fn is_admin(db: &Db, user: UserId) -> Result<bool, sqlx::Error> {
    on!(db, p => sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM user_roles WHERE user_id = $1 AND role = 'admin')",
    )
    .bind(user.0)
    .fetch_one(p)
    .await)
}

/// What a report did.
#[derive(Debug, PartialEq, Eq)]
pub enum Reported {
    Received,
    /// This reader reported this comment before.
    Already,
    /// No such comment, or readers cannot see it (deleted, hidden, held).
    NoComment,
    /// Readers do not report their own comments.
    Own,
}

/// 举报: `reporter` reports comment `id`, once.
pub async fn report(
    db: &Db,
    id: CommentId,
    reporter: UserId,
    reason: ReportReason,
    detail: &str,
    now: i64,
) -> Result<Reported, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    let found: Option<(i64, bool)> = on_tx!(&mut tx, c => sqlx::query_as(
        "SELECT author_id, status = 'published' AND hidden_at IS NULL AND deleted_at IS NULL FROM comments WHERE id = $1",
    )
    .bind(id.0)
    .fetch_optional(&mut *c)
    .await?);
    match found {
        None | Some((_, false)) => return Ok(Reported::NoComment),
        Some((author, _)) if author == reporter.0 => return Ok(Reported::Own),
        Some(_) => {}
    }
    let added = on_tx!(&mut tx, c => sqlx::query(
        "INSERT INTO comment_reports (comment_id, reporter_id, reason, detail, created_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (comment_id, reporter_id) DO NOTHING",
    )
    .bind(id.0)
    .bind(reporter.0)
    .bind(reason.as_str())
    .bind(detail)
    .bind(now)
    .execute(&mut *c)
    .await?
    .rows_affected());
    if added == 0 {
        return Ok(Reported::Already);
    }
    bump_queue(&mut tx).await?;
    tx.commit().await?;
    Ok(Reported::Received)
}

/// Marks a comment's open reports handled.
async fn handle_reports(tx: &mut WriteTx, id: CommentId, now: i64) -> Result<u64, sqlx::Error> {
    Ok(
        on_tx!(tx, c => sqlx::query("UPDATE comment_reports SET handled_at = $2 WHERE comment_id = $1 AND handled_at IS NULL")
        .bind(id.0)
        .bind(now)
        .execute(&mut *c)
        .await?
        .rows_affected()),
    )
}

/// Hides a published comment: readers see 该评论已被管理员隐藏, its replies stay, its open
/// reports are handled. Logged as `comment.hide`.
pub async fn hide(db: &Db, id: CommentId, actor: UserId, reason: &str, now: i64) -> Result<Done, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    let article: Option<i64> = on_tx!(&mut tx, c => sqlx::query_scalar(
        "UPDATE comments SET hidden_at = $2, hidden_by = $3 \
         WHERE id = $1 AND hidden_at IS NULL AND deleted_at IS NULL AND status = 'published' RETURNING article_id",
    )
    .bind(id.0)
    .bind(now)
    .bind(actor.0)
    .fetch_optional(&mut *c)
    .await?);
    let mut done = Done::default();
    let Some(article) = article.map(ArticleId) else { return Ok(done) };
    handle_reports(&mut tx, id, now).await?;
    log(&mut tx, now, actor, "comment.hide", None, Some(id), &id.0.to_string(), reason).await?;
    bump_queue(&mut tx).await?;
    let (seq, _) = record_change(&mut tx, article, "hidden", id, now, -1).await?;
    done.note(article, seq);
    tx.commit().await?;
    Ok(done)
}

/// Shows a hidden comment again. Logged as `comment.restore`.
pub async fn restore(db: &Db, id: CommentId, actor: UserId, reason: &str, now: i64) -> Result<Done, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    let row: Option<(i64, bool)> = on_tx!(&mut tx, c => sqlx::query_as(
        "UPDATE comments SET hidden_at = NULL, hidden_by = NULL, hide_batch = NULL \
         WHERE id = $1 AND hidden_at IS NOT NULL RETURNING article_id, deleted_at IS NULL",
    )
    .bind(id.0)
    .fetch_optional(&mut *c)
    .await?);
    let mut done = Done::default();
    let Some((article, alive)) = row else { return Ok(done) };
    log(&mut tx, now, actor, "comment.restore", None, Some(id), &id.0.to_string(), reason).await?;
    bump_queue(&mut tx).await?;
    let (seq, _) = record_change(&mut tx, ArticleId(article), "restored", id, now, i64::from(alive)).await?;
    done.note(ArticleId(article), seq);
    tx.commit().await?;
    Ok(done)
}

/// Dismisses a comment's open reports (the comment stays as it is). Logged as `reports.dismiss`.
pub async fn dismiss(db: &Db, id: CommentId, actor: UserId, reason: &str, now: i64) -> Result<Done, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    let n = handle_reports(&mut tx, id, now).await?;
    if n == 0 {
        return Ok(Done::default());
    }
    log(&mut tx, now, actor, "reports.dismiss", None, Some(id), &format!("{}:{n}", id.0), reason).await?;
    bump_queue(&mut tx).await?;
    tx.commit().await?;
    Ok(Done { changed: true, events: Vec::new() })
}

/// Approves a held comment: it is published, logged as 'created' now (open pages show it in
/// its place) and counted. Logged as `comment.approve`.
pub async fn approve(db: &Db, id: CommentId, actor: UserId, now: i64) -> Result<Done, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    let row: Option<(i64, bool)> = on_tx!(&mut tx, c => sqlx::query_as(
        "UPDATE comments SET status = 'published' WHERE id = $1 AND status = 'pending' \
         RETURNING article_id, deleted_at IS NULL",
    )
    .bind(id.0)
    .fetch_optional(&mut *c)
    .await?);
    let mut done = Done::default();
    let Some((article, alive)) = row else { return Ok(done) };
    log(&mut tx, now, actor, "comment.approve", None, Some(id), &id.0.to_string(), "").await?;
    bump_queue(&mut tx).await?;
    let (seq, _) = record_change(&mut tx, ArticleId(article), "created", id, now, i64::from(alive)).await?;
    done.note(ArticleId(article), seq);
    tx.commit().await?;
    Ok(done)
}

/// Rejects a held comment: only its author sees it, marked 未通过审核 (their open page learns
/// it through the 'rejected' event). Logged as `comment.reject`.
pub async fn reject(db: &Db, id: CommentId, actor: UserId, reason: &str, now: i64) -> Result<Done, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    let article: Option<i64> = on_tx!(&mut tx, c => sqlx::query_scalar(
        "UPDATE comments SET status = 'rejected' WHERE id = $1 AND status = 'pending' RETURNING article_id",
    )
    .bind(id.0)
    .fetch_optional(&mut *c)
    .await?);
    let mut done = Done::default();
    let Some(article) = article.map(ArticleId) else { return Ok(done) };
    log(&mut tx, now, actor, "comment.reject", None, Some(id), &id.0.to_string(), reason).await?;
    bump_queue(&mut tx).await?;
    let (seq, _) = record_change(&mut tx, article, "rejected", id, now, 0).await?;
    done.note(article, seq);
    tx.commit().await?;
    Ok(done)
}

/// Bans reader `user` until `until` (`BAN_FOREVER` for good). Logged as `user.ban`.
pub async fn ban(
    db: &Db,
    user: UserId,
    actor: UserId,
    until: i64,
    reason: &str,
    now: i64,
) -> Result<Done, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    let n = on_tx!(&mut tx, c => sqlx::query("UPDATE users SET banned_until = $2, ban_reason = $3 WHERE id = $1")
        .bind(user.0)
        .bind(until)
        .bind(reason)
        .execute(&mut *c)
        .await?
        .rows_affected());
    if n == 0 {
        return Ok(Done::default());
    }
    let detail = if until >= BAN_FOREVER { "forever".to_owned() } else { until.to_string() };
    log(&mut tx, now, actor, "user.ban", Some(user.0), None, &detail, reason).await?;
    bump_queue(&mut tx).await?;
    tx.commit().await?;
    Ok(Done { changed: true, events: Vec::new() })
}

/// Lifts reader `user`'s ban. Logged as `user.unban`.
pub async fn unban(db: &Db, user: UserId, actor: UserId, reason: &str, now: i64) -> Result<Done, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    let n = on_tx!(&mut tx, c => sqlx::query(
        "UPDATE users SET banned_until = NULL, ban_reason = NULL WHERE id = $1 AND banned_until IS NOT NULL",
    )
    .bind(user.0)
    .execute(&mut *c)
    .await?
    .rows_affected());
    if n == 0 {
        return Ok(Done::default());
    }
    log(&mut tx, now, actor, "user.unban", Some(user.0), None, "", reason).await?;
    bump_queue(&mut tx).await?;
    tx.commit().await?;
    Ok(Done { changed: true, events: Vec::new() })
}

/// Hides every published comment of reader `user` that is not hidden yet (spam clean-up), as
/// one batch that `unhide_batch` undoes: the batch is this action's audit line. Logged as
/// `user.hide_all` with the number hidden.
pub async fn hide_all(db: &Db, user: UserId, actor: UserId, reason: &str, now: i64) -> Result<Done, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    let batch = log(&mut tx, now, actor, "user.hide_all", Some(user.0), None, "", reason).await?;
    let hidden: Vec<(i64, i64)> = on_tx!(&mut tx, c => sqlx::query_as(
        "UPDATE comments SET hidden_at = $2, hidden_by = $3, hide_batch = $4 \
         WHERE author_id = $1 AND hidden_at IS NULL AND deleted_at IS NULL AND status = 'published' \
         RETURNING id, article_id",
    )
    .bind(user.0)
    .bind(now)
    .bind(actor.0)
    .bind(batch)
    .fetch_all(&mut *c)
    .await?);
    let mut done = Done::default();
    if hidden.is_empty() {
        return Ok(done);
    }
    on_tx!(&mut tx, c => sqlx::query("UPDATE audit_log SET detail = $2 WHERE id = $1")
        .bind(batch)
        .bind(hidden.len().to_string())
        .execute(&mut *c)
        .await?
        .rows_affected());
    for (id, article) in hidden {
        handle_reports(&mut tx, CommentId(id), now).await?;
        let (seq, _) = record_change(&mut tx, ArticleId(article), "hidden", CommentId(id), now, -1).await?;
        done.note(ArticleId(article), seq);
    }
    bump_queue(&mut tx).await?;
    tx.commit().await?;
    Ok(done)
}

/// Undoes a "hide everything" (`hide_all`'s audit line `batch`): every comment it hid that is
/// still hidden by it is shown again. Logged as `user.unhide_all`.
pub async fn unhide_batch(db: &Db, batch: i64, actor: UserId, now: i64) -> Result<Done, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    let shown: Vec<(i64, i64, bool, i64)> = on_tx!(&mut tx, c => sqlx::query_as(
        "UPDATE comments SET hidden_at = NULL, hidden_by = NULL, hide_batch = NULL WHERE hide_batch = $1 \
         RETURNING id, article_id, deleted_at IS NULL, author_id",
    )
    .bind(batch)
    .fetch_all(&mut *c)
    .await?);
    let mut done = Done::default();
    let Some(author) = shown.first().map(|s| s.3) else { return Ok(done) };
    log(&mut tx, now, actor, "user.unhide_all", Some(author), None, &shown.len().to_string(), "").await?;
    for (id, article, alive, _) in shown {
        let (seq, _) =
            record_change(&mut tx, ArticleId(article), "restored", CommentId(id), now, i64::from(alive)).await?;
        done.note(ArticleId(article), seq);
    }
    bump_queue(&mut tx).await?;
    tx.commit().await?;
    Ok(done)
}

/// The author of the batch `hide_all` logged as `batch`, if it is one.
pub async fn batch_author(db: &Db, batch: i64) -> Result<Option<UserId>, sqlx::Error> {
    let id: Option<Option<i64>> = on!(db, p => sqlx::query_scalar(
        "SELECT target_user_id FROM audit_log WHERE id = $1 AND action = 'user.hide_all'",
    )
    .bind(batch)
    .fetch_optional(p)
    .await?);
    Ok(id.flatten().map(UserId))
}

/// Locks (or unlocks) an article's comments. Logged as `article.lock` / `article.unlock`.
pub async fn lock(
    db: &Db,
    article: ArticleId,
    locked: bool,
    actor: UserId,
    reason: &str,
    now: i64,
) -> Result<Done, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    let n = on_tx!(&mut tx, c => sqlx::query(
        "UPDATE articles SET comments_locked = $2 WHERE id = $1 AND comments_locked <> $2",
    )
    .bind(article.0)
    .bind(locked)
    .execute(&mut *c)
    .await?
    .rows_affected());
    if n == 0 {
        return Ok(Done::default());
    }
    let action = if locked { "article.lock" } else { "article.unlock" };
    log(&mut tx, now, actor, action, None, None, &article.0.to_string(), reason).await?;
    tx.commit().await?;
    Ok(Done { changed: true, events: Vec::new() })
}

/// Holds every new comment on an article for review, or no longer. Logged as
/// `article.premoderate` with `on` or `off`.
pub async fn premoderate_article(
    db: &Db,
    article: ArticleId,
    on: bool,
    actor: UserId,
    now: i64,
) -> Result<Done, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    let n = on_tx!(&mut tx, c => sqlx::query("UPDATE articles SET premoderate = $2 WHERE id = $1 AND premoderate <> $2")
        .bind(article.0)
        .bind(on)
        .execute(&mut *c)
        .await?
        .rows_affected());
    if n == 0 {
        return Ok(Done::default());
    }
    let detail = format!("{}:{}", article.0, if on { "on" } else { "off" });
    log(&mut tx, now, actor, "article.premoderate", None, None, &detail, "").await?;
    tx.commit().await?;
    Ok(Done { changed: true, events: Vec::new() })
}

/// What an article's thread is under: locked, held for review.
pub async fn thread_state(db: &Db, article: ArticleId) -> Result<Option<(bool, bool)>, sqlx::Error> {
    on!(db, p => sqlx::query_as("SELECT comments_locked, premoderate FROM articles WHERE id = $1")
        .bind(article.0)
        .fetch_optional(p)
        .await)
}

/// 置顶: pins a published top-level comment (unpinning the article's other one), or unpins it.
/// Logged as `comment.pin` / `comment.unpin`.
pub async fn pin(db: &Db, id: CommentId, pinned: bool, actor: UserId, now: i64) -> Result<Done, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    let article: Option<i64> = on_tx!(&mut tx, c => sqlx::query_scalar(
        "SELECT article_id FROM comments WHERE id = $1 AND parent_id IS NULL AND status = 'published' \
         AND deleted_at IS NULL",
    )
    .bind(id.0)
    .fetch_optional(&mut *c)
    .await?);
    let mut done = Done::default();
    let Some(article) = article.map(ArticleId) else { return Ok(done) };
    if pinned {
        let others: Vec<i64> = on_tx!(&mut tx, c => sqlx::query_scalar(
            "UPDATE comments SET pinned_at = NULL WHERE article_id = $1 AND pinned_at IS NOT NULL AND id <> $2 RETURNING id",
        )
        .bind(article.0)
        .bind(id.0)
        .fetch_all(&mut *c)
        .await?);
        for other in others {
            let (seq, _) = record_change(&mut tx, article, "unpinned", CommentId(other), now, 0).await?;
            done.note(article, seq);
        }
    }
    let n = on_tx!(&mut tx, c => sqlx::query(if pinned {
        "UPDATE comments SET pinned_at = $2 WHERE id = $1 AND pinned_at IS NULL"
    } else {
        "UPDATE comments SET pinned_at = NULL WHERE id = $1 AND pinned_at IS NOT NULL AND $2 > 0"
    })
    .bind(id.0)
    .bind(now)
    .execute(&mut *c)
    .await?
    .rows_affected());
    if n == 0 && !done.changed {
        return Ok(done);
    }
    if n > 0 {
        let (seq, _) = record_change(&mut tx, article, if pinned { "pinned" } else { "unpinned" }, id, now, 0).await?;
        done.note(article, seq);
    }
    log(
        &mut tx,
        now,
        actor,
        if pinned { "comment.pin" } else { "comment.unpin" },
        None,
        Some(id),
        &id.0.to_string(),
        "",
    )
    .await?;
    tx.commit().await?;
    Ok(done)
}

/// The site's rules.
pub async fn site_rules(db: &Db) -> Result<ModerationRules, sqlx::Error> {
    let (mode, n): (String, i64) = on!(db, p => sqlx::query_as(
        "SELECT premoderation, new_reader_comments FROM moderation_settings WHERE id = 1",
    )
    .fetch_one(p)
    .await?);
    Ok(ModerationRules { premoderation: Premoderation::parse(&mode).unwrap_or_default(), new_reader_comments: n })
}

/// Sets the site's rules. Logged as `rules.set`.
pub async fn set_rules(db: &Db, rules: &ModerationRules, actor: UserId, now: i64) -> Result<Done, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    let n = on_tx!(&mut tx, c => sqlx::query(
        "UPDATE moderation_settings SET premoderation = $1, new_reader_comments = $2 \
         WHERE id = 1 AND (premoderation <> $1 OR new_reader_comments <> $2)",
    )
    .bind(rules.premoderation.as_str())
    .bind(rules.new_reader_comments)
    .execute(&mut *c)
    .await?
    .rows_affected());
    if n == 0 {
        return Ok(Done::default());
    }
    let detail = format!("{}:{}", rules.premoderation.as_str(), rules.new_reader_comments);
    log(&mut tx, now, actor, "rules.set", None, None, &detail, "").await?;
    tx.commit().await?;
    Ok(Done { changed: true, events: Vec::new() })
}

/// The word filter's entries, oldest first.
pub async fn filters(db: &Db) -> Result<Vec<FilterLine>, sqlx::Error> {
    let rows: Vec<(i64, String, bool, String)> = on!(db, p => sqlx::query_as(
        "SELECT id, pattern, is_regex, action FROM word_filters ORDER BY id",
    )
    .fetch_all(p)
    .await?);
    Ok(rows.into_iter().map(|(id, pattern, is_regex, action)| FilterLine { id, pattern, is_regex, action }).collect())
}

/// What adding a filter entry did.
#[derive(Debug, PartialEq, Eq)]
pub enum FilterAdded {
    Added,
    /// The same word or pattern is in the list.
    Exists,
    /// The list is full (`wordfilter::ENTRIES_MAX`).
    Full,
}

/// Adds a word filter entry (checked by `wordfilter::check_entry`). Logged as `filter.add`.
pub async fn add_filter(
    db: &Db,
    pattern: &str,
    is_regex: bool,
    action: &str,
    actor: UserId,
    max: i64,
    now: i64,
) -> Result<FilterAdded, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    // PostgreSQL: one adder at a time, so the list cannot outgrow `max` by a race.
    if let WriteTx::Pg(t) = &mut tx {
        sqlx::query("SELECT 1 FROM moderation_settings WHERE id = 1 FOR UPDATE").execute(&mut **t).await?;
    }
    let count: i64 =
        on_tx!(&mut tx, c => sqlx::query_scalar("SELECT COUNT(*) FROM word_filters").fetch_one(&mut *c).await?);
    if count >= max {
        return Ok(FilterAdded::Full);
    }
    let n = on_tx!(&mut tx, c => sqlx::query(
        "INSERT INTO word_filters (pattern, is_regex, action, created_at, created_by) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (pattern, is_regex) DO NOTHING",
    )
    .bind(pattern)
    .bind(is_regex)
    .bind(action)
    .bind(now)
    .bind(actor.0)
    .execute(&mut *c)
    .await?
    .rows_affected());
    if n == 0 {
        return Ok(FilterAdded::Exists);
    }
    let detail = format!("{}:{action}:{pattern}", if is_regex { "regex" } else { "word" });
    log(&mut tx, now, actor, "filter.add", None, None, &detail, "").await?;
    bump_filters(&mut tx).await?;
    tx.commit().await?;
    Ok(FilterAdded::Added)
}

/// Removes a word filter entry. Logged as `filter.remove`.
pub async fn remove_filter(db: &Db, id: i64, actor: UserId, now: i64) -> Result<Done, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    let removed: Option<String> = on_tx!(&mut tx, c => sqlx::query_scalar("DELETE FROM word_filters WHERE id = $1 RETURNING pattern")
        .bind(id)
        .fetch_optional(&mut *c)
        .await?);
    let Some(pattern) = removed else { return Ok(Done::default()) };
    log(&mut tx, now, actor, "filter.remove", None, None, &pattern, "").await?;
    bump_filters(&mut tx).await?;
    tx.commit().await?;
    Ok(Done { changed: true, events: Vec::new() })
}

async fn bump_filters(tx: &mut WriteTx) -> Result<(), sqlx::Error> {
    on_tx!(tx, c => sqlx::query("UPDATE moderation_settings SET filters_version = filters_version + 1 WHERE id = 1")
        .execute(&mut *c)
        .await?
        .rows_affected());
    Ok(())
}

/// The filter's entries with the version they belong to, read together.
pub async fn filter_entries(db: &Db) -> Result<(i64, Vec<FilterLine>), sqlx::Error> {
    let mut tx = db.begin().await?;
    let version: i64 = on_tx!(&mut tx, c => sqlx::query_scalar("SELECT filters_version FROM moderation_settings WHERE id = 1")
        .fetch_one(&mut *c)
        .await?);
    let rows: Vec<(i64, String, bool, String)> = on_tx!(&mut tx, c => sqlx::query_as(
        "SELECT id, pattern, is_regex, action FROM word_filters ORDER BY id",
    )
    .fetch_all(&mut *c)
    .await?);
    drop(tx);
    Ok((
        version,
        rows.into_iter().map(|(id, pattern, is_regex, action)| FilterLine { id, pattern, is_regex, action }).collect(),
    ))
}

#[derive(sqlx::FromRow)]
struct QueueRow {
    id: i64,
    article_id: i64,
    article_title: String,
    author_id: i64,
    author_name: String,
    body: String,
    created_at: i64,
    status: String,
    held_reason: Option<String>,
    hidden: bool,
    deleted: bool,
    reports: i64,
}

macro_rules! queue_select {
    ($($tail:tt)*) => {
        concat!(
            "SELECT c.id, c.article_id, a.title AS article_title, c.author_id, u.name AS author_name, c.body, \
             c.created_at, c.status, c.held_reason, c.hidden_at IS NOT NULL AS hidden, c.deleted_at IS NOT NULL AS deleted, \
             (SELECT COUNT(*) FROM comment_reports r WHERE r.comment_id = c.id AND r.handled_at IS NULL) AS reports \
             FROM comments c JOIN articles a ON a.id = c.article_id JOIN users u ON u.id = c.author_id ",
            $($tail)*
        )
    };
}

/// The queue: comments with open reports and held comments, most-reported first, then the
/// oldest held; at most `limit`.
pub async fn queue(db: &Db, tz: Tz, limit: i64, now: i64) -> Result<Vec<QueueItem>, sqlx::Error> {
    let rows: Vec<QueueRow> = on!(db, p => sqlx::query_as(queue_select!(
        "WHERE c.id IN (SELECT comment_id FROM comment_reports WHERE handled_at IS NULL) OR c.status = 'pending' \
         ORDER BY reports DESC, c.created_at, c.id LIMIT $1"
    ))
    .bind(limit)
    .fetch_all(p)
    .await?);
    items(db, tz, rows, now).await
}

/// Comments hidden lately, the last hidden first; at most `limit`.
pub async fn hidden(db: &Db, tz: Tz, limit: i64, now: i64) -> Result<Vec<QueueItem>, sqlx::Error> {
    let rows: Vec<QueueRow> = on!(db, p => sqlx::query_as(queue_select!(
        "WHERE c.hidden_at IS NOT NULL ORDER BY c.hidden_at DESC, c.id DESC LIMIT $1"
    ))
    .bind(limit)
    .fetch_all(p)
    .await?);
    items(db, tz, rows, now).await
}

/// The reasons and authors of queued comments. A few small statements per comment, each on an
/// index: the queue shows at most `QUEUE_SHOWN` comments and only moderators read it.
async fn items(db: &Db, tz: Tz, rows: Vec<QueueRow>, now: i64) -> Result<Vec<QueueItem>, sqlx::Error> {
    let mut authors: Vec<(i64, AuthorRecord)> = Vec::new();
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let reasons: Vec<(String, i64)> = on!(db, p => sqlx::query_as(
            "SELECT reason, COUNT(*) FROM comment_reports WHERE comment_id = $1 AND handled_at IS NULL \
             GROUP BY reason ORDER BY COUNT(*) DESC, reason",
        )
        .bind(r.id)
        .fetch_all(p)
        .await?);
        let details: Vec<String> = on!(db, p => sqlx::query_scalar(
            "SELECT detail FROM comment_reports WHERE comment_id = $1 AND handled_at IS NULL AND detail <> '' \
             ORDER BY created_at DESC LIMIT 5",
        )
        .bind(r.id)
        .fetch_all(p)
        .await?);
        let author = match authors.iter().find(|(id, _)| *id == r.author_id) {
            Some((_, a)) => a.clone(),
            None => {
                let a = author_record(db, tz, UserId(r.author_id), now).await?;
                authors.push((r.author_id, a.clone()));
                a
            }
        };
        out.push(QueueItem {
            comment: QueueComment {
                id: CommentId(r.id),
                article_id: ArticleId(r.article_id),
                article_title: r.article_title,
                author: PublicUser { id: UserId(r.author_id), name: r.author_name },
                body: if r.deleted { String::new() } else { r.body },
                created: time::date_time(tz, r.created_at),
                created_iso: time::iso(tz, r.created_at),
                status: r.status,
                held_reason: r.held_reason.map(|h| held_label(&h).to_owned()),
                hidden: r.hidden,
                deleted: r.deleted,
            },
            reports: r.reports,
            reasons: reasons
                .into_iter()
                .map(|(reason, count)| ReasonCount {
                    reason: ReportReason::parse(&reason).map_or(reason, |r| r.label().to_owned()),
                    count,
                })
                .collect(),
            details,
            author,
        });
    }
    Ok(out)
}

/// What the queue says of a comment's author: counts, their five latest comments, their ban.
async fn author_record(db: &Db, tz: Tz, user: UserId, now: i64) -> Result<AuthorRecord, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct Standing {
        comments: i64,
        hidden: i64,
        banned_until: Option<i64>,
        ban_reason: Option<String>,
        is_admin: bool,
    }
    let s: Standing = on!(db, p => sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM comments WHERE author_id = $1) AS comments, \
         (SELECT COUNT(*) FROM comments WHERE author_id = $1 AND hidden_at IS NOT NULL) AS hidden, \
         u.banned_until, u.ban_reason, \
         EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = u.id AND r.role = 'admin') AS is_admin \
         FROM users u WHERE u.id = $1",
    )
    .bind(user.0)
    .fetch_one(p)
    .await?);
    let recent: Vec<(i64, i64, i64, String, String, bool, bool)> = on!(db, p => sqlx::query_as(
        "SELECT id, article_id, created_at, body, status, hidden_at IS NOT NULL, deleted_at IS NOT NULL FROM comments \
         WHERE author_id = $1 ORDER BY created_at DESC, id DESC LIMIT 5",
    )
    .bind(user.0)
    .fetch_all(p)
    .await?);
    let banned = s.banned_until.filter(|u| *u > now).map(|until| {
        let until = (until < BAN_FOREVER).then(|| time::date_time(tz, until));
        crate::model::ban_message(until.as_deref(), s.ban_reason.as_deref().unwrap_or(""))
    });
    Ok(AuthorRecord {
        comments: s.comments,
        hidden: s.hidden,
        recent: recent
            .into_iter()
            .map(|(id, article, at, body, status, hidden, deleted)| HistoryLine {
                id: CommentId(id),
                article_id: ArticleId(article),
                created: time::date_time(tz, at),
                excerpt: if deleted { String::new() } else { body.chars().take(80).collect() },
                state: match (deleted, hidden, status.as_str()) {
                    (true, ..) => "已删除",
                    (_, true, _) => "已隐藏",
                    (_, _, "pending") => "待审核",
                    (_, _, "rejected") => "未通过审核",
                    _ => "",
                }
                .to_owned(),
            })
            .collect(),
        banned,
        is_admin: s.is_admin,
    })
}

/// Readers banned now, the soonest to end first; at most `limit`.
pub async fn bans(db: &Db, tz: Tz, limit: i64, now: i64) -> Result<Vec<BanLine>, sqlx::Error> {
    #[allow(clippy::type_complexity)]
    let rows: Vec<(i64, String, i64, Option<String>, Option<i64>)> = on!(db, p => sqlx::query_as(
        "SELECT u.id, u.name, u.banned_until, u.ban_reason, \
         (SELECT MAX(c.hide_batch) FROM comments c WHERE c.author_id = u.id AND c.hide_batch IS NOT NULL) \
         FROM users u WHERE u.banned_until > $1 ORDER BY u.banned_until, u.id LIMIT $2",
    )
    .bind(now)
    .bind(limit)
    .fetch_all(p)
    .await?);
    Ok(rows
        .into_iter()
        .map(|(id, name, until, reason, batch)| BanLine {
            user: PublicUser { id: UserId(id), name },
            until: (until < BAN_FOREVER).then(|| time::date_time(tz, until)),
            reason: reason.unwrap_or_default(),
            hide_batch: batch,
        })
        .collect())
}

/// A reader's id by name key (`Username::lookup_key`).
pub async fn reader_by_key(db: &Db, key: &str) -> Result<Option<UserId>, sqlx::Error> {
    let id: Option<i64> =
        on!(db, p => sqlx::query_scalar("SELECT id FROM users WHERE name_key = $1").bind(key).fetch_optional(p).await?);
    Ok(id.map(UserId))
}
