//! Reading and writing comments.

use crate::model::{ArticleId, Comment, CommentId, PublicUser, UserId};
use crate::server::time;
use chrono_tz::Tz;
use sqlx::{Sqlite, SqlitePool, Transaction};

#[derive(sqlx::FromRow)]
struct CommentRow {
    id: i64,
    article_id: i64,
    parent_id: Option<i64>,
    author_id: i64,
    author_name: String,
    body: String,
    created_at: i64,
}

impl CommentRow {
    fn into_comment(self, tz: Tz) -> Comment {
        Comment {
            id: CommentId(self.id),
            article_id: ArticleId(self.article_id),
            parent_id: self.parent_id.map(CommentId),
            author: PublicUser { id: UserId(self.author_id), name: self.author_name },
            body: self.body,
            created: time::date_time(tz, self.created_at),
            created_iso: time::iso(tz, self.created_at),
        }
    }
}

/// Every visible comment of an article, newest first.
pub async fn list_for_article(pool: &SqlitePool, tz: Tz, article: ArticleId) -> Result<Vec<Comment>, sqlx::Error> {
    let rows: Vec<CommentRow> = sqlx::query_as(
        "SELECT c.id, c.article_id, c.parent_id, c.author_id, u.name AS author_name, c.body, c.created_at \
         FROM comments c JOIN users u ON u.id = c.author_id \
         WHERE c.article_id = $1 AND c.deleted_at IS NULL \
         ORDER BY c.created_at DESC, c.id DESC",
    )
    .bind(article.0)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|r| r.into_comment(tz)).collect())
}

/// Stores a comment and keeps the article's count in step, inside the caller's transaction.
pub async fn insert(
    tx: &mut Transaction<'_, Sqlite>,
    article: ArticleId,
    parent: Option<CommentId>,
    author: UserId,
    body: &str,
    created_at: i64,
) -> Result<CommentId, sqlx::Error> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO comments (article_id, parent_id, author_id, body, created_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(article.0)
    .bind(parent.map(|p| p.0))
    .bind(author.0)
    .bind(body)
    .bind(created_at)
    .fetch_one(&mut **tx)
    .await?;
    sqlx::query("UPDATE articles SET comment_count = comment_count + 1 WHERE id = $1")
        .bind(article.0)
        .execute(&mut **tx)
        .await?;
    Ok(CommentId(id))
}
