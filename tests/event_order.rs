//! An article's event log as readers see it while several writers commit to it at once: the
//! numbers follow the order of commits with no gaps, so a reader who has seen event N has seen
//! every event below it and can resume "after N" without missing one. On PostgreSQL the
//! writers really run at once (two pools stand for two server processes); a number taken from a
//! sequence would let event 11 commit, and be read, before event 10.
#![cfg(feature = "ssr")]

mod common;

use jinri::model::{ArticleId, CommentId, UserId};
use jinri::server::db::{self, comments, Db};
use std::time::Duration;

/// A migrated, seeded database of this test run's backend, opened by two pools.
async fn two_pools(dir: &std::path::Path) -> (Db, Db) {
    let url = common::database_url(dir).await;
    let first = db::connect(&url, 8, Duration::from_secs(10)).await.unwrap();
    db::migrate(&first).await.unwrap();
    db::seed::seed_if_empty(&first, 1_700_000_000).await.unwrap();
    let second = db::connect(&url, 8, Duration::from_secs(10)).await.unwrap();
    (first, second)
}

/// Writes `n` changes to `article`, each in its own write transaction that holds its event
/// number for a moment before it commits (so commits of concurrent writers interleave): new
/// comments (`like` None), or like announcements of a comment, which touch nothing of the
/// article before they take their number.
/// Returns each new comment's event number with the article's count the change left.
async fn writer(
    db: Db,
    article: ArticleId,
    author: UserId,
    like: Option<CommentId>,
    n: usize,
    pause_every: usize,
) -> Vec<(i64, i64)> {
    let mut counted = Vec::new();
    for i in 0..n {
        let mut tx = db.begin_write().await.unwrap();
        match like {
            None => {
                let id = comments::insert(&mut tx, article, None, author, &format!("并发评论{i}"), 1_700_000_000)
                    .await
                    .unwrap();
                counted.push(comments::record_change(&mut tx, article, "created", id, 1_700_000_000, 1).await.unwrap());
            }
            Some(comment) => {
                comments::record_event(&mut tx, article, "liked", comment, 1_700_000_000).await.unwrap();
            }
        }
        if i % pause_every == 0 {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        tx.commit().await.unwrap();
    }
    counted
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writers_on_one_article_never_let_a_reader_see_an_event_before_an_earlier_one() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = two_pools(dir.path()).await;
    let article = ArticleId(1);
    let start = comments::last_event_id(&a, article).await.unwrap();
    let count_before = comments::count(&a, article).await.unwrap();

    let users = common::scalar(&a, "SELECT COUNT(*) FROM users").await;
    assert!(users >= 2, "the seed has commenters");
    let liked = CommentId(common::scalar(&a, "SELECT MIN(id) FROM comments WHERE article_id = 1").await);
    const EACH: usize = 60;
    let writers = [
        tokio::spawn(writer(a.clone(), article, UserId(1), None, EACH, 3)),
        tokio::spawn(writer(b.clone(), article, UserId(2), None, EACH, 2)),
        tokio::spawn(writer(a.clone(), article, UserId(1), Some(liked), EACH, 1)),
        tokio::spawn(writer(b.clone(), article, UserId(2), Some(liked), EACH, 1)),
    ];
    let total = start + 4 * EACH as i64;
    // A reader that resumes after the last number it saw, as a live stream does.
    let reader = {
        let db = b.clone();
        tokio::spawn(async move {
            let (mut last, mut reads) = (start, 0);
            let deadline = std::time::Instant::now() + Duration::from_secs(120);
            while last < total {
                assert!(std::time::Instant::now() < deadline, "the reader is stuck at {last} of {total}");
                let replay = comments::events_since(&db, chrono_tz::UTC, article, last, 1000).await.unwrap();
                for ev in &replay.events {
                    assert_eq!(ev.id, last + 1, "event {} became visible before event {}", ev.id, last + 1);
                    last = ev.id;
                }
                reads += 1;
            }
            reads
        })
    };
    let mut counted = Vec::new();
    for w in writers {
        counted.extend(w.await.unwrap());
    }
    let reads = reader.await.unwrap();
    println!("{}: {} events read in {reads} reads", common::backend(), total - start);
    let replay = comments::events_since(&a, chrono_tz::UTC, article, start, 1000).await.unwrap();
    let numbers: Vec<i64> = replay.events.iter().map(|e| e.id).collect();
    assert_eq!(numbers, ((start + 1)..=total).collect::<Vec<_>>(), "every number once, none missing");
    let created: std::collections::BTreeSet<CommentId> = replay
        .events
        .iter()
        .filter_map(|e| match &e.change {
            jinri::model::Change::Created(c) => Some(c.id),
            _ => None,
        })
        .collect();
    assert_eq!(created.len(), 2 * EACH, "one event per comment");
    assert_eq!(comments::last_event_id(&b, article).await.unwrap(), total);
    // The count moves with the event number, under the same lock: in the order of the numbers,
    // each new comment's change left the count exactly one higher than the one before.
    counted.sort();
    let counts: Vec<i64> = counted.iter().map(|&(_, count)| count).collect();
    assert_eq!(counts, ((count_before + 1)..=(count_before + 2 * EACH as i64)).collect::<Vec<_>>());
    assert_eq!(comments::count(&b, article).await.unwrap(), count_before + 2 * EACH as i64);
}
