use super::error_view;
use crate::api::articles::get_article;
use crate::api::comments::{list_comments, reply_author};
use crate::app::{Flash, MeResource};
use crate::components::{article_count_text, comments_error, CommentsSection, FormEcho, PageMeta};
use crate::model::{AppError, Article, ArticleId, Block, CommentId, CommentPage, FormFlash, Sort, UserId};
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};
use leptos_router::params::ParamsMap;

/// `/article/{id}`: the article, then 今日评论 with its live comments.
/// `?sort=new|old|hot` orders the comments, `?page=N` shows a later page of them.
#[component]
pub fn ArticlePage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let me = expect_context::<MeResource>();
    let flash = expect_context::<Flash>();
    let id = move || params.read().get("id").unwrap_or_default();
    let article = crate::api::codec::resource(id, get_article);
    let comments_key = move || {
        let q = query.read();
        (id(), q.get("sort"), q.get("page"), q.get("reply"))
    };
    let comments = crate::api::codec::resource(comments_key, |(id, sort, page, reply)| async move {
        let article = ArticleId::parse(&id).ok_or(AppError::NotFound)?;
        let sort = match sort.as_deref() {
            None | Some("") => Sort::New,
            Some(s) => Sort::parse(s).ok_or(AppError::NotFound)?,
        };
        let page = super::parse_page(page)?;
        let list = list_comments(article, Some(sort.as_str().to_owned()), Some(page)).await?;
        // A page of comments past the last one is not a page of ours.
        if page > 1 && list.comments.is_empty() {
            return Err(AppError::NotFound);
        }
        let reply_name = match reply.as_deref().and_then(CommentId::parse) {
            Some(reply) => reply_author(article, reply).await.ok().flatten(),
            None => None,
        };
        Ok::<_, AppError>((sort, list, reply_name))
    });
    view! {
        <Transition fallback=|| view! { <p class="loading">"加载中…"</p> }>
            {move || Suspend::new(async move {
                let article = match article.await {
                    Ok(a) => a,
                    Err(e) => return error_view(e),
                };
                // A malformed or past-the-end `?page=` or `?sort=` is the 404 page, not an
                // article with an error where its comments would be.
                let comments = match comments.await {
                    Err(AppError::NotFound) => return error_view(AppError::NotFound),
                    other => other,
                };
                let viewer = me.await.ok().flatten().map(|u| u.id);
                let reply_name = comments.as_ref().ok().and_then(|(_, _, name)| name.clone());
                let flash = flash.get().await;
                let echo = form_echo(&query.read_untracked(), reply_name, flash);
                let comments = comments.map(|(sort, list, _)| (sort, list));
                view! { <ArticleView article comments viewer echo /> }.into_any()
            })}
        </Transition>
    }
}

/// For the comment form: the reply target of a 回复 link (with its author's name), and what a
/// plain form post that failed was sent back with (its error and text), taken only from this
/// server's flash.
fn form_echo(q: &ParamsMap, reply_name: Option<String>, flash: Option<FormFlash>) -> FormEcho {
    FormEcho {
        reply: q.get("reply").and_then(|r| CommentId::parse(&r)),
        delete: q.get("delete").and_then(|r| CommentId::parse(&r)),
        reply_name,
        error: flash.as_ref().map(|f| f.message.clone()),
        body: flash.and_then(|f| f.get("body")).unwrap_or_default(),
    }
}

#[component]
fn ArticleView(
    article: Article,
    comments: Result<(Sort, CommentPage), AppError>,
    viewer: Option<UserId>,
    echo: FormEcho,
) -> impl IntoView {
    let s = article.summary;
    let total = comments.as_ref().map_or(s.comment_count, |(_, p)| p.total);
    let image = article.blocks.iter().find_map(|b| match b {
        Block::Figure { src, .. } => Some(src.clone()),
        Block::Paragraph(_) => None,
    });
    let channel_href = format!("/channel/{}", s.channel_slug);
    // The count in the meta line follows the live thread below it.
    let total = RwSignal::new(total);
    let article_id = s.id;
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
                <span>{format!("来源: {}", s.source)}</span>
                {article.original_url.map(|u| view! {
                    <a href=u rel="nofollow noopener" target="_blank">"原文链接"</a>
                })}
                <a href="#comments" class="comment-count">{move || article_count_text(total.get())}</a>
            </p>
            <div class="article-body">
                {
                    // The first figure is usually the largest thing on screen: it loads at once,
                    // the others as the reader scrolls to them.
                    let mut first = true;
                    article
                        .blocks
                        .into_iter()
                        .map(|b| match b {
                            Block::Paragraph(text) => view! { <p>{text}</p> }.into_any(),
                            Block::Figure { src, caption } => {
                                let (loading, priority) = if std::mem::take(&mut first) { ("eager", "high") } else { ("lazy", "auto") };
                                view! {
                                    <figure>
                                        <img src=src alt=caption.clone() width="800" height="450" loading=loading fetchpriority=priority decoding="async" />
                                        <figcaption>{caption}</figcaption>
                                    </figure>
                                }
                                .into_any()
                            }
                        })
                        .collect_view()
                }
            </div>
        </article>
        {match comments {
            Ok((sort, page)) => view! { <CommentsSection article_id initial=page sort viewer echo total /> }.into_any(),
            Err(e) => comments_error(&e),
        }}
    }
}
