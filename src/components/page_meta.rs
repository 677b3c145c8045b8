use crate::app::FactsResource;
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
    let facts = expect_context::<FactsResource>();
    let (title2, description2) = (title.clone(), description.clone());
    view! {
        <Title text=title />
        <Meta name="description" content=description />
        <Suspense fallback=|| ()>
            {crate::components::suspended(move || {
                let (title, description, path, image, published) =
                    (title2.clone(), description2.clone(), path.clone(), image.clone(), published.clone());
                Suspend::new(async move {
                    let base = facts.await.map(|f| f.base_url).unwrap_or_default();
                    let url = format!("{base}{path}");
                    let title = if title.is_empty() { crate::app::DEFAULT_TITLE.to_owned() } else { title };
                    view! {
                        <Link rel="canonical" href=url.clone() />
                        <Meta property="og:type" content=og_type />
                        <Meta property="og:title" content=title />
                        <Meta property="og:description" content=description />
                        <Meta property="og:url" content=url />
                        // Every page has a raster preview image (`model::preview_image`): the
                        // article's own, or the site's card.
                        {
                            let image = image.unwrap_or_else(|| crate::model::preview_image(None));
                            let sized = image.starts_with("/images/og/");
                            view! {
                                <Meta property="og:image" content=format!("{base}{image}") />
                                {sized.then(|| view! {
                                    <Meta property="og:image:width" content="1200" />
                                    <Meta property="og:image:height" content="630" />
                                })}
                            }
                        }
                        {published.map(|p| view! { <Meta property="article:published_time" content=p /> })}
                    }
                })
            })}
        </Suspense>
    }
}
