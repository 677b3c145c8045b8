//! After a restart every open page reconnects at once: STREAMS live streams spread over ten
//! articles follow the server; when it stops (bench/run.sh sends SIGTERM, which ends every
//! stream cleanly) this writes two comments per article straight into the database, as
//! another process would meanwhile (MISSED per article, default 2); once the server answers again, every stream reconnects at
//! the same moment with the `Last-Event-ID` it last saw. Reported: the time from the server's
//! first answer to the moment the last stream has replayed every missed comment (it is live
//! again), how many reconnects were refused (5xx or other), and how many streams missed
//! something.
//!
//! Usage: reconnect BASE_URL STREAMS DATABASE_URL [MISSED]
//! Prints `open` when the streams follow the server, `written` once the missed comments are
//! in the database, then `result …`.

use futures::StreamExt;
use jinri::model::{ArticleId, UserId};
use jinri::server::db::{self, comments};
use std::time::{Duration, Instant};

const ARTICLES: i64 = 10;

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let base = args.get(1).cloned().unwrap_or_else(|| "http://127.0.0.1:3202".into());
    let streams: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(1000);
    let database = args.get(3).cloned().expect("DATABASE_URL");
    let missed: usize = args.get(4).and_then(|a| a.parse().ok()).unwrap_or(2);
    let client = reqwest::Client::new();

    // Each article's newest event, as its page would carry it.
    let pool = db::connect(&database, 2, Duration::from_secs(10)).await.unwrap();
    let mut after = Vec::new();
    for article in 1..=ARTICLES {
        after.push(comments::last_event_id(&pool, ArticleId(article)).await.unwrap());
    }

    // The streams before the restart: each stays open until the server ends it.
    let mut before = Vec::new();
    for i in 0..streams {
        let article = i as i64 % ARTICLES + 1;
        let url = format!("{base}/api/comments/stream?article_id={article}&after={}", after[article as usize - 1]);
        let resp = reqwest::Client::new().get(url).send().await.unwrap();
        assert!(resp.status().is_success(), "stream {i}: {}", resp.status());
        before.push(tokio::spawn(async move {
            let mut body = resp.bytes_stream();
            while let Some(Ok(_)) = body.next().await {}
        }));
    }
    println!("open");
    for s in before {
        let _ = s.await;
    }

    // The server is gone: what happens meanwhile (another process, or the last posts).
    let author = UserId(on_pool(&pool).await);
    for article in 1..=ARTICLES {
        for n in 0..missed {
            let mut tx = pool.begin_write().await.unwrap();
            let a = ArticleId(article);
            let now = jinri::server::time::now_unix();
            let id = comments::insert(&mut tx, a, None, author, &format!("重启期间的评论{n}"), now).await.unwrap();
            comments::record_event(&mut tx, a, "created", id, now).await.unwrap();
            tx.commit().await.unwrap();
        }
    }
    pool.close().await;
    println!("written");

    // Wait for the server to answer again, then every stream reconnects at once.
    while client.get(format!("{base}/healthz")).send().await.map(|r| r.status().is_success()).ok() != Some(true) {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let up = Instant::now();
    let mut tasks = Vec::new();
    for i in 0..streams {
        let article = i as i64 % ARTICLES + 1;
        let url = format!("{base}/api/comments/stream?article_id={article}");
        let last = after[article as usize - 1];
        tasks.push(tokio::spawn(async move {
            let resp = match reqwest::Client::new().get(url).header("last-event-id", last.to_string()).send().await {
                Ok(r) => r,
                Err(_) => return (0u16, 0usize, None),
            };
            let status = resp.status().as_u16();
            if status != 200 {
                return (status, 0, None);
            }
            let mut body = resp.bytes_stream();
            let (mut buf, mut got) = (String::new(), 0);
            while got < missed {
                let Ok(Some(Ok(chunk))) = tokio::time::timeout(Duration::from_secs(60), body.next()).await else {
                    break;
                };
                buf.push_str(&String::from_utf8_lossy(&chunk));
                while let Some(end) = buf.find("\n\n") {
                    let block: String = buf.drain(..end + 2).collect();
                    if block.contains("\"Created\"") {
                        got += 1;
                    }
                }
            }
            (status, got, Some(up.elapsed()))
        }));
    }
    let (mut refused, mut server_errors, mut missing, mut live) = (0, 0, 0, Vec::new());
    for t in tasks {
        let (status, got, at) = t.await.unwrap();
        if status >= 500 {
            server_errors += 1;
        } else if status != 200 {
            refused += 1;
        }
        if got < missed {
            missing += 1;
        }
        if let Some(at) = at.filter(|_| got == missed) {
            live.push(at);
        }
    }
    live.sort();
    let ms = |q: f64| live.get(((live.len() as f64 * q) as usize).min(live.len().saturating_sub(1)));
    let ms = |q: f64| ms(q).map_or(f64::NAN, |d| d.as_secs_f64() * 1000.0);
    println!(
        "result {streams} streams ({missed} missed events each) live again after {:.0} ms (half after {:.0} ms), \
         5xx {server_errors}, other refusals {refused}, missing {missing}",
        ms(1.0),
        ms(0.5)
    );
}

/// Any reader, to write the missed comments as.
async fn on_pool(pool: &db::Db) -> i64 {
    match pool {
        db::Db::Sqlite(jinri::server::db::readers::Lite { pool: p, .. }) => {
            sqlx::query_scalar("SELECT MIN(id) FROM users").fetch_one(p).await.unwrap()
        }
        db::Db::Pg(p) => sqlx::query_scalar("SELECT MIN(id) FROM users").fetch_one(p).await.unwrap(),
    }
}
