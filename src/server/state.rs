use super::Config;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use std::sync::Arc;

/// What every handler and server function reaches through context. No globals: each test
/// builds its own state around its own database.
///
/// One `Arc` around all of it: the state is cloned several times per request (the router's
/// handlers, the middleware, every server function and page resource that reads it), and a
/// clone of the fields themselves (LeptosOptions alone holds a dozen `Arc<str>`) was ~9 % of a
/// rendered page's CPU in a profile, in atomic counts the two cores fought over.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl AppState {
    pub fn new(shared: Shared) -> Self {
        Self(Arc::new(shared))
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// The parts of `AppState`.
pub struct Shared {
    /// The database (`server::db::Db`: SQLite or PostgreSQL).
    pub pool: super::db::Db,
    pub config: Arc<Config>,
    pub leptos_options: LeptosOptions,
    pub hasher: super::auth::Hasher,
    pub hub: super::live::Hub,
    /// What open list and article pages hear of the newsroom (`server::newest`).
    pub articles: super::newest::ArticleWatch,
    /// What open moderation queues hear (`server::queue`).
    pub queue: super::queue::QueueWatch,
    /// The word filter as last read (`server::moderation::FilterCache`).
    pub filter: super::moderation::FilterCache,
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

    /// The state of the request being rendered, where a render without one is expected: Leptos
    /// renders the app once at start-up to list its routes, with no request and no state.
    pub fn if_serving() -> Option<AppState> {
        leptos::prelude::use_context::<AppState>()
    }
}
