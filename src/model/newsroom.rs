//! The newsroom's side of articles: their state, what the editor's form holds, and the checks
//! the browser and the server both make of it.

use super::markdown::{self, TextBlock};
use super::{ArticleId, Channel};
use serde::{Deserialize, Serialize};

/// Where an article stands. Only `Published` articles are shown to readers, listed, in the
/// sitemap and in the feeds; the others are 404s for everyone but the newsroom.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum ArticleState {
    /// Saved, never shown.
    Draft,
    /// To be published at its time (`published_at`), by the server's scheduler.
    Scheduled,
    #[default]
    Published,
    /// Taken down after publication.
    Withdrawn,
}

impl ArticleState {
    pub const ALL: [ArticleState; 4] =
        [ArticleState::Draft, ArticleState::Scheduled, ArticleState::Published, ArticleState::Withdrawn];

    /// The name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            ArticleState::Draft => "draft",
            ArticleState::Scheduled => "scheduled",
            ArticleState::Published => "published",
            ArticleState::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(s: &str) -> Option<ArticleState> {
        ArticleState::ALL.into_iter().find(|a| a.as_str() == s)
    }

    /// The name the newsroom sees.
    pub fn label(self) -> &'static str {
        match self {
            ArticleState::Draft => "草稿",
            ArticleState::Scheduled => "定时发布",
            ArticleState::Published => "已发布",
            ArticleState::Withdrawn => "已撤下",
        }
    }
}

/// Longest title, in characters.
pub const TITLE_MAX: usize = 100;
/// Longest summary.
pub const SUMMARY_MAX: usize = 300;
/// Longest 来源.
pub const SOURCE_MAX: usize = 40;
/// Longest body: a long feature is 10,000 characters; this leaves room and bounds every page.
pub const ARTICLE_BODY_MAX: usize = 30_000;

/// What the editor's form sends, as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArticleFields {
    pub title: String,
    pub channel: String,
    pub summary: String,
    pub source: String,
    pub original_url: String,
    pub body: String,
}

/// The fields as checked: trimmed, the channel known, the link an http(s) address or none.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckedArticle {
    pub title: String,
    pub channel: Channel,
    pub summary: String,
    pub source: String,
    pub original_url: Option<String>,
    pub body: String,
}

/// The form's fields in order, with their labels: where an error shows.
pub const ARTICLE_FIELDS: [(&str, &str); 6] = [
    ("title", "标题"),
    ("channel", "频道"),
    ("summary", "摘要"),
    ("source", "来源"),
    ("original_url", "原文链接"),
    ("body", "正文"),
];

/// Checks the editor's form: the first field at fault with its message in Chinese, or the
/// article as it will be stored. The browser runs this before sending; the server again.
pub fn check_article(f: &ArticleFields) -> Result<CheckedArticle, (&'static str, String)> {
    let title = f.title.trim();
    if title.is_empty() {
        return Err(("title", "请输入标题".to_owned()));
    }
    if title.chars().count() > TITLE_MAX {
        return Err(("title", format!("标题最多 {TITLE_MAX} 个字")));
    }
    if title.chars().any(char::is_control) {
        return Err(("title", "标题不能换行或含控制字符".to_owned()));
    }
    let Some(channel) = Channel::by_slug(f.channel.trim()) else {
        return Err(("channel", "请选择频道".to_owned()));
    };
    let summary = f.summary.trim();
    if summary.is_empty() {
        return Err(("summary", "请输入摘要：它显示在列表和分享里".to_owned()));
    }
    if summary.chars().count() > SUMMARY_MAX {
        return Err(("summary", format!("摘要最多 {SUMMARY_MAX} 个字")));
    }
    let source = f.source.trim();
    if source.chars().count() > SOURCE_MAX {
        return Err(("source", format!("来源最多 {SOURCE_MAX} 个字")));
    }
    let url = f.original_url.trim();
    let original_url = if url.is_empty() {
        None
    } else {
        match markdown::safe_href(url) {
            Some(href) if href.len() <= markdown::HREF_MAX => Some(href),
            _ => return Err(("original_url", "原文链接须是完整的 http:// 或 https:// 网址".to_owned())),
        }
    };
    let body = f.body.trim();
    if body.is_empty() {
        return Err(("body", "请输入正文".to_owned()));
    }
    let length = body.chars().count();
    if length > ARTICLE_BODY_MAX {
        return Err(("body", format!("正文最多 {ARTICLE_BODY_MAX} 个字（现在 {length} 个）")));
    }
    Ok(CheckedArticle {
        title: title.to_owned(),
        channel,
        summary: summary.replace(['\r', '\n'], " "),
        source: source.to_owned(),
        original_url,
        body: body.replace("\r\n", "\n"),
    })
}

/// A line that places figure `N` (1-based) of the article: `[图N]` alone on its line, as
/// typed (an escaped `\\[图N\\]` is text).
pub fn figure_line(line: &str) -> Option<usize> {
    let n = line.trim().strip_prefix("[图")?.strip_suffix(']')?;
    if n.is_empty() || n.len() > 3 || !n.bytes().all(|b| b.is_ascii_digit()) || n.starts_with('0') {
        return None;
    }
    n.parse().ok()
}

/// A piece of an article's body: Markdown text, or the place of one of its figures.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BodyPart {
    Text(TextBlock),
    Figure(usize),
}

/// The body split at its figure lines, the text between them parsed (`markdown::parse`).
pub fn body_parts(body: &str) -> Vec<BodyPart> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut offset = 0;
    for line in body.split_inclusive('\n') {
        if let Some(n) = figure_line(line) {
            parts.extend(markdown::parse(&body[start..offset]).into_iter().map(BodyPart::Text));
            parts.push(BodyPart::Figure(n));
            start = offset + line.len();
        }
        offset += line.len();
    }
    parts.extend(markdown::parse(&body[start..]).into_iter().map(BodyPart::Text));
    parts
}

/// An article written before the newsroom (plain paragraphs and figures) as the editor's
/// Markdown: each paragraph escaped so it reads as the text it was, each figure as its `[图N]`.
pub fn legacy_body<'a>(blocks: impl IntoIterator<Item = Option<&'a str>>) -> String {
    let mut out = Vec::new();
    let mut figures = 0;
    for block in blocks {
        match block {
            Some(text) => out.push(markdown::escape(text)),
            None => {
                figures += 1;
                out.push(format!("[图{figures}]"));
            }
        }
    }
    out.join("\n\n")
}

/// An article as the editor's page shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EditorArticle {
    pub id: ArticleId,
    pub fields: ArticleFields,
    pub state: ArticleState,
    /// `YYYY-MM-DDTHH:MM` in the site's time zone (for `<input type="datetime-local">`): when it
    /// was or will be published.
    pub published_local: String,
    /// The site's time zone (`site.timezone`), in which `published_local` is read and written.
    pub time_zone: String,
    /// The article's figures in order: figure N is `[图N]`.
    pub figures: Vec<EditorFigure>,
    pub revisions: Vec<RevisionLine>,
}

/// One figure as the editor's page shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EditorFigure {
    /// The smallest file, for the editor's list.
    pub thumbnail: String,
    pub caption: String,
    pub alt: String,
    pub credit: String,
}

/// Longest figure caption, in characters.
pub const FIGURE_CAPTION_MAX: usize = 200;
/// Longest description of what a figure shows (`alt`), in characters.
pub const FIGURE_ALT_MAX: usize = 200;
/// Longest credit line (图片来源), in characters.
pub const FIGURE_CREDIT_MAX: usize = 60;
/// Largest figure upload, in bytes.
pub const FIGURE_UPLOAD_MAX_BYTES: usize = 10 * 1024 * 1024;
/// Most figures one article may have.
pub const FIGURES_MAX: usize = 40;

/// What an editor wrote about a figure, trimmed, once it passes the checks: a caption and a
/// credit are required (a news picture always says what it is and whose it is); `alt` left
/// empty is the caption. `Err((field, message))` names the first field in error.
pub fn check_figure_words(
    caption: &str,
    alt: &str,
    credit: &str,
) -> Result<(String, String, String), (&'static str, String)> {
    let one_line = |field: &'static str, label: &str, value: &str, max: usize, required: bool| {
        let value = value.split_whitespace().collect::<Vec<_>>().join(" ");
        if required && value.is_empty() {
            return Err((field, format!("请填写{label}")));
        }
        if value.chars().count() > max {
            return Err((field, format!("{label}最多 {max} 个字")));
        }
        if value.chars().any(|c| c.is_control() || super::live::is_bidi_control(c)) {
            return Err((field, format!("{label}里有不能显示的字符")));
        }
        // `|` separates a figure's words in an imported file's front matter (`server::import`).
        if value.contains('|') {
            return Err((field, format!("{label}里不能有半角竖线 |（可用全角 ｜）")));
        }
        Ok(value)
    };
    let caption = one_line("caption", "图片说明", caption, FIGURE_CAPTION_MAX, true)?;
    let credit = one_line("credit", "图片来源", credit, FIGURE_CREDIT_MAX, true)?;
    let alt = one_line("alt", "图片内容描述", alt, FIGURE_ALT_MAX, false)?;
    let alt = if alt.is_empty() { caption.clone() } else { alt };
    Ok((caption, alt, credit))
}

/// The body once figure `removed` is gone: its `[图N]` lines leave, and each later figure's
/// lines name it by its new number (one less). Every other line stays as it was.
pub fn renumber_figures(body: &str, removed: usize) -> String {
    let mut out = String::with_capacity(body.len());
    // After a dropped line between two blank ones, the second blank one goes too.
    let mut dropped = false;
    for line in body.split_inclusive('\n') {
        let after_drop = std::mem::take(&mut dropped);
        match figure_line(line) {
            Some(n) if n == removed => dropped = out.is_empty() || out.ends_with("\n\n"),
            Some(n) if n > removed => {
                out.push_str(&format!("[图{}]", n - 1));
                if line.ends_with('\n') {
                    out.push('\n');
                }
            }
            _ if after_drop && line.trim().is_empty() => {}
            _ => out.push_str(line),
        }
    }
    out
}

/// One saved version of an article.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevisionLine {
    pub id: i64,
    /// `YYYY-MM-DD HH:MM` in the site's time zone.
    pub at: String,
    pub editor: Option<String>,
    pub title: String,
    /// The lines this version changed against the one before it (`diff_lines`), at most
    /// `DIFF_SHOWN` of them.
    pub changes: Vec<DiffLine>,
    /// How many changed lines there were in all.
    pub changed: usize,
}

/// A line of a comparison between two versions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DiffLine {
    Removed(String),
    Added(String),
}

/// A version as text to compare: its fields, one a line, then the body.
pub fn revision_text(
    title: &str,
    channel: &str,
    summary: &str,
    source: &str,
    original_url: Option<&str>,
    body: &str,
) -> String {
    let channel = Channel::by_slug(channel).map_or(channel, |c| c.name);
    format!(
        "标题：{title}\n频道：{channel}\n摘要：{summary}\n来源：{source}\n原文链接：{}\n\n{body}",
        original_url.unwrap_or("")
    )
}

/// Comparisons larger than this many line pairs (after the common start and end are set
/// aside) list the whole middle as removed and added, so the work stays bounded.
const DIFF_CELLS_MAX: usize = 250_000;

/// The lines removed from `old` and added in `new`, in order (a longest common subsequence of
/// lines, past the common start and end).
pub fn diff_lines(old: &str, new: &str) -> Vec<DiffLine> {
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    let start = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let end = a[start..].iter().rev().zip(b[start..].iter().rev()).take_while(|(x, y)| x == y).count();
    let (a, b) = (&a[start..a.len() - end], &b[start..b.len() - end]);
    let removed = |l: &&str| DiffLine::Removed((*l).to_owned());
    let added = |l: &&str| DiffLine::Added((*l).to_owned());
    if a.len().saturating_mul(b.len()) > DIFF_CELLS_MAX {
        return a.iter().map(removed).chain(b.iter().map(added)).collect();
    }
    // lcs[i][j]: the longest common subsequence of a[i..] and b[j..].
    let w = b.len() + 1;
    let mut lcs = vec![0u32; (a.len() + 1) * w];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i * w + j] =
                if a[i] == b[j] { lcs[(i + 1) * w + j + 1] + 1 } else { lcs[(i + 1) * w + j].max(lcs[i * w + j + 1]) };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            i += 1;
            j += 1;
        } else if j < b.len() && (i == a.len() || lcs[i * w + j + 1] >= lcs[(i + 1) * w + j]) {
            out.push(added(&b[j]));
            j += 1;
        } else {
            out.push(removed(&a[i]));
            i += 1;
        }
    }
    out
}

/// Most changed lines listed per version.
pub const DIFF_SHOWN: usize = 40;

/// One line of the newsroom's list of articles.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeskLine {
    pub id: ArticleId,
    pub title: String,
    pub channel_name: String,
    pub state: ArticleState,
    /// When it was or will be published, `YYYY-MM-DD HH:MM`.
    pub published: String,
    /// When it was last saved, `YYYY-MM-DD HH:MM` (its creation for the demo's articles).
    pub updated: String,
}

/// A page of the newsroom's list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeskPage {
    pub articles: Vec<DeskLine>,
    pub page: u32,
    pub total_pages: u32,
}

#[cfg(test)]
mod tests {
    use super::markdown::Inline;
    use super::*;

    fn fields() -> ArticleFields {
        ArticleFields {
            title: " 悉尼今夏第一场热浪 ".into(),
            channel: "au".into(),
            summary: "气温周末将达 40 度。\n注意防暑。".into(),
            source: "今日".into(),
            original_url: String::new(),
            body: "第一段。\r\n\r\n第二段。".into(),
        }
    }

    #[test]
    fn a_good_article_is_trimmed_and_kept() {
        let a = check_article(&fields()).unwrap();
        assert_eq!(a.title, "悉尼今夏第一场热浪");
        assert_eq!(a.channel.slug, "au");
        assert_eq!(a.summary, "气温周末将达 40 度。 注意防暑。");
        assert_eq!(a.body, "第一段。\n\n第二段。");
        assert_eq!(a.original_url, None);
    }

    #[test]
    fn each_bad_field_is_named_in_chinese() {
        type Change = fn(&mut ArticleFields);
        let cases: [(Change, &str); 9] = [
            (|f| f.title = "  ".into(), "title"),
            (|f| f.title = "长".repeat(TITLE_MAX + 1), "title"),
            (|f| f.title = "一\n二".into(), "title"),
            (|f| f.channel = "sport".into(), "channel"),
            (|f| f.summary = String::new(), "summary"),
            (|f| f.source = "源".repeat(SOURCE_MAX + 1), "source"),
            (|f| f.original_url = "javascript:alert(1)".into(), "original_url"),
            (|f| f.original_url = "/relative".into(), "original_url"),
            (|f| f.body = "字".repeat(ARTICLE_BODY_MAX + 1), "body"),
        ];
        for (change, field) in cases {
            let mut f = fields();
            change(&mut f);
            let (at, message) = check_article(&f).unwrap_err();
            assert_eq!(at, field);
            assert!(message.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "{message}");
        }
        let mut f = fields();
        f.original_url = "https://example.com/news?id=1".into();
        assert_eq!(check_article(&f).unwrap().original_url.as_deref(), Some("https://example.com/news?id=1"));
    }

    #[test]
    fn removing_a_figure_drops_its_lines_and_renumbers_the_later_ones_only() {
        let body = "甲\n\n[图1]\n\n乙 [图3]\n[图2]\n [图3] \n\\[图3\\]\n[图3]";
        assert_eq!(renumber_figures(body, 2), "甲\n\n[图1]\n\n乙 [图3]\n[图2]\n\\[图3\\]\n[图2]");
        assert_eq!(renumber_figures(body, 9), body);
        assert_eq!(renumber_figures("[图1]", 1), "");
        assert_eq!(renumber_figures("开头\n\n[图1]\n\n中间\n\n[图2]", 1), "开头\n\n中间\n\n[图1]");
        assert_eq!(renumber_figures("[图1]\n\n正文", 1), "正文");
    }

    #[test]
    fn a_figure_needs_a_caption_and_a_credit_and_alt_falls_back_to_the_caption() {
        assert_eq!(
            check_figure_words("  悉尼  港口 ", "", " 新华社 "),
            Ok(("悉尼 港口".to_owned(), "悉尼 港口".to_owned(), "新华社".to_owned()))
        );
        assert_eq!(check_figure_words("", "x", "新华社").unwrap_err().0, "caption");
        assert_eq!(check_figure_words("说明", "x", " ").unwrap_err().0, "credit");
        assert_eq!(check_figure_words("说明", &"长".repeat(FIGURE_ALT_MAX + 1), "今日").unwrap_err().0, "alt");
        assert_eq!(check_figure_words(&"长".repeat(FIGURE_CAPTION_MAX + 1), "", "今日").unwrap_err().0, "caption");
        assert_eq!(check_figure_words("说明", "", "今\u{202e}日").unwrap_err().0, "credit");
        assert!(check_figure_words("说明", "", "今日").is_ok());
        assert_eq!(check_figure_words("说明", "a|b", "今日").unwrap_err().0, "alt");
        assert!(check_figure_words("左｜右", "", "今日").is_ok());
    }

    #[test]
    fn a_figure_is_placed_by_a_line_of_its_own() {
        let found: Vec<_> =
            ["[图1]", "文字 [图2]", "[图02]", "[图]", " [图12] ", "\\[图3\\]", "[图1000]"].map(figure_line).into();
        assert_eq!(found, vec![Some(1), None, None, None, Some(12), None, None]);
        let parts = body_parts("甲\n[图2]\n乙\n\n丙");
        assert_eq!(
            parts,
            vec![
                BodyPart::Text(TextBlock::Paragraph(vec![Inline::Text("甲".into())])),
                BodyPart::Figure(2),
                BodyPart::Text(TextBlock::Paragraph(vec![Inline::Text("乙".into())])),
                BodyPart::Text(TextBlock::Paragraph(vec![Inline::Text("丙".into())])),
            ]
        );
    }

    #[test]
    fn a_comparison_lists_only_what_changed() {
        let old = "标题：甲\n\n第一段\n第二段\n第三段";
        let new = "标题：乙\n\n第一段\n新的一段\n第三段\n第四段";
        assert_eq!(
            diff_lines(old, new),
            vec![
                DiffLine::Added("标题：乙".into()),
                DiffLine::Removed("标题：甲".into()),
                DiffLine::Added("新的一段".into()),
                DiffLine::Removed("第二段".into()),
                DiffLine::Added("第四段".into()),
            ]
        );
        assert!(diff_lines(old, old).is_empty());
        assert_eq!(diff_lines("", "一"), vec![DiffLine::Added("一".into())]);
        // Two unrelated long texts: bounded work, everything listed.
        let a: String = (0..1_000).map(|i| format!("a{i}\n")).collect();
        let b: String = (0..1_000).map(|i| format!("b{i}\n")).collect();
        assert_eq!(diff_lines(&a, &b).len(), 2_000);
    }

    #[test]
    fn an_old_article_becomes_markdown_that_reads_the_same() {
        let body = legacy_body([Some("他说：*不* [同意](x)。"), None, Some("## 不是标题"), None]);
        assert_eq!(body.matches("[图").count(), 2);
        let text = |t: &str| BodyPart::Text(TextBlock::Paragraph(vec![Inline::Text(t.into())]));
        assert_eq!(
            body_parts(&body),
            vec![text("他说：*不* [同意](x)。"), BodyPart::Figure(1), text("## 不是标题"), BodyPart::Figure(2)]
        );
        // A paragraph that looked like a figure line stays text.
        assert_eq!(body_parts(&legacy_body([Some("[图1]")])), vec![text("[图1]")]);
    }
}
