//! Report to hidden everywhere: SUBSCRIBERS open pages of one article, a moderator's open
//! queue, and ROUNDS times: a comment is posted, a reader reports it, the moderator's queue
//! stream hears of it, the moderator hides it, and every open page receives the `Hidden`
//! event. Prints, per round and as medians and maxima, the time from the report's sending to
//! the queue hearing it, from the hide's sending to the last open page receiving it, and from
//! the report to hidden everywhere (queue + the moderator's click, taken as 0, + fan-out).
//! Loopback only; run by bench/moderation.sh, which makes MODERATOR a moderator.
//!
//! Usage: report_hide BASE_URL MODERATOR_COOKIE SUBSCRIBERS ROUNDS

use futures::StreamExt;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

async fn register(client: &reqwest::Client, base: &str, name: &str) -> String {
    let resp = client
        .post(format!("{base}/api/auth/register"))
        .header("accept", "application/json")
        .form(&[("name", name), ("password", "bench-password-2021")])
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success(), "register {name}: {}", resp.status());
    resp.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned()
}

async fn call(
    client: &reqwest::Client,
    base: &str,
    endpoint: &str,
    form: &[(&str, &str)],
    cookie: &str,
) -> serde_json::Value {
    let resp = client
        .post(format!("{base}{endpoint}"))
        .header("accept", "application/json")
        .header("cookie", cookie)
        .form(form)
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success(), "{endpoint}: {} {:?}", resp.status(), resp.text().await);
    resp.json().await.unwrap_or(serde_json::Value::Null)
}

/// Reads an SSE response, sending the `data:` of each event to `tx`.
async fn pump(resp: reqwest::Response, tx: mpsc::UnboundedSender<String>) {
    let mut stream = resp.bytes_stream();
    let mut buf = String::new();
    while let Some(Ok(chunk)) = stream.next().await {
        buf.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buf.find("\n\n") {
            let block: String = buf.drain(..end + 2).collect();
            if let Some(data) = block.lines().find_map(|l| l.strip_prefix("data: ")) {
                if tx.send(data.to_owned()).is_err() {
                    return;
                }
            }
        }
    }
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let base = args.get(1).cloned().unwrap_or_else(|| "http://127.0.0.1:3193".into());
    let moderator = args.get(2).cloned().expect("the moderator's session cookie");
    let subscribers: usize = args.get(3).and_then(|a| a.parse().ok()).unwrap_or(1000);
    let rounds: usize = args.get(4).and_then(|a| a.parse().ok()).unwrap_or(20);
    let article = 2;
    let client = reqwest::Client::builder().pool_max_idle_per_host(8).build().unwrap();
    let tag = std::process::id();
    let author = register(&client, &base, &format!("bench_author{tag}")).await;

    // The moderator's queue stream.
    let (queue_tx, mut queue_rx) = mpsc::unbounded_channel();
    let resp = client.get(format!("{base}/api/moderation/stream")).header("cookie", &moderator).send().await.unwrap();
    assert_eq!(resp.status(), 200, "the queue stream");
    tokio::spawn(pump(resp, queue_tx));
    let _first = queue_rx.recv().await;

    // The open pages.
    let page = call(&client, &base, "/api/comments/list", &[("article_id", "2")], &author).await;
    let after = page["last_event_id"].as_i64().unwrap();
    let (hidden_tx, mut hidden_rx) = mpsc::unbounded_channel::<(i64, Instant)>();
    let mut opened = Vec::new();
    for _ in 0..subscribers {
        let (client, base, hidden_tx) = (client.clone(), base.clone(), hidden_tx.clone());
        opened.push(tokio::spawn(async move {
            let resp = client
                .get(format!("{base}/api/comments/stream?article_id={article}&after={after}"))
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), 200);
            let (tx, mut rx) = mpsc::unbounded_channel();
            tokio::spawn(pump(resp, tx));
            tokio::spawn(async move {
                while let Some(data) = rx.recv().await {
                    let v: serde_json::Value = serde_json::from_str(&data).unwrap_or_default();
                    if let Some(id) = v["change"]["Hidden"].as_i64() {
                        let _ = hidden_tx.send((id, Instant::now()));
                    }
                }
            });
        }));
    }
    for o in opened {
        o.await.unwrap();
    }
    drop(hidden_tx);
    tokio::time::sleep(Duration::from_millis(500)).await;
    println!("{subscribers} open pages of article {article}, a moderator's open queue, {rounds} rounds");

    let (mut to_queue, mut fan_out, mut total) = (Vec::new(), Vec::new(), Vec::new());
    let moderator = Arc::new(moderator);
    for round in 0..rounds {
        let body = format!("第{round}条广告 {tag}");
        let c = call(&client, &base, "/api/comments/post", &[("article_id", "2"), ("body", &body)], &author).await;
        let id = c["id"].as_i64().unwrap();
        let reporter = register(&client, &base, &format!("rep{tag}_{round}")).await;
        // Queue frames from before the report are not the report's.
        while queue_rx.try_recv().is_ok() {}
        let reported = Instant::now();
        call(&client, &base, "/api/comments/report", &[("comment_id", &id.to_string()), ("reason", "spam")], &reporter)
            .await;
        tokio::time::timeout(Duration::from_secs(5), queue_rx.recv()).await.expect("the queue heard the report");
        let heard = reported.elapsed();
        let hide_sent = Instant::now();
        call(&client, &base, "/api/moderation/hide", &[("comment_id", &id.to_string())], &moderator).await;
        let mut got = 0;
        let mut last = hide_sent;
        while got < subscribers {
            let (hid, at) = tokio::time::timeout(Duration::from_secs(10), hidden_rx.recv())
                .await
                .expect("every open page hears the hide")
                .expect("streams open");
            if hid == id {
                got += 1;
                last = last.max(at);
            }
        }
        let spread = last - hide_sent;
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        println!(
            "round {round:2}: report → queue {:6.1} ms, hide → all {subscribers} pages {:6.1} ms, report → hidden everywhere {:6.1} ms",
            ms(heard),
            ms(spread),
            ms(heard + spread)
        );
        to_queue.push(ms(heard));
        fan_out.push(ms(spread));
        total.push(ms(heard + spread));
    }
    let max = |v: &[f64]| v.iter().copied().fold(0.0, f64::max);
    println!(
        "median: report → queue {:.1} ms, hide → all pages {:.1} ms, report → hidden everywhere {:.1} ms (max {:.1} ms)",
        median(&mut to_queue.clone()),
        median(&mut fan_out.clone()),
        median(&mut total.clone()),
        max(&total)
    );
}
