//! How the bundle is named and cached per build kind, and compressed copies of the static files.
//!
//! The browser bundle (wasm, JS glue, CSS) and the SVG figures are the bulk of what a first
//! visit downloads. At start-up the server writes `file.br` (brotli, best quality) and
//! `file.gz` (gzip, best) beside every such file that lacks an up-to-date copy, and serves
//! them to browsers that accept them. Until they exist, responses are compressed on the fly.

use std::io::Write;
use std::path::{Path, PathBuf};

/// The bundle's base name (`output-name` in Cargo.toml): `/pkg/jinri.{js,wasm,css}`.
pub const OUTPUT_NAME: &str = "jinri";

/// The one rule for the bundle's names: content-hashed (`jinri.<hash>.css`, kept by browsers for
/// a year, precompressed) only for a release binary that is not run by `cargo leptos watch`,
/// whose `hash.txt` (`hashes`) names files present in `pkg`. Anything else is development and
/// links the plain names, revalidated on every load: watch rebuilds them in place under those
/// names and never rewrites hash.txt.
pub fn hashed_names(release: bool, watching: bool, hashes: Option<&str>, pkg: &Path) -> bool {
    let Some(hashes) = hashes.filter(|_| release && !watching) else {
        return false;
    };
    let files = hashed_files(hashes, pkg);
    files.len() == 3 && files.iter().all(|(hashed, _)| hashed.is_file())
}

/// The bundle files that `hash.txt` lists, as (hashed, plain) paths in `pkg`.
fn hashed_files(hashes: &str, pkg: &Path) -> Vec<(PathBuf, PathBuf)> {
    hashes
        .lines()
        .filter_map(|line| line.split_once(':'))
        .map(|(ext, hash)| (ext.trim(), hash.trim()))
        .filter(|(ext, _)| ["js", "wasm", "css"].contains(ext))
        .map(|(ext, hash)| (pkg.join(format!("{OUTPUT_NAME}.{hash}.{ext}")), pkg.join(format!("{OUTPUT_NAME}.{ext}"))))
        .collect()
}

/// A development run links the plain names, but cargo-leptos's first build (also the one that
/// starts `watch`) writes only hashed ones: copies each hashed file to its missing plain name.
pub fn plain_copies(hashes: &str, pkg: &Path) -> std::io::Result<usize> {
    let mut written = 0;
    for (hashed, plain) in hashed_files(hashes, pkg) {
        if hashed.is_file() && !plain.exists() {
            let tmp = PathBuf::from(format!("{}.tmp{}", plain.display(), std::process::id()));
            std::fs::copy(&hashed, &tmp)?;
            std::fs::rename(&tmp, &plain)?;
            written += 1;
        }
    }
    Ok(written)
}

/// Files worth compressing, by extension.
const COMPRESSIBLE: [&str; 7] = ["wasm", "js", "css", "svg", "json", "webmanifest", "txt"];

/// Smaller files are sent as they are.
const MIN_BYTES: u64 = 1024;

/// Writes the missing or stale compressed copies under `root`; returns how many were written.
pub fn precompress(root: &Path) -> std::io::Result<usize> {
    let mut written = 0;
    for file in files(root)? {
        for (ext, compress) in [("br", brotli_best as fn(&[u8]) -> std::io::Result<Vec<u8>>), ("gz", gzip_best)] {
            let copy = PathBuf::from(format!("{}.{ext}", file.display()));
            if is_fresh(&copy, &file) {
                continue;
            }
            let data = std::fs::read(&file)?;
            let packed = compress(&data)?;
            // Written aside and renamed, so a reader never sees half a file.
            let tmp = PathBuf::from(format!("{}.{ext}.tmp{}", file.display(), std::process::id()));
            std::fs::write(&tmp, &packed)?;
            std::fs::rename(&tmp, &copy)?;
            written += 1;
        }
    }
    Ok(written)
}

fn files(root: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut dirs = vec![root.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let entry = entry?;
            let (path, meta) = (entry.path(), entry.metadata()?);
            if meta.is_dir() {
                dirs.push(path);
            } else if meta.len() >= MIN_BYTES
                && path.extension().and_then(|e| e.to_str()).is_some_and(|e| COMPRESSIBLE.contains(&e))
            {
                out.push(path);
            }
        }
    }
    Ok(out)
}

/// The copy exists and is no older than its source.
fn is_fresh(copy: &Path, source: &Path) -> bool {
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    matches!((modified(copy), modified(source)), (Some(c), Some(s)) if c >= s)
}

fn brotli_best(data: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(data.len() / 3);
    {
        let mut w = brotli::CompressorWriter::new(&mut out, 64 * 1024, 11, 22);
        w.write_all(data)?;
        w.flush()?;
    }
    Ok(out)
}

fn gzip_best(data: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut w = flate2::write::GzEncoder::new(Vec::with_capacity(data.len() / 3), flate2::Compression::best());
    w.write_all(data)?;
    w.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn only_release_builds_outside_watch_link_hashed_names_kept_for_a_year() {
        use crate::server::headers::cache_control;
        let dir = tempfile::tempdir().unwrap();
        let pkg = dir.path().join("pkg");
        std::fs::create_dir(&pkg).unwrap();
        let hashes = "js: AAAAAAAAAAAAAAAAAAAAAA\nwasm: BBBBBBBBBBBBBBBBBBBBBB\ncss: CCCCCCCCCCCCCCCCCCCCCC\n";
        for (ext, hash) in [("js", 'A'), ("wasm", 'B'), ("css", 'C')] {
            std::fs::write(pkg.join(format!("jinri.{}.{ext}", hash.to_string().repeat(22))), ext).unwrap();
        }
        let hashed_css = "/pkg/jinri.CCCCCCCCCCCCCCCCCCCCCC.css";
        // (build kind, release binary, under watch, hash.txt) → hashed names?
        for (kind, release, watching, hash_txt, hashed) in [
            ("cargo leptos build --release", true, false, Some(hashes), true),
            ("cargo leptos watch --release", true, true, Some(hashes), false),
            ("cargo leptos watch", false, true, Some(hashes), false),
            ("cargo leptos build", false, false, Some(hashes), false),
            ("cargo build --release", true, false, None, false),
        ] {
            assert_eq!(hashed_names(release, watching, hash_txt, &pkg), hashed, "{kind}");
            let (css, css_cache, image_cache) = if hashed {
                (hashed_css, "public, max-age=31536000, immutable", "public, max-age=86400")
            } else {
                ("/pkg/jinri.css", "no-cache", "no-cache")
            };
            assert_eq!(cache_control(css, hashed), css_cache, "{kind}");
            assert_eq!(cache_control("/pkg/jinri.wasm", hashed), "no-cache", "{kind}");
            assert_eq!(cache_control("/images/articles/a.svg", hashed), image_cache, "{kind}");
            assert_eq!(cache_control("/favicon.svg", hashed), image_cache, "{kind}");
            assert_eq!(cache_control("/manifest.webmanifest", hashed), "no-cache", "{kind}");
            assert_eq!(cache_control("/article/1", hashed), "no-store", "{kind}");
        }
        // Development serves the plain names: the hashed files are copied to them, once.
        assert_eq!(plain_copies(hashes, &pkg).unwrap(), 3);
        assert_eq!(std::fs::read_to_string(pkg.join("jinri.css")).unwrap(), "css");
        std::fs::write(pkg.join("jinri.css"), "rebuilt by watch").unwrap();
        assert_eq!(plain_copies(hashes, &pkg).unwrap(), 0);
        assert_eq!(std::fs::read_to_string(pkg.join("jinri.css")).unwrap(), "rebuilt by watch");
        // A hash.txt whose files are gone (a later build without hashes) is not followed.
        std::fs::remove_file(pkg.join("jinri.CCCCCCCCCCCCCCCCCCCCCC.css")).unwrap();
        assert!(!hashed_names(true, false, Some(hashes), &pkg));
    }

    #[test]
    fn copies_are_written_once_and_decode_to_the_original() {
        let dir = tempfile::tempdir().unwrap();
        let pkg = dir.path().join("pkg");
        std::fs::create_dir(&pkg).unwrap();
        let css = "body { color: #c8161d; } /* 今日 */\n".repeat(200);
        std::fs::write(pkg.join("jinri.css"), &css).unwrap();
        std::fs::write(pkg.join("tiny.js"), "1").unwrap();
        std::fs::write(dir.path().join("photo.png"), vec![0u8; 4096]).unwrap();
        assert_eq!(precompress(dir.path()).unwrap(), 2, "a .br and a .gz of the one large text file");
        assert_eq!(precompress(dir.path()).unwrap(), 0, "nothing to do while the copies are fresh");
        let mut text = String::new();
        brotli::Decompressor::new(std::fs::File::open(pkg.join("jinri.css.br")).unwrap(), 4096)
            .read_to_string(&mut text)
            .unwrap();
        assert_eq!(text, css);
        text.clear();
        flate2::read::GzDecoder::new(std::fs::File::open(pkg.join("jinri.css.gz")).unwrap())
            .read_to_string(&mut text)
            .unwrap();
        assert_eq!(text, css);
        assert!(!pkg.join("tiny.js.br").exists() && !dir.path().join("photo.png.br").exists());
    }
}
