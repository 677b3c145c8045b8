use super::ArticleId;
use serde::{Deserialize, Serialize};

/// A section of the paper. The list is fixed: it is the site's navigation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Channel {
    pub slug: &'static str,
    pub name: &'static str,
    /// Path of the channel page.
    pub href: &'static str,
}

pub const CHANNELS: [Channel; 5] = [
    Channel { slug: "au", name: "澳洲", href: "/channel/au" },
    Channel { slug: "china", name: "中国", href: "/channel/china" },
    Channel { slug: "world", name: "国际", href: "/channel/world" },
    Channel { slug: "finance", name: "财经", href: "/channel/finance" },
    Channel { slug: "life", name: "生活", href: "/channel/life" },
];

impl Channel {
    pub fn by_slug(slug: &str) -> Option<Channel> {
        CHANNELS.iter().copied().find(|c| c.slug == slug)
    }
}

/// One line of a list of articles (front page, channel page, 热门).
/// Dates arrive formatted by the server in the site's time zone, so the browser renders the
/// very same text during hydration.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ArticleSummary {
    pub id: ArticleId,
    pub title: String,
    pub summary: String,
    pub source: String,
    pub channel_slug: String,
    pub channel_name: String,
    /// `YYYY-MM-DD` in the site's time zone.
    pub published_date: String,
    /// RFC 3339, for `<time datetime>`.
    pub published_iso: String,
    pub thumbnail: Option<String>,
    pub comment_count: i64,
}

impl ArticleSummary {
    pub fn href(&self) -> String {
        format!("/article/{}", self.id)
    }
}

/// A page of a list of articles, with what the sidebar needs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ArticlePage {
    pub articles: Vec<ArticleSummary>,
    pub page: u32,
    pub total_pages: u32,
    pub hot: Vec<ArticleSummary>,
}

/// A piece of an article's body, in reading order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Block {
    Paragraph(String),
    /// `alt` says what the picture shows; the caption is the paper's line under it, then the
    /// credit (图片来源) when there is one. An uploaded figure has its other widths in `srcset`
    /// (empty for the drawings of the demo content) and the size of its largest file.
    Figure {
        src: String,
        caption: String,
        alt: String,
        credit: String,
        srcset: String,
        width: u32,
        height: u32,
    },
    /// A run of a body written in the newsroom's Markdown, as HTML made by the server from the
    /// parsed text (`markdown::to_html`: every character of the text escaped, only the subset's
    /// own elements, links checked). Sent as made, so the browser needs neither the parser nor
    /// a decoder of its tree.
    Html(String),
}

/// Another article, as a link: 上一篇/下一篇 and the side column.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ArticleLink {
    pub id: ArticleId,
    pub title: String,
}

impl ArticleLink {
    pub fn href(&self) -> String {
        format!("/article/{}", self.id)
    }
}

/// The raster image link previews (WeChat, Facebook, X) show for a page: they take no SVG.
/// A figure drawn for this site (`/images/articles/NAME.svg`) has a 1200 x 630 JPEG made from
/// it (`/images/og/NAME.jpg`, by `scripts/og-images.mjs`); a raster figure is used as it is;
/// anything else, and a page without a figure, gets the site's card.
pub fn preview_image(figure: Option<&str>) -> String {
    const CARD: &str = "/images/og/jinri.jpg";
    let Some(src) = figure else { return CARD.to_owned() };
    if let Some(name) = src.strip_prefix("/images/articles/").and_then(|n| n.strip_suffix(".svg")) {
        if !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
            return format!("/images/og/{name}.jpg");
        }
    }
    let lower = src.to_ascii_lowercase();
    if src.starts_with('/') && [".jpg", ".jpeg", ".png"].iter().any(|e| lower.ends_with(e)) {
        return src.to_owned();
    }
    CARD.to_owned()
}

/// A whole article as its page shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Article {
    /// For an article readers cannot see (a draft, scheduled, withdrawn), which only the
    /// newsroom is shown: its state's name (`ArticleState::label`). `None` when published.
    pub unpublished: Option<String>,
    pub summary: ArticleSummary,
    pub original_url: Option<String>,
    pub blocks: Vec<Block>,
    /// `YYYY-MM-DD HH:MM` in the site's time zone, for the meta line.
    pub published_at: String,
    /// When it was last changed (Unix seconds): an open page whose copy is older takes the new
    /// text when the stream says so (`ArticleNotice`).
    pub updated: i64,
    /// 上一篇: the article of the same channel published just before this one.
    pub previous: Option<ArticleLink>,
    /// 下一篇: the one published just after.
    pub next: Option<ArticleLink>,
    /// The channel's newest other articles, for the side column.
    pub related: Vec<ArticleLink>,
    /// 热门 for the side column: the site's most commented other articles, titles only (a count
    /// shown here would make every article page stale with any comment on them; see
    /// `server::page_cache`).
    pub hot: Vec<ArticleLink>,
    /// The article's full address (`site.base_url` and its path), for sharing.
    pub url: String,
}

/// One article line of the sitemap.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SitemapEntry {
    pub id: ArticleId,
    pub title: String,
    pub channel_slug: String,
    pub published_date: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_channel_is_found_by_its_slug() {
        for c in CHANNELS {
            assert_eq!(Channel::by_slug(c.slug), Some(c));
            assert_eq!(c.href, format!("/channel/{}", c.slug));
        }
        assert_eq!(Channel::by_slug("sport"), None);
    }

    #[test]
    fn link_previews_get_a_raster_image() {
        assert_eq!(preview_image(Some("/images/articles/sydney-rain-1.svg")), "/images/og/sydney-rain-1.jpg");
        assert_eq!(preview_image(Some("/images/uploads/a.PNG")), "/images/uploads/a.PNG");
        assert_eq!(preview_image(Some("/images/uploads/a.jpg")), "/images/uploads/a.jpg");
        for other in
            [None, Some("/images/a.svg"), Some("/images/articles/../x.svg"), Some("https://e.com/a.jpg"), Some("")]
        {
            assert_eq!(preview_image(other), "/images/og/jinri.jpg", "{other:?}");
        }
    }
}
