use super::error_view;
use crate::api::articles::get_article;
use crate::api::comments::{list_comments, reply_author};
use crate::app::{Flash, MeResource};
#[cfg(feature = "ssr")]
use crate::components::Prerendered;
use crate::components::{article_count_text, comments_error, sync_html, CommentsSection, FormEcho, PageMeta};
use crate::model::{
    encode_query, preview_image, AppError, Article, ArticleId, ArticleLink, Block, CommentId, CommentPage, FormFlash,
    Sort, UserId,
};
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};
use leptos_router::params::ParamsMap;
use std::sync::Arc;

#[cfg(feature = "ssr")]
mod written;

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
        // Shared, not copied: awaiting a resource clones its value, and the server writes the
        // section from a borrowed page (a copy was ~90 allocations of a signed-in page's 2,000).
        Ok::<_, AppError>((sort, page, Arc::new(list), reply_name))
    });
    view! {
        <Transition fallback=|| view! { <p class="loading">"加载中…"</p> }>
            {crate::components::suspended(move || Suspend::new(async move {
                // The page hydrates in a task after the header's (see `hydration_break`).
                crate::components::hydration_break().await;
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
                let viewer = me.by_ref().await.as_ref().ok().and_then(Option::as_ref).map(|u| u.id);
                let reply_name = comments.as_ref().ok().and_then(|(_, _, _, name)| name.clone());
                let flash = flash.get().await;
                let echo = form_echo(&query.read_untracked(), reply_name, flash);
                let comments = comments.map(|(sort, page, list, _)| (sort, page, list));
                view! { <ArticleView article comments viewer echo /> }.into_any()
            }))}
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
        body: flash.as_ref().and_then(|f| f.get("body")).unwrap_or_default(),
        report: q.get("report").and_then(|r| CommentId::parse(&r)),
        detail: flash.and_then(|f| f.get("detail")).unwrap_or_default(),
        reported: q.get("reported").and_then(|r| CommentId::parse(&r)),
    }
}

#[component]
fn ArticleView(
    article: Article,
    comments: Result<(Sort, u32, Arc<CommentPage>), AppError>,
    viewer: Option<UserId>,
    echo: FormEcho,
) -> impl IntoView {
    let s = article.summary;
    let total = comments.as_ref().map_or(s.comment_count, |(_, _, p)| p.total);
    let image = article.blocks.iter().find_map(|b| match b {
        Block::Figure { src, .. } => Some(src.as_str()),
        _ => None,
    });
    let image = preview_image(image);
    let channel_href = format!("/channel/{}", s.channel_slug);
    // The count in the meta line follows the live thread below it.
    let total = RwSignal::new(total);
    let article_id = s.id;
    let (previous, next, related, hot) = (article.previous, article.next, article.related, article.hot);
    // What the newsroom does meanwhile reaches the open page (`ArticleLive`, on the comment
    // stream): a correction replaces the title and body in place (the thread and anything
    // typed stay), a withdrawal takes the body away and says so.
    let title = RwSignal::new(s.title.clone());
    let blocks = RwSignal::new(article.blocks);
    let live = crate::app::ArticleLive(RwSignal::new(None));
    provide_context(live);
    let known = StoredValue::new(article.updated);
    let preview = article.unpublished.is_some();
    let heard = RwSignal::new(None::<bool>);
    Effect::new(move |_| {
        let Some(notice) = live.0.get() else { return };
        if notice.state != "published" && !preview {
            if heard.get_untracked() != Some(false) {
                heard.set(Some(false));
                blocks.set(Vec::new());
            }
            return;
        }
        if notice.updated <= known.get_value() {
            return;
        }
        known.set_value(notice.updated);
        leptos::task::spawn_local(async move {
            if let Ok(a) = get_article(article_id.to_string()).await {
                known.set_value(a.updated);
                title.set(a.summary.title);
                blocks.set(a.blocks);
                heard.set(Some(true));
            }
        });
    });
    let shown = Shown {
        article_id,
        channel_href,
        channel_name: s.channel_name.clone(),
        unpublished: article.unpublished,
        published_iso: s.published_iso.clone(),
        published_at: article.published_at,
        source: s.source.clone(),
        original_url: article.original_url,
        share_title: s.title.clone(),
        url: article.url,
        previous,
        next,
    };
    let changing = Live { heard, title, total, blocks };
    view! {
        <PageMeta
            title=s.title.clone()
            description=s.summary.clone()
            path=s.href()
            og_type="article"
            image
            published=s.published_iso.clone()
        />
        <div class="article-layout">
            <div class="article-main">
                {article_part(shown, changing)}
                // The thread, the side column and the footer hydrate in a task of their own
                // (`hydration_break`): with the break above, the first hydration is three
                // shorter tasks (shell, article, thread), not one long one.
                {Suspend::new(async move {
                    crate::components::hydration_break().await;
                    match comments {
                        Ok((sort, page, list)) => {
                            // The server writes the section itself where it can
                            // (`written_section`: the same bytes, without building the view).
                            #[cfg(feature = "ssr")]
                            if let Some(html) = crate::components::written_section(
                                article_id,
                                &list,
                                sort,
                                page,
                                viewer,
                                &echo,
                                total.get_untracked(),
                            ) {
                                return Prerendered::new(html).into_any();
                            }
                            // No `Suspend` inside: written by the server in one buffer.
                            sync_html(view! { <CommentsSection article_id initial=Arc::unwrap_or_clone(list) sort page viewer echo total /> }).into_any()
                        }
                        Err(e) => comments_error(&e),
                    }
                })}
            </div>
            {side_part(s.channel_name, related, hot)}
        </div>
    }
}

/// What the article element shows that the page does not change.
#[derive(Clone)]
struct Shown {
    article_id: ArticleId,
    channel_href: String,
    channel_name: String,
    /// The state of an article readers cannot see (a newsroom preview).
    unpublished: Option<String>,
    published_iso: String,
    published_at: String,
    source: String,
    original_url: Option<String>,
    share_title: String,
    url: String,
    previous: Option<ArticleLink>,
    next: Option<ArticleLink>,
}

/// What the newsroom's changes meanwhile change in place (`ArticleView`).
#[derive(Clone, Copy)]
struct Live {
    /// `Some(true)`: corrected; `Some(false)`: withdrawn. Only a live event in the browser sets it.
    heard: RwSignal<Option<bool>>,
    title: RwSignal<String>,
    /// The comment count of the meta line.
    total: RwSignal<i64>,
    blocks: RwSignal<Vec<Block>>,
}

/// The article element. The server writes its HTML itself (`written::article`: the same bytes
/// as the view, without building it); the browser hydrates them with the view.
#[cfg(feature = "ssr")]
fn article_part(shown: Shown, live: Live) -> Prerendered {
    Prerendered::new(written::article(&shown, live))
}

/// See the server's `article_part`.
#[cfg(not(feature = "ssr"))]
fn article_part(shown: Shown, live: Live) -> impl IntoView {
    sync_html(article_view(shown, live))
}

#[cfg_attr(all(feature = "ssr", not(test)), allow(dead_code))]
fn article_view(shown: Shown, live: Live) -> impl IntoView {
    let Shown {
        article_id,
        channel_href,
        channel_name,
        unpublished,
        published_iso,
        published_at,
        source,
        original_url,
        share_title,
        url,
        previous,
        next,
    } = shown;
    let Live { heard, title, total, blocks } = live;
    view! {
        <article class="article">
            <nav class="breadcrumb" aria-label="位置">
                <a href="/">"首页"</a>" › "<a href=channel_href>{channel_name}</a>
            </nav>
            {unpublished.map(|state| view! {
                <p class="draft-notice" role="status">
                    {format!("{state}：读者看不到这篇文章，这是它发布后的样子。")}
                    <a href=format!("/admin/articles/{}", article_id)>"编辑"</a>
                </p>
            })}
            {move || heard.get().map(|updated| if updated {
                view! { <p class="live-notice" role="status">"这篇文章刚刚更新了，下面是更新后的内容。"</p> }.into_any()
            } else {
                view! { <p class="live-notice withdrawn" role="status">"这篇文章已被编辑撤下。"</p> }.into_any()
            })}
            <h1 class="article-title">{move || title.get()}</h1>
            <p class="article-meta">
                <time datetime=published_iso>{published_at}</time>
                <span>{format!("来源：{source}")}</span>
                {original_url.map(|u| view! {
                    <a href=u rel="nofollow noopener" target="_blank">"原文链接"</a>
                })}
                <a href="#comments" class="comment-count">{move || article_count_text(total.get())}</a>
            </p>
            <div class="article-body">{move || body_view(blocks.get())}
            </div>
            {share_links(article_id, &share_title, url)}
            {(previous.is_some() || next.is_some()).then(|| view! {
                <nav class="article-pager" aria-label="本频道的上一篇和下一篇">
                    {previous.map(|a| view! {
                        <a class="previous" rel="prev" href=a.href()><span>"上一篇"</span>{a.title.clone()}</a>
                    })}
                    {next.map(|a| view! {
                        <a class="next" rel="next" href=a.href()><span>"下一篇"</span>{a.title.clone()}</a>
                    })}
                </nav>
            })}
        </article>
    }
}

/// The side column: 热门 and the channel's newest. Written by the server itself
/// (`written::side`), as `article_part`.
#[cfg(feature = "ssr")]
fn side_part(channel_name: String, related: Vec<ArticleLink>, hot: Vec<ArticleLink>) -> Prerendered {
    Prerendered::new(written::side(&channel_name, &related, &hot))
}

/// See the server's `side_part`.
#[cfg(not(feature = "ssr"))]
fn side_part(channel_name: String, related: Vec<ArticleLink>, hot: Vec<ArticleLink>) -> impl IntoView {
    sync_html(side_view(channel_name, related, hot))
}

#[cfg_attr(all(feature = "ssr", not(test)), allow(dead_code))]
fn side_view(channel_name: String, related: Vec<ArticleLink>, hot: Vec<ArticleLink>) -> impl IntoView {
    (!related.is_empty() || !hot.is_empty()).then(|| {
        // Both lists through one view (one view type in the bundle).
        let lists = [("side-hot-heading", "热门".to_owned(), hot), ("related-heading", format!("{channel_name}·最新"), related)];
        view! {
            <aside class="article-side" aria-label="更多文章">
                {lists
                    .into_iter()
                    .filter(|(_, _, links)| !links.is_empty())
                    .map(|(id, heading, links)| view! {
                        <section aria-labelledby=id>
                            <h2 id=id>{heading}</h2>
                            <ol class="side-list">
                                {links.into_iter().map(|a| { let href = a.href(); view! { <li><a href=href>{a.title}</a></li> } }).collect_view()}
                            </ol>
                        </section>
                    })
                    .collect_view()}
            </aside>
        }
    })
}

/// 分享: the article's address copied, a WeChat code to scan (drawn by this server, see
/// `/share/qr/{id}`), and Weibo's and X's share pages. Every one works without JavaScript:
/// 复制链接 is then a link to the article itself (a long press copies it), and the code opens
/// in a `<details>`.
fn share_links(article_id: ArticleId, title: &str, url: String) -> impl IntoView {
    let copied = RwSignal::new(false);
    let (u, t) = (encode_query(&url), encode_query(title));
    let copy_url = url.clone();
    view! {
        <div class="share" role="group" aria-label="分享">
            <span class="share-label">"分享："</span>
            <a
                class="share-copy"
                href=url
                on:click=move |ev| {
                    if copy_to_clipboard(&copy_url) {
                        ev.prevent_default();
                        copied.set(true);
                    }
                }
            >
                "复制链接"
            </a>
            <details class="share-wechat">
                <summary>"微信"</summary>
                <figure>
                    <img src=format!("/share/qr/{article_id}") alt="本文地址的二维码" width="200" height="200" loading="lazy" />
                    <figcaption>"用微信扫一扫，打开本文后分享给朋友"</figcaption>
                </figure>
            </details>
            <a href=format!("https://service.weibo.com/share/share.php?url={u}&title={t}") target="_blank" rel="noopener noreferrer">
                "微博"
            </a>
            <a href=format!("https://x.com/intent/post?url={u}&text={t}") target="_blank" rel="noopener noreferrer">
                "X"
            </a>
            <span class="share-done" role="status">{move || copied.get().then_some("已复制链接")}</span>
        </div>
    }
}

/// Puts `text` on the clipboard; false where the browser offers no clipboard (then the
/// link is followed instead).
fn copy_to_clipboard(text: &str) -> bool {
    #[cfg(feature = "hydrate")]
    {
        use leptos::wasm_bindgen::JsValue;
        let clipboard = js_sys::Reflect::get(&window(), &JsValue::from_str("navigator"))
            .and_then(|n| js_sys::Reflect::get(&n, &JsValue::from_str("clipboard")))
            .ok()
            .filter(|c| !c.is_undefined() && !c.is_null());
        let write = clipboard
            .as_ref()
            .and_then(|c| js_sys::Reflect::get(c, &JsValue::from_str("writeText")).ok())
            .and_then(|f| leptos::wasm_bindgen::JsCast::dyn_into::<js_sys::Function>(f).ok());
        if let (Some(c), Some(write)) = (clipboard, write) {
            return write.call1(&c, &JsValue::from_str(text)).is_ok();
        }
    }
    let _ = text;
    false
}

/// An article's body: paragraphs, the newsroom's HTML runs and figures.
fn body_view(blocks: Vec<Block>) -> impl IntoView {
    // The first figure is usually the largest thing on screen: it loads at once,
    // the others as the reader scrolls to them.
    let mut first = true;
    blocks
                                .into_iter()
                                .map(|b| match b {
                                    Block::Paragraph(text) => view! { <p>{text}</p> }.into_any(),
                                    // Only the server makes this HTML, from an editor's Markdown
                                    // (`markdown::to_html`: every text and address escaped, only the
                                    // subset's own elements); nothing a reader typed reaches it.
                                    Block::Html(html) => view! { <div class="article-text" inner_html=html></div> }.into_any(),
                                    Block::Figure { src, caption, alt, credit, srcset, width, height } => {
                                        let (loading, priority) = if std::mem::take(&mut first) { ("eager", "high") } else { ("lazy", "auto") };
                                        // The column is at most 760 pixels wide, the page's width less its margins on a phone.
                                        let sizes = (!srcset.is_empty()).then_some("(min-width: 792px) 760px, calc(100vw - 32px)");
                                        view! {
                                            <figure>
                                                <img src=src srcset=(!srcset.is_empty()).then_some(srcset) sizes=sizes alt=alt width=width height=height loading=loading fetchpriority=priority decoding="async" />
                                                <figcaption>{caption}{(!credit.is_empty()).then(|| view! { <span class="credit">"图片来源："{credit}</span> })}</figcaption>
                                            </figure>
                                        }
                                        .into_any()
                                    }
                                })
                                .collect_view()
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;
    use crate::components::both;

    fn link(id: i64, title: &str) -> ArticleLink {
        ArticleLink { id: ArticleId(id), title: title.to_owned() }
    }

    fn figure(caption: &str, credit: &str, srcset: &str) -> Block {
        Block::Figure {
            src: "/images/a&b.jpg".to_owned(),
            caption: caption.to_owned(),
            alt: "港口 \"夜景\" <图>".to_owned(),
            credit: credit.to_owned(),
            srcset: srcset.to_owned(),
            width: 1600,
            height: 900,
        }
    }

    /// The article element and the side column the server writes itself, against their views
    /// (both of tachys' paths): every kind of block, a preview, with and without the original's
    /// link and the neighbours, titles and names with characters to escape, empty texts.
    #[test]
    fn the_server_writes_the_article_as_its_view_writes_it() {
        Owner::new().with(|| {
            let bodies = [
                vec![],
                vec![Block::Paragraph("第一段 <b>&".to_owned())],
                vec![
                    Block::Paragraph(String::new()),
                    figure("港口", "", ""),
                    Block::Html(
                        "<p>正文 &amp; <a href=\"https://a.example/\" rel=\"nofollow noopener\">链接</a></p>"
                            .to_owned(),
                    ),
                    figure("", "摄影 <甲>", "/images/a-800.jpg 800w, /images/a.jpg 1600w"),
                    Block::Paragraph("末段".to_owned()),
                ],
            ];
            let neighbours = [
                (None, None),
                (Some(link(4, "上 <一> 篇")), None),
                (None, Some(link(22, ""))),
                (Some(link(4, "甲")), Some(link(22, "乙 & 丙"))),
            ];
            let mut checked = 0;
            for (n, blocks) in bodies.iter().enumerate() {
                for (previous, next) in &neighbours {
                    for unpublished in [None, Some("草稿".to_owned())] {
                        for original_url in [None, Some("https://news.example/a?b=1&c=\"2\"".to_owned())] {
                            let shown = Shown {
                                article_id: ArticleId(17),
                                channel_href: "/channel/au".to_owned(),
                                channel_name: if n == 1 { "澳<洲>".to_owned() } else { "澳洲".to_owned() },
                                unpublished: unpublished.clone(),
                                published_iso: "2026-12-06T08:27:40+11:00".to_owned(),
                                published_at: "2026-12-06 08:27".to_owned(),
                                source: if n == 2 { String::new() } else { "今日 & 编辑部".to_owned() },
                                original_url: original_url.clone(),
                                share_title: "标题 \"引号\" & <尖括号>".to_owned(),
                                url: "http://127.0.0.1:3000/article/17".to_owned(),
                                previous: previous.clone(),
                                next: next.clone(),
                            };
                            let live = Live {
                                heard: RwSignal::new(None),
                                title: RwSignal::new(if n == 0 {
                                    String::new()
                                } else {
                                    "标题 \"引号\" & <尖括号>".to_owned()
                                }),
                                total: RwSignal::new(n as i64 * 25),
                                blocks: RwSignal::new(blocks.clone()),
                            };
                            let written = written::article(&shown, live);
                            let (plain, streamed) = both(|| article_view(shown.clone(), live));
                            assert_eq!(written, plain, "{n} {previous:?} {next:?} {unpublished:?} {original_url:?}");
                            assert_eq!(written, streamed);
                            checked += 1;
                        }
                    }
                }
            }
            assert_eq!(checked, 48);
            let lists =
                [vec![], vec![link(18, "热门 <一>")], vec![link(1012, ""), link(1007, "乙 & 丙"), link(5, "丁")]];
            for related in &lists {
                for hot in &lists {
                    let written = written::side("澳洲 & <新>", related, hot);
                    let (plain, streamed) = both(|| side_view("澳洲 & <新>".to_owned(), related.clone(), hot.clone()));
                    assert_eq!(written, plain, "{related:?} {hot:?}");
                    assert_eq!(written, streamed);
                }
            }
        })
    }
}
