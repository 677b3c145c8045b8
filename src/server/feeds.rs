//! Feeds for news readers: RSS 2.0 and Atom, for the whole site and for each channel.
//!
//! `/feeds/rss.xml`, `/feeds/atom.xml`, `/feeds/{channel}/rss.xml`, `/feeds/{channel}/atom.xml`:
//! the [`ENTRIES`] newest articles, with absolute links built from `site.base_url` (never from
//! the request's `Host`), dates in RFC 822 (RSS) and RFC 3339 (Atom) in the site's time zone,
//! and every text escaped. They take no query; an unknown channel is a 404. A feed is one
//! indexed statement and may be cached by readers and proxies for five minutes.

use super::{db, AppState};
use crate::model::Channel;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::TimeZone;
use chrono_tz::Tz;

/// How many articles a feed lists.
pub const ENTRIES: i64 = 20;

/// The two formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Rss,
    Atom,
}

impl Format {
    fn file(self) -> &'static str {
        match self {
            Format::Rss => "rss.xml",
            Format::Atom => "atom.xml",
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Format::Rss => "application/rss+xml; charset=utf-8",
            Format::Atom => "application/atom+xml; charset=utf-8",
        }
    }
}

/// The site-relative address of a feed: the site's, or a channel's.
pub fn path(channel: Option<&str>, format: Format) -> String {
    match channel {
        None => format!("/feeds/{}", format.file()),
        Some(slug) => format!("/feeds/{slug}/{}", format.file()),
    }
}

pub async fn site_rss(State(state): State<AppState>) -> Response {
    feed(&state, None, Format::Rss).await
}

pub async fn site_atom(State(state): State<AppState>) -> Response {
    feed(&state, None, Format::Atom).await
}

pub async fn channel_rss(State(state): State<AppState>, Path(slug): Path<String>) -> Response {
    channel_feed(&state, &slug, Format::Rss).await
}

pub async fn channel_atom(State(state): State<AppState>, Path(slug): Path<String>) -> Response {
    channel_feed(&state, &slug, Format::Atom).await
}

async fn channel_feed(state: &AppState, slug: &str, format: Format) -> Response {
    match Channel::by_slug(slug) {
        Some(channel) => feed(state, Some(channel), format).await,
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn feed(state: &AppState, channel: Option<Channel>, format: Format) -> Response {
    let entries = match db::articles::feed(&state.pool, channel.map(|c| c.slug), ENTRIES).await {
        Ok(entries) => entries,
        Err(e) => {
            tracing::error!(error = %e, "feed query failed");
            return (StatusCode::SERVICE_UNAVAILABLE, "feed unavailable").into_response();
        }
    };
    let site = Site { base: &state.config.site.base_url, tz: state.config.site.timezone, channel };
    let xml = match format {
        Format::Rss => rss(&site, &entries),
        Format::Atom => atom(&site, &entries),
    };
    ([(header::CONTENT_TYPE, format.content_type()), (header::CACHE_CONTROL, "public, max-age=300")], xml)
        .into_response()
}

/// What a feed says about itself.
pub struct Site<'a> {
    /// `site.base_url`, without a trailing slash.
    pub base: &'a str,
    pub tz: Tz,
    pub channel: Option<Channel>,
}

impl Site<'_> {
    fn title(&self) -> String {
        match self.channel {
            Some(c) => format!("今日 · {}", c.name),
            None => "今日".to_owned(),
        }
    }

    fn page(&self) -> String {
        match self.channel {
            Some(c) => format!("{}{}", self.base, c.href),
            None => format!("{}/", self.base),
        }
    }

    fn description(&self) -> String {
        match self.channel {
            Some(c) => format!("今日{}新闻：最新{}资讯。", c.name, c.name),
            None => "今日：悉尼华人身边的新闻，澳洲、中国、国际、财经与生活资讯。".to_owned(),
        }
    }

    fn own(&self, format: Format) -> String {
        format!("{}{}", self.base, path(self.channel.map(|c| c.slug), format))
    }

    fn at(&self, unix: i64) -> chrono::DateTime<Tz> {
        self.tz.timestamp_opt(unix, 0).single().unwrap_or_else(|| self.tz.timestamp_opt(0, 0).unwrap())
    }

    /// When the feed last changed: its latest publication or correction, or the epoch when it
    /// has no entry.
    fn updated(&self, entries: &[db::articles::FeedEntry]) -> chrono::DateTime<Tz> {
        self.at(entries.iter().map(|e| e.updated_at).max().unwrap_or(0))
    }
}

/// RSS 2.0, with `atom:link rel="self"` as validators ask.
pub fn rss(site: &Site<'_>, entries: &[db::articles::FeedEntry]) -> String {
    let mut x = String::with_capacity(1024 + entries.len() * 512);
    x.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    x.push_str("<rss version=\"2.0\" xmlns:atom=\"http://www.w3.org/2005/Atom\">\n<channel>\n");
    element(&mut x, "title", &site.title());
    element(&mut x, "link", &site.page());
    element(&mut x, "description", &site.description());
    element(&mut x, "language", "zh-CN");
    element(&mut x, "lastBuildDate", &site.updated(entries).to_rfc2822());
    x.push_str(&format!(
        "<atom:link href=\"{}\" rel=\"self\" type=\"application/rss+xml\"/>\n",
        escape(&site.own(Format::Rss))
    ));
    for e in entries {
        let link = format!("{}/article/{}", site.base, e.id);
        x.push_str("<item>\n");
        element(&mut x, "title", &e.title);
        element(&mut x, "link", &link);
        x.push_str(&format!("<guid isPermaLink=\"true\">{}</guid>\n", escape(&link)));
        element(&mut x, "pubDate", &site.at(e.published_at).to_rfc2822());
        element(&mut x, "category", &e.channel_name);
        element(&mut x, "description", &entry_text(e));
        x.push_str("</item>\n");
    }
    x.push_str("</channel>\n</rss>\n");
    x
}

/// Atom (RFC 4287).
pub fn atom(site: &Site<'_>, entries: &[db::articles::FeedEntry]) -> String {
    let mut x = String::with_capacity(1024 + entries.len() * 512);
    x.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    x.push_str("<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"zh-CN\">\n");
    element(&mut x, "title", &site.title());
    element(&mut x, "subtitle", &site.description());
    element(&mut x, "id", &site.own(Format::Atom));
    element(&mut x, "updated", &site.updated(entries).to_rfc3339());
    x.push_str(&format!(
        "<link rel=\"self\" type=\"application/atom+xml\" href=\"{}\"/>\n",
        escape(&site.own(Format::Atom))
    ));
    x.push_str(&format!("<link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n", escape(&site.page())));
    x.push_str("<author><name>今日</name></author>\n");
    for e in entries {
        let link = format!("{}/article/{}", site.base, e.id);
        let at = site.at(e.published_at).to_rfc3339();
        let updated = site.at(e.updated_at).to_rfc3339();
        x.push_str("<entry>\n");
        element(&mut x, "title", &e.title);
        element(&mut x, "id", &link);
        x.push_str(&format!("<link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n", escape(&link)));
        element(&mut x, "published", &at);
        element(&mut x, "updated", &updated);
        x.push_str(&format!(
            "<category term=\"{}\" label=\"{}\"/>\n",
            escape(&e.channel_slug),
            escape(&e.channel_name)
        ));
        element(&mut x, "summary", &entry_text(e));
        x.push_str("</entry>\n");
    }
    x.push_str("</feed>\n");
    x
}

/// An entry's text: its summary and 来源.
fn entry_text(e: &db::articles::FeedEntry) -> String {
    if e.source.trim().is_empty() {
        e.summary.clone()
    } else {
        format!("{}（来源：{}）", e.summary, e.source)
    }
}

fn element(x: &mut String, name: &str, text: &str) {
    x.push('<');
    x.push_str(name);
    x.push('>');
    x.push_str(&escape(text));
    x.push_str("</");
    x.push_str(name);
    x.push_str(">\n");
}

/// Text and attribute values as XML: the five markup characters escaped, and characters XML 1.0
/// does not allow (control characters but tab and line breaks, unpaired surrogates cannot occur
/// in a `str`, U+FFFE and U+FFFF) left out, so no stored text can make a feed ill-formed.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(ch),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(title: &str, summary: &str) -> db::articles::FeedEntry {
        db::articles::FeedEntry {
            id: 7,
            title: title.to_owned(),
            summary: summary.to_owned(),
            source: "新华社 & <AAP>".to_owned(),
            channel_slug: "au".to_owned(),
            channel_name: "澳洲".to_owned(),
            // 2026-12-02 23:00 in Sydney (UTC+11), corrected an hour later.
            published_at: 1_796_212_800,
            updated_at: 1_796_216_400,
        }
    }

    #[test]
    fn markup_and_forbidden_characters_in_stored_text_stay_text() {
        assert_eq!(escape("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&apos;");
        assert_eq!(escape("x\u{0}\u{1b}y\u{FFFF}\tz\n"), "xy\tz\n");
        let site = Site { base: "https://jinri.test", tz: chrono_tz::Australia::Sydney, channel: None };
        let e = entry("</title><script>alert(1)</script>]]>", "\u{8}摘要 & 更多");
        for xml in [rss(&site, std::slice::from_ref(&e)), atom(&site, &[e])] {
            assert!(!xml.contains("<script>"), "{xml}");
            assert!(xml.contains("&lt;/title&gt;&lt;script&gt;"), "{xml}");
            assert!(!xml.contains('\u{8}'));
            assert!(xml.contains("新华社 &amp; &lt;AAP&gt;"), "{xml}");
        }
    }

    #[test]
    fn dates_follow_each_format_in_the_site_time_zone() {
        let site =
            Site { base: "https://jinri.test", tz: chrono_tz::Australia::Sydney, channel: Channel::by_slug("au") };
        let r = rss(&site, &[entry("标题", "摘要")]);
        assert!(r.contains("<pubDate>Wed, 2 Dec 2026 23:00:00 +1100</pubDate>"), "{r}");
        assert!(r.contains("<link>https://jinri.test/channel/au</link>"), "{r}");
        assert!(r.contains("href=\"https://jinri.test/feeds/au/rss.xml\" rel=\"self\""), "{r}");
        let a = atom(&site, &[entry("标题", "摘要")]);
        assert!(a.contains("<published>2026-12-02T23:00:00+11:00</published>"), "{a}");
        assert!(a.contains("<updated>2026-12-03T00:00:00+11:00</updated>"), "the correction: {a}");
        assert!(r.contains("<lastBuildDate>Thu, 3 Dec 2026 00:00:00 +1100</lastBuildDate>"), "{r}");
        assert!(a.contains("<id>https://jinri.test/article/7</id>"), "{a}");
        assert!(a.contains("<title>今日 · 澳洲</title>"), "{a}");
    }

    #[test]
    fn an_empty_feed_is_still_a_whole_feed() {
        let site = Site { base: "https://jinri.test", tz: chrono_tz::UTC, channel: None };
        let a = atom(&site, &[]);
        assert!(a.contains("<updated>1970-01-01T00:00:00+00:00</updated>") && a.ends_with("</feed>\n"), "{a}");
        let r = rss(&site, &[]);
        assert!(r.ends_with("</channel>\n</rss>\n") && !r.contains("<item>"), "{r}");
    }
}
