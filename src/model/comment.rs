use super::{ArticleId, CommentId, PublicUser};
use serde::{Deserialize, Serialize};
#[cfg(feature = "ssr")]
use std::collections::HashMap;

/// A comment or reply as readers see it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Comment {
    pub id: CommentId,
    pub article_id: ArticleId,
    /// The comment this one answers (any reply, at any depth); `None` for a top-level comment.
    pub parent_id: Option<CommentId>,
    /// The top-level comment whose thread this reply belongs to; `None` for a top-level comment.
    pub root_id: Option<CommentId>,
    /// Name of the author of `parent_id`, for "回复 @name" (read with the reply, so it is known
    /// when the parent is not on the page).
    pub reply_to: Option<String>,
    /// For a top-level comment: the replies its thread lists (a deleted one only while another
    /// reply answers it, as 该评论已删除); 0 for a reply.
    pub replies: i64,
    pub author: PublicUser,
    /// Empty once deleted.
    pub body: String,
    /// Unix seconds, for ordering.
    pub created_at: i64,
    /// `YYYY-MM-DD HH:MM` in the site's time zone, formatted by the server.
    pub created: String,
    /// RFC 3339, for `<time datetime>`.
    pub created_iso: String,
    pub likes: i64,
    /// Deleted by its author: shown as 该评论已删除, its replies stay.
    pub deleted: bool,
    /// Liked by the reader who asked (always false for a visitor and in live events).
    pub liked: bool,
    /// Hidden by a moderator: shown as 该评论已被管理员隐藏, its text withheld, its replies stay.
    pub hidden: bool,
    /// Not published: `pending` (待审核) or `rejected` (未通过审核); only its author is sent it.
    pub review: Option<String>,
    /// 置顶: shown first in the thread, whatever the order.
    pub pinned: bool,
}

impl Comment {
    /// The top-level comment this one is listed under (itself for a top-level comment).
    pub fn thread(&self) -> CommentId {
        match self.parent_id {
            None => self.id,
            Some(parent) => self.root_id.unwrap_or(parent),
        }
    }

    /// "回复 @name" for a reply that answers another reply; a reply to the top-level comment
    /// it is listed under needs no such line.
    pub fn answers_reply(&self) -> Option<&str> {
        if self.parent_id.is_some() && self.parent_id != self.root_id {
            self.reply_to.as_deref()
        } else {
            None
        }
    }
}

/// Orders of the top-level comments: 最新 / 最早 / 最热.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Sort {
    #[default]
    New,
    Old,
    Hot,
}

impl Sort {
    pub const ALL: [Sort; 3] = [Sort::New, Sort::Old, Sort::Hot];

    pub fn parse(s: &str) -> Option<Sort> {
        match s {
            "new" => Some(Sort::New),
            "old" => Some(Sort::Old),
            "hot" => Some(Sort::Hot),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Sort::New => "new",
            Sort::Old => "old",
            Sort::Hot => "hot",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Sort::New => "最新",
            Sort::Old => "最早",
            Sort::Hot => "最热",
        }
    }

    /// Where `a` goes against `b` among top-level comments in this order: a pinned one first,
    /// ties broken by id as the database breaks them. One comparison for all three orders: one
    /// sort routine in the browser bundle, not three.
    pub fn order(self, a: &Comment, b: &Comment) -> std::cmp::Ordering {
        b.pinned.cmp(&a.pinned).then_with(|| match self {
            Sort::New => (b.created_at, b.id).cmp(&(a.created_at, a.id)),
            Sort::Old => (a.created_at, a.id).cmp(&(b.created_at, b.id)),
            Sort::Hot => (b.likes, b.id).cmp(&(a.likes, a.id)),
        })
    }
}

/// One page of an article's comments: some top-level comments, each with its first
/// `REPLIES_SHOWN` replies (its `replies` says how many there are in all).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CommentPage {
    pub comments: Vec<Comment>,
    /// Visible (not deleted) comments and replies of the article.
    pub total: i64,
    /// Whether more top-level comments follow this page.
    pub has_more: bool,
    /// The newest live event of the article when this page was read: the stream resumes after it.
    pub last_event_id: i64,
    /// The longest comment the server accepts (`comments.max_chars`), for the form's own check.
    pub max_chars: usize,
    /// A moderator closed the article's comments: the form gives way to a notice.
    pub locked: bool,
    /// New comments on the article are held for review.
    pub premoderated: bool,
    /// The viewer may moderate (hide, restore, pin) from the thread.
    pub moderator: bool,
}

/// Top-level comments per page.
pub const COMMENTS_PER_PAGE: i64 = 20;

/// Replies an article page carries per top-level comment; the rest are loaded on demand
/// (展开更多回复). With `COMMENTS_PER_PAGE` this bounds an article page whatever readers post:
/// 20 × (1 + 3) comments of at most 2,000 characters. The costliest text is a web address of
/// `&`s: twice in the HTML as `&amp;` (the link and its text), once more in the page's resource
/// data for hydration (JSON in a script), about 23 KB a comment. Measured: 1,922,711 bytes for a guest and
/// 1,949,800 signed in, under the page cache's 2 MiB
/// (`the_largest_possible_article_page_fits_the_page_cache`, tests/threads.rs).
pub const REPLIES_SHOWN: i64 = 3;

/// Replies per call of `comments/replies` and per page of `/comment/{id}` (at
/// worst 51 comments of about 20 KB).
pub const REPLIES_PER_PAGE: i64 = 50;

/// A run of a thread's replies in id order, after the last one the reader has.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReplyPage {
    pub replies: Vec<Comment>,
    /// Whether more replies follow the last of these.
    pub has_more: bool,
}

/// One page of a thread on its own (`/comment/{id}?page=N`): the top-level comment, a page of
/// its replies, and the article it belongs to.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CommentThread {
    pub article_id: ArticleId,
    pub article_title: String,
    pub root: Comment,
    pub replies: Vec<Comment>,
    pub page: u32,
    pub total_pages: u32,
    /// The longest reply the server accepts (`comments.max_chars`), for the reply box's check.
    pub max_chars: usize,
}

/// A top-level comment and the replies of its thread on hand, flat, oldest (lowest id) first.
#[derive(Clone, Debug, PartialEq)]
pub struct CommentNode {
    pub comment: Comment,
    pub replies: Vec<Comment>,
}

impl CommentNode {
    /// Replies of the thread that are not on hand.
    pub fn hidden(&self) -> i64 {
        (self.comment.replies - self.replies.len() as i64).max(0)
    }
}

/// Builds the thread two levels deep, like Isso or Waline: top-level comments in `sort` order,
/// each with every reply of its thread (whatever it answers) in id order. However deep readers
/// reply, nothing here recurses. A reply whose top-level comment is not on hand belongs to a
/// thread on another page and is left out.
pub fn build_thread(comments: &[Comment], sort: Sort) -> Vec<CommentNode> {
    // Sorted as references and copied once in order: a page's list grows by each live comment,
    // appended at its end, and a new top-level one goes to the front in the newest-first order.
    let mut roots: Vec<&Comment> = comments.iter().filter(|c| c.parent_id.is_none()).collect();
    insertion_sort(&mut roots, |a, b| sort.order(a, b).is_lt());
    let mut threads: Vec<(&Comment, Vec<&Comment>)> = roots.into_iter().map(|c| (c, Vec::new())).collect();
    // A page has at most `COMMENTS_PER_PAGE` threads (and the live ones): looked through, not
    // hashed (a map here was a table's code in the browser's bundle for this one use; see
    // `VecMap`).
    for c in comments.iter().filter(|c| c.parent_id.is_some()) {
        if let Some((_, replies)) = threads.iter_mut().find(|(root, _)| root.id == c.thread()) {
            replies.push(c);
        }
    }
    threads
        .into_iter()
        .map(|(root, mut replies)| {
            insertion_sort(&mut replies, |a, b| a.id < b.id);
            CommentNode { comment: root.clone(), replies: replies.into_iter().cloned().collect() }
        })
        .collect()
}

/// Sorts `v` so that no element comes before one `less` puts first (stable), by insertion: each
/// element's place among those before it is found by halving (comparisons grow as n log n), and
/// it moves there one swap at a time (the lists sorted here hold references, so a swap is a
/// pointer's). The browser's bundle holds std's sort (~4 KB of wasm) once per element type and
/// order; this is a few hundred bytes.
fn insertion_sort<T>(v: &mut [T], mut less: impl FnMut(&T, &T) -> bool) {
    for i in 1..v.len() {
        // After every earlier element the new one is not less than: equal ones keep their order.
        let at = v[..i].partition_point(|x| !less(&v[i], x));
        for j in (at..i).rev() {
            v.swap(j, j + 1);
        }
    }
}

/// `build_thread` without copies: each top-level comment with its replies, borrowed, for the
/// server, which writes the thread and keeps nothing. (The browser's bundle keeps
/// `build_thread` as it was: written over this one, the main module measured 1,238,183 bytes
/// raw against 1,236,254, brotli 332,960 against 330,388–332,201. The test of the section's
/// writer compares the two on every order.)
#[cfg(feature = "ssr")]
pub fn thread_refs(comments: &[Comment], sort: Sort) -> Vec<(&Comment, Vec<&Comment>)> {
    let mut roots: Vec<&Comment> = comments.iter().filter(|c| c.parent_id.is_none()).collect();
    roots.sort_by(|a, b| sort.order(a, b));
    let at: HashMap<CommentId, usize> = roots.iter().enumerate().map(|(i, c)| (c.id, i)).collect();
    let mut nodes: Vec<(&Comment, Vec<&Comment>)> = roots.into_iter().map(|c| (c, Vec::new())).collect();
    for c in comments.iter().filter(|c| c.parent_id.is_some()) {
        if let Some(&i) = at.get(&c.thread()) {
            nodes[i].1.push(c);
        }
    }
    for (_, replies) in &mut nodes {
        replies.sort_by_key(|c| c.id);
    }
    nodes
}

/// Adds a comment that is new to the page (a live event, or the reader's own post), or updates
/// the copy with the same id: the author's own comment and the event announcing it are one
/// comment, shown once. A new reply counts into its thread's `replies`. Events are the same for
/// every reader, so the reader's own `liked` is kept.
pub fn merge_comment(list: &mut Vec<Comment>, c: Comment) {
    match list.iter_mut().find(|x| x.id == c.id) {
        Some(existing) => {
            let liked = existing.liked;
            *existing = Comment { liked, ..c };
        }
        None => {
            if c.parent_id.is_some() {
                let thread = c.thread();
                if let Some(root) = list.iter_mut().find(|x| x.id == thread) {
                    root.replies += 1;
                }
            }
            list.push(c);
        }
    }
}

/// Adds or replaces a comment as the server answered this reader (its `liked` is theirs, and a
/// top-level comment's `replies` is counted already).
pub fn upsert_comment(list: &mut Vec<Comment>, c: Comment) {
    match list.iter_mut().find(|x| x.id == c.id) {
        Some(existing) => *existing = c,
        None => list.push(c),
    }
}

/// A deletion as a page shows it: the comment says 该评论已删除 while something answers it, and
/// leaves the thread when nothing does (no reply on the page, and for a top-level comment none
/// in its thread). The server's lists leave such comments out the same way
/// (`db::comments`).
pub fn mark_deleted(list: &mut Vec<Comment>, id: CommentId) {
    let answered = list.iter().any(|x| x.parent_id == Some(id));
    let Some(pos) = list.iter().position(|x| x.id == id) else { return };
    let c = &mut list[pos];
    if !answered && (c.parent_id.is_some() || c.replies == 0) {
        let gone = list.remove(pos);
        if gone.parent_id.is_some() {
            if let Some(root) = list.iter_mut().find(|x| x.id == gone.thread()) {
                root.replies = (root.replies - 1).max(0);
            }
        }
    } else {
        c.deleted = true;
        c.body.clear();
        c.likes = 0;
    }
}

/// A moderator hid comment `id`: it says 该评论已被管理员隐藏 and its replies stay.
pub fn mark_hidden(list: &mut [Comment], id: CommentId) {
    if let Some(c) = list.iter_mut().find(|x| x.id == id) {
        c.hidden = true;
        c.body.clear();
        c.likes = 0;
    }
}

/// Sets `review` of comment `id` (the author's own held comment was rejected).
pub fn mark_review(list: &mut [Comment], id: CommentId, review: &str) {
    if let Some(c) = list.iter_mut().find(|x| x.id == id) {
        c.review = Some(review.to_owned());
    }
}

/// Pins comment `id` (unpinning any other), or unpins it.
pub fn mark_pinned(list: &mut [Comment], id: CommentId, pinned: bool) {
    for c in list.iter_mut() {
        if c.id == id {
            c.pinned = pinned;
        } else if pinned {
            c.pinned = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::UserId;

    #[test]
    fn insertion_sort_orders_as_std_stable_sort_does() {
        // Pairs (key, original position): a stable sort keeps equal keys in their first order.
        let mut x = 11u32;
        for len in [0usize, 1, 2, 3, 7, 20, 64, 200] {
            let mut v: Vec<(u32, usize)> = (0..len)
                .map(|i| {
                    x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                    ((x >> 16) % 9, i)
                })
                .collect();
            let mut expected = v.clone();
            expected.sort_by_key(|p| p.0);
            super::insertion_sort(&mut v, |a, b| a.0 < b.0);
            assert_eq!(v, expected, "{len} elements");
        }
        // Already in order, and in reverse.
        let mut up: Vec<u32> = (0..50).collect();
        super::insertion_sort(&mut up, |a, b| a < b);
        assert_eq!(up, (0..50).collect::<Vec<_>>());
        let mut down: Vec<u32> = (0..50).rev().collect();
        super::insertion_sort(&mut down, |a, b| a < b);
        assert_eq!(down, (0..50).collect::<Vec<_>>());
    }

    #[test]
    fn a_deleted_comment_leaves_the_thread_unless_something_answers_it() {
        let mut list =
            vec![c(1, None, "a", 1, 3), c(2, Some(1), "b", 2, 0), c(3, Some(2), "c", 3, 0), c(4, None, "d", 4, 9)];
        list[0].replies = 2;
        mark_deleted(&mut list, CommentId(4));
        assert!(list.iter().all(|x| x.id != CommentId(4)), "a top-level comment without replies goes");
        list[2].root_id = Some(CommentId(1));
        mark_deleted(&mut list, CommentId(3));
        assert!(list.iter().all(|x| x.id != CommentId(3)), "a reply nothing answers goes");
        assert_eq!(list[0].replies, 1, "and its thread counts one reply fewer");
        mark_deleted(&mut list, CommentId(1));
        let one = list.iter().find(|x| x.id == CommentId(1)).expect("answered: it stays");
        assert!(one.deleted && one.body.is_empty() && one.likes == 0);
        mark_deleted(&mut list, CommentId(99));
        assert_eq!(list.len(), 2, "an unknown id changes nothing");
    }

    /// A comment; `parent` is what it answers and `root` its thread's top-level comment.
    fn c(id: i64, parent: Option<i64>, author: &str, at: i64, likes: i64) -> Comment {
        Comment {
            id: CommentId(id),
            article_id: ArticleId(1),
            parent_id: parent.map(CommentId),
            root_id: parent.map(CommentId),
            reply_to: None,
            replies: 0,
            author: PublicUser { id: UserId(id), name: author.to_owned() },
            body: format!("body {id}"),
            created_at: at,
            created: String::new(),
            created_iso: String::new(),
            likes,
            deleted: false,
            liked: false,
            hidden: false,
            review: None,
            pinned: false,
        }
    }

    /// A reply to `parent` in the thread of `root`, answering `to`.
    fn reply(id: i64, parent: i64, root: i64, to: &str) -> Comment {
        Comment { root_id: Some(CommentId(root)), reply_to: Some(to.to_owned()), ..c(id, Some(parent), "r", id, 0) }
    }

    fn ids(nodes: &[CommentNode]) -> Vec<i64> {
        nodes.iter().map(|n| n.comment.id.0).collect()
    }

    fn reply_ids(node: &CommentNode) -> Vec<i64> {
        node.replies.iter().map(|c| c.id.0).collect()
    }

    fn sample() -> Vec<Comment> {
        vec![
            c(5, Some(1), "e", 50, 0),
            c(4, None, "d", 40, 1),
            c(3, Some(1), "c", 30, 0),
            c(2, None, "b", 20, 7),
            c(1, None, "a", 10, 3),
        ]
    }

    #[test]
    fn newest_first_puts_top_level_comments_newest_first_and_replies_oldest_first() {
        let thread = build_thread(&sample(), Sort::New);
        assert_eq!(ids(&thread), vec![4, 2, 1]);
        assert_eq!(reply_ids(&thread[2]), vec![3, 5]);
    }

    #[test]
    fn oldest_first_and_most_liked_first_reorder_only_the_top_level() {
        assert_eq!(ids(&build_thread(&sample(), Sort::Old)), vec![1, 2, 4]);
        let hot = build_thread(&sample(), Sort::Hot);
        assert_eq!(ids(&hot), vec![2, 1, 4]);
        assert_eq!(reply_ids(&hot[1]), vec![3, 5]);
    }

    #[test]
    fn replies_to_replies_are_listed_flat_under_their_top_level_comment_in_id_order_naming_whom_they_answer() {
        let flat = vec![
            reply(4, 2, 1, "b"),
            reply(3, 2, 1, "b"),
            Comment { reply_to: Some("a".into()), ..c(2, Some(1), "b", 2, 0) },
            c(1, None, "a", 1, 0),
        ];
        let thread = build_thread(&flat, Sort::New);
        assert_eq!(ids(&thread), vec![1]);
        assert_eq!(reply_ids(&thread[0]), vec![2, 3, 4], "two levels only, oldest first");
        let says: Vec<Option<&str>> = thread[0].replies.iter().map(Comment::answers_reply).collect();
        assert_eq!(says, vec![None, Some("b"), Some("b")], "only an answer to a reply says whom it answers");
    }

    #[test]
    fn a_reply_whose_top_level_comment_is_not_on_hand_is_left_to_the_page_that_has_it() {
        let thread = build_thread(&[reply(9, 8, 77, "x"), c(1, None, "a", 1, 0)], Sort::New);
        assert_eq!(ids(&thread), vec![1]);
        assert!(thread[0].replies.is_empty());
    }

    #[test]
    fn a_hundred_thousand_deep_chain_is_built_without_recursion() {
        let mut chain = vec![c(1, None, "a", 1, 0)];
        chain.extend((2..=100_000).map(|id| reply(id, id - 1, 1, "n")));
        chain[0].replies = 99_999;
        // Newest first, as a page of a live thread may hold them.
        chain.reverse();
        let thread = build_thread(&chain, Sort::New);
        assert_eq!(thread.len(), 1);
        assert_eq!(thread[0].replies.len(), 99_999);
        assert!(thread[0].replies.windows(2).all(|w| w[0].id < w[1].id));
        assert_eq!(thread[0].hidden(), 0);
    }

    #[test]
    fn the_hidden_replies_of_a_thread_are_its_count_less_those_on_hand() {
        let mut root = c(1, None, "a", 1, 0);
        root.replies = 10;
        let thread = build_thread(&[root, reply(2, 1, 1, "a"), reply(3, 2, 1, "r")], Sort::New);
        assert_eq!(thread[0].hidden(), 8);
    }

    #[test]
    fn a_new_reply_counts_into_its_thread_once_however_often_it_arrives() {
        let mut list = vec![c(1, None, "a", 1, 0)];
        merge_comment(&mut list, reply(2, 1, 1, "a"));
        merge_comment(&mut list, reply(2, 1, 1, "a"));
        merge_comment(&mut list, reply(3, 2, 1, "r"));
        assert_eq!(list[0].replies, 2);
        // A reply of a thread that is not on the page counts nowhere.
        merge_comment(&mut list, reply(4, 99, 98, "z"));
        assert_eq!(list[0].replies, 2);
        // What the server answered replaces the copy as it is.
        let mut fresh = c(1, None, "a", 1, 0);
        fresh.replies = 5;
        upsert_comment(&mut list, fresh);
        upsert_comment(&mut list, reply(5, 1, 1, "a"));
        assert_eq!(list[0].replies, 5);
    }

    #[test]
    fn merging_the_same_comment_twice_keeps_one_copy_with_the_latest_state() {
        let mut list = vec![c(1, None, "a", 1, 0)];
        let mut again = c(1, None, "a", 1, 4);
        merge_comment(&mut list, again.clone());
        again.deleted = true;
        merge_comment(&mut list, again);
        merge_comment(&mut list, c(2, None, "b", 2, 0));
        assert_eq!(list.len(), 2);
        assert_eq!(list[0].likes, 4);
        assert!(list[0].deleted);
    }

    #[test]
    fn a_live_event_keeps_the_readers_own_like_and_their_own_answer_replaces_it() {
        let mut mine = c(1, None, "a", 1, 1);
        mine.liked = true;
        let mut list = vec![mine.clone()];
        merge_comment(&mut list, c(1, None, "a", 1, 2));
        assert!(list[0].liked && list[0].likes == 2);
        mine.liked = false;
        mine.likes = 1;
        upsert_comment(&mut list, mine);
        assert!(!list[0].liked && list[0].likes == 1);
    }

    #[test]
    fn sort_names_round_trip() {
        for s in Sort::ALL {
            assert_eq!(Sort::parse(s.as_str()), Some(s));
        }
        assert_eq!(Sort::parse("best"), None);
    }
}
