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
    pub body: String,
    /// `YYYY-MM-DD HH:MM` in the site's time zone, formatted by the server.
    pub created: String,
    /// RFC 3339, for `<time datetime>`.
    pub created_iso: String,
}

/// A comment with the replies that answer it, oldest reply first.
#[derive(Clone, Debug, PartialEq)]
pub struct CommentNode {
    pub comment: Comment,
    /// Name of the author of the comment this one answers, for "回复 @name".
    pub reply_to: Option<String>,
    pub replies: Vec<CommentNode>,
}

/// Builds the thread from a flat list ordered newest first (the order the database returns).
/// Top-level comments stay newest first; replies read as a conversation, oldest first.
/// A reply whose parent is not in the list is shown at the top level rather than lost.
pub fn build_thread(newest_first: Vec<Comment>) -> Vec<CommentNode> {
    let names: HashMap<CommentId, String> = newest_first.iter().map(|c| (c.id, c.author.name.clone())).collect();
    let mut children: HashMap<CommentId, Vec<Comment>> = HashMap::new();
    let mut roots = Vec::new();
    for c in newest_first {
        match c.parent_id {
            Some(p) if names.contains_key(&p) => children.entry(p).or_default().push(c),
            _ => roots.push(c),
        }
    }
    fn attach(
        c: Comment,
        children: &mut HashMap<CommentId, Vec<Comment>>,
        names: &HashMap<CommentId, String>,
    ) -> CommentNode {
        let mut kids = children.remove(&c.id).unwrap_or_default();
        kids.reverse();
        let replies = kids.into_iter().map(|k| attach(k, children, names)).collect();
        let reply_to = c.parent_id.and_then(|p| names.get(&p).cloned());
        CommentNode { comment: c, reply_to, replies }
    }
    roots.into_iter().map(|c| attach(c, &mut children, &names)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::UserId;

    fn c(id: i64, parent: Option<i64>, author: &str) -> Comment {
        Comment {
            id: CommentId(id),
            article_id: ArticleId(1),
            parent_id: parent.map(CommentId),
            author: PublicUser { id: UserId(id), name: author.to_owned() },
            body: format!("body {id}"),
            created: String::new(),
            created_iso: String::new(),
        }
    }

    fn ids(nodes: &[CommentNode]) -> Vec<i64> {
        nodes.iter().map(|n| n.comment.id.0).collect()
    }

    #[test]
    fn top_level_comments_keep_newest_first_and_replies_read_oldest_first() {
        // Newest first: 5 (reply to 1), 4, 3 (reply to 1), 2 (reply to 3), 1.
        let flat = vec![c(5, Some(1), "e"), c(4, None, "d"), c(3, Some(1), "c"), c(2, None, "b"), c(1, None, "a")];
        let thread = build_thread(flat);
        assert_eq!(ids(&thread), vec![4, 2, 1]);
        let first = &thread[2];
        assert_eq!(ids(&first.replies), vec![3, 5]);
        assert_eq!(first.replies[0].reply_to.as_deref(), Some("a"));
    }

    #[test]
    fn replies_to_replies_nest_under_the_reply_they_answer() {
        let flat = vec![c(3, Some(2), "c"), c(2, Some(1), "b"), c(1, None, "a")];
        let thread = build_thread(flat);
        assert_eq!(ids(&thread), vec![1]);
        assert_eq!(ids(&thread[0].replies), vec![2]);
        assert_eq!(ids(&thread[0].replies[0].replies), vec![3]);
        assert_eq!(thread[0].replies[0].replies[0].reply_to.as_deref(), Some("b"));
    }

    #[test]
    fn a_reply_whose_parent_is_missing_is_shown_rather_than_lost() {
        let thread = build_thread(vec![c(9, Some(77), "x"), c(1, None, "a")]);
        assert_eq!(ids(&thread), vec![9, 1]);
        assert_eq!(thread[0].reply_to, None);
    }
}
