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
    let HeaderState { https, hashed, ref pkg, ref named } = site;
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
    h.entry(header::CACHE_CONTROL).or_insert(HeaderValue::from_static(cache_control(&path, hashed, pkg, named)));
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
    /// The bundle's files that are named by their content's hash (`ContentNamed`).
    pub named: ContentNamed,
}

impl HeaderState {
    pub fn new(https: bool, options: &leptos::config::LeptosOptions) -> Self {
        let named = if options.hash_files {
            ContentNamed::scan(&std::path::Path::new(&*options.site_root).join(&*options.site_pkg_dir))
        } else {
            ContentNamed::default()
        };
        HeaderState { https, hashed: options.hash_files, pkg: format!("/{}/", options.site_pkg_dir).into(), named }
    }
}

/// The files of the bundle's folder whose name carries the hash of their own bytes, found once
/// when the server starts: only these may be kept by browsers for a year.
///
/// cargo-leptos (0.3.10, `--split`) hashes every file first and only then writes the hashed
/// names into the files that refer to them: the JS glue, the main module and the split
/// manifest. Their names are the hashes of what they were before, so two builds give the same
/// name to different bytes: a change confined to one lazy route keeps
/// `jinri.<hash>.js` and `jinri.<hash>.wasm` while they now import another
/// `__wasm_split.<hash>.js`. A browser that kept the old glue for a year would import a loader
/// that is no longer on the server and never start the app again. Those files are revalidated
/// on each load instead (`no-cache`: a `304` while their `Last-Modified` stands); the
/// stylesheet, the lazy routes' modules and the loader (renamed after its last change) keep
/// the year.
#[derive(Clone, Default)]
pub struct ContentNamed(std::sync::Arc<std::collections::HashSet<Box<str>>>);

impl ContentNamed {
    /// The files directly in `dir` named `name.<hash>.ext` where `<hash>` is the URL-safe
    /// base64 (unpadded) of the MD5 of the file, as cargo-leptos writes it. A folder that cannot
    /// be read names nothing.
    pub fn scan(dir: &std::path::Path) -> Self {
        let mut named = std::collections::HashSet::new();
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let Ok(file) = entry.file_name().into_string() else { continue };
            let Some(hash) = content_hash_in(&file) else { continue };
            let Ok(bytes) = std::fs::read(entry.path()) else { continue };
            if content_hash(&bytes) == hash {
                named.insert(file.into_boxed_str());
            }
        }
        ContentNamed(std::sync::Arc::new(named))
    }

    fn contains(&self, file: &str) -> bool {
        self.0.contains(file)
    }

    /// A set that holds these names, for tests elsewhere.
    #[cfg(test)]
    pub fn for_tests(files: &[&str]) -> Self {
        ContentNamed(std::sync::Arc::new(files.iter().map(|f| Box::from(*f)).collect()))
    }
}

/// Pages and API answers are never stored. With hashed names (release) a bundle file named by
/// its content's hash (`named`) is kept a year, images a day, the rest revalidated; in
/// development every static file is revalidated, so an edit shows on the next load.
pub fn cache_control(path: &str, hashed: bool, pkg: &str, named: &ContentNamed) -> &'static str {
    let bundle = path.starts_with(pkg);
    let image = path.starts_with("/images/") || path == "/favicon.svg";
    if !(bundle || image || path == "/manifest.webmanifest") {
        "no-store"
    } else if !hashed {
        "no-cache"
    } else if bundle && named.contains(&path[pkg.len()..]) {
        "public, max-age=31536000, immutable"
    } else if image {
        "public, max-age=86400"
    } else {
        "no-cache"
    }
}

/// The hash cargo-leptos names a file by: the URL-safe base64 (unpadded) of its bytes' MD5.
fn content_hash(bytes: &[u8]) -> String {
    use base64::Engine as _;
    use md5::Digest as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(md5::Md5::digest(bytes))
}

/// The hash in a file name as cargo-leptos writes one, `name.<hash>.ext`: 22 characters of
/// unpadded URL-safe base64 (an MD5). The compressed copies (`.br`, `.gz`) are not asked for by
/// name: a request names the file itself.
fn content_hash_in(file: &str) -> Option<&str> {
    let mut parts = file.split('.');
    let (Some(_name), Some(hash), Some(_ext), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return None;
    };
    (hash.len() == 22 && hash.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')).then_some(hash)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `name.<MD5 of bytes>.ext`, as cargo-leptos names a file.
    fn content_named(bytes: &[u8], name: &str, ext: &str) -> String {
        format!("{name}.{}.{ext}", content_hash(bytes))
    }

    #[test]
    fn the_bundle_is_cached_under_the_package_folder_cargo_leptos_names() {
        let dir = tempfile::tempdir().unwrap();
        let file = content_named(b"wasm", "jinri", "wasm");
        std::fs::write(dir.path().join(&file), "wasm").unwrap();
        let named = ContentNamed::scan(dir.path());
        let hashed = format!("/assets/{file}");
        assert_eq!(cache_control(&hashed, true, "/assets/", &named), "public, max-age=31536000, immutable");
        assert_eq!(cache_control(&hashed, true, "/pkg/", &named), "no-store", "not the bundle's folder");
        assert_eq!(cache_control(&format!("/pkg/{file}"), true, "/assets/", &named), "no-store");
        assert_eq!(cache_control(&format!("/assets/x/{file}"), true, "/assets/", &named), "no-cache", "a subfolder");
    }

    /// What cargo-leptos' `--split` leaves: the stylesheet and the loader named by their bytes,
    /// the glue and the wasm modules by the bytes they had before the loader's name was written
    /// into them. Only the first kind is kept a year; a name that could be a hash but is not
    /// this file's, or no hash at all, is revalidated.
    #[test]
    fn only_files_named_by_their_own_content_hash_are_kept_for_a_year() {
        let dir = tempfile::tempdir().unwrap();
        let css = content_named(b"body{}", "jinri", "css");
        let loader = content_named(b"import './jinri.js'", "__wasm_split", "js");
        let stale_glue = content_named(b"import './__wasm_split.______________________.js'", "jinri", "js");
        let stale_wasm = content_named(b"\0asm before", "chunk_13", "wasm");
        std::fs::write(dir.path().join(&css), "body{}").unwrap();
        std::fs::write(dir.path().join(format!("{css}.br")), "compressed").unwrap();
        std::fs::write(dir.path().join(&loader), "import './jinri.js'").unwrap();
        std::fs::write(dir.path().join(&stale_glue), format!("import './{loader}'")).unwrap();
        std::fs::write(dir.path().join(&stale_wasm), "\0asm after").unwrap();
        std::fs::write(dir.path().join("jinri.wasm"), "plain").unwrap();
        std::fs::write(dir.path().join("jinri.short.js"), "short").unwrap();
        std::fs::create_dir(dir.path().join("snippets")).unwrap();
        let named = ContentNamed::scan(dir.path());
        let year = "public, max-age=31536000, immutable";
        assert_eq!(cache_control(&format!("/pkg/{css}"), true, "/pkg/", &named), year);
        assert_eq!(cache_control(&format!("/pkg/{loader}"), true, "/pkg/", &named), year);
        for revalidated in [stale_glue, stale_wasm, format!("{css}.br"), "jinri.wasm".into(), "jinri.short.js".into()] {
            assert_eq!(
                cache_control(&format!("/pkg/{revalidated}"), true, "/pkg/", &named),
                "no-cache",
                "{revalidated}"
            );
        }
        // A build without hashed names keeps nothing, whatever the files are called.
        assert_eq!(cache_control(&format!("/pkg/{css}"), false, "/pkg/", &named), "no-cache");
        // The name's shape alone is not enough.
        assert!(content_hash_in("jinri.q2nl0H5YOVoR6tf1vF-Tfw.wasm").is_some());
        for plain in
            ["jinri.wasm", "jinri_bg.wasm", "jinri.q2nl0H5YOVoR6tf1vF+Tfw.wasm", "jinri.q2nl0H5YOVoR6tf1vF-Tfw.wasm.br"]
        {
            assert!(content_hash_in(plain).is_none(), "{plain}");
        }
        assert!(!named.contains(&content_named(b"other", "jinri", "css")));
        assert_eq!(ContentNamed::scan(&dir.path().join("missing")).0.len(), 0);
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
