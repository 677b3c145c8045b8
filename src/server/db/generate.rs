//! Generated content for load benchmarks (`bench/`): many articles and comments, with one
//! article of a few comments and one of very many. Never used by the site itself.

use sqlx::SqlitePool;

/// What was generated: the ids benchmarks aim at.
pub struct Generated {
    pub small_article: i64,
    pub large_article: i64,
}

/// Adds `articles` articles and `comments` comments (a fifth of them replies) to a migrated
/// database, `small` comments on one article and `large` on another.
pub async fn bulk(
    pool: &SqlitePool,
    articles: usize,
    comments: usize,
    small: usize,
    large: usize,
    now: i64,
) -> Result<Generated, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let channels: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM channels ORDER BY position").fetch_all(&mut *tx).await?;
    let mut users = Vec::with_capacity(200);
    for i in 0..200 {
        let name = format!("读者{i:03}");
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO users (name, name_key, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (name_key) DO UPDATE SET name = excluded.name RETURNING id",
        )
        .bind(&name)
        .bind(name.to_lowercase())
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        users.push(id);
    }
    let mut ids = Vec::with_capacity(articles);
    for i in 0..articles {
        let title = format!("生成的新闻标题第{i}号:悉尼今日天气晴朗,交通顺畅");
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO articles (channel_id, title, summary, source, original_url, published_at, created_at) \
             VALUES ($1, $2, $3, '今日澳洲编辑部', NULL, $4, $4) RETURNING id",
        )
        .bind(channels[i % channels.len()])
        .bind(&title)
        .bind("这是一篇用于性能测试的生成文章,内容与真实新闻的长度相近。")
        .bind(now - 60 * (articles - i) as i64)
        .fetch_one(&mut *tx)
        .await?;
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
            sqlx::query(
                "INSERT INTO article_blocks (article_id, position, kind, body, caption) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(id)
            .bind(pos as i64)
            .bind(kind)
            .bind(body)
            .bind(caption)
            .execute(&mut *tx)
            .await?;
        }
        ids.push(id);
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
            let id: i64 = sqlx::query_scalar(
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
            .fetch_one(&mut *tx)
            .await?;
            thread.push((id, root_id.unwrap_or(id)));
        }
        sqlx::query("UPDATE articles SET comment_count = comment_count + $1 WHERE id = $2")
            .bind(count as i64)
            .bind(article)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(Generated { small_article, large_article })
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
                sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM comments WHERE article_id = $1")
                    .bind(id)
                    .fetch_one(&pool)
                    .await
                    .unwrap()
            }
        };
        assert_eq!(count(g.small_article).await, 7);
        assert_eq!(count(g.large_article).await, 100);
        let generated: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM comments WHERE body LIKE '生成的评论%'")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(generated, 500);
        let orphans: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM comments WHERE parent_id IS NOT NULL AND root_id IS NULL")
                .fetch_one(&pool)
                .await
                .unwrap();
        assert_eq!(orphans, 0);
    }
}
