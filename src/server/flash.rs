//! The flash: what a failed plain form post (no JavaScript) is sent back to its form with.
//!
//! A browser without JavaScript only shows pages, so a refused form post is redirected back to
//! the page of its form, which shows the message and fills in what the reader typed (never a
//! password). That text never travels in the address — addresses end up in browser history,
//! proxy and server logs — but in a server-side flash keyed by a cookie:
//!
//! - `Request::fail` leaves the flash (`FormFlash`: field, message, kept values) for this
//!   module's middleware (`layer`), which stores it in `form_flash` under the SHA-256 of a fresh
//!   random 128-bit token, for `FLASH_SECS`, and sets the cookie `jinri_flash` (`__Host-jinri_flash`
//!   over https) = `token.tag`: `HttpOnly; SameSite=Lax; Path=/; Max-Age=60` (+ `Secure` over
//!   https). The tag is HMAC-SHA256 of the token under the site's form key (`site_secrets`), so a
//!   made-up or altered cookie is refused without a database lookup.
//! - The next GET of the flash's own path (the form's page, without its query) with that cookie
//!   takes the flash: one `DELETE … RETURNING`, so it is shown once even to two requests at a
//!   time. The page reads it from the request (`current`, through `pages::flash`), and the
//!   response clears the cookie (`Max-Age=0`). A request for any other page leaves it alone; an
//!   expired flash is never shown and is pruned (on every write, and by the periodic prune task).
//! - Being on the server, a flash has no size limit of its own: a refused comment of 2,000
//!   characters comes back whole. Kept values are cut at `KEPT_MAX_BYTES`, more than any form
//!   field of the site accepts, so a flood of oversized posts cannot fill the disk quickly.
//! - The guest page cache neither serves nor stores a page for a request with the cookie
//!   (`page_cache::cache_key`).

use super::{auth, db, time, AppState};
use crate::model::FormFlash;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::Response;
use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use std::sync::{Arc, Mutex};

/// How long a flash lives, in seconds: the cookie's `Max-Age` and the row's expiry. The
/// browser follows the redirect at once; a minute is room for a slow connection.
pub const FLASH_SECS: i64 = 60;

/// Bytes of the HMAC-SHA256 tag kept in the cookie: 128 bits.
const TAG_BYTES: usize = 16;

/// Longest kept value, in bytes (cut at a character boundary). A 2,000-character comment is at
/// most 8,000 bytes.
pub const KEPT_MAX_BYTES: usize = 8 * 1024;

/// Longest kept value of a newsroom form (`Request::fail_large`): an article's whole body
/// (`model::ARTICLE_BODY_MAX` characters of up to 4 bytes).
pub const KEPT_LARGE_MAX_BYTES: usize = crate::model::ARTICLE_BODY_MAX * 4;

/// Live flashes one client address may hold (`request::client_key`): a reader needs one at a
/// time; past this a refused post comes back with its message only, never an error. With the
/// size cap above, what one address can make the server keep is bounded (~1 MB a minute).
pub const FLASH_PER_CLIENT: i64 = 30;

/// Separates the purpose from the token in what is signed, so a tag made for a flash cookie is
/// good for nothing else the key might sign.
const TAG_CONTEXT: &[u8] = b"jinri form flash\0";

/// The site's key for flash cookies, made once and kept in the database (`site_secrets`,
/// under the name `form_echo`), so every server process and every restart agrees on it.
#[derive(Clone)]
pub struct FormKey(Arc<[u8]>);

impl FormKey {
    pub fn new(secret: &[u8]) -> Self {
        FormKey(secret.into())
    }

    /// A fresh random key, as text for the database.
    pub fn fresh_secret() -> Result<String, getrandom::Error> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes)?;
        Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
    }

    fn mac(&self, token: &str) -> Hmac<Sha256> {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.0).expect("HMAC takes keys of any length");
        mac.update(TAG_CONTEXT);
        mac.update(token.as_bytes());
        mac
    }

    /// `token.tag`: the cookie value for `token`.
    fn seal(&self, token: &str) -> String {
        let tag = self.mac(token).finalize().into_bytes();
        format!("{token}.{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&tag[..TAG_BYTES]))
    }

    /// The token of a cookie value this key sealed; `None` for a made-up or altered one.
    fn open<'a>(&self, value: &'a str) -> Option<&'a str> {
        let (token, tag) = value.split_once('.')?;
        let tag = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(tag).ok()?;
        if token.is_empty() || tag.len() != TAG_BYTES {
            return None;
        }
        self.mac(token).verify_truncated_left(&tag).ok()?;
        Some(token)
    }
}

/// `__Host-` needs `Secure`, so it is used only when the site is served over https.
pub fn cookie_name(state: &AppState) -> &'static str {
    if state.config.https() {
        "__Host-jinri_flash"
    } else {
        "jinri_flash"
    }
}

fn cookie(state: &AppState, value: &str, max_age: i64) -> String {
    let secure = if state.config.https() { "; Secure" } else { "" };
    format!("{}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}", cookie_name(state))
}

/// Whether a request carries a flash cookie at all (checked or not): its page is not the
/// guests' shared page.
pub fn carries_cookie(state: &AppState, headers: &HeaderMap) -> bool {
    auth::cookie_value(headers, cookie_name(state)).is_some()
}

/// Where a server function leaves the flash of a failed plain form post (`Request::fail`) for
/// `layer` to store once the function has answered: the path of the form's page and the flash.
#[derive(Clone, Default)]
pub struct Pending(Arc<Mutex<Option<(String, FormFlash)>>>);

impl Pending {
    /// Keeps `flash` for the page at `path` (the last one left wins).
    pub fn leave(&self, path: &str, mut flash: FormFlash, max: usize) {
        for (_, v) in &mut flash.kept {
            if v.len() > max {
                let mut end = max;
                while !v.is_char_boundary(end) {
                    end -= 1;
                }
                v.truncate(end);
            }
        }
        if let Ok(mut slot) = self.0.lock() {
            *slot = Some((path.to_owned(), flash));
        }
    }

    fn take(&self) -> Option<(String, FormFlash)> {
        self.0.lock().ok()?.take()
    }
}

/// The flash taken for the page being rendered, if any (see `layer`); the page passes it to the
/// browser in its hydration data (`api::site::page_flash`).
pub fn current() -> Option<FormFlash> {
    // Borrowed in place: `use_context` would clone the whole request head for one extension.
    leptos::prelude::with_context::<axum::http::request::Parts, _>(|parts| parts.extensions.get::<FormFlash>().cloned())
        .flatten()
}

/// Middleware: a POST gets a `Pending` slot and, if its function left a flash there, the flash
/// is stored and its cookie set on the answer (a redirect back to the form). A GET with a valid
/// flash cookie takes the flash made for its path into the request, for the page, and clears
/// the cookie. Failures to store or read a flash are logged; the form then comes back empty.
pub async fn layer(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    match *req.method() {
        Method::POST => {
            let peer = req.extensions().get::<axum::extract::ConnectInfo<std::net::SocketAddr>>().map(|c| c.0.ip());
            let client = super::request::client_key(
                peer.unwrap_or(std::net::IpAddr::V6(std::net::Ipv6Addr::UNSPECIFIED)),
                state.config.ipv6_prefix,
            )
            .to_string();
            let pending = Pending::default();
            req.extensions_mut().insert(pending.clone());
            let mut resp = next.run(req).await;
            if let Some((path, flash)) = pending.take() {
                match store(&state, &client, &path, &flash).await {
                    Ok(Some(value)) => append_cookie(&mut resp, &cookie(&state, &value, FLASH_SECS)),
                    Ok(None) => tracing::warn!(path, "form flash not stored: this address holds too many"),
                    Err(e) => tracing::warn!(error = %e, path, "form flash not stored"),
                }
            }
            resp
        }
        Method::GET => {
            let Some(token) = auth::cookie_value(req.headers(), cookie_name(&state))
                .filter(|v| v.len() <= 64)
                .and_then(|v| state.form_key.open(&v).map(str::to_owned))
            else {
                return next.run(req).await;
            };
            let path = req.uri().path().to_owned();
            let taken = match take(&state, &token, &path).await {
                Ok(flash) => flash,
                Err(e) => {
                    tracing::warn!(error = %e, path, "form flash not read");
                    None
                }
            };
            let Some(flash) = taken else { return next.run(req).await };
            req.extensions_mut().insert(flash);
            let mut resp = next.run(req).await;
            append_cookie(&mut resp, &cookie(&state, "", 0));
            resp
        }
        _ => next.run(req).await,
    }
}

fn append_cookie(resp: &mut Response, cookie: &str) {
    if let Ok(v) = HeaderValue::from_str(cookie) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Stores `flash` for `path` under a fresh token; returns the cookie value, or `None` when
/// `client` holds `FLASH_PER_CLIENT` live flashes already.
async fn store(state: &AppState, client: &str, path: &str, flash: &FormFlash) -> Result<Option<String>, BoxError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes)?;
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let payload = serde_json::to_string(flash)?;
    let now = time::now_unix();
    let hash = auth::token_hash(&token);
    let stored =
        db::flash::insert(&state.pool, &hash, client, path, &payload, now, now + FLASH_SECS, FLASH_PER_CLIENT).await?;
    Ok(stored.then(|| state.form_key.seal(&token)))
}

/// The live flash of `token` made for `path`, deleted as it is read.
async fn take(state: &AppState, token: &str, path: &str) -> Result<Option<FormFlash>, BoxError> {
    let payload = db::flash::take(&state.pool, &auth::token_hash(token), path, time::now_unix()).await?;
    Ok(payload.map(|p| serde_json::from_str(&p)).transpose()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_token_opens_and_an_altered_or_foreign_one_does_not() {
        let key = FormKey::new(b"k");
        let value = key.seal("abc");
        assert_eq!(key.open(&value), Some("abc"));
        let (token, tag) = value.split_once('.').unwrap();
        assert!(key.open(&format!("abd.{tag}")).is_none(), "altered token");
        assert!(key.open(&format!("{token}.{}", &tag[..tag.len() - 2])).is_none(), "shortened tag");
        assert!(key.open(&format!("{token}.AAAAAAAAAAAAAAAAAAAAAA")).is_none(), "made-up tag");
        assert!(key.open(&format!("{token}.%%")).is_none(), "garbage tag");
        assert!(key.open(token).is_none(), "no tag");
        assert!(key.open(&format!(".{tag}")).is_none(), "no token");
        assert!(FormKey::new(b"other").open(&value).is_none(), "another key");
    }

    #[test]
    fn kept_values_are_cut_at_a_character_boundary() {
        let pending = Pending::default();
        let long = "长".repeat(KEPT_MAX_BYTES);
        let kept = vec![("body".to_owned(), long), ("name".to_owned(), "ab".to_owned())];
        pending.leave("/x", FormFlash { field: "body".into(), message: "m".into(), kept }, KEPT_MAX_BYTES);
        let (path, flash) = pending.take().unwrap();
        assert_eq!(path, "/x");
        let body = flash.get("body").unwrap();
        assert!(body.len() <= KEPT_MAX_BYTES && body.len() > KEPT_MAX_BYTES - 4 && body.chars().all(|c| c == '长'));
        assert_eq!(flash.get("name").as_deref(), Some("ab"));
        assert!(pending.take().is_none());
    }
}
