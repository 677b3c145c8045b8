use super::{ArticleId, CommentId, PublicUser};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// A comment or reply as readers see it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Comment {
    pub id: CommentId,
    pub article_id: ArticleId,
    pub parent_id: Option<CommentId>,
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

    /// Puts top-level comments in this order (ties broken by id, like the database does).
    /// One comparison for all three orders: one sort routine in the browser bundle, not three.
    pub fn sort(self, roots: &mut [Comment]) {
        roots.sort_by(|a, b| match self {
            Sort::New => (b.created_at, b.id).cmp(&(a.created_at, a.id)),
            Sort::Old => (a.created_at, a.id).cmp(&(b.created_at, b.id)),
            Sort::Hot => (b.likes, b.id).cmp(&(a.likes, a.id)),
        });
    }
}

/// One page of an article's comments: some top-level comments with all their replies.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CommentPage {
    pub comments: Vec<Comment>,
    /// Visible (not deleted) comments and replies of the article.
    pub total: i64,
    /// Whether more top-level comments follow this page.
    pub has_more: bool,
    /// The newest live event of the article when this page was read: the stream resumes after it.
    pub last_event_id: i64,
}

/// Top-level comments per page.
pub const COMMENTS_PER_PAGE: i64 = 20;

/// A comment with the replies that answer it, oldest reply first.
#[derive(Clone, Debug, PartialEq)]
pub struct CommentNode {
    pub comment: Comment,
    /// Name of the author of the comment this one answers, for "回复 @name".
    pub reply_to: Option<String>,
    pub replies: Vec<CommentNode>,
}

/// Builds the thread: top-level comments in `sort` order, replies under what they answer as a
/// conversation, oldest first. A reply whose parent is unknown is shown at the top level
/// rather than lost.
pub fn build_thread(comments: &[Comment], sort: Sort) -> Vec<CommentNode> {
    let names: HashMap<CommentId, String> = comments.iter().map(|c| (c.id, c.author.name.clone())).collect();
    let mut children: HashMap<CommentId, Vec<Comment>> = HashMap::new();
    let mut roots = Vec::new();
    for c in comments {
        match c.parent_id {
            Some(p) if names.contains_key(&p) => children.entry(p).or_default().push(c.clone()),
            _ => roots.push(c.clone()),
        }
    }
    sort.sort(&mut roots);
    fn attach(
        c: Comment,
        children: &mut HashMap<CommentId, Vec<Comment>>,
        names: &HashMap<CommentId, String>,
    ) -> CommentNode {
        let mut kids = children.remove(&c.id).unwrap_or_default();
        Sort::Old.sort(&mut kids);
        let replies = kids.into_iter().map(|k| attach(k, children, names)).collect();
        let reply_to = c.parent_id.and_then(|p| names.get(&p).cloned());
        CommentNode { comment: c, reply_to, replies }
    }
    roots.into_iter().map(|c| attach(c, &mut children, &names)).collect()
}

/// Adds a comment from a live event to a list, or updates the copy with the same id: the
/// author's own comment and the event announcing it are one comment, shown once. Events are
/// the same for every reader, so the reader's own `liked` is kept.
pub fn merge_comment(list: &mut Vec<Comment>, c: Comment) {
    match list.iter_mut().find(|x| x.id == c.id) {
        Some(existing) => {
            let liked = existing.liked;
            *existing = Comment { liked, ..c };
        }
        None => list.push(c),
    }
}

/// Adds or replaces a comment as the server answered this reader (its `liked` is theirs).
pub fn upsert_comment(list: &mut Vec<Comment>, c: Comment) {
    match list.iter_mut().find(|x| x.id == c.id) {
        Some(existing) => *existing = c,
        None => list.push(c),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::UserId;

    fn c(id: i64, parent: Option<i64>, author: &str, at: i64, likes: i64) -> Comment {
        Comment {
            id: CommentId(id),
            article_id: ArticleId(1),
            parent_id: parent.map(CommentId),
            author: PublicUser { id: UserId(id), name: author.to_owned() },
            body: format!("body {id}"),
            created_at: at,
            created: String::new(),
            created_iso: String::new(),
            likes,
            deleted: false,
            liked: false,
        }
    }

    fn ids(nodes: &[CommentNode]) -> Vec<i64> {
        nodes.iter().map(|n| n.comment.id.0).collect()
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
        assert_eq!(ids(&thread[2].replies), vec![3, 5]);
        assert_eq!(thread[2].replies[0].reply_to.as_deref(), Some("a"));
    }

    #[test]
    fn oldest_first_and_most_liked_first_reorder_only_the_top_level() {
        assert_eq!(ids(&build_thread(&sample(), Sort::Old)), vec![1, 2, 4]);
        let hot = build_thread(&sample(), Sort::Hot);
        assert_eq!(ids(&hot), vec![2, 1, 4]);
        assert_eq!(ids(&hot[1].replies), vec![3, 5]);
    }

    #[test]
    fn replies_to_replies_nest_under_the_reply_they_answer() {
        let flat = vec![c(3, Some(2), "c", 3, 0), c(2, Some(1), "b", 2, 0), c(1, None, "a", 1, 0)];
        let thread = build_thread(&flat, Sort::New);
        assert_eq!(ids(&thread), vec![1]);
        assert_eq!(ids(&thread[0].replies), vec![2]);
        assert_eq!(ids(&thread[0].replies[0].replies), vec![3]);
        assert_eq!(thread[0].replies[0].replies[0].reply_to.as_deref(), Some("b"));
    }

    #[test]
    fn a_reply_whose_parent_is_missing_is_shown_rather_than_lost() {
        let thread = build_thread(&[c(9, Some(77), "x", 9, 0), c(1, None, "a", 1, 0)], Sort::New);
        assert_eq!(ids(&thread), vec![9, 1]);
        assert_eq!(thread[0].reply_to, None);
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
