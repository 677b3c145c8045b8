//! Creates a benchmark database: the demo content plus generated articles and comments.
//! Usage: gen_db DATABASE_URL ARTICLES COMMENTS — prints `small=ID large=ID`.

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let url = &args[1];
    let articles: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(1000);
    let comments: usize = args.get(3).and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let pool = jinri::server::db::connect(url, 2, std::time::Duration::from_secs(5)).await.unwrap();
    jinri::server::db::migrate(&pool).await.unwrap();
    let now = chrono::Utc::now().timestamp();
    jinri::server::db::seed::seed_if_empty(&pool, now).await.unwrap();
    let g = jinri::server::db::generate::bulk(&pool, articles, comments, 50, 10_000, now).await.unwrap();
    pool.close().await;
    println!("small={} large={}", g.small_article, g.large_article);
}
