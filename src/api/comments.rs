use crate::model::{AppError, ArticleId, Comment};
use leptos::prelude::*;

/// Every visible comment of an article, newest first (the page builds the thread).
#[server(endpoint = "comments/list")]
pub async fn list_comments(article_id: ArticleId) -> Result<Vec<Comment>, AppError> {
    use crate::server::{db, AppState};
    let state = AppState::current()?;
    db::comments::list_for_article(&state.pool, state.config.site.timezone, article_id).await.map_err(super::internal)
}
