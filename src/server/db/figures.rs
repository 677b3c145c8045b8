//! An article's figures (rows of `article_blocks` of kind `figure`, in `position` order: figure
//! N is the Nth) and the files of uploaded ones (`media`, one row per width, named by the hash
//! of its bytes). Adding, changing or removing a figure also stamps the article's `updated_at`:
//! that write locks the article row on PostgreSQL, so two uploads to one article at once take
//! their turns and get different numbers.

use super::{Db, WriteTx};
use crate::model::{renumber_figures, ArticleId, UserId};
use crate::server::figures::Variant;

/// One figure, as the editor's page lists it.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct Figure {
    pub position: i64,
    pub src: String,
    pub caption: Option<String>,
    pub alt: Option<String>,
    pub credit: Option<String>,
    pub srcset: Option<String>,
    pub width: Option<i64>,
    pub height: Option<i64>,
    pub source_hash: Option<String>,
}

impl Figure {
    /// Whether this figure was made from a file whose hash is `hash`: the upload itself, or
    /// its largest file (what `jinri export` writes).
    pub fn made_from(&self, hash: &str) -> bool {
        self.source_hash.as_deref() == Some(hash)
            || self.srcset.as_deref().and_then(|s| s.rsplit(", ").next()).is_some_and(|largest| {
                largest.strip_prefix("/media/").and_then(|n| n.split_once('.')).is_some_and(|(h, _)| h == hash)
            })
    }
}

/// A figure to store: new files with what they say, or an existing figure's files again.
pub struct NewFigure<'a> {
    pub files: &'a [Variant],
    /// For a figure kept from before: its `src`, `srcset`, width and height as stored.
    pub kept: Option<&'a Figure>,
    pub words: Words<'a>,
    pub source_hash: &'a str,
}

/// What an editor writes about a figure.
#[derive(Clone, Copy, Debug)]
pub struct Words<'a> {
    pub caption: &'a str,
    pub alt: &'a str,
    pub credit: &'a str,
}

/// Article `id`'s figures, in order.
pub async fn list(db: &Db, id: ArticleId) -> Result<Vec<Figure>, sqlx::Error> {
    on!(db, p => sqlx::query_as(
        "SELECT position, body AS src, caption, alt, credit, srcset, width, height, source_hash FROM article_blocks \
         WHERE article_id = $1 AND kind = 'figure' ORDER BY position",
    )
    .bind(id.0)
    .fetch_all(p)
    .await)
}

/// What adding a figure came to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Added {
    /// The new figure's number (`[图N]`).
    Figure(usize),
    /// The article has `max` figures already.
    Full,
    NoArticle,
}

/// Adds an uploaded figure (`files`, narrowest first, as `figures::process` wrote them) after
/// article `id`'s others, with its files, in one transaction: a failure leaves nothing behind.
pub async fn add(db: &Db, id: ArticleId, figure: NewFigure<'_>, max: usize, now: i64) -> Result<Added, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    if !stamp(&mut tx, id, now).await? {
        return Ok(Added::NoArticle);
    }
    let (count, last): (i64, i64) = on_tx!(&mut tx, c => sqlx::query_as(
        "SELECT COUNT(*) FILTER (WHERE kind = 'figure'), COALESCE(MAX(position), 0) FROM article_blocks \
         WHERE article_id = $1",
    )
    .bind(id.0)
    .fetch_one(&mut *c)
    .await?);
    if count as usize >= max {
        return Ok(Added::Full);
    }
    insert(&mut tx, id, last + 1, &figure, now).await?;
    tx.commit().await?;
    Ok(Added::Figure(count as usize + 1))
}

/// Makes `figures` article `id`'s figures, in this order, in place of those it had: one
/// transaction. `false` when there is no such article.
pub async fn replace(db: &Db, id: ArticleId, figures: &[NewFigure<'_>], now: i64) -> Result<bool, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    if !stamp(&mut tx, id, now).await? {
        return Ok(false);
    }
    on_tx!(&mut tx, c => sqlx::query("DELETE FROM article_blocks WHERE article_id = $1 AND kind = 'figure'")
        .bind(id.0)
        .execute(&mut *c)
        .await?
        .rows_affected());
    let last: i64 = on_tx!(&mut tx, c => sqlx::query_scalar(
        "SELECT COALESCE(MAX(position), 0) FROM article_blocks WHERE article_id = $1",
    )
    .bind(id.0)
    .fetch_one(&mut *c)
    .await?);
    for (i, figure) in figures.iter().enumerate() {
        insert(&mut tx, id, last + 1 + i as i64, figure, now).await?;
    }
    tx.commit().await?;
    Ok(true)
}

/// Stores a figure's new files (a file already stored stays as it is) and its row.
async fn insert(
    tx: &mut WriteTx,
    id: ArticleId,
    position: i64,
    figure: &NewFigure<'_>,
    now: i64,
) -> Result<(), sqlx::Error> {
    for f in figure.files {
        on_tx!(tx, c => sqlx::query(
            "INSERT INTO media (name, content_type, bytes, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (name) DO NOTHING",
        )
        .bind(&f.name)
        .bind(f.content_type)
        .bind(&f.bytes)
        .bind(now)
        .execute(&mut *c)
        .await?
        .rows_affected());
    }
    let (src, srcset, width, height) = match (figure.kept, figure.files.last()) {
        (Some(k), _) => (k.src.clone(), k.srcset.clone(), k.width, k.height),
        (None, Some(top)) => {
            // The plain `src` (for browsers without srcset) is the desktop width.
            let middle = figure.files.iter().rev().find(|v| v.width <= 960).unwrap_or(top);
            (
                format!("/media/{}", middle.name),
                Some(crate::server::figures::srcset(figure.files)),
                Some(i64::from(top.width)),
                Some(i64::from(top.height)),
            )
        }
        (None, None) => return Err(sqlx::Error::Protocol("a figure without files".into())),
    };
    let w = figure.words;
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO article_blocks (article_id, position, kind, body, caption, alt, credit, srcset, width, height, \
         source_hash) VALUES ($1, $2, 'figure', $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(id.0)
    .bind(position)
    .bind(src)
    .bind(w.caption)
    .bind(w.alt)
    .bind(w.credit)
    .bind(srcset)
    .bind(width)
    .bind(height)
    .bind(figure.source_hash)
    .execute(&mut *c)
    .await?
    .rows_affected());
    Ok(())
}

/// Changes what figure `n` of article `id` says. `false` when there is no such figure.
pub async fn describe(db: &Db, id: ArticleId, n: usize, words: Words<'_>, now: i64) -> Result<bool, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    if !stamp(&mut tx, id, now).await? {
        return Ok(false);
    }
    let Some(position) = nth(&mut tx, id, n).await? else { return Ok(false) };
    on_tx!(&mut tx, c => sqlx::query(
        "UPDATE article_blocks SET caption = $3, alt = $4, credit = $5 WHERE article_id = $1 AND position = $2",
    )
    .bind(id.0)
    .bind(position)
    .bind(words.caption)
    .bind(words.alt)
    .bind(words.credit)
    .execute(&mut *c)
    .await?
    .rows_affected());
    tx.commit().await?;
    Ok(true)
}

/// Removes figure `n` of article `id` (the figures after it move up one number) and, in the
/// same transaction, takes its `[图N]` lines out of the body and renumbers the later ones
/// (`model::renumber_figures`), kept as a new version by `editor`. Its files stay: pages and
/// feeds already sent may name them, and they never change. `false` when there is no such
/// figure.
pub async fn remove(db: &Db, id: ArticleId, n: usize, editor: UserId, now: i64) -> Result<bool, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    if !stamp(&mut tx, id, now).await? {
        return Ok(false);
    }
    let Some(position) = nth(&mut tx, id, n).await? else { return Ok(false) };
    on_tx!(&mut tx, c => sqlx::query("DELETE FROM article_blocks WHERE article_id = $1 AND position = $2")
        .bind(id.0)
        .bind(position)
        .execute(&mut *c)
        .await?
        .rows_affected());
    let body: Option<String> = on_tx!(&mut tx, c => sqlx::query_scalar("SELECT body_md FROM articles WHERE id = $1")
        .bind(id.0)
        .fetch_one(&mut *c)
        .await?);
    if let Some(body) = body {
        let renumbered = renumber_figures(&body, n);
        if renumbered != body {
            on_tx!(&mut tx, c => sqlx::query("UPDATE articles SET body_md = $2 WHERE id = $1")
                .bind(id.0)
                .bind(&renumbered)
                .execute(&mut *c)
                .await?
                .rows_affected());
            on_tx!(&mut tx, c => sqlx::query(
                "INSERT INTO article_revisions (article_id, editor_id, created_at, title, channel_id, summary, source, \
                 original_url, body_md) SELECT id, $2, $3, title, channel_id, summary, source, original_url, body_md \
                 FROM articles WHERE id = $1",
            )
            .bind(id.0)
            .bind(editor.0)
            .bind(now)
            .execute(&mut *c)
            .await?
            .rows_affected());
        }
    }
    tx.commit().await?;
    Ok(true)
}

/// One uploaded file: its type and bytes.
pub async fn media(db: &Db, name: &str) -> Result<Option<(String, Vec<u8>)>, sqlx::Error> {
    on!(db, p => sqlx::query_as("SELECT content_type, bytes FROM media WHERE name = $1")
        .bind(name)
        .fetch_optional(p)
        .await)
}

/// Stamps article `id` as changed now, later than its last stamp (and, on PostgreSQL, locks
/// its row until the transaction ends). `false` when there is no such article.
async fn stamp(tx: &mut WriteTx, id: ArticleId, now: i64) -> Result<bool, sqlx::Error> {
    let found: Option<i64> = on_tx!(tx, c => sqlx::query_scalar(concat!(
        "UPDATE articles SET updated_at = ",
        later_stamp!("$2"),
        " WHERE id = $1 RETURNING id",
    ))
    .bind(id.0)
    .bind(now)
    .fetch_optional(&mut *c)
    .await?);
    Ok(found.is_some())
}

/// The position of figure `n` (1-based) of article `id`.
async fn nth(tx: &mut WriteTx, id: ArticleId, n: usize) -> Result<Option<i64>, sqlx::Error> {
    if n == 0 {
        return Ok(None);
    }
    on_tx!(tx, c => sqlx::query_scalar(
        "SELECT position FROM article_blocks WHERE article_id = $1 AND kind = 'figure' ORDER BY position \
         LIMIT 1 OFFSET $2",
    )
    .bind(id.0)
    .bind(n as i64 - 1)
    .fetch_optional(&mut *c)
    .await)
}
