//! Live fan-out latency: N subscribers on one article's stream, M comments posted one after
//! another; for each comment, the time from the post's acknowledgement (and from its sending)
//! to its arrival at every subscriber. Loopback only; run by bench/live.sh.
//!
//! Usage: live_latency BASE_URL SUBSCRIBERS POSTS [SERVER_PID]
//! With the server's pid it also reports the server's resident memory per idle subscriber.
//! Several processes on one database (bench/pg.sh): BASE_URL and SERVER_PID may be lists
//! separated by commas; the comments are posted through the first process, the subscribers are
//! spread evenly over all of them, and the memory is summed over their pids.

use futures::StreamExt;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

type Arrivals = Arc<Mutex<HashMap<i64, Vec<Instant>>>>;

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let bases: Vec<String> =
        args.get(1).map_or("http://127.0.0.1:3190", |a| a.as_str()).split(',').map(str::to_owned).collect();
    let base = bases[0].clone();
    let subscribers: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(100);
    let posts: usize = args.get(3).and_then(|a| a.parse().ok()).unwrap_or(50);
    let server_pids: Vec<u32> =
        args.get(4).map(|a| a.split(',').filter_map(|p| p.parse().ok()).collect()).unwrap_or_default();
    let article = 2;
    let client = reqwest::Client::builder().pool_max_idle_per_host(4).build().unwrap();

    let name = format!("bench{}", std::process::id());
    let resp = client
        .post(format!("{base}/api/auth/register"))
        .header("accept", "application/json")
        .form(&[("name", name.as_str()), ("password", "bench-password-2021")])
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success(), "register: {}", resp.status());
    let cookie = resp.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();

    let page: serde_json::Value = client
        .post(format!("{base}/api/comments/list"))
        .form(&[("article_id", article.to_string())])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let after = page["last_event_id"].as_i64().unwrap();

    tokio::time::sleep(Duration::from_millis(500)).await;
    let rss_before = rss_sum(&server_pids);

    let arrivals: Arrivals = Arc::default();
    let mut ready = Vec::new();
    for i in 0..subscribers {
        let arrivals = arrivals.clone();
        let url = format!("{}/api/comments/stream?article_id={article}&after={after}", bases[i % bases.len()]);
        // Each subscriber is its own connection, as each reader's page is.
        let client = reqwest::Client::new();
        let resp = client.get(url).send().await.unwrap();
        assert!(resp.status().is_success());
        ready.push(tokio::spawn(async move {
            let mut stream = resp.bytes_stream();
            let mut buf = String::new();
            while let Some(Ok(chunk)) = stream.next().await {
                let now = Instant::now();
                buf.push_str(&String::from_utf8_lossy(&chunk));
                while let Some(end) = buf.find("\n\n") {
                    let block: String = buf.drain(..end + 2).collect();
                    // Only the new comment's id is needed: read it where the frame has it
                    // rather than parsing every event's JSON, so the client's own work takes as
                    // little as it can from the server on the same two cores.
                    if let Some(id) = created_id(&block) {
                        arrivals.lock().unwrap().entry(id).or_default().push(now);
                    }
                }
            }
        }));
    }
    // Let every stream settle, then weigh the server with them idle.
    tokio::time::sleep(Duration::from_millis(1000 + subscribers as u64 / 10)).await;
    let rss_idle = rss_sum(&server_pids);

    let mut sent = Vec::new();
    for i in 0..posts {
        let start = Instant::now();
        let resp = client
            .post(format!("{base}/api/comments/post"))
            .header("accept", "application/json")
            .header("cookie", &cookie)
            .form(&[("article_id", article.to_string()), ("body", format!("延迟测量 {i} {name}"))])
            .send()
            .await
            .unwrap();
        let acked = Instant::now();
        assert!(resp.status().is_success(), "post: {}", resp.status());
        let v: serde_json::Value = resp.json().await.unwrap();
        sent.push((v["id"].as_i64().unwrap(), start, acked));
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Wait (bounded) for every subscriber to have every comment.
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        let done = {
            let a = arrivals.lock().unwrap();
            sent.iter().all(|(id, _, _)| a.get(id).is_some_and(|v| v.len() >= subscribers))
        };
        if done {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let a = arrivals.lock().unwrap();
    let (mut from_ack, mut from_send, mut missing) = (Vec::new(), Vec::new(), 0usize);
    for (id, start, acked) in &sent {
        let got = a.get(id).cloned().unwrap_or_default();
        missing += subscribers.saturating_sub(got.len());
        for t in got {
            from_send.push(t.duration_since(*start).as_secs_f64() * 1000.0);
            from_ack.push(t.saturating_duration_since(*acked).as_secs_f64() * 1000.0);
        }
    }
    let pct = |v: &mut Vec<f64>, p: f64| {
        v.sort_by(|x, y| x.partial_cmp(y).unwrap());
        if v.is_empty() {
            f64::NAN
        } else {
            v[((v.len() - 1) as f64 * p).round() as usize]
        }
    };
    let per_subscriber = match (rss_before, rss_idle) {
        (Some(b), Some(a)) => format!("{:.1}", (a as f64 - b as f64) / subscribers as f64),
        _ => "-".to_owned(),
    };
    println!(
        "subscribers {subscribers:>6}  posts {posts:>4}  deliveries {:>7}  missing {missing}  \
         send→arrival p50 {:.2} ms p99 {:.2} ms  ack→arrival p50 {:.2} ms p99 {:.2} ms  \
         KiB/idle subscriber {per_subscriber}",
        from_send.len(),
        pct(&mut from_send, 0.5),
        pct(&mut from_send, 0.99),
        pct(&mut from_ack, 0.5),
        pct(&mut from_ack, 0.99),
    );
    for r in ready {
        r.abort();
    }
}

/// The id of the comment a `Created` event carries (`"change":{"Created":{"id":N`), if the
/// frame is one.
fn created_id(frame: &str) -> Option<i64> {
    const KEY: &str = "\"change\":{\"Created\":{\"id\":";
    let rest = &frame[frame.find(KEY)? + KEY.len()..];
    let digits = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
    rest[..digits].parse().ok()
}

/// Resident memory of the processes together (`None` without pids, or if one is gone).
fn rss_sum(pids: &[u32]) -> Option<u64> {
    if pids.is_empty() {
        return None;
    }
    pids.iter().map(|&p| rss_kib(p)).sum()
}

/// Resident memory of a process, from /proc (Linux).
fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
