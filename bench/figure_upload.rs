//! Upload-to-visible time for a 5 MB photo: an editor uploads a 12-megapixel JPEG of about
//! 5 MB to a published article, and the clock stops when a reader's fresh request for the
//! article page shows the figure and its phone-size file has been fetched. Loopback only; run
//! by bench/figure.sh, which starts the server and makes the editor.
//!
//! Usage: figure_upload BASE_URL EDITOR_COOKIE [RUNS]

use std::time::{Duration, Instant};

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let base = args.get(1).cloned().unwrap_or_else(|| "http://127.0.0.1:3191".to_owned());
    let cookie = args.get(2).cloned().expect("the editor's session cookie");
    let runs: usize = args.get(3).and_then(|a| a.parse().ok()).unwrap_or(5);
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let photo = photo_of_about(5 * 1024 * 1024);
    println!("photo: 4000x3000 JPEG, {} bytes", photo.len());

    let form = [
        ("id", ""),
        ("title", "基准测试：图片上传"),
        ("channel", "au"),
        ("summary", "上传到读者看到的时间"),
        ("source", "今日"),
        ("original_url", ""),
        ("body", "正文。"),
    ];
    let post = |path: &str| {
        client.post(format!("{base}{path}")).header("accept", "application/json").header("cookie", &cookie)
    };
    let id = post("/api/newsroom/save").form(&form).send().await.unwrap().text().await.unwrap();
    let resp = post("/api/newsroom/publish").form(&[("id", id.as_str()), ("at", "")]).send().await.unwrap();
    assert!(resp.status().is_success(), "publish: {}", resp.status());

    let mut upload_ms = Vec::new();
    let mut visible_ms = Vec::new();
    for run in 1..=runs {
        let boundary = "----jinri-bench-boundary";
        let mut body = Vec::new();
        for (k, v) in
            [("id", id.as_str()), ("caption", &format!("第 {run} 张")), ("alt", "测试照片"), ("credit", "今日")]
        {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").as_bytes(),
            );
        }
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"p.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n").as_bytes(),
        );
        body.extend_from_slice(&photo);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let start = Instant::now();
        let resp = post("/api/newsroom/figure")
            .header("content-type", format!("multipart/form-data; boundary={boundary}"))
            .body(body)
            .send()
            .await
            .unwrap();
        assert!(resp.status().is_success(), "upload: {} {}", resp.status(), resp.text().await.unwrap_or_default());
        let n = resp.text().await.unwrap();
        let uploaded = start.elapsed();
        // A reader (no cookie) asks for the page until the new figure is on it, then fetches
        // the file a phone would.
        let caption = format!("第 {run} 张");
        let src = loop {
            let html = client.get(format!("{base}/article/{id}")).send().await.unwrap().text().await.unwrap();
            if let Some(at) = html.find(&caption) {
                let before = &html[..at];
                let s = before.rfind("srcset=\"").expect("a srcset") + 8;
                break before[s..].split(' ').next().unwrap().to_owned();
            }
            assert!(start.elapsed() < Duration::from_secs(30), "figure {n} never showed");
        };
        let file = client.get(format!("{base}{src}")).send().await.unwrap();
        assert_eq!(file.status(), 200);
        let bytes = file.bytes().await.unwrap().len();
        let visible = start.elapsed();
        println!(
            "run {run}: upload answered in {:.0} ms, visible to a reader in {:.0} ms (phone file {bytes} bytes)",
            uploaded.as_secs_f64() * 1000.0,
            visible.as_secs_f64() * 1000.0
        );
        upload_ms.push(uploaded.as_secs_f64() * 1000.0);
        visible_ms.push(visible.as_secs_f64() * 1000.0);
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(|a, b| a.partial_cmp(b).unwrap());
        v[v.len() / 2]
    };
    println!(
        "5 MB photo, {runs} runs: upload answered median {:.0} ms; upload to visible median {:.0} ms, worst {:.0} ms",
        median(&mut upload_ms),
        median(&mut visible_ms.clone()),
        visible_ms.iter().cloned().fold(0.0, f64::max)
    );
}

/// A photo-like 4000 x 3000 JPEG (gradients, texture and noise, as a camera's are) whose
/// quality is chosen so that it is close to `target` bytes.
fn photo_of_about(target: usize) -> Vec<u8> {
    let (w, h) = (4000u32, 3000u32);
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let noise = (seed & 0x3f) as i32 - 32;
        let px = |base: i32| (base + noise).clamp(0, 255) as u8;
        image::Rgb([
            px((x * 200 / w) as i32 + 20),
            px((y * 180 / h) as i32 + 40),
            px((((x / 7) ^ (y / 5)) & 0x7f) as i32 + 60),
        ])
    });
    let mut best = Vec::new();
    for quality in (50..=95).rev().step_by(5) {
        let mut out = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality).encode_image(&img).unwrap();
        let better = best.is_empty() || out.len().abs_diff(target) < best.len().abs_diff(target);
        if better {
            best = out;
        }
        if best.len() <= target {
            break;
        }
    }
    best
}
