//! What a server function knows about the request it serves.

use super::{auth, db, time, AppState};
use crate::model::{AppError, FormFlash, PublicUser, Role, Viewer};
use axum::extract::ConnectInfo;
use axum::http::{header, request::Parts, HeaderValue, StatusCode};
use leptos::prelude::{use_context, with_context};
use leptos_axum::ResponseOptions;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};

pub struct Request {
    pub state: AppState,
    response: ResponseOptions,
    /// What the functions below read of the request, taken from its parts in the Leptos
    /// context when `current` is called. Not the parts themselves: `use_context` would clone
    /// them, every header map and extension (two dozen allocations; a page calls `current`
    /// from several of its functions).
    peer: Option<IpAddr>,
    accepts_html: bool,
    session_token: Option<String>,
    pending: Option<super::flash::Pending>,
    memo: Option<ViewerMemo>,
}

impl Request {
    pub fn current() -> Result<Request, AppError> {
        let state = AppState::current()?;
        let response = use_context::<ResponseOptions>().ok_or(AppError::Internal)?;
        let (peer, accepts_html, session_token, pending, memo) = with_context::<Parts, _>(|parts| {
            (
                parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip()),
                parts
                    .headers
                    .get(header::ACCEPT)
                    .and_then(|v| v.to_str().ok())
                    .is_some_and(|v| v.contains("text/html")),
                auth::session_token(&state, &parts.headers),
                parts.extensions.get::<super::flash::Pending>().cloned(),
                parts.extensions.get::<ViewerMemo>().cloned(),
            )
        })
        .ok_or(AppError::Internal)?;
        Ok(Request { state, response, peer, accepts_html, session_token, pending, memo })
    }

    /// The client as every per-address limit counts it (`client_key` of the TCP peer, or of the
    /// address a trusted proxy forwarded: `server::proxies`).
    pub fn client(&self) -> ClientKey {
        // Without a peer address (never so with our listeners) all such requests share one key.
        client_key(self.peer.unwrap_or(IpAddr::V6(Ipv6Addr::UNSPECIFIED)), self.state.config.ipv6_prefix)
    }

    /// A plain HTML form post (no JavaScript) rather than a call from the browser bundle.
    pub fn is_plain_form(&self) -> bool {
        self.accepts_html
    }

    /// Sends a plain form post on to `url`; calls from the bundle update the page in place.
    pub fn redirect_plain_form(&self, url: &str) {
        if self.is_plain_form() {
            leptos_axum::redirect(url, false);
        }
    }

    pub fn set_cookie(&self, cookie: &str) {
        if let Ok(v) = HeaderValue::from_str(cookie) {
            self.response.append_header(header::SET_COOKIE, v);
        }
    }

    /// Prepares an error reply. Calls from the bundle get the status that fits the error; a
    /// plain form post is sent back to the page of its form (`page`: its path, with only the
    /// query that page needs — a return path, a reply target — then `#anchor`), since a browser
    /// without JavaScript shows only pages. The message and what the reader typed (`keep`,
    /// never a password) go in a flash the page reads once (`server::flash`), never in the
    /// address.
    pub fn fail(&self, error: AppError, page: &str, keep: &[(&str, &str)], anchor: &str) -> AppError {
        self.fail_keeping(error, page, keep, anchor, super::flash::KEPT_MAX_BYTES)
    }

    /// `fail` for a form of the newsroom, whose article body is longer than any reader's field:
    /// its values are kept up to `flash::KEPT_LARGE_MAX_BYTES`. Only for a caller whose role was
    /// checked (it lets one request make the server keep more).
    pub fn fail_large(&self, error: AppError, page: &str, keep: &[(&str, &str)], anchor: &str) -> AppError {
        self.fail_keeping(error, page, keep, anchor, super::flash::KEPT_LARGE_MAX_BYTES)
    }

    fn fail_keeping(&self, error: AppError, page: &str, keep: &[(&str, &str)], anchor: &str, max: usize) -> AppError {
        if self.is_plain_form() {
            let field = match &error {
                AppError::Validation { field, .. } => field.as_str(),
                _ => "form",
            };
            let flash = FormFlash {
                field: field.to_owned(),
                message: error.to_string(),
                kept: keep.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
            };
            let path = page.split(['?', '#']).next().unwrap_or(page);
            if let Some(pending) = &self.pending {
                pending.leave(path, flash, max);
            }
            leptos_axum::redirect(&format!("{page}{anchor}"), false);
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

    /// The signed-in reader, looked up once per request (`ViewerMemo`): a page render asks for
    /// it from the header and from the comment list at the same time.
    pub async fn user(&self) -> Result<Option<PublicUser>, AppError> {
        Ok(self.viewer().await?.map(|v| v.public()))
    }

    /// The signed-in reader with the roles they hold now (`user`, with roles).
    pub async fn viewer(&self) -> Result<Option<Viewer>, AppError> {
        let token = self.session_token.as_deref();
        let Some(memo) = &self.memo else {
            return auth::session_user(&self.state, token).await;
        };
        let mut slot = memo.0.lock().await;
        if let Some(viewer) = &*slot {
            return Ok(viewer.clone());
        }
        let viewer = auth::session_user(&self.state, token).await?;
        *slot = Some(viewer.clone());
        Ok(viewer)
    }

    /// The signed-in reader if they may act as `role` (hold it, or are an admin); checked on
    /// the server for every newsroom action. A visitor is `Unauthorized` (401), a reader
    /// without the role `NotPermitted` (403).
    pub async fn require(&self, role: Role) -> Result<Viewer, AppError> {
        match self.viewer().await? {
            None => Err(AppError::Unauthorized),
            Some(v) if v.roles.may(role) => Ok(v),
            Some(_) => Err(AppError::NotPermitted),
        }
    }

    /// The signed-in reader if not banned now; a banned reader is told until when and why
    /// (`AppError::Banned`), a visitor `Unauthorized`.
    pub async fn active_reader(&self) -> Result<Viewer, AppError> {
        let Some(viewer) = self.viewer().await? else { return Err(AppError::Unauthorized) };
        if let Some(ban) = &viewer.ban {
            let tz = self.state.config.site.timezone;
            let until = (ban.until < crate::model::BAN_FOREVER).then(|| time::date_time(tz, ban.until));
            return Err(AppError::Banned(crate::model::ban_message(until.as_deref(), &ban.reason)));
        }
        Ok(viewer)
    }

    /// What `viewer` answers for the rest of this request, after the session changed.
    async fn remember(&self, viewer: Option<Viewer>) {
        if let Some(memo) = &self.memo {
            *memo.0.lock().await = Some(viewer);
        }
    }

    /// Signs `user` in with a fresh token (a new one on every login), replacing any session
    /// this browser had.
    pub async fn start_session(&self, user: &PublicUser) -> Result<(), AppError> {
        self.end_session_quietly().await?;
        let (token, hash) = auth::new_token()?;
        db::sessions::create(&self.state.pool, &hash, user.id, time::now_unix()).await.map_err(crate::api::internal)?;
        self.set_cookie(&auth::session_cookie(&self.state, &token));
        let roles = db::roles::of(&self.state.pool, user.id).await.map_err(crate::api::internal)?;
        // The rest of a sign-in request only draws the page; the actions a ban forbids are
        // requests of their own, which read the ban with the session.
        self.remember(Some(Viewer { id: user.id, name: user.name.clone(), roles, ban: None })).await;
        Ok(())
    }

    async fn end_session_quietly(&self) -> Result<(), AppError> {
        if let Some(token) = &self.session_token {
            db::sessions::delete(&self.state.pool, &auth::token_hash(token)).await.map_err(crate::api::internal)?;
        }
        Ok(())
    }

    /// Deletes the session on the server and clears the cookie.
    pub async fn end_session(&self) -> Result<(), AppError> {
        self.end_session_quietly().await?;
        self.set_cookie(&auth::clear_cookie(&self.state));
        self.remember(None).await;
        Ok(())
    }
}

/// The reader a request's session belongs to, once looked up (`Request::user`): put in every
/// request's extensions by `memo_viewer`, so each server function of one page render shares
/// it (leptos_axum hands them the request's parts, extensions included). The lock is held
/// during the lookup, so functions running at once wait for one lookup rather than each
/// making their own.
#[derive(Clone, Default)]
pub struct ViewerMemo(std::sync::Arc<tokio::sync::Mutex<Option<Option<Viewer>>>>);

pub async fn memo_viewer(mut req: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
    req.extensions_mut().insert(ViewerMemo::default());
    next.run(req).await
}

/// A client as the per-address limits count it: an IPv4 address, or the IPv6 network of
/// `prefix` bits around an IPv6 address (one subscriber is usually given a whole /64, and
/// would otherwise have 2^64 addresses to spread an attack over).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ClientKey {
    addr: IpAddr,
    prefix: u8,
}

/// The one place that decides which client a peer address belongs to; registrations, failed
/// logins and live streams are all counted per `ClientKey`. An IPv4-mapped IPv6 address
/// (`::ffff:a.b.c.d`, from a dual-stack listener) is that IPv4 address.
pub fn client_key(ip: IpAddr, ipv6_prefix: u8) -> ClientKey {
    match ip {
        IpAddr::V4(v4) => ClientKey { addr: IpAddr::V4(v4), prefix: 32 },
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => ClientKey { addr: IpAddr::V4(v4), prefix: 32 },
            None => {
                let prefix = ipv6_prefix.clamp(1, 128);
                let mask = u128::MAX << (128 - u32::from(prefix));
                ClientKey { addr: IpAddr::V6(Ipv6Addr::from(u128::from(v6) & mask)), prefix }
            }
        },
    }
}

impl std::fmt::Display for ClientKey {
    /// `192.0.2.7`, `2001:db8:1:2::/64`, or a whole IPv6 address when the prefix is 128.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.addr {
            IpAddr::V6(_) if self.prefix < 128 => write!(f, "{}/{}", self.addr, self.prefix),
            addr => write!(f, "{addr}"),
        }
    }
}

/// The HTTP status that fits an error: 4xx for what the reader can change, 500 only for
/// failures of the server itself.
pub fn status_of(error: &AppError) -> StatusCode {
    match error {
        AppError::Unauthorized => StatusCode::UNAUTHORIZED,
        AppError::Forbidden | AppError::NotPermitted => StatusCode::FORBIDDEN,
        AppError::NotFound => StatusCode::NOT_FOUND,
        AppError::Validation { .. } => StatusCode::BAD_REQUEST,
        AppError::Conflict(_) => StatusCode::CONFLICT,
        AppError::Banned(_) => StatusCode::FORBIDDEN,
        AppError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
        AppError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        AppError::Internal | AppError::Network(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(ip: &str, prefix: u8) -> ClientKey {
        client_key(ip.parse().unwrap(), prefix)
    }

    #[test]
    fn two_addresses_in_one_ipv6_64_are_one_client_and_other_64s_are_not() {
        let a = key("2001:db8:1:2:aaaa::1", 64);
        assert_eq!(a, key("2001:db8:1:2:ffff:ffff:ffff:ffff", 64));
        assert_ne!(a, key("2001:db8:1:3::1", 64));
        assert_ne!(a, key("2001:db8:2:2::1", 64));
        assert_eq!(a.to_string(), "2001:db8:1:2::/64");
    }

    #[test]
    fn the_configured_ipv6_prefix_decides_how_wide_a_client_is() {
        assert_eq!(key("2001:db8:1:2::1", 48), key("2001:db8:1:ffff::1", 48));
        assert_ne!(key("2001:db8:1:2::1", 48), key("2001:db8:2:2::1", 48));
        assert_ne!(key("2001:db8:1:2::1", 128), key("2001:db8:1:2::2", 128));
        assert_eq!(key("2001:db8:1:2::1", 128).to_string(), "2001:db8:1:2::1");
        assert_eq!(key("2001:db8:1:2::1", 56).to_string(), "2001:db8:1::/56");
        // Out-of-range prefixes (the configuration refuses them) still give a sane key.
        assert_eq!(key("8000::1", 0), key("8fff::1", 1));
    }

    #[test]
    fn an_ipv4_mapped_ipv6_address_counts_as_the_ipv4_address() {
        assert_eq!(key("::ffff:192.0.2.7", 64), key("192.0.2.7", 64));
        assert_eq!(key("::ffff:192.0.2.7", 64).to_string(), "192.0.2.7");
        assert_ne!(key("192.0.2.7", 64), key("192.0.2.8", 64), "IPv4 addresses are counted one by one");
    }
}
