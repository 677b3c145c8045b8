//! Comments: list, post (comment or reply), like, delete. Each committed change is published
//! to the article's live stream (`/api/comments/stream`, see `server::routes`).

use crate::model::{AppError, ArticleId, Comment, CommentId, CommentPage, CommentThread, ReplyPage};
use leptos::prelude::*;

/// A page of an article's comments (`sort`: new, old or hot; `page` from 1).
#[server(endpoint = "comments/list")]
pub async fn list_comments(
    article_id: ArticleId,
    sort: Option<String>,
    page: Option<u32>,
) -> Result<CommentPage, AppError> {
    use crate::model::Sort;
    use crate::server::{db, request::Request};
    let req = Request::current()?;
    let state = &req.state;
    let sort = match sort.as_deref() {
        None | Some("") => Sort::New,
        Some(s) => Sort::parse(s).ok_or_else(|| AppError::validation("sort", "排序方式只能是 new、old 或 hot"))?,
    };
    let me = req.viewer().await?;
    let moderator = me.as_ref().is_some_and(|v| v.roles.may(crate::model::Role::Moderator));
    let viewer = me.map(|u| u.id);
    // The event id and the page come from one statement: a change made after it arrives live,
    // where it is merged by id, and none made before it is missed.
    let db::comments::Page { position, comments, has_more } =
        db::comments::page(&state.pool, state.config.site.timezone, article_id, sort, page.unwrap_or(1), viewer)
            .await
            .map_err(super::internal)?
            .ok_or(AppError::NotFound)?;
    let max_chars = state.config.comments.max_chars;
    Ok(CommentPage {
        comments,
        total: position.count,
        has_more,
        last_event_id: position.last_event_id,
        max_chars,
        locked: position.locked,
        premoderated: position.premoderated,
        moderator,
    })
}

/// The replies of a top-level comment after reply `after` (from the first without it), in id
/// order, `REPLIES_PER_PAGE` at a time. Any other id is not found.
#[server(endpoint = "comments/replies")]
pub async fn list_replies(root_id: CommentId, after: Option<CommentId>) -> Result<ReplyPage, AppError> {
    use crate::server::{db, request::Request};
    let req = Request::current()?;
    let state = &req.state;
    if db::comments::is_top_level(&state.pool, root_id).await.map_err(super::internal)? != Some(true) {
        return Err(AppError::NotFound);
    }
    let viewer = req.user().await?.map(|u| u.id);
    let (replies, has_more) =
        db::comments::replies_after(&state.pool, state.config.site.timezone, root_id, after, viewer)
            .await
            .map_err(super::internal)?;
    Ok(ReplyPage { replies, has_more })
}

/// Page `page` (from 1) of a top-level comment's thread, for `/comment/{id}`. The id is taken
/// as text so a malformed one is a 404; so are a reply's id and a page past the end.
#[server(endpoint = "comments/thread")]
pub async fn get_comment_thread(root_id: String, page: Option<u32>) -> Result<CommentThread, AppError> {
    use crate::model::REPLIES_PER_PAGE;
    use crate::server::{db, request::Request};
    let req = Request::current()?;
    let state = &req.state;
    let tz = state.config.site.timezone;
    let id = CommentId::parse(&root_id).ok_or(AppError::NotFound)?;
    let viewer = req.user().await?.map(|u| u.id);
    let root = db::comments::get(&state.pool, tz, id, viewer).await.map_err(super::internal)?;
    let Some(root) = root.filter(|c| c.parent_id.is_none()) else { return Err(AppError::NotFound) };
    let total_pages =
        u32::try_from(((root.replies + REPLIES_PER_PAGE - 1) / REPLIES_PER_PAGE).max(1)).unwrap_or(u32::MAX);
    let page = page.unwrap_or(1);
    if page == 0 || page > total_pages {
        return Err(AppError::NotFound);
    }
    let replies = db::comments::replies_page(&state.pool, tz, id, page, viewer).await.map_err(super::internal)?;
    let article_title =
        db::articles::title(&state.pool, root.article_id).await.map_err(super::internal)?.ok_or(AppError::NotFound)?;
    let max_chars = state.config.comments.max_chars;
    Ok(CommentThread { article_id: root.article_id, article_title, root, replies, page, total_pages, max_chars })
}

/// Posts a comment, or a reply when `parent_id` is given. Acknowledged only once committed. A
/// banned reader is told until when and why; a locked article takes none; the word filter
/// refuses it or holds it for review, as do the site's and the article's pre-moderation (a
/// held comment is answered marked `pending` and shown to its author only).
#[server(endpoint = "comments/post")]
pub async fn post_comment(article_id: ArticleId, parent_id: Option<String>, body: String) -> Result<Comment, AppError> {
    use crate::model::{Change, CommentBody, LiveEvent};
    use crate::server::db::comments::{NewComment, Refused};
    use crate::server::{db, request::Request};
    let req = Request::current()?;
    let parent = match parent_id.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(p) => Some(CommentId::parse(p).ok_or(AppError::NotFound)?),
    };
    // The reply target (an id, not typed text) stays in the address: the page reads it from there
    // as it does for a 回复 link. The message and the text go in the flash.
    let back = match parent {
        Some(p) => format!("/article/{article_id}?reply={p}"),
        None => format!("/article/{article_id}"),
    };
    // A reply comes back to its box under the comment it answers.
    let anchor = parent.map_or_else(|| "#comment-form".to_owned(), |p| format!("#c{p}"));
    let form = |e: AppError| req.fail(e, &back, &[("body", &body)], &anchor);
    let user = req.active_reader().await.map_err(form)?.public();
    let state = &req.state;
    let cfg = &state.config.comments;
    let text = CommentBody::parse(&body, cfg.max_chars).map_err(|m| form(AppError::validation("body", m)))?;
    // Checked against the word filter as built; stored only if the list has not moved since,
    // else built again from the newer list and asked again (a list changes rarely: at most
    // twice more, and only if admins change it again meanwhile).
    let (mut version, mut filter) = state.filter.current();
    let mut tries = 0;
    let (checks, id, event_id, count) = loop {
        let verdict = filter.check(text.as_str()).map(|v| v.action);
        let new = NewComment {
            article: article_id,
            parent,
            author: user.id,
            body: text.as_str(),
            filter: verdict,
            filters_version: version,
        };
        let (checks, stored) =
            db::comments::post(&state.pool, &new, cfg.min_interval_secs).await.map_err(super::internal)?;
        if let Some((id, event_id, count)) = stored {
            break (checks, id, event_id, count);
        }
        return Err(form(match checks.refusal(cfg.min_interval_secs, &new) {
            Some(Refused::StaleFilter(newer)) if tries < 3 => {
                tries += 1;
                (version, filter) = state.filter.at_least(state, newer).await.map_err(super::internal)?;
                continue;
            }
            Some(Refused::StaleFilter(_)) => super::internal("the word filter list kept moving while posting"),
            Some(Refused::Locked) => AppError::Conflict("本文的评论已关闭，不能再发表评论或回复".into()),
            Some(Refused::Filtered) => AppError::validation("body", "评论含有本站不允许发表的内容，请修改后再发表"),
            Some(Refused::Wait(wait)) => AppError::RateLimited { retry_after_secs: wait as u64 },
            Some(Refused::NoArticle) | None => AppError::NotFound,
            Some(Refused::NoParent) => AppError::validation("body", "要回复的评论不存在"),
            Some(Refused::Repeat) => AppError::validation("body", "这条评论和您上一条评论相同，请不要重复发表"),
        }));
    };
    let held = checks.held;
    let comment = checks.stored(state.config.site.timezone, id, user, text.as_str().to_owned());
    if held {
        // Nobody else sees it until a moderator approves it; open queues learn of it.
        state.queue.poke();
        req.redirect_plain_form(&format!("/article/{article_id}#c{id}"));
        return Ok(comment);
    }
    state.hub.publish(LiveEvent {
        id: event_id,
        article_id,
        comment_count: count,
        change: Change::Created(comment.clone()),
    });
    req.redirect_plain_form(&format!("/article/{article_id}#c{id}"));
    Ok(comment)
}

/// 点赞: likes a comment, or takes the like back. One like per reader per comment; at most
/// `comments.likes_per_minute` likes and likes taken back per reader. The answer has the new
/// count at once; other readers get it within about a second (`server::likes`).
#[server(endpoint = "comments/like")]
pub async fn like_comment(comment_id: CommentId) -> Result<Comment, AppError> {
    use crate::server::{db, request::Request, time};
    let req = Request::current()?;
    let state = &req.state;
    let Some(user) = req.viewer().await? else { return Err(req.fail(AppError::Unauthorized, "/login", &[], "")) };
    // This publishes nothing itself: the announcement does (`server::likes`).
    let mut tx = state.pool.begin_write().await.map_err(super::internal)?;
    let Some((article, _, deleted, shown)) =
        db::comments::article_of(&mut tx, comment_id).await.map_err(super::internal)?
    else {
        return Err(req.fail(AppError::NotFound, "/", &[], ""));
    };
    let back = format!("/article/{article}");
    if deleted {
        return Err(req.fail(AppError::Conflict("该评论已删除，不能点赞".into()), &back, &[], ""));
    }
    if !shown {
        return Err(req.fail(AppError::Conflict("该评论已被隐藏或尚未发表，不能点赞".into()), &back, &[], ""));
    }
    if let Err(banned) = req.active_reader().await {
        return Err(req.fail(banned, &back, &[], ""));
    }
    let now = time::now_unix();
    // Counted in this transaction: a refused like, or one that fails, takes no slot.
    let reader = user.id.0.to_string();
    let limit = [db::limits::Limit::new("like_user", &reader, 60, state.config.comments.likes_per_minute)];
    if let Err(retry_after_secs) = db::limits::take_in(&mut tx, &limit, now).await.map_err(super::internal)? {
        return Err(req.fail(AppError::RateLimited { retry_after_secs }, &back, &[], ""));
    }
    let before = db::comments::like_count(&mut tx, comment_id).await.map_err(super::internal)?;
    db::comments::toggle_like(&mut tx, comment_id, user.id, now).await.map_err(super::internal)?;
    state.likes.changed(state, comment_id, article, before);
    tx.commit().await.map_err(super::internal)?;
    let comment = as_seen_by(state, comment_id, user.id).await?;
    req.redirect_plain_form(&format!("/article/{article}#c{comment_id}"));
    Ok(comment)
}

/// Deletes the reader's own comment: it shows as 该评论已删除 and its replies stay.
#[server(endpoint = "comments/delete")]
pub async fn delete_comment(comment_id: CommentId) -> Result<Comment, AppError> {
    use crate::model::{Change, LiveEvent};
    use crate::server::{db, request::Request, time};
    let req = Request::current()?;
    let state = &req.state;
    let Some(user) = req.user().await? else { return Err(req.fail(AppError::Unauthorized, "/login", &[], "")) };
    let mut tx = state.pool.begin_write().await.map_err(super::internal)?;
    let Some((article, author, deleted, _)) =
        db::comments::article_of(&mut tx, comment_id).await.map_err(super::internal)?
    else {
        return Err(req.fail(AppError::NotFound, "/", &[], ""));
    };
    let back = format!("/article/{article}");
    if author != user.id.0 {
        return Err(req.fail(AppError::NotPermitted, &back, &[], ""));
    }
    if !deleted {
        let now = time::now_unix();
        if let Some(counted) = db::comments::soft_delete(&mut tx, comment_id, now).await.map_err(super::internal)? {
            let delta = if counted { -1 } else { 0 };
            let (event_id, count) = commit_event(tx, article, "deleted", comment_id, now, delta).await?;
            state.hub.publish(LiveEvent {
                id: event_id,
                article_id: article,
                comment_count: count,
                change: Change::Deleted(comment_id),
            });
        }
    }
    let comment = as_seen_by(state, comment_id, user.id).await?;
    req.redirect_plain_form(&format!("{back}#c{comment_id}"));
    Ok(comment)
}

/// Appends the change to the event log with the article's count moved by `count_delta`,
/// commits, and returns the event id with the article's visible comment count after it. The
/// event is the transaction's last write (its number and the count are taken under the
/// article's row lock, `db::comments::record_change`).
#[cfg(feature = "ssr")]
async fn commit_event(
    mut tx: crate::server::db::WriteTx,
    article: ArticleId,
    kind: &str,
    comment: CommentId,
    now: i64,
    count_delta: i64,
) -> Result<(i64, i64), AppError> {
    use crate::server::db;
    let (event_id, count) = db::comments::record_change(&mut tx, article, kind, comment, now, count_delta)
        .await
        .map_err(super::internal)?;
    tx.commit().await.map_err(super::internal)?;
    Ok((event_id, count))
}

/// A comment as the reader who changed it sees it (with their own like).
#[cfg(feature = "ssr")]
async fn as_seen_by(
    state: &crate::server::AppState,
    id: CommentId,
    reader: crate::model::UserId,
) -> Result<Comment, AppError> {
    crate::server::db::comments::get(&state.pool, state.config.site.timezone, id, Some(reader))
        .await
        .map_err(super::internal)?
        .ok_or(AppError::NotFound)
}

/// The name of the author of comment `comment_id` if it belongs to `article_id`: for "回复
/// @name" above the form when a 回复 link (`?reply=N`, without JavaScript) names a comment
/// that is not on the page. Names are public; anything else is `None`.
#[server(endpoint = "comments/author")]
pub async fn reply_author(article_id: ArticleId, comment_id: CommentId) -> Result<Option<String>, AppError> {
    use crate::server::{db, AppState};
    let state = AppState::current()?;
    let c =
        db::comments::get(&state.pool, state.config.site.timezone, comment_id, None).await.map_err(super::internal)?;
    Ok(c.filter(|c| c.article_id == article_id).map(|c| c.author.name))
}
