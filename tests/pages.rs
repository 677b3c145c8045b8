//! The reader's pages over HTTP, against the real server with a temporary database.
#![cfg(feature = "ssr")]

mod common;

const SEED_TITLE: &str = "乌克兰局势紧张之际,拜登普京通话:相约面谈(图)";

#[tokio::test]
async fn the_front_page_shows_the_top_bar_slogan_channels_and_latest_articles() {
    let s = common::spawn().await;
    let (status, html) = s.get("/").await;
    assert_eq!(status, 200);
    for expected in [
        "<html lang=\"zh-CN\"",
        "最好看的新闻，最实用的信息",
        "20.1°C-21.3°C",
        "澳元 : 人民币=4.73",
        "悉尼",
        "href=\"/app\"",
        "href=\"/channel/au\"",
        "href=\"/channel/china\"",
        "href=\"/channel/world\"",
        "热门",
        "<title>今日 - 最好看的新闻，最实用的信息</title>",
        "<meta name=\"description\"",
        "<link href=\"https://jinri.test/\" rel=\"canonical\">",
        "下一页",
    ] {
        assert!(html.contains(expected), "front page lacks {expected:?}");
    }
    // Ten articles on a page, each with thumbnail, date, source and comment count.
    assert_eq!(html.matches("class=\"article-item\"").count(), 10);
    assert_eq!(html.matches("来源：").count(), 10);
    assert!(html.matches("<img src=\"/images/articles/").count() >= 10);
    // Today's date in the site's time zone, as 11月09日.
    let today = chrono_today_sydney();
    assert!(html.contains(&today), "front page lacks today's date {today}");
}

fn chrono_today_sydney() -> String {
    use chrono::{Datelike, Utc};
    let now = Utc::now().with_timezone(&chrono_tz::Australia::Sydney);
    format!("{:02}月{:02}日", now.month(), now.day())
}

#[tokio::test]
async fn the_hot_list_puts_the_most_commented_article_first() {
    let s = common::spawn().await;
    let (_, html) = s.get("/").await;
    let hot = &html[html.find("id=\"hot-heading\"").unwrap()..];
    let counts: Vec<i64> =
        hot.split("class=\"hot-count\">").skip(1).map(|p| p[..p.find('评').unwrap()].parse().unwrap()).collect();
    assert!(counts.len() >= 5);
    assert!(counts.windows(2).all(|w| w[0] >= w[1]), "热门 must be ordered by comments: {counts:?}");
}

#[tokio::test]
async fn the_front_page_is_paged_and_a_page_past_the_end_is_not_found() {
    let s = common::spawn().await;
    let (_, first) = s.get("/").await;
    let (status, second) = s.get("/?page=2").await;
    assert_eq!(status, 200);
    assert!(second.contains("上一页"));
    let first_title = |html: &str| {
        let at = html.find("class=\"item-title\"").unwrap();
        let end = at + html[at..].find("</h2>").unwrap();
        html[at..end].to_owned()
    };
    assert_ne!(first_title(&first), first_title(&second));
    for bad in ["/?page=99", "/?page=0", "/?page=abc"] {
        assert_eq!(s.get(bad).await.0, 404, "{bad}");
    }
}

#[tokio::test]
async fn a_channel_page_lists_only_its_channel_and_an_unknown_channel_is_not_found() {
    let s = common::spawn().await;
    let (status, html) = s.get("/channel/world").await;
    assert_eq!(status, 200);
    assert!(html.contains(SEED_TITLE));
    assert!(html.contains("<title>国际 - 今日</title>"));
    let tags: Vec<&str> = html.split("class=\"channel-tag\">").skip(1).map(|p| &p[..p.find('<').unwrap()]).collect();
    assert!(!tags.is_empty() && tags.iter().all(|t| *t == "国际"), "{tags:?}");
    let (status, html) = s.get("/channel/sport").await;
    assert_eq!(status, 404);
    assert!(html.contains("页面不存在"));
}

#[tokio::test]
async fn the_comment_heading_names_the_order_the_comments_are_in() {
    let s = common::spawn().await;
    let path = s.seed_article_path().await;
    for (query, heading) in [
        ("", "最新评论（5）"),
        ("?sort=new", "最新评论（5）"),
        ("?sort=old", "最早评论（5）"),
        ("?sort=hot", "最热评论（5）"),
    ] {
        let (status, html) = s.get(&format!("{path}{query}")).await;
        assert_eq!(status, 200, "{query}");
        assert!(html.contains(&format!("<h3 class=\"comments-count\">{heading}</h3>")), "{query}: {heading}");
    }
}

#[tokio::test]
async fn the_seed_article_reads_as_the_seed_page_shows_it() {
    let s = common::spawn().await;
    let path = s.seed_article_path().await;
    let (status, html) = s.get(&path).await;
    assert_eq!(status, 200);
    for expected in [
        format!("<h1 class=\"article-title\">{SEED_TITLE}</h1>"),
        "2021-04-14".to_owned(),
        "来源：纵相新闻".to_owned(),
        ">原文链接</a>".to_owned(),
        "评论5条".to_owned(),
        "当地时间13日,拜登和普京再次通话".to_owned(),
        "他认为,两国必须平等相待。".to_owned(),
        format!("<figcaption>{SEED_TITLE} - 1</figcaption>"),
        format!("<figcaption>{SEED_TITLE} - 2</figcaption>"),
        format!("<figcaption>{SEED_TITLE} - 3</figcaption>"),
        "今日评论".to_owned(),
        "网友评论仅供其表达个人看法，并不表明网站立场。".to_owned(),
        "最新评论（5）".to_owned(),
        "it takes one to know one 哈哈🤣".to_owned(),
        format!("<title>{SEED_TITLE} - 今日</title>"),
        format!("<meta property=\"og:title\" content=\"{SEED_TITLE}\""),
        "<meta property=\"og:type\" content=\"article\"".to_owned(),
        "<meta property=\"og:site_name\" content=\"今日\">".to_owned(),
        "<meta property=\"og:locale\" content=\"zh_CN\">".to_owned(),
        "<meta name=\"twitter:card\" content=\"summary_large_image\">".to_owned(),
        format!("<link href=\"https://jinri.test{path}\" rel=\"canonical\">"),
    ] {
        assert!(html.contains(&expected), "article page lacks {expected:?}");
    }
    // The shell's fixed OpenGraph tags are not repeated by the page's own.
    for tag in ["og:site_name", "og:locale", "twitter:card", "og:title", "og:type"] {
        assert_eq!(html.matches(&format!("=\"{tag}\"")).count(), 1, "{tag}");
    }
    // Comments newest first, each with its avatar, name and date.
    let names = ["善結仁義", "Sammie傻咪", "失意女魔王", "June六六六月", "Melan_小黑鸟"];
    let positions: Vec<usize> = names
        .iter()
        .map(|n| html.find(&format!("class=\"comment-author\">{n}<")).unwrap_or_else(|| panic!("{n} missing")))
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "comments must be newest first");
    assert_eq!(html.matches("class=\"avatar avatar-").count(), 5);
    assert!(html.contains(">2021-04-16 "));
    // Paragraphs come before figures in the seed's order: paragraph 1, then figure 1.
    let p1 = html.find("当地时间13日").unwrap();
    let f1 = html.find(&format!("{SEED_TITLE} - 1")).unwrap();
    let p2 = html.find("据俄总统网站13日发表的公报").unwrap();
    assert!(p1 < f1 && f1 < p2);
}

#[tokio::test]
async fn replies_are_listed_one_level_under_their_top_level_comment_and_an_answer_to_a_reply_names_whom() {
    let s = common::spawn().await;
    // Some demo threads have replies to replies; find an article page that shows one.
    let (_, xml) = s.get("/sitemap.xml").await;
    let mut found = false;
    for loc in xml.split("<loc>").skip(1).map(|p| &p[..p.find("</loc>").unwrap()]) {
        let Some(path) = loc.strip_prefix("https://jinri.test") else {
            continue;
        };
        if !path.starts_with("/article/") {
            continue;
        }
        let (_, html) = s.get(path).await;
        for list in html.split("<ol class=\"replies\">").skip(1) {
            let list = &list[..list.find("</ol>").unwrap()];
            assert!(!list.contains("<ol"), "two levels only: no list inside a list of replies ({path})");
            found |= list.contains("<p class=\"reply-to\">回复 @");
        }
        if found {
            break;
        }
    }
    assert!(found, "some demo reply answers another reply and says whom");
}

#[tokio::test]
async fn an_unknown_or_malformed_article_id_is_the_404_page() {
    let s = common::spawn().await;
    for path in ["/article/999999", "/article/abc", "/article/0", "/article/-1", "/article/1.5"] {
        let (status, html) = s.get(path).await;
        assert_eq!(status, 404, "{path}");
        assert!(html.contains("404 · 页面不存在"), "{path}");
    }
}

#[tokio::test]
async fn an_unknown_path_is_the_404_page() {
    let s = common::spawn().await;
    let (status, html) = s.get("/no/such/page").await;
    assert_eq!(status, 404);
    assert!(html.contains("页面不存在"));
}

#[tokio::test]
async fn the_xml_sitemap_lists_the_front_page_channels_and_every_article() {
    let s = common::spawn().await;
    let resp = s.client.get(format!("{}/sitemap.xml", s.base)).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.headers()["content-type"].to_str().unwrap().starts_with("application/xml"));
    let xml = resp.text().await.unwrap();
    assert!(xml.contains("<loc>https://jinri.test/</loc>"));
    for slug in ["au", "china", "world", "finance", "life"] {
        assert!(xml.contains(&format!("<loc>https://jinri.test/channel/{slug}</loc>")));
    }
    let articles = xml.matches("<loc>https://jinri.test/article/").count();
    let (_, html) = s.get("/sitemap").await;
    assert_eq!(articles, html.matches("href=\"/article/").count());
    assert!(articles >= 12);
    let seed = s.seed_article_path().await;
    assert!(xml.contains(&format!("<loc>https://jinri.test{seed}</loc><lastmod>2021-04-14</lastmod>")));
    // The demo's ids fit one file: `?part=1` is the same list; no other part, and nothing but a
    // plain part number, is a file of ours.
    assert_eq!(s.get("/sitemap.xml?part=1").await, (200, xml.clone()));
    for bad in ["part=2", "part=0", "part=01", "part=-1", "part=+1", "part=", "part=1&x=2", "x=1", "part=99999999999"] {
        assert_eq!(s.get(&format!("/sitemap.xml?{bad}")).await.0, 404, "{bad}");
    }
}

#[tokio::test]
async fn every_footer_link_leads_to_a_real_page() {
    let s = common::spawn().await;
    let (_, html) = s.get("/").await;
    let footer = &html[html.find("<footer").unwrap()..];
    let links: Vec<&str> =
        footer.split("href=\"").skip(1).map(|p| &p[..p.find('"').unwrap()]).filter(|h| h.starts_with('/')).collect();
    assert!(links.len() >= 5, "{links:?}");
    for (link, heading) in links.iter().zip(["隐私条款", "联系我们", "商务合作", "加入我们", "网站地图"])
    {
        let (status, page) = s.get(link).await;
        assert_eq!(status, 200, "{link}");
        assert!(page.contains(&format!("<h1>{heading}</h1>")), "{link} lacks its heading");
    }
    for text in ["隐私条款", "联系我们", "商务合作", "加入我们", "网站地图", "友情链接", "(02) 8999 8797"]
    {
        assert!(footer.contains(text), "footer lacks {text}");
    }
    assert_eq!(s.get("/about/nothing").await.0, 404);
    let (status, app) = s.get("/app").await;
    assert_eq!(status, 200);
    assert!(app.contains("添加到主屏幕"));
}

#[tokio::test]
async fn robots_txt_points_to_the_sitemap() {
    let s = common::spawn().await;
    let (status, body) = s.get("/robots.txt").await;
    assert_eq!(status, 200);
    assert!(body.contains("Sitemap: https://jinri.test/sitemap.xml"));
}

#[tokio::test]
async fn restarting_on_the_same_database_keeps_content_and_does_not_seed_again() {
    let dir = tempfile::tempdir().unwrap();
    let first = common::spawn_at(dir.path()).await;
    let (_, before) = first.get("/sitemap.xml").await;
    let again = common::spawn_at(dir.path()).await;
    let (_, after) = again.get("/sitemap.xml").await;
    assert!(before.matches("<url>").count() > 12);
    assert_eq!(before, after);
}

#[tokio::test]
async fn many_concurrent_readers_all_get_their_pages() {
    let s = common::spawn().await;
    let seed = s.seed_article_path().await;
    let paths = ["/".to_owned(), "/channel/au".to_owned(), seed, "/sitemap".to_owned(), "/?page=2".to_owned()];
    let requests = (0..200).map(|i| {
        let path = paths[i % paths.len()].clone();
        let s = &s;
        async move { s.get(&path).await.0 }
    });
    let statuses = futures::future::join_all(requests).await;
    assert!(statuses.iter().all(|&st| st == 200), "{statuses:?}");
}

/// One render at a time and no page cache: thirty readers at once, their pages rendered in
/// turn, each with a server function call and a file beside it (which do not wait for a turn).
/// A render that needed a second turn for itself would hang here.
#[tokio::test]
async fn renders_taking_turns_serve_every_reader() {
    let s =
        common::spawn_with(&[("JINRI_SERVER_RENDER_CONCURRENCY", "1"), ("JINRI_SERVER_PAGE_CACHE_ENTRIES", "0")]).await;
    let seed = s.seed_article_path().await;
    let paths = [seed.as_str(), "/", "/channel/au", "/login", "/no-such-page", "/robots.txt", "/healthz"];
    let requests = (0..30).map(|i| {
        let s = &s;
        let path = paths[i % paths.len()];
        async move {
            let (page, me) = futures::future::join(s.get(path), s.call("/api/auth/me", &[], None)).await;
            (path, page.0, me.status().as_u16())
        }
    });
    for (path, status, me) in futures::future::join_all(requests).await {
        let want = if path == "/no-such-page" { 404 } else { 200 };
        assert_eq!(status, want, "{path}");
        assert_eq!(me, 200, "/api/auth/me beside {path}");
    }
}

#[tokio::test]
async fn pages_carry_a_content_security_policy_with_the_scripts_nonce_and_no_caching() {
    let s = common::spawn().await;
    let resp = s.client.get(format!("{}/article/1", s.base)).send().await.unwrap();
    let h = resp.headers().clone();
    let html = resp.text().await.unwrap();
    let csp = h["content-security-policy"].to_str().unwrap().to_owned();
    let nonce = csp.split("'nonce-").nth(1).unwrap().split('\'').next().unwrap().to_owned();
    assert!(
        html.contains(&format!("<script type=\"module\" nonce=\"{nonce}\">")),
        "the hydration script carries the nonce"
    );
    assert!(
        csp.contains("'wasm-unsafe-eval'") && csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe-inline")
    );
    assert!(!html.contains(" style=\""), "no inline styles under the policy");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["referrer-policy"], "strict-origin-when-cross-origin");
    assert_eq!(h["strict-transport-security"], "max-age=31536000; includeSubDomains", "base_url is https");
    assert_eq!(h["cache-control"], "no-store");
    assert!(h.contains_key("x-request-id"));
    // A second page gets a different nonce.
    let again = s.client.get(format!("{}/article/1", s.base)).send().await.unwrap();
    assert!(!again.headers()["content-security-policy"].to_str().unwrap().contains(&nonce));
    // A site on plain http does not promise https.
    let plain = common::spawn_with(&[("JINRI_SITE_BASE_URL", "http://127.0.0.1:3000")]).await;
    let resp = plain.client.get(format!("{}/", plain.base)).send().await.unwrap();
    assert!(!resp.headers().contains_key("strict-transport-security"));
}

#[tokio::test]
async fn the_head_does_not_fetch_the_wasm_before_the_page_is_shown() {
    // The bundle's wasm is fetched by the start script once the browser is idle, not by a
    // preload link that would share a phone's line with the page's figures (app::BundleScripts).
    let s = common::spawn().await;
    for path in ["/", "/article/1", "/login"] {
        let html = s.client.get(format!("{}{path}", s.base)).send().await.unwrap().text().await.unwrap();
        let head = html.split("</head>").next().unwrap();
        let main_wasm_preload = head
            .split("<link")
            .skip(1)
            .any(|tag| tag.contains("rel=\"preload\"") && tag.contains("/pkg/jinri.") && tag.contains(".wasm\""));
        assert!(!main_wasm_preload, "{path}: no preload of the main wasm in {head}");
        assert!(head.contains("rel=\"modulepreload\" href=\"/pkg/jinri"), "{path}: the JS glue is preloaded");
        assert!(head.contains("requestIdleCallback"), "{path}: the start script waits for the idle browser");
        assert!(head.contains("module_or_path: \"/pkg/jinri"), "{path}: the start script names the wasm");
    }
}

#[tokio::test]
async fn every_other_response_forbids_everything_and_images_are_cached() {
    let s = common::spawn().await;
    for path in ["/sitemap.xml", "/robots.txt", "/healthz"] {
        let resp = s.client.get(format!("{}{path}", s.base)).send().await.unwrap();
        assert_eq!(resp.status(), 200, "{path}");
        assert!(
            resp.headers()["content-security-policy"].to_str().unwrap().starts_with("default-src 'none'"),
            "{path}"
        );
        assert_eq!(resp.headers()["x-content-type-options"], "nosniff");
    }
    let img = s.client.get(format!("{}/images/articles/ukraine-call-1.svg", s.base)).send().await;
    // Static files are served from site_root (target/site in a release build); without a build
    // the request still answers, with the headers.
    let img = img.unwrap();
    assert!(img.headers().contains_key("x-content-type-options"));
}

#[tokio::test]
async fn an_oversized_request_body_is_refused_with_413() {
    let s = common::spawn().await;
    let big = "x".repeat(200 * 1024);
    let resp = s
        .client
        .post(format!("{}/api/comments/post", s.base))
        .form(&[("article_id", "1"), ("body", big.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 413);
}

#[tokio::test]
async fn the_health_check_answers_ok_when_the_database_does() {
    let s = common::spawn().await;
    let (status, body) = s.get("/healthz").await;
    assert_eq!((status, body.as_str()), (200, "ok"));
}

#[tokio::test]
async fn an_overlong_address_is_refused_with_414() {
    let s = common::spawn().await;
    let (status, _) = s.get(&format!("/?q={}", "x".repeat(40_000))).await;
    assert_eq!(status, 414);
    // 8 KiB is the limit: ordinary addresses are far shorter.
    let (status, _) = s.get(&format!("/?q={}", "x".repeat(8 * 1024))).await;
    assert_eq!(status, 414);
    let (status, _) = s.get(&format!("/?q={}", "x".repeat(7 * 1024))).await;
    assert_ne!(status, 414);
}

#[tokio::test]
async fn pages_are_compressed_for_browsers_that_accept_it_but_the_live_stream_never_is() {
    let s = common::spawn().await;
    for (encoding, magic) in [("br", None), ("gzip", Some([0x1f_u8, 0x8b]))] {
        let resp =
            s.client.get(format!("{}/article/1", s.base)).header("accept-encoding", encoding).send().await.unwrap();
        assert_eq!(resp.status(), 200);
        assert_eq!(resp.headers()["content-encoding"], encoding);
        let body = resp.bytes().await.unwrap();
        if let Some(m) = magic {
            assert_eq!(body[..2], m);
        }
        assert!(!body.windows(6).any(|w| w == b"<html "), "the body is not plain HTML");
    }
    let plain = s.client.get(format!("{}/article/1", s.base)).send().await.unwrap();
    assert!(plain.headers().get("content-encoding").is_none());
    assert!(plain.text().await.unwrap().contains("<html lang=\"zh-CN\""));
    let stream = s
        .client
        .get(format!("{}/api/comments/stream?article_id=1", s.base))
        .header("accept-encoding", "gzip, br")
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);
    assert!(stream.headers().get("content-encoding").is_none(), "events must not wait in a compressor");
}

/// What browsers send: a cached guest page then comes as the gzip stored with it, the fresh
/// nonce of this copy inside, no compressor run for it.
#[tokio::test]
async fn a_cached_page_is_sent_as_the_stored_gzip_with_a_nonce_of_its_own() {
    use std::io::Read;
    let s = common::spawn().await;
    let get = |encoding: &'static str| {
        let (client, url) = (s.client.clone(), format!("{}/article/1", s.base));
        async move { client.get(url).header("accept-encoding", encoding).send().await.unwrap() }
    };
    let first = get("gzip, deflate, br, zstd").await;
    assert_eq!(first.headers()["x-cache"], "miss");
    assert_eq!(first.headers()["content-encoding"], "br", "a rendered page is compressed as before");
    let mut nonces = Vec::new();
    for _ in 0..2 {
        let hit = get("gzip, deflate, br, zstd").await;
        assert_eq!(hit.status(), 200);
        assert_eq!(hit.headers()["x-cache"], "hit");
        assert_eq!(hit.headers()["content-encoding"], "gzip");
        let csp = hit.headers()["content-security-policy"].to_str().unwrap().to_owned();
        let nonce = csp.split("'nonce-").nth(1).unwrap().split('\'').next().unwrap().to_owned();
        let mut html = String::new();
        flate2::read::GzDecoder::new(&hit.bytes().await.unwrap()[..]).read_to_string(&mut html).unwrap();
        assert!(html.contains("<html lang=\"zh-CN\""));
        assert!(html.contains(&format!("nonce=\"{nonce}\"")), "the page carries its policy's nonce");
        let plain = get("identity").await;
        assert!(plain.headers().get("content-encoding").is_none());
        let plain_csp = plain.headers()["content-security-policy"].to_str().unwrap().to_owned();
        let plain_nonce = plain_csp.split("'nonce-").nth(1).unwrap().split('\'').next().unwrap().to_owned();
        assert_eq!(html, plain.text().await.unwrap().replace(&plain_nonce, &nonce), "the same page either way");
        nonces.push(nonce);
    }
    assert_ne!(nonces[0], nonces[1]);
}

#[tokio::test]
async fn a_malformed_or_past_the_end_comment_page_or_sort_is_not_found() {
    let s = common::spawn().await;
    let article = s.seed_article_path().await;
    assert_eq!(s.get(&format!("{article}?page=1")).await.0, 200);
    assert_eq!(s.get(&format!("{article}?sort=hot")).await.0, 200);
    for bad in ["?page=0", "?page=2", "?page=99", "?page=abc", "?page=01", "?sort=best"] {
        let (status, html) = s.get(&format!("{article}{bad}")).await;
        assert_eq!(status, 404, "{bad}");
        assert!(html.contains("页面不存在"), "{bad}");
        assert!(!html.contains("评论加载失败"), "{bad}");
    }
}

#[tokio::test]
async fn padded_queries_share_the_cached_page_of_their_plain_form() {
    let s = common::spawn().await;
    let cache_of = |resp: &reqwest::Response| resp.headers().get("x-cache").map(|v| v.to_str().unwrap().to_owned());
    let get = |path: &'static str| s.client.get(format!("{}{path}", s.base)).send();
    let first = get("/?page=2").await.unwrap();
    assert_eq!(first.status(), 200);
    assert_eq!(cache_of(&first).as_deref(), Some("miss"));
    for padded in ["/?page=2&&&", "/?&page=2", "/?page=2&", "/?page=2"] {
        let resp = get(padded).await.unwrap();
        assert_eq!(resp.status(), 200, "{padded}");
        assert_eq!(cache_of(&resp).as_deref(), Some("hit"), "{padded} is served from the one entry");
    }
    let odd = get("/?page=2&x=1").await.unwrap();
    assert_eq!(cache_of(&odd), None, "a page with other parameters is never cached");
}

#[tokio::test]
async fn signing_in_from_a_page_with_a_query_returns_to_that_page_and_query() {
    let s = common::spawn().await;
    let article = s.seed_article_path().await;
    for (page, next) in [
        ("/?page=2".to_owned(), "/%3Fpage%3D2".to_owned()),
        (format!("{article}?sort=hot"), format!("{article}%3Fsort%3Dhot")),
    ] {
        let (status, html) = s.get(&page).await;
        assert_eq!(status, 200, "{page}");
        assert!(html.contains(&format!("href=\"/login?next={next}\"")), "{page}: the 登录 link keeps the query");
        assert!(html.contains(&format!("href=\"/register?next={next}\"")), "{page}: the 注册 link keeps the query");
        let (status, login) = s.get(&format!("/login?next={next}")).await;
        assert_eq!(status, 200);
        assert!(login.contains(&format!("value=\"{page}\"")), "{page}: the form returns to it");
    }
}

/// Whether a guest's GET of `path` came from the page cache.
async fn cached(s: &common::TestServer, path: &str) -> bool {
    let resp = s.client.get(format!("{}{path}", s.base)).send().await.unwrap();
    assert_eq!(resp.status(), 200, "{path}");
    let hit = resp.headers().get("x-cache").map(|v| v.to_str().unwrap().to_owned());
    resp.bytes().await.unwrap();
    match hit.as_deref() {
        Some("hit") => true,
        Some("miss") => false,
        other => panic!("{path}: x-cache {other:?}"),
    }
}

#[tokio::test]
async fn a_cached_page_goes_stale_exactly_when_what_it_shows_changes() {
    let s = common::spawn().await;
    // The demo's most commented article: a comment on it leaves the order of 热门 (in every
    // article page's side column) as it was.
    let article = s.article_path("au", RAIN).await;
    let other = s.seed_article_path().await;
    let other = other.as_str();
    let pages = ["/", "/channel/world", article.as_str(), other, "/sitemap", "/about/contact"];
    for p in pages {
        cached(&s, p).await;
        assert!(cached(&s, p).await, "{p} is kept");
    }
    let cookie = s.reader("缓存读者").await;
    let id = common::encode(&article["/article/".len()..]);
    let posted = s.call("/api/comments/post", &[("article_id", &id), ("body", "缓存测试评论")], Some(&cookie)).await;
    assert_eq!(posted.status(), 200);
    let comment: serde_json::Value = posted.json().await.unwrap();
    // A new comment: its article and the lists (their counts, 热门) are rendered again; the
    // other article (热门 did not move), the sitemap and the about page are not.
    for (p, kept) in [
        (article.as_str(), false),
        ("/", false),
        ("/channel/world", false),
        (other, true),
        ("/sitemap", true),
        ("/about/contact", true),
    ] {
        assert_eq!(cached(&s, p).await, kept, "{p} after a new comment");
        assert!(cached(&s, p).await, "{p} is kept again");
    }
    // A like: only its article's page (no count moves). The like is announced a moment later
    // (`server::likes`): wait, bounded, for the article's page to go stale.
    let liked = s.call("/api/comments/like", &[("comment_id", &comment["id"].to_string())], Some(&cookie)).await;
    assert_eq!(liked.status(), 200);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while cached(&s, &article).await {
        assert!(std::time::Instant::now() < deadline, "the liked comment's page never went stale");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    for p in ["/", "/channel/world", other, "/sitemap"] {
        assert!(cached(&s, p).await, "{p} is kept after a like");
    }
    // The top bar's facts changed by another process (`jinri facts set`): every page within a
    // second or so, and kept again after.
    let db = s.db().await;
    jinri::server::db::facts::set(&db, "city", "墨尔本", jinri::server::time::now_unix()).await.unwrap();
    tokio::time::sleep(jinri::server::page_cache::FACTS_CHECK + std::time::Duration::from_millis(300)).await;
    for p in pages {
        assert!(!cached(&s, p).await, "{p} after the facts changed");
        assert!(cached(&s, p).await, "{p} is kept again");
    }
    let (_, html) = s.get("/").await;
    assert!(html.contains("墨尔本"), "the new fact shows");
}

/// The demo's most commented article (11 comments), first in 热门.
const RAIN: &str = "悉尼连日暴雨多地发布洪水疏散令 当局提醒切勿驾车涉水(图)";

/// The titles an article page's side column lists under 热门, in order.
fn side_hot(html: &str) -> Vec<String> {
    let at = html.find("id=\"side-hot-heading\"").expect("no 热门 in the side column");
    let list = &html[at..];
    let list = &list[..list.find("</ol>").unwrap()];
    list.split("<li><a href=\"/article/")
        .skip(1)
        .map(|item| {
            let title = &item[item.find('>').unwrap() + 1..];
            title[..title.find("</a>").unwrap()].to_owned()
        })
        .collect()
}

#[tokio::test]
async fn the_side_column_lists_hot_articles_and_its_cached_pages_go_stale_only_when_that_order_moves() {
    let s = common::spawn().await;
    let seed = s.seed_article_path().await; // 5 comments, fifth in 热门
    let rain = s.article_path("au", RAIN).await; // 11, first
    let quiet = s.article_path("world", "东京奥运会圣火传递在福岛启动").await; // none
    let ukraine = "乌克兰局势紧张之际,拜登普京通话:相约面谈(图)";
    let top =
        [RAIN, "苏伊士运河“长赐”号货轮成功脱浅 航道逐步恢复通行(图)", "悉尼房价3月大涨 首次置业者面临更大压力(图)"];
    let bubble = "澳新“旅行泡泡”今日启动 两国旅客可免隔离往返(图)"; // 5 comments, newer than the seed
    let rate = "澳储行维持0.1%现金利率不变 重申低利率将维持较长时间"; // 5 comments, older
                                                                      // Most commented first, the newer first among equals; a page never lists itself.
    let (_, html) = s.get(&quiet).await;
    assert_eq!(side_hot(&html), [top[0], top[1], top[2], bubble, ukraine]);
    let (_, html) = s.get(&seed).await;
    assert_eq!(side_hot(&html), [top[0], top[1], top[2], bubble, rate], "the seed article leaves itself out");
    assert!(html.contains("id=\"related-heading\""), "the channel's newest stay");

    for p in [quiet.as_str(), seed.as_str()] {
        cached(&s, p).await;
        assert!(cached(&s, p).await, "{p} is kept");
    }
    // Two readers: one may post only every few seconds.
    let readers = [s.reader("热门读者甲").await, s.reader("热门读者乙").await];
    let post = |path: &str, reader: usize| {
        let id = common::encode(&path["/article/".len()..]);
        let (s, cookie) = (&s, readers[reader].clone());
        async move {
            let resp =
                s.call("/api/comments/post", &[("article_id", &id), ("body", "热门测试评论")], Some(&cookie)).await;
            assert_eq!(resp.status(), 200);
        }
    };
    // A comment on the first: 热门's order holds, the other article pages are kept.
    post(&rain, 0).await;
    assert!(!cached(&s, &rain).await, "the commented article is rendered again");
    assert!(cached(&s, &quiet).await && cached(&s, &seed).await, "热门 did not move");
    // A sixth comment on the seed article takes it above 澳新 (same count before, newer):
    // every article page is rendered again, with the new order, and kept after that.
    post(&seed, 1).await;
    assert!(!cached(&s, &quiet).await, "热门 moved");
    assert!(cached(&s, &quiet).await, "and the page is kept again");
    let (_, html) = s.get(&quiet).await;
    assert_eq!(side_hot(&html), [top[0], top[1], top[2], ukraine, bubble]);
    assert!(!cached(&s, &rain).await, "热门 moved on its page too");
}

#[tokio::test]
async fn an_article_shows_its_time_alt_texts_preview_image_share_links_and_its_neighbours_in_the_channel() {
    let s = common::spawn().await;
    let path = s.seed_article_path().await;
    let id = path.trim_start_matches("/article/");
    let (_, html) = s.get(&path).await;
    // Date and time in the meta line.
    assert!(html.contains(">2021-04-14 09:30</time>"), "the meta line lacks the time");
    // Each picture's alt says what it shows, never its caption again.
    let alts: Vec<&str> = html.split("alt=\"").skip(1).map(|p| &p[..p.find('"').unwrap()]).collect();
    assert!(alts.contains(&"两国领导人通电话示意图，地球两侧各有一部手机"), "{alts:?}");
    assert!(alts.iter().all(|a| !a.contains(SEED_TITLE)), "{alts:?}");
    // The first figure loads eagerly (the largest paint), the others lazily.
    let imgs: Vec<&str> =
        html.split("<img src=\"/images/articles/").skip(1).map(|p| &p[..p.find('>').unwrap()]).collect();
    assert_eq!(imgs.len(), 3);
    assert!(imgs[0].contains("loading=\"eager\"") && imgs[0].contains("fetchpriority=\"high\""));
    assert!(imgs[1..].iter().all(|i| i.contains("loading=\"lazy\"")));
    // Link previews get a raster image of 1200 x 630.
    assert!(html.contains("<meta property=\"og:image\" content=\"https://jinri.test/images/og/ukraine-call-1.jpg\""));
    assert!(html.contains("<meta property=\"og:image:width\" content=\"1200\""));
    // (The file is in public/, which the build copies to the site root; the seed's unit test
    // reads its size, Playwright fetches it from the release server.)
    assert!(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("public/images/og/ukraine-call-1.jpg").is_file());
    // Share: the address to copy, the WeChat code, Weibo and X with the address encoded.
    let url = common::encode(&format!("https://jinri.test{path}"));
    let share = &html[html.find("class=\"share\"").expect("no share links")..];
    assert!(share.contains(&format!("href=\"https://jinri.test{path}\"")), "{}", &share[..600]);
    assert!(html.contains(&format!("src=\"/share/qr/{id}\"")));
    assert!(
        share.contains(&format!("https://service.weibo.com/share/share.php?url={url}&amp;title=")),
        "{}",
        &share[..900]
    );
    assert!(share.contains(&format!("https://x.com/intent/post?url={url}&amp;text=")));
    // 上一篇 / 下一篇 lead to articles of the same channel, and the side column lists its newest.
    for rel in ["prev", "next"] {
        let at = html.find(&format!("rel=\"{rel}\" href=\"/article/")).unwrap_or_else(|| panic!("no {rel}"));
        let href = &html[at + rel.len() + 13..];
        let href = &href[..href.find('"').unwrap()];
        assert_ne!(href, path);
        let (_, other) = s.get(href).await;
        assert!(other.contains("<a href=\"/channel/world\">国际</a>"), "{rel} {href} is in another channel");
    }
    assert!(html.contains("id=\"related-heading\"") && html.contains("国际·最新"));
    let related = &html[html.find("id=\"related-heading\"").unwrap()..];
    let related = &related[..related.find("</ol>").unwrap()];
    let hrefs: Vec<&str> = related.split("<li><a href=\"").skip(1).map(|i| &i[..i.find('"').unwrap()]).collect();
    // 国际 has four demo articles: the three others, never this one.
    assert_eq!(hrefs.len(), 3, "{hrefs:?}");
    assert!(!hrefs.contains(&path.as_str()), "{hrefs:?}");
}

#[tokio::test]
async fn the_wechat_code_is_drawn_here_for_articles_only() {
    let s = common::spawn().await;
    let path = s.seed_article_path().await;
    let id = path.trim_start_matches("/article/");
    let resp = s.client.get(format!("{}/share/qr/{id}", s.base)).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "image/svg+xml");
    let svg = resp.text().await.unwrap();
    assert!(svg.contains("<svg") && svg.len() > 1_000, "{svg}");
    // Unknown, malformed and hostile ids draw nothing.
    for bad in ["999999", "abc", "1%3Cscript%3E", "-1", "99999999999999999999999"] {
        let resp = s.client.get(format!("{}/share/qr/{bad}", s.base)).send().await.unwrap();
        assert_eq!(resp.status(), 404, "{bad}");
    }
    // The code holds the article's own address: decoding is not done here, but it is the
    // same drawing as the site's own function makes for that address.
    assert_eq!(Some(svg), jinri::server::routes::qr_svg(&format!("https://jinri.test{path}")));
}
