//! A plain form post (no JavaScript) that fails is sent back to its form's page with the error
//! and what the reader typed in the query, since a browser without JavaScript only shows pages.
//! That query is signed with a site key: a page shows an error, or fills a field, only from a
//! query this server wrote, so a link made elsewhere cannot put words of its choosing on our
//! pages (content spoofing). The key lives in the database (`site_secrets`), so every server
//! process and every restart agrees on it.

use crate::model::SignedQuery;
use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// Bytes of the HMAC-SHA256 tag kept in the address: 128 bits.
const TAG_BYTES: usize = 16;
const SIG: &str = "&sig=";

#[derive(Clone)]
pub struct FormKey(std::sync::Arc<[u8]>);

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

    fn tag(&self, path: &str, query: &str) -> Hmac<Sha256> {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.0).expect("HMAC takes keys of any length");
        mac.update(path.as_bytes());
        mac.update(b"?");
        mac.update(query.as_bytes());
        mac
    }

    /// `path?query&sig=…`: the address of a form page with its signed query.
    pub fn sign(&self, path: &str, query: &str) -> String {
        let tag = self.tag(path, query).finalize().into_bytes();
        let sig = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&tag[..TAG_BYTES]);
        format!("{path}?{query}{SIG}{sig}")
    }

    /// What a signed query says; `None` for an unsigned, altered or foreign one.
    pub fn open(&self, path: &str, query: &str) -> Option<SignedQuery> {
        let (signed, sig) = query.rsplit_once(SIG)?;
        let tag = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(sig).ok()?;
        if tag.len() != TAG_BYTES {
            return None;
        }
        self.tag(path, signed).verify_truncated_left(&tag).ok()?;
        Some(SignedQuery { values: form_urlencoded::parse(signed.as_bytes()).into_owned().collect() })
    }
}

/// The echo of the request being rendered, if its query is one this server signed.
pub fn current() -> Option<SignedQuery> {
    let parts = leptos::prelude::use_context::<axum::http::request::Parts>()?;
    let state = leptos::prelude::use_context::<super::AppState>()?;
    state.form_key.open(parts.uri.path(), parts.uri.query()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signed_query_opens_with_its_values() {
        let key = FormKey::new(b"k");
        let url = key.sign("/login", "field=name&error=%E5%A4%AA%E7%9F%AD&name=ab");
        let (path, query) = url.split_once('?').unwrap();
        let echo = key.open(path, query).expect("signed by this key");
        assert_eq!(echo.get("error").as_deref(), Some("太短"));
        assert_eq!(echo.get("name").as_deref(), Some("ab"));
        assert_eq!(echo.get("field").as_deref(), Some("name"));
    }

    #[test]
    fn an_unsigned_altered_moved_or_foreign_query_says_nothing() {
        let key = FormKey::new(b"k");
        let url = key.sign("/login", "field=form&error=x");
        let (path, query) = url.split_once('?').unwrap();
        assert!(key.open(path, "field=form&error=x").is_none(), "unsigned");
        assert!(key.open(path, &query.replace("error=x", "error=y")).is_none(), "altered");
        assert!(key.open("/register", query).is_none(), "another page");
        assert!(FormKey::new(b"other").open(path, query).is_none(), "another key");
        let (signed, sig) = query.rsplit_once("&sig=").unwrap();
        assert!(key.open(path, &format!("{signed}&sig={}", &sig[..sig.len() - 2])).is_none(), "shortened tag");
        assert!(key.open(path, &format!("{signed}&sig=%%")).is_none(), "garbage tag");
    }
}
