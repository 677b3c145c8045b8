//! Passwords, session tokens and cookies.

use super::{db, AppState};
use crate::model::{AppError, Viewer};
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

    /// `check_new_password` on the same blocking threads and under the same limit as hashing:
    /// it costs up to tens of milliseconds of CPU.
    pub async fn check_new_password(&self, password: String, name: String) -> Result<Result<(), String>, AppError> {
        self.run(move || check_new_password(&password, &name)).await
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

/// zxcvbn reads no more than this many characters of a password. Its cost grows steeply with
/// length when the password is full of characters that could stand for letters (`1`, `|`, `7`,
/// `!`, `$`…): 128 such characters took ~0.5 s of CPU in a release build (zxcvbn itself stops
/// at 100), 32 take at most ~50 ms (`strength_check_of_a_long_hostile_password_is_bounded`).
/// A password whose first 32 characters are strong is strong.
pub const STRENGTH_MAX_CHARS: usize = 32;

/// The lowest zxcvbn score (0-4) a new password needs: 2 is about 10^8 guesses, beyond an
/// online attack and the lists of leaked passwords zxcvbn carries (30,000 passwords, and
/// English words, names and TV words).
pub const MIN_STRENGTH_SCORE: u8 = 2;

const COMMON_MESSAGE: &str = "这个密码太常见，很容易被猜中，请换一个";

/// Judges a new password (registration only; sign-in never does): not in the common list, and
/// a zxcvbn score of at least `MIN_STRENGTH_SCORE`, with the reader's name (and the site's)
/// as words an attacker would try first. The message says why, in Chinese.
pub fn check_new_password(password: &str, name: &str) -> Result<(), String> {
    if is_common_password(password) {
        return Err(COMMON_MESSAGE.to_owned());
    }
    let analysed: String = password.chars().take(STRENGTH_MAX_CHARS).collect();
    let inputs = user_inputs(name);
    let refs: Vec<&str> = inputs.iter().map(String::as_str).collect();
    let estimate = zxcvbn::zxcvbn(&analysed, &refs);
    if u8::from(estimate.score()) >= MIN_STRENGTH_SCORE {
        return Ok(());
    }
    let has_name = estimate.sequence().iter().any(|m| {
        matches!(&m.pattern, zxcvbn::matching::patterns::MatchPattern::Dictionary(d) if inputs.contains(&d.matched_word))
    });
    Err(weak_reason(has_name, estimate.feedback().and_then(|f| f.warning())).to_owned())
}

/// The reader's name, its parts of three or more characters (split at `_`, `-` and between
/// Chinese and Latin), and the site's name: all lower case, as zxcvbn compares them.
fn user_inputs(name: &str) -> Vec<String> {
    let lower = name.trim().to_lowercase();
    let mut inputs = vec![lower.clone(), "jinri".to_owned(), "今日".to_owned()];
    let mut part = String::new();
    let mut last_ascii = None;
    for c in lower.chars().chain(['_']) {
        let ascii = c.is_ascii();
        if c == '_' || c == '-' || last_ascii.is_some_and(|a| a != ascii) {
            if part.chars().count() >= 3 && !inputs.contains(&part) {
                inputs.push(part.clone());
            }
            part.clear();
        }
        if c != '_' && c != '-' {
            part.push(c);
        }
        last_ascii = Some(ascii);
    }
    inputs
}

fn weak_reason(has_name: bool, warning: Option<zxcvbn::feedback::Warning>) -> &'static str {
    use zxcvbn::feedback::Warning::*;
    if has_name {
        return "密码包含用户名，很容易被猜中，请换一个";
    }
    match warning {
        Some(
            ThisIsATop10Password | ThisIsATop100Password | ThisIsACommonPassword | ThisIsSimilarToACommonlyUsedPassword,
        ) => COMMON_MESSAGE,
        Some(
            StraightRowsOfKeysAreEasyToGuess
            | ShortKeyboardPatternsAreEasyToGuess
            | RepeatsLikeAaaAreEasyToGuess
            | RepeatsLikeAbcAbcAreOnlySlightlyHarderToGuess
            | SequencesLikeAbcAreEasyToGuess,
        ) => "这个密码的规律太明显（如 123、abc、键盘上连着的字母、重复的字符），很容易被猜中，请换一个",
        Some(RecentYearsAreEasyToGuess | DatesAreOftenEasyToGuess) => {
            "年份和日期很容易被猜中，请用更长的密码或几个不相关的词"
        }
        Some(
            AWordByItselfIsEasyToGuess
            | NamesAndSurnamesByThemselvesAreEasyToGuess
            | CommonNamesAndSurnamesAreEasyToGuess,
        ) => "单个词或名字很容易被猜中，请再加几个不相关的词",
        _ => "这个密码太容易被猜中，请用更长的密码或几个不相关的词",
    }
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
    cookie_value(headers, cookie_name(state)).filter(|v| v.len() <= 64)
}

/// The value of the first cookie `name` a request carries, if it is not empty.
pub fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
        .filter(|v| !v.is_empty())
}

/// The signed-in reader of a request with their roles, if the session is valid (idle and
/// absolute limits).
pub async fn current_user(state: &AppState, headers: &HeaderMap) -> Result<Option<Viewer>, AppError> {
    session_user(state, session_token(state, headers).as_deref()).await
}

/// `current_user` of a request whose session token (`session_token`) was read already.
pub async fn session_user(state: &AppState, token: Option<&str>) -> Result<Option<Viewer>, AppError> {
    let Some(token) = token else { return Ok(None) };
    let auth = &state.config.auth;
    db::sessions::find(
        &state.pool,
        &token_hash(token),
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
    fn weak_passwords_are_refused_with_a_reason_in_chinese() {
        for (password, name, says) in [
            ("password123", "reader_li", "常见"),
            ("12345678", "reader_li", "常见"),
            ("qwertyuiop", "reader_li", "常见"),
            ("reader_li123", "reader_li", "用户名"),
            ("Melan_小黑鸟123", "Melan_小黑鸟", "用户名"),
            ("melan2021", "Melan_小黑鸟", "用户名"),
            ("zxcvbnm,./", "reader_li", "规律"),
            ("abcdefghijk", "reader_li", "规律"),
            ("aaaaaaaaaaaa", "reader_li", "规律"),
            ("jinri2021", "reader_li", "用户名"),
        ] {
            let err = check_new_password(password, name).expect_err(password);
            assert!(err.contains(says), "{password:?}: {err}");
            assert!(err.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "{err}");
        }
    }

    #[test]
    fn strong_passwords_are_accepted() {
        for password in ["今日新闻真好看2021", "correct horse battery staple", "q7Vd#k2LmZ9x!pR4", "Xk9#mQ2vLp7$wR4z"]
        {
            assert_eq!(check_new_password(password, "reader_li"), Ok(()), "{password:?}");
        }
        // A random 16-character string, fresh each run.
        let mut bytes = [0u8; 16];
        getrandom::fill(&mut bytes).unwrap();
        let random: String = bytes.iter().map(|b| (b'!' + b % 94) as char).collect();
        assert_eq!(check_new_password(&random, "reader_li"), Ok(()), "{random:?}");
    }

    /// Every password that a test suite or benchmark registers with (tests/, end2end/tests/,
    /// bench/), with the names it registers. Change both together.
    #[test]
    fn every_password_the_test_suites_register_with_passes() {
        let suites = [
            (
                "今日新闻真好看2021",
                &[
                    "Sammie傻咪2",
                    "new_reader",
                    "kill_test",
                    "锁住的读者",
                    "评论者甲",
                    "读者甲",
                    "Reader_乙",
                    "直播读者A",
                    "捣乱的读者",
                    "回到表单的读者",
                    "常来的读者",
                    "无脚本评论者",
                ][..],
            ),
            ("soak-password-2021", &["sk1u1", "sk1n123456"][..]),
            ("bench-password-2021", &["bench_reader", "bench_poster_1", "bench12345"][..]),
            ("Scan-pass-4711-x", &["scanner", "scanner_out", "scanreg", "scanregform"][..]),
        ];
        for (password, names) in suites {
            for name in names {
                assert_eq!(check_new_password(password, name), Ok(()), "{password:?} as {name:?}");
            }
        }
    }

    /// zxcvbn's cost on 128-character passwords made to be slow (characters that stand for
    /// letters), and on ordinary ones. Before the 32-character cap such a password took
    /// ~0.5 s in a release build; now the whole check stays within tens of milliseconds.
    #[test]
    fn strength_check_of_a_long_hostile_password_is_bounded() {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut random = |alphabet: &[u8]| -> String {
            (0..128)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    alphabet[(seed % alphabet.len() as u64) as usize] as char
                })
                .collect()
        };
        let leet = random(b"4@8({[<3ea6910!|l1ts5$7+2%");
        let printable = random(&(b'!'..=b'~').collect::<Vec<_>>());
        let mut worst = std::time::Duration::ZERO;
        for password in [leet, printable, "a".repeat(128), "password".repeat(16), "今日新闻".repeat(32)] {
            let start = std::time::Instant::now();
            let _ = check_new_password(&password, "reader_li");
            worst = worst.max(start.elapsed());
        }
        eprintln!("slowest strength check of a 128-character password: {worst:?}");
        // Unoptimised test builds are several times slower than release; the bound is loose
        // so a busy machine does not fail it, and far below the uncapped cost.
        assert!(worst < std::time::Duration::from_millis(1500), "{worst:?}");
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
