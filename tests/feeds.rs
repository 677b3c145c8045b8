//! The RSS and Atom feeds over HTTP: well-formed, absolute, dated as each format requires, one
//! channel's articles only in its feed, and linked from the pages.
#![cfg(feature = "ssr")]

mod common;

fn parse(xml: &str) -> roxmltree::Document<'_> {
    roxmltree::Document::parse(xml).unwrap_or_else(|e| panic!("not well-formed: {e}\n{xml}"))
}

fn texts<'a>(doc: &'a roxmltree::Document<'a>, name: &str) -> Vec<&'a str> {
    // Elements of no namespace (RSS) or of Atom's, not RSS's `atom:link`.
    doc.descendants()
        .filter(|n| n.has_tag_name(name) && n.attribute("rel") != Some("self"))
        .map(|n| n.text().unwrap_or(""))
        .collect()
}

async fn fetch(s: &common::TestServer, path: &str, content_type: &str) -> String {
    let resp = s.client.get(format!("{}{path}", s.base)).send().await.unwrap();
    assert_eq!(resp.status(), 200, "{path}");
    assert_eq!(resp.headers()["content-type"], content_type, "{path}");
    resp.text().await.unwrap()
}

#[tokio::test]
async fn the_site_rss_feed_lists_the_newest_articles_with_absolute_links_and_rfc_822_dates() {
    let s = common::spawn().await;
    let xml = fetch(&s, "/feeds/rss.xml", "application/rss+xml; charset=utf-8").await;
    let doc = parse(&xml);
    assert_eq!(doc.root_element().tag_name().name(), "rss");
    assert_eq!(doc.root_element().attribute("version"), Some("2.0"));
    let items = doc.descendants().filter(|n| n.has_tag_name("item")).count();
    let (_, sitemap) = s.get("/sitemap.xml").await;
    let articles = sitemap.matches("<loc>https://jinri.test/article/").count();
    assert!(articles >= 12);
    assert_eq!(items, articles.min(20), "the 20 newest articles, or all of them");
    let links = texts(&doc, "link");
    assert_eq!(links[0], "https://jinri.test/");
    for link in &links[1..] {
        assert!(link.starts_with("https://jinri.test/article/"), "{link}");
    }
    let dates: Vec<_> = texts(&doc, "pubDate")
        .iter()
        .map(|d| chrono::DateTime::parse_from_rfc2822(d).unwrap_or_else(|e| panic!("{d}: {e}")))
        .collect();
    assert_eq!(dates.len(), items);
    assert!(dates.windows(2).all(|w| w[0] >= w[1]), "newest first");
    let build = texts(&doc, "lastBuildDate");
    assert_eq!(chrono::DateTime::parse_from_rfc2822(build[0]).unwrap(), dates[0]);
    // The newest article is the front page's first.
    let (_, front) = s.get("/").await;
    let needle = "class=\"item-title\"><a href=\"";
    let first = &front[front.find(needle).unwrap() + needle.len()..];
    let first = &first[..first.find('"').unwrap()];
    assert_eq!(links[1], format!("https://jinri.test{first}"));
    let own = doc.descendants().find(|n| n.has_tag_name("link") && n.attribute("rel") == Some("self")).unwrap();
    assert_eq!(own.attribute("href"), Some("https://jinri.test/feeds/rss.xml"));
}

#[tokio::test]
async fn a_channel_atom_feed_holds_that_channel_only_with_rfc_3339_dates() {
    let s = common::spawn().await;
    let xml = fetch(&s, "/feeds/au/atom.xml", "application/atom+xml; charset=utf-8").await;
    let doc = parse(&xml);
    let root = doc.root_element();
    assert_eq!((root.tag_name().namespace(), root.tag_name().name()), (Some("http://www.w3.org/2005/Atom"), "feed"));
    let entries: Vec<_> = root.children().filter(|n| n.has_tag_name("entry")).collect();
    assert!(!entries.is_empty());
    // Every entry has what RFC 4287 requires of it (the author is the feed's).
    for entry in &entries {
        for required in ["id", "title", "updated", "link", "summary"] {
            assert!(entry.children().any(|n| n.has_tag_name(required)), "an entry lacks <{required}>");
        }
        let term = entry.children().find(|n| n.has_tag_name("category")).and_then(|n| n.attribute("term"));
        assert_eq!(term, Some("au"));
        let id = entry.children().find(|n| n.has_tag_name("id")).unwrap().text().unwrap();
        assert!(id.starts_with("https://jinri.test/article/"), "{id}");
    }
    assert!(root.children().any(|n| n.has_tag_name("author")));
    for d in texts(&doc, "updated").iter().chain(texts(&doc, "published").iter()) {
        chrono::DateTime::parse_from_rfc3339(d).unwrap_or_else(|e| panic!("{d}: {e}"));
    }
    // Exactly the channel page's articles, in its order.
    let (_, page) = s.get("/channel/au").await;
    let listed: Vec<String> = page
        .split("class=\"item-title\"")
        .skip(1)
        .filter_map(|p| p.split("href=\"").nth(1).map(|h| format!("https://jinri.test{}", &h[..h.find('"').unwrap()])))
        .collect();
    let ids: Vec<&str> =
        entries.iter().map(|e| e.children().find(|n| n.has_tag_name("id")).unwrap().text().unwrap()).collect();
    assert!(!listed.is_empty(), "the channel page's list was not found");
    assert_eq!(ids[..listed.len().min(ids.len())], listed[..listed.len().min(ids.len())]);
    let count_au = ids.len();
    let xml = fetch(&s, "/feeds/rss.xml", "application/rss+xml; charset=utf-8").await;
    assert!(
        parse(&xml).descendants().filter(|n| n.has_tag_name("item")).count() > count_au,
        "the site's feed is wider"
    );
}

#[tokio::test]
async fn an_unknown_channel_has_no_feed_and_queries_change_nothing() {
    let s = common::spawn().await;
    for path in ["/feeds/sport/rss.xml", "/feeds/..%2Fau/atom.xml", "/feeds/au/feed.xml", "/feeds/AU/rss.xml"] {
        assert_eq!(s.get(path).await.0, 404, "{path}");
    }
    let (_, plain) = s.get("/feeds/atom.xml").await;
    let (status, with_query) = s.get("/feeds/atom.xml?page=2&x=%3Cscript%3E").await;
    assert_eq!(status, 200);
    assert_eq!(plain, with_query);
}

#[tokio::test]
async fn pages_link_their_feeds() {
    let s = common::spawn().await;
    let (_, front) = s.get("/").await;
    for link in [
        r#"<link rel="alternate" type="application/rss+xml" title="今日 RSS" href="/feeds/rss.xml">"#,
        r#"<link rel="alternate" type="application/atom+xml" title="今日 Atom" href="/feeds/atom.xml">"#,
    ] {
        assert!(front.contains(link), "the front page lacks {link}");
    }
    assert!(!front.contains("/feeds/au/"));
    let (_, channel) = s.get("/channel/finance").await;
    assert!(channel.contains(r#"href="/feeds/finance/rss.xml""#), "the channel page lacks its feed");
    assert!(channel.contains(r#"href="/feeds/finance/atom.xml""#));
    assert!(channel.contains(r#"href="/feeds/rss.xml""#));
}
