//! Accounts: register, log in, log out, who am I. Every mutation is a POST (server functions'
//! default) and passes the same-origin check in `server::routes`.

use crate::model::{AppError, PublicUser};
use leptos::prelude::*;

/// Creates an account, signs the reader in and sends them back to `next` (a same-site path).
#[server(endpoint = "auth/register")]
pub async fn register(name: String, password: String, next: Option<String>) -> Result<PublicUser, AppError> {
    use crate::model::{check_password_length, safe_next, Username};
    use crate::server::{db, names, request::Request, time};
    let req = Request::current()?;
    let next = safe_next(next.as_deref().unwrap_or("/"));
    let form = |e: AppError| req.fail(e, "/register", &[("next", &next), ("name", &name)], "");
    let (state, now) = (&req.state, time::now_unix());
    let limit = state.config.auth.registrations_per_ip_per_hour;
    let ip = req.ip();
    let (recent, oldest) =
        db::limits::since(&state.pool, "register_ip", &ip, now - 3600).await.map_err(crate::api::internal)?;
    if recent >= limit {
        let retry = oldest.map_or(3600, |o| o + 3600 - now).max(1) as u64;
        return Err(form(AppError::RateLimited { retry_after_secs: retry }));
    }
    let username = Username::parse(&name).map_err(|m| form(AppError::validation("name", m)))?;
    names::check_reserved(&username).map_err(|m| form(AppError::validation("name", m)))?;
    check_password_length(&password).map_err(|m| form(AppError::validation("password", m)))?;
    let strength = state.hasher.check_new_password(password.clone(), username.as_str().to_owned()).await?;
    strength.map_err(|m| form(AppError::validation("password", m)))?;
    let (key, skeleton) = (username.key(), names::stored_skeleton(username.as_str()));
    let taken = |c: db::users::NameConflict| form(AppError::validation("name", c.message()));
    if let Some(c) = db::users::conflict(&state.pool, &key, &skeleton).await.map_err(crate::api::internal)? {
        return Err(taken(c));
    }
    let hash = state.hasher.hash(password).await?;
    let user = db::users::create(&state.pool, username.as_str(), &key, &skeleton, &hash, now)
        .await
        .map_err(crate::api::internal)?
        .map_err(taken)?;
    db::limits::record(&state.pool, "register_ip", &ip, now).await.map_err(crate::api::internal)?;
    req.start_session(&user).await?;
    leptos_axum::redirect(&next);
    Ok(user)
}

/// Signs a reader in. Unknown name and wrong password get the same answer in the same time.
#[server(endpoint = "auth/login")]
pub async fn login(name: String, password: String, next: Option<String>) -> Result<PublicUser, AppError> {
    use crate::model::{safe_next, UserId, Username};
    use crate::server::{db, request::Request, time};
    let req = Request::current()?;
    let next = safe_next(next.as_deref().unwrap_or("/"));
    let form = |e: AppError| req.fail(e, "/login", &[("next", &next), ("name", &name)], "");
    let (state, now) = (&req.state, time::now_unix());
    let cfg = &state.config.auth;
    let key = Username::parse(&name).map(|u| u.key()).unwrap_or_else(|_| name.trim().to_lowercase());
    let ip = req.ip();
    let since = now - cfg.login_window_secs;
    for (scope, k, max) in
        [("login_account", &key, cfg.login_failures_per_account), ("login_ip", &ip, cfg.login_failures_per_ip)]
    {
        let (failures, oldest) = db::limits::since(&state.pool, scope, k, since).await.map_err(crate::api::internal)?;
        if failures >= max {
            let retry = oldest.map_or(cfg.login_window_secs, |o| o + cfg.login_window_secs - now).max(1) as u64;
            return Err(form(AppError::RateLimited { retry_after_secs: retry }));
        }
    }
    let found = db::users::credentials(&state.pool, &key).await.map_err(crate::api::internal)?;
    let hash = found.as_ref().and_then(|c| c.password_hash.clone());
    if !state.hasher.verify(hash, password).await? {
        db::limits::record(&state.pool, "login_account", &key, now).await.map_err(crate::api::internal)?;
        db::limits::record(&state.pool, "login_ip", &ip, now).await.map_err(crate::api::internal)?;
        return Err(form(AppError::validation("password", "用户名或密码不正确")));
    }
    let creds = found.ok_or(AppError::Internal)?;
    db::limits::clear(&state.pool, "login_account", &key).await.map_err(crate::api::internal)?;
    let user = PublicUser { id: UserId(creds.id), name: creds.name };
    req.start_session(&user).await?;
    leptos_axum::redirect(&next);
    Ok(user)
}

/// Ends the session on the server and clears the cookie.
#[server(endpoint = "auth/logout")]
pub async fn logout(next: Option<String>) -> Result<(), AppError> {
    use crate::model::safe_next;
    use crate::server::request::Request;
    let req = Request::current()?;
    req.end_session().await?;
    leptos_axum::redirect(&safe_next(next.as_deref().unwrap_or("/")));
    Ok(())
}

/// The signed-in reader, or `None`.
#[server(endpoint = "auth/me")]
pub async fn me() -> Result<Option<PublicUser>, AppError> {
    use crate::server::request::Request;
    Request::current()?.user().await
}
