//! The editors' side of the newsroom: the list of every article, writing and correcting one
//! (each save kept as a revision), publishing now or at a set time, withdrawing, restoring an
//! older version. Every function checks on the server that the caller may act as an editor (a
//! visitor gets 401, any other reader 403, and nothing changes), and an editor makes at most
//! `CHANGES_PER_MINUTE` changes a minute (counted in the database, across processes).

use crate::model::{AppError, ArticleId, DeskPage, EditorArticle};
use leptos::prelude::*;

/// Changes one editor may make per minute: far above a real newsroom's pace, low enough that a
/// stolen session cannot churn the revisions table.
pub const CHANGES_PER_MINUTE: i64 = 60;

/// Lines of the newsroom's list per page.
pub const DESK_PER_PAGE: i64 = 30;

/// Versions the editor's page lists (the newest).
pub const REVISIONS_SHOWN: i64 = 20;

/// Furthest ahead an article may be scheduled, in seconds.
pub const SCHEDULE_MAX_SECS: i64 = 366 * 86_400;

/// `/admin/articles`: every article, the last saved first, drafts and withdrawn ones included.
#[server(endpoint = "newsroom/desk")]
pub async fn get_desk(page: u32) -> Result<DeskPage, AppError> {
    use crate::model::{ArticleState, DeskLine, Role};
    use crate::server::{db, request::Request, time};
    let req = Request::current()?;
    req.require(Role::Editor).await?;
    let tz = req.state.config.site.timezone;
    let (rows, total_pages) =
        db::newsroom::desk(&req.state.pool, page, DESK_PER_PAGE).await.map_err(super::internal)?;
    if page == 0 || page > total_pages {
        return Err(AppError::NotFound);
    }
    Ok(DeskPage {
        articles: rows
            .into_iter()
            .map(|r| DeskLine {
                id: ArticleId(r.id),
                title: r.title,
                channel_name: r.channel_name,
                state: ArticleState::parse(&r.state).unwrap_or(ArticleState::Draft),
                published: time::date_time(tz, r.published_at),
                updated: time::date_time(tz, r.updated_at),
            })
            .collect(),
        page,
        total_pages,
    })
}

/// `/admin/articles/{id}`: the article as its form holds it, with its newest versions and what
/// each changed.
#[server(endpoint = "newsroom/article")]
pub async fn get_editor_article(id: String) -> Result<EditorArticle, AppError> {
    use crate::model::{diff_lines, ArticleFields, ArticleState, RevisionLine, Role, DIFF_SHOWN};
    use crate::server::{db, request::Request, time};
    let req = Request::current()?;
    req.require(Role::Editor).await?;
    let id = ArticleId::parse(&id).ok_or(AppError::NotFound)?;
    let (pool, tz) = (&req.state.pool, req.state.config.site.timezone);
    let stored = db::newsroom::stored(pool, id).await.map_err(super::internal)?.ok_or(AppError::NotFound)?;
    // One more than shown: the oldest shown is compared with the one before it.
    let versions = db::newsroom::revisions(pool, id, REVISIONS_SHOWN + 1).await.map_err(super::internal)?;
    let text = |r: &db::newsroom::Revision| {
        crate::model::revision_text(
            &r.title,
            &r.channel_slug,
            &r.summary,
            &r.source,
            r.original_url.as_deref(),
            &r.body_md,
        )
    };
    let revisions = versions
        .iter()
        .enumerate()
        .take(REVISIONS_SHOWN as usize)
        .map(|(i, r)| {
            let before = versions.get(i + 1).map(text).unwrap_or_default();
            let mut changes = diff_lines(&before, &text(r));
            let changed = changes.len();
            changes.truncate(DIFF_SHOWN);
            RevisionLine {
                id: r.id,
                at: time::date_time(tz, r.created_at),
                editor: r.editor.clone(),
                title: r.title.clone(),
                changes,
                changed,
            }
        })
        .collect();
    Ok(EditorArticle {
        id,
        fields: ArticleFields {
            title: stored.title,
            channel: stored.channel_slug,
            summary: stored.summary,
            source: stored.source,
            original_url: stored.original_url.unwrap_or_default(),
            body: stored.body,
        },
        state: ArticleState::parse(&stored.state).unwrap_or(ArticleState::Draft),
        published_local: time::local_input(tz, stored.published_at),
        time_zone: tz.name().to_owned(),
        figures: db::figures::list(pool, id)
            .await
            .map_err(super::internal)?
            .into_iter()
            .map(|f| {
                let caption = f.caption.unwrap_or_default();
                crate::model::EditorFigure {
                    // The narrowest file of an upload; a drawing of the demo content as it is.
                    thumbnail: f.srcset.as_deref().and_then(|s| s.split(' ').next()).map_or(f.src, str::to_owned),
                    alt: f.alt.filter(|a| !a.trim().is_empty()).unwrap_or_else(|| caption.clone()),
                    caption,
                    credit: f.credit.unwrap_or_default(),
                }
            })
            .collect(),
        revisions,
    })
}

/// Saves an article: a new draft when `id` is empty, else the article's new text (its state
/// stays; a published article's correction shows on every page at once). Answers the id.
#[server(endpoint = "newsroom/save")]
pub async fn save_article(
    id: String,
    title: String,
    channel: String,
    summary: String,
    source: String,
    original_url: String,
    body: String,
) -> Result<ArticleId, AppError> {
    use crate::model::{check_article, figure_line, ArticleFields};
    use crate::server::{db, request::Request, time};
    let req = Request::current()?;
    let existing = if id.is_empty() { None } else { Some(ArticleId::parse(&id).ok_or(AppError::NotFound)?) };
    let page = existing.map_or("/admin/articles/new".to_owned(), |a| format!("/admin/articles/{a}"));
    let fields = ArticleFields { title, channel, summary, source, original_url, body };
    let keep = [
        ("title", fields.title.as_str()),
        ("channel", fields.channel.as_str()),
        ("summary", fields.summary.as_str()),
        ("source", fields.source.as_str()),
        ("original_url", fields.original_url.as_str()),
        ("body", fields.body.as_str()),
    ];
    let editor = editor_for_form(&req, &page, &keep).await?;
    let fail = |e: AppError| req.fail_large(e, &page, &keep, "");
    let checked = check_article(&fields).map_err(|(f, m)| fail(AppError::validation(f, m)))?;
    let pool = &req.state.pool;
    let figures = match existing {
        Some(a) => db::newsroom::figure_count(pool, a).await.map_err(super::internal)?,
        None => 0,
    };
    if let Some(n) = checked.body.lines().filter_map(figure_line).find(|n| *n as i64 > figures) {
        let has = if figures == 0 {
            "这篇文章还没有图片".to_owned()
        } else {
            format!("这篇文章只有 {figures} 张图片")
        };
        return Err(fail(AppError::validation("body", format!("正文里的 [图{n}] 没有对应的图片：{has}"))));
    }
    let now = time::now_unix();
    if let Err(retry_after_secs) = slot(&req, &editor, now).await? {
        return Err(fail(AppError::RateLimited { retry_after_secs }));
    }
    let saved = db::newsroom::save(pool, existing, &checked, Some(editor.id), now).await.map_err(super::internal)?;
    let id = saved.ok_or(AppError::NotFound)?;
    if existing.is_some() {
        crate::server::cli::articles_changed(&req.state).await;
    }
    req.redirect_plain_form(&format!("/admin/articles/{id}"));
    Ok(id)
}

/// Publishes article `id`: now when `at` is empty, else at `at` (`YYYY-MM-DDTHH:MM` in the
/// site's time zone, in the future and within a year).
#[server(endpoint = "newsroom/publish")]
pub async fn publish_article(id: String, at: String) -> Result<(), AppError> {
    use crate::server::db::newsroom::Publication;
    use crate::server::time;
    let req = crate::server::request::Request::current()?;
    let page = editor_page(&id)?;
    let keep = [("at", at.as_str())];
    let now = time::now_unix();
    let what = if at.trim().is_empty() {
        Publication::Now
    } else {
        let tz = req.state.config.site.timezone;
        let fail = |m: &str| AppError::validation("at", m);
        match time::parse_local_input(tz, at.trim()) {
            None => return Err(req.fail(fail("请按“年-月-日 时:分”填写发布时间"), &page, &keep, "#publish")),
            Some(t) if t <= now + 30 => {
                return Err(req.fail(fail("定时发布的时间须在将来；现在发布请留空"), &page, &keep, "#publish"))
            }
            Some(t) if t > now + SCHEDULE_MAX_SECS => {
                return Err(req.fail(fail("定时发布最多提前一年"), &page, &keep, "#publish"))
            }
            Some(t) => Publication::At(t),
        }
    };
    change_publication(&req, &id, &page, &keep, what).await
}

/// Withdraws article `id`: readers get a 404 and it leaves every list, feed and sitemap.
#[server(endpoint = "newsroom/withdraw")]
pub async fn withdraw_article(id: String) -> Result<(), AppError> {
    use crate::server::db::newsroom::Publication;
    let req = crate::server::request::Request::current()?;
    let page = editor_page(&id)?;
    change_publication(&req, &id, &page, &[], Publication::Withdraw).await
}

/// Makes version `revision` of article `id` its text again, as a new save (so the restore
/// itself can be undone).
#[server(endpoint = "newsroom/restore")]
pub async fn restore_revision(id: String, revision: String) -> Result<(), AppError> {
    use crate::model::{check_article, ArticleFields};
    use crate::server::{db, time};
    let req = crate::server::request::Request::current()?;
    let page = editor_page(&id)?;
    let editor = editor_for_form(&req, &page, &[]).await?;
    let article = ArticleId::parse(&id).ok_or(AppError::NotFound)?;
    let revision: i64 = revision.parse().map_err(|_| AppError::NotFound)?;
    let pool = &req.state.pool;
    let r =
        db::newsroom::revision(pool, article, revision).await.map_err(super::internal)?.ok_or(AppError::NotFound)?;
    let fields = ArticleFields {
        title: r.title,
        channel: r.channel_slug,
        summary: r.summary,
        source: r.source,
        original_url: r.original_url.unwrap_or_default(),
        body: r.body_md,
    };
    let checked = check_article(&fields).map_err(|(f, m)| req.fail(AppError::validation(f, m), &page, &[], ""))?;
    let now = time::now_unix();
    if let Err(retry_after_secs) = slot(&req, &editor, now).await? {
        return Err(req.fail(AppError::RateLimited { retry_after_secs }, &page, &[], ""));
    }
    db::newsroom::save(pool, Some(article), &checked, Some(editor.id), now).await.map_err(super::internal)?;
    crate::server::cli::articles_changed(&req.state).await;
    req.redirect_plain_form(&page);
    Ok(())
}

#[cfg(feature = "ssr")]
pub(crate) fn editor_page(id: &str) -> Result<String, AppError> {
    let id = ArticleId::parse(id).ok_or(AppError::NotFound)?;
    Ok(format!("/admin/articles/{id}"))
}

#[cfg(feature = "ssr")]
async fn change_publication(
    req: &crate::server::request::Request,
    id: &str,
    page: &str,
    keep: &[(&str, &str)],
    what: crate::server::db::newsroom::Publication,
) -> Result<(), AppError> {
    use crate::server::{db, time};
    let editor = editor_for_form(req, page, keep).await?;
    let article = ArticleId::parse(id).ok_or(AppError::NotFound)?;
    let now = time::now_unix();
    if let Err(retry_after_secs) = slot(req, &editor, now).await? {
        return Err(req.fail(AppError::RateLimited { retry_after_secs }, page, keep, "#publish"));
    }
    db::newsroom::publish(&req.state.pool, article, what, editor.id, now)
        .await
        .map_err(super::internal)?
        .ok_or(AppError::NotFound)?;
    crate::server::cli::articles_changed(&req.state).await;
    req.redirect_plain_form(page);
    Ok(())
}

/// The editor behind a form post to `page` (`super::staff_for_form`).
#[cfg(feature = "ssr")]
pub(crate) async fn editor_for_form(
    req: &crate::server::request::Request,
    page: &str,
    keep: &[(&str, &str)],
) -> Result<crate::model::Viewer, AppError> {
    super::staff_for_form(req, crate::model::Role::Editor, page, keep).await
}

/// One of the editor's `CHANGES_PER_MINUTE`; `Err(retry_after_secs)` when none is left.
#[cfg(feature = "ssr")]
pub(crate) async fn slot(
    req: &crate::server::request::Request,
    editor: &crate::model::Viewer,
    now: i64,
) -> Result<Result<(), u64>, AppError> {
    super::per_minute_slot(req, "article_change", editor, CHANGES_PER_MINUTE, now).await
}
