//! Comment bodies: `CommentBody::parse` (what the server stores), `linkify` and the HTML that
//! `comment_text` renders for a comment.
//!
//! Properties:
//! - an accepted body is NFC, trimmed, has no `\r`, is 1..=max characters, and parses to itself;
//! - an accepted body has no bidi control, zero-width character or control character other
//!   than `\n`, and a zero-width joiner only between two emoji parts;
//! - a refused body gets one of the two messages (empty / too long);
//! - linkify loses nothing (its pieces concatenate to the text) and only makes links of
//!   `http://` / `https://` addresses without quotes, angle brackets, spaces or trailing
//!   punctuation, and never of one with user-info (an `@` before the first `/` after the scheme);
//! - the rendered HTML has no tag or attribute of the input's making: every `<` starts one of
//!   the tags the component writes, every `&` starts an entity, link targets are http(s), and
//!   the text read back from the HTML is the body itself.
#![no_main]

use jinri::components::comment_text;
use jinri::model::{linkify, ArticleId, Comment, CommentBody, CommentId, PublicUser, Segment, UserId, BODY_MAX};
use leptos::prelude::RenderHtml;
use libfuzzer_sys::fuzz_target;
use unicode_normalization::is_nfc;

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else { return };
    let raw = String::from_utf8_lossy(rest);
    // The shipped limit, or a small one so that the boundary is reached often.
    let max = if first & 1 == 0 { BODY_MAX } else { usize::from(first >> 1) + 1 };

    match CommentBody::parse(&raw, max) {
        Ok(body) => {
            let s = body.as_str();
            let len = s.chars().count();
            assert!((1..=max).contains(&len), "accepted body of {len} characters (max {max}): {s:?}");
            assert!(is_nfc(s), "accepted body is not NFC: {s:?}");
            assert_eq!(s, s.trim(), "accepted body is not trimmed");
            assert!(!s.contains('\r'), "accepted body keeps a carriage return: {s:?}");
            let chars: Vec<char> = s.chars().collect();
            for (i, &c) in chars.iter().enumerate() {
                assert!(
                    !(c.is_control() && c != '\n')
                        && !matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}')
                        && !matches!(c, '\u{061C}' | '\u{200B}' | '\u{200C}' | '\u{2060}' | '\u{FEFF}' | '\u{180E}'),
                    "accepted body keeps U+{:04X}: {s:?}",
                    c as u32
                );
                if c == '\u{200D}' {
                    assert!(i > 0 && i + 1 < chars.len(), "a zero-width joiner at an end of {s:?}");
                }
            }
            assert_eq!(CommentBody::parse(s, max).as_ref().map(CommentBody::as_str), Ok(s), "not idempotent");
            check_rendered(s);
        }
        Err(msg) => {
            assert!(
                msg.contains("不能为空") || msg.contains(&format!("最多 {max} 个字")),
                "unexpected refusal {msg:?}"
            );
        }
    }
    // Stored text need not have come through `parse` (seed data, older rows): linkify and the
    // view must be safe on any text.
    check_links(&raw);
    check_rendered(&raw);
});

fn check_links(text: &str) {
    let segments = linkify(text);
    let mut joined = String::new();
    for seg in &segments {
        match seg {
            Segment::Text(t) => {
                assert!(!t.is_empty(), "empty text segment of {text:?}");
                joined.push_str(t);
            }
            Segment::Link(url) => {
                let scheme = if url.starts_with("https://") {
                    8
                } else {
                    assert!(url.starts_with("http://"), "link without an http(s) scheme: {url:?}");
                    7
                };
                assert!(url.len() > scheme, "link with nothing after the scheme: {url:?}");
                assert!(
                    url.chars().all(|c| c.is_ascii_graphic() && !"<>\"'`{}|\\^".contains(c)),
                    "link with a character that ends an address: {url:?}"
                );
                assert!(!url.ends_with(['.', ',', ')', ']', ';', ':', '!', '?']), "link keeps trailing punctuation");
                let authority = &url[scheme..];
                let authority = &authority[..authority.find('/').unwrap_or(authority.len())];
                assert!(!authority.contains('@'), "link with user-info: {url:?}");
                joined.push_str(url);
            }
        }
    }
    assert_eq!(joined, text, "linkify lost or changed text");
}

const OPEN_P: &str = r#"<p dir="auto" class="comment-text">"#;
const LINK_ATTRS: &str = r#"" rel="nofollow ugc noopener" target="_blank">"#;

fn check_rendered(body: &str) {
    let comment = Comment {
        id: CommentId(1),
        article_id: ArticleId(1),
        parent_id: None,
        root_id: None,
        reply_to: None,
        replies: 0,
        author: PublicUser { id: UserId(1), name: "读者".to_owned() },
        body: body.to_owned(),
        created_at: 0,
        created: String::new(),
        created_iso: String::new(),
        likes: 0,
        deleted: false,
        liked: false,
    };
    let html = comment_text(&comment).to_html();
    let inner = html
        .strip_prefix(OPEN_P)
        .and_then(|h| h.strip_suffix("</p>"))
        .unwrap_or_else(|| panic!("unexpected frame around the comment: {html:?}"));

    // Walk the markup: only the tags the component writes may appear.
    let mut text = String::new();
    let mut rest = inner;
    // The target of the open link and where its text starts.
    let mut in_link: Option<(String, usize)> = None;
    // Quotes are plain text outside a tag; inside the href an unescaped one would end the
    // attribute early, which the check of the link's attributes catches.
    while let Some(i) = rest.find(['<', '&', '>']) {
        text.push_str(&rest[..i]);
        rest = &rest[i..];
        if let Some(r) = rest.strip_prefix("<!>") {
            rest = r;
        } else if let Some(r) = rest.strip_prefix("<a href=\"") {
            assert!(in_link.is_none(), "nested link in {html:?}");
            let end = r.find('"').unwrap_or_else(|| panic!("unterminated href in {html:?}"));
            let href = decode(&r[..end], &html);
            assert!(href.starts_with("https://") || href.starts_with("http://"), "href {href:?} in {html:?}");
            rest = r[end..].strip_prefix(LINK_ATTRS).unwrap_or_else(|| panic!("odd link attributes in {html:?}"));
            in_link = Some((href, text.len()));
        } else if let Some(r) = rest.strip_prefix("</a>") {
            let (href, start) = in_link.take().unwrap_or_else(|| panic!("stray </a> in {html:?}"));
            // The link shows its own address.
            assert_eq!(text[start..], href, "link text differs from its target in {html:?}");
            rest = r;
        } else if rest.starts_with('&') {
            let end = rest.find(';').unwrap_or_else(|| panic!("bare & in {html:?}"));
            text.push_str(&decode(&rest[..=end], &html));
            rest = &rest[end + 1..];
        } else {
            panic!("unescaped markup character from the input at {:?} in {html:?}", &rest[..rest.len().min(20)]);
        }
    }
    text.push_str(rest);
    assert!(in_link.is_none(), "unclosed link in {html:?}");
    // An empty text node renders as a space; a deleted comment has its own view.
    if body.is_empty() {
        return;
    }
    assert_eq!(text, body, "the rendered text differs from the comment: {html:?}");
}

/// Decodes the entities Leptos writes; any other `&` is a bug.
fn decode(s: &str, html: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let r = &rest[i..];
        let (ch, len) =
            [("&amp;", '&'), ("&lt;", '<'), ("&gt;", '>'), ("&quot;", '"'), ("&#x27;", '\''), ("&#39;", '\'')]
                .iter()
                .find(|(e, _)| r.starts_with(e))
                .map(|(e, c)| (*c, e.len()))
                .unwrap_or_else(|| panic!("unknown entity at {:?} in {html:?}", &r[..r.len().min(12)]));
        out.push(ch);
        rest = &r[len..];
    }
    out.push_str(rest);
    out
}
