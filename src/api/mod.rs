//! Server functions: the site's public API. Each is thin: parse → `server::db` → DTO.
//! Endpoints are stable and documented in README.md.

pub mod admin;
pub mod articles;
pub mod auth;
pub mod codec;
pub mod comments;
pub mod figures;
pub mod moderation;
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

/// The staff member behind a form post to the newsroom page `page` who may act as `role`: a
/// visitor is sent to sign in and back to `page`, anyone else refused back to `page` with what
/// they typed (`keep`).
#[cfg(feature = "ssr")]
pub(crate) async fn staff_for_form(
    req: &crate::server::request::Request,
    role: crate::model::Role,
    page: &str,
    keep: &[(&str, &str)],
) -> Result<crate::model::Viewer, crate::model::AppError> {
    use crate::model::{encode_query, AppError};
    req.require(role).await.map_err(|e| match e {
        AppError::Unauthorized => req.fail(e, &format!("/login?next={}", encode_query(page)), &[], ""),
        e => req.fail(e, page, keep, ""),
    })
}

/// Takes one of the `per_minute` slots `who` has in `scope` (counted atomically in the
/// database, across processes); `Err(retry_after_secs)` when none is left.
#[cfg(feature = "ssr")]
pub(crate) async fn per_minute_slot(
    req: &crate::server::request::Request,
    scope: &str,
    who: &crate::model::Viewer,
    per_minute: i64,
    now: i64,
) -> Result<Result<(), u64>, crate::model::AppError> {
    use crate::server::db;
    let who = who.id.0.to_string();
    let limit = [db::limits::Limit::new(scope, &who, 60, per_minute)];
    Ok(db::limits::take(&req.state.pool, &limit, now).await.map_err(internal)?.map(|_| ()))
}
