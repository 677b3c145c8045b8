//! Moderation: readers report comments; moderators hide, restore, dismiss reports, approve or
//! reject held comments, ban readers, lock threads and pin comments; admins set the site's
//! rules and the word filter. Every function checks the caller's role on the server (a
//! visitor gets 401, a reader or a banned reader 403, and nothing changes); only an admin acts
//! on an admin. Each works from the page's forms without JavaScript as a plain post, sent back
//! to the page it came from (`next`, a path of this site) or to `/admin/moderation`.

use crate::model::{AppError, ArticleId, CommentId, ModerationPage};
use leptos::prelude::*;

/// The queue page.
pub const QUEUE_PAGE: &str = "/admin/moderation";

/// Reports one reader may make a minute.
pub const REPORTS_PER_MINUTE: i64 = 10;

/// Actions one moderator may take a minute: far more than a person clicks, few enough that a
/// stolen session cannot churn the site.
pub const ACTIONS_PER_MINUTE: i64 = 120;

/// "Hide everything this reader wrote" one moderator may do a minute (each may log many events).
pub const HIDE_ALL_PER_MINUTE: i64 = 5;

/// What a reader is told once a report is stored.
pub const REPORT_RECEIVED: &str = "已收到您的举报，版主会尽快处理。";

/// 举报: a signed-in reader reports a comment once, with a reason (`spam`, `abuse`, `illegal`,
/// or `other` with a short text). At most `REPORTS_PER_MINUTE` a minute per reader.
#[server(endpoint = "comments/report")]
pub async fn report_comment(comment_id: CommentId, reason: String, detail: Option<String>) -> Result<String, AppError> {
    use crate::model::check_report;
    use crate::server::db::moderation::Reported;
    use crate::server::{db, request::Request, time};
    let req = Request::current()?;
    let state = &req.state;
    let detail = detail.unwrap_or_default();
    let article = db::moderation::target(&state.pool, comment_id).await.map_err(super::internal)?;
    let back = match &article {
        Some(t) => format!("/article/{}?report={comment_id}", t.article_id),
        None => "/".to_owned(),
    };
    let anchor = format!("#c{comment_id}");
    let fail = |e: AppError| req.fail(e, &back, &[("detail", &detail)], &anchor);
    let user = match req.active_reader().await {
        Err(AppError::Unauthorized) => return Err(req.fail(AppError::Unauthorized, "/login", &[], "")),
        other => other.map_err(fail)?,
    };
    if article.is_none() {
        return Err(fail(AppError::NotFound));
    }
    let (reason, detail_text) = check_report(&reason, &detail).map_err(|(f, m)| fail(AppError::validation(f, m)))?;
    let now = time::now_unix();
    if let Err(retry_after_secs) = super::per_minute_slot(&req, "report_user", &user, REPORTS_PER_MINUTE, now).await? {
        return Err(fail(AppError::RateLimited { retry_after_secs }));
    }
    match db::moderation::report(&state.pool, comment_id, user.id, reason, &detail_text, now)
        .await
        .map_err(super::internal)?
    {
        Reported::Received => state.queue.poke(),
        Reported::Already => return Err(fail(AppError::Conflict("您已经举报过这条评论，版主会尽快处理。".into()))),
        Reported::NoComment => return Err(fail(AppError::NotFound)),
        Reported::Own => return Err(fail(AppError::Conflict("不能举报自己的评论".into()))),
    }
    if let Some(t) = article {
        req.redirect_plain_form(&format!("/article/{}?reported={comment_id}#c{comment_id}", t.article_id));
    }
    Ok(REPORT_RECEIVED.to_owned())
}

/// `/admin/moderation`: the queue (reported and held comments), comments hidden lately, bans,
/// the site's rules, and for admins the word filter.
#[server(endpoint = "moderation/queue")]
pub async fn get_moderation() -> Result<ModerationPage, AppError> {
    use crate::model::{Role, QUEUE_SHOWN};
    use crate::server::{db, request::Request, time};
    let req = Request::current()?;
    let me = req.require(Role::Moderator).await?;
    let (pool, tz, now) = (&req.state.pool, req.state.config.site.timezone, time::now_unix());
    // The version first: a change made while the page is read moves it again.
    let version = db::moderation::queue_version(pool).await.map_err(super::internal)?;
    let is_admin = me.roles.holds(Role::Admin);
    Ok(ModerationPage {
        queue: db::moderation::queue(pool, tz, QUEUE_SHOWN, now).await.map_err(super::internal)?,
        hidden: db::moderation::hidden(pool, tz, QUEUE_SHOWN, now).await.map_err(super::internal)?,
        bans: db::moderation::bans(pool, tz, QUEUE_SHOWN, now).await.map_err(super::internal)?,
        rules: db::moderation::site_rules(pool).await.map_err(super::internal)?,
        filters: if is_admin { db::moderation::filters(pool).await.map_err(super::internal)? } else { Vec::new() },
        is_admin,
        version,
    })
}

/// What a moderator's form posts act on.
#[cfg(feature = "ssr")]
struct Acting {
    req: crate::server::request::Request,
    me: crate::model::Viewer,
    back: String,
    now: i64,
}

#[cfg(feature = "ssr")]
impl Acting {
    /// The moderator (or admin, with `role`) behind a form post, with a slot of their
    /// per-minute actions; `next` is where a plain post goes back to.
    async fn start(role: crate::model::Role, next: Option<String>, keep: &[(&str, &str)]) -> Result<Acting, AppError> {
        use crate::server::{request::Request, time};
        let req = Request::current()?;
        let back = next.as_deref().map(crate::model::safe_next).unwrap_or_else(|| QUEUE_PAGE.to_owned());
        let me = super::staff_for_form(&req, role, &back, keep).await?;
        let now = time::now_unix();
        if let Err(retry_after_secs) = super::per_minute_slot(&req, "moderation", &me, ACTIONS_PER_MINUTE, now).await? {
            return Err(req.fail(AppError::RateLimited { retry_after_secs }, &back, keep, ""));
        }
        Ok(Acting { req, me, back, now })
    }

    fn fail(&self, e: AppError) -> AppError {
        self.req.fail(e, &self.back, &[], "")
    }

    /// Refuses a moderator who is not an admin acting on an admin's comment or account.
    async fn may_act_on(&self, author_is_admin: bool) -> Result<(), AppError> {
        if author_is_admin && !self.me.roles.holds(crate::model::Role::Admin) {
            return Err(self.fail(AppError::NotPermitted));
        }
        Ok(())
    }

    /// The comment acted on, once it is known an admin's is acted on by an admin only.
    async fn comment(&self, id: CommentId) -> Result<crate::server::db::moderation::Target, AppError> {
        let target = crate::server::db::moderation::target(&self.req.state.pool, id)
            .await
            .map_err(super::internal)?
            .ok_or_else(|| self.fail(AppError::NotFound))?;
        self.may_act_on(target.author_is_admin).await?;
        Ok(target)
    }

    /// Publishes what was logged, tells open queues, and sends a plain post back.
    async fn finish(self, done: crate::server::db::moderation::Done) -> Result<(), AppError> {
        if done.changed {
            crate::server::moderation::publish_logged(&self.req.state, &done.events).await;
            self.req.state.queue.poke();
        }
        self.req.redirect_plain_form(&self.back);
        Ok(())
    }
}

/// A moderator's reason, checked.
#[cfg(feature = "ssr")]
fn reason_of(acting: &Acting, reason: Option<String>) -> Result<String, AppError> {
    crate::model::check_reason(reason.as_deref().unwrap_or(""))
        .map_err(|m| acting.fail(AppError::validation("reason", m)))
}

/// Hides a comment: readers see 该评论已被管理员隐藏 at once on every open page; its replies stay
/// and its open reports are handled.
#[server(endpoint = "moderation/hide")]
pub async fn hide_comment(comment_id: CommentId, reason: Option<String>, next: Option<String>) -> Result<(), AppError> {
    act_on_comment(comment_id, reason, next, CommentAction::Hide).await
}

/// Shows a hidden comment again.
#[server(endpoint = "moderation/restore")]
pub async fn restore_comment(
    comment_id: CommentId,
    reason: Option<String>,
    next: Option<String>,
) -> Result<(), AppError> {
    act_on_comment(comment_id, reason, next, CommentAction::Restore).await
}

/// Dismisses a comment's open reports; the comment stays.
#[server(endpoint = "moderation/dismiss")]
pub async fn dismiss_reports(
    comment_id: CommentId,
    reason: Option<String>,
    next: Option<String>,
) -> Result<(), AppError> {
    act_on_comment(comment_id, reason, next, CommentAction::Dismiss).await
}

/// Approves a held comment: it appears on every open page of its article, in its place.
#[server(endpoint = "moderation/approve")]
pub async fn approve_comment(comment_id: CommentId, next: Option<String>) -> Result<(), AppError> {
    act_on_comment(comment_id, None, next, CommentAction::Approve).await
}

/// Rejects a held comment: its author sees it marked 未通过审核; nobody else ever saw it.
#[server(endpoint = "moderation/reject")]
pub async fn reject_comment(
    comment_id: CommentId,
    reason: Option<String>,
    next: Option<String>,
) -> Result<(), AppError> {
    act_on_comment(comment_id, reason, next, CommentAction::Reject).await
}

/// What a moderator does to one comment.
#[cfg(feature = "ssr")]
#[derive(Clone, Copy)]
enum CommentAction {
    Hide,
    Restore,
    Dismiss,
    Approve,
    Reject,
}

/// A moderator's action on one comment, once the role, the limit, the reason and the comment's
/// author are checked.
#[cfg(feature = "ssr")]
async fn act_on_comment(
    comment_id: CommentId,
    reason: Option<String>,
    next: Option<String>,
    action: CommentAction,
) -> Result<(), AppError> {
    use crate::server::db::moderation as m;
    let a = Acting::start(crate::model::Role::Moderator, next, &[]).await?;
    let reason = reason_of(&a, reason)?;
    a.comment(comment_id).await?;
    let (pool, me, now) = (&a.req.state.pool, a.me.id, a.now);
    let done = match action {
        CommentAction::Hide => m::hide(pool, comment_id, me, &reason, now).await,
        CommentAction::Restore => m::restore(pool, comment_id, me, &reason, now).await,
        CommentAction::Dismiss => m::dismiss(pool, comment_id, me, &reason, now).await,
        CommentAction::Approve => m::approve(pool, comment_id, me, now).await,
        CommentAction::Reject => m::reject(pool, comment_id, me, &reason, now).await,
    }
    .map_err(super::internal)?;
    a.finish(done).await
}

/// 置顶 (`pinned` = `1`) or not (`0`): a published top-level comment shown first in its thread.
#[server(endpoint = "moderation/pin")]
pub async fn pin_comment(comment_id: CommentId, pinned: String, next: Option<String>) -> Result<(), AppError> {
    let a = Acting::start(crate::model::Role::Moderator, next, &[]).await?;
    let target = a.comment(comment_id).await?;
    if target.parent_id.is_some() {
        return Err(a.fail(AppError::validation("comment_id", "只能置顶一级评论")));
    }
    let done = crate::server::db::moderation::pin(&a.req.state.pool, comment_id, pinned == "1", a.me.id, a.now)
        .await
        .map_err(super::internal)?;
    a.finish(done).await
}

/// Locks (`locked` = `1`) or unlocks (`0`) an article's comments: a locked article takes no
/// comment or reply, and its form gives way to a notice.
#[server(endpoint = "moderation/lock")]
pub async fn lock_comments(
    article_id: ArticleId,
    locked: String,
    reason: Option<String>,
    next: Option<String>,
) -> Result<(), AppError> {
    let a = Acting::start(crate::model::Role::Moderator, next, &[]).await?;
    let reason = reason_of(&a, reason)?;
    let done =
        crate::server::db::moderation::lock(&a.req.state.pool, article_id, locked == "1", a.me.id, &reason, a.now)
            .await
            .map_err(super::internal)?;
    if done.changed {
        // The article's pages show the form or the notice: every copy kept is stale.
        crate::server::cli::articles_changed(&a.req.state).await;
    }
    a.finish(done).await
}

/// Holds every new comment on an article for review (`on` = `1`), or no longer (`0`).
#[server(endpoint = "moderation/premoderate")]
pub async fn premoderate_article(article_id: ArticleId, on: String, next: Option<String>) -> Result<(), AppError> {
    let a = Acting::start(crate::model::Role::Moderator, next, &[]).await?;
    let done =
        crate::server::db::moderation::premoderate_article(&a.req.state.pool, article_id, on == "1", a.me.id, a.now)
            .await
            .map_err(super::internal)?;
    a.finish(done).await
}

/// The reader a moderator names in a form, once it is known an admin is acted on by an admin
/// only and nobody acts on themselves.
#[cfg(feature = "ssr")]
async fn named_reader(a: &Acting, name: &str) -> Result<crate::model::UserId, AppError> {
    use crate::model::{Username, NAME_MAX};
    use crate::server::db;
    let name = name.trim();
    if name.is_empty() || name.chars().count() > NAME_MAX * 4 {
        return Err(a.fail(AppError::validation("name", "没有叫这个名字的读者")));
    }
    let pool = &a.req.state.pool;
    let user = db::moderation::reader_by_key(pool, &Username::lookup_key(name))
        .await
        .map_err(super::internal)?
        .ok_or_else(|| a.fail(AppError::validation("name", "没有叫这个名字的读者")))?;
    if user == a.me.id {
        return Err(a.fail(AppError::validation("name", "不能对自己执行这个操作")));
    }
    a.may_act_on(db::moderation::is_admin(pool, user).await.map_err(super::internal)?).await?;
    Ok(user)
}

/// Bans reader `name` for `days` days (1–3650) or `forever`, with a reason; `hide_all` = `1`
/// also hides everything they wrote. Their open sessions obey the ban at once.
#[server(endpoint = "moderation/ban")]
pub async fn ban_reader(
    name: String,
    days: String,
    reason: Option<String>,
    hide_all: Option<String>,
    next: Option<String>,
) -> Result<(), AppError> {
    use crate::model::{check_ban_length, BAN_FOREVER};
    use crate::server::db;
    let a = Acting::start(crate::model::Role::Moderator, next, &[("name", &name)]).await?;
    let reason = reason_of(&a, reason)?;
    let length = check_ban_length(&days).map_err(|m| a.fail(AppError::validation("days", m)))?;
    let user = named_reader(&a, &name).await?;
    let until = length.map_or(BAN_FOREVER, |secs| a.now + secs);
    let pool = &a.req.state.pool;
    let mut done = db::moderation::ban(pool, user, a.me.id, until, &reason, a.now).await.map_err(super::internal)?;
    if hide_all.as_deref() == Some("1") {
        let hidden = hide_everything(&a, user, &reason).await?;
        done.events.extend(hidden.events);
    }
    a.finish(done).await
}

/// Lifts reader `name`'s ban.
#[server(endpoint = "moderation/unban")]
pub async fn unban_reader(name: String, next: Option<String>) -> Result<(), AppError> {
    let a = Acting::start(crate::model::Role::Moderator, next, &[]).await?;
    let user = named_reader(&a, &name).await?;
    let done = crate::server::db::moderation::unban(&a.req.state.pool, user, a.me.id, "", a.now)
        .await
        .map_err(super::internal)?;
    a.finish(done).await
}

#[cfg(feature = "ssr")]
async fn hide_everything(
    a: &Acting,
    user: crate::model::UserId,
    reason: &str,
) -> Result<crate::server::db::moderation::Done, AppError> {
    if let Err(retry_after_secs) = super::per_minute_slot(&a.req, "hide_all", &a.me, HIDE_ALL_PER_MINUTE, a.now).await?
    {
        return Err(a.fail(AppError::RateLimited { retry_after_secs }));
    }
    crate::server::db::moderation::hide_all(&a.req.state.pool, user, a.me.id, reason, a.now)
        .await
        .map_err(super::internal)
}

/// Hides everything reader `name` wrote (spam clean-up), in one batch `moderation/unhide`
/// undoes. At most `HIDE_ALL_PER_MINUTE` a minute per moderator.
#[server(endpoint = "moderation/hide_all")]
pub async fn hide_all(name: String, reason: Option<String>, next: Option<String>) -> Result<(), AppError> {
    let a = Acting::start(crate::model::Role::Moderator, next, &[("name", &name)]).await?;
    let reason = reason_of(&a, reason)?;
    let user = named_reader(&a, &name).await?;
    let done = hide_everything(&a, user, &reason).await?;
    a.finish(done).await
}

/// Undoes a "hide everything" (its batch number, from the queue page).
#[server(endpoint = "moderation/unhide")]
pub async fn unhide_batch(batch: i64, next: Option<String>) -> Result<(), AppError> {
    use crate::server::db;
    let a = Acting::start(crate::model::Role::Moderator, next, &[]).await?;
    let pool = &a.req.state.pool;
    let author = db::moderation::batch_author(pool, batch)
        .await
        .map_err(super::internal)?
        .ok_or_else(|| a.fail(AppError::NotFound))?;
    a.may_act_on(db::moderation::is_admin(pool, author).await.map_err(super::internal)?).await?;
    let done = db::moderation::unhide_batch(pool, batch, a.me.id, a.now).await.map_err(super::internal)?;
    a.finish(done).await
}

/// The site's pre-moderation (admins): `off`, `all`, or `new` (a reader's first
/// `new_reader_comments` comments, 1–100, are held).
#[server(endpoint = "moderation/rules")]
pub async fn set_rules(
    premoderation: String,
    new_reader_comments: String,
    next: Option<String>,
) -> Result<(), AppError> {
    use crate::model::{ModerationRules, Premoderation, NEW_READER_COMMENTS_MAX};
    let a = Acting::start(crate::model::Role::Admin, next, &[]).await?;
    let mode = Premoderation::parse(&premoderation)
        .ok_or_else(|| a.fail(AppError::validation("premoderation", "请选择先审方式")))?;
    let n = new_reader_comments
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|n| (1..=NEW_READER_COMMENTS_MAX).contains(n))
        .ok_or_else(|| {
            a.fail(AppError::validation(
                "new_reader_comments",
                format!("新读者先审的条数须是 1 到 {NEW_READER_COMMENTS_MAX} 之间的整数"),
            ))
        })?;
    let rules = ModerationRules { premoderation: mode, new_reader_comments: n };
    let done = crate::server::db::moderation::set_rules(&a.req.state.pool, &rules, a.me.id, a.now)
        .await
        .map_err(super::internal)?;
    a.finish(done).await
}

/// Adds a word filter entry (admins): a word or (`kind` = `regex`) a pattern over normalised
/// text; `action` `hold` (held for review) or `refuse`.
#[server(endpoint = "moderation/filter_add")]
pub async fn add_filter(pattern: String, kind: String, action: String, next: Option<String>) -> Result<(), AppError> {
    use crate::server::db::moderation::FilterAdded;
    use crate::server::wordfilter::{check_entry, FilterAction, ENTRIES_MAX};
    let a = Acting::start(crate::model::Role::Admin, next, &[("pattern", &pattern)]).await?;
    let keep = [("pattern", pattern.as_str())];
    let fail = |e: AppError| a.req.fail(e, &a.back, &keep, "");
    let is_regex = kind == "regex";
    let action = FilterAction::parse(&action).ok_or_else(|| fail(AppError::validation("action", "请选择处理方式")))?;
    let stored = check_entry(&pattern, is_regex).map_err(|m| fail(AppError::validation("pattern", m)))?;
    match crate::server::db::moderation::add_filter(
        &a.req.state.pool,
        &stored,
        is_regex,
        action.as_str(),
        a.me.id,
        ENTRIES_MAX as i64,
        a.now,
    )
    .await
    .map_err(super::internal)?
    {
        FilterAdded::Added => {}
        FilterAdded::Exists => return Err(fail(AppError::validation("pattern", "列表里已经有这一项"))),
        FilterAdded::Full => {
            return Err(fail(AppError::Conflict(format!("敏感词最多 {ENTRIES_MAX} 项，请先删除一些"))));
        }
    }
    a.finish(crate::server::db::moderation::Done { changed: true, events: Vec::new() }).await
}

/// Removes a word filter entry (admins).
#[server(endpoint = "moderation/filter_remove")]
pub async fn remove_filter(id: i64, next: Option<String>) -> Result<(), AppError> {
    let a = Acting::start(crate::model::Role::Admin, next, &[]).await?;
    let done = crate::server::db::moderation::remove_filter(&a.req.state.pool, id, a.me.id, a.now)
        .await
        .map_err(super::internal)?;
    a.finish(done).await
}
