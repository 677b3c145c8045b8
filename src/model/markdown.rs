//! The small Markdown subset an article's body is written in: paragraphs (separated by a blank
//! line), subheadings (`## `, `### `), quotes (`> ` on each line), and within them emphasis
//! (`*text*`), strong text (`**text**`) and links (`[text](https://…)`, http and https only).
//! Nothing else is markup: HTML, images, code and any other syntax stay as the text they are,
//! and a backslash makes the next character plain (`\*`).
//!
//! Parsing is one pass over the text without recursion (inline markup does not nest), and a
//! span must close within `SPAN_MAX` characters (a link's address within `HREF_MAX`), so time
//! and memory grow linearly with the body, whatever a writer types.

use serde::{Deserialize, Serialize};

/// A run of text inside a block.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Inline {
    Text(String),
    Em(String),
    Strong(String),
    /// `href` is an absolute http or https address.
    Link {
        text: String,
        href: String,
    },
}

/// A block of an article's body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum TextBlock {
    Paragraph(Vec<Inline>),
    /// Level 2 (`## `) or 3 (`### `).
    Heading(u8, Vec<Inline>),
    /// The quote's lines, each with its inline markup.
    Quote(Vec<Vec<Inline>>),
}

/// The longest link address kept as a link; a longer one stays text.
pub const HREF_MAX: usize = 2_000;

/// The most characters an emphasis, a strong span or a link's text may hold; an opening marker
/// without its closing one within this distance is text.
pub const SPAN_MAX: usize = 300;

/// Parses a body into blocks. Lines are trimmed at their end; a paragraph's lines are joined
/// without a separator when both sides are Chinese (as a newline inside a Chinese paragraph
/// means nothing) and with a space otherwise.
pub fn parse(body: &str) -> Vec<TextBlock> {
    let mut blocks = Vec::new();
    let mut paragraph: Vec<&str> = Vec::new();
    let mut quote: Vec<&str> = Vec::new();
    let flush = |paragraph: &mut Vec<&str>, quote: &mut Vec<&str>, blocks: &mut Vec<TextBlock>| {
        if !paragraph.is_empty() {
            blocks.push(TextBlock::Paragraph(inline(&join_lines(paragraph))));
            paragraph.clear();
        }
        if !quote.is_empty() {
            blocks.push(TextBlock::Quote(quote.iter().map(|l| inline(l)).collect()));
            quote.clear();
        }
    };
    for raw in body.lines() {
        let line = raw.trim_end();
        let trimmed = line.trim_start();
        if trimmed.is_empty() {
            flush(&mut paragraph, &mut quote, &mut blocks);
        } else if let Some((level, text)) = heading(trimmed) {
            flush(&mut paragraph, &mut quote, &mut blocks);
            blocks.push(TextBlock::Heading(level, inline(text)));
        } else if let Some(text) = trimmed.strip_prefix('>') {
            if !paragraph.is_empty() {
                flush(&mut paragraph, &mut quote, &mut blocks);
            }
            let text = text.strip_prefix(' ').unwrap_or(text);
            if !text.trim().is_empty() {
                quote.push(text);
            }
        } else {
            if !quote.is_empty() {
                flush(&mut paragraph, &mut quote, &mut blocks);
            }
            paragraph.push(trimmed);
        }
    }
    flush(&mut paragraph, &mut quote, &mut blocks);
    blocks
}

fn heading(line: &str) -> Option<(u8, &str)> {
    let (level, rest) = if let Some(rest) = line.strip_prefix("### ") {
        (3, rest)
    } else if let Some(rest) = line.strip_prefix("## ") {
        (2, rest)
    } else {
        return None;
    };
    let rest = rest.trim();
    (!rest.is_empty()).then_some((level, rest))
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x3000..=0x303F | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0xFF00..=0xFFEF)
}

fn join_lines(lines: &[&str]) -> String {
    let mut out = String::new();
    for line in lines {
        if let (Some(prev), Some(next)) = (out.chars().last(), line.chars().next()) {
            if !(is_cjk(prev) && is_cjk(next)) {
                out.push(' ');
            }
        }
        out.push_str(line);
    }
    out
}

/// Inline markup of one block's text.
pub fn inline(text: &str) -> Vec<Inline> {
    let chars: Vec<char> = text.chars().collect();
    let mut out: Vec<Inline> = Vec::new();
    let mut plain = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' && i + 1 < chars.len() && is_markup(chars[i + 1]) {
            plain.push(chars[i + 1]);
            i += 2;
            continue;
        }
        if c == '*' && chars.get(i + 1) == Some(&'*') {
            if let Some(end) = find_pair(&chars, i + 2, &['*', '*']) {
                push_span(&mut out, &mut plain, Inline::Strong(chars[i + 2..end].iter().collect()));
                i = end + 2;
                continue;
            }
        } else if c == '*' {
            if let Some(end) = find_pair(&chars, i + 1, &[c]) {
                push_span(&mut out, &mut plain, Inline::Em(chars[i + 1..end].iter().collect()));
                i = end + 1;
                continue;
            }
        } else if c == '[' && (i == 0 || chars[i - 1] != '!') {
            // `![…](…)` is an image in full Markdown: not part of the subset, so it stays text.
            if let Some((text, href, next)) = link(&chars, i) {
                push_span(&mut out, &mut plain, Inline::Link { text, href });
                i = next;
                continue;
            }
        }
        plain.push(c);
        i += 1;
    }
    if !plain.is_empty() {
        out.push(Inline::Text(plain));
    }
    out
}

fn is_markup(c: char) -> bool {
    matches!(c, '\\' | '*' | '[' | ']' | '(' | ')' | '#' | '>')
}

fn push_span(out: &mut Vec<Inline>, plain: &mut String, span: Inline) {
    if !plain.is_empty() {
        out.push(Inline::Text(std::mem::take(plain)));
    }
    out.push(span);
}

/// The index of the closing `delim` of a span whose content starts at `from`: the content is
/// not empty, does not start or end with a space, and closes within `SPAN_MAX` characters.
fn find_pair(chars: &[char], from: usize, delim: &[char]) -> Option<usize> {
    if from >= chars.len() || chars[from].is_whitespace() {
        return None;
    }
    let limit = chars.len().min(from + SPAN_MAX + delim.len());
    let mut j = from;
    while j + delim.len() <= limit {
        if chars[j] == '\\' {
            j += 2;
            continue;
        }
        if chars[j..j + delim.len()] == *delim && j > from && !chars[j - 1].is_whitespace() {
            // `**` is not the end of an `*` span.
            if delim.len() == 1 && chars.get(j + 1) == Some(&delim[0]) {
                j += 2;
                continue;
            }
            return Some(j);
        }
        j += 1;
    }
    None
}

/// `[text](href)` at `at`: its text, its address if http(s), and where it ends.
fn link(chars: &[char], at: usize) -> Option<(String, String, usize)> {
    let close = (at + 1..chars.len().min(at + 1 + SPAN_MAX)).find(|&j| chars[j] == ']' || chars[j] == '[')?;
    if chars[close] != ']' || close == at + 1 || chars.get(close + 1) != Some(&'(') {
        return None;
    }
    let end =
        (close + 2..chars.len().min(close + 3 + HREF_MAX)).find(|&j| chars[j] == ')' || chars[j].is_whitespace())?;
    if chars[end] != ')' {
        return None;
    }
    let href: String = chars[close + 2..end].iter().collect();
    let text: String = chars[at + 1..close].iter().collect();
    safe_href(&href).map(|href| (text, href, end + 1))
}

/// Blocks as HTML: `<p>`, `<h2>`, `<h3>`, `<blockquote>` with a `<p>` a line, and within them
/// `<em>`, `<strong>` and `<a href rel="nofollow noopener" target="_blank">`. All text and
/// addresses are escaped; a link's address passed `safe_href`.
pub fn to_html(blocks: &[TextBlock]) -> String {
    let mut out = String::new();
    let inline = |out: &mut String, inlines: &[Inline]| {
        for i in inlines {
            match i {
                Inline::Text(t) => escape_html(out, t),
                Inline::Em(t) => {
                    out.push_str("<em>");
                    escape_html(out, t);
                    out.push_str("</em>");
                }
                Inline::Strong(t) => {
                    out.push_str("<strong>");
                    escape_html(out, t);
                    out.push_str("</strong>");
                }
                Inline::Link { text, href } => {
                    out.push_str("<a href=\"");
                    escape_html(out, href);
                    out.push_str("\" rel=\"nofollow noopener\" target=\"_blank\">");
                    escape_html(out, text);
                    out.push_str("</a>");
                }
            }
        }
    };
    for block in blocks {
        match block {
            TextBlock::Paragraph(i) => {
                out.push_str("<p>");
                inline(&mut out, i);
                out.push_str("</p>");
            }
            TextBlock::Heading(level, i) => {
                let tag = if *level == 2 { "h2" } else { "h3" };
                out.push_str(&format!("<{tag}>"));
                inline(&mut out, i);
                out.push_str(&format!("</{tag}>"));
            }
            TextBlock::Quote(lines) => {
                out.push_str("<blockquote>");
                for line in lines {
                    out.push_str("<p>");
                    inline(&mut out, line);
                    out.push_str("</p>");
                }
                out.push_str("</blockquote>");
            }
        }
    }
    out
}

/// Appends `text` with `&`, `<`, `>`, `"` and `'` escaped.
pub fn escape_html(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

/// Plain text as Markdown that reads as that same text: every markup character escaped, line
/// breaks made spaces (a paragraph stays one).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\r' | '\n' => out.push(' '),
            c if is_markup(c) => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// An address a link may have: absolute http or https, with a host, no spaces or control
/// characters, not longer than `HREF_MAX`.
pub fn safe_href(href: &str) -> Option<String> {
    let lower = href.to_ascii_lowercase();
    let rest = lower.strip_prefix("https://").or_else(|| lower.strip_prefix("http://"))?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    if host.is_empty() || href.len() > HREF_MAX || href.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return None;
    }
    if href.contains(['"', '<', '>', '`']) {
        return None;
    }
    Some(href.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_is_made_only_of_the_subset_and_every_text_is_escaped() {
        let html = to_html(&parse(
            "## <b>标题</b>\n\n*强调* **加粗** [链接](https://e.com/?a=1&b=\"2\")\n\n> 引\"用\n> 二\n\n<img src=x onerror=alert(1)>",
        ));
        assert_eq!(
            html,
            "<h2>&lt;b&gt;标题&lt;/b&gt;</h2><p><em>强调</em> <strong>加粗</strong> \
             [链接](https://e.com/?a=1&amp;b=&quot;2&quot;)</p><blockquote><p>引&quot;用</p><p>二</p></blockquote>\
             <p>&lt;img src=x onerror=alert(1)&gt;</p>"
        );
        let link = to_html(&parse("[站](https://e.com/a?x=1&y=2)"));
        assert_eq!(
            link,
            "<p><a href=\"https://e.com/a?x=1&amp;y=2\" rel=\"nofollow noopener\" target=\"_blank\">站</a></p>"
        );
    }

    fn text(s: &str) -> Inline {
        Inline::Text(s.to_owned())
    }

    #[test]
    fn paragraphs_headings_and_quotes() {
        let body = "## 背景\n\n第一段第一行\n第一段第二行\n\n> 引用一\n> 引用二\n\nSecond para\nin English\n### 小标题";
        assert_eq!(
            parse(body),
            vec![
                TextBlock::Heading(2, vec![text("背景")]),
                TextBlock::Paragraph(vec![text("第一段第一行第一段第二行")]),
                TextBlock::Quote(vec![vec![text("引用一")], vec![text("引用二")]]),
                TextBlock::Paragraph(vec![text("Second para in English")]),
                TextBlock::Heading(3, vec![text("小标题")]),
            ]
        );
    }

    #[test]
    fn emphasis_strong_and_links() {
        assert_eq!(
            inline("这是*强调*和**加粗**,见[原文](https://example.com/a?b=1)。"),
            vec![
                text("这是"),
                Inline::Em("强调".into()),
                text("和"),
                Inline::Strong("加粗".into()),
                text(",见"),
                Inline::Link { text: "原文".into(), href: "https://example.com/a?b=1".into() },
                text("。"),
            ]
        );
        assert_eq!(inline("**a*b**"), vec![Inline::Strong("a*b".into())]);
    }

    #[test]
    fn hostile_input_stays_text() {
        for hostile in [
            "<script>alert(1)</script>",
            "<img src=x onerror=alert(1)>",
            "[点我](javascript:alert(1))",
            "[点我](JaVaScRiPt:alert(1))",
            "[点我](data:text/html,<script>alert(1)</script>)",
            "[点我](//evil.example)",
            "[点我](https://)",
            "[点我](https://a.example/\"onmouseover=\"x)",
            "![图](https://example.com/x.png)",
            "`code` and ```fences```",
            "&lt;b&gt; &amp;",
        ] {
            let parsed = inline(hostile);
            assert!(parsed.iter().all(|i| !matches!(i, Inline::Link { .. })), "{hostile} became a link: {parsed:?}");
            let joined: String = parsed
                .iter()
                .map(|i| match i {
                    Inline::Text(t) | Inline::Em(t) | Inline::Strong(t) => t.clone(),
                    Inline::Link { text, .. } => text.clone(),
                })
                .collect();
            assert!(joined.contains('<') == hostile.contains('<') || hostile.contains('*'), "{hostile}");
        }
        // A quote marker or heading marker inside a paragraph is text.
        assert_eq!(parse("a > b ## c"), vec![TextBlock::Paragraph(vec![text("a > b ## c")])]);
    }

    #[test]
    fn unclosed_or_escaped_markers_are_text() {
        assert_eq!(inline("2 * 3 = 6"), vec![text("2 * 3 = 6")]);
        assert_eq!(inline("*未闭合"), vec![text("*未闭合")]);
        assert_eq!(inline("\\*不是强调\\*"), vec![text("*不是强调*")]);
        assert_eq!(inline("file_name_here"), vec![text("file_name_here")]);
        let far = format!("*{}*", "字".repeat(SPAN_MAX + 1));
        assert_eq!(inline(&far), vec![text(&far)]);
        assert_eq!(inline("[没有地址]"), vec![text("[没有地址]")]);
        assert_eq!(inline("[a](https://x.example"), vec![text("[a](https://x.example")]);
    }

    #[test]
    fn runs_of_unclosed_markers_stay_text() {
        // Each opening looks at most SPAN_MAX characters ahead: linear in the body's length.
        let many = "*x ".repeat(30_000) + &"[a](".repeat(10_000);
        let parsed = inline(&many);
        assert_eq!(parsed, vec![text(&many)]);
        let deep = "> ".repeat(10_000) + "x";
        assert_eq!(parse(&deep).len(), 1);
    }
}
