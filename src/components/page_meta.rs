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
    let sized = image.starts_with("/images/og/");
    view! {
        <Title text=title />
        <Meta name="description" content=description.clone() />
        <Link rel="canonical" href=url.clone() />
        <Meta property="og:type" content=og_type />
        <Meta property="og:title" content=og_title />
        <Meta property="og:description" content=description />
        <Meta property="og:url" content=url />
        <Meta property="og:image" content=format!("{base}{image}") />
        {sized.then(|| view! {
            <Meta property="og:image:width" content="1200" />
            <Meta property="og:image:height" content="630" />
        })}
        {published.map(|p| view! { <Meta property="article:published_time" content=p /> })}
    }
}

/// The site's address (`site.base_url`) for canonical links and link previews, known without
/// waiting: the server's configuration, and in the browser the site facts, which the first page
/// carries in its hydration data and which stay for the visit. (A `<Suspense>` awaiting the
/// facts here cost every page its own boundary, owner and signals on the server.)
fn site_base_url() -> String {
    #[cfg(feature = "ssr")]
    {
        crate::server::AppState::current().map(|s| s.config.site.base_url.clone()).unwrap_or_default()
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
