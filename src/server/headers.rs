//! Security and caching headers on every response.

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use leptos::prelude::use_context;

/// The policy of a page: only our own scripts (the hydration script by its nonce, the wasm
/// through 'wasm-unsafe-eval'), our own styles, images and connections; no framing. Under
/// `cargo leptos watch` the live-reload socket on its own port is allowed too.
pub fn page_csp(nonce: &str, reload_port: Option<u32>) -> String {
    let reload = reload_port.map(|p| format!(" ws://localhost:{p} ws://127.0.0.1:{p}")).unwrap_or_default();
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data:; connect-src 'self'{reload}; font-src 'self'; object-src 'none'; base-uri 'self'; \
         form-action 'self'; frame-ancestors 'none'"
    )
}

/// Anything that is not a page may not run or load anything at all.
const NON_PAGE_CSP: &str = "default-src 'none'; frame-ancestors 'none'; sandbox";

/// Called while a page renders: puts the policy with this response's nonce on it.
pub fn page_policy() {
    let (Some(nonce), Some(resp)) = (leptos::nonce::use_nonce(), use_context::<leptos_axum::ResponseOptions>()) else {
        return;
    };
    let reload = use_context::<crate::server::AppState>()
        // Leptos adds its reload script exactly when cargo-leptos watch sets LEPTOS_WATCH.
        .filter(|_| std::env::var_os("LEPTOS_WATCH").is_some())
        .map(|s| s.leptos_options.reload_external_port.unwrap_or(s.leptos_options.reload_port));
    if let Ok(v) = HeaderValue::from_str(&page_csp(&nonce.to_string(), reload)) {
        resp.insert_header(header::CONTENT_SECURITY_POLICY, v);
    }
}

/// Adds the headers every response carries, and the cache lifetime of `cache_control`
/// (`hashed`: the bundle's names, `assets::hashed_names`). A site served over https
/// (`site.base_url`) also tells browsers to use nothing else for a year.
pub async fn security_headers(State(site): State<HeaderState>, req: Request, next: Next) -> Response {
    let HeaderState { https, hashed, ref pkg } = site;
    let path = req.uri().path().to_owned();
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("strict-origin-when-cross-origin"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if https {
        h.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000; includeSubDomains"));
    }
    h.entry(header::CONTENT_SECURITY_POLICY).or_insert(HeaderValue::from_static(NON_PAGE_CSP));
    h.entry(header::CACHE_CONTROL).or_insert(HeaderValue::from_static(cache_control(&path, hashed, pkg)));
    resp
}

/// What `security_headers` needs to know of the site.
#[derive(Clone)]
pub struct HeaderState {
    /// Served over https (`Config::https`).
    pub https: bool,
    /// The bundle's names are hashed (`LeptosOptions::hash_files`).
    pub hashed: bool,
    /// Where the bundle is served: `/` + `LeptosOptions::site_pkg_dir` + `/`.
    pub pkg: std::sync::Arc<str>,
}

impl HeaderState {
    pub fn new(https: bool, options: &leptos::config::LeptosOptions) -> Self {
        HeaderState { https, hashed: options.hash_files, pkg: format!("/{}/", options.site_pkg_dir).into() }
    }
}

/// Pages and API answers are never stored. With hashed names (release) a bundle file named by
/// its content's hash is kept a year, images a day, the rest revalidated; in development every
/// static file is revalidated, so an edit shows on the next load.
pub fn cache_control(path: &str, hashed: bool, pkg: &str) -> &'static str {
    let bundle = path.starts_with(pkg);
    let image = path.starts_with("/images/") || path == "/favicon.svg";
    if !(bundle || image || path == "/manifest.webmanifest") {
        "no-store"
    } else if !hashed {
        "no-cache"
    } else if bundle && has_content_hash(path) {
        "public, max-age=31536000, immutable"
    } else if image {
        "public, max-age=86400"
    } else {
        "no-cache"
    }
}

/// cargo-leptos names a hashed file `name.<hash>.ext`, the hash being 22 characters of
/// unpadded URL-safe base64 (an MD5 of the content): a new build gives a new name.
fn has_content_hash(path: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or_default();
    let mut parts = file.split('.');
    let (Some(_name), Some(hash), Some(_ext)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    parts.next().is_none()
        && hash.len() == 22
        && hash.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundle_is_cached_under_the_package_folder_cargo_leptos_names() {
        let hashed = "/assets/jinri.q2nl0H5YOVoR6tf1vF-Tfw.wasm";
        assert_eq!(cache_control(hashed, true, "/assets/"), "public, max-age=31536000, immutable");
        assert_eq!(cache_control(hashed, true, "/pkg/"), "no-store", "not the bundle's folder");
        assert_eq!(cache_control("/pkg/jinri.q2nl0H5YOVoR6tf1vF-Tfw.wasm", true, "/assets/"), "no-store");
    }

    #[test]
    fn only_files_named_by_their_content_hash_are_kept_for_a_year() {
        assert!(has_content_hash("/pkg/jinri.q2nl0H5YOVoR6tf1vF-Tfw.wasm"));
        assert!(has_content_hash("/pkg/jinri.AAAAAAAAAAAAAAAAAAAA_w.css"));
        for plain in [
            "/pkg/jinri.wasm",
            "/pkg/jinri_bg.wasm",
            "/pkg/jinri.short.js",
            "/pkg/jinri.q2nl0H5YOVoR6tf1vF+Tfw.wasm",
            "/pkg/jinri.q2nl0H5YOVoR6tf1vF-Tfw.wasm.map",
            "/pkg/snippets/x.js",
        ] {
            assert!(!has_content_hash(plain), "{plain}");
        }
    }

    #[test]
    fn the_page_policy_allows_only_our_scripts_and_no_framing() {
        let csp = page_csp("abc123", None);
        assert!(csp.contains("script-src 'self' 'nonce-abc123' 'wasm-unsafe-eval'"));
        assert!(csp.contains("frame-ancestors 'none'"));
        assert!(csp.contains("connect-src 'self';"));
        assert!(!csp.contains("unsafe-inline"));
        assert!(page_csp("n", Some(3001)).contains("connect-src 'self' ws://localhost:3001 ws://127.0.0.1:3001;"));
    }
}
