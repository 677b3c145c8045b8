//! 今日评论: the thread, its form, likes, deletion, sorting and paging, kept live.

use super::AvatarBadge;
use crate::api::comments::{list_comments, list_replies, DeleteComment, LikeComment, PostComment};
use crate::model::{
    build_thread, encode_query, linkify, mark_deleted, merge_comment, upsert_comment, AppError, ArticleId, Comment,
    CommentBody, CommentId, CommentNode, CommentPage, Segment, Sort, UserId,
};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// The article meta line's comment count.
pub fn article_count_text(total: i64) -> String {
    format!("评论{total}条")
}

/// What every comment in the thread needs to draw its buttons.
#[derive(Clone, Copy)]
struct ThreadCtx {
    path: StoredValue<String>,
    sort: Sort,
    viewer: Option<UserId>,
    reply_to: RwSignal<Option<CommentId>>,
    /// The comment whose 删除 was asked for: it shows 确定删除 / 取消 instead.
    confirm: RwSignal<Option<CommentId>>,
    like: ServerAction<LikeComment>,
    delete: ServerAction<DeleteComment>,
}

/// What the redirect after a failed plain form post carries back to the comment form (the
/// reply target in `?reply=`, the error and text in the form flash), and the reply target a 回复
/// link sets without JavaScript.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FormEcho {
    pub reply: Option<CommentId>,
    /// The comment a 删除 link (`?delete=`, without JavaScript) asks to confirm deleting.
    pub delete: Option<CommentId>,
    /// The name of the author of `reply`, found by the server: that comment may be on another
    /// page, or among replies not shown.
    pub reply_name: Option<String>,
    pub error: Option<String>,
    pub body: String,
}

/// The comments of an article, kept live while they are on screen. `total` is the article's
/// comment count, shared with the article's meta line above. `viewer` is the signed-in reader:
/// signing in or out renders the section again.
#[component]
pub fn CommentsSection(
    article_id: ArticleId,
    initial: CommentPage,
    sort: Sort,
    viewer: Option<UserId>,
    echo: FormEcho,
    total: RwSignal<i64>,
) -> impl IntoView {
    let max_chars = initial.max_chars;
    // Per thread, the last reply read from the server in id order: more are read after it. Live
    // replies and the reader's own are newer than any not read yet and come after them.
    let read_to = RwSignal::new(HashMap::new());
    read_to.update(|m| note_read(m, &initial.comments));
    let comments = RwSignal::new(initial.comments);
    let has_more = RwSignal::new(initial.has_more);
    let loaded_pages = RwSignal::new(1u32);
    let path = StoredValue::new(format!("/article/{article_id}"));
    let reply_to = RwSignal::new(echo.reply);
    let confirm = RwSignal::new(echo.delete);

    // The live log could not resume this page (it was pruned past what the page shows): the
    // pages on screen are read again and merged in by id, so nothing shown is lost and every
    // change since is in.
    let reload = Callback::new(move |()| {
        let pages = loaded_pages.get_untracked();
        leptos::task::spawn_local(async move {
            for n in 1..=pages {
                let Ok(page) = list_comments(article_id, Some(sort.as_str().to_owned()), Some(n)).await else { return };
                read_to.update(|m| note_read(m, &page.comments));
                comments.update(|list| page.comments.into_iter().for_each(|c| upsert_comment(list, c)));
                total.set(page.total);
            }
        });
    });
    // The stream is opened in the browser only, and closed when this section leaves the page.
    #[cfg(feature = "hydrate")]
    super::live_client::follow(article_id, initial.last_event_id, comments, total, reload);
    #[cfg(not(feature = "hydrate"))]
    let _ = reload;

    let post = ServerAction::<PostComment>::new();
    let like = ServerAction::<LikeComment>::new();
    let delete = ServerAction::<DeleteComment>::new();
    // The reader's own changes show at once; the live stream brings the same ids again and
    // they are merged, never shown twice (and a reply counted once).
    Effect::new(move |_| {
        if let Some(Ok(c)) = post.value().get() {
            comments.update(|list| merge_comment(list, c));
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(c)) = like.value().get() {
            comments.update(|list| upsert_comment(list, c));
        }
    });
    // A deleted comment leaves the thread unless something answers it.
    Effect::new(move |_| {
        if let Some(Ok(c)) = delete.value().get() {
            confirm.set(None);
            comments.update(|list| mark_deleted(list, c.id));
        }
    });
    let ctx = ThreadCtx { path, sort, viewer, reply_to, confirm, like, delete };
    // A like or deletion that failed (network, limits) says so instead of doing nothing.
    let action_error = move || {
        [like.value().get().and_then(Result::err), delete.value().get().and_then(Result::err)]
            .into_iter()
            .flatten()
            .next()
            .map(|e| e.to_string())
    };

    let load_more = move |ev: leptos::ev::MouseEvent| {
        ev.prevent_default();
        let next = loaded_pages.get_untracked() + 1;
        leptos::task::spawn_local(async move {
            if let Ok(page) = list_comments(article_id, Some(sort.as_str().to_owned()), Some(next)).await {
                read_to.update(|m| note_read(m, &page.comments));
                comments.update(|list| page.comments.into_iter().for_each(|c| upsert_comment(list, c)));
                has_more.set(page.has_more);
                loaded_pages.set(next);
                total.set(page.total);
            }
        });
    };

    // 展开更多回复: the thread's next replies, merged in place.
    let more_replies = Callback::new(move |root: CommentId| {
        let after = read_to.with_untracked(|m| m.get(&root).copied());
        leptos::task::spawn_local(async move {
            if let Ok(page) = list_replies(root, after).await {
                read_to.update(|m| note_read(m, &page.replies));
                comments.update(|list| {
                    page.replies.into_iter().for_each(|c| upsert_comment(list, c));
                    if !page.has_more {
                        // Every reply is on hand now, so they are the thread's count.
                        let n = list.iter().filter(|c| c.parent_id.is_some() && c.thread() == root).count();
                        if let Some(r) = list.iter_mut().find(|c| c.id == root) {
                            r.replies = n as i64;
                        }
                    }
                });
            }
        });
    });

    view! {
        <section id="comments" class="comments-section" aria-labelledby="comments-heading">
            <div class="comments-intro">
                <h2 id="comments-heading">"今日评论"</h2>
                <p class="disclaimer">"网友评论仅供其表达个人看法,并不表明网站立场。"</p>
            </div>
            {if viewer.is_some() {
                    view! { <CommentForm article_id post comments reply_to echo max_chars /> }.into_any()
                } else {
                    let next = encode_query(&format!("{}#comment-form", path.get_value()));
                    view! {
                        <p id="comment-form" class="sign-in-prompt">
                            <a href=format!("/login?next={next}")>"登录"</a>
                            " 或 "
                            <a href=format!("/register?next={next}")>"注册"</a>
                            " 后参与评论"
                        </p>
                    }
                    .into_any()
                }}
            <div class="comments-bar">
                // Says which order the list below is in: 最新评论 / 最早评论 / 最热评论 (N).
                <h3 class="comments-count">{move || format!("{}评论({})", sort.label(), total.get())}</h3>
                <nav class="sort-tabs" aria-label="评论排序">
                    {Sort::ALL
                        .iter()
                        .map(|s| {
                            let href = format!("{}?sort={}#comments", path.get_value(), s.as_str());
                            view! { <a href=href aria-current=(*s == sort).then_some("true")>{s.label()}</a> }
                        })
                        .collect_view()}
                </nav>
            </div>
            <p class="field-error" role="status">{action_error}</p>
            <ol class="comments">
                {move || {
                    let thread = build_thread(&comments.read(), sort);
                    if thread.is_empty() {
                        view! { <li class="no-comments">"还没有评论,来说两句吧。"</li> }.into_any()
                    } else {
                        read_to
                            .with(|m| {
                                thread
                                    .into_iter()
                                    .map(|n| {
                                        let more = More { read_to: m.get(&n.comment.id).copied(), load: more_replies };
                                        thread_view(n, ctx, Some(more))
                                    })
                                    .collect_view()
                            })
                            .into_any()
                    }
                }}
            </ol>
            {move || has_more.get().then(|| {
                let href = format!("{}?sort={}&page={}#comments", path.get_value(), sort.as_str(), loaded_pages.get() + 1);
                view! { <a class="load-more" href=href on:click=load_more>"加载更多"</a> }
            })}
        </section>
    }
}

#[component]
fn CommentForm(
    article_id: ArticleId,
    post: ServerAction<PostComment>,
    comments: RwSignal<Vec<Comment>>,
    reply_to: RwSignal<Option<CommentId>>,
    echo: FormEcho,
    max_chars: usize,
) -> impl IntoView {
    let (echo_reply, echo_name) = (echo.reply, echo.reply_name);
    let replying = Memo::new(move |_| {
        let id = reply_to.get()?;
        let name = comments
            .read()
            .iter()
            .find(|c| c.id == id)
            .map(|c| c.author.name.clone())
            .or_else(|| echo_name.clone().filter(|_| echo_reply == Some(id)))
            .unwrap_or_default();
        Some((id, name))
    });
    // An error comes from the action (with JavaScript) or from the redirect a plain form post
    // gets back, which also carries the text so nothing typed is lost.
    // The browser checks the text first with the server's own rule (`CommentBody::parse`), so
    // an empty or overlong comment is refused next to the box without a request; typing again
    // clears the message. The server checks again.
    let checked = RwSignal::new(None::<String>);
    let echoed_error = echo.error;
    let error = Memo::new(move |_| {
        checked.get().or_else(|| match post.value().get() {
            Some(Err(e)) => Some(e.to_string()),
            Some(Ok(_)) => None,
            None => echoed_error.clone(),
        })
    });
    let typed = echo.body;
    let textarea = NodeRef::<leptos::html::Textarea>::new();
    let form = NodeRef::<leptos::html::Form>::new();
    super::checked_by_page(form);
    Effect::new(move |_| {
        if let (Some(Ok(_)), Some(t)) = (post.value().get(), textarea.get()) {
            t.set_value("");
            reply_to.set(None);
        }
    });
    let cancel_href = format!("/article/{article_id}#comment-form");
    view! {
        <ActionForm
            action=post
            node_ref=form
            attr:id="comment-form"
            attr:class="comment-form"
            on:submit:capture=move |ev: leptos::ev::SubmitEvent| {
                let text = textarea.get_untracked().map(|t| t.value()).unwrap_or_default();
                if let Err(message) = CommentBody::parse(&text, max_chars) {
                    checked.set(Some(message));
                    ev.prevent_default();
                }
            }
        >
            <input type="hidden" name="article_id" value=article_id.to_string() />
            <input type="hidden" name="parent_id" value=move || reply_to.get().map(|id| id.to_string()).unwrap_or_default() />
            {move || replying.get().map(|(_, name)| view! {
                <p class="replying">
                    {format!("回复 @{name}")}
                    " "
                    <a
                        href=cancel_href.clone()
                        on:click=move |ev| {
                            ev.prevent_default();
                            reply_to.set(None);
                        }
                    >
                        "取消回复"
                    </a>
                </p>
            })}
            <label for="comment-body" class="visually-hidden">"评论内容"</label>
            <textarea
                id="comment-body"
                name="body"
                rows="4"
                required
                placeholder="文明发言,理性讨论"
                node_ref=textarea
                aria-invalid=move || error.read().is_some().to_string()
                aria-describedby="comment-error"
                on:input=move |_| checked.set(None)
            >
                {typed}
            </textarea>
            <p id="comment-error" class="field-error" role="alert">{error}</p>
            <button type="submit" class="primary" disabled=move || post.pending().get()>
                {move || if replying.get().is_some() { "发表回复" } else { "发表评论" }}
            </button>
        </ActionForm>
    }
}

/// After a 回复 click: the form's text box gets the focus (which scrolls it into view); a
/// visitor is shown the sign-in prompt in its place.
fn focus_comment_form() {
    #[cfg(feature = "hydrate")]
    {
        use leptos::wasm_bindgen::JsCast;
        let doc = document();
        if let Some(body) = doc.get_element_by_id("comment-body") {
            let _ = body.unchecked_into::<leptos::web_sys::HtmlElement>().focus();
        } else if let Some(prompt) = doc.get_element_by_id("comment-form") {
            prompt.scroll_into_view();
        }
    }
}

/// A comment's text as shown: plain text, with its web addresses (see `linkify`) as links.
pub fn comment_text(c: &Comment) -> AnyView {
    if c.deleted {
        return view! { <p class="comment-text deleted">"该评论已删除"</p> }.into_any();
    }
    let parts = linkify(&c.body)
        .into_iter()
        .map(|s| match s {
            Segment::Text(t) => t.into_any(),
            Segment::Link(url) => {
                let href = url.clone();
                view! { <a href=href rel="nofollow ugc noopener" target="_blank">{url}</a> }.into_any()
            }
        })
        .collect_view();
    view! { <p class="comment-text" dir="auto">{parts}</p> }.into_any()
}

/// The replies of a thread read so far: the highest id per thread among `comments`.
fn note_read(read_to: &mut HashMap<CommentId, CommentId>, comments: &[Comment]) {
    for c in comments.iter().filter(|c| c.parent_id.is_some()) {
        let last = read_to.entry(c.thread()).or_insert(c.id);
        *last = (*last).max(c.id);
    }
}

/// The 展开更多回复 control of a thread on the article page.
#[derive(Clone, Copy)]
struct More {
    /// The last reply read from the server: the control sits after it.
    read_to: Option<CommentId>,
    load: Callback<CommentId>,
}

/// A top-level comment and, one level in, its replies as a flat list, whatever each answers.
/// Without JavaScript the control is a link to the thread's own pages.
fn thread_view(node: CommentNode, ctx: ThreadCtx, more: Option<More>) -> AnyView {
    let root = node.comment.id;
    let hidden = node.hidden();
    let control = more.filter(|_| hidden > 0).map(|m| {
        view! {
            <li class="more-replies">
                <a
                    href=format!("/comment/{root}")
                    on:click=move |ev| {
                        ev.prevent_default();
                        m.load.run(root);
                    }
                >
                    {format!("展开更多回复(还有{hidden}条)")}
                </a>
            </li>
        }
    });
    let cut = more.and_then(|m| m.read_to);
    let (read, newer): (Vec<Comment>, Vec<Comment>) =
        node.replies.into_iter().partition(|r| cut.is_some_and(|cut| r.id <= cut));
    let list = (!read.is_empty() || !newer.is_empty() || control.is_some()).then(|| {
        view! {
            <ol class="replies">
                {read.into_iter().map(|r| comment_item(r, ctx, None)).collect_view()}
                {control}
                {newer.into_iter().map(|r| comment_item(r, ctx, None)).collect_view()}
            </ol>
        }
        .into_any()
    });
    comment_item(node.comment, ctx, list)
}

/// One comment with its buttons; `replies` is the list under a top-level comment.
fn comment_item(c: Comment, ctx: ThreadCtx, replies: Option<AnyView>) -> AnyView {
    let id = c.id;
    let author = c.author.id;
    let text = comment_text(&c);
    let answers = c.answers_reply().map(|to| format!("回复 @{to}"));
    let reply_href = format!("{}?sort={}&reply={id}#comment-form", ctx.path.get_value(), ctx.sort.as_str());
    let own = ctx.viewer == Some(author);
    let deleted = c.deleted;
    view! {
        <li class="comment" id=format!("c{id}")>
            <article class="comment-body">
                <AvatarBadge name=c.author.name.clone() />
                <div class="comment-main">
                    <header class="comment-head">
                        <span class="comment-author">{c.author.name}</span>
                        <time datetime=c.created_iso>{c.created}</time>
                    </header>
                    {answers.map(|to| view! { <p class="reply-to">{to}</p> })}
                    {text}
                    {(!deleted).then(|| view! {
                        <div class="comment-actions">
                            {if ctx.viewer.is_some() {
                                view! {
                                    <ActionForm action=ctx.like attr:class="inline-form">
                                        <input type="hidden" name="comment_id" value=id.to_string() />
                                        <button type="submit" class="link-action" aria-pressed=c.liked.to_string()>
                                            {format!("赞 {}", c.likes)}
                                        </button>
                                    </ActionForm>
                                }
                                .into_any()
                            } else {
                                // Visitors are sent to sign in first, then back to this comment.
                                let next = encode_query(&format!("{}#c{id}", ctx.path.get_value()));
                                view! {
                                    <a class="link-action" href=format!("/login?next={next}")>{format!("赞 {}", c.likes)}</a>
                                }
                                .into_any()
                            }}
                            // The link works without JavaScript; with it, the form stays as typed.
                            <a
                                class="link-action"
                                href=reply_href
                                on:click=move |ev| {
                                    ev.prevent_default();
                                    ctx.reply_to.set(Some(id));
                                    focus_comment_form();
                                }
                            >
                                "回复"
                            </a>
                            {own.then(|| delete_control(id, ctx))}
                        </div>
                    })}
                </div>
            </article>
            {replies}
        </li>
    }
    .into_any()
}

/// 删除 on the reader's own comment asks first: it turns into 删除这条评论？ 确定删除 / 取消 in
/// place. Without JavaScript 删除 is a link to the page with `?delete=` that shows the same.
/// Both states are in the page and one is `hidden`: cheaper in the browser's code than
/// swapping views.
fn delete_control(id: CommentId, ctx: ThreadCtx) -> impl IntoView {
    let here = format!("{}?sort={}", ctx.path.get_value(), ctx.sort.as_str());
    let asking = move || ctx.confirm.get() == Some(id);
    let ask = move |to: Option<CommentId>| {
        move |ev: leptos::ev::MouseEvent| {
            ev.prevent_default();
            ctx.confirm.set(to);
        }
    };
    view! {
        <a class="link-action" href=format!("{here}&delete={id}#c{id}") hidden=asking on:click=ask(Some(id))>
            "删除"
        </a>
        <span class="confirm-delete" role="group" aria-label="确认删除" hidden=move || !asking()>
            <span class="confirm-question">"删除这条评论？"</span>
            <ActionForm action=ctx.delete attr:class="inline-form">
                <input type="hidden" name="comment_id" value=id.to_string() />
                <button type="submit" class="link-action danger">"确定删除"</button>
            </ActionForm>
            <a class="link-action" href=format!("{here}#c{id}") on:click=ask(None)>
                "取消"
            </a>
        </span>
    }
}

/// A top-level comment and one page of its replies (`/comment/{id}`): the same markup, whose
/// links and forms work with or without JavaScript (回复 leads to the article's comment form).
#[component]
pub fn CommentThreadList(root: Comment, replies: Vec<Comment>, viewer: Option<UserId>) -> impl IntoView {
    let ctx = ThreadCtx {
        path: StoredValue::new(format!("/article/{}", root.article_id)),
        sort: Sort::New,
        viewer,
        reply_to: RwSignal::new(None),
        confirm: RwSignal::new(None),
        like: ServerAction::new(),
        delete: ServerAction::new(),
    };
    // The thread as first in the list, then its replies; a like or deletion shows at once.
    let list = RwSignal::new(std::iter::once(root).chain(replies).collect::<Vec<_>>());
    for action_value in [ctx.like.value(), ctx.delete.value()] {
        Effect::new(move |_| {
            if let Some(Ok(c)) = action_value.get() {
                list.update(|list| upsert_comment(list, c));
            }
        });
    }
    let action_error = move || {
        [ctx.like.value().get().and_then(Result::err), ctx.delete.value().get().and_then(Result::err)]
            .into_iter()
            .flatten()
            .next()
            .map(|e| e.to_string())
    };
    view! {
        <p class="field-error" role="status">{action_error}</p>
        <ol class="comments">
            {move || {
                let mut replies = list.get();
                let comment = replies.remove(0);
                thread_view(CommentNode { comment, replies }, ctx, None)
            }}
        </ol>
    }
}

/// Shown when the comments could not be loaded.
pub fn comments_error(e: &AppError) -> AnyView {
    view! { <p class="field-error">{format!("评论加载失败: {e}")}</p> }.into_any()
}
