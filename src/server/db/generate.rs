//! Generated content for load benchmarks (`bench/`): many articles and comments, with one
//! article of a few comments and one of very many; and the threads an abuser could build (a
//! very deep reply chain, a thread of very many long replies) for tests and `jinri generate`.
//! Never used by the site itself.

use super::{Db, WriteTx};
use crate::model::ArticleId;

/// What was generated: the ids benchmarks aim at.
pub struct Generated {
    pub small_article: i64,
    pub large_article: i64,
}

/// Adds `articles` articles and `comments` comments (a fifth of them replies) to a migrated
/// database, `small` comments on one article and `large` on another.
pub async fn bulk(
    db: &Db,
    articles: usize,
    comments: usize,
    small: usize,
    large: usize,
    now: i64,
) -> Result<Generated, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    let channels: Vec<i64> =
        on_tx!(&mut tx, c => sqlx::query_scalar("SELECT id FROM channels ORDER BY position").fetch_all(&mut *c).await?);
    let mut users = Vec::with_capacity(200);
    for i in 0..200 {
        users.push(commenter(&mut tx, &format!("读者{i:03}"), now).await?);
    }
    let mut ids = Vec::with_capacity(articles);
    for i in 0..articles {
        let title = format!("生成的新闻标题第{i}号:悉尼今日天气晴朗,交通顺畅");
        let published = now - 60 * (articles - i) as i64;
        ids.push(insert_article(&mut tx, channels[i % channels.len()], &title, published).await?);
    }
    let (small_article, large_article) = (ids[0], ids[1]);
    let rest = comments.saturating_sub(small + large);
    let mut plan: Vec<(i64, usize)> = vec![(small_article, small), (large_article, large)];
    let others = &ids[2..];
    for (k, a) in others.iter().enumerate() {
        let share = rest / others.len() + usize::from(k < rest % others.len());
        plan.push((*a, share));
    }
    let mut n = 0usize;
    for (article, count) in plan {
        let mut thread: Vec<(i64, i64)> = Vec::with_capacity(count);
        for j in 0..count {
            n += 1;
            // Every fifth comment answers an earlier one of the same article.
            let parent = (j % 5 == 4 && !thread.is_empty()).then(|| thread[(j * 7) % thread.len()]);
            let (parent_id, root_id) = match parent {
                Some((pid, root)) => (Some(pid), Some(root)),
                None => (None, None),
            };
            let id: i64 = on_tx!(&mut tx, c => sqlx::query_scalar(
                "INSERT INTO comments (article_id, parent_id, root_id, author_id, body, created_at, like_count) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            )
            .bind(article)
            .bind(parent_id)
            .bind(root_id)
            .bind(users[n % users.len()])
            .bind(format!("生成的评论{n}:说得很有道理,希望后续还有更多报道。"))
            .bind(now - (count - j) as i64)
            .bind((n % 13) as i64)
            .fetch_one(&mut *c)
            .await?);
            thread.push((id, root_id.unwrap_or(id)));
        }
        on_tx!(&mut tx, c => sqlx::query("UPDATE articles SET comment_count = comment_count + $1 WHERE id = $2")
            .bind(count as i64)
            .bind(article)
            .execute(&mut *c)
            .await?
            .rows_affected());
    }
    tx.commit().await?;
    Ok(Generated { small_article, large_article })
}

/// An article with a figure and three paragraphs, published at `published`.
async fn insert_article(tx: &mut WriteTx, channel: i64, title: &str, published: i64) -> Result<i64, sqlx::Error> {
    let id: i64 = on_tx!(tx, c => sqlx::query_scalar(
        "INSERT INTO articles (channel_id, title, summary, source, original_url, published_at, created_at) \
         VALUES ($1, $2, $3, '今日澳洲编辑部', NULL, $4, $4) RETURNING id",
    )
    .bind(channel)
    .bind(title)
    .bind("这是一篇用于性能测试的生成文章,内容与真实新闻的长度相近。")
    .bind(published)
    .fetch_one(&mut *c)
    .await?);
    for (pos, (kind, body)) in [
        (
            "paragraph",
            "悉尼今日天气晴朗,最高气温二十四度。州交通部表示,周末部分铁路线路将进行维修,乘客出行前请查看时刻表。",
        ),
        ("figure", "/images/articles/sydney-rain-1.svg"),
        ("paragraph", "本地居民表示,近期物价有所上涨,但总体生活仍然平稳。专家建议家庭提前规划开支,关注利率变化。"),
        ("paragraph", "更多消息,请继续关注今日的后续报道。"),
    ]
    .into_iter()
    .enumerate()
    {
        let caption = (kind == "figure").then(|| format!("{title} - 1"));
        let alt = (kind == "figure").then_some("暴雨中的悉尼港，可见海港大桥和歌剧院");
        on_tx!(tx, c => sqlx::query(
            "INSERT INTO article_blocks (article_id, position, kind, body, caption, alt) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id)
        .bind(pos as i64)
        .bind(kind)
        .bind(body)
        .bind(&caption)
        .bind(alt)
        .execute(&mut *c)
        .await?
        .rows_affected());
    }
    Ok(id)
}

/// Comments written per transaction by the thread generators.
const BATCH: usize = 5_000;

/// How the comments of a generated thread answer one another.
#[derive(Clone, Copy)]
enum Shape {
    /// Each answers the one before it.
    Chain,
    /// All answer the first.
    Fan,
}

/// A new article whose first comment is a top-level comment and whose other `n - 1` comments
/// are replies shaped by `shape`, with `body(i)` as the text of the `i`th. Everything is left as
/// posting them one by one would: `root_id` set, the article's count raised and a `created`
/// event logged for each, in the transaction that writes it.
async fn thread(
    db: &Db,
    title: &str,
    n: usize,
    shape: Shape,
    body: impl Fn(usize) -> String,
    now: i64,
) -> Result<ArticleId, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    let channel: i64 = on_tx!(&mut tx, c => sqlx::query_scalar("SELECT id FROM channels ORDER BY position LIMIT 1")
        .fetch_one(&mut *c)
        .await?);
    let article = insert_article(&mut tx, channel, title, now).await?;
    let mut authors = Vec::new();
    for k in 0..7 {
        authors.push(commenter(&mut tx, &format!("楼层读者{k}"), now).await?);
    }
    let (mut first, mut previous) = (None, None);
    let mut start = 0;
    loop {
        let end = (start + BATCH).min(n);
        let batch_from = previous.map_or(0, |p| p + 1);
        for i in start..end {
            let parent = match shape {
                Shape::Chain => previous,
                Shape::Fan => first,
            };
            let id: i64 = on_tx!(&mut tx, c => sqlx::query_scalar(
                "INSERT INTO comments (article_id, parent_id, root_id, author_id, body, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(article)
            .bind(parent)
            .bind(first)
            .bind(authors[i % authors.len()])
            .bind(body(i))
            // One second apart, oldest first, ending now.
            .bind(now - (n - i) as i64)
            .fetch_one(&mut *c)
            .await?);
            first = first.or(Some(id));
            previous = Some(id);
        }
        on_tx!(&mut tx, c => {
            // Numbered on from the article's counter, in id order, as posting would number them.
            sqlx::query(
                "INSERT INTO comment_events (article_id, seq, kind, comment_id, at) \
                 SELECT article_id, (SELECT event_seq FROM articles WHERE id = $1) + ROW_NUMBER() OVER (ORDER BY id), \
                 'created', id, created_at FROM comments WHERE article_id = $1 AND id >= $2",
            )
            .bind(article)
            .bind(batch_from)
            .execute(&mut *c)
            .await?;
            sqlx::query(
                "UPDATE articles SET comment_count = comment_count + $1, event_seq = event_seq + $1 WHERE id = $2",
            )
                .bind((end - start) as i64)
                .bind(article)
                .execute(&mut *c)
                .await?;
        });
        tx.commit().await?;
        if end == n {
            break;
        }
        start = end;
        tx = db.begin_write().await?;
    }
    Ok(ArticleId(article))
}

/// A new article with a chain of `n` comments, each replying to the one before it (the first
/// is a top-level comment): the thread that once overflowed the stack of whoever rendered it.
pub async fn deep_chain(db: &Db, n: usize, now: i64) -> Result<ArticleId, sqlx::Error> {
    let body = |i: usize| {
        if i == 0 {
            "一条很深的回复链从这里开始".to_owned()
        } else {
            format!("第{i}层回复")
        }
    };
    thread(db, &format!("压力测试:{n}层的回复链"), n, Shape::Chain, body, now).await
}

/// A new article with one top-level comment and `n` replies to it of `chars` `&` each (the
/// character that grows most when escaped for HTML).
pub async fn wide_thread(db: &Db, n: usize, chars: usize, now: i64) -> Result<ArticleId, sqlx::Error> {
    let body = |i: usize| if i == 0 { "一条有很多长回复的评论".to_owned() } else { "&".repeat(chars) };
    let title = format!("压力测试:一条评论下的{n}条长回复");
    thread(db, &title, n + 1, Shape::Fan, body, now).await
}

/// A commenter who cannot sign in (no password), made once by name: its id.
async fn commenter(tx: &mut WriteTx, name: &str, now: i64) -> Result<i64, sqlx::Error> {
    on_tx!(tx, c => sqlx::query_scalar(
        "INSERT INTO users (name, name_key, created_at) VALUES ($1, $2, $3) \
         ON CONFLICT (name_key) DO UPDATE SET name = excluded.name RETURNING id",
    )
    .bind(name)
    .bind(name.to_lowercase())
    .bind(now)
    .fetch_one(&mut *c)
    .await)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::db::{seed, test_db};

    #[tokio::test]
    async fn the_generator_puts_the_asked_numbers_where_asked() {
        let (pool, _dir) = test_db::fresh().await;
        seed::seed_if_empty(&pool, 0).await.unwrap();
        let g = bulk(&pool, 20, 500, 7, 100, 1_000_000).await.unwrap();
        let count = |id: i64| {
            let pool = pool.clone();
            async move {
                on!(&pool, p => sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM comments WHERE article_id = $1")
                    .bind(id)
                    .fetch_one(p)
                    .await
                    .unwrap())
            }
        };
        assert_eq!(count(g.small_article).await, 7);
        assert_eq!(count(g.large_article).await, 100);
        let generated = test_db::scalar(&pool, "SELECT COUNT(*) FROM comments WHERE body LIKE '生成的评论%'").await;
        assert_eq!(generated, 500);
        let orphans =
            test_db::scalar(&pool, "SELECT COUNT(*) FROM comments WHERE parent_id IS NOT NULL AND root_id IS NULL")
                .await;
        assert_eq!(orphans, 0);
    }

    #[tokio::test]
    async fn generated_threads_are_left_as_live_posting_would_leave_them() {
        let (pool, _dir) = test_db::fresh().await;
        seed::seed_if_empty(&pool, 0).await.unwrap();
        let deep = deep_chain(&pool, BATCH + 7, 1_000_000).await.unwrap();
        let wide = wide_thread(&pool, 12, 30, 1_000_000).await.unwrap();
        for (article, n) in [(deep, BATCH as i64 + 7), (wide, 13)] {
            let (count, comments, events, roots, without_root): (i64, i64, i64, i64, i64) = on!(&pool, p => sqlx::query_as(
                "SELECT (SELECT comment_count FROM articles WHERE id = $1), \
                 (SELECT COUNT(*) FROM comments WHERE article_id = $1), \
                 (SELECT COUNT(*) FROM comment_events WHERE article_id = $1 AND kind = 'created'), \
                 (SELECT COUNT(*) FROM comments WHERE article_id = $1 AND parent_id IS NULL), \
                 (SELECT COUNT(*) FROM comments c WHERE article_id = $1 AND parent_id IS NOT NULL AND root_id IS DISTINCT FROM \
                  (SELECT id FROM comments WHERE article_id = $1 AND parent_id IS NULL))",
            )
            .bind(article.0)
            .fetch_one(p)
            .await
            .unwrap());
            assert_eq!((count, comments, events, roots, without_root), (n, n, n, 1, 0), "article {article}");
            let numbers: (i64, i64, i64) = on!(&pool, p => sqlx::query_as(
                "SELECT event_seq, (SELECT MIN(seq) FROM comment_events WHERE article_id = $1), \
                 (SELECT MAX(seq) FROM comment_events WHERE article_id = $1) FROM articles WHERE id = $1",
            )
            .bind(article.0)
            .fetch_one(p)
            .await
            .unwrap());
            assert_eq!(numbers, (n, 1, n), "events numbered 1..=n, and the counter goes on from n");
        }
        let deepest_parent: (i64, i64) = on!(&pool, p => sqlx::query_as(
            "SELECT c.parent_id, (SELECT MAX(id) FROM comments WHERE article_id = $1 AND id < c.id) \
             FROM comments c WHERE c.article_id = $1 ORDER BY c.id DESC LIMIT 1",
        )
        .bind(deep.0)
        .fetch_one(p)
        .await
        .unwrap());
        assert_eq!(deepest_parent.0, deepest_parent.1, "each answers the one before it");
        let body: String = on!(&pool, p => sqlx::query_scalar("SELECT body FROM comments WHERE article_id = $1 ORDER BY id DESC")
                .bind(wide.0)
                .fetch_one(p)
                .await
                .unwrap());
        assert_eq!(body, "&".repeat(30));
    }
}
