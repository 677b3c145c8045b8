//! Everything that only exists on the server: configuration, state, SQL, routes.

pub mod assets;
pub mod auth;
pub mod cli;
pub mod config;
pub mod db;
pub mod feeds;
pub mod figures;
pub mod flash;
pub mod headers;
pub mod import;
pub mod likes;
pub mod listen;
pub mod live;
pub mod moderation;
pub mod names;
pub mod newest;
pub mod page_cache;
pub mod proxies;
pub mod queue;
pub mod render_gate;
pub mod request;
pub mod routes;
pub mod state;
pub mod tasks;
pub mod time;
pub mod wordfilter;

pub use config::Config;
pub use state::AppState;
