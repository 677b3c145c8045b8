use super::error_view;
use crate::api::site::list_sitemap;
use crate::components::PageMeta;
use crate::model::CHANNELS;
use crate::model::{AppError, SitemapEntry};
use leptos::prelude::*;
use leptos_router::{lazy_route, LazyRoute};

/// `/sitemap` (网站地图): every channel with its newest articles (the channel's own pages list
/// them all; `/sitemap.xml` names every article for search engines). Its view is fetched with the page
/// (a lazy route): the list is requested while the view's code loads.
pub struct SitemapRoute {
    entries: crate::api::codec::JsonResource<Result<Vec<SitemapEntry>, AppError>>,
}

#[lazy_route]
impl LazyRoute for SitemapRoute {
    fn data() -> Self {
        Self { entries: crate::api::codec::resource(|| (), |_| list_sitemap()) }
    }

    fn view(this: Self) -> AnyView {
        let entries = this.entries;
        sitemap_view(entries)
    }
}

fn sitemap_view(entries: crate::api::codec::JsonResource<Result<Vec<SitemapEntry>, AppError>>) -> AnyView {
    view! {
        <PageMeta title="网站地图" description="今日网站地图：全部频道与各频道的最新文章。" path="/sitemap" />
        <article class="static-page sitemap">
            <h1>"网站地图"</h1>
            <Suspense fallback=|| view! { <p class="loading">"加载中…"</p> }>
                {crate::components::suspended(move || Suspend::new(async move {
                    let entries = match entries.await {
                        Ok(e) => e,
                        Err(e) => return error_view(e),
                    };
                    CHANNELS
                        .iter()
                        .map(|c| {
                            let items = entries
                                .iter()
                                .filter(|e| e.channel_slug == c.slug)
                                .map(|e| view! {
                                    <li>
                                        <a href=format!("/article/{}", e.id)>{e.title.clone()}</a>
                                        " "<span class="muted">{e.published_date.clone()}</span>
                                    </li>
                                })
                                .collect_view();
                            view! {
                                <section>
                                    <h2><a href=c.href>{c.name}</a></h2>
                                    <ul>{items}</ul>
                                    <p class="more"><a href=c.href>{format!("{}的全部文章 ›", c.name)}</a></p>
                                </section>
                            }
                        })
                        .collect_view()
                        .into_any()
                }))}
            </Suspense>
        </article>
    }
    .into_any()
}
