//! Server functions: the site's public API. Each is thin: parse → `server::db` → DTO.
//! Endpoints are stable and documented in README.md.

pub mod articles;
pub mod auth;
pub mod codec;
pub mod comments;
pub mod site;

/// Turns a failure into what the reader is told; the details stay in the log. A database that
/// is busy, read-only, full or unreachable is `Unavailable` (503, try again shortly); anything
/// else is `Internal` (500).
#[cfg(feature = "ssr")]
pub(crate) fn internal<E: std::fmt::Display + 'static>(e: E) -> crate::model::AppError {
    use crate::model::AppError;
    let unavailable = (&e as &dyn std::any::Any).downcast_ref::<sqlx::Error>().is_some_and(is_unavailable);
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

/// Faults of the database or its disk, rather than of the request or the code.
#[cfg(feature = "ssr")]
pub(crate) fn is_unavailable(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => true,
        sqlx::Error::Database(db) => {
            // SQLite's primary result codes: BUSY 5, LOCKED 6, READONLY 8, IOERR 10, FULL 13,
            // CANTOPEN 14 (extended codes carry the primary one in the low byte).
            let code = db.code().and_then(|c| c.parse::<i64>().ok()).unwrap_or(0) & 0xff;
            matches!(code, 5 | 6 | 8 | 10 | 13 | 14)
        }
        _ => false,
    }
}
