//! Compressed copies of the static files, made once after each build.
//!
//! The browser bundle (wasm, JS glue, CSS) and the SVG figures are the bulk of what a first
//! visit downloads. At start-up the server writes `file.br` (brotli, best quality) and
//! `file.gz` (gzip, best) beside every such file that lacks an up-to-date copy, and serves
//! them to browsers that accept them. Until they exist, responses are compressed on the fly.

use std::io::Write;
use std::path::{Path, PathBuf};

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
