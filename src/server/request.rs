//! What a server function knows about the request it serves.

use super::{auth, db, time, AppState};
use crate::model::{AppError, PublicUser};
use axum::extract::ConnectInfo;
use axum::http::{header, request::Parts, HeaderValue, StatusCode};
use leptos::prelude::use_context;
use leptos_axum::ResponseOptions;
use std::net::SocketAddr;

pub struct Request {
    pub state: AppState,
    pub parts: Parts,
    response: ResponseOptions,
}

impl Request {
    pub fn current() -> Result<Request, AppError> {
        let state = AppState::current()?;
        let parts = use_context::<Parts>().ok_or(AppError::Internal)?;
        let response = use_context::<ResponseOptions>().ok_or(AppError::Internal)?;
        Ok(Request { state, parts, response })
    }

    /// The client's address as this server sees it.
    pub fn ip(&self) -> String {
        self.parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip().to_string())
            .unwrap_or_else(|| "unknown".to_owned())
    }

    /// A plain HTML form post (no JavaScript) rather than a call from the browser bundle.
    pub fn is_plain_form(&self) -> bool {
        self.parts.headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("text/html"))
    }

    /// Sends a plain form post on to `url`; calls from the bundle update the page in place.
    pub fn redirect_plain_form(&self, url: &str) {
        if self.is_plain_form() {
            leptos_axum::redirect(url);
        }
    }

    pub fn set_cookie(&self, cookie: &str) {
        if let Ok(v) = HeaderValue::from_str(cookie) {
            self.response.append_header(header::SET_COOKIE, v);
        }
    }

    /// Prepares an error reply. Calls from the bundle get the status that fits the error; a
    /// plain form post is sent back to the page of its form (`path`, then `#anchor`) with the
    /// message and what the reader typed (`keep`, never a password), since a browser without
    /// JavaScript shows only pages.
    pub fn fail(&self, error: AppError, path: &str, keep: &[(&str, &str)], anchor: &str) -> AppError {
        if self.is_plain_form() {
            let field = match &error {
                AppError::Validation { field, .. } => field.as_str(),
                _ => "form",
            };
            let q = crate::model::encode_query;
            let mut query = format!("field={}&error={}", q(field), q(&error.to_string()));
            for (k, v) in keep {
                let pair = format!("&{k}={}", q(v));
                // A text too long for an address is not kept: the reply must stay a page
                // this server accepts (`routes::MAX_URI`), with the error on it.
                if path.len() + query.len() + pair.len() + 64 <= super::routes::MAX_URI {
                    query.push_str(&pair);
                }
            }
            leptos_axum::redirect(&format!("{}{anchor}", self.state.form_key.sign(path, &query)));
        } else {
            if let AppError::RateLimited { retry_after_secs } = &error {
                if let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string()) {
                    self.response.insert_header(header::RETRY_AFTER, v);
                }
            }
            if error == AppError::Unavailable {
                self.response.insert_header(header::RETRY_AFTER, HeaderValue::from_static("5"));
            }
            self.response.set_status(status_of(&error));
        }
        error
    }

    pub async fn user(&self) -> Result<Option<PublicUser>, AppError> {
        auth::current_user(&self.state, &self.parts.headers).await
    }

    /// Signs `user` in with a fresh token (a new one on every login), replacing any session
    /// this browser had.
    pub async fn start_session(&self, user: &PublicUser) -> Result<(), AppError> {
        self.end_session_quietly().await?;
        let (token, hash) = auth::new_token()?;
        db::sessions::create(&self.state.pool, &hash, user.id, time::now_unix()).await.map_err(crate::api::internal)?;
        self.set_cookie(&auth::session_cookie(&self.state, &token));
        Ok(())
    }

    async fn end_session_quietly(&self) -> Result<(), AppError> {
        if let Some(token) = auth::session_token(&self.state, &self.parts.headers) {
            db::sessions::delete(&self.state.pool, &auth::token_hash(&token)).await.map_err(crate::api::internal)?;
        }
        Ok(())
    }

    /// Deletes the session on the server and clears the cookie.
    pub async fn end_session(&self) -> Result<(), AppError> {
        self.end_session_quietly().await?;
        self.set_cookie(&auth::clear_cookie(&self.state));
        Ok(())
    }
}

/// The HTTP status that fits an error: 4xx for what the reader can change, 500 only for
/// failures of the server itself.
pub fn status_of(error: &AppError) -> StatusCode {
    match error {
        AppError::Unauthorized => StatusCode::UNAUTHORIZED,
        AppError::Forbidden => StatusCode::FORBIDDEN,
        AppError::NotFound => StatusCode::NOT_FOUND,
        AppError::Validation { .. } => StatusCode::BAD_REQUEST,
        AppError::Conflict(_) => StatusCode::CONFLICT,
        AppError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
        AppError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        AppError::Internal | AppError::Network(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}
