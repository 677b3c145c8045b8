//! Reading articles.

use super::Db;
use crate::model::{
    body_parts, markdown, Article, ArticleId, ArticleLink, ArticleState, ArticleSummary, Block, BodyPart, SitemapEntry,
};
use crate::server::time;
use chrono_tz::Tz;

/// Articles on one page of a list.
pub const PER_PAGE: i64 = 10;

#[derive(sqlx::FromRow)]
struct SummaryRow {
    id: i64,
    title: String,
    summary: String,
    source: String,
    channel_slug: String,
    channel_name: String,
    published_at: i64,
    comment_count: i64,
    thumbnail: Option<String>,
}

impl SummaryRow {
    /// A row of the lists (`summary_select!`) as a reader (`readers`) reads it.
    fn from_lite(r: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Self::from_lite_at(r, 9)
    }

    /// `summary_select!`'s columns, its last (`thumbnail`) at `thumbnail`: a whole article
    /// (`article_select!`) has its own columns before it.
    fn from_lite_at(r: &rusqlite::Row<'_>, thumbnail: usize) -> rusqlite::Result<Self> {
        use super::readers::col;
        Ok(SummaryRow {
            id: col(r, 0, "id")?,
            title: col(r, 1, "title")?,
            summary: col(r, 2, "summary")?,
            source: col(r, 3, "source")?,
            channel_slug: col(r, 4, "channel_slug")?,
            channel_name: col(r, 5, "channel_name")?,
            published_at: col(r, 6, "published_at")?,
            comment_count: col(r, 7, "comment_count")?,
            thumbnail: col(r, thumbnail, "thumbnail")?,
        })
    }

    fn into_summary(self, tz: Tz) -> ArticleSummary {
        ArticleSummary {
            id: ArticleId(self.id),
            title: self.title,
            summary: self.summary,
            source: self.source,
            channel_slug: self.channel_slug,
            channel_name: self.channel_name,
            published_date: time::date(tz, self.published_at),
            published_iso: time::iso(tz, self.published_at),
            // An uploaded figure's narrowest file (the first of its `srcset`).
            thumbnail: self.thumbnail.map(|t| t.split(' ').next().unwrap_or_default().to_owned()),
            comment_count: self.comment_count,
        }
    }
}

macro_rules! summary_select {
    ($($tail:literal)*) => {
        summary_select!(@ ""; $($tail)*)
    };
    // With more columns of `a`, for the whole article.
    (@ $cols:expr; $($tail:literal)*) => {
        concat!(
            "SELECT a.id, a.title, a.summary, a.source, c.slug AS channel_slug, c.name AS channel_name, \
             a.published_at, a.comment_count, a.original_url", $cols, ", \
             (SELECT COALESCE(b.srcset, b.body) FROM article_blocks b WHERE b.article_id = a.id AND b.kind = 'figure' \
              ORDER BY b.position LIMIT 1) AS thumbnail \
             FROM articles a JOIN channels c ON c.id = a.channel_id ",
            $($tail),*
        )
    };
}

/// A list page's statement: the page's ids from the index of the published order, then their
/// rows. `all`: `LIMIT $1 OFFSET $2`; `channel`: the channel's slug `$1`, `LIMIT $2 OFFSET $3`.
macro_rules! list_select {
    (all) => {
        summary_select!(
            "JOIN (SELECT id FROM articles WHERE state = 'published' \
             ORDER BY published_at DESC, id DESC LIMIT $1 OFFSET $2) p ON p.id = a.id \
             ORDER BY a.published_at DESC, a.id DESC"
        )
    };
    (channel) => {
        summary_select!(
            "JOIN (SELECT id FROM articles WHERE channel_id = (SELECT id FROM channels WHERE slug = $1) \
             AND state = 'published' ORDER BY published_at DESC, id DESC LIMIT $2 OFFSET $3) p ON p.id = a.id \
             ORDER BY a.published_at DESC, a.id DESC"
        )
    };
}

/// One page (1-based) of the newest articles, optionally of one channel, and the page count.
/// The count is `channel_article_counts`, which triggers keep with every write to `articles`
/// (migration 0018 / 0015): counting the published articles themselves read every row of the
/// table on each rendered list page.
///
/// A page deep in the archive: the statement finds the page's ids first, walking only the
/// index of the published order (`articles_by_published`, `articles_by_channel`: migration
/// 0019 / 0016), and reads the rows, channels and thumbnails of those ten alone. Written as one
/// `ORDER BY … OFFSET` over the whole select, PostgreSQL looked up a thumbnail for every
/// article it skipped (page 10,000 of 100,000 articles: 524 ms, 11 now; SQLite 44 → 5 ms). A
/// page past the last one is not read at all: its number is the reader's to choose.
pub async fn list(
    db: &Db,
    tz: Tz,
    channel: Option<&str>,
    page: u32,
) -> Result<(Vec<ArticleSummary>, u32), sqlx::Error> {
    let offset = (i64::from(page.max(1)) - 1) * PER_PAGE;
    // PostgreSQL's SUM of BIGINT is NUMERIC.
    const ALL: &str = "SELECT CAST(COALESCE(SUM(published), 0) AS BIGINT) FROM channel_article_counts";
    const ONE: &str = "SELECT COALESCE((SELECT n.published FROM channel_article_counts n \
         JOIN channels c ON c.id = n.channel_id WHERE c.slug = $1), 0)";
    let total: i64 = match (db, channel) {
        (Db::Sqlite(lite), None) => lite.one(ALL, vec![], |r| r.get(0)).await?.unwrap_or(0),
        (Db::Sqlite(lite), Some(slug)) => lite.one(ONE, vec![slug.to_owned().into()], |r| r.get(0)).await?.unwrap_or(0),
        (Db::Pg(p), None) => sqlx::query_scalar(ALL).fetch_one(p).await?,
        (Db::Pg(p), Some(slug)) => sqlx::query_scalar(ONE).bind(slug).fetch_one(p).await?,
    };
    let pages = ((total + PER_PAGE - 1) / PER_PAGE).max(1);
    if offset >= total {
        return Ok((Vec::new(), pages as u32));
    }
    let rows: Vec<SummaryRow> = match (db, channel) {
        (Db::Sqlite(lite), None) => {
            lite.all(list_select!(all), vec![PER_PAGE.into(), offset.into()], SummaryRow::from_lite).await?
        }
        (Db::Sqlite(lite), Some(slug)) => {
            let args = vec![slug.to_owned().into(), PER_PAGE.into(), offset.into()];
            lite.all(list_select!(channel), args, SummaryRow::from_lite).await?
        }
        (Db::Pg(p), None) => sqlx::query_as(list_select!(all)).bind(PER_PAGE).bind(offset).fetch_all(p).await?,
        (Db::Pg(p), Some(slug)) => {
            sqlx::query_as(list_select!(channel)).bind(slug).bind(PER_PAGE).bind(offset).fetch_all(p).await?
        }
    };
    Ok((rows.into_iter().map(|r| r.into_summary(tz)).collect(), pages as u32))
}

/// The most commented articles (热门), newest first among equals.
pub async fn hot(db: &Db, tz: Tz, limit: i64) -> Result<Vec<ArticleSummary>, sqlx::Error> {
    const HOT: &str =
        summary_select!("WHERE a.state = 'published' ORDER BY a.comment_count DESC, a.published_at DESC LIMIT $1");
    let rows: Vec<SummaryRow> = match db {
        Db::Sqlite(lite) => lite.all(HOT, vec![limit.into()], SummaryRow::from_lite).await?,
        Db::Pg(p) => sqlx::query_as(HOT).bind(limit).fetch_all(p).await?,
    };
    Ok(rows.into_iter().map(|r| r.into_summary(tz)).collect())
}

#[derive(sqlx::FromRow)]
struct ArticleRow {
    #[sqlx(flatten)]
    summary: SummaryRow,
    original_url: Option<String>,
    state: String,
    body_md: Option<String>,
    updated_at: i64,
    /// The article's blocks in their order, as a JSON array of `BlockRow` arrays.
    blocks: String,
    /// The side column's links, as a JSON array of `LinkRow` arrays.
    links: String,
}

/// A block of an article: kind, body, caption, alt, credit, srcset, width, height.
type BlockRow =
    (String, String, Option<String>, Option<String>, Option<String>, Option<String>, Option<i64>, Option<i64>);

/// A side-column link: kind ('previous', 'next', 'related', 'hot'), id, title, comment count
/// (for 'hot'), published time.
type LinkRow = (String, i64, String, i64, i64);

/// How many of the channel's other articles the side column lists.
pub const RELATED: i64 = 5;

/// How many articles the side column's 热门 lists (the page's own article left out).
pub const HOT_SIDE: usize = 5;

/// The order of the side column's 热门, written once: `hot_order` (which the page cache
/// watches) and the article's own statement must agree, or a cached page would keep an old list.
macro_rules! hot_side_select {
    () => {
        "SELECT id, title, comment_count, published_at FROM articles WHERE state = 'published' \
         ORDER BY comment_count DESC, published_at DESC LIMIT "
    };
}

/// The order of 热门 the article pages follow: the ids of the [`HOT_SIDE`] + 1 most commented
/// articles (one more, since each page leaves itself out). The article pages' side column is
/// the same for every page while this list is unchanged (`server::page_cache` keeps them on
/// that condition).
pub async fn hot_order(db: &Db) -> Result<Vec<i64>, sqlx::Error> {
    on!(db, p => sqlx::query_scalar(concat!("SELECT id FROM (", hot_side_select!(), "$1) h"))
    .bind(HOT_SIDE as i64 + 1)
    .fetch_all(p)
    .await)
}

/// 上一篇, 下一篇 and the channel's newest others (on `articles_by_channel`), and 热门 in the
/// order of `hot_order` (on `articles_by_comments`), for article `$1`. Each row carries its
/// sort keys: `UNION ALL` keeps no order of its own. 上一篇 and 下一篇 compare `(published_at,
/// id)` as one row value, which both databases read as a range of the index; written as
/// `published_at < x OR (published_at = x AND id < $1)` SQLite walked the channel's index from
/// its newest article down to this one (23 µs for an old article among a thousand, growing
/// with the channel; 5 µs now, whatever its age).
macro_rules! side_links_select {
    ($related:literal, $hot:literal) => {
        concat!(
            "SELECT 'previous' AS k, id, title, 0 AS c, published_at FROM (SELECT id, title, published_at FROM articles \
               WHERE channel_id = (SELECT channel_id FROM articles WHERE id = $1) \
                 AND (published_at, id) < (SELECT published_at, id FROM articles WHERE id = $1) \
                 AND state = 'published' \
               ORDER BY published_at DESC, id DESC LIMIT 1) o \
             UNION ALL \
             SELECT 'next', id, title, 0, published_at FROM (SELECT id, title, published_at FROM articles \
               WHERE channel_id = (SELECT channel_id FROM articles WHERE id = $1) \
                 AND (published_at, id) > (SELECT published_at, id FROM articles WHERE id = $1) \
                 AND state = 'published' \
               ORDER BY published_at ASC, id ASC LIMIT 1) n \
             UNION ALL \
             SELECT 'related', id, title, 0, published_at FROM (SELECT id, title, published_at FROM articles \
               WHERE channel_id = (SELECT channel_id FROM articles WHERE id = $1) AND id <> $1 AND state = 'published' \
               ORDER BY published_at DESC, id DESC LIMIT ", $related, ") r \
             UNION ALL \
             SELECT 'hot', id, title, comment_count, published_at FROM (",
            hot_side_select!(),
            $hot,
            ") h"
        )
    };
}

/// On PostgreSQL the side column's lengths are written into the statement ([`RELATED`],
/// [`HOT_SIDE`] + 1): with only the article's id as a parameter, it plans the statement once
/// per connection and reuses the plan (a generic plan), where with the lengths as parameters
/// it kept planning it anew for each page (0.6 ms of planning to 0.1 ms of execution). SQLite
/// keeps them as parameters: the same plan, but written into its statement the page took a
/// third more CPU (alternating runs, bench/README "Plans PostgreSQL keeps").
const _: () = assert!(RELATED == 5 && HOT_SIDE + 1 == 6, "the side column's PostgreSQL statement writes these");

/// The whole article page's data in one statement: the article row, its blocks and its side
/// column, the two lists as JSON arrays. Every statement crosses to sqlx-sqlite's worker
/// thread and back, and every row of a list crossed on its own; three statements and some
/// twenty rows were a tenth of a rendered page's CPU.
macro_rules! article_select {
    (sqlite) => {
        summary_select!(@ concat!(
            ", a.state, a.body_md, COALESCE(a.updated_at, a.published_at) AS updated_at, \
             (SELECT json_group_array(json_array(kind, body, caption, alt, credit, srcset, width, height) ORDER BY position) \
              FROM article_blocks WHERE article_id = a.id) AS blocks, \
             (SELECT json_group_array(json_array(k, id, title, c, published_at)) FROM (",
            side_links_select!("$2", "$3"),
            ") l) AS links"
        ); "WHERE a.id = $1")
    };
    (postgres) => {
        summary_select!(@ concat!(
            ", a.state, a.body_md, COALESCE(a.updated_at, a.published_at) AS updated_at, \
             (SELECT COALESCE(json_agg(json_build_array(kind, body, caption, alt, credit, srcset, width, height) ORDER BY position), '[]')::text \
              FROM article_blocks WHERE article_id = a.id) AS blocks, \
             (SELECT COALESCE(json_agg(json_build_array(k, id, title, c, published_at)), '[]')::text FROM (",
            side_links_select!("5", "6"),
            ") l) AS links"
        ); "WHERE a.id = $1")
    };
}

/// One whole article, or `None` if there is no such article.
pub async fn get(db: &Db, tz: Tz, id: ArticleId) -> Result<Option<Article>, sqlx::Error> {
    let sql = match db {
        Db::Sqlite(_) => article_select!(sqlite),
        Db::Pg(_) => article_select!(postgres),
    };
    let row: Option<ArticleRow> = match db {
        Db::Sqlite(lite) => {
            let args = vec![id.0.into(), RELATED.into(), (HOT_SIDE as i64 + 1).into()];
            lite.one(sql, args, |r| {
                use super::readers::col;
                Ok(ArticleRow {
                    summary: SummaryRow::from_lite_at(r, 14)?,
                    original_url: col(r, 8, "original_url")?,
                    state: col(r, 9, "state")?,
                    body_md: col(r, 10, "body_md")?,
                    updated_at: col(r, 11, "updated_at")?,
                    blocks: col(r, 12, "blocks")?,
                    links: col(r, 13, "links")?,
                })
            })
            .await?
        }
        Db::Pg(p) => sqlx::query_as(sql).bind(id.0).fetch_optional(p).await?,
    };
    let Some(ArticleRow { summary, original_url, state, body_md, updated_at, blocks, links }) = row else {
        return Ok(None);
    };
    let decode = |e| sqlx::Error::Decode(Box::new(e));
    let blocks: Vec<BlockRow> = serde_json::from_str(&blocks).map_err(decode)?;
    let mut links: Vec<LinkRow> = serde_json::from_str(&links).map_err(decode)?;
    let stored =
        blocks.into_iter().map(|(kind, body, caption, alt, credit, srcset, width, height)| match kind.as_str() {
            "figure" => {
                let caption = caption.unwrap_or_default();
                // Figures stored before `alt` existed say at least their caption.
                let alt = alt.filter(|a| !a.trim().is_empty()).unwrap_or_else(|| caption.clone());
                // The demo's drawings are 16:9 and carry no size.
                let size = |v: Option<i64>, default: u32| v.and_then(|v| u32::try_from(v).ok()).unwrap_or(default);
                Block::Figure {
                    src: body,
                    caption,
                    alt,
                    credit: credit.unwrap_or_default(),
                    srcset: srcset.unwrap_or_default(),
                    width: size(width, 800),
                    height: size(height, 450),
                }
            }
            _ => Block::Paragraph(body),
        });
    let blocks = match &body_md {
        None => stored.collect(),
        Some(md) => {
            let figures: Vec<Block> = stored.filter(|b| matches!(b, Block::Figure { .. })).collect();
            place_figures(md, figures)
        }
    };
    links.sort_by_key(|l| std::cmp::Reverse((l.3, l.4, l.1)));
    let (mut previous, mut next, mut related, mut hot) = (None, None, Vec::new(), Vec::new());
    for (kind, other, title, _, _) in links {
        let link = ArticleLink { id: ArticleId(other), title };
        match kind.as_str() {
            "previous" => previous = Some(link),
            "next" => next = Some(link),
            "hot" if other != id.0 && hot.len() < HOT_SIDE => hot.push(link),
            "hot" => {}
            _ => related.push(link),
        }
    }
    let published_at = time::date_time(tz, summary.published_at);
    Ok(Some(Article {
        unpublished: match ArticleState::parse(&state).unwrap_or(ArticleState::Draft) {
            ArticleState::Published => None,
            other => Some(other.label().to_owned()),
        },
        summary: summary.into_summary(tz),
        original_url,
        blocks,
        published_at,
        updated: updated_at,
        previous,
        next,
        related,
        hot,
        url: String::new(),
    }))
}

/// A Markdown body with the article's figures (in their order): each `[图N]` line puts figure N
/// there, once; a figure no line places follows the text, and a line naming no figure shows
/// nothing.
pub fn place_figures(md: &str, figures: Vec<Block>) -> Vec<Block> {
    let mut figures: Vec<Option<Block>> = figures.into_iter().map(Some).collect();
    let mut blocks = Vec::new();
    let mut text = Vec::new();
    let flush = |text: &mut Vec<_>, blocks: &mut Vec<Block>| {
        if !text.is_empty() {
            blocks.push(Block::Html(markdown::to_html(text)));
            text.clear();
        }
    };
    for part in body_parts(md) {
        match part {
            BodyPart::Text(block) => text.push(block),
            BodyPart::Figure(n) => {
                if let Some(figure) = figures.get_mut(n - 1).and_then(Option::take) {
                    flush(&mut text, &mut blocks);
                    blocks.push(figure);
                }
            }
        }
    }
    flush(&mut text, &mut blocks);
    blocks.extend(figures.into_iter().flatten());
    blocks
}

/// A published article's title, or `None` if there is no such article.
pub async fn title(db: &Db, id: ArticleId) -> Result<Option<String>, sqlx::Error> {
    on!(db, p => sqlx::query_scalar("SELECT title FROM articles WHERE id = $1 AND state = 'published'").bind(id.0).fetch_optional(p).await)
}

/// How many of each channel's newest articles the 网站地图 page lists; the channel pages page
/// through the rest. A page listing every article grew with the archive (32 MB and 0.9 s at
/// 100,000 articles).
pub const SITEMAP_PER_CHANNEL: i64 = 20;

/// Each channel's newest `per_channel` published articles, channel by channel in their order,
/// newest first within one: one index range per channel (`articles_by_channel`; SQLite runs
/// the correlated `IN (… LIMIT)` once per channel, PostgreSQL a `LATERAL` join).
pub async fn sitemap(db: &Db, tz: Tz, per_channel: i64) -> Result<Vec<SitemapEntry>, sqlx::Error> {
    let sql = match db {
        Db::Sqlite(_) => {
            "SELECT a.id, a.title, c.slug, a.published_at FROM channels c JOIN articles a ON a.id IN \
             (SELECT x.id FROM articles x WHERE x.channel_id = c.id AND x.state = 'published' \
              ORDER BY x.published_at DESC, x.id DESC LIMIT $1) \
             ORDER BY c.position, a.published_at DESC, a.id DESC"
        }
        Db::Pg(_) => {
            "SELECT a.id, a.title, c.slug, a.published_at FROM channels c CROSS JOIN LATERAL \
             (SELECT x.id, x.title, x.published_at FROM articles x WHERE x.channel_id = c.id AND x.state = 'published' \
              ORDER BY x.published_at DESC, x.id DESC LIMIT $1) a \
             ORDER BY c.position, a.published_at DESC, a.id DESC"
        }
    };
    let rows: Vec<(i64, String, String, i64)> = on!(db, p => sqlx::query_as(sql).bind(per_channel).fetch_all(p).await?);
    Ok(rows
        .into_iter()
        .map(|(id, title, channel_slug, at)| SitemapEntry {
            id: ArticleId(id),
            title,
            channel_slug,
            published_date: time::date(tz, at),
        })
        .collect())
}

/// The published articles whose ids are in `(after, upto]`, by id, each with its publication
/// time: one file of `/sitemap.xml` (a range of the primary key, whatever the archive's size).
/// The file names no title or channel, so none is read.
pub async fn sitemap_range(db: &Db, after: i64, upto: i64) -> Result<Vec<(ArticleId, i64)>, sqlx::Error> {
    let rows: Vec<(i64, i64)> = on!(db, p => sqlx::query_as(
        "SELECT id, published_at FROM articles WHERE id > $1 AND id <= $2 AND state = 'published' ORDER BY id",
    )
    .bind(after)
    .bind(upto)
    .fetch_all(p)
    .await?);
    Ok(rows.into_iter().map(|(id, at)| (ArticleId(id), at)).collect())
}

/// The largest article id, 0 with none.
pub async fn max_id(db: &Db) -> Result<i64, sqlx::Error> {
    on!(db, p => sqlx::query_scalar("SELECT CAST(COALESCE(MAX(id), 0) AS BIGINT) FROM articles").fetch_one(p).await)
}

/// One entry of a feed (`server::feeds`).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct FeedEntry {
    pub id: i64,
    pub title: String,
    pub summary: String,
    pub source: String,
    pub channel_slug: String,
    pub channel_name: String,
    pub published_at: i64,
    /// Its last change: a correction after publication, or its publication.
    pub updated_at: i64,
}

/// The `limit` newest articles, of one channel or of all, for a feed.
pub async fn feed(db: &Db, channel: Option<&str>, limit: i64) -> Result<Vec<FeedEntry>, sqlx::Error> {
    macro_rules! feed_select {
        ($tail:literal) => {
            concat!(
                "SELECT a.id, a.title, a.summary, a.source, c.slug AS channel_slug, c.name AS channel_name, \
                 a.published_at, CASE WHEN a.updated_at > a.published_at THEN a.updated_at ELSE a.published_at END AS updated_at \
                 FROM articles a JOIN channels c ON c.id = a.channel_id ",
                $tail
            )
        };
    }
    on!(db, p => match channel {
        None => sqlx::query_as(feed_select!("WHERE a.state = 'published' ORDER BY a.published_at DESC, a.id DESC LIMIT $1"))
            .bind(limit)
            .fetch_all(p)
            .await,
        Some(slug) => sqlx::query_as(feed_select!(
            "WHERE c.slug = $1 AND a.state = 'published' ORDER BY a.published_at DESC, a.id DESC LIMIT $2"
        ))
            .bind(slug)
            .bind(limit)
            .fetch_all(p)
            .await,
    })
}

/// The newest published articles' ids, newest first: of the whole site (`channel` `None`) or
/// of one channel. What open front and channel pages compare with what they show
/// (`server::newest`).
pub async fn newest_ids(db: &Db, channel: Option<&str>, limit: i64) -> Result<Vec<i64>, sqlx::Error> {
    on!(db, p => sqlx::query_scalar(
        "SELECT a.id FROM articles a JOIN channels c ON c.id = a.channel_id \
         WHERE a.state = 'published' AND ($1 IS NULL OR c.slug = $1) \
         ORDER BY a.published_at DESC, a.id DESC LIMIT $2",
    )
    .bind(channel)
    .bind(limit)
    .fetch_all(p)
    .await)
}

/// Articles changed (saved, published, withdrawn) at or after `since`: id, state and when.
pub async fn changed_since(db: &Db, since: i64) -> Result<Vec<(i64, String, i64)>, sqlx::Error> {
    on!(db, p => sqlx::query_as(
        "SELECT id, state, COALESCE(updated_at, published_at) FROM articles \
         WHERE COALESCE(updated_at, published_at) >= $1 ORDER BY id LIMIT 500",
    )
    .bind(since)
    .fetch_all(p)
    .await)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::UserId;
    use crate::server::db::{seed, test_db};

    /// Every channel's kept count equals its published articles, counted one by one, and the
    /// list pages' page counts follow it.
    async fn assert_counts_kept(db: &Db, step: &str) {
        let rows: Vec<(String, i64, i64)> = on!(db, p => sqlx::query_as(
            "SELECT c.slug, COALESCE(n.published, 0), \
             (SELECT COUNT(*) FROM articles a WHERE a.channel_id = c.id AND a.state = 'published') \
             FROM channels c LEFT JOIN channel_article_counts n ON n.channel_id = c.id",
        )
        .fetch_all(p)
        .await)
        .unwrap();
        // Channels come with the seed (or an import), not with the schema.
        assert!(step == "empty" || rows.len() > 3, "{step}: {rows:?}");
        for (slug, kept, counted) in &rows {
            assert_eq!(kept, counted, "{step}: channel {slug}");
            let (_, pages) = list(db, chrono_tz::UTC, Some(slug.as_str()), 1).await.unwrap();
            assert_eq!(i64::from(pages), ((counted + PER_PAGE - 1) / PER_PAGE).max(1), "{step}: pages of {slug}");
        }
        let total: i64 = rows.iter().map(|r| r.2).sum();
        let (_, pages) = list(db, chrono_tz::UTC, None, 1).await.unwrap();
        assert_eq!(i64::from(pages), ((total + PER_PAGE - 1) / PER_PAGE).max(1), "{step}: pages of the front page");
    }

    /// The list pages' counts are kept by the database on every write to `articles`: drafts,
    /// publishing now and on schedule, withdrawing, moving to another channel, deleting.
    #[tokio::test]
    async fn the_published_counts_follow_every_write_to_the_articles() {
        use crate::model::{check_article, ArticleFields, ArticleState};
        use crate::server::db::newsroom::{self, Publication};
        let (db, _guard) = test_db::fresh().await;
        assert_counts_kept(&db, "empty").await;
        seed::seed_if_empty(&db, 1_000).await.unwrap();
        assert_counts_kept(&db, "seeded").await;
        let editor = UserId(test_db::scalar(&db, "SELECT MIN(id) FROM users").await);
        let fields = |channel: &str| {
            check_article(&ArticleFields {
                title: "计数的新闻".into(),
                channel: channel.into(),
                summary: "摘要".into(),
                source: "今日".into(),
                original_url: "https://example.com/a".into(),
                body: "正文".into(),
            })
            .unwrap()
        };
        let mut ids = Vec::new();
        for _ in 0..12 {
            ids.push(newsroom::save(&db, None, &fields("au"), Some(editor), 2_000).await.unwrap().unwrap());
        }
        assert_counts_kept(&db, "drafts").await;
        for id in &ids {
            newsroom::publish(&db, *id, Publication::Now, editor, 3_000).await.unwrap();
        }
        assert_counts_kept(&db, "published").await;
        newsroom::publish(&db, ids[0], Publication::Now, editor, 3_100).await.unwrap();
        assert_counts_kept(&db, "published again").await;
        newsroom::save(&db, Some(ids[1]), &fields("world"), Some(editor), 3_200).await.unwrap();
        newsroom::save(&db, Some(ids[2]), &fields("au"), Some(editor), 3_200).await.unwrap();
        assert_counts_kept(&db, "moved to another channel").await;
        newsroom::publish(&db, ids[3], Publication::Withdraw, editor, 3_300).await.unwrap();
        newsroom::publish(&db, ids[4], Publication::At(5_000), editor, 3_300).await.unwrap();
        assert_counts_kept(&db, "withdrawn and scheduled").await;
        newsroom::publish_due(&db, 6_000).await.unwrap();
        assert_counts_kept(&db, "scheduled ones published").await;
        newsroom::set_state(&db, ids[5], ArticleState::Draft, None).await.unwrap();
        assert_counts_kept(&db, "imported as a draft").await;
        test_db::execute(&db, "DELETE FROM article_revisions WHERE article_id = (SELECT MAX(id) FROM articles)").await;
        test_db::execute(&db, "DELETE FROM article_blocks WHERE article_id = (SELECT MAX(id) FROM articles)").await;
        assert_eq!(test_db::execute(&db, "DELETE FROM articles WHERE id = (SELECT MAX(id) FROM articles)").await, 1);
        assert_counts_kept(&db, "deleted").await;
    }

    /// The list pages, page after page, are the published articles in their order (newest
    /// first, then by id), each with its own channel and thumbnail, as one select over all of
    /// them gives them; a page past the last one is empty, whatever its number.
    #[tokio::test]
    async fn the_list_pages_are_the_published_order_a_page_at_a_time() {
        let (db, _guard) = test_db::fresh().await;
        seed::seed_if_empty(&db, 1_000).await.unwrap();
        // Ties in time, one draft and one withdrawn article among them.
        assert!(test_db::execute(&db, "UPDATE articles SET published_at = 1000000 + (id % 3)").await > PER_PAGE as u64);
        test_db::execute(&db, "UPDATE articles SET state = 'draft' WHERE id = (SELECT MIN(id) + 2 FROM articles)")
            .await;
        test_db::execute(&db, "UPDATE articles SET state = 'withdrawn' WHERE id = (SELECT MIN(id) + 7 FROM articles)")
            .await;
        let slugs = test_db::texts(&db, "SELECT slug FROM channels ORDER BY position").await;
        let mut channels: Vec<Option<&str>> = vec![None];
        channels.extend(slugs.iter().map(|s| Some(s.as_str())));
        for channel in channels {
            // The reference: every published article of the list in one select, in order.
            let all: Vec<SummaryRow> = on!(&db, p => sqlx::query_as(summary_select!(
                "WHERE a.state = 'published' AND ($1 IS NULL OR c.slug = $1) ORDER BY a.published_at DESC, a.id DESC"
            ))
            .bind(channel)
            .fetch_all(p)
            .await)
            .unwrap();
            let all: Vec<ArticleSummary> = all.into_iter().map(|r| r.into_summary(chrono_tz::UTC)).collect();
            let (_, pages) = list(&db, chrono_tz::UTC, channel, 1).await.unwrap();
            let mut listed = Vec::new();
            for page in 1..=pages {
                let (rows, n) = list(&db, chrono_tz::UTC, channel, page).await.unwrap();
                assert_eq!(n, pages);
                assert!(!rows.is_empty() && rows.len() <= PER_PAGE as usize, "{channel:?} page {page}");
                listed.extend(rows);
            }
            assert_eq!(listed, all, "{channel:?}");
            for past in [pages + 1, u32::MAX] {
                assert_eq!(list(&db, chrono_tz::UTC, channel, past).await.unwrap(), (Vec::new(), pages));
            }
        }
        let (front, pages) = list(&db, chrono_tz::UTC, None, 1).await.unwrap();
        assert!(pages >= 2 && front.iter().any(|a| a.thumbnail.is_some()), "{pages} {front:?}");
    }

    /// A page deep in the archive is found in the index of the published order, not by reading
    /// the articles it skips (SQLite's plan; PostgreSQL's follows its statistics).
    #[tokio::test]
    async fn a_list_page_walks_the_index_of_the_published_order() {
        let (db, _guard) = test_db::fresh().await;
        let Db::Sqlite(crate::server::db::readers::Lite { pool, .. }) = &db else { return };
        let all = sqlx::query_as(concat!("EXPLAIN QUERY PLAN ", list_select!(all))).bind(10).bind(100_000);
        let channel =
            sqlx::query_as(concat!("EXPLAIN QUERY PLAN ", list_select!(channel))).bind("au").bind(10).bind(100_000);
        for (query, index) in [(all, "articles_by_published"), (channel, "articles_by_channel")] {
            let plan: Vec<(i64, i64, i64, String)> = query.fetch_all(pool).await.unwrap();
            let plan: Vec<String> = plan.into_iter().map(|r| r.3).collect();
            assert!(plan.iter().any(|l| l.contains(&format!("USING COVERING INDEX {index}"))), "{plan:#?}");
            assert!(!plan.iter().any(|l| l == "SCAN a" || l == "SCAN articles"), "{plan:#?}");
        }
    }

    /// The 网站地图 page lists each channel's newest articles, channel by channel, and no more.
    #[tokio::test]
    async fn the_sitemap_page_lists_each_channels_newest_articles_only() {
        let (db, _guard) = test_db::fresh().await;
        seed::seed_if_empty(&db, 1_000).await.unwrap();
        test_db::execute(&db, "UPDATE articles SET published_at = 1000000 + (id % 2)").await;
        test_db::execute(&db, "UPDATE articles SET state = 'withdrawn' WHERE id = (SELECT MAX(id) FROM articles)")
            .await;
        let rows: Vec<(i64, String, i64, String, i64)> = on!(&db, p => sqlx::query_as(
            "SELECT a.id, c.slug, a.published_at, a.state, c.position FROM articles a JOIN channels c ON c.id = a.channel_id",
        )
        .fetch_all(p)
        .await)
        .unwrap();
        let mut expected: Vec<(i64, i64, i64, String)> =
            rows.iter().filter(|r| r.3 == "published").map(|r| (r.4, -r.2, -r.0, r.1.clone())).collect();
        expected.sort();
        let mut taken: std::collections::HashMap<String, usize> = Default::default();
        expected.retain(|e| {
            let n = taken.entry(e.3.clone()).or_default();
            *n += 1;
            *n <= 2
        });
        let listed = sitemap(&db, chrono_tz::UTC, 2).await.unwrap();
        let listed: Vec<(i64, String)> = listed.iter().map(|e| (e.id.0, e.channel_slug.clone())).collect();
        let expected: Vec<(i64, String)> = expected.into_iter().map(|e| (-e.2, e.3)).collect();
        assert_eq!(listed, expected);
        assert!(listed.len() >= 8, "{listed:?}");
    }

    /// 上一篇 and 下一篇 are the neighbours in the channel's order (newest first by
    /// `published_at`, then by id) among published articles, ties in time included.
    #[tokio::test]
    async fn previous_and_next_are_the_neighbours_in_the_channels_order() {
        let (db, _guard) = test_db::fresh().await;
        seed::seed_if_empty(&db, 1_000).await.unwrap();
        // Many articles published in the same second, and one that is not published.
        assert!(test_db::execute(&db, "UPDATE articles SET published_at = 1000000 + (id % 3)").await > 8);
        test_db::execute(&db, "UPDATE articles SET state = 'draft' WHERE id = (SELECT MIN(id) + 4 FROM articles)")
            .await;
        let rows: Vec<(i64, i64, i64, String)> =
            on!(&db, p => sqlx::query_as("SELECT id, channel_id, published_at, state FROM articles").fetch_all(p).await)
                .unwrap();
        let mut checked = 0;
        for &(id, channel, _, ref state) in &rows {
            if state != "published" {
                continue;
            }
            // The channel's published articles, newest first.
            let mut order: Vec<(i64, i64)> =
                rows.iter().filter(|r| r.1 == channel && r.3 == "published").map(|r| (r.2, r.0)).collect();
            order.sort_by(|a, b| b.cmp(a));
            let at = order.iter().position(|o| o.1 == id).unwrap();
            let older = order.get(at + 1).map(|o| o.1);
            let newer = at.checked_sub(1).map(|i| order[i].1);
            let a = get(&db, chrono_tz::UTC, ArticleId(id)).await.unwrap().unwrap();
            assert_eq!(a.previous.map(|l| l.id.0), older, "上一篇 of {id}");
            assert_eq!(a.next.map(|l| l.id.0), newer, "下一篇 of {id}");
            checked += 1;
        }
        assert!(checked > 8, "{checked}");
    }
}
