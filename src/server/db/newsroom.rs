//! The newsroom's writes: saving articles (each save kept whole as a revision), publishing now
//! or at a set time, withdrawing, restoring an older version; and what the editor's pages read.
//! State changes are logged in the audit log (`article.*`).

use super::Db;
use crate::model::{legacy_body, ArticleId, ArticleState, CheckedArticle, UserId};

/// An article as the editor's form holds it.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct Stored {
    pub title: String,
    pub channel_slug: String,
    pub summary: String,
    pub source: String,
    pub original_url: Option<String>,
    /// The Markdown body (for a demo article not saved since, made from its paragraphs).
    pub body: String,
    pub state: String,
    pub published_at: i64,
    pub figures: i64,
}

/// One article for the editor, or `None`.
pub async fn stored(db: &Db, id: ArticleId) -> Result<Option<Stored>, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct Row {
        title: String,
        channel_slug: String,
        summary: String,
        source: String,
        original_url: Option<String>,
        body_md: Option<String>,
        state: String,
        published_at: i64,
    }
    let row: Option<Row> = on!(db, p => sqlx::query_as(
        "SELECT a.title, c.slug AS channel_slug, a.summary, a.source, a.original_url, a.body_md, a.state, a.published_at \
         FROM articles a JOIN channels c ON c.id = a.channel_id WHERE a.id = $1",
    )
    .bind(id.0)
    .fetch_optional(p)
    .await?);
    let Some(row) = row else { return Ok(None) };
    let blocks: Vec<(String, String)> = on!(db, p => sqlx::query_as(
        "SELECT kind, body FROM article_blocks WHERE article_id = $1 ORDER BY position",
    )
    .bind(id.0)
    .fetch_all(p)
    .await?);
    let figures = blocks.iter().filter(|(kind, _)| kind == "figure").count() as i64;
    let body = match row.body_md {
        Some(md) => md,
        None => legacy_body(blocks.iter().map(|(kind, body)| (kind != "figure").then_some(body.as_str()))),
    };
    Ok(Some(Stored {
        title: row.title,
        channel_slug: row.channel_slug,
        summary: row.summary,
        source: row.source,
        original_url: row.original_url,
        body,
        state: row.state,
        published_at: row.published_at,
        figures,
    }))
}

/// Saves `article`: a new draft when `id` is `None` (its publication time set to `now` until it
/// is published), else the article's new text, keeping its state. Either way the save is
/// kept as a revision. `None` when `id` names no article.
pub async fn save(
    db: &Db,
    id: Option<ArticleId>,
    a: &CheckedArticle,
    editor: Option<UserId>,
    now: i64,
) -> Result<Option<ArticleId>, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    let channel: i64 = on_tx!(&mut tx, c => sqlx::query_scalar("SELECT id FROM channels WHERE slug = $1")
        .bind(a.channel.slug)
        .fetch_one(&mut *c)
        .await?);
    let id = match id {
        None => on_tx!(&mut tx, c => sqlx::query_scalar(
            "INSERT INTO articles (channel_id, title, summary, source, original_url, published_at, created_at, \
             state, body_md, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6, 'draft', $7, $6) RETURNING id",
        )
        .bind(channel)
        .bind(&a.title)
        .bind(&a.summary)
        .bind(&a.source)
        .bind(&a.original_url)
        .bind(now)
        .bind(&a.body)
        .fetch_one(&mut *c)
        .await?),
        Some(id) => {
            let updated: Option<i64> = on_tx!(&mut tx, c => sqlx::query_scalar(concat!(
                "UPDATE articles SET channel_id = $2, title = $3, summary = $4, source = $5, original_url = $6, \
                 body_md = $7, updated_at = ",
                later_stamp!("$8"),
                " WHERE id = $1 RETURNING id",
            ))
            .bind(id.0)
            .bind(channel)
            .bind(&a.title)
            .bind(&a.summary)
            .bind(&a.source)
            .bind(&a.original_url)
            .bind(&a.body)
            .bind(now)
            .fetch_optional(&mut *c)
            .await?);
            match updated {
                Some(id) => id,
                None => return Ok(None),
            }
        }
    };
    on_tx!(&mut tx, c => sqlx::query(
        "INSERT INTO article_revisions (article_id, editor_id, created_at, title, channel_id, summary, source, \
         original_url, body_md) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(id)
    .bind(editor.map(|e| e.0))
    .bind(now)
    .bind(&a.title)
    .bind(channel)
    .bind(&a.summary)
    .bind(&a.source)
    .bind(&a.original_url)
    .bind(&a.body)
    .execute(&mut *c)
    .await?
    .rows_affected());
    tx.commit().await?;
    Ok(Some(ArticleId(id)))
}

/// How many figures article `id` has (`[图N]` may name 1 to this).
pub async fn figure_count(db: &Db, id: ArticleId) -> Result<i64, sqlx::Error> {
    on!(db, p => sqlx::query_scalar("SELECT COUNT(*) FROM article_blocks WHERE article_id = $1 AND kind = 'figure'")
        .bind(id.0)
        .fetch_one(p)
        .await)
}

/// The article imported with this external id, as `stored` reads it.
pub async fn by_external_id(db: &Db, external_id: &str) -> Result<Option<(ArticleId, Stored)>, sqlx::Error> {
    let id: Option<i64> = on!(db, p => sqlx::query_scalar("SELECT id FROM articles WHERE external_id = $1")
        .bind(external_id)
        .fetch_optional(p)
        .await?);
    let Some(id) = id.map(ArticleId) else { return Ok(None) };
    Ok(stored(db, id).await?.map(|s| (id, s)))
}

pub async fn set_external_id(db: &Db, id: ArticleId, external_id: &str) -> Result<(), sqlx::Error> {
    on!(db, p => sqlx::query("UPDATE articles SET external_id = $2 WHERE id = $1")
        .bind(id.0)
        .bind(external_id)
        .execute(p)
        .await?
        .rows_affected());
    Ok(())
}

/// Sets an imported article's state and, when given, its publication time (`jinri import`).
pub async fn set_state(db: &Db, id: ArticleId, state: ArticleState, at: Option<i64>) -> Result<(), sqlx::Error> {
    on!(db, p => sqlx::query("UPDATE articles SET state = $2, published_at = COALESCE($3, published_at) WHERE id = $1")
        .bind(id.0)
        .bind(state.as_str())
        .bind(at)
        .execute(p)
        .await?
        .rows_affected());
    Ok(())
}

/// An article for `jinri export`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exported {
    pub id: ArticleId,
    pub external_id: String,
    pub stored: Stored,
}

/// Every article, oldest first, for `jinri export`. An article without an external id gets
/// `article-N` (N its number) first, so that importing the export into this site again
/// updates these articles instead of adding copies.
pub async fn export(db: &Db) -> Result<Vec<Exported>, sqlx::Error> {
    on!(db, p => sqlx::query(
        "UPDATE articles SET external_id = 'article-' || CAST(id AS TEXT) WHERE external_id IS NULL",
    )
    .execute(p)
    .await?
    .rows_affected());
    let ids: Vec<(i64, String)> = on!(db, p => sqlx::query_as("SELECT id, external_id FROM articles ORDER BY id")
        .fetch_all(p)
        .await?);
    let mut out = Vec::with_capacity(ids.len());
    for (id, external_id) in ids {
        if let Some(stored) = stored(db, ArticleId(id)).await? {
            out.push(Exported { id: ArticleId(id), external_id, stored });
        }
    }
    Ok(out)
}

/// What an editor does with an article's publication.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Publication {
    /// Published at once. A first publication (or one after a withdrawal) is dated now; a
    /// published article stays at its date.
    Now,
    /// Published by the scheduler at this time (Unix seconds, in the future).
    At(i64),
    /// Taken down: readers get a 404, and it leaves every list.
    Withdraw,
}

/// Applies `what` to article `id`; returns its state before, or `None` when there is no such
/// article. Logged as `article.publish`, `article.schedule` or `article.withdraw`.
pub async fn publish(
    db: &Db,
    id: ArticleId,
    what: Publication,
    editor: UserId,
    now: i64,
) -> Result<Option<ArticleState>, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    let before: Option<(String, String)> = on_tx!(&mut tx, c => sqlx::query_as(
        "SELECT state, title FROM articles WHERE id = $1",
    )
    .bind(id.0)
    .fetch_optional(&mut *c)
    .await?);
    let Some((before, title)) = before else { return Ok(None) };
    let before = ArticleState::parse(&before).unwrap_or(ArticleState::Draft);
    let (state, at, action) = match what {
        Publication::Now if before == ArticleState::Published => ("published", None, "article.publish"),
        Publication::Now => ("published", Some(now), "article.publish"),
        Publication::At(at) => ("scheduled", Some(at), "article.schedule"),
        Publication::Withdraw => ("withdrawn", None, "article.withdraw"),
    };
    on_tx!(&mut tx, c => sqlx::query(concat!(
        "UPDATE articles SET state = $2, published_at = COALESCE($3, published_at), updated_at = ",
        later_stamp!("$4"),
        " WHERE id = $1",
    ))
    .bind(id.0)
    .bind(state)
    .bind(at)
    .bind(now)
    .execute(&mut *c)
    .await?
    .rows_affected());
    super::roles::log(&mut tx, now, Some(editor), action, None, &format!("{}\t{title}", id.0)).await?;
    tx.commit().await?;
    Ok(Some(before))
}

/// Publishes every scheduled article whose time has come; returns their ids. Each is taken by
/// one statement, so with several processes each article is published once.
pub async fn publish_due(db: &Db, now: i64) -> Result<Vec<ArticleId>, sqlx::Error> {
    let ids: Vec<i64> = on!(db, p => sqlx::query_scalar(concat!(
        "UPDATE articles SET state = 'published', updated_at = ",
        later_stamp!("$1"),
        " WHERE state = 'scheduled' AND published_at <= $1 RETURNING id",
    ))
    .bind(now)
    .fetch_all(p)
    .await?);
    Ok(ids.into_iter().map(ArticleId).collect())
}

/// One saved version.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct Revision {
    pub id: i64,
    pub created_at: i64,
    pub editor: Option<String>,
    pub title: String,
    pub channel_slug: String,
    pub summary: String,
    pub source: String,
    pub original_url: Option<String>,
    pub body_md: String,
}

/// A version with its editor's name and its channel, written once for `revisions` and `revision`.
macro_rules! revision_select {
    ($tail:literal) => {
        concat!(
            "SELECT r.id, r.created_at, u.name AS editor, r.title, c.slug AS channel_slug, r.summary, r.source, \
             r.original_url, r.body_md FROM article_revisions r JOIN channels c ON c.id = r.channel_id \
             LEFT JOIN users u ON u.id = r.editor_id ",
            $tail
        )
    };
}

/// The article's newest `limit` versions, newest first.
pub async fn revisions(db: &Db, id: ArticleId, limit: i64) -> Result<Vec<Revision>, sqlx::Error> {
    on!(db, p => sqlx::query_as(revision_select!("WHERE r.article_id = $1 ORDER BY r.id DESC LIMIT $2"))
        .bind(id.0)
        .bind(limit)
        .fetch_all(p)
        .await)
}

/// Version `revision` of article `id` (`None` if it is not one of its versions).
pub async fn revision(db: &Db, id: ArticleId, revision: i64) -> Result<Option<Revision>, sqlx::Error> {
    on!(db, p => sqlx::query_as(revision_select!("WHERE r.article_id = $1 AND r.id = $2"))
        .bind(id.0)
        .bind(revision)
        .fetch_optional(p)
        .await)
}

/// One line of the newsroom's list.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct DeskRow {
    pub id: i64,
    pub title: String,
    pub channel_name: String,
    pub state: String,
    pub published_at: i64,
    pub updated_at: i64,
}

/// A page (1-based, `per_page` lines) of every article, the last saved first, and the page count.
pub async fn desk(db: &Db, page: u32, per_page: i64) -> Result<(Vec<DeskRow>, u32), sqlx::Error> {
    let offset = (i64::from(page.max(1)) - 1) * per_page;
    let rows: Vec<DeskRow> = on!(db, p => sqlx::query_as(
        "SELECT a.id, a.title, c.name AS channel_name, a.state, a.published_at, \
         COALESCE(a.updated_at, a.created_at) AS updated_at FROM articles a JOIN channels c ON c.id = a.channel_id \
         ORDER BY COALESCE(a.updated_at, a.created_at) DESC, a.id DESC LIMIT $1 OFFSET $2",
    )
    .bind(per_page)
    .bind(offset)
    .fetch_all(p)
    .await?);
    let total: i64 = on!(db, p => sqlx::query_scalar("SELECT COUNT(*) FROM articles").fetch_one(p).await?);
    Ok((rows, ((total + per_page - 1) / per_page).max(1) as u32))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{check_article, ArticleFields};
    use crate::server::db::{articles, seed, test_db};

    async fn seeded() -> (Db, test_db::Guard) {
        let (db, guard) = test_db::fresh().await;
        seed::seed_if_empty(&db, 1_000).await.unwrap();
        (db, guard)
    }

    fn article(title: &str, body: &str) -> CheckedArticle {
        check_article(&ArticleFields {
            title: title.into(),
            channel: "au".into(),
            summary: "摘要".into(),
            source: "今日".into(),
            original_url: "https://example.com/a".into(),
            body: body.into(),
        })
        .unwrap()
    }

    async fn editor(db: &Db) -> UserId {
        UserId(test_db::scalar(db, "SELECT MIN(id) FROM users").await)
    }

    #[tokio::test]
    async fn a_draft_is_seen_by_no_reader_until_it_is_published() {
        let (db, _guard) = seeded().await;
        let who = editor(&db).await;
        let id = save(&db, None, &article("新闻草稿", "**第一段**"), Some(who), 5_000).await.unwrap().unwrap();
        let (list, _) = articles::list(&db, chrono_tz::UTC, None, 1).await.unwrap();
        assert!(list.iter().all(|a| a.id != id), "a draft is in no list");
        assert!(articles::sitemap(&db, chrono_tz::UTC, 1_000).await.unwrap().iter().all(|e| e.id != id));
        assert!(articles::sitemap_range(&db, 0, i64::MAX).await.unwrap().iter().all(|e| e.0 != id));
        assert!(articles::feed(&db, None, 100).await.unwrap().iter().all(|e| e.id != id.0));
        assert_eq!(articles::title(&db, id).await.unwrap(), None);
        let a = articles::get(&db, chrono_tz::UTC, id).await.unwrap().unwrap();
        assert_eq!(a.unpublished.as_deref(), Some("草稿"));
        let now = 2_000_000_000;
        assert_eq!(publish(&db, id, Publication::Now, who, now).await.unwrap(), Some(ArticleState::Draft));
        let (list, _) = articles::list(&db, chrono_tz::UTC, None, 1).await.unwrap();
        assert_eq!(list[0].id, id, "published now, it is the newest");
        assert_eq!(articles::title(&db, id).await.unwrap().as_deref(), Some("新闻草稿"));
        // Withdrawn: gone from the lists again, its date kept for a later republication.
        publish(&db, id, Publication::Withdraw, who, now + 10).await.unwrap();
        let (list, _) = articles::list(&db, chrono_tz::UTC, None, 1).await.unwrap();
        assert!(list.iter().all(|a| a.id != id));
        let log = test_db::texts(&db, "SELECT action FROM audit_log ORDER BY id").await;
        assert_eq!(log, ["article.publish", "article.withdraw"]);
    }

    #[tokio::test]
    async fn a_scheduled_article_is_published_once_at_its_time() {
        let (db, _guard) = seeded().await;
        let who = editor(&db).await;
        let id = save(&db, None, &article("定时", "正文"), Some(who), 5_000).await.unwrap().unwrap();
        publish(&db, id, Publication::At(10_000), who, 5_000).await.unwrap();
        assert!(publish_due(&db, 9_999).await.unwrap().is_empty());
        assert_eq!(articles::title(&db, id).await.unwrap(), None);
        assert_eq!(publish_due(&db, 10_000).await.unwrap(), vec![id]);
        assert!(publish_due(&db, 10_001).await.unwrap().is_empty(), "once");
        let a = articles::get(&db, chrono_tz::UTC, id).await.unwrap().unwrap();
        assert_eq!((a.unpublished, a.summary.published_iso.as_str()), (None, "1970-01-01T02:46:40+00:00"));
    }

    #[tokio::test]
    async fn every_save_is_a_revision_and_an_old_one_reads_back_whole() {
        let (db, _guard) = seeded().await;
        let who = editor(&db).await;
        let id = save(&db, None, &article("第一版", "甲"), Some(who), 5_000).await.unwrap().unwrap();
        save(&db, Some(id), &article("第二版", "乙"), Some(who), 6_000).await.unwrap().unwrap();
        let revs = revisions(&db, id, 10).await.unwrap();
        assert_eq!(revs.iter().map(|r| r.title.as_str()).collect::<Vec<_>>(), ["第二版", "第一版"]);
        let first = revision(&db, id, revs[1].id).await.unwrap().unwrap();
        assert_eq!((first.body_md.as_str(), first.original_url.as_deref()), ("甲", Some("https://example.com/a")));
        assert!(revs[0].editor.is_some());
        // Another article's version is not this one's.
        let other = save(&db, None, &article("别篇", "丙"), Some(who), 5_000).await.unwrap().unwrap();
        assert_eq!(revision(&db, other, revs[1].id).await.unwrap(), None);
        assert_eq!(save(&db, Some(ArticleId(999_999)), &article("无", "无"), Some(who), 1).await.unwrap(), None);
        let stored = stored(&db, id).await.unwrap().unwrap();
        assert_eq!((stored.title.as_str(), stored.body.as_str(), stored.state.as_str()), ("第二版", "乙", "draft"));
    }

    #[tokio::test]
    async fn a_demo_article_opens_in_the_editor_with_its_figures_in_place_and_reads_the_same_once_saved() {
        let (db, _guard) = seeded().await;
        let id = ArticleId(test_db::scalar(
            &db,
            "SELECT article_id FROM article_blocks WHERE kind = 'figure' GROUP BY article_id HAVING COUNT(*) >= 2 LIMIT 1",
        )
        .await);
        let before = articles::get(&db, chrono_tz::UTC, id).await.unwrap().unwrap();
        let s = stored(&db, id).await.unwrap().unwrap();
        assert!(s.figures >= 2 && s.body.contains("[图1]") && s.body.contains("[图2]"), "{}", s.body);
        let fields = ArticleFields {
            title: s.title.clone(),
            channel: s.channel_slug.clone(),
            summary: s.summary.clone(),
            source: s.source.clone(),
            original_url: s.original_url.clone().unwrap_or_default(),
            body: s.body.clone(),
        };
        save(&db, Some(id), &check_article(&fields).unwrap(), Some(editor(&db).await), 7_000).await.unwrap().unwrap();
        let after = articles::get(&db, chrono_tz::UTC, id).await.unwrap().unwrap();
        // The same paragraphs (now HTML runs between the figures) and the same figures in place.
        use crate::model::Block;
        let mut expected: Vec<Block> = Vec::new();
        for b in before.blocks {
            match (b, expected.last_mut()) {
                (Block::Paragraph(text), Some(Block::Html(run))) => {
                    run.push_str("<p>");
                    crate::model::markdown::escape_html(run, &text);
                    run.push_str("</p>");
                }
                (Block::Paragraph(text), _) => {
                    let mut run = "<p>".to_owned();
                    crate::model::markdown::escape_html(&mut run, &text);
                    run.push_str("</p>");
                    expected.push(Block::Html(run));
                }
                (b, _) => expected.push(b),
            }
        }
        assert_eq!(after.blocks, expected);
        assert_eq!(after.unpublished, None, "saving keeps the state");
    }
}
