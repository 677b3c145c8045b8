//! Comment bodies and the live events that carry new comments, deletions and likes to open pages.

use super::{ArticleId, Comment, CommentId};
use serde::{Deserialize, Serialize};

/// Default longest comment, in characters (`comments.max_chars` configures the server).
pub const BODY_MAX: usize = 2000;

/// A comment's text: plain text, trimmed, NFC (on the server), 1 to `max` characters, line
/// breaks kept. Never interpreted as HTML.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommentBody(String);

impl CommentBody {
    pub fn parse(raw: &str, max: usize) -> Result<CommentBody, String> {
        let unified = raw.replace("\r\n", "\n").replace('\r', "\n");
        let text = super::nfc(unified.trim());
        let len = text.chars().count();
        if len == 0 {
            return Err("评论不能为空".to_owned());
        }
        if len > max {
            return Err(format!("评论最多 {max} 个字,现在是 {len} 个"));
        }
        Ok(CommentBody(text))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A piece of a comment as shown: text, or a web address made clickable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Segment {
    Text(String),
    Link(String),
}

/// Finds `http://` and `https://` addresses in plain text. Only those become links: no
/// `javascript:` or other schemes, whatever the text says.
pub fn linkify(text: &str) -> Vec<Segment> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = find_url_start(rest) {
        let after = &rest[start..];
        let end = after
            .char_indices()
            .find(|&(_, c)| c.is_whitespace() || c.is_control() || !c.is_ascii() || "<>\"'`{}|\\^".contains(c))
            .map_or(after.len(), |(i, _)| i);
        // Trailing punctuation belongs to the sentence, not the address.
        let url = after[..end].trim_end_matches(['.', ',', ')', ']', ';', ':', '!', '?']);
        let scheme_len = if url.starts_with("https://") { 8 } else { 7 };
        if url.len() <= scheme_len {
            out.push(Segment::Text(rest[..start + scheme_len].to_owned()));
            rest = &rest[start + scheme_len..];
            continue;
        }
        if start > 0 {
            out.push(Segment::Text(rest[..start].to_owned()));
        }
        out.push(Segment::Link(url.to_owned()));
        rest = &rest[start + url.len()..];
    }
    if !rest.is_empty() {
        out.push(Segment::Text(rest.to_owned()));
    }
    out
}

fn find_url_start(s: &str) -> Option<usize> {
    match (s.find("https://"), s.find("http://")) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// One change to an article's comments, as the live stream sends it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LiveEvent {
    /// Grows with every change; a reader resumes after the last id it saw.
    pub id: i64,
    pub article_id: ArticleId,
    /// Visible comments of the article after this change (评论N条).
    pub comment_count: i64,
    pub change: Change,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Change {
    Created(Comment),
    Deleted(CommentId),
    Liked { comment_id: CommentId, likes: i64 },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_is_trimmed_and_keeps_its_line_breaks() {
        let b = CommentBody::parse("  第一行\r\n第二行\n\n第三行  ", BODY_MAX).unwrap();
        assert_eq!(b.as_str(), "第一行\n第二行\n\n第三行");
    }

    #[test]
    fn an_empty_or_too_long_body_is_refused() {
        assert!(CommentBody::parse(" \n\t ", BODY_MAX).unwrap_err().contains("不能为空"));
        assert!(CommentBody::parse(&"字".repeat(BODY_MAX), BODY_MAX).is_ok());
        let err = CommentBody::parse(&"字".repeat(BODY_MAX + 1), BODY_MAX).unwrap_err();
        assert!(err.contains("最多 2000") && err.contains("2001"), "{err}");
        // Emoji count as one character each.
        assert!(CommentBody::parse(&"😀".repeat(BODY_MAX), BODY_MAX).is_ok());
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn a_body_is_stored_in_nfc() {
        assert_eq!(CommentBody::parse("cafe\u{301}", BODY_MAX).unwrap().as_str(), "caf\u{e9}");
    }

    #[test]
    fn web_addresses_become_links_and_nothing_else_does() {
        assert_eq!(
            linkify("看这里 https://example.com/a?b=1。好"),
            vec![
                Segment::Text("看这里 ".into()),
                Segment::Link("https://example.com/a?b=1".into()),
                Segment::Text("。好".into())
            ]
        );
        assert_eq!(
            linkify("(see http://x.org/y)."),
            vec![Segment::Text("(see ".into()), Segment::Link("http://x.org/y".into()), Segment::Text(").".into())]
        );
        assert_eq!(linkify("javascript:alert(1)"), vec![Segment::Text("javascript:alert(1)".into())]);
        assert_eq!(
            linkify("<a href=\"https://e.com\">x</a>"),
            vec![
                Segment::Text("<a href=\"".into()),
                Segment::Link("https://e.com".into()),
                Segment::Text("\">x</a>".into())
            ]
        );
        assert_eq!(linkify("https:// 空"), vec![Segment::Text("https://".into()), Segment::Text(" 空".into())]);
        assert_eq!(linkify(""), vec![]);
    }
}
