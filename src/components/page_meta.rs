use leptos::prelude::*;
use leptos_meta::{Link, Meta, Title};

/// Title, description, canonical link and OpenGraph tags of a page.
/// `path` is the site-relative path; the canonical address is built from `site.base_url`.
/// The tags that are the same on every page (`og:site_name`, `og:locale`, `twitter:card`) are in
/// the shell (`app::shell`), which only the server renders: each `<Meta>` here is built on every
/// rendered page and kept in the browser's bundle.
#[component]
pub fn PageMeta(
    #[prop(into)] title: String,
    #[prop(into)] description: String,
    #[prop(into)] path: String,
    /// `article` for article pages, otherwise `website`.
    #[prop(default = "website")]
    og_type: &'static str,
    /// Site-relative path of an image for link previews.
    #[prop(optional, into)]
    image: Option<String>,
    /// RFC 3339 publication time of an article.
    #[prop(optional, into)]
    published: Option<String>,
) -> impl IntoView {
    let base = site_base_url();
    let url = format!("{base}{path}");
    let og_title = if title.is_empty() { crate::app::DEFAULT_TITLE.to_owned() } else { title.clone() };
    // Every page has a raster preview image (`model::preview_image`): the article's own, or the
    // site's card.
    let image = image.unwrap_or_else(|| crate::model::preview_image(None));
    let tags = Tags {
        description,
        url,
        og_type,
        og_title,
        sized: image.starts_with("/images/og/"),
        image: format!("{base}{image}"),
        published,
    };
    #[cfg(feature = "ssr")]
    {
        server_view(title, &tags)
    }
    #[cfg(not(feature = "ssr"))]
    tags_view(title, tags)
}

/// The server's view: the tags written by the server itself, as one string for the head, and
/// beside it the body markers of the components the browser's view has (`written`).
#[cfg(feature = "ssr")]
fn server_view(title: String, tags: &Tags) -> impl IntoView {
    let (head, markers) = written(tags);
    view! { <Title text=title /> {leptos_meta::HeadHtml(head)} {super::sync_html::Prerendered::new(markers)} }
}

/// A page's tags but its title.
struct Tags {
    description: String,
    /// The canonical address, also `og:url`.
    url: String,
    og_type: &'static str,
    og_title: String,
    /// The preview image's address.
    image: String,
    /// The image is one of the site's 1200×630 previews, whose size the tags say.
    sized: bool,
    published: Option<String>,
}

/// The tags as components: the browser's view, which hydrates them and follows the route.
#[cfg_attr(all(feature = "ssr", not(test)), allow(dead_code))]
fn tags_view(title: String, t: Tags) -> impl IntoView {
    view! {
        <Title text=title />
        <Meta name="description" content=t.description.clone() />
        <Link rel="canonical" href=t.url.clone() />
        <Meta property="og:type" content=t.og_type />
        <Meta property="og:title" content=t.og_title />
        <Meta property="og:description" content=t.description />
        <Meta property="og:url" content=t.url />
        <Meta property="og:image" content=t.image />
        {t.sized.then(|| view! {
            <Meta property="og:image:width" content="1200" />
            <Meta property="og:image:height" content="630" />
        })}
        {t.published.map(|p| view! { <Meta property="article:published_time" content=p /> })}
    }
}

/// What `tags_view` writes but its title, as the server writes it itself: the tags for the
/// head (leptos_meta's `HeadHtml`, vendor/leptos_meta) and the body's markers (each component
/// that writes nothing leaves a placeholder, each optional part a marker). A `<Meta>` per tag
/// built an element with six optional attributes, each a shared closure, and rendered and sent
/// it on its own: ~3 % of a signed-in article's CPU. Checked against the view by the tests below.
#[cfg(feature = "ssr")]
fn written(t: &Tags) -> (String, String) {
    use super::sync_html::write::attr;
    let mut head = String::with_capacity(512 + 3 * t.description.len() + 2 * t.url.len());
    let meta = |head: &mut String, key: &str, name: &str, content: &str| {
        head.push_str("<meta ");
        head.push_str(key);
        head.push_str("=\"");
        head.push_str(name);
        head.push_str("\" content=\"");
        attr(head, content);
        head.push_str("\">");
    };
    meta(&mut head, "name", "description", &t.description);
    head.push_str("<link href=\"");
    attr(&mut head, &t.url);
    head.push_str("\" rel=\"canonical\">");
    meta(&mut head, "property", "og:type", t.og_type);
    meta(&mut head, "property", "og:title", &t.og_title);
    meta(&mut head, "property", "og:description", &t.description);
    meta(&mut head, "property", "og:url", &t.url);
    meta(&mut head, "property", "og:image", &t.image);
    const NOTHING: &str = "<!--<() />-->";
    // Seven components before the optional parts; `HeadHtml` itself writes the first one's
    // placeholder (a view that writes nothing, erased, leaves one).
    let mut markers = NOTHING.repeat(6);
    if t.sized {
        meta(&mut head, "property", "og:image:width", "1200");
        meta(&mut head, "property", "og:image:height", "630");
        markers.push_str(NOTHING);
        markers.push_str(NOTHING);
    }
    markers.push_str("<!>");
    match &t.published {
        Some(p) => {
            meta(&mut head, "property", "article:published_time", p);
            markers.push_str(NOTHING);
        }
        None => markers.push_str("<!>"),
    }
    // The fragment's closing marker follows, in both.
    (head, markers)
}

/// The site's address (`site.base_url`) for canonical links and link previews, known without
/// waiting: the server's configuration, and in the browser the site facts, which the first page
/// carries in its hydration data and which stay for the visit. (A `<Suspense>` awaiting the
/// facts here cost every page its own boundary, owner and signals on the server.)
fn site_base_url() -> String {
    #[cfg(feature = "ssr")]
    {
        crate::server::AppState::if_serving().map(|s| s.config.site.base_url.clone()).unwrap_or_default()
    }
    #[cfg(not(feature = "ssr"))]
    {
        use_context::<crate::app::FactsResource>()
            .and_then(|facts| {
                facts.with_untracked(|f| f.as_ref().and_then(|f| f.as_ref().ok()).map(|f| f.base_url.clone()))
            })
            .unwrap_or_default()
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;
    use leptos_meta::ServerMetaContext;

    fn tags(description: &str, url: &str, sized: bool, published: Option<&str>) -> Tags {
        Tags {
            description: description.to_owned(),
            url: url.to_owned(),
            og_type: "article",
            og_title: format!("标题 {description}"),
            image: format!("{url}/images/og/x.jpg"),
            sized,
            published: published.map(str::to_owned),
        }
    }

    /// `view()` written by tachys' plain and streaming paths, each with the head tags it
    /// registered: (body, head) twice.
    fn written_both<V: RenderHtml>(view: impl Fn() -> V) -> [(String, String); 2] {
        Owner::new().with(|| {
            let (cx, out) = ServerMetaContext::new();
            provide_context(cx);
            leptos_meta::provide_meta_context();
            let plain = view().to_html();
            let plain_head = out.take_head_html();
            let streamed = futures::executor::block_on(async {
                use futures::StreamExt;
                view().to_html_stream_in_order().collect::<String>().await
            });
            [(plain, plain_head), (streamed, out.take_head_html())]
        })
    }

    /// The server's tags and markers are what the components write, head and body, with and
    /// without each optional part and with characters to escape.
    #[test]
    fn the_server_writes_the_page_tags_as_the_components_write_them() {
        for description in ["一篇文章的摘要", "", "\"引号\" & <b>标签</b> 'single' ></script>"] {
            for url in ["https://jinri.example/article/7", "http://127.0.0.1:3000/a?b=1&c=\"2\""] {
                for sized in [true, false] {
                    for published in [Some("2026-12-07T01:56:30+11:00"), None] {
                        let t = || tags(description, url, sized, published);
                        let views = written_both(|| tags_view("标题".to_owned(), t()));
                        let server = written_both(|| server_view("标题".to_owned(), &t()));
                        assert_eq!(server, views, "{description} {url} {sized} {published:?}");
                        // Each tag is there once (a real check of the head, not two empty strings).
                        let head = &server[0].1;
                        assert_eq!(
                            head.matches("<meta ").count(),
                            6 + 2 * usize::from(sized) + usize::from(published.is_some()),
                            "{head}"
                        );
                        assert_eq!(head.matches("rel=\"canonical\"").count(), 1, "{head}");
                    }
                }
            }
        }
    }
}
