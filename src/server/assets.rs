//! How the bundle is named and cached per build kind.
//!
//! The browser bundle (wasm, JS glue, CSS) and the SVG figures are the bulk of what a first
//! visit downloads. Their compressed copies (`file.br`, `file.gz`) come from the release build
//! (`cargo leptos build --release --precompress`) and are served to browsers that accept them
//! (`routes::static_files`); the server never writes into the site folder for them. A file
//! without copies (development) is compressed as it is sent.

use std::path::{Path, PathBuf};

/// The bundle's base name (`output-name` in Cargo.toml): `/pkg/jinri.{js,wasm,css}`, unless
/// cargo-leptos names another (`LEPTOS_OUTPUT_NAME`).
pub const OUTPUT_NAME: &str = "jinri";

/// The one rule for the bundle's names: content-hashed (`jinri.<hash>.css`, kept by browsers for
/// a year) only for a release binary that is not run by `cargo leptos watch`,
/// whose `hash.txt` (`hashes`) names files present in `pkg`. Anything else is development and
/// links the plain names, revalidated on every load: watch rebuilds them in place under those
/// names and never rewrites hash.txt.
pub fn hashed_names(release: bool, watching: bool, hashes: Option<&str>, pkg: &Path, name: &str) -> bool {
    let Some(hashes) = hashes.filter(|_| release && !watching) else {
        return false;
    };
    let files = hashed_files(hashes, pkg, name);
    files.len() == 3 && files.iter().all(|(hashed, _)| hashed.is_file())
}

/// The `kind: hash` lines of a `hash.txt`, trimmed.
fn entries(hashes: &str) -> impl Iterator<Item = (&str, &str)> {
    hashes.lines().filter_map(|line| line.split_once(':')).map(|(ext, hash)| (ext.trim(), hash.trim()))
}

/// The hash file, where Leptos itself reads it: beside the running binary.
pub fn hash_txt(options: &leptos::config::LeptosOptions) -> Option<String> {
    let exe = std::env::current_exe().ok()?;
    std::fs::read_to_string(exe.parent()?.join(options.hash_file.as_ref())).ok()
}

/// The bundle files (named `name`) that `hash.txt` lists, as (hashed, plain) paths in `pkg`.
fn hashed_files(hashes: &str, pkg: &Path, name: &str) -> Vec<(PathBuf, PathBuf)> {
    entries(hashes)
        .filter(|(ext, _)| ["js", "wasm", "css"].contains(ext))
        .map(|(ext, hash)| (pkg.join(format!("{name}.{hash}.{ext}")), pkg.join(format!("{name}.{ext}"))))
        .collect()
}

/// A development run links the plain names, but cargo-leptos's first build (also the one that
/// starts `watch`) writes only hashed ones: copies each hashed file to its missing plain name.
pub fn plain_copies(hashes: &str, pkg: &Path, name: &str) -> std::io::Result<usize> {
    let mut written = 0;
    for (hashed, plain) in hashed_files(hashes, pkg, name) {
        if hashed.is_file() && !plain.exists() {
            let tmp = PathBuf::from(format!("{}.tmp{}", plain.display(), std::process::id()));
            std::fs::copy(&hashed, &tmp)?;
            std::fs::rename(&tmp, &plain)?;
            written += 1;
        }
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_release_builds_outside_watch_link_hashed_names_kept_for_a_year() {
        use crate::server::headers::{cache_control, ContentNamed};
        let dir = tempfile::tempdir().unwrap();
        let pkg = dir.path().join("pkg");
        std::fs::create_dir(&pkg).unwrap();
        let hashes = "js: AAAAAAAAAAAAAAAAAAAAAA\nwasm: BBBBBBBBBBBBBBBBBBBBBB\ncss: CCCCCCCCCCCCCCCCCCCCCC\n";
        for (ext, hash) in [("js", 'A'), ("wasm", 'B'), ("css", 'C')] {
            std::fs::write(pkg.join(format!("jinri.{}.{ext}", hash.to_string().repeat(22))), ext).unwrap();
        }
        let hashed_css = "/pkg/jinri.CCCCCCCCCCCCCCCCCCCCCC.css";
        // As if that name were its content's hash (`headers::ContentNamed` checks it).
        let named = ContentNamed::for_tests(&["jinri.CCCCCCCCCCCCCCCCCCCCCC.css"]);
        // (build kind, release binary, under watch, hash.txt) → hashed names?
        for (kind, release, watching, hash_txt, hashed) in [
            ("cargo leptos build --release", true, false, Some(hashes), true),
            ("cargo leptos watch --release", true, true, Some(hashes), false),
            ("cargo leptos watch", false, true, Some(hashes), false),
            ("cargo leptos build", false, false, Some(hashes), false),
            ("cargo build --release", true, false, None, false),
        ] {
            assert_eq!(hashed_names(release, watching, hash_txt, &pkg, OUTPUT_NAME), hashed, "{kind}");
            let (css, css_cache, image_cache) = if hashed {
                (hashed_css, "public, max-age=31536000, immutable", "public, max-age=86400")
            } else {
                ("/pkg/jinri.css", "no-cache", "no-cache")
            };
            assert_eq!(cache_control(css, hashed, "/pkg/", &named), css_cache, "{kind}");
            assert_eq!(cache_control("/pkg/jinri.wasm", hashed, "/pkg/", &named), "no-cache", "{kind}");
            assert_eq!(cache_control("/images/articles/a.svg", hashed, "/pkg/", &named), image_cache, "{kind}");
            assert_eq!(cache_control("/favicon.svg", hashed, "/pkg/", &named), image_cache, "{kind}");
            assert_eq!(cache_control("/manifest.webmanifest", hashed, "/pkg/", &named), "no-cache", "{kind}");
            assert_eq!(cache_control("/article/1", hashed, "/pkg/", &named), "no-store", "{kind}");
        }
        // Development serves the plain names: the hashed files are copied to them, once.
        assert_eq!(plain_copies(hashes, &pkg, OUTPUT_NAME).unwrap(), 3);
        assert_eq!(std::fs::read_to_string(pkg.join("jinri.css")).unwrap(), "css");
        std::fs::write(pkg.join("jinri.css"), "rebuilt by watch").unwrap();
        assert_eq!(plain_copies(hashes, &pkg, OUTPUT_NAME).unwrap(), 0);
        assert_eq!(std::fs::read_to_string(pkg.join("jinri.css")).unwrap(), "rebuilt by watch");
        // A hash.txt whose files are gone (a later build without hashes) is not followed.
        std::fs::remove_file(pkg.join("jinri.CCCCCCCCCCCCCCCCCCCCCC.css")).unwrap();
        assert!(!hashed_names(true, false, Some(hashes), &pkg, OUTPUT_NAME));
    }
}

/// `hash.txt` when `hash_files` is on, read once per process: a release binary's hashes are
/// fixed until it is replaced, which restarts it. Leptos' `HashedStylesheet` looks up the
/// binary's path and reads the file on every page it renders.
fn build_hashes(options: &leptos::config::LeptosOptions) -> Option<&'static str> {
    static HASHES: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    options.hash_files.then(|| HASHES.get_or_init(|| hash_txt(options))).and_then(Option::as_deref)
}

/// The stylesheet's address, as Leptos' `HashedStylesheet` writes it (`/pkg/jinri.<hash>.css`
/// when `hash_files` is on, `/pkg/jinri.css` otherwise), with `hash.txt` read once
/// (`build_hashes`).
pub fn stylesheet_href(options: &leptos::config::LeptosOptions) -> String {
    let hash = build_hashes(options).and_then(css_hash);
    let (pkg, name) = (&options.site_pkg_dir, &options.output_name);
    match hash {
        Some(hash) => format!("/{pkg}/{name}.{hash}.css"),
        None => format!("/{pkg}/{name}.css"),
    }
}

/// The JS glue's and the wasm's names without their extension (`jinri.<hash>` when
/// `hash_files` is on and `hash.txt` names them, `jinri` otherwise), as Leptos'
/// `HydrationScripts` names them (`build_hashes`).
pub fn bundle_names(options: &leptos::config::LeptosOptions) -> (String, String) {
    let name = &options.output_name;
    let named = |ext: &str| match build_hashes(options).and_then(|t| hash_for(t, ext)) {
        Some(hash) => format!("{name}.{hash}"),
        None => name.to_string(),
    };
    (named("js"), named("wasm"))
}

/// The page's start script: as Leptos' own (`hydration_script.js` with `defer`), it imports
/// the JS glue when the browser is first idle (at most 2 s after the page), which fetches and
/// starts the wasm. Nothing fetches the wasm before (see `app::BundleScripts`).
pub fn start_script(pkg: &str, js: &str, wasm: &str) -> String {
    // The names are ours (the build's output name and base64url hashes); JSON quoting keeps
    // them string literals all the same.
    let js = serde_json::Value::from(format!("/{pkg}/{js}.js"));
    let wasm = serde_json::Value::from(format!("/{pkg}/{wasm}.wasm"));
    format!(
        "(() => {{ const start = () => import({js}).then(m => m.default({{ module_or_path: {wasm} }}).then(() => m.hydrate())); \
         if (\"requestIdleCallback\" in window) {{ window.requestIdleCallback(start, {{ timeout: 2000 }}); }} else {{ start(); }} }})();"
    )
}

/// The hash of the bundle's `ext` file in a `hash.txt` (`ext: <hash>`).
fn hash_for<'a>(hashes: &'a str, ext: &str) -> Option<&'a str> {
    entries(hashes).find(|(e, _)| *e == ext).map(|(_, hash)| hash)
}

/// The stylesheet's hash in a `hash.txt` (`css: <hash>`).
fn css_hash(hashes: &str) -> Option<&str> {
    hash_for(hashes, "css")
}

#[cfg(test)]
mod stylesheet_tests {
    use super::{css_hash, start_script};

    #[test]
    fn the_start_script_imports_the_glue_and_starts_the_wasm_it_names_when_idle() {
        let script = start_script("pkg", "jinri.abc_-1", "jinri.def");
        assert!(script.contains(r#"import("/pkg/jinri.abc_-1.js")"#), "{script}");
        assert!(script.contains(r#"module_or_path: "/pkg/jinri.def.wasm""#), "{script}");
        assert!(script.contains("requestIdleCallback(start, { timeout: 2000 })"), "{script}");
        assert!(script.contains("m.hydrate()"), "{script}");
    }

    #[test]
    fn the_stylesheet_hash_is_read_from_its_own_line() {
        let text = "js: abc\nwasm: def\ncss: vYXSLPlXC_pJqaRkAzBc4g\nsplit: x\n";
        assert_eq!(css_hash(text), Some("vYXSLPlXC_pJqaRkAzBc4g"));
        assert_eq!(css_hash("js: abc\n"), None);
        assert_eq!(css_hash(""), None);
    }
}
