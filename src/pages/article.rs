use super::error_view;
use crate::api::articles::get_article;
use crate::api::comments::list_comments;
use crate::components::{CommentThread, PageMeta};
use crate::model::{Article, Block};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

/// `/article/{id}`: the article, then 今日评论 with its comments.
#[component]
pub fn ArticlePage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let article = Resource::new(id, get_article);
    let comments = Resource::new(id, |id| async move {
        let article = crate::model::ArticleId::parse(&id).ok_or(crate::model::AppError::NotFound)?;
        list_comments(article).await
    });
    view! {
        <Suspense fallback=|| view! { <p class="loading">"加载中…"</p> }>
            {move || Suspend::new(async move {
                let article = match article.await {
                    Ok(a) => a,
                    Err(e) => return error_view(e),
                };
                let comments = match comments.await {
                    Ok(c) => c,
                    Err(e) => return error_view(e),
                };
                view! { <ArticleView article comments /> }.into_any()
            })}
        </Suspense>
    }
}

#[component]
fn ArticleView(article: Article, comments: Vec<crate::model::Comment>) -> impl IntoView {
    let s = article.summary;
    let count = comments.len();
    let image = article.blocks.iter().find_map(|b| match b {
        Block::Figure { src, .. } => Some(src.clone()),
        Block::Paragraph(_) => None,
    });
    let channel_href = format!("/channel/{}", s.channel_slug);
    view! {
        <PageMeta
            title=s.title.clone()
            description=s.summary.clone()
            path=s.href()
            og_type="article"
            image=image.unwrap_or_default()
            published=s.published_iso.clone()
        />
        <article class="article">
            <nav class="breadcrumb" aria-label="位置">
                <a href="/">"首页"</a>" › "<a href=channel_href>{s.channel_name}</a>
            </nav>
            <h1 class="article-title">{s.title}</h1>
            <p class="article-meta">
                <time datetime=s.published_iso>{s.published_date}</time>
                <span>"来源: "{s.source}</span>
                {article.original_url.map(|u| view! {
                    <a href=u rel="nofollow noopener" target="_blank">"原文链接"</a>
                })}
                <a href="#comments">"评论"{count}"条"</a>
            </p>
            <div class="article-body">
                {article
                    .blocks
                    .into_iter()
                    .map(|b| match b {
                        Block::Paragraph(text) => view! { <p>{text}</p> }.into_any(),
                        Block::Figure { src, caption } => view! {
                            <figure>
                                <img src=src alt=caption.clone() width="800" height="450" loading="lazy" decoding="async" />
                                <figcaption>{caption}</figcaption>
                            </figure>
                        }
                        .into_any(),
                    })
                    .collect_view()}
            </div>
        </article>
        <section id="comments" class="comments-section" aria-labelledby="comments-heading">
            <div class="comments-intro">
                <h2 id="comments-heading">"今日评论"</h2>
                <p class="disclaimer">"网友评论仅供其表达个人看法,并不表明网站立场。"</p>
            </div>
            <h3 class="comments-count">"最新评论("{count}")"</h3>
            {if count == 0 {
                view! { <p class="no-comments">"还没有评论。"</p> }.into_any()
            } else {
                view! { <CommentThread comments /> }.into_any()
            }}
        </section>
    }
}
