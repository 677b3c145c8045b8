//! The server's writer of the article page's parts (`article_part`, `side_part`): the bytes
//! their views write, hydration markers included, by the rules `components::comments::written`
//! lists, written straight into a string. The tests in `article.rs` compare writer and view.

use super::{Live, Shown};
use crate::components::article_count_text;
use crate::components::write::{attr, text};
use crate::model::{encode_query, ArticleLink, Block};
use leptos::prelude::*;
use std::fmt::Write;

/// `article_view`.
pub(super) fn article(shown: &Shown, live: Live) -> String {
    let mut w = String::with_capacity(4096);
    let w = &mut w;
    let id = shown.article_id;
    w.push_str(
        "<article class=\"article\"><nav aria-label=\"位置\" class=\"breadcrumb\"><a href=\"/\">首页</a> › <a href=\"",
    );
    attr(w, &shown.channel_href);
    w.push_str("\">");
    text(w, &shown.channel_name);
    w.push_str("<!></a><!><!></nav>");
    match &shown.unpublished {
        Some(state) => {
            w.push_str("<p role=\"status\" class=\"draft-notice\">");
            text(w, &format!("{state}：读者看不到这篇文章，这是它发布后的样子。"));
            let _ = write!(w, "<a href=\"/admin/articles/{id}\">编辑<!></a><!><!></p>");
        }
        None => w.push_str("<!>"),
    }
    // Only a live event in the browser sets `heard`: never the server.
    debug_assert!(live.heard.get_untracked().is_none());
    w.push_str("<!><h1 class=\"article-title\">");
    live.title.with_untracked(|t| text(w, t));
    w.push_str("<!></h1><p class=\"article-meta\"><time datetime=\"");
    attr(w, &shown.published_iso);
    w.push_str("\">");
    text(w, &shown.published_at);
    w.push_str("<!></time><span>");
    text(w, &format!("来源：{}", shown.source));
    w.push_str("<!></span>");
    match &shown.original_url {
        Some(u) => {
            w.push_str("<a href=\"");
            attr(w, u);
            w.push_str("\" rel=\"nofollow noopener\" target=\"_blank\">原文链接<!></a>");
        }
        None => w.push_str("<!>"),
    }
    w.push_str("<a href=\"#comments\" class=\"comment-count\">");
    text(w, &article_count_text(live.total.get_untracked()));
    w.push_str("<!></a><!><!></p><div class=\"article-body\">");
    live.blocks.with_untracked(|blocks| body(w, blocks));
    w.push_str("<!></div>");
    share(w, shown);
    if shown.previous.is_some() || shown.next.is_some() {
        w.push_str("<nav aria-label=\"本频道的上一篇和下一篇\" class=\"article-pager\">");
        for (link, rel, class, label) in
            [(&shown.previous, "prev", "previous", "上一篇"), (&shown.next, "next", "next", "下一篇")]
        {
            match link {
                Some(a) => {
                    let _ =
                        write!(w, "<a rel=\"{rel}\" href=\"/article/{}\" class=\"{class}\"><span>{label}</span>", a.id);
                    text(w, &a.title);
                    w.push_str("<!><!></a>");
                }
                None => w.push_str("<!>"),
            }
        }
        w.push_str("<!><!></nav>");
    } else {
        w.push_str("<!>");
    }
    w.push_str("<!><!></article>");
    std::mem::take(w)
}

/// `body_view`: the blocks, and the list's marker.
fn body(w: &mut String, blocks: &[Block]) {
    let mut first = true;
    for b in blocks {
        match b {
            Block::Paragraph(t) => {
                w.push_str("<p>");
                text(w, t);
                w.push_str("<!></p>");
            }
            // Made by the server from the newsroom's Markdown, every text escaped (`body_view`).
            Block::Html(html) => {
                w.push_str("<div class=\"article-text\">");
                w.push_str(html);
                w.push_str("</div>");
            }
            Block::Figure { src, caption, alt, credit, srcset, width, height } => {
                let (loading, priority) = if std::mem::take(&mut first) { ("eager", "high") } else { ("lazy", "auto") };
                w.push_str("<figure><img src=\"");
                attr(w, src);
                if !srcset.is_empty() {
                    w.push_str("\" srcset=\"");
                    attr(w, srcset);
                    w.push_str("\" sizes=\"(min-width: 792px) 760px, calc(100vw - 32px)");
                }
                w.push_str("\" alt=\"");
                attr(w, alt);
                let _ = write!(
                    w,
                    "\" width=\"{width}\" height=\"{height}\" loading=\"{loading}\" fetchpriority=\"{priority}\" decoding=\"async\"><figcaption>"
                );
                text(w, caption);
                if credit.is_empty() {
                    w.push_str("<!>");
                } else {
                    w.push_str("<span class=\"credit\">图片来源：<!>");
                    text(w, credit);
                    w.push_str("<!><!></span>");
                }
                w.push_str("<!><!></figcaption><!><!></figure>");
            }
        }
    }
    w.push_str("<!>");
}

/// `share_links`, nothing copied yet.
fn share(w: &mut String, shown: &Shown) {
    let (u, t) = (encode_query(&shown.url), encode_query(&shown.share_title));
    w.push_str(
        "<div role=\"group\" aria-label=\"分享\" class=\"share\"><span class=\"share-label\">分享：</span><a href=\"",
    );
    attr(w, &shown.url);
    let _ = write!(
        w,
        "\" class=\"share-copy\">复制链接<!></a><details class=\"share-wechat\"><summary>微信</summary><figure>\
         <img src=\"/share/qr/{}\" alt=\"本文地址的二维码\" width=\"200\" height=\"200\" loading=\"lazy\">\
         <figcaption>用微信扫一扫，打开本文后分享给朋友</figcaption><!><!></figure><!><!></details><a href=\"",
        shown.article_id
    );
    attr(w, &format!("https://service.weibo.com/share/share.php?url={u}&title={t}"));
    w.push_str("\" target=\"_blank\" rel=\"noopener noreferrer\">微博<!></a><a href=\"");
    attr(w, &format!("https://x.com/intent/post?url={u}&text={t}"));
    w.push_str("\" target=\"_blank\" rel=\"noopener noreferrer\">X<!></a><span role=\"status\" class=\"share-done\"><!><!></span><!><!></div>");
}

/// `side_view`.
pub(super) fn side(channel_name: &str, related: &[ArticleLink], hot: &[ArticleLink]) -> String {
    if related.is_empty() && hot.is_empty() {
        return "<!>".to_owned();
    }
    let mut w = String::with_capacity(2048);
    w.push_str("<aside aria-label=\"更多文章\" class=\"article-side\">");
    let related_heading = format!("{channel_name}·最新");
    for (id, heading, links) in
        [("side-hot-heading", "热门", hot), ("related-heading", related_heading.as_str(), related)]
    {
        if links.is_empty() {
            continue;
        }
        let _ = write!(w, "<section aria-labelledby=\"{id}\"><h2 id=\"{id}\">");
        text(&mut w, heading);
        w.push_str("<!></h2><ol class=\"side-list\">");
        for a in links {
            let _ = write!(w, "<li><a href=\"/article/{}\">", a.id);
            text(&mut w, &a.title);
            w.push_str("<!></a><!></li>");
        }
        w.push_str("<!><!></ol><!><!></section>");
    }
    w.push_str("<!><!></aside>");
    w
}
