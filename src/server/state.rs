use super::Config;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use std::sync::Arc;

/// What every handler and server function reaches through context. No globals: each test
/// builds its own state around its own database.
#[derive(Clone)]
pub struct AppState {
    /// The database (`server::db::Db`: SQLite or PostgreSQL).
    pub pool: super::db::Db,
    pub config: Arc<Config>,
    pub leptos_options: LeptosOptions,
    pub hasher: super::auth::Hasher,
    pub hub: super::live::Hub,
    /// Likes not yet announced to other readers (`server::likes`).
    pub likes: Arc<super::likes::Likes>,
    /// Pages as guests see them, until the next comment change.
    pub page_cache: Arc<super::page_cache::PageCache>,
    /// Signs the flash cookie a failed plain form post is sent back with (`server::flash`).
    pub form_key: super::flash::FormKey,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

impl AppState {
    /// The state of the request being served, for server functions.
    pub fn current() -> Result<AppState, crate::model::AppError> {
        leptos::prelude::use_context::<AppState>().ok_or_else(|| {
            tracing::error!("AppState missing from the Leptos context");
            crate::model::AppError::Internal
        })
    }
}
