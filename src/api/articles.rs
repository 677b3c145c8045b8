use crate::model::{AppError, Article, ArticlePage};
use leptos::prelude::*;

/// How many articles the 热门 list shows.
pub const HOT_COUNT: i64 = 8;

/// One page of the newest articles, of one channel or of all; with the 热门 list.
#[server(endpoint = "articles/list")]
pub async fn list_articles(channel: Option<String>, page: u32) -> Result<ArticlePage, AppError> {
    use crate::model::Channel;
    use crate::server::{db, AppState};
    let state = AppState::current()?;
    let tz = state.config.site.timezone;
    let channel = match channel.as_deref() {
        Some(slug) => Some(Channel::by_slug(slug).ok_or(AppError::NotFound)?.slug),
        None => None,
    };
    let (articles, total_pages) = db::articles::list(&state.pool, tz, channel, page).await.map_err(super::internal)?;
    if page > total_pages {
        return Err(AppError::NotFound);
    }
    let hot = db::articles::hot(&state.pool, tz, HOT_COUNT).await.map_err(super::internal)?;
    Ok(ArticlePage { articles, page: page.max(1), total_pages, hot })
}

/// One article with its body. The id is taken as text so a malformed id is a 404, not a 400.
#[server(endpoint = "articles/get")]
pub async fn get_article(id: String) -> Result<Article, AppError> {
    use crate::model::ArticleId;
    use crate::server::{db, AppState};
    let state = AppState::current()?;
    let id = ArticleId::parse(&id).ok_or(AppError::NotFound)?;
    let mut article = db::articles::get(&state.pool, state.config.site.timezone, id)
        .await
        .map_err(super::internal)?
        .ok_or(AppError::NotFound)?;
    if article.unpublished.is_some() {
        // Drafts, scheduled and withdrawn articles exist for the newsroom only: for anyone else
        // there is no such page.
        use crate::server::request::Request;
        let may_edit = Request::current()?.require(crate::model::Role::Editor).await.is_ok();
        if !may_edit {
            return Err(AppError::NotFound);
        }
    }
    article.url = format!("{}{}", state.config.site.base_url, article.summary.href());
    Ok(article)
}
