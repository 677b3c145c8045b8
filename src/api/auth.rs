//! Accounts: register, log in, log out, who am I. Every mutation is a POST (server functions'
//! default) and passes the same-origin check in `server::routes`.

use crate::model::{AppError, PublicUser, Viewer};
use leptos::prelude::*;

/// The address a refused plain form post returns to: the form's page with the return path
/// (`next`, a same-site path the reader chose by following a link), which the page keeps in its
/// form. What the reader typed goes in the flash (`Request::fail`), never here.
#[cfg(feature = "ssr")]
fn form_page(path: &str, next: &str) -> String {
    if next == "/" {
        path.to_owned()
    } else {
        format!("{path}?next={}", crate::model::encode_query(next))
    }
}

/// Creates an account, signs the reader in and sends them back to `next` (a same-site path).
#[server(endpoint = "auth/register")]
pub async fn register(name: String, password: String, next: Option<String>) -> Result<PublicUser, AppError> {
    use crate::model::{check_password_length, safe_next, Username};
    use crate::server::{db, names, request::Request, time};
    let req = Request::current()?;
    let next = safe_next(next.as_deref().unwrap_or("/"));
    let page = form_page("/register", &next);
    let form = |e: AppError| req.fail(e, &page, &[("name", &name)], "");
    let (state, now) = (&req.state, time::now_unix());
    let username = Username::parse(&name).map_err(|m| form(AppError::validation("name", m)))?;
    names::check_reserved(&username).map_err(|m| form(AppError::validation("name", m)))?;
    check_password_length(&password).map_err(|m| form(AppError::validation("password", m)))?;
    let client = req.client().to_string();
    // The strength check costs up to ~50 ms of CPU: it is counted per address (and never
    // given back), ten times the registration limit, so refused passwords cannot be sent
    // without end while an honest reader has room for many tries.
    let tries_per_hour = state.config.auth.registrations_per_ip_per_hour.saturating_mul(10);
    let tries = [db::limits::Limit::new("register_try_ip", &client, 3600, tries_per_hour)];
    if let Err(retry_after_secs) = db::limits::take(&state.pool, &tries, now).await.map_err(crate::api::internal)? {
        return Err(form(AppError::RateLimited { retry_after_secs }));
    }
    let strength = state.hasher.check_new_password(password.clone(), username.as_str().to_owned()).await?;
    strength.map_err(|m| form(AppError::validation("password", m)))?;
    let (key, skeleton) = (username.key(), names::stored_skeleton(username.as_str()));
    let taken = |c: db::users::NameConflict| form(AppError::validation("name", c.message()));
    if let Some(c) = db::users::conflict(&state.pool, &key, &skeleton).await.map_err(crate::api::internal)? {
        return Err(taken(c));
    }
    // The slot is taken (counted and recorded in one step) before the slow hash, so a burst of
    // registrations gets no more than the limit; typos above cost none.
    let limit = [db::limits::Limit::new("register_ip", &client, 3600, state.config.auth.registrations_per_ip_per_hour)];
    let slot = match db::limits::take(&state.pool, &limit, now).await.map_err(crate::api::internal)? {
        Ok(slot) => slot,
        Err(retry_after_secs) => return Err(form(AppError::RateLimited { retry_after_secs })),
    };
    let created = match state.hasher.hash(password).await {
        Ok(hash) => db::users::create(&state.pool, username.as_str(), &key, &skeleton, &hash, now)
            .await
            .map_err(crate::api::internal),
        Err(e) => Err(e),
    };
    let outcome = match created {
        Ok(Ok(user)) => Ok(user),
        Ok(Err(conflict)) => Err(taken(conflict)),
        Err(e) => Err(e),
    };
    let user = match outcome {
        Ok(user) => user,
        // No account was made (the name was taken meanwhile, or the server failed): the
        // attempt does not count.
        Err(e) => {
            db::limits::give_back(&state.pool, &slot.rows).await.map_err(crate::api::internal)?;
            return Err(e);
        }
    };
    req.start_session(&user).await?;
    leptos_axum::redirect(&next, false);
    Ok(user)
}

/// Signs a reader in. Unknown name and wrong password get the same answer in the same time.
#[server(endpoint = "auth/login")]
pub async fn login(name: String, password: String, next: Option<String>) -> Result<PublicUser, AppError> {
    use crate::model::{safe_next, UserId, Username};
    use crate::server::{db, request::Request, time};
    let req = Request::current()?;
    let next = safe_next(next.as_deref().unwrap_or("/"));
    let page = form_page("/login", &next);
    let form = |e: AppError| req.fail(e, &page, &[("name", &name)], "");
    // An empty field is named in Chinese beside it, before anything is counted or hashed.
    if let Err((field, message)) = crate::model::login_fields_filled(&name, &password) {
        return Err(form(AppError::validation(field, message)));
    }
    let (state, now) = (&req.state, time::now_unix());
    let cfg = &state.config.auth;
    let key = Username::parse(&name).map(|u| u.key()).unwrap_or_else(|_| name.trim().to_lowercase());
    // Every attempt is counted as a failure before the hash (so a burst cannot outrun the
    // limits) and given back if the password is right. Failures are limited per account *from
    // one client* and per client: strangers elsewhere cannot lock the owner out. Per account
    // from anywhere they only slow every attempt down past a much higher ceiling.
    let client = req.client().to_string();
    let pair = format!("{client}|{key}");
    let window = cfg.login_window_secs;
    let limits = [
        db::limits::Limit::new("login_pair", &pair, window, cfg.login_failures_per_account),
        db::limits::Limit::new("login_ip", &client, window, cfg.login_failures_per_ip),
        db::limits::Limit::count_only("login_account", &key, window),
    ];
    let slot = match db::limits::take(&state.pool, &limits, now).await.map_err(crate::api::internal)? {
        Ok(slot) => slot,
        Err(retry_after_secs) => return Err(form(AppError::RateLimited { retry_after_secs })),
    };
    if slot.counts[2] >= cfg.login_delay_after_account_failures {
        // Waits without a hash permit: the slowed attempts do not hold up anyone else's login.
        tokio::time::sleep(std::time::Duration::from_millis(cfg.login_delay_ms)).await;
    }
    let checked = async {
        let found = db::users::credentials(&state.pool, &key).await.map_err(crate::api::internal)?;
        let hash = found.as_ref().and_then(|c| c.password_hash.clone());
        Ok::<_, AppError>((state.hasher.verify(hash, password).await?, found))
    }
    .await;
    let found = match checked {
        Ok((false, _)) => return Err(form(AppError::validation("password", "用户名或密码不正确"))),
        // Right, or not checked at all (a failure of the server): not a failed login.
        Ok((true, found)) => {
            db::limits::give_back(&state.pool, &slot.rows).await.map_err(crate::api::internal)?;
            found
        }
        Err(e) => {
            db::limits::give_back(&state.pool, &slot.rows).await.map_err(crate::api::internal)?;
            return Err(e);
        }
    };
    let creds = found.ok_or(AppError::Internal)?;
    // The owner's own earlier typos from this client are forgiven; the account's count from
    // anywhere stays until its window passes (it measures how hard the account is attacked).
    db::limits::clear(&state.pool, "login_pair", &pair).await.map_err(crate::api::internal)?;
    let user = PublicUser { id: UserId(creds.id), name: creds.name };
    req.start_session(&user).await?;
    leptos_axum::redirect(&next, false);
    Ok(user)
}

/// Ends the session on the server and clears the cookie.
#[server(endpoint = "auth/logout")]
pub async fn logout(next: Option<String>) -> Result<(), AppError> {
    use crate::model::safe_next;
    use crate::server::request::Request;
    let req = Request::current()?;
    req.end_session().await?;
    leptos_axum::redirect(&safe_next(next.as_deref().unwrap_or("/")), false);
    Ok(())
}

/// The signed-in reader with their newsroom roles, or `None`.
#[server(endpoint = "auth/me")]
pub async fn me() -> Result<Option<Viewer>, AppError> {
    use crate::server::request::Request;
    Request::current()?.viewer().await
}
