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
    Figure { src: String, caption: String },
}

/// A whole article as its page shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Article {
    pub summary: ArticleSummary,
    pub original_url: Option<String>,
    pub blocks: Vec<Block>,
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
}
