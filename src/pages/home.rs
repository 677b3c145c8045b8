use super::{error_view, parse_page};
use crate::api::articles::list_articles;
use crate::api::codec::JsonResource;
use crate::components::{sync_html, ArticleList, HotList, PageMeta, Pager};
use crate::model::{AppError, ArticlePage, Channel};
use leptos::prelude::*;
use leptos_meta::Link;
use leptos_router::hooks::{use_params_map, use_query_map};
use leptos_router::{lazy_route, LazyRoute};

/// `/`: the newest articles of every channel, paged, with 热门. A lazy route (see `pages`):
/// the list is requested while the view's code loads.
pub struct HomeRoute {
    channel: Signal<Option<String>>,
    data: ListResource,
}

#[lazy_route]
impl LazyRoute for HomeRoute {
    fn data() -> Self {
        let channel = Signal::derive(|| None);
        Self { channel, data: list_data(channel) }
    }

    fn view(this: Self) -> AnyView {
        list_view(this.channel, this.data)
    }
}

/// `/channel/{slug}`: the same list for one channel; an unknown slug is a 404.
pub struct ChannelRoute {
    channel: Signal<Option<String>>,
    data: ListResource,
}

#[lazy_route]
impl LazyRoute for ChannelRoute {
    fn data() -> Self {
        let params = use_params_map();
        let channel = Signal::derive(move || Some(params.read().get("slug").unwrap_or_default()));
        Self { channel, data: list_data(channel) }
    }

    fn view(this: Self) -> AnyView {
        list_view(this.channel, this.data)
    }
}

type ListResource = JsonResource<Result<ArticlePage, AppError>>;

fn list_data(channel: Signal<Option<String>>) -> ListResource {
    let query = use_query_map();
    crate::api::codec::resource(
        move || (channel.get(), query.read().get("page")),
        |(channel, page)| async move {
            let page = parse_page(page)?;
            if let Some(slug) = &channel {
                Channel::by_slug(slug).ok_or(AppError::NotFound)?;
            }
            list_articles(channel, page).await
        },
    )
}

fn list_view(channel: Signal<Option<String>>, data: ListResource) -> AnyView {
    view! {
        <Suspense fallback=|| view! { <p class="loading">"加载中…"</p> }>
            {crate::components::suspended(move || Suspend::new(async move {
                let list = match data.await {
                    Ok(list) => list,
                    Err(e) => return error_view(e),
                };
                let ch = channel.get_untracked().as_deref().and_then(Channel::by_slug);
                let (title, base) = match ch {
                    Some(c) => (c.name.to_owned(), c.href.to_owned()),
                    None => (String::new(), "/".to_owned()),
                };
                let description = match ch {
                    Some(c) => format!("今日{}新闻：最新{}资讯与网友评论。", c.name, c.name),
                    None => "今日：悉尼华人身边的新闻，澳洲、中国、国际、财经与生活资讯，网友实时评论。".to_owned(),
                };
                let path = if list.page > 1 { format!("{base}?page={}", list.page) } else { base.clone() };
                // "N 篇新文章": what the live stream (`NewestArticles`, followed by the main
                // bundle) has that the first page does not show; a click reads the list again.
                let newest = use_context::<crate::app::NewestArticles>();
                let shown: Vec<i64> = list.articles.iter().map(|a| a.id.0).collect();
                let scope = ch.map_or("", |c| c.slug);
                let first_page = list.page == 1;
                let fresh = move || {
                    let (s, ids) = newest?.0.get()?;
                    let n = crate::model::count_new(&ids, &shown);
                    (first_page && s == scope && n > 0).then_some(n)
                };
                let heading = ch.map(|c| c.name).unwrap_or("最新新闻");
                view! {
                    <PageMeta title=title description=description path=path />
                    // The channel's own feeds (`server::feeds`), beside the site's.
                    {ch.map(|c| view! {
                        <Link rel="alternate" type_="application/rss+xml" title=format!("今日 · {} RSS", c.name) href=format!("/feeds/{}/rss.xml", c.slug) />
                        <Link rel="alternate" type_="application/atom+xml" title=format!("今日 · {} Atom", c.name) href=format!("/feeds/{}/atom.xml", c.slug) />
                    })}
                    // No `Suspend` inside: written by the server in one buffer (`sync_html`).
                    {sync_html(view! {
                    <div class="front">
                        <section class="latest" aria-labelledby="latest-heading">
                            <h1 id="latest-heading" class="section-title">{heading}</h1>
                            {move || fresh().map(|n| view! {
                                <button type="button" class="new-articles" on:click=move |_| data.refetch()>
                                    {format!("{n} 篇新文章")}
                                </button>
                            })}
                            <ArticleList articles=list.articles />
                            <Pager base=base page=list.page total_pages=list.total_pages />
                        </section>
                        <HotList articles=list.hot />
                    </div>
                    })}
                }
                .into_any()
            }))}
        </Suspense>
    }
    .into_any()
}
