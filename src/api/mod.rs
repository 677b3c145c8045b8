//! Server functions: the site's public API. Each is thin: parse → `server::db` → DTO.
//! Endpoints are stable and documented in README.md.

pub mod admin;
pub mod articles;
pub mod auth;
pub mod codec;
pub mod comments;
pub mod newsroom;
pub mod site;

/// Turns a failure into what the reader is told; the details stay in the log. A database that
/// is busy, read-only, full or unreachable is `Unavailable` (503, try again shortly); anything
/// else is `Internal` (500).
#[cfg(feature = "ssr")]
pub(crate) fn internal<E: std::fmt::Display + 'static>(e: E) -> crate::model::AppError {
    use crate::model::AppError;
    let unavailable =
        (&e as &dyn std::any::Any).downcast_ref::<sqlx::Error>().is_some_and(crate::server::db::is_unavailable);
    let status = if unavailable {
        tracing::error!(error = %e, "database unavailable");
        axum::http::StatusCode::SERVICE_UNAVAILABLE
    } else {
        tracing::error!(error = %e, "server function failed");
        axum::http::StatusCode::INTERNAL_SERVER_ERROR
    };
    if let Some(resp) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
        resp.set_status(status);
        if unavailable {
            resp.insert_header(axum::http::header::RETRY_AFTER, axum::http::HeaderValue::from_static("5"));
        }
    }
    if unavailable {
        AppError::Unavailable
    } else {
        AppError::Internal
    }
}
