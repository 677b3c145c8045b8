//! Comment bodies and the live events that carry new comments, deletions and likes to open pages.

use super::{ArticleId, Comment, CommentId};
use serde::{Deserialize, Serialize};

/// Default longest comment, in characters (`comments.max_chars` configures the server).
pub const BODY_MAX: usize = 2000;

/// A comment's text: plain text, trimmed, NFC (on the server), 1 to `max` characters, line
/// breaks kept, and nothing invisible that could reorder or hide text (see `clean_text`).
/// Never interpreted as HTML.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommentBody(String);

impl CommentBody {
    pub fn parse(raw: &str, max: usize) -> Result<CommentBody, String> {
        let text = super::nfc(clean_text(raw).trim());
        let len = text.chars().count();
        if len == 0 {
            return Err("评论不能为空".to_owned());
        }
        if len > max {
            return Err(format!("评论最多 {max} 个字，现在是 {len} 个"));
        }
        Ok(CommentBody(text))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Bidi controls that reorder text: embeddings and overrides (U+202A-202E), isolates
/// (U+2066-2069), marks (U+200E, U+200F, U+061C).
pub(crate) fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// Characters that take no room and show nothing: zero-width space and non-joiner, word
/// joiner, BOM, Mongolian vowel separator, the invisible operators and the deprecated
/// formatting characters next to them.
fn is_zero_width(c: char) -> bool {
    matches!(c, '\u{200B}' | '\u{200C}' | '\u{2060}'..='\u{2064}' | '\u{206A}'..='\u{206F}' | '\u{FEFF}' | '\u{180E}')
}

/// Characters that take part in emoji sequences (pictographs, symbols, skin tones, variation
/// selector 16, keycap, tags): a zero-width joiner between two of them joins an emoji
/// (👩‍💻, 🏳️‍🌈) and is kept.
fn is_emoji_part(c: char) -> bool {
    matches!(c as u32,
        0x00A9 | 0x00AE | 0x203C | 0x2049 | 0x2122 | 0x2139 | 0x2194..=0x21AA | 0x231A..=0x23FF
        | 0x24C2 | 0x25AA..=0x25FE | 0x2600..=0x27BF | 0x2934 | 0x2935 | 0x2B05..=0x2B55
        | 0x3030 | 0x303D | 0x3297 | 0x3299 | 0xFE0F | 0x20E3 | 0x1F000..=0x1FAFF | 0xE0020..=0xE007F)
}

/// What a comment keeps of the text typed: line breaks become `\n` (`\r\n`, `\r`, U+2028 and
/// U+2029 too), a tab becomes a space; bidi controls, zero-width characters and the other
/// control characters (C0, DEL, C1) are dropped, and so is a zero-width joiner that is not
/// inside an emoji. What is left reads the same, and cannot turn the page's text around.
pub fn clean_text(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                chars.next_if_eq(&'\n');
                out.push('\n');
            }
            '\n' | '\u{2028}' | '\u{2029}' => out.push('\n'),
            '\t' => out.push(' '),
            '\u{200D}' => {
                let joins = out.chars().next_back().is_some_and(is_emoji_part)
                    && chars.peek().is_some_and(|&n| is_emoji_part(n));
                if joins {
                    out.push(c);
                }
            }
            c if c.is_control() || is_bidi_control(c) || is_zero_width(c) => {}
            c => out.push(c),
        }
    }
    out
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
        // User-info (`https://example.com@evil.example/` goes to evil.example): such an
        // address stays text, whatever it says before the `@`.
        let authority = &url[scheme_len..];
        if authority[..authority.find('/').unwrap_or(authority.len())].contains('@') {
            out.push(Segment::Text(rest[..start + url.len()].to_owned()));
            rest = &rest[start + url.len()..];
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

/// How long a page waits before it opens its live stream again after the server refused one
/// (404, 429 past `live.max_streams_per_ip`, 503) or it could not be opened: 1–2 s, doubling
/// with each refusal in a row up to 30–60 s, spread by `jitter` (0 ≤ jitter < 1, random) so
/// that pages refused together do not all come back at the same moment. A stream that drops
/// after it was open is reopened by the browser itself (the server sends `retry: 1000`).
pub fn reconnect_delay_ms(refused: u32, jitter: f64) -> u32 {
    let ceiling = (2000u32 << refused.min(5)).min(60_000);
    (f64::from(ceiling) * (0.5 + 0.5 * jitter.clamp(0.0, 1.0))) as u32
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
    Liked {
        comment_id: CommentId,
        likes: i64,
    },
    /// A moderator hid the comment (`model::mark_hidden`).
    Hidden(CommentId),
    /// A moderator showed a hidden comment again: it as it is now.
    Restored(Comment),
    /// A held comment was rejected (only its author's page has it).
    Rejected(CommentId),
    /// 置顶, or no longer.
    Pinned {
        comment_id: CommentId,
        pinned: bool,
    },
    /// The log no longer holds what this reader missed (it was pruned, or the reader's last id
    /// is not one of this article's): read the thread again. The event's id is the article's
    /// newest; the reader follows on from it.
    Reset,
}

/// What an open article page hears of its article (SSE `event: article` on the comment
/// stream): its state now and when it last changed. A page whose copy is older takes the new
/// text; one that hears it is no longer published says so.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArticleNotice {
    pub state: String,
    pub updated: i64,
}

/// How many articles of `newest` (the scope's newest ids, newest first: SSE `event: articles`)
/// an open list showing `shown` lacks: those not shown that come before the last shown one
/// the list still has. An article withdrawn from the list only moves older ones up, which
/// counts nothing. When none of `shown` is left in `newest`, all of `newest` is new.
pub fn count_new(newest: &[i64], shown: &[i64]) -> usize {
    match newest.iter().rposition(|id| shown.contains(id)) {
        Some(last) => newest[..last].iter().filter(|id| !shown.contains(id)).count(),
        None if shown.is_empty() => 0,
        None => newest.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_articles_are_those_ahead_of_what_the_page_shows() {
        let shown = [9, 8, 7];
        assert_eq!(count_new(&[9, 8, 7, 6, 5], &shown), 0);
        assert_eq!(count_new(&[11, 10, 9, 8, 7, 6], &shown), 2);
        // One withdrawn: an older one moves up, nothing is new.
        assert_eq!(count_new(&[9, 7, 6, 5], &shown), 0);
        // Published with an earlier date: it sits between shown ones.
        assert_eq!(count_new(&[9, 12, 8, 7], &shown), 1);
        assert_eq!(count_new(&[20, 19, 18], &shown), 3);
        assert_eq!(count_new(&[3, 2], &[]), 0);
    }

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
    fn bidi_controls_are_dropped_so_text_cannot_be_turned_around() {
        for c in
            ['\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}', '\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}']
                .into_iter()
                .chain(['\u{200E}', '\u{200F}', '\u{061C}'])
        {
            let b = CommentBody::parse(&format!("好{c}评 abc{c}def"), BODY_MAX).unwrap();
            assert_eq!(b.as_str(), "好评 abcdef", "U+{:04X}", c as u32);
        }
        // The classic: an override that shows "exe.txt" for "txt.exe".
        assert_eq!(CommentBody::parse("点开 \u{202E}txt.exe", BODY_MAX).unwrap().as_str(), "点开 txt.exe");
    }

    #[test]
    fn zero_width_characters_are_dropped() {
        for c in ['\u{200B}', '\u{200C}', '\u{2060}', '\u{FEFF}', '\u{180E}', '\u{200D}'] {
            let b = CommentBody::parse(&format!("{c}今{c}日{c}"), BODY_MAX).unwrap();
            assert_eq!(b.as_str(), "今日", "U+{:04X}", c as u32);
        }
    }

    #[test]
    fn a_zero_width_joiner_is_kept_inside_an_emoji_only() {
        for emoji in ["👩\u{200D}💻", "🏳\u{FE0F}\u{200D}🌈", "👨\u{200D}👩\u{200D}👧", "👍🏽", "❤\u{FE0F}\u{200D}🔥"]
        {
            let text = format!("看{emoji}好");
            assert_eq!(CommentBody::parse(&text, BODY_MAX).unwrap().as_str(), text);
        }
        assert_eq!(CommentBody::parse("a\u{200D}b 😀\u{200D}", BODY_MAX).unwrap().as_str(), "ab 😀");
    }

    #[test]
    fn control_characters_go_tabs_become_spaces_and_line_separators_line_breaks() {
        let b = CommentBody::parse("a\u{0}b\u{7}c\u{1b}[31md\u{7f}e\u{85}f\u{9b}g\tg", BODY_MAX).unwrap();
        assert_eq!(b.as_str(), "abc[31mdefg g");
        let b = CommentBody::parse("一\u{2028}二\u{2029}三\r四\r\n五", BODY_MAX).unwrap();
        assert_eq!(b.as_str(), "一\n二\n三\n四\n五");
    }

    #[test]
    fn a_body_of_invisible_characters_only_is_empty() {
        for raw in ["\u{200B}\u{202E}\u{2066}", "\u{FEFF}", "\u{0}\u{7f}\t \u{200D}", "\u{200E}\n\u{200F}"] {
            assert!(CommentBody::parse(raw, BODY_MAX).unwrap_err().contains("不能为空"), "{raw:?}");
        }
    }

    #[test]
    fn invisible_characters_do_not_count_towards_the_length() {
        let text = format!("{}\u{200B}", "字".repeat(BODY_MAX));
        assert_eq!(CommentBody::parse(&text, BODY_MAX).unwrap().as_str().chars().count(), BODY_MAX);
    }

    #[test]
    fn an_address_with_user_info_stays_text() {
        for text in [
            "https://example.com@evil.example/",
            "http://jinri.example@evil.example/login",
            "https://user:pass@evil.example",
            "https://a@b",
        ] {
            assert_eq!(linkify(text), vec![Segment::Text(text.into())], "{text}");
        }
        assert_eq!(
            linkify("看 https://example.com@evil.example/ 和 https://e.com/a@b"),
            vec![
                Segment::Text("看 https://example.com@evil.example/".into()),
                Segment::Text(" 和 ".into()),
                Segment::Link("https://e.com/a@b".into()),
            ]
        );
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

    #[test]
    fn a_refused_stream_is_retried_later_and_later_up_to_a_minute() {
        let earliest: Vec<u32> = (0..10).map(|n| reconnect_delay_ms(n, 0.0)).collect();
        let latest: Vec<u32> = (0..10).map(|n| reconnect_delay_ms(n, 0.999_999)).collect();
        assert_eq!(earliest[..7], [1000, 2000, 4000, 8000, 16000, 30000, 30000]);
        assert_eq!(latest[0], 1999);
        assert!(earliest.windows(2).all(|w| w[0] <= w[1]), "{earliest:?}");
        assert!(latest.iter().all(|&d| d < 60_000), "capped at a minute: {latest:?}");
        assert_eq!(reconnect_delay_ms(u32::MAX, 0.5), 45_000, "no overflow after many refusals");
        assert_eq!(reconnect_delay_ms(0, 7.0), 2000, "jitter is clamped");
    }
}
