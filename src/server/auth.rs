//! Passwords, session tokens and cookies.

use super::{db, AppState};
use crate::model::{AppError, PublicUser};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use axum::http::HeaderMap;
use base64::Engine;
use sha2::{Digest, Sha256};
use std::sync::{Arc, OnceLock};
use tokio::sync::Semaphore;

/// The 1,000 most common passwords (OWASP SecLists, CC BY-SA 3.0), one a line.
const COMMON_PASSWORDS: &str = include_str!("common_passwords.txt");

/// Argon2id with OWASP's minimum: m=19 MiB, t=2, p=1.
fn argon2() -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::new(19 * 1024, 2, 1, None).expect("valid argon2 params"))
}

/// Hashing costs ~20 ms of CPU and 19 MiB: it runs on blocking threads, at most
/// `auth.hash_concurrency` at a time, so a login flood queues instead of starving pages.
#[derive(Clone)]
pub struct Hasher {
    permits: Arc<Semaphore>,
}

impl Hasher {
    pub fn new(concurrency: usize) -> Self {
        Hasher { permits: Arc::new(Semaphore::new(concurrency.max(1))) }
    }

    async fn run<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> Result<T, AppError> {
        let _permit = self.permits.acquire().await.map_err(crate::api::internal)?;
        tokio::task::spawn_blocking(work).await.map_err(crate::api::internal)
    }

    pub async fn hash(&self, password: String) -> Result<String, AppError> {
        self.run(move || {
            let mut salt = [0u8; 16];
            getrandom::fill(&mut salt).map_err(|e| e.to_string())?;
            let salt = SaltString::encode_b64(&salt).map_err(|e| e.to_string())?;
            argon2().hash_password(password.as_bytes(), &salt).map(|h| h.to_string()).map_err(|e| e.to_string())
        })
        .await?
        .map_err(crate::api::internal)
    }

    /// Checks a password. With no hash (unknown name, or an account that cannot sign in) it
    /// verifies against a dummy hash, so every failure takes the same time.
    pub async fn verify(&self, hash: Option<String>, password: String) -> Result<bool, AppError> {
        let known = hash.is_some();
        let dummy = dummy_hash().to_owned();
        let ok = self
            .run(move || {
                let hash = hash.unwrap_or(dummy);
                PasswordHash::new(&hash)
                    .map(|h| argon2().verify_password(password.as_bytes(), &h).is_ok())
                    .unwrap_or(false)
            })
            .await?;
        Ok(ok && known)
    }
}

fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let salt = SaltString::encode_b64(b"jinri-dummy-salt").expect("static salt");
        argon2().hash_password(b"no password matches this", &salt).expect("hashing works").to_string()
    })
}

pub fn is_common_password(password: &str) -> bool {
    let p = password.to_lowercase();
    COMMON_PASSWORDS.lines().any(|l| l == p)
}

/// A new session token (256 random bits, URL-safe) and the hash that is stored.
pub fn new_token() -> Result<(String, String), AppError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(crate::api::internal)?;
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let hash = token_hash(&token);
    Ok((token, hash))
}

/// Only this hash is stored: a copy of the database does not let anyone sign in.
pub fn token_hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest)
}

/// `__Host-` needs `Secure`, so it is used only when the site is served over https.
pub fn cookie_name(state: &AppState) -> &'static str {
    if state.config.https() {
        "__Host-jinri_session"
    } else {
        "jinri_session"
    }
}

pub fn session_cookie(state: &AppState, token: &str) -> String {
    let max_age = state.config.auth.session_max_secs;
    let secure = if state.config.https() { "; Secure" } else { "" };
    format!("{}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}", cookie_name(state))
}

pub fn clear_cookie(state: &AppState) -> String {
    let secure = if state.config.https() { "; Secure" } else { "" };
    format!("{}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}", cookie_name(state))
}

/// The session token sent with a request, if any.
pub fn session_token(state: &AppState, headers: &HeaderMap) -> Option<String> {
    let name = cookie_name(state);
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
        .filter(|v| !v.is_empty() && v.len() <= 64)
}

/// The signed-in reader of a request, if the session is valid (idle and absolute limits).
pub async fn current_user(state: &AppState, headers: &HeaderMap) -> Result<Option<PublicUser>, AppError> {
    let Some(token) = session_token(state, headers) else { return Ok(None) };
    let auth = &state.config.auth;
    db::sessions::find(
        &state.pool,
        &token_hash(&token),
        super::time::now_unix(),
        auth.session_idle_secs,
        auth.session_max_secs,
    )
    .await
    .map_err(crate::api::internal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_common_password_list_has_a_thousand_entries() {
        assert_eq!(COMMON_PASSWORDS.lines().count(), 1000);
        assert!(is_common_password("password"));
        assert!(is_common_password("PASSWORD"));
        assert!(is_common_password("12345678"));
        assert!(!is_common_password("今日新闻真好看2021"));
    }

    #[test]
    fn tokens_are_random_and_only_their_hash_is_kept() {
        let (a, ha) = new_token().unwrap();
        let (b, _) = new_token().unwrap();
        assert_ne!(a, b);
        assert!(a.len() >= 43, "256 bits in base64");
        assert_eq!(token_hash(&a), ha);
        assert_ne!(ha, a);
    }

    #[tokio::test]
    async fn a_hashed_password_verifies_and_a_wrong_one_does_not() {
        let h = Hasher::new(1);
        let hash = h.hash("correct horse battery".into()).await.unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(h.verify(Some(hash.clone()), "correct horse battery".into()).await.unwrap());
        assert!(!h.verify(Some(hash), "wrong horse battery".into()).await.unwrap());
        assert!(!h.verify(None, "no password matches this".into()).await.unwrap());
    }
}
