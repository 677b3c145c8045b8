//! `jinri import` and `jinri export` as an operator runs them: a folder of Markdown files with
//! front matter becomes articles, a second run changes nothing, a changed file updates its
//! article, refused files are named with their reasons, an export imports back unchanged, and
//! a running site's cached pages show the new articles within a second.
#![cfg(feature = "ssr")]

mod common;

use std::process::Command;

fn jinri(url: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_jinri"));
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("DATABASE_URL", url)
        .env("RUST_LOG", "warn")
        .env("JINRI_SITE_TIMEZONE", "Australia/Sydney")
        .env_remove("JINRI_CONFIG");
    cmd
}

fn run(url: &str, args: &[&str]) -> (bool, String, String) {
    let out = jinri(url).args(args).output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn article(title: &str, published: &str, body: &str) -> String {
    format!("---\ntitle: {title}\nchannel: finance\nsummary: {title}的摘要\nsource: 今日\npublished: {published}\n---\n{body}\n")
}

#[tokio::test]
async fn a_folder_is_imported_once_updated_when_changed_and_refusals_are_named() {
    let data = tempfile::tempdir().unwrap();
    let url = common::database_url(data.path()).await;
    let site = common::spawn_on(url.clone(), &[]).await;
    // The front page is cached for guests before the import.
    assert!(!site.get("/").await.1.contains("澳储行维持利率不变"));
    let files = tempfile::tempdir().unwrap();
    let dir = files.path();
    std::fs::write(dir.join("rba-rates.md"), article("澳储行维持利率不变", "2026-11-04 14:30", "**4.35%** 不变。"))
        .unwrap();
    std::fs::write(dir.join("asx-close.md"), article("澳股收盘上涨", "2026-11-05 16:10", "## 收盘\n\n涨 0.5%。"))
        .unwrap();
    std::fs::write(dir.join("broken.md"), "没有前言的文件").unwrap();
    std::fs::write(dir.join("notes.txt"), "not an article").unwrap();
    let path = dir.to_str().unwrap();

    let (ok, out, err) = run(&url, &["import", path]);
    assert!(!ok, "a refused file fails the run");
    assert!(out.contains("imported 2, updated 0, unchanged 0, refused 1"), "{out}");
    assert!(out.contains("broken.md: the file does not start with a front matter line"), "{out}");
    assert!(err.contains("[##############################] 3/3"), "a progress bar: {err}");

    std::fs::remove_file(dir.join("broken.md")).unwrap();
    let (ok, out, _) = run(&url, &["import", path]);
    assert!(ok);
    assert!(out.contains("imported 0, updated 0, unchanged 2, refused 0"), "the second run changes nothing: {out}");
    let db = common::open(&url).await;
    assert_eq!(common::scalar(&db, "SELECT COUNT(*) FROM articles WHERE external_id IS NOT NULL").await, 2);
    assert_eq!(common::scalar(&db, "SELECT COUNT(*) FROM article_revisions").await, 2);

    std::fs::write(dir.join("asx-close.md"), article("澳股收盘上涨", "2026-11-05 16:10", "## 收盘\n\n涨 0.6%。"))
        .unwrap();
    let (ok, out, _) = run(&url, &["import", path]);
    assert!(ok && out.contains("imported 0, updated 1, unchanged 1"), "{out}");
    assert_eq!(common::scalar(&db, "SELECT COUNT(*) FROM article_revisions").await, 3);

    // The running site shows them: its cached front page went stale within a second.
    tokio::time::sleep(std::time::Duration::from_millis(1_200)).await;
    let (_, front) = site.get("/channel/finance").await;
    assert!(front.contains("澳储行维持利率不变"), "the channel page lists the import");
    let (_, front) = site.get("/").await;
    assert!(front.contains("澳股收盘上涨"));
    let path_of = site.article_path("finance", "澳储行维持利率不变").await;
    let (_, page) = site.get(&path_of).await;
    assert!(page.contains("<strong>4.35%</strong>"));
    assert!(page.contains("2026-11-04 14:30"), "published at its time in the site's time zone");
}

#[tokio::test]
async fn an_export_imports_back_unchanged_and_a_draft_stays_a_draft() {
    let data = tempfile::tempdir().unwrap();
    let url = common::database_url(data.path()).await;
    let files = tempfile::tempdir().unwrap();
    let draft = "---\nid: desk-draft\ntitle: 还没发的稿子\nchannel: au\nsummary: 草稿\n---\n正文，\\*不是强调\\*。\n";
    std::fs::write(files.path().join("desk-draft.md"), draft).unwrap();
    let (ok, out, _) = run(&url, &["import", files.path().to_str().unwrap()]);
    assert!(ok, "{out}");
    let out_dir = tempfile::tempdir().unwrap();
    let exported = out_dir.path().join("export");
    let (ok, out, _) = run(&url, &["export", exported.to_str().unwrap()]);
    assert!(ok && out.contains("exported "), "{out}");
    let written = std::fs::read_to_string(exported.join("desk-draft.md")).unwrap();
    assert!(written.contains("state: draft") && written.contains("正文，\\*不是强调\\*。"), "{written}");
    let count = std::fs::read_dir(&exported).unwrap().count();
    assert!(count >= 13, "the demo's articles too: {count}");
    // Everything exported comes back as it is: nothing imported, nothing updated.
    let (ok, out, _) = run(&url, &["import", exported.to_str().unwrap()]);
    assert!(ok, "{out}");
    assert!(out.contains(&format!("imported 0, updated 0, unchanged {count}, refused 0")), "{out}");
    let state =
        common::texts(&common::open(&url).await, "SELECT state FROM articles WHERE external_id = 'desk-draft'").await;
    assert_eq!(state, [Some("draft".to_owned())]);
}

fn photo(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| image::Rgb([(x * 255 / w) as u8, (y * 255 / h) as u8, 90]));
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90).encode_image(&img).unwrap();
    out
}

#[tokio::test]
async fn figures_are_imported_from_files_beside_once_and_an_export_with_them_imports_back_unchanged() {
    let data = tempfile::tempdir().unwrap();
    let url = common::database_url(data.path()).await;
    let files = tempfile::tempdir().unwrap();
    let dir = files.path();
    std::fs::write(dir.join("harbour.jpg"), photo(1200, 800)).unwrap();
    let text = |caption: &str| {
        format!(
            "---\nid: harbour\ntitle: 清晨的悉尼港\nchannel: au\nsummary: 一组照片\npublished: 2026-11-04 07:00\n\
             figure: harbour.jpg | {caption} | 今日记者 王明 摄 | 海港大桥下的渡轮\n---\n第一段。\n\n[图1]\n\n第二段。\n"
        )
    };
    std::fs::write(dir.join("harbour.md"), text("清晨的港口")).unwrap();
    // Refused whole, nothing written: a damaged picture, a missing one.
    let jpeg = photo(640, 480);
    std::fs::write(dir.join("cut.jpg"), &jpeg[..jpeg.len() / 2]).unwrap();
    let refused = |id: &str, file: &str| {
        format!(
            "---\nid: {id}\ntitle: 坏图 {id}\nchannel: au\nsummary: 摘要\nfigure: {file} | 说明 | 今日\n---\n正文\n"
        )
    };
    std::fs::write(dir.join("cut.md"), refused("cut", "cut.jpg")).unwrap();
    std::fs::write(dir.join("gone.md"), refused("gone", "gone.jpg")).unwrap();
    let path = dir.to_str().unwrap();
    let (ok, out, _) = run(&url, &["import", path]);
    assert!(!ok);
    assert!(out.contains("imported 1, updated 0, unchanged 0, refused 2"), "{out}");
    assert!(out.contains("cut.md: figure 1 (cut.jpg): 图片已损坏"), "{out}");
    assert!(out.contains("gone.md: figure 1 (gone.jpg): cannot be read"), "{out}");
    std::fs::remove_file(dir.join("cut.md")).unwrap();
    std::fs::remove_file(dir.join("gone.md")).unwrap();
    let pool = common::open(&url).await;
    assert_eq!(common::scalar(&pool, "SELECT COUNT(*) FROM media").await, 3, "480, 960 and 1200 wide");
    let titles = common::texts(&pool, "SELECT title FROM articles WHERE title LIKE '坏图%'").await;
    assert!(titles.is_empty(), "a refused file leaves no article: {titles:?}");
    let site = common::spawn_on(url.clone(), &[]).await;
    let id = common::texts(&pool, "SELECT CAST(id AS TEXT) FROM articles WHERE external_id = 'harbour'").await;
    let id = id[0].clone().unwrap();
    let (_, html) = site.get(&format!("/article/{id}")).await;
    assert!(html.contains("图片来源：今日记者 王明 摄") && html.contains("1200w"), "{html}");
    assert!(html.find("第一段。").unwrap() < html.find("<figure>").unwrap());

    // Again: nothing changes, and the picture is not even decoded again (the same files).
    let (ok, out, _) = run(&url, &["import", path]);
    assert!(ok && out.contains("imported 0, updated 0, unchanged 1, refused 0"), "{out}");
    // New words: the article is updated, its files kept.
    std::fs::write(dir.join("harbour.md"), text("港口的清晨")).unwrap();
    let (ok, out, _) = run(&url, &["import", path]);
    assert!(ok && out.contains("imported 0, updated 1, unchanged 0, refused 0"), "{out}");
    assert_eq!(common::scalar(&pool, "SELECT COUNT(*) FROM media").await, 3);

    // The export writes the largest file beside the article, and imports back unchanged.
    let out_dir = tempfile::tempdir().unwrap();
    let exported = out_dir.path().join("export");
    let (ok, out, _) = run(&url, &["export", exported.to_str().unwrap()]);
    assert!(ok, "{out}");
    let written = std::fs::read_to_string(exported.join("harbour.md")).unwrap();
    assert!(written.contains("figure: harbour-1.jpg | 港口的清晨 | 今日记者 王明 摄 | 海港大桥下的渡轮"), "{written}");
    let picture = image::load_from_memory(&std::fs::read(exported.join("harbour-1.jpg")).unwrap()).unwrap();
    assert_eq!(picture.width(), 1200);
    let articles = common::scalar(&pool, "SELECT COUNT(*) FROM articles").await;
    let (ok, out, _) = run(&url, &["import", exported.to_str().unwrap()]);
    assert!(ok, "{out}");
    assert!(out.contains(&format!("imported 0, updated 0, unchanged {articles}, refused 0")), "{out}");
}
