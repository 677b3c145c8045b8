//! Reading and writing comments, likes and the live event log.

use super::{Db, WriteTx};
use crate::model::{
    ArticleId, Change, Comment, CommentId, LiveEvent, PublicUser, Sort, UserId, COMMENTS_PER_PAGE, REPLIES_PER_PAGE,
    REPLIES_SHOWN,
};
use crate::server::time;
use crate::server::wordfilter::FilterAction;
use chrono_tz::Tz;

#[derive(sqlx::FromRow, serde::Deserialize)]
struct CommentRow {
    id: i64,
    article_id: i64,
    parent_id: Option<i64>,
    root_id: Option<i64>,
    reply_to: Option<String>,
    replies: i64,
    author_id: i64,
    author_name: String,
    body: String,
    created_at: i64,
    #[serde(deserialize_with = "flag")]
    deleted: bool,
    like_count: i64,
    #[serde(deserialize_with = "flag")]
    liked: bool,
    status: String,
    #[serde(deserialize_with = "flag")]
    hidden: bool,
    #[serde(deserialize_with = "flag")]
    pinned: bool,
}

/// A truth value in a JSON row: PostgreSQL writes `true`; `1` is read too. Read by a visitor that
/// takes either as it comes: an untagged enum would buffer each value and build an error
/// message for the variant that does not match (three per comment, measured).
fn flag<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    struct Flag;
    impl serde::de::Visitor<'_> for Flag {
        type Value = bool;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("true, false, 0 or 1")
        }
        fn visit_bool<E>(self, b: bool) -> Result<bool, E> {
            Ok(b)
        }
        fn visit_i64<E>(self, i: i64) -> Result<bool, E> {
            Ok(i != 0)
        }
        fn visit_u64<E>(self, i: u64) -> Result<bool, E> {
            Ok(i != 0)
        }
    }
    d.deserialize_any(Flag)
}

/// Rows of `comment_select!` as one JSON array in one row, on PostgreSQL. A page of comments
/// is a hundred rows or more, and each row crossing from sqlx on its own cost more than the
/// array. SQLite's readers (`readers`) step through the rows in place, so there the page
/// reads them as rows (`page_query!`), without building the array in SQLite and parsing it
/// again (bench/README, "A page of comments as rows").
macro_rules! as_json_array {
    (postgres, $($select:tt)*) => {
        concat!("SELECT COALESCE(json_agg(t), '[]')::text FROM (", $($select)*, ") t")
    };
}

/// The comments of a JSON array made by `as_json_array!`.
fn from_json_array(json: &str, tz: Tz) -> Result<Vec<Comment>, sqlx::Error> {
    let rows: Vec<CommentRow> = serde_json::from_str(json).map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
    Ok(rows.into_iter().map(|r| r.into_comment(tz)).collect())
}

impl CommentRow {
    /// A row of the SQLite page statement as a reader (`readers`) reads it, by position.
    fn from_lite(r: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        use super::readers::col;
        // After the page's four columns of the article (`page_query!`), in `comment_select!`'s order.
        Ok(CommentRow {
            id: col(r, 4, "id")?,
            article_id: col(r, 5, "article_id")?,
            parent_id: col(r, 6, "parent_id")?,
            root_id: col(r, 7, "root_id")?,
            reply_to: col(r, 8, "reply_to")?,
            replies: col(r, 9, "replies")?,
            author_id: col(r, 10, "author_id")?,
            author_name: col(r, 11, "author_name")?,
            body: col(r, 12, "body")?,
            created_at: col(r, 13, "created_at")?,
            deleted: col(r, 14, "deleted")?,
            like_count: col(r, 15, "like_count")?,
            liked: col(r, 16, "liked")?,
            status: col(r, 17, "status")?,
            hidden: col(r, 18, "hidden")?,
            pinned: col(r, 19, "pinned")?,
        })
    }

    fn into_comment(self, tz: Tz) -> Comment {
        Comment {
            id: CommentId(self.id),
            article_id: ArticleId(self.article_id),
            parent_id: self.parent_id.map(CommentId),
            root_id: self.root_id.map(CommentId),
            reply_to: self.reply_to,
            replies: self.replies,
            author: PublicUser { id: UserId(self.author_id), name: self.author_name },
            // A deleted or hidden comment's text never leaves the server in a thread (moderators
            // read a hidden one's in their queue).
            body: if self.deleted || self.hidden { String::new() } else { self.body },
            created_at: self.created_at,
            created: time::date_time(tz, self.created_at),
            created_iso: time::iso(tz, self.created_at),
            likes: self.like_count.max(0),
            deleted: self.deleted,
            liked: self.liked,
            hidden: self.hidden && !self.deleted,
            review: (self.status != "published").then_some(self.status),
            pinned: self.pinned,
        }
    }
}

/// Whether comment `$a` is listed for viewer `$viewer` (a parameter, or 0 for nobody): a
/// published comment (hidden ones too, as 该评论已被管理员隐藏), a deleted one only while a
/// published reply answers it (then it shows as 该评论已删除 to keep the conversation readable;
/// otherwise it leaves the thread, as `model::mark_deleted` does on an open page), and the
/// viewer's own held or rejected comments, which nobody else is sent.
macro_rules! listed {
    ($a:literal) => {
        listed!($a, "$1")
    };
    ($a:literal, $viewer:literal) => {
        concat!(
            "((",
            $a,
            ".status = 'published' AND (",
            $a,
            ".deleted_at IS NULL OR EXISTS (SELECT 1 FROM comments k \
             WHERE k.parent_id = ",
            $a,
            ".id AND k.status = 'published'))) OR (",
            $a,
            ".author_id = ",
            $viewer,
            " AND ",
            $a,
            ".status <> 'published' AND ",
            $a,
            ".deleted_at IS NULL))"
        )
    };
}

/// How many replies of top-level comment `$root` viewer `$viewer` (a parameter, or 0 for
/// nobody) is shown, as `listed!` lists them: those shown to everyone, kept per thread by the
/// triggers of migration 0020 (postgres 0017) in `thread_counts`, and the viewer's own held or
/// rejected ones, found on the partial index of unpublished comments. Counting the thread's
/// replies instead read all of them on every page that showed it.
macro_rules! reply_count {
    ($root:literal, $viewer:literal) => {
        concat!(
            "(COALESCE((SELECT n.listed FROM thread_counts n WHERE n.root_id = ",
            $root,
            ".id), 0) + (SELECT COUNT(*) FROM comments r WHERE r.root_id = ",
            $root,
            ".id AND r.author_id = ",
            $viewer,
            " AND r.status <> 'published' AND r.deleted_at IS NULL))"
        )
    };
}

/// Columns of a comment as `CommentRow` reads them; `$1` is the viewer (0 for a visitor). The
/// name a reply answers comes from its parent, whichever page that parent is on; a top-level
/// comment's reply count is `reply_count!`.
macro_rules! comment_select {
    // `$from` names the comments `c`: the table, or the page's ids joined to it; `$before`,
    // columns ahead of the comment's.
    (@from $from:literal, $($tail:tt)*) => {
        comment_select!(@before "", @from $from, $($tail)*)
    };
    (@before $before:literal, @from $from:literal, $($tail:tt)*) => {
        concat!(
            "SELECT ", $before, "c.id, c.article_id, c.parent_id, c.root_id, pu.name AS reply_to, \
             CASE WHEN c.parent_id IS NULL THEN ", reply_count!("c", "$1"), " ELSE 0 END AS replies, \
             c.author_id, u.name AS author_name, c.body, c.created_at, \
             c.deleted_at IS NOT NULL AS deleted, c.like_count, \
             EXISTS (SELECT 1 FROM comment_likes l WHERE l.comment_id = c.id AND l.user_id = $1) AS liked, \
             c.status, c.hidden_at IS NOT NULL AS hidden, c.pinned_at IS NOT NULL AS pinned \
             FROM ", $from, " JOIN users u ON u.id = c.author_id \
             LEFT JOIN comments p ON p.id = c.parent_id LEFT JOIN users pu ON pu.id = p.author_id ",
            $($tail)*
        )
    };
    ($($tail:tt)*) => {
        comment_select!(@from "comments c", $($tail)*)
    };
}

/// One page of top-level comments, each with its first [`REPLIES_SHOWN`] replies, in one query.
/// On PostgreSQL the page's lengths are written into the statement (21: a page and one more,
/// to learn whether more follow; 3 replies): with them as parameters it planned the statement
/// anew for every page (1.2 ms of planning to 0.1 ms of execution); with only the reader, the
/// article and the offset it plans once per connection and reuses the plan. SQLite keeps them
/// as parameters (`article_select!` says why). The replies
/// are taken per top-level comment by the `root_id` index (ids in order, `LIMIT`), so the cost
/// grows with the page, not with how long its threads are (a window function numbering every
/// reply of the page's threads would read all of them). SQLite has no `LATERAL`; its planner
/// runs the correlated `IN (… LIMIT)` once per top-level comment. PostgreSQL's planner would
/// test that subquery against every comment of the table (a correlated subplan in a filter:
/// 651 ms a page on the generated database), so there the replies come from a `LATERAL` join,
/// one index range per top-level comment.
const _: () =
    assert!(COMMENTS_PER_PAGE + 1 == 21 && REPLIES_SHOWN == 3, "the comment page's PostgreSQL statement writes these");

macro_rules! page_query {
    // The page's comments as rows, then one more row: the article's position, in the four
    // columns that are NULL on the comments' rows (none when there is no such article). One
    // statement, so one snapshot, as with the array. Each comment beside the position (the
    // article joined to the comments as a subquery) made SQLite copy the comments into a
    // temporary table first: 38 -> 31 µs a page (bench/README).
    (sqlite, $order:literal) => {
        page_query!(@ $order, "$3", "$4",
            ["SELECT s.id FROM roots r JOIN comments s ON s.id IN \
             (SELECT x.id FROM comments x WHERE x.root_id = r.id AND ", listed!("x"), " ORDER BY x.id LIMIT $5)"],
            [
             // The page's ids joined to their rows: `c.id IN (SELECT id FROM shown)` made SQLite
             // build an index of the ids first (~10 % of the statement's time).
             comment_select!(@before "NULL AS event_seq, NULL AS comment_count, NULL AS comments_locked, \
                 NULL AS premoderate, ", @from "shown s JOIN comments c ON c.id = s.id", ""),
             "UNION ALL SELECT a.event_seq, a.comment_count, a.comments_locked, a.premoderate, ",
             "NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL \
              FROM articles a WHERE a.id = $2"])
    };
    (postgres, $order:literal) => {
        page_query!(@ $order, "21", "$3",
            ["SELECT s.id FROM roots r CROSS JOIN LATERAL \
             (SELECT x.id FROM comments x WHERE x.root_id = r.id AND ", listed!("x"), " ORDER BY x.id LIMIT 3) s"],
            ["SELECT a.event_seq, a.comment_count, a.comments_locked, a.premoderate, (",
             as_json_array!(postgres, comment_select!("WHERE c.id IN (SELECT id FROM shown)")),
             ") AS comments FROM articles a WHERE a.id = $2"])
    };
    // The pinned comment (置顶) comes first on the first page and is left out of the order, so
    // the order is still read from its index, a page at a time.
    (@ $order:literal, $limit:literal, $offset:literal, [$($replies:tt)+], [$($select:tt)+]) => {
        concat!(
            "WITH roots AS (SELECT id FROM comments t WHERE article_id = $2 AND parent_id IS NULL AND \
             pinned_at IS NOT NULL AND ", $offset, " = 0 AND ",
            listed!("t"),
            " UNION ALL SELECT id FROM (SELECT id FROM comments t WHERE article_id = $2 AND parent_id IS NULL AND \
             pinned_at IS NULL AND ",
            listed!("t"),
            " ORDER BY ",
            $order,
            " LIMIT ", $limit, " OFFSET ", $offset, ") o), shown AS (SELECT id FROM roots UNION ALL ",
            $($replies)+,
            ") ",
            $($select)+
        )
    };
}

/// Where an article's thread stands: its last event id and visible comment count, whether its
/// comments are locked and held for review.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Position {
    pub last_event_id: i64,
    pub count: i64,
    pub locked: bool,
    pub premoderated: bool,
}

/// A page of an article's comments with where its thread stands.
pub struct Page {
    pub position: Position,
    pub comments: Vec<Comment>,
    /// More top-level comments follow.
    pub has_more: bool,
}

#[derive(sqlx::FromRow)]
struct PageRow {
    event_seq: i64,
    comment_count: i64,
    comments_locked: bool,
    premoderate: bool,
    comments: String,
}

/// A page (1-based) of an article's comments in `sort` order, each top-level comment with its
/// first `REPLIES_SHOWN` replies, and whether more top-level comments follow; `None` for no
/// such article. One statement: the event id and the count are the ones the page was read at
/// (one snapshot), so a change made meanwhile arrives live after it, where it is merged by id.
pub async fn page(
    db: &Db,
    tz: Tz,
    article: ArticleId,
    sort: Sort,
    page: u32,
    viewer: Option<UserId>,
) -> Result<Option<Page>, sqlx::Error> {
    let sql = match (db, sort) {
        (Db::Sqlite(_), Sort::New) => page_query!(sqlite, "created_at DESC, id DESC"),
        (Db::Sqlite(_), Sort::Old) => page_query!(sqlite, "created_at ASC, id ASC"),
        (Db::Sqlite(_), Sort::Hot) => page_query!(sqlite, "like_count DESC, id DESC"),
        (Db::Pg(_), Sort::New) => page_query!(postgres, "created_at DESC, id DESC"),
        (Db::Pg(_), Sort::Old) => page_query!(postgres, "created_at ASC, id ASC"),
        (Db::Pg(_), Sort::Hot) => page_query!(postgres, "like_count DESC, id DESC"),
    };
    let offset = (i64::from(page.max(1)) - 1) * COMMENTS_PER_PAGE;
    let viewer = viewer.map_or(0, |v| v.0);
    let (position, mut comments) = match db {
        Db::Sqlite(lite) => {
            let args = vec![
                viewer.into(),
                article.0.into(),
                (COMMENTS_PER_PAGE + 1).into(),
                offset.into(),
                REPLIES_SHOWN.into(),
            ];
            enum LiteRow {
                Comment(CommentRow),
                /// The one row without a comment.
                Position(Position),
            }
            let rows = lite
                .all(sql, args, |r| {
                    use super::readers::col;
                    Ok(match col::<Option<i64>>(r, 0, "event_seq")? {
                        Some(last_event_id) => LiteRow::Position(Position {
                            last_event_id,
                            count: col(r, 1, "comment_count")?,
                            locked: col(r, 2, "comments_locked")?,
                            premoderated: col(r, 3, "premoderate")?,
                        }),
                        None => LiteRow::Comment(CommentRow::from_lite(r)?),
                    })
                })
                .await?;
            let position = rows.iter().find_map(|r| match r {
                LiteRow::Position(p) => Some(*p),
                LiteRow::Comment(_) => None,
            });
            let Some(position) = position else { return Ok(None) };
            let comments = rows.into_iter().filter_map(|r| match r {
                LiteRow::Comment(c) => Some(c.into_comment(tz)),
                LiteRow::Position(_) => None,
            });
            (position, comments.collect::<Vec<_>>())
        }
        Db::Pg(p) => {
            let row: Option<PageRow> =
                sqlx::query_as(sql).bind(viewer).bind(article.0).bind(offset).fetch_optional(p).await?;
            let Some(row) = row else { return Ok(None) };
            let position = Position {
                last_event_id: row.event_seq,
                count: row.comment_count,
                locked: row.comments_locked,
                premoderated: row.premoderate,
            };
            (position, from_json_array(&row.comments, tz)?)
        }
    };
    // One top-level comment more than a page was read to learn whether more follow; drop it
    // and its replies.
    // The extra one is the last in the page's order (a total order: ties go by id).
    let roots = || comments.iter().filter(|c| c.parent_id.is_none() && !c.pinned);
    let has_more = roots().count() as i64 > COMMENTS_PER_PAGE;
    if has_more {
        if let Some(extra) = roots().max_by(|a, b| sort.order(a, b)).map(|c| c.id) {
            comments.retain(|c| c.thread() != extra);
        }
    }
    Ok(Some(Page { position, comments, has_more }))
}

/// Whether `id` is a top-level comment (`None`: no such comment).
pub async fn is_top_level(db: &Db, id: CommentId) -> Result<Option<bool>, sqlx::Error> {
    on!(db, p => sqlx::query_scalar("SELECT parent_id IS NULL FROM comments WHERE id = $1").bind(id.0).fetch_optional(p).await)
}

/// Up to `REPLIES_PER_PAGE` replies of a thread with ids after `after`, in id order, and
/// whether more follow.
pub async fn replies_after(
    db: &Db,
    tz: Tz,
    root: CommentId,
    after: Option<CommentId>,
    viewer: Option<UserId>,
) -> Result<(Vec<Comment>, bool), sqlx::Error> {
    let rows: Vec<CommentRow> = on!(db, p => sqlx::query_as(comment_select!(
        "WHERE c.root_id = $2 AND c.id > $3 AND ", listed!("c"), " ORDER BY c.id LIMIT $4"
    ))
    .bind(viewer.map_or(0, |v| v.0))
    .bind(root.0)
    .bind(after.map_or(0, |a| a.0))
    .bind(REPLIES_PER_PAGE + 1)
    .fetch_all(p)
    .await?);
    let has_more = rows.len() as i64 > REPLIES_PER_PAGE;
    Ok((rows.into_iter().take(REPLIES_PER_PAGE as usize).map(|r| r.into_comment(tz)).collect(), has_more))
}

/// Page `page` (1-based) of a thread's replies, `REPLIES_PER_PAGE` to a page, in id order.
/// The page's ids come first, from the `root_id` index (it covers what `listed!` reads), and
/// the authors, the answered names and the reader's likes are read for those fifty only: with
/// the `OFFSET` over the whole select, PostgreSQL joined and tested every reply it skipped
/// (page 40 of a 2,000-reply thread: 8.3 ms, 68 ms before the database's first ANALYZE; now
/// 1.8 and 2.5 ms). A join, not `IN`: without statistics PostgreSQL turned `IN` into a scan
/// of every comment (411 ms).
pub async fn replies_page(
    db: &Db,
    tz: Tz,
    root: CommentId,
    page: u32,
    viewer: Option<UserId>,
) -> Result<Vec<Comment>, sqlx::Error> {
    let rows: Vec<CommentRow> = on!(db, p => sqlx::query_as(comment_select!(
        "JOIN (SELECT x.id FROM comments x WHERE x.root_id = $2 AND ",
        listed!("x"),
        " ORDER BY x.id LIMIT $3 OFFSET $4) s ON s.id = c.id ORDER BY c.id"
    ))
            .bind(viewer.map_or(0, |v| v.0))
            .bind(root.0)
            .bind(REPLIES_PER_PAGE)
            .bind((i64::from(page.max(1)) - 1) * REPLIES_PER_PAGE)
            .fetch_all(p)
            .await?);
    Ok(rows.into_iter().map(|r| r.into_comment(tz)).collect())
}

pub async fn get(db: &Db, tz: Tz, id: CommentId, viewer: Option<UserId>) -> Result<Option<Comment>, sqlx::Error> {
    let row: Option<CommentRow> = on!(db, p => sqlx::query_as(comment_select!("WHERE c.id = $2"))
        .bind(viewer.map_or(0, |v| v.0))
        .bind(id.0)
        .fetch_optional(p)
        .await?);
    Ok(row.map(|r| r.into_comment(tz)))
}

/// Visible comments of an article (评论N条).
pub async fn count(db: &Db, article: ArticleId) -> Result<i64, sqlx::Error> {
    on!(db, p => sqlx::query_scalar("SELECT comment_count FROM articles WHERE id = $1").bind(article.0).fetch_one(p).await)
}

/// What posting a comment checks before it writes, read in one statement (`before_post`).
#[derive(sqlx::FromRow)]
pub struct BeforePost {
    /// When the author last posted anywhere, for the posting interval.
    pub last_post_at: Option<i64>,
    pub article_exists: bool,
    /// The author's latest visible comment on the article, for the repeat check.
    pub previous: Option<String>,
    /// The comment answered, when it is one of the article's: its thread's top-level comment
    /// and its author's name.
    pub parent_root: Option<i64>,
    pub parent_author: Option<String>,
    /// The thread's and the site's rules (locked, pre-moderation, the word filter's version),
    /// read with the rest, so a lock or a rule changed by anyone applies to every post stored
    /// after it.
    #[sqlx(flatten)]
    pub rules: super::moderation::Rules,
    /// What was asked about (set by `post`).
    #[sqlx(skip)]
    asked: Option<(ArticleId, Option<CommentId>)>,
    /// When the checks were made, and the comment's time if it was stored (set by `post`):
    /// read once the author could post nothing else meanwhile.
    #[sqlx(skip)]
    pub at: i64,
    /// Stored held for review (set by `post`).
    #[sqlx(skip)]
    pub held: bool,
}

impl BeforePost {
    /// Why the comment may not be posted at `now`, if it may not: a locked thread, a word filter
    /// older than the list (the caller builds it again and asks again), the filter's refusal,
    /// the author's interval, the article, the comment it answers (deleted or not, among the
    /// article's), a repeat of the author's latest comment there. `jinri_post_comment` applies
    /// the same rule on PostgreSQL.
    pub fn refusal(&self, min_interval: i64, new: &NewComment<'_>) -> Option<Refused> {
        let parent = self.asked.and_then(|(_, p)| p);
        if self.article_exists && self.rules.locked {
            Some(Refused::Locked)
        } else if self.rules.filters_version != new.filters_version {
            Some(Refused::StaleFilter(self.rules.filters_version))
        } else if new.filter == Some(FilterAction::Refuse) {
            Some(Refused::Filtered)
        } else if let Some(wait) = self.last_post_at.map(|last| last + min_interval - self.at).filter(|w| *w > 0) {
            Some(Refused::Wait(wait))
        } else if !self.article_exists {
            Some(Refused::NoArticle)
        } else if parent.is_some() && self.parent_root.is_none() {
            Some(Refused::NoParent)
        } else if self.previous.as_deref() == Some(new.body) {
            Some(Refused::Repeat)
        } else {
            None
        }
    }

    /// Why a comment that passes `refusal` is held for review, if it is (`Rules::held`).
    pub fn held_reason(&self, new: &NewComment<'_>) -> Option<&'static str> {
        self.rules.held(new.filter == Some(FilterAction::Hold))
    }

    /// The comment just stored, as every reader sees it (no likes, no replies yet), built from
    /// what was read and written instead of read again.
    pub fn stored(self, tz: Tz, id: CommentId, author: PublicUser, body: String) -> Comment {
        let (article, parent) = self.asked.expect("set by post");
        let at = self.at;
        let row = CommentRow {
            id: id.0,
            article_id: article.0,
            parent_id: parent.map(|p| p.0),
            root_id: parent.and(self.parent_root),
            reply_to: parent.and(self.parent_author),
            replies: 0,
            author_id: author.id.0,
            author_name: author.name,
            body,
            created_at: at,
            deleted: false,
            like_count: 0,
            liked: false,
            status: if self.held { "pending".to_owned() } else { "published".to_owned() },
            hidden: false,
            pinned: false,
        };
        row.into_comment(tz)
    }
}

/// Everything posting checks, in one statement inside SQLite's write transaction (so from here
/// to the commit the author posts nothing else). PostgreSQL reads the same inside
/// `jinri_post_comment`.
async fn before_post(tx: &mut WriteTx, new: &NewComment<'_>) -> Result<BeforePost, sqlx::Error> {
    let mut checks: BeforePost = on_tx!(tx, c => sqlx::query_as(
        "SELECT (SELECT MAX(created_at) FROM comments WHERE author_id = $1) AS last_post_at, \
                EXISTS (SELECT 1 FROM articles WHERE id = $2 AND state = 'published') AS article_exists, \
                (SELECT body FROM comments WHERE author_id = $1 AND article_id = $2 AND deleted_at IS NULL \
                 ORDER BY created_at DESC, id DESC LIMIT 1) AS previous, \
                (SELECT COALESCE(p.root_id, p.id) FROM comments p WHERE p.id = $3 AND p.article_id = $2 \
                 AND p.status = 'published' AND p.hidden_at IS NULL) AS parent_root, \
                (SELECT u.name FROM comments p JOIN users u ON u.id = p.author_id \
                 WHERE p.id = $3 AND p.article_id = $2) AS parent_author, \
                COALESCE((SELECT comments_locked FROM articles WHERE id = $2), FALSE) AS locked, \
                COALESCE((SELECT premoderate FROM articles WHERE id = $2), FALSE) AS article_premoderated, \
                s.premoderation, s.new_reader_comments, s.filters_version, \
                CASE WHEN s.premoderation = 'new' THEN (SELECT COUNT(*) FROM (SELECT 1 FROM comments c \
                 WHERE c.author_id = $1 AND c.status = 'published' LIMIT $4) x) ELSE 0 END AS author_published \
         FROM moderation_settings s WHERE s.id = 1",
    )
    .bind(new.author.0)
    .bind(new.article.0)
    .bind(new.parent.map(|p| p.0))
    .bind(crate::model::NEW_READER_COMMENTS_MAX)
    .fetch_one(&mut *c)
    .await?);
    checks.asked = Some((new.article, new.parent));
    Ok(checks)
}

/// A comment's article, author, whether it is deleted, and whether readers see its text
/// (published and not hidden), if the comment exists.
pub async fn article_of(tx: &mut WriteTx, id: CommentId) -> Result<Option<(ArticleId, i64, bool, bool)>, sqlx::Error> {
    let row: Option<(i64, i64, bool, bool)> = on_tx!(tx, c => sqlx::query_as(
        "SELECT article_id, author_id, deleted_at IS NOT NULL, status = 'published' AND hidden_at IS NULL \
         FROM comments WHERE id = $1",
    )
    .bind(id.0)
    .fetch_optional(&mut *c)
    .await?);
    Ok(row.map(|(a, author, deleted, shown)| (ArticleId(a), author, deleted, shown)))
}

/// Stores a comment inside the caller's transaction. The article's count is not touched here:
/// the caller records the change with [`record_change`] (count + 1) as its last write, so the
/// article's row is locked only for the end of the transaction.
pub async fn insert(
    tx: &mut WriteTx,
    article: ArticleId,
    parent: Option<CommentId>,
    author: UserId,
    body: &str,
    created_at: i64,
) -> Result<CommentId, sqlx::Error> {
    let id: i64 = on_tx!(tx, c => {
        let id = sqlx::query_scalar(
            "INSERT INTO comments (article_id, parent_id, root_id, author_id, body, created_at) \
             VALUES ($1, $2, (SELECT COALESCE(p.root_id, p.id) FROM comments p WHERE p.id = $2), $3, $4, $5) \
             RETURNING id",
        )
        .bind(article.0)
        .bind(parent.map(|p| p.0))
        .bind(author.0)
        .bind(body)
        .bind(created_at)
        .fetch_one(&mut *c)
        .await?;
        id
    });
    Ok(CommentId(id))
}

/// A comment to post: its place, its author and its checked text, and what the word filter
/// built from list version `filters_version` says of it. The post is refused if the list has
/// moved since (`Refused::StaleFilter`). A comment held for review (`BeforePost::held_reason`:
/// the site's, the article's or the filter's) is stored 'pending', with no event and no count,
/// until a moderator approves it.
pub struct NewComment<'a> {
    pub article: ArticleId,
    pub parent: Option<CommentId>,
    pub author: UserId,
    pub body: &'a str,
    pub filter: Option<FilterAction>,
    pub filters_version: i64,
}

/// Why a comment was not stored (`BeforePost::refusal`).
#[derive(Debug, PartialEq)]
pub enum Refused {
    /// The article's comments are locked.
    Locked,
    /// The word filter was built from an older list than the database's (this version).
    StaleFilter(i64),
    /// The word filter refuses the text.
    Filtered,
    /// The author posted less than the interval ago: seconds to wait.
    Wait(i64),
    NoArticle,
    /// The comment answered is not one of the article's.
    NoParent,
    /// The same text as the author's latest comment on the article.
    Repeat,
}

/// Posts a comment if the checks allow it (`BeforePost::refusal`), with its "created" event and
/// the article's count raised, as one commit; answers what the checks read and, when stored,
/// the comment's id, the event's number and the article's count after it (both 0 for a
/// comment held for review, which has neither: `BeforePost::held`).
/// SQLite: one write transaction from here (its write lock is the order of events).
/// PostgreSQL: one statement, `jinri_post_comment` (migrations/postgres/0005), so the article's
/// row, which every writer of the article takes in turn, is held only inside the database and
/// never across a round trip to this process.
pub async fn post(
    db: &Db,
    new: &NewComment<'_>,
    min_interval: i64,
) -> Result<(BeforePost, Option<(CommentId, i64, i64)>), sqlx::Error> {
    match db {
        Db::Sqlite(_) => {
            let mut tx = db.begin_write().await?;
            let mut checks = before_post(&mut tx, new).await?;
            // Read under the write lock: nothing the author posted is newer.
            checks.at = time::now_unix();
            if checks.refusal(min_interval, new).is_some() {
                return Ok((checks, None));
            }
            let id = insert(&mut tx, new.article, new.parent, new.author, new.body, checks.at).await?;
            if let Some(reason) = checks.held_reason(new) {
                super::moderation::hold(&mut tx, id, reason).await?;
                tx.commit().await?;
                checks.held = true;
                return Ok((checks, Some((id, 0, 0))));
            }
            let (seq, count) = record_change(&mut tx, new.article, "created", id, checks.at, 1).await?;
            tx.commit().await?;
            Ok((checks, Some((id, seq, count))))
        }
        Db::Pg(p) => {
            #[derive(sqlx::FromRow)]
            struct Row {
                #[sqlx(flatten)]
                checks: BeforePost,
                id: Option<i64>,
                seq: Option<i64>,
                count: Option<i64>,
                at: i64,
                held: Option<String>,
            }
            let mut row: Row = sqlx::query_as(
                "SELECT o_last_post_at AS last_post_at, o_article_exists AS article_exists, o_previous AS previous, \
                        o_parent_root AS parent_root, o_parent_author AS parent_author, o_locked AS locked, \
                        o_article_premoderated AS article_premoderated, o_premoderation AS premoderation, \
                        o_new_reader_comments AS new_reader_comments, o_author_published AS author_published, \
                        o_filters_version AS filters_version, o_held AS held, o_id AS id, o_seq AS seq, \
                        o_count AS count, o_at AS at \
                 FROM jinri_post_comment($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(new.article.0)
            .bind(new.parent.map(|p| p.0))
            .bind(new.author.0)
            .bind(new.body)
            .bind(min_interval)
            .bind(super::NOTIFY_CHANNEL)
            .bind(new.filter.map(FilterAction::as_str))
            .bind(new.filters_version)
            .fetch_one(p)
            .await?;
            row.checks.asked = Some((new.article, new.parent));
            row.checks.at = row.at;
            row.checks.held = row.held.is_some() && row.id.is_some();
            let stored = match (row.id, row.seq, row.count) {
                (Some(id), Some(seq), Some(count)) => Some((CommentId(id), seq, count)),
                // Held: stored with no event and no count.
                (Some(id), None, None) if row.held.is_some() => Some((CommentId(id), 0, 0)),
                _ => None,
            };
            // The function and `refusal` / `held_reason` must agree on the rules.
            if stored.is_some() == row.checks.refusal(min_interval, new).is_some()
                || (stored.is_some() && row.held.as_deref() != row.checks.held_reason(new))
            {
                return Err(sqlx::Error::Protocol("jinri_post_comment and BeforePost disagree".into()));
            }
            Ok((row.checks, stored))
        }
    }
}

/// Adds `delta` to the article's comment count (the demo seed, which records no events; a
/// change made through the site counts through [`record_change`]).
pub async fn add_to_count(tx: &mut WriteTx, article: ArticleId, delta: i64) -> Result<(), sqlx::Error> {
    on_tx!(tx, c => {
        sqlx::query("UPDATE articles SET comment_count = comment_count + $1 WHERE id = $2")
            .bind(delta)
            .bind(article.0)
            .execute(&mut *c)
            .await?;
    });
    Ok(())
}

/// Marks a comment deleted (its replies stay). Returns `None` if it was deleted already (by a
/// concurrent request), else whether it counted among the article's visible comments (published
/// and not hidden); the caller then lowers the article's count with [`record_change`].
pub async fn soft_delete(tx: &mut WriteTx, id: CommentId, now: i64) -> Result<Option<bool>, sqlx::Error> {
    on_tx!(tx, c => {
        // Its likes no longer count, and -1 puts it after every comment that is not deleted in
        // the 最热 order (like_count DESC, by the index that serves it); it reads as 0.
        sqlx::query_scalar(
            "UPDATE comments SET deleted_at = $1, like_count = -1, pinned_at = NULL WHERE id = $2 AND deleted_at IS NULL \
             RETURNING status = 'published' AND hidden_at IS NULL",
        )
        .bind(now)
        .bind(id.0)
        .fetch_optional(&mut *c)
        .await
    })
}

/// Likes a comment, or takes the like back if the reader had liked it. Returns whether the
/// reader now likes it and the new count.
pub async fn toggle_like(tx: &mut WriteTx, id: CommentId, user: UserId, now: i64) -> Result<(bool, i64), sqlx::Error> {
    on_tx!(tx, c => {
        let removed = sqlx::query("DELETE FROM comment_likes WHERE comment_id = $1 AND user_id = $2")
            .bind(id.0)
            .bind(user.0)
            .execute(&mut *c)
            .await?
            .rows_affected();
        let liked = removed == 0;
        if liked {
            sqlx::query("INSERT INTO comment_likes (comment_id, user_id, created_at) VALUES ($1, $2, $3)")
                .bind(id.0)
                .bind(user.0)
                .bind(now)
                .execute(&mut *c)
                .await?;
        }
        let likes: i64 = sqlx::query_scalar(
            "UPDATE comments SET like_count = (SELECT COUNT(*) FROM comment_likes WHERE comment_id = $1) \
             WHERE id = $1 RETURNING like_count",
        )
        .bind(id.0)
        .fetch_one(&mut *c)
        .await?;
        Ok((liked, likes))
    })
}

/// Appends a change to the event log, in the same transaction as the change itself, and
/// returns its number in the article's log. See [`record_change`].
pub async fn record_event(
    tx: &mut WriteTx,
    article: ArticleId,
    kind: &str,
    comment: CommentId,
    now: i64,
) -> Result<i64, sqlx::Error> {
    Ok(record_change(tx, article, kind, comment, now, 0).await?.0)
}

/// Appends a change to the event log and adds `count_delta` to the article's comment count, in
/// the same transaction as the change itself; returns the event's number in the article's log
/// and the count after it. Call it as the transaction's last write: both come from one update
/// of the article's row, which stays locked until the commit, so a concurrent writer on the
/// same article waits and gets the next number. Numbers therefore follow the order of commits
/// with no gaps, and a reader who has seen number N has seen every number below it (on SQLite
/// the write lock alone gives the same). Taking the row last keeps it locked for as short a
/// time as possible: writers on one article, from any process, queue only for this end of
/// their transactions.
///
/// On PostgreSQL the transaction also notifies every server process (`db::Notices`) that the
/// article's log has grown, naming the pool it came from; the notification is delivered only if
/// the transaction commits.
pub async fn record_change(
    tx: &mut WriteTx,
    article: ArticleId,
    kind: &str,
    comment: CommentId,
    now: i64,
    count_delta: i64,
) -> Result<(i64, i64), sqlx::Error> {
    match tx {
        WriteTx::Sqlite(t) => {
            // One writer at a time holds SQLite's write lock: two statements are as good as one.
            let (seq, count): (i64, i64) = sqlx::query_as(
                "UPDATE articles SET event_seq = event_seq + 1, comment_count = comment_count + $2 \
                 WHERE id = $1 RETURNING event_seq, comment_count",
            )
            .bind(article.0)
            .bind(count_delta)
            .fetch_one(&mut **t)
            .await?;
            sqlx::query(
                "INSERT INTO comment_events (article_id, seq, kind, comment_id, at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(article.0)
            .bind(seq)
            .bind(kind)
            .bind(comment.0)
            .bind(now)
            .execute(&mut **t)
            .await?;
            Ok((seq, count))
        }
        WriteTx::Pg(t) => {
            // One statement (one round trip) takes the number, logs the event and queues the
            // notification, so the row is held for that statement and the commit only.
            let (seq, count, _): (i64, i64, bool) = sqlx::query_as(
                "WITH a AS (UPDATE articles SET event_seq = event_seq + 1, comment_count = comment_count + $2 \
                            WHERE id = $1 RETURNING event_seq, comment_count), \
                      e AS (INSERT INTO comment_events (article_id, seq, kind, comment_id, at) \
                            SELECT $1, event_seq, $3, $4, $5 FROM a) \
                 SELECT event_seq, comment_count, \
                        pg_notify($6, $1::text || ':' || event_seq::text || ':' || current_setting('application_name')) IS NULL \
                 FROM a",
            )
            .bind(article.0)
            .bind(count_delta)
            .bind(kind)
            .bind(comment.0)
            .bind(now)
            .bind(super::NOTIFY_CHANNEL)
            .fetch_one(&mut **t)
            .await?;
            Ok((seq, count))
        }
    }
}

/// The number of the article's last committed event (0: none, or no such article).
pub async fn last_event_id(db: &Db, article: ArticleId) -> Result<i64, sqlx::Error> {
    on!(db, p => sqlx::query_scalar("SELECT COALESCE((SELECT event_seq FROM articles WHERE id = $1), 0)")
        .bind(article.0)
        .fetch_one(p)
        .await)
}

/// What one read of an article's log found.
pub struct Replay {
    /// The changes, rebuilt from the log, in order.
    pub events: Vec<LiveEvent>,
    /// How many log entries were read (an event whose comment is gone is read but not sent).
    pub read: i64,
    /// The number of the last entry read (`after` if none).
    pub last: i64,
    /// The number of the article's newest event when the log was read.
    pub newest: i64,
    /// The article's visible comments when the log was read.
    pub count: i64,
    /// The log cannot bring a reader at `after` up to date: the events right after it were
    /// pruned (`prune_events`), or `after` is past the newest event (a number from another
    /// database). Such a reader must read the thread again (`Change::Reset`).
    pub gap: bool,
    /// The article's state (`published`, `withdrawn`, …) when the log was read.
    pub article_state: String,
    /// When the article last changed (its correction or publication, unix seconds).
    pub article_updated: i64,
}

#[derive(sqlx::FromRow)]
struct ReplayRow {
    newest: i64,
    comment_count: i64,
    article_state: String,
    article_updated: i64,
    seq: Option<i64>,
    kind: Option<String>,
    event_comment: Option<i64>,
    found: Option<i64>,
    parent_id: Option<i64>,
    root_id: Option<i64>,
    reply_to: Option<String>,
    replies: i64,
    author_id: Option<i64>,
    author_name: Option<String>,
    body: Option<String>,
    created_at: Option<i64>,
    deleted: bool,
    like_count: Option<i64>,
    status: String,
    hidden: bool,
    pinned: bool,
}

/// The article's changes after event `after`, rebuilt from the log: at most `limit` entries,
/// read with the comments they name, the article's count and its newest number in one
/// statement. `RowNotFound` when there is no such article. The entries are taken by the
/// log's key before anything is joined to them, so a reader far behind costs one batch, not
/// the whole log.
pub async fn events_since(db: &Db, tz: Tz, article: ArticleId, after: i64, limit: i64) -> Result<Replay, sqlx::Error> {
    let rows: Vec<ReplayRow> = on!(db, p => sqlx::query_as(concat!(
        "SELECT a.event_seq AS newest, a.comment_count, a.state AS article_state, \
         COALESCE(a.updated_at, a.published_at) AS article_updated, e.seq, e.kind, e.comment_id AS event_comment, \
         c.id AS found, c.parent_id, c.root_id, pu.name AS reply_to, \
         CASE WHEN c.id IS NOT NULL AND c.parent_id IS NULL \
         THEN ", reply_count!("c", "0"), " ELSE 0 END AS replies, \
         c.author_id, u.name AS author_name, c.body, c.created_at, \
         c.deleted_at IS NOT NULL AS deleted, c.like_count, COALESCE(c.status, 'published') AS status, \
         c.hidden_at IS NOT NULL AS hidden, c.pinned_at IS NOT NULL AS pinned \
         FROM articles a \
         LEFT JOIN (SELECT seq, kind, comment_id FROM comment_events \
         WHERE article_id = $1 AND seq > $2 ORDER BY seq LIMIT $3) e ON 1 = 1 \
         LEFT JOIN comments c ON c.id = e.comment_id LEFT JOIN users u ON u.id = c.author_id \
         LEFT JOIN comments p ON p.id = c.parent_id LEFT JOIN users pu ON pu.id = p.author_id \
         WHERE a.id = $1 ORDER BY e.seq",
    ))
    .bind(article.0)
    .bind(after)
    .bind(limit.max(1))
    .fetch_all(p)
    .await?);
    let Some(first) = rows.first() else { return Err(sqlx::Error::RowNotFound) };
    let (newest, count) = (first.newest, first.comment_count);
    let first_seq = first.seq;
    let mut replay = Replay {
        events: Vec::with_capacity(rows.len()),
        read: 0,
        last: after,
        newest,
        count,
        gap: false,
        article_state: first.article_state.clone(),
        article_updated: first.article_updated,
    };
    replay.gap = match first_seq {
        Some(seq) => seq > after + 1,
        None => after != newest,
    };
    for row in rows {
        let (Some(id), Some(kind), Some(comment_id)) = (row.seq, row.kind.as_deref(), row.event_comment) else {
            continue;
        };
        replay.read += 1;
        replay.last = id;
        let comment_id = CommentId(comment_id);
        let change = match (kind, row.found) {
            (kind @ ("created" | "restored"), Some(_)) => {
                let comment = CommentRow {
                    id: comment_id.0,
                    article_id: article.0,
                    parent_id: row.parent_id,
                    root_id: row.root_id,
                    reply_to: row.reply_to,
                    replies: row.replies,
                    author_id: row.author_id.unwrap_or_default(),
                    author_name: row.author_name.unwrap_or_default(),
                    body: row.body.unwrap_or_default(),
                    created_at: row.created_at.unwrap_or_default(),
                    deleted: row.deleted,
                    like_count: row.like_count.unwrap_or_default().max(0),
                    liked: false,
                    status: row.status,
                    hidden: row.hidden,
                    pinned: row.pinned,
                }
                .into_comment(tz);
                if kind == "created" {
                    Change::Created(comment)
                } else {
                    Change::Restored(comment)
                }
            }
            ("created" | "restored", None) => continue,
            ("deleted", _) => Change::Deleted(comment_id),
            ("hidden", _) => Change::Hidden(comment_id),
            ("rejected", _) => Change::Rejected(comment_id),
            ("pinned", _) => Change::Pinned { comment_id, pinned: true },
            ("unpinned", _) => Change::Pinned { comment_id, pinned: false },
            _ => Change::Liked { comment_id, likes: row.like_count.unwrap_or_default().max(0) },
        };
        replay.events.push(LiveEvent { id, article_id: article, comment_count: count, change });
    }
    Ok(replay)
}

/// Log entries taken by one statement of `prune_events`.
const PRUNE_CHUNK: i64 = 5000;

/// Deletes the log's events written before `before` (unix seconds), a chunk per statement so
/// no write holds the database for long; returns how many. A reader whose last event is
/// older than what is left reads the thread again (`Replay::gap`).
pub async fn prune_events(db: &Db, before: i64) -> Result<u64, sqlx::Error> {
    let mut total = 0;
    loop {
        let n = on!(db, p => sqlx::query(
            "DELETE FROM comment_events WHERE (article_id, seq) IN \
             (SELECT article_id, seq FROM comment_events WHERE at < $1 LIMIT $2)",
        )
        .bind(before)
        .bind(PRUNE_CHUNK)
        .execute(p)
        .await?
        .rows_affected());
        total += n;
        if n < PRUNE_CHUNK as u64 {
            return Ok(total);
        }
    }
}

/// A comment's like count as stored, inside the caller's transaction. On PostgreSQL the row is
/// locked until the commit: a like still being written is waited for and counted (SQLite's
/// write lock gives the same). Replies to the comment, which only refer to it, need not wait.
pub async fn like_count(tx: &mut WriteTx, id: CommentId) -> Result<i64, sqlx::Error> {
    let n: i64 = match tx {
        WriteTx::Sqlite(t) => {
            sqlx::query_scalar("SELECT like_count FROM comments WHERE id = $1").bind(id.0).fetch_one(&mut **t).await
        }
        WriteTx::Pg(t) => {
            sqlx::query_scalar("SELECT like_count FROM comments WHERE id = $1 FOR NO KEY UPDATE")
                .bind(id.0)
                .fetch_one(&mut **t)
                .await
        }
    }?;
    // A deleted comment's -1 (`soft_delete`) is shown as none.
    Ok(n.max(0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::db::{seed, test_db};

    /// A new reader named `name`.
    async fn reader(db: &Db, name: &str) -> UserId {
        crate::server::db::users::create(db, name, name, name, "x", 0).await.unwrap().unwrap().id
    }

    #[test]
    fn a_json_row_flag_is_read_from_either_database_and_anything_else_is_refused() {
        #[derive(serde::Deserialize)]
        struct Row {
            #[serde(deserialize_with = "flag")]
            f: bool,
        }
        let read = |json: &str| serde_json::from_str::<Row>(json).map(|r| r.f).map_err(|e| e.to_string());
        assert_eq!(read(r#"{"f":true}"#), Ok(true));
        assert_eq!(read(r#"{"f":false}"#), Ok(false));
        assert_eq!(read(r#"{"f":1}"#), Ok(true));
        assert_eq!(read(r#"{"f":0}"#), Ok(false));
        assert_eq!(read(r#"{"f":-1}"#), Ok(true));
        for bad in [r#"{"f":"1"}"#, r#"{"f":null}"#, r#"{"f":1.5}"#, r#"{"f":[]}"#] {
            let e = read(bad).unwrap_err();
            assert!(e.contains("true, false, 0 or 1"), "{bad}: {e}");
        }
    }

    #[tokio::test]
    async fn a_post_stores_the_comment_its_event_and_the_count_at_once_or_nothing_when_refused() {
        let (db, _guard) = test_db::fresh().await;
        seed::seed_if_empty(&db, 0).await.unwrap();
        let article = ArticleId(1);
        let (seq0, count0) = (last_event_id(&db, article).await.unwrap(), count(&db, article).await.unwrap());
        let author = reader(&db, "发帖人").await;
        let new = |parent, body| NewComment { article, parent, author, body, filter: None, filters_version: 0 };
        let (first, stored) = post(&db, &new(None, "第一条"), 0).await.unwrap();
        let (top, seq, n) = stored.expect("stored");
        assert_eq!((seq, n), (seq0 + 1, count0 + 1));
        assert!((first.at - time::now_unix()).abs() <= 5, "the comment's time is now");
        // Each refusal writes nothing: no comment, no number, no count.
        let refusals = [
            (new(None, "太快"), 3600, Refused::Wait(3600)),
            (new(None, "第一条"), 0, Refused::Repeat),
            (new(Some(CommentId(987_654)), "回复"), 0, Refused::NoParent),
            (
                NewComment {
                    article: ArticleId(987_654),
                    parent: None,
                    author,
                    body: "无处",
                    filter: None,
                    filters_version: 0,
                },
                0,
                Refused::NoArticle,
            ),
            // A filter built from another list version than the database's, and the filter's refusal.
            (NewComment { filters_version: 7, ..new(None, "旧词表") }, 0, Refused::StaleFilter(0)),
            (NewComment { filter: Some(FilterAction::Refuse), ..new(None, "坏词") }, 0, Refused::Filtered),
        ];
        for (asked, interval, why) in refusals {
            let (checks, stored) = post(&db, &asked, interval).await.unwrap();
            let refusal = checks.refusal(interval, &asked);
            if let Some(Refused::Wait(w)) = refusal {
                assert!((3590..=3600).contains(&w), "{w}");
            } else {
                assert_eq!(refusal, Some(why));
            }
            assert!(stored.is_none());
        }
        // A locked thread takes nothing, and says so before anything else it would refuse.
        let locked = ArticleId(2);
        on!(&db, p => {
            sqlx::query("UPDATE articles SET comments_locked = TRUE WHERE id = $1").bind(locked.0).execute(p).await.unwrap();
        });
        let on_locked = NewComment { article: locked, filters_version: 7, ..new(None, "关了") };
        let (checks, stored) = post(&db, &on_locked, 3600).await.unwrap();
        assert_eq!((checks.refusal(3600, &on_locked), stored), (Some(Refused::Locked), None));
        assert_eq!(last_event_id(&db, article).await.unwrap(), seq0 + 1);
        assert_eq!(count(&db, article).await.unwrap(), count0 + 1);
        let (checks, stored) = post(&db, &new(Some(top), "回复"), 0).await.unwrap();
        let (reply, seq, n) = stored.expect("stored");
        assert_eq!((seq, n), (seq0 + 2, count0 + 2));
        let built =
            checks.stored(chrono_tz::UTC, reply, PublicUser { id: author, name: "发帖人".into() }, "回复".into());
        assert_eq!((built.parent_id, built.root_id), (Some(top), Some(top)));
        let got = get(&db, chrono_tz::UTC, reply, None).await.unwrap().unwrap();
        assert_eq!((got.parent_id, got.root_id, got.body.as_str()), (Some(top), Some(top), "回复"));
        let replay = events_since(&db, chrono_tz::UTC, article, seq0, 10).await.unwrap();
        let created: Vec<(i64, CommentId)> = replay
            .events
            .iter()
            .filter_map(|e| match &e.change {
                crate::model::Change::Created(c) => Some((e.id, c.id)),
                _ => None,
            })
            .collect();
        assert_eq!(created, vec![(seq0 + 1, top), (seq0 + 2, reply)]);
    }

    /// A thread's pages, fifty replies each, are its listed replies in id order as one select
    /// over the whole thread reads them (what the reader may see of held and deleted replies,
    /// the names answered, the reader's likes); a page past the end is empty.
    #[tokio::test]
    async fn a_thread_page_is_the_listed_replies_in_id_order_fifty_at_a_time() {
        let (db, _guard) = test_db::fresh().await;
        seed::seed_if_empty(&db, 0).await.unwrap();
        let article = ArticleId(1);
        let (reader, other) = (reader(&db, "翻页读者").await, reader(&db, "另一位").await);
        let first =
            NewComment { article, parent: None, author: other, body: "楼主", filter: None, filters_version: 0 };
        let (_, stored) = post(&db, &first, 0).await.unwrap();
        let root = stored.unwrap().0;
        let mut replies = vec![root];
        for i in 0..170usize {
            let author = if i % 3 == 0 { reader } else { other };
            // Some answer the top-level comment, others an earlier reply.
            let parent = replies[i * 7 % replies.len()];
            let body = format!("第{i}条回复");
            let reply = NewComment { parent: Some(parent), author, body: &body, ..first };
            let (_, stored) = post(&db, &reply, 0).await.unwrap();
            replies.push(stored.unwrap().0);
        }
        on!(&db, p => {
            // Held replies of both, deleted ones with and without a published answer, likes.
            sqlx::query("UPDATE comments SET status = 'pending' WHERE root_id = $1 AND id % 5 = 0")
                .bind(root.0).execute(p).await.unwrap();
            sqlx::query("UPDATE comments SET deleted_at = 1 WHERE root_id = $1 AND id % 4 = 1")
                .bind(root.0).execute(p).await.unwrap();
            sqlx::query("INSERT INTO comment_likes (comment_id, user_id, created_at) \
                         SELECT id, $2, 1 FROM comments WHERE root_id = $1 AND id % 3 = 2")
                .bind(root.0).bind(reader.0).execute(p).await.unwrap();
        });
        for viewer in [None, Some(reader)] {
            let all: Vec<CommentRow> = on!(&db, p => sqlx::query_as(comment_select!(
                "WHERE c.root_id = $2 AND ", listed!("c"), " ORDER BY c.id"
            ))
            .bind(viewer.map_or(0, |v| v.0))
            .bind(root.0)
            .fetch_all(p)
            .await)
            .unwrap();
            let all: Vec<Comment> = all.into_iter().map(|r| r.into_comment(chrono_tz::UTC)).collect();
            assert!(
                all.len() > 2 * REPLIES_PER_PAGE as usize && all.len() < 3 * REPLIES_PER_PAGE as usize,
                "{viewer:?}: {}",
                all.len()
            );
            assert!(all.iter().any(|c| c.liked) == viewer.is_some() && all.iter().any(|c| c.deleted));
            let mut paged = Vec::new();
            for page in 1..=3 {
                paged.extend(replies_page(&db, chrono_tz::UTC, root, page, viewer).await.unwrap());
            }
            assert_eq!(paged, all, "{viewer:?}");
            assert!(replies_page(&db, chrono_tz::UTC, root, 4, viewer).await.unwrap().is_empty());
        }
    }

    /// PostgreSQL: a lock committed while a post waits for the article's row wins. The post read
    /// the thread as open, then its UPDATE waited for the moderator's transaction and read the
    /// row again: it stores nothing and answers the lock (SQLite's write lock orders the two).
    #[tokio::test]
    async fn a_lock_committed_while_a_post_waits_for_the_article_stores_nothing() {
        let (db, _guard) = test_db::fresh().await;
        let Db::Pg(pool) = &db else { return };
        seed::seed_if_empty(&db, 0).await.unwrap();
        let article = ArticleId(1);
        let count0 = count(&db, article).await.unwrap();
        let author = reader(&db, "抢先").await;
        let mut moderator = pool.begin().await.unwrap();
        sqlx::query("UPDATE articles SET comments_locked = TRUE WHERE id = $1")
            .bind(article.0)
            .execute(&mut *moderator)
            .await
            .unwrap();
        let posting = {
            let db = db.clone();
            tokio::spawn(async move {
                let new =
                    NewComment {
                        article, parent: None, author, body: "赶在关闭前", filter: None, filters_version: 0
                    };
                let (checks, stored) = post(&db, &new, 0).await.unwrap();
                (checks.refusal(0, &new), stored)
            })
        };
        // Until the post waits for the article's row (at most 10 s).
        let mut waited = 0;
        loop {
            let waiting: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
            )
            .fetch_one(pool)
            .await
            .unwrap();
            if waiting > 0 {
                break;
            }
            waited += 1;
            assert!(waited < 500, "the post never waited for the article's row");
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        moderator.commit().await.unwrap();
        let (refusal, stored) = posting.await.unwrap();
        assert_eq!((refusal, stored), (Some(Refused::Locked), None));
        assert_eq!(count(&db, article).await.unwrap(), count0);
    }

    /// SQLite's plan of the comment page statement in each order, a line per step (`None` on
    /// PostgreSQL, whose plans follow its statistics).
    async fn page_plans() -> Option<Vec<Vec<String>>> {
        let (db, _guard) = test_db::fresh().await;
        let Db::Sqlite(crate::server::db::readers::Lite { pool, .. }) = &db else { return None };
        let mut plans = Vec::new();
        for sql in [
            concat!("EXPLAIN QUERY PLAN ", page_query!(sqlite, "created_at DESC, id DESC")),
            concat!("EXPLAIN QUERY PLAN ", page_query!(sqlite, "created_at ASC, id ASC")),
            concat!("EXPLAIN QUERY PLAN ", page_query!(sqlite, "like_count DESC, id DESC")),
        ] {
            let plan: Vec<(i64, i64, i64, String)> = sqlx::query_as(sql)
                .bind(0_i64)
                .bind(1_i64)
                .bind(21_i64)
                .bind(0_i64)
                .bind(3_i64)
                .fetch_all(pool)
                .await
                .unwrap();
            plans.push(plan.into_iter().map(|r| r.3).collect());
        }
        Some(plans)
    }

    /// Each page of comments looks for the thread's pinned comment: through its own index, not
    /// by reading every top-level comment of the article (2 ms a page at 8,000 of them).
    #[tokio::test]
    async fn a_page_finds_the_pinned_comment_by_its_index() {
        let Some(plans) = page_plans().await else { return };
        for plan in plans {
            assert!(plan.iter().any(|l| l.contains("USING COVERING INDEX comments_pinned")), "{plan:#?}");
        }
    }

    /// A page finds its top-level comments in each order on that order's index alone: the
    /// pages before it are skipped one index entry per comment, not a fetch of each comment's
    /// row (the last page of 8,000 top-level comments: 5.7 ms against 1.6 ms for the first).
    #[tokio::test]
    async fn a_page_skips_the_pages_before_it_on_the_index_alone() {
        let Some(plans) = page_plans().await else { return };
        for (plan, index) in plans.iter().zip(["comments_top_new", "comments_top_new", "comments_top_hot"]) {
            let top: Vec<&str> = plan.iter().map(String::as_str).filter(|l| l.contains("comments_top_")).collect();
            assert!(!top.is_empty(), "{plan:#?}");
            let covering = format!("SEARCH t USING COVERING INDEX {index} (article_id=? AND parent_id=?)");
            assert!(top.iter().all(|l| *l == covering), "{plan:#?}");
        }
    }

    /// A page's comments go out as SQLite reads them: the one temporary table it may build is the
    /// page's top-level ids (`roots`, read twice); with the article joined to the comments' rows, SQLite
    /// first copied every row of the page into another (38 → 31 µs a page).
    #[tokio::test]
    async fn a_page_copies_no_comment_into_a_temporary_table() {
        let Some(plans) = page_plans().await else { return };
        for plan in plans {
            let copies: Vec<&str> = plan.iter().map(String::as_str).filter(|l| l.starts_with("MATERIALIZE")).collect();
            assert!(copies.iter().all(|l| *l == "MATERIALIZE roots"), "{plan:#?}");
            assert!(plan.iter().any(|l| l == "SEARCH a USING INTEGER PRIMARY KEY (rowid=?)"), "{plan:#?}");
        }
    }

    /// A page takes each top-level comment's first few replies from `comments_by_root` alone,
    /// never a lookup of each reply's row (a page showing a 2,000-reply thread: ~600 µs on an
    /// index of `root_id` only, ~200 µs on this one), and counts its replies without reading
    /// them: the kept count by its key, the reader's own held ones on their partial index
    /// (counting on `comments_by_root` read the whole thread: another ~160 µs at 2,000).
    #[tokio::test]
    async fn a_page_takes_replies_from_the_index_alone_and_counts_none_of_them() {
        let Some(plans) = page_plans().await else { return };
        for plan in plans {
            let by_root: Vec<&str> =
                plan.iter().map(String::as_str).filter(|l| l.contains("comments_by_root")).collect();
            // The replies taken (`x`); nothing else reads the thread.
            assert!(!by_root.is_empty(), "{plan:#?}");
            assert!(
                by_root.iter().all(|l| l.starts_with("SEARCH x USING COVERING INDEX comments_by_root")),
                "{plan:#?}"
            );
            assert!(plan.iter().any(|l| l.starts_with("SEARCH n USING INTEGER PRIMARY KEY")), "{plan:#?}");
            assert!(
                plan.iter()
                    .any(|l| l
                        .starts_with("SEARCH r USING COVERING INDEX comments_unpublished (root_id=? AND author_id=?)")),
                "{plan:#?}"
            );
        }
    }

    /// The reply count each top-level comment shows is the number of its replies the reader is
    /// listed, whatever happens to the thread: posts answering the top-level comment or a reply,
    /// held ones approved or rejected, published ones held again, deletions (of a reply that
    /// others answer, of the last answer to a deleted one), statements changing many replies of
    /// a thread at once, rows removed, on each database. Checked after every change against a
    /// count of the listed replies, for a visitor, for each of the two authors and in the event
    /// log's replay.
    #[tokio::test]
    async fn each_threads_reply_count_follows_what_its_readers_are_listed() {
        let (db, _guard) = test_db::fresh().await;
        seed::seed_if_empty(&db, 0).await.unwrap();
        let article = ArticleId(2);
        let authors = [reader(&db, "计数甲").await, reader(&db, "计数乙").await];
        let mut tx = db.begin_write().await.unwrap();
        let roots = [
            insert(&mut tx, article, None, authors[0], "楼一", 1).await.unwrap(),
            insert(&mut tx, article, None, authors[1], "楼二", 2).await.unwrap(),
        ];
        tx.commit().await.unwrap();
        let mut comments: Vec<(CommentId, CommentId)> = roots.iter().map(|r| (*r, *r)).collect();
        let mut seed_value: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = |n: usize| {
            seed_value ^= seed_value << 13;
            seed_value ^= seed_value >> 7;
            seed_value ^= seed_value << 17;
            (seed_value % n as u64) as usize
        };
        let statuses = ["published", "pending", "rejected"];
        let mut kinds_done = [0usize; 8];
        for step in 0..400 {
            let (id, root) = comments[next(comments.len())];
            // Replies first, then every kind of change, a third of them new replies.
            let kind = if step < 30 { 0 } else { [0, 0, 0, 0, 1, 2, 3, 4, 4, 5, 6, 7][next(12)] };
            let sql: String = match kind {
                // A reply (held, published or rejected) to a top-level comment or a reply.
                0 => {
                    let status = statuses[next(3)];
                    let author = authors[next(2)];
                    let new_id: i64 = on!(&db, p => sqlx::query_scalar(
                        "INSERT INTO comments (article_id, parent_id, root_id, author_id, body, created_at, status) \
                         VALUES ($1, $2, $3, $4, '回复', 3, $5) RETURNING id",
                    )
                    .bind(article.0)
                    .bind(id.0)
                    .bind(root.0)
                    .bind(author.0)
                    .bind(status)
                    .fetch_one(p)
                    .await
                    .unwrap());
                    comments.push((CommentId(new_id), root));
                    format!("a {status} reply {new_id} to {}", id.0)
                }
                1 => format!("UPDATE comments SET status = 'published' WHERE id = {} AND status = 'pending'", id.0),
                2 => format!("UPDATE comments SET status = 'rejected' WHERE id = {} AND status = 'pending'", id.0),
                3 => format!("UPDATE comments SET status = 'pending' WHERE id = {} AND status = 'published'", id.0),
                4 => {
                    let mut tx = db.begin_write().await.unwrap();
                    soft_delete(&mut tx, id, 4).await.unwrap();
                    tx.commit().await.unwrap();
                    format!("{} deleted", id.0)
                }
                // Many replies of one thread in one statement, parents and their answers
                // together.
                5 => format!(
                    "UPDATE comments SET status = CASE WHEN status = 'published' THEN 'pending' ELSE 'published' END \
                     WHERE root_id = {} AND id % 3 = {}",
                    root.0,
                    next(3)
                ),
                6 => format!("UPDATE comments SET deleted_at = NULL WHERE id = {} AND parent_id IS NOT NULL", id.0),
                // A reply nobody answered, removed.
                _ => format!(
                    "DELETE FROM comments WHERE id = {} AND parent_id IS NOT NULL \
                     AND NOT EXISTS (SELECT 1 FROM comments k WHERE k.parent_id = {0})",
                    id.0
                ),
            };
            let changed = match kind {
                0 | 4 => 1,
                _ => test_db::execute_text(&db, sql.clone()).await,
            };
            if kind == 7 && changed == 1 {
                comments.retain(|c| c.0 != id);
            }
            kinds_done[kind] += usize::from(changed > 0);
            for root in roots {
                for viewer in [0, authors[0].0, authors[1].0] {
                    let listed = listed_replies(&db, root, viewer).await;
                    let shown =
                        get(&db, chrono_tz::UTC, root, (viewer != 0).then_some(UserId(viewer))).await.unwrap().unwrap();
                    assert_eq!(shown.replies, listed, "step {step} ({sql}), thread {}, viewer {viewer}", root.0);
                }
            }
        }
        // Every kind of change happened, most of them many times.
        assert!(kinds_done.iter().all(|n| *n > 3), "{kinds_done:?}");
        // The replay of the log counts as the page does (for nobody in particular).
        let mut tx = db.begin_write().await.unwrap();
        let seq = record_event(&mut tx, article, "restored", roots[0], 5).await.unwrap();
        tx.commit().await.unwrap();
        let replay = events_since(&db, chrono_tz::UTC, article, seq - 1, 10).await.unwrap();
        let Some(LiveEvent { change: Change::Restored(c), .. }) = replay.events.first() else {
            panic!("{:?}", replay.events)
        };
        assert_eq!(c.replies, listed_replies(&db, roots[0], 0).await);
    }

    /// The thread's replies listed for `viewer` (0: a guest), counted one by one as the
    /// listing's own predicate has it.
    async fn listed_replies(db: &Db, root: CommentId, viewer: i64) -> i64 {
        on!(db, p => sqlx::query_scalar(concat!(
            "SELECT COUNT(*) FROM comments r WHERE r.root_id = $2 AND ", listed!("r")
        ))
        .bind(viewer)
        .bind(root.0)
        .fetch_one(p)
        .await
        .unwrap())
    }

    /// PostgreSQL: a reply's deletion and the first answer to it, in two transactions at once,
    /// count as if one came after the other. Each change takes the article's row first, so the
    /// answer's count waits for the deletion and then sees it (a deleted reply stays listed
    /// while an answer is published). Without that the answer read the reply as not deleted
    /// and the deletion read it as unanswered: the thread showed one reply too few.
    #[tokio::test]
    async fn a_deletion_and_an_answer_at_once_are_counted_in_turn() {
        let (db, _guard) = test_db::fresh().await;
        let Db::Pg(_) = &db else { return };
        seed::seed_if_empty(&db, 0).await.unwrap();
        let (article, author) = (ArticleId(2), UserId(1));
        let mut tx = db.begin_write().await.unwrap();
        let root = insert(&mut tx, article, None, author, "楼", 1).await.unwrap();
        let reply = insert(&mut tx, article, Some(root), author, "将删", 2).await.unwrap();
        tx.commit().await.unwrap();
        let mut deleting = db.begin_write().await.unwrap();
        assert_eq!(soft_delete(&mut deleting, reply, 3).await.unwrap(), Some(true));
        let answering = tokio::spawn({
            let db = db.clone();
            async move {
                let mut tx = db.begin_write().await.unwrap();
                insert(&mut tx, article, Some(reply), author, "答", 4).await.unwrap();
                tx.commit().await.unwrap();
            }
        });
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        assert!(!answering.is_finished(), "the answer waits for the article's row");
        deleting.commit().await.unwrap();
        answering.await.unwrap();
        let shown = get(&db, chrono_tz::UTC, root, None).await.unwrap().unwrap();
        // The deleted reply, answered, and its answer.
        assert_eq!(shown.replies, 2);
    }

    /// A database from before the kept counts gets them from what its threads hold.
    #[tokio::test]
    async fn a_database_from_before_the_kept_counts_is_counted_once() {
        let (db, _guard) = test_db::migrated_to(19, 16).await;
        seed::seed_if_empty(&db, 0).await.unwrap();
        for sql in [
            // Article 1's first comment: a reply deleted with a published answer (listed), one
            // deleted without (not), one held (not), two published.
            "INSERT INTO comments (id, article_id, parent_id, root_id, author_id, body, created_at, deleted_at) \
             VALUES (9001, 1, NULL, NULL, 1, '楼', 0, NULL), (9002, 1, 9001, 9001, 1, '删', 0, 5), \
             (9003, 1, 9002, 9001, 1, '答', 0, NULL), (9004, 1, 9001, 9001, 1, '删二', 0, 5), \
             (9005, 1, 9001, 9001, 1, '好', 0, NULL)",
            "INSERT INTO comments (id, article_id, parent_id, root_id, author_id, body, created_at, status) \
             VALUES (9006, 1, 9001, 9001, 1, '待', 0, 'pending')",
        ] {
            assert!(test_db::execute(&db, sql).await > 0, "{sql}");
        }
        super::super::migrate(&db).await.unwrap();
        assert_eq!(test_db::scalar(&db, "SELECT listed FROM thread_counts WHERE root_id = 9001").await, 3);
        assert_eq!(
            test_db::scalar(&db, "SELECT COUNT(*) FROM thread_counts").await,
            test_db::scalar(&db, "SELECT COUNT(*) FROM comments WHERE parent_id IS NULL").await
        );
    }

    /// PostgreSQL plans an article page's two statements (the article with its side column, the
    /// comment page) once per connection and then reuses the plan, rather than planning each
    /// page anew (planning was ten times the statements' execution on a large site).
    #[tokio::test]
    async fn postgres_reuses_its_plans_of_the_article_page() {
        let (db, _guard) = test_db::fresh().await;
        let Db::Pg(pool) = &db else { return };
        seed::seed_if_empty(&db, 0).await.unwrap();
        // A site large enough that a plan for an unknown page length (a tenth of the rows, as
        // PostgreSQL assumes) costs more than one for the real length: 20,000 articles, and
        // 20,000 comments over 500 of them.
        for sql in [
            "INSERT INTO articles (channel_id, title, summary, source, published_at, created_at) \
             SELECT (SELECT MIN(id) FROM channels), '旧闻', '摘要', '今日', g, g FROM generate_series(1, 20000) g",
            "INSERT INTO comments (article_id, author_id, body, created_at) \
             SELECT 1 + g % 500, (SELECT MIN(id) FROM users), '评论', g FROM generate_series(1, 20000) g",
            "ANALYZE",
        ] {
            sqlx::query(sql).execute(pool).await.unwrap();
        }
        let options = (*pool.connect_options()).clone();
        let one = sqlx::postgres::PgPoolOptions::new().max_connections(1).connect_with(options).await.unwrap();
        let db = Db::Pg(one.clone());
        for _ in 0..12 {
            crate::server::db::articles::get(&db, chrono_tz::UTC, ArticleId(1)).await.unwrap().unwrap();
            page(&db, chrono_tz::UTC, ArticleId(1), Sort::New, 1, None).await.unwrap().unwrap();
        }
        let plans: Vec<(String, i64, i64)> =
            sqlx::query_as("SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements")
                .fetch_all(&one)
                .await
                .unwrap();
        for start in ["WITH roots", "SELECT a.id, a.title"] {
            let (_, generic, custom) = plans
                .iter()
                .find(|p| p.0.trim_start().starts_with(start))
                .unwrap_or_else(|| panic!("{start}: {plans:?}"));
            assert!(*generic >= 6 && *custom <= 6, "{start}: {generic} generic, {custom} custom plans");
        }
    }

    async fn event(db: &Db, article: i64, comment: i64) -> i64 {
        let mut tx = db.begin_write().await.unwrap();
        let seq = record_event(&mut tx, ArticleId(article), "liked", CommentId(comment), 0).await.unwrap();
        tx.commit().await.unwrap();
        seq
    }

    #[tokio::test]
    async fn each_article_numbers_its_events_from_one_and_a_rolled_back_number_is_taken_again() {
        let (db, _dir) = test_db::fresh().await;
        seed::seed_if_empty(&db, 0).await.unwrap();
        let comment = test_db::scalar(&db, "SELECT MIN(id) FROM comments").await;
        assert_eq!(
            [event(&db, 1, comment).await, event(&db, 2, comment).await, event(&db, 1, comment).await],
            [1, 1, 2]
        );
        let mut tx = db.begin_write().await.unwrap();
        assert_eq!(record_event(&mut tx, ArticleId(1), "liked", CommentId(comment), 0).await.unwrap(), 3);
        drop(tx);
        assert_eq!(event(&db, 1, comment).await, 3, "the rolled-back number is not lost");
        assert_eq!(last_event_id(&db, ArticleId(1)).await.unwrap(), 3);
        assert_eq!(last_event_id(&db, ArticleId(999)).await.unwrap(), 0, "no such article");
        let replay = events_since(&db, chrono_tz::UTC, ArticleId(1), 1, 1).await.unwrap();
        assert_eq!((replay.read, replay.last, replay.events.len()), (1, 2, 1));
    }

    async fn logged(db: &Db, article: i64, kind: &str, comment: i64, at: i64) -> i64 {
        let mut tx = db.begin_write().await.unwrap();
        let seq = record_event(&mut tx, ArticleId(article), kind, CommentId(comment), at).await.unwrap();
        tx.commit().await.unwrap();
        seq
    }

    #[tokio::test]
    async fn one_read_of_the_log_brings_the_comments_the_count_and_the_newest_number() {
        let (db, _dir) = test_db::fresh().await;
        seed::seed_if_empty(&db, 0).await.unwrap();
        let comment = test_db::scalar(&db, "SELECT MIN(id) FROM comments WHERE article_id = 1").await;
        for kind in ["created", "liked", "deleted"] {
            logged(&db, 1, kind, comment, 0).await;
        }
        let count = count(&db, ArticleId(1)).await.unwrap();
        let replay = events_since(&db, chrono_tz::UTC, ArticleId(1), 0, 10).await.unwrap();
        assert_eq!((replay.read, replay.last, replay.newest, replay.count, replay.gap), (3, 3, 3, count, false));
        let Change::Created(c) = &replay.events[0].change else { panic!("{:?}", replay.events[0]) };
        let stored = get(&db, chrono_tz::UTC, CommentId(comment), None).await.unwrap().unwrap();
        assert_eq!(c, &stored, "the replayed comment is the stored one");
        assert!(matches!(replay.events[1].change, Change::Liked { likes, .. } if likes == stored.likes));
        assert_eq!(replay.events[2].change, Change::Deleted(CommentId(comment)));
        assert!(replay.events.iter().all(|e| e.comment_count == count));
        let caught_up = events_since(&db, chrono_tz::UTC, ArticleId(1), 3, 10).await.unwrap();
        assert_eq!((caught_up.read, caught_up.last, caught_up.gap), (0, 3, false));
        let batch = events_since(&db, chrono_tz::UTC, ArticleId(1), 0, 2).await.unwrap();
        assert_eq!((batch.read, batch.last, batch.gap), (2, 2, false), "a batch is cut at its size");
        assert!(matches!(
            events_since(&db, chrono_tz::UTC, ArticleId(999), 0, 10).await,
            Err(sqlx::Error::RowNotFound)
        ));
    }

    #[tokio::test]
    async fn pruning_drops_only_old_events_and_a_reader_before_them_or_past_the_newest_is_told() {
        let (db, _dir) = test_db::fresh().await;
        seed::seed_if_empty(&db, 0).await.unwrap();
        let comment = test_db::scalar(&db, "SELECT MIN(id) FROM comments WHERE article_id = 1").await;
        for at in [100, 200, 300, 400] {
            logged(&db, 1, "liked", comment, at).await;
        }
        assert_eq!(prune_events(&db, 300).await.unwrap(), 2, "the events before 300");
        let behind = events_since(&db, chrono_tz::UTC, ArticleId(1), 1, 10).await.unwrap();
        assert!(behind.gap, "event 2 is gone: a reader after 1 cannot be brought up to date");
        assert_eq!(behind.newest, 4);
        let just_in_time = events_since(&db, chrono_tz::UTC, ArticleId(1), 2, 10).await.unwrap();
        assert_eq!((just_in_time.gap, just_in_time.read), (false, 2), "events 3 and 4 are kept");
        let from_elsewhere = events_since(&db, chrono_tz::UTC, ArticleId(1), i64::MAX, 10).await.unwrap();
        assert!(from_elsewhere.gap, "a number past the newest is not this article's");
        assert_eq!(prune_events(&db, 1_000).await.unwrap(), 2);
        let all_gone = events_since(&db, chrono_tz::UTC, ArticleId(1), 3, 10).await.unwrap();
        assert!(all_gone.gap && all_gone.read == 0, "event 4 is gone too");
        assert!(!events_since(&db, chrono_tz::UTC, ArticleId(1), 4, 10).await.unwrap().gap, "up to date");
    }
}
