//! Fixed-rate load: sends GET requests at a steady rate over a fixed number of connections and
//! prints the latency percentiles, measured from when each request was *due* (so a stalled
//! server is not hidden by the client waiting on it, as a closed-loop tool like wrk would).
//!
//! `cargo run --profile tools --features ssr --example rate -- URL RATE SECS [CONNECTIONS]`
//!
//! With `RATE_POST_FORM` set it POSTs that form instead (`{n}` becomes the request's number,
//! `{article}` one of the comma-separated `RATE_POST_ARTICLES` in turn), with the cookie in
//! `RATE_COOKIE`: `bench/run.sh` uses it to land comments at a steady rate while it measures
//! pages.

use std::time::{Duration, Instant};

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 4 {
        eprintln!("usage: rate URL RATE_PER_SEC SECS [CONNECTIONS]");
        std::process::exit(2);
    }
    let url = args[1].clone();
    let rate: f64 = args[2].parse().expect("rate: requests per second");
    let secs: f64 = args[3].parse().expect("secs");
    let conns: usize = args.get(4).map_or(50, |c| c.parse().expect("connections"));
    assert!(url.starts_with("http://127.") || url.starts_with("http://[::1]"), "loopback only");
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(conns)
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client");
    let total = (rate * secs).round() as usize;
    let interval = Duration::from_secs_f64(1.0 / rate);
    let form = std::env::var("RATE_POST_FORM").ok();
    let articles: Vec<String> =
        std::env::var("RATE_POST_ARTICLES").unwrap_or_default().split(',').map(str::to_owned).collect();
    let cookie = std::env::var("RATE_COOKIE").unwrap_or_default();
    let start = Instant::now() + Duration::from_millis(100);
    let mut workers = Vec::new();
    for w in 0..conns {
        let (client, url, form, articles, cookie) =
            (client.clone(), url.clone(), form.clone(), articles.clone(), cookie.clone());
        workers.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut errors = 0u64;
            // Worker w sends requests w, w + conns, w + 2·conns, … at their due times.
            for i in (w..total).step_by(conns) {
                let due = start + interval * i as u32;
                tokio::time::sleep_until(due.into()).await;
                let request = match &form {
                    Some(form) => client
                        .post(&url)
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .header("Accept", "application/json")
                        .header("Cookie", &cookie)
                        .body(form.replace("{n}", &i.to_string()).replace("{article}", &articles[i % articles.len()])),
                    None => client.get(&url),
                };
                match request.send().await {
                    Ok(r) if r.status().is_success() => match r.bytes().await {
                        Ok(_) => lat.push(due.elapsed()),
                        Err(_) => errors += 1,
                    },
                    _ => errors += 1,
                }
            }
            (lat, errors)
        }));
    }
    let mut all = Vec::with_capacity(total);
    let mut errors = 0;
    for w in workers {
        let (lat, e) = w.await.expect("worker");
        all.extend(lat);
        errors += e;
    }
    let elapsed = start.elapsed().as_secs_f64();
    all.sort();
    let pct = |p: f64| all.get(((all.len() as f64 * p) as usize).min(all.len().saturating_sub(1))).copied();
    let ms = |d: Option<Duration>| d.map_or(f64::NAN, |d| d.as_secs_f64() * 1000.0);
    println!(
        "rate {rate:.0}/s for {secs:.0}s over {conns} connections: {} ok ({:.0}/s), {errors} errors, \
         p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        all.len(),
        all.len() as f64 / elapsed,
        ms(pct(0.50)),
        ms(pct(0.90)),
        ms(pct(0.99)),
        ms(all.last().copied()),
    );
}
