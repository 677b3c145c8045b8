use crate::model::ArticleSummary;
use leptos::prelude::*;

/// The newest articles: thumbnail, title, summary, date, source and comment count.
#[component]
pub fn ArticleList(articles: Vec<ArticleSummary>) -> impl IntoView {
    view! {
        <ul class="article-list">
            {articles
                .into_iter()
                .enumerate()
                .map(|(i, a)| {
                    let href = a.href();
                    // The first thumbnails are on screen at once; the rest load as they come near.
                    let loading = if i < 2 { "eager" } else { "lazy" };
                    view! {
                        <li class="article-item">
                            <a class="thumb" href=href.clone() tabindex="-1" aria-hidden="true">
                                {a.thumbnail.clone().map(|src| view! {
                                    <img src=src alt="" width="800" height="450" loading=loading decoding="async" />
                                })}
                            </a>
                            <div class="item-text">
                                <h2 class="item-title"><a href=href>{a.title}</a></h2>
                                <p class="item-summary">{a.summary}</p>
                                <p class="item-meta">
                                    <time datetime=a.published_iso>{a.published_date}</time>
                                    <span>"来源："{a.source}</span>
                                    <span class="channel-tag">{a.channel_name}</span>
                                    <span>"评论"{a.comment_count}"条"</span>
                                </p>
                            </div>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
}

/// 热门: the most commented articles.
#[component]
pub fn HotList(articles: Vec<ArticleSummary>) -> impl IntoView {
    view! {
        <aside class="hot" aria-labelledby="hot-heading">
            <h2 id="hot-heading">"热门"</h2>
            <ol>
                {articles
                    .into_iter()
                    .map(|a| view! {
                        <li>
                            <a href=format!("/article/{}", a.id)>{a.title}</a>
                            <span class="hot-count">{a.comment_count}"评"</span>
                        </li>
                    })
                    .collect_view()}
            </ol>
        </aside>
    }
}

/// 上一页 / 第N页 / 下一页 links. `base` is the list's path; page 1 has no query.
#[component]
pub fn Pager(base: String, page: u32, total_pages: u32) -> impl IntoView {
    let href = move |p: u32| {
        if p <= 1 {
            base.clone()
        } else {
            format!("{base}?page={p}")
        }
    };
    view! {
        <nav class="pager" aria-label="分页">
            {(page > 1).then(|| view! { <a rel="prev" href=href(page - 1)>"上一页"</a> })}
            <span>{format!("第 {page} / {total_pages} 页")}</span>
            {(page < total_pages).then(|| view! { <a rel="next" href=href(page + 1)>"下一页"</a> })}
        </nav>
    }
}
