//! Server functions: the site's public API. Each is thin: parse → `server::db` → DTO.
//! Endpoints are stable and documented in README.md.

pub mod articles;
pub mod auth;
pub mod comments;
pub mod site;

#[cfg(feature = "ssr")]
pub(crate) fn internal(e: impl std::fmt::Display) -> crate::model::AppError {
    // The reader gets a generic message; the details stay in the log.
    tracing::error!(error = %e, "server function failed");
    crate::model::AppError::Internal
}
