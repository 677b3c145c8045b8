//! Demo content for a fresh database: the seed article with its comments, and more articles
//! so the front page is a real front page. Runs only on a database with no content at all.

use super::comments;
use super::{Db, WriteTx};
use crate::model::{ArticleId, CommentId, UserId, CHANNELS};
use chrono::DateTime;
use serde::Deserialize;
use std::collections::HashMap;

const DEMO: &str = include_str!("../demo/articles.json");

#[derive(Deserialize)]
struct DemoArticle {
    channel: String,
    title: String,
    summary: String,
    source: String,
    original_url: Option<String>,
    published: String,
    blocks: Vec<DemoBlock>,
    #[serde(default)]
    comments: Vec<DemoComment>,
}

/// `{"p": text}` or `{"figure": path, "alt": what it shows}`.
#[derive(Deserialize)]
#[serde(untagged)]
enum DemoBlock {
    P { p: String },
    Figure { figure: String, alt: String },
}

#[derive(Deserialize)]
struct DemoComment {
    author: String,
    at: String,
    body: String,
    #[serde(default)]
    replies: Vec<DemoComment>,
}

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("demo content is malformed: {0}")]
    Demo(String),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

fn unix(at: &str) -> Result<i64, SeedError> {
    DateTime::parse_from_rfc3339(at)
        .map(|d| d.timestamp())
        .map_err(|e| SeedError::Demo(format!("bad time {at:?}: {e}")))
}

/// What seeding did.
#[derive(Debug, PartialEq, Eq)]
pub enum Seeded {
    /// The database already had content and was left as it was.
    Skipped,
    Inserted {
        articles: usize,
        comments: usize,
    },
}

/// Fills an empty database with the demo content, in one transaction.
pub async fn seed_if_empty(db: &Db, now: i64) -> Result<Seeded, SeedError> {
    let articles: Vec<DemoArticle> = serde_json::from_str(DEMO).map_err(|e| SeedError::Demo(e.to_string()))?;
    // Not a write transaction from the start: a read-only database with content is left as it is.
    let mut tx = db.begin().await?;
    if let WriteTx::Pg(t) = &mut tx {
        // Processes starting together on an empty database seed it once.
        sqlx::query("SELECT pg_advisory_xact_lock(7138330901)").execute(&mut **t).await?;
    }
    let content: i64 = on_tx!(&mut tx, c => sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM articles) + (SELECT COUNT(*) FROM users) \
         + (SELECT COUNT(*) FROM channels) + (SELECT COUNT(*) FROM site_facts)",
    )
    .fetch_one(&mut *c)
    .await?);
    if content > 0 {
        return Ok(Seeded::Skipped);
    }
    on_tx!(&mut tx, c => {
        for (position, channel) in CHANNELS.iter().enumerate() {
            sqlx::query("INSERT INTO channels (slug, name, position) VALUES ($1, $2, $3)")
                .bind(channel.slug)
                .bind(channel.name)
                .bind(position as i64)
                .execute(&mut *c)
                .await?;
        }
        for (key, value) in [("weather", "20.1°C-21.3°C"), ("exchange_rate", "4.73"), ("city", "悉尼")] {
            sqlx::query("INSERT INTO site_facts (key, value, updated_at) VALUES ($1, $2, $3)")
                .bind(key)
                .bind(value)
                .bind(now)
                .execute(&mut *c)
                .await?;
        }
    });
    let mut users = HashMap::new();
    let mut comment_total = 0;
    for a in &articles {
        let id = insert_article(&mut tx, a, now).await?;
        for c in &a.comments {
            comment_total += insert_comment(&mut tx, &mut users, id, None, c, now).await?;
        }
    }
    tx.commit().await?;
    Ok(Seeded::Inserted { articles: articles.len(), comments: comment_total })
}

async fn insert_article(tx: &mut WriteTx, a: &DemoArticle, now: i64) -> Result<ArticleId, SeedError> {
    let channel_id: Option<i64> = on_tx!(tx, c => sqlx::query_scalar("SELECT id FROM channels WHERE slug = $1")
        .bind(&a.channel)
        .fetch_optional(&mut *c)
        .await?);
    let channel_id = channel_id.ok_or_else(|| SeedError::Demo(format!("unknown channel {:?}", a.channel)))?;
    let published = unix(&a.published)?;
    let id: i64 = on_tx!(tx, c => sqlx::query_scalar(
        "INSERT INTO articles (channel_id, title, summary, source, original_url, published_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(channel_id)
    .bind(&a.title)
    .bind(&a.summary)
    .bind(&a.source)
    .bind(&a.original_url)
    .bind(published)
    .bind(now)
    .fetch_one(&mut *c)
    .await?);
    let mut figures = 0;
    for (position, block) in a.blocks.iter().enumerate() {
        let (kind, body, caption, alt) = match block {
            DemoBlock::P { p } => ("paragraph", p.as_str(), None, None),
            DemoBlock::Figure { figure, alt } => {
                figures += 1;
                // Captions follow the paper's convention: "<title> - N".
                ("figure", figure.as_str(), Some(format!("{} - {figures}", a.title)), Some(alt.as_str()))
            }
        };
        on_tx!(tx, c => sqlx::query(
            "INSERT INTO article_blocks (article_id, position, kind, body, caption, alt) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id)
        .bind(position as i64)
        .bind(kind)
        .bind(body)
        .bind(&caption)
        .bind(alt)
        .execute(&mut *c)
        .await?
        .rows_affected());
    }
    Ok(ArticleId(id))
}

async fn user_id(
    tx: &mut WriteTx,
    users: &mut HashMap<String, UserId>,
    name: &str,
    now: i64,
) -> Result<UserId, SeedError> {
    if let Some(id) = users.get(name) {
        return Ok(*id);
    }
    // Demo commenters have no password: nobody can sign in as them.
    let id: i64 = on_tx!(tx, c => sqlx::query_scalar(
        "INSERT INTO users (name, name_key, created_at) VALUES ($1, $2, $3) RETURNING id",
    )
    .bind(name)
    .bind(name.to_lowercase())
    .bind(now)
    .fetch_one(&mut *c)
    .await?);
    users.insert(name.to_owned(), UserId(id));
    Ok(UserId(id))
}

/// Inserts a comment and its replies; returns how many were stored.
async fn insert_comment(
    tx: &mut WriteTx,
    users: &mut HashMap<String, UserId>,
    article: ArticleId,
    parent: Option<CommentId>,
    c: &DemoComment,
    now: i64,
) -> Result<usize, SeedError> {
    let author = user_id(tx, users, &c.author, now).await?;
    let id = comments::insert(tx, article, parent, author, &c.body, unix(&c.at)?).await?;
    comments::add_to_count(tx, article, 1).await?;
    let mut n = 1;
    for r in &c.replies {
        n += Box::pin(insert_comment(tx, users, article, Some(id), r, now)).await?;
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Block;
    use crate::server::db::{articles, comments, test_db};
    use chrono_tz::Australia::Sydney;

    const SEED_TITLE: &str = "乌克兰局势紧张之际,拜登普京通话:相约面谈(图)";

    #[tokio::test]
    async fn a_fresh_database_gets_the_seed_article_exactly_as_written() {
        let (pool, _dir) = test_db::fresh().await;
        let Seeded::Inserted { articles: n, .. } = seed_if_empty(&pool, 0).await.unwrap() else {
            panic!("an empty database must be seeded");
        };
        assert!(n >= 12, "the seed article and at least 11 more, got {n}");
        let id: i64 = on!(&pool, p => sqlx::query_scalar("SELECT id FROM articles WHERE title = $1")
            .bind(SEED_TITLE)
            .fetch_one(p)
            .await
            .unwrap());
        let a = articles::get(&pool, Sydney, ArticleId(id)).await.unwrap().unwrap();
        assert_eq!(a.summary.published_date, "2021-04-14");
        assert_eq!(a.summary.source, "纵相新闻");
        assert_eq!(a.summary.channel_name, "国际");
        let captions: Vec<_> = a
            .blocks
            .iter()
            .filter_map(|b| match b {
                Block::Figure { caption, .. } => Some(caption.clone()),
                _ => None,
            })
            .collect();
        assert_eq!(captions, (1..=3).map(|i| format!("{SEED_TITLE} - {i}")).collect::<Vec<_>>());
        let paragraphs = a.blocks.iter().filter(|b| matches!(b, Block::Paragraph(_))).count();
        assert_eq!(paragraphs, 18);
        assert!(matches!(&a.blocks[0], Block::Paragraph(p) if p.starts_with("当地时间13日,拜登和普京再次通话")));
        assert!(matches!(&a.blocks[1], Block::Figure { .. }));

        let page =
            comments::page(&pool, Sydney, ArticleId(id), crate::model::Sort::New, 1, None).await.unwrap().unwrap();
        assert!(!page.has_more);
        assert_eq!(page.position.count, page.comments.len() as i64);
        let thread = page.comments;
        let who: Vec<_> = thread.iter().map(|c| (c.author.name.as_str(), &c.created[..10])).collect();
        assert_eq!(
            who,
            vec![
                ("善結仁義", "2021-04-16"),
                ("Sammie傻咪", "2021-04-14"),
                ("失意女魔王", "2021-04-14"),
                ("June六六六月", "2021-04-14"),
                ("Melan_小黑鸟", "2021-04-14"),
            ]
        );
        assert!(thread[0].body.contains("it takes one to know one 哈哈🤣"));
        assert_eq!(a.summary.comment_count, 5);
    }

    #[tokio::test]
    async fn demo_articles_cover_at_least_three_channels_each_with_a_figure() {
        let (pool, _dir) = test_db::fresh().await;
        seed_if_empty(&pool, 0).await.unwrap();
        let channels = test_db::scalar(&pool, "SELECT COUNT(DISTINCT channel_id) FROM articles").await;
        assert!(channels >= 3);
        let without_figure = test_db::scalar(
            &pool,
            "SELECT COUNT(*) FROM articles a WHERE NOT EXISTS \
             (SELECT 1 FROM article_blocks b WHERE b.article_id = a.id AND b.kind = 'figure')",
        )
        .await;
        assert_eq!(without_figure, 0);
    }

    #[tokio::test]
    async fn every_demo_figure_is_a_local_file_under_public() {
        let (pool, _dir) = test_db::fresh().await;
        seed_if_empty(&pool, 0).await.unwrap();
        let srcs = test_db::texts(&pool, "SELECT body FROM article_blocks WHERE kind = 'figure'").await;
        for src in srcs {
            assert!(src.starts_with('/') && !src.starts_with("//"), "{src} must be a local path");
            let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("public").join(&src[1..]);
            assert!(file.is_file(), "{} is missing", file.display());
        }
    }

    /// Width and height of a baseline or progressive JPEG, from its frame header.
    fn jpeg_size(bytes: &[u8]) -> Option<(u16, u16)> {
        let mut i = 2;
        while i + 9 < bytes.len() {
            if bytes[i] != 0xFF {
                return None;
            }
            let (marker, len) = (bytes[i + 1], u16::from_be_bytes([bytes[i + 2], bytes[i + 3]]) as usize);
            if matches!(marker, 0xC0..=0xC2) {
                let h = u16::from_be_bytes([bytes[i + 5], bytes[i + 6]]);
                let w = u16::from_be_bytes([bytes[i + 7], bytes[i + 8]]);
                return Some((w, h));
            }
            i += 2 + len;
        }
        None
    }

    #[tokio::test]
    async fn every_demo_figure_says_what_it_shows_and_has_a_raster_preview_of_1200_by_630() {
        let (pool, _dir) = test_db::fresh().await;
        seed_if_empty(&pool, 0).await.unwrap();
        let rows: Vec<(String, Option<String>, Option<String>)> = on!(&pool, p => sqlx::query_as(
            "SELECT body, caption, alt FROM article_blocks WHERE kind = 'figure'",
        )
        .fetch_all(p)
        .await
        .unwrap());
        assert!(rows.len() >= 20);
        let public = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("public");
        for (src, caption, alt) in rows {
            let alt = alt.unwrap_or_else(|| panic!("{src} has no alt"));
            assert!(alt.chars().count() >= 4, "{src}: {alt}");
            assert_ne!(Some(&alt), caption.as_ref(), "{src}: the alt repeats the caption");
            let preview = crate::model::preview_image(Some(&src));
            assert!(preview.starts_with("/images/og/") && preview.ends_with(".jpg"), "{src} -> {preview}");
            let bytes = std::fs::read(public.join(&preview[1..])).unwrap_or_else(|_| panic!("{preview} is missing"));
            assert_eq!(jpeg_size(&bytes), Some((1200, 630)), "{preview}");
        }
        let card = std::fs::read(public.join("images/og/jinri.jpg")).unwrap();
        assert_eq!(jpeg_size(&card), Some((1200, 630)), "the site's card");
    }

    #[tokio::test]
    async fn seeding_never_runs_twice() {
        let (pool, _dir) = test_db::fresh().await;
        seed_if_empty(&pool, 0).await.unwrap();
        let before = test_db::scalar(&pool, "SELECT COUNT(*) FROM comments").await;
        assert_eq!(seed_if_empty(&pool, 0).await.unwrap(), Seeded::Skipped);
        let after = test_db::scalar(&pool, "SELECT COUNT(*) FROM comments").await;
        assert_eq!(before, after);
    }

    #[tokio::test]
    async fn a_database_with_any_content_is_left_alone() {
        let (pool, _dir) = test_db::fresh().await;
        test_db::execute(&pool, "INSERT INTO users (name, name_key, created_at) VALUES ('a', 'a', 0)").await;
        assert_eq!(seed_if_empty(&pool, 0).await.unwrap(), Seeded::Skipped);
        let articles = test_db::scalar(&pool, "SELECT COUNT(*) FROM articles").await;
        assert_eq!(articles, 0);
    }
}
