//! 今日评论: the thread, its form, likes, deletion, sorting and paging, kept live.

use super::{avatar_badge, send_form, send_input, server_call, ServerCall};
use crate::api::comments::{list_comments, list_replies, DeleteComment, LikeComment, PostComment};
use crate::api::moderation::{ReportComment, REPORT_RECEIVED};
use crate::model::{
    build_thread, encode_query, linkify, mark_deleted, mark_hidden, mark_pinned, mark_review, merge_comment,
    upsert_comment, AppError, ArticleId, Change, Comment, CommentBody, CommentId, CommentNode, CommentPage,
    ReportReason, Segment, Sort, UserId, VecMap,
};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
mod written;
#[cfg(feature = "ssr")]
pub use written::section as written_section;

/// The article meta line's comment count.
pub fn article_count_text(total: i64) -> String {
    format!("评论{total}条")
}

/// What every comment in the thread needs to draw its buttons.
#[derive(Clone, Copy)]
struct ThreadCtx {
    article_id: ArticleId,
    path: StoredValue<String>,
    sort: Sort,
    viewer: Option<UserId>,
    /// The comment whose reply box is open under it.
    reply_to: RwSignal<Option<CommentId>>,
    /// Posts the open reply box.
    reply: ServerCall<PostComment>,
    /// What was typed in each reply box, kept when it closes (Esc, 取消) until it is posted.
    drafts: StoredValue<VecMap<CommentId, String>>,
    /// A plain reply post that failed: its target, message and text, for that box, once.
    reply_echo: StoredValue<Option<Echo>>,
    max_chars: usize,
    /// The comment whose 删除 was asked for: it shows 确定删除 / 取消 instead.
    confirm: RwSignal<Option<CommentId>>,
    like: ServerCall<LikeComment>,
    delete: ServerCall<DeleteComment>,
    /// The comment whose 举报 form is open under it.
    reporting: RwSignal<Option<CommentId>>,
    report: ServerCall<ReportComment>,
    /// A plain report post that failed: its comment, message and text, for that form, once.
    report_echo: StoredValue<Option<Echo>>,
    /// The comment whose report was just received.
    reported: RwSignal<Option<CommentId>>,
    /// The article's comments are locked: no reply boxes.
    locked: bool,
    /// The viewer moderates: each comment has 隐藏 / 恢复 / 置顶 (plain form posts).
    moderator: bool,
}

impl ThreadCtx {
    /// A context of its own, nothing open or sent: for a thread outside the article's
    /// comment section (`CommentThreadList`).
    fn standalone(
        article_id: ArticleId,
        path: String,
        sort: Sort,
        viewer: Option<UserId>,
        max_chars: usize,
        locked: bool,
        moderator: bool,
    ) -> Self {
        ThreadCtx {
            article_id,
            path: StoredValue::new(path),
            sort,
            viewer,
            reply_to: RwSignal::new(None),
            reply: server_call(),
            drafts: StoredValue::new(VecMap::new()),
            reply_echo: StoredValue::new(None),
            max_chars,
            confirm: RwSignal::new(None),
            like: server_call(),
            delete: server_call(),
            reporting: RwSignal::new(None),
            report: server_call(),
            report_echo: StoredValue::new(None),
            reported: RwSignal::new(None),
            locked,
            moderator,
        }
    }

    /// This page in the thread's order, with `rest` after it (`&reply=…`, `#c…`): where the
    /// thread's links and plain forms lead and come back to.
    fn here(&self, rest: std::fmt::Arguments) -> String {
        self.path.with_value(|p| format!("{p}?sort={}{rest}", self.sort.as_str()))
    }
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
    /// The comment a 举报 link (`?report=`, without JavaScript) opens the report form under;
    /// a failed plain report comes back there with its message and text (`detail`).
    pub report: Option<CommentId>,
    pub detail: String,
    /// The comment a plain report was received for (`?reported=`).
    pub reported: Option<CommentId>,
}

/// The comments of an article, kept live while they are on screen. `total` is the article's
/// comment count, shared with the article's meta line above. `viewer` is the signed-in reader:
/// signing in or out renders the section again.
#[component]
pub fn CommentsSection(
    article_id: ArticleId,
    initial: CommentPage,
    sort: Sort,
    /// The page of comments the address asked for (`?page=N`, from 1): the list starts there.
    page: u32,
    viewer: Option<UserId>,
    echo: FormEcho,
    total: RwSignal<i64>,
) -> impl IntoView {
    let max_chars = initial.max_chars;
    let (locked, moderator, premoderated) = (initial.locked, initial.moderator, initial.premoderated);
    // A report's echo is its form's, not the comment form's.
    let report_echo = StoredValue::new(echo.report.map(|id| (id, echo.error.clone(), echo.detail.clone())));
    let echo = if echo.report.is_some() { FormEcho { error: None, ..echo } } else { echo };
    let reporting = RwSignal::new(echo.report);
    let reported = RwSignal::new(echo.reported);
    let drafts = StoredValue::new(VecMap::new());
    let in_page = echo.reply.is_some_and(|id| initial.comments.iter().any(|c| c.id == id));
    let reply_echo =
        StoredValue::new(echo.reply.filter(|_| in_page).map(|id| (id, echo.error.clone(), echo.body.clone())));
    let echo = if in_page { FormEcho { error: None, body: String::new(), ..echo } } else { echo };
    // Per thread, the last reply read from the server in id order: more are read after it. Live
    // replies and the reader's own are newer than any not read yet and come after them.
    let read_to = RwSignal::new(VecMap::new());
    read_to.update(|m| note_read(m, &initial.comments));
    let comments = RwSignal::new(initial.comments);
    let has_more = RwSignal::new(initial.has_more);
    let loaded_pages = RwSignal::new(page.max(1));
    let path = StoredValue::new(format!("/article/{article_id}"));
    let confirm = RwSignal::new(echo.delete);

    // The live log could not resume this page (it was pruned past what the page shows): the
    // pages on screen are read again and merged in by id, so nothing shown is lost and every
    // change since is in.
    let reload = Callback::new(move |()| {
        let pages = loaded_pages.get_untracked();
        leptos::task::spawn_local(async move {
            for n in page.max(1)..=pages {
                let Ok(page) = list_comments(article_id, Some(sort.as_str().to_owned()), Some(n)).await else { return };
                read_to.update(|m| note_read(m, &page.comments));
                comments.update(|list| page.comments.into_iter().for_each(|c| upsert_comment(list, c)));
                total.set(page.total);
            }
        });
    });
    // Comments others post while the reader is on the page are announced, never slipped in
    // where they would move what is being read:
    // - in 最新 order, once the reader has scrolled into the list, a new comment waits behind
    //   有 N 条新评论 above it (a click shows them, the newest scrolled to and marked);
    // - in 最早 and 最热 order with pages not yet loaded, a new comment belongs after them: it
    //   comes with the last page (加载更多 says how many wait there), not as the 21st;
    // - otherwise, and for replies, it shows in its place;
    // and each is told to screen readers (`heard`, a polite live region).
    let held = RwSignal::new(Vec::<Comment>::new());
    let later = RwSignal::new(0usize);
    let heard = RwSignal::new(String::new());
    let list_ref = NodeRef::<leptos::html::Ol>::new();
    let reply_to = RwSignal::new(echo.reply);
    // While the reader writes in a reply box in the list, changes others make wait (and are
    // counted in 有 N 条新评论): drawing the list again would take the box from under their
    // fingers mid-word. They are applied when the box closes or the banner is tapped.
    let deferred = StoredValue::new(Vec::<Change>::new());
    let waiting = RwSignal::new(0usize);
    let composing = move || {
        viewer.is_some()
            && reply_to.get_untracked().is_some_and(|id| comments.with_untracked(|l| l.iter().any(|c| c.id == id)))
    };
    let arrive = Callback::new(move |c: Comment| {
        if comments.with_untracked(|l| l.iter().any(|x| x.id == c.id)) {
            comments.update(|l| merge_comment(l, c));
            return;
        }
        if held.with_untracked(|l| l.iter().any(|x| x.id == c.id)) {
            held.update(|l| upsert_comment(l, c));
            return;
        }
        let reply = c.parent_id.is_some();
        heard.set(format!("{}发表了新{}", c.author.name, if reply { "回复" } else { "评论" }));
        if reply {
            comments.update(|l| merge_comment(l, c));
        } else if sort == Sort::New && reading_the_list(list_ref) {
            held.update(|l| l.push(c));
        } else if sort != Sort::New && has_more.get_untracked() {
            later.update(|n| *n += 1);
        } else {
            comments.update(|l| merge_comment(l, c));
        }
    });
    let apply = Callback::new(move |change: Change| match change {
        Change::Created(c) => arrive.run(c),
        Change::Deleted(id) => {
            comments.update(|l| mark_deleted(l, id));
            held.update(|l| mark_deleted(l, id));
        }
        Change::Hidden(id) => {
            comments.update(|l| mark_hidden(l, id));
            held.update(|l| mark_hidden(l, id));
        }
        Change::Restored(c) => {
            // Only a copy on the page is put back: a restored comment is not new to anyone.
            for list in [comments, held] {
                if list.with_untracked(|l| l.iter().any(|x| x.id == c.id)) {
                    list.update(|l| merge_comment(l, c.clone()));
                }
            }
        }
        Change::Rejected(id) => comments.update(|l| mark_review(l, id, "rejected")),
        Change::Pinned { comment_id, pinned } => comments.update(|l| mark_pinned(l, comment_id, pinned)),
        Change::Liked { comment_id, likes } => {
            for list in [comments, held] {
                list.update(|l| {
                    if let Some(c) = l.iter_mut().find(|c| c.id == comment_id) {
                        c.likes = likes;
                    }
                });
            }
        }
        Change::Reset => {}
    });
    let on_change = Callback::new(move |change: Change| {
        if composing() {
            if let Change::Created(c) = &change {
                if !comments.with_untracked(|l| l.iter().any(|x| x.id == c.id)) {
                    waiting.update(|n| *n += 1);
                }
            }
            deferred.update_value(|d| d.push(change));
        } else {
            apply.run(change);
        }
    });
    let catch_up = move || {
        let changes = deferred.try_update_value(std::mem::take).unwrap_or_default();
        waiting.set(0);
        changes.into_iter().for_each(|c| apply.run(c));
    };
    Effect::new(move |_| {
        if reply_to.get().is_none() {
            catch_up();
        }
    });
    let show_held = move |_| {
        catch_up();
        let shown = held.try_update(std::mem::take).unwrap_or_default();
        let newest = shown.iter().map(|c| c.id).max();
        comments.update(|l| shown.into_iter().for_each(|c| merge_comment(l, c)));
        if let Some(id) = newest {
            mark_arrival(id);
        }
    };
    // The stream is opened in the browser only, and closed when this section leaves the page.
    #[cfg(feature = "hydrate")]
    super::live_client::follow(article_id, initial.last_event_id, total, reload, on_change);
    #[cfg(not(feature = "hydrate"))]
    let _ = (reload, on_change);

    let post = server_call::<PostComment>();
    let like = server_call::<LikeComment>();
    let delete = server_call::<DeleteComment>();
    // The reader's own changes show at once; the live stream brings the same ids again and
    // they are merged, never shown twice (and a reply counted once).
    Effect::new(move |_| {
        if let Some(Ok(c)) = post.value().get() {
            let id = c.id;
            comments.update(|list| merge_comment(list, c));
            // The reader's own comment or reply: shown where it now is, and marked.
            mark_arrival(id);
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
    let report = server_call::<ReportComment>();
    Effect::new(move |_| {
        if let Some(Ok(_)) = report.value().get() {
            reported.set(reporting.get_untracked());
            reporting.set(None);
        }
    });
    let reply = server_call::<PostComment>();
    // A reply box's post: the reply shows in its place, marked; that box's draft is gone.
    Effect::new(move |_| {
        if let Some(Ok(c)) = reply.value().get() {
            let (id, parent) = (c.id, c.parent_id);
            comments.update(|list| merge_comment(list, c));
            if let Some(parent) = parent {
                drafts.update_value(|d| {
                    d.remove(&parent);
                });
            }
            reply_to.set(None);
            mark_arrival(id);
        }
    });
    let ctx = ThreadCtx {
        article_id,
        path,
        sort,
        viewer,
        reply_to,
        reply,
        drafts,
        reply_echo,
        max_chars,
        confirm,
        like,
        delete,
        reporting,
        report,
        report_echo,
        reported,
        locked,
        moderator,
    };
    // A like or deletion that failed (network, limits) says so instead of doing nothing.
    let action_error = move || {
        [like.value().get().and_then(Result::err), delete.value().get().and_then(Result::err)]
            .into_iter()
            .flatten()
            .next()
            .map(|e| e.to_string())
    };

    // 加载更多 and 展开更多回复 load in place: while a load is on its way the control says so and
    // a second tap waits for it; a load that failed (network, limits) says why beside the
    // control, which stays for another try. `loading`/`failed` name the control: `None` for
    // 加载更多, a thread for its 展开更多回复.
    let loading = RwSignal::new(None::<Option<CommentId>>);
    let failed = RwSignal::new(None::<(Option<CommentId>, String)>);
    let start_load = move |control: Option<CommentId>| {
        if loading.get_untracked().is_some() {
            return false;
        }
        loading.set(Some(control));
        failed.set(None);
        true
    };
    let end_load = move |control: Option<CommentId>, error: Option<AppError>| {
        loading.set(None);
        failed.set(error.map(|e| (control, format!("没有加载出来：{e}"))));
    };

    let load_more = move |ev: leptos::ev::MouseEvent| {
        ev.prevent_default();
        if !start_load(None) {
            return;
        }
        let next = loaded_pages.get_untracked() + 1;
        leptos::task::spawn_local(async move {
            let page = match list_comments(article_id, Some(sort.as_str().to_owned()), Some(next)).await {
                Ok(page) => page,
                Err(e) => return end_load(None, Some(e)),
            };
            end_load(None, None);
            read_to.update(|m| note_read(m, &page.comments));
            comments.update(|list| page.comments.into_iter().for_each(|c| upsert_comment(list, c)));
            has_more.set(page.has_more);
            if !page.has_more {
                later.set(0);
            }
            loaded_pages.set(next);
            total.set(page.total);
        });
    };

    // 展开更多回复: the thread's next replies, merged in place.
    let more_replies = Callback::new(move |root: CommentId| {
        if !start_load(Some(root)) {
            return;
        }
        let after = read_to.with_untracked(|m| m.get(&root).copied());
        leptos::task::spawn_local(async move {
            let result = list_replies(root, after).await;
            end_load(Some(root), result.as_ref().err().cloned());
            if let Ok(page) = result {
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
                <p class="disclaimer">"网友评论仅供其表达个人看法，并不表明网站立场。"</p>
            </div>
            {moderator.then(|| moderator_bar(article_id, locked, premoderated))}
            {if locked {
                    view! { <p id="comment-form" class="locked-notice">"本文评论已关闭，不能再发表评论或回复。"</p> }.into_any()
                } else if viewer.is_some() {
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
                <h3 class="comments-count">{move || format!("{}评论（{}）", sort.label(), total.get())}</h3>
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
            <p class="visually-hidden" role="status" aria-live="polite">{move || heard.get()}</p>
            {move || {
                let n = held.read().len() + waiting.get();
                (n > 0).then(|| view! {
                    <button type="button" class="new-comments" on:click=show_held>{format!("有{n}条新评论")}</button>
                })
            }}
            <ol class="comments" node_ref=list_ref>
                {move || {
                    let thread = build_thread(&comments.read(), sort);
                    if thread.is_empty() {
                        view! { <li class="no-comments">"还没有评论，来说两句吧。"</li> }.into_any()
                    } else {
                        read_to
                            .with(|m| {
                                thread
                                    .into_iter()
                                    .map(|n| {
                                        let more = More {
                                            read_to: m.get(&n.comment.id).copied(),
                                            load: more_replies,
                                            loading,
                                            failed,
                                        };
                                        thread_view(n, ctx, Some(more))
                                    })
                                    .collect_view()
                            })
                            .into_any()
                    }
                }}
            </ol>
            // A later page reached without JavaScript (加载更多 is then a link to it) leads
            // back to the one before.
            {(page > 1).then(|| {
                let href = format!("{}?sort={}&page={}#comments", path.get_value(), sort.as_str(), page - 1);
                view! {
                    <nav class="comment-pages" aria-label="评论分页">
                        <a href=href rel="prev">"上一页"</a>
                        <span>{format!("第 {page} 页起")}</span>
                    </nav>
                }
            })}
            {move || has_more.get().then(|| {
                let href = format!("{}?sort={}&page={}#comments", path.get_value(), sort.as_str(), loaded_pages.get() + 1);
                let waiting = later.get();
                let text = if waiting > 0 { format!("加载更多（最后有{waiting}条新评论）") } else { "加载更多".to_owned() };
                view! {
                    <a class="load-more" href=href on:click=load_more aria-busy=loading_busy(loading, None)>
                        {move || if loading.get() == Some(None) { "正在加载…".to_owned() } else { text.clone() }}
                    </a>
                }
            })}
            <p class="field-error" role="alert">{load_error(failed, None)}</p>
        </section>
    }
}

#[component]
fn CommentForm(
    article_id: ArticleId,
    post: ServerCall<PostComment>,
    comments: RwSignal<Vec<Comment>>,
    reply_to: RwSignal<Option<CommentId>>,
    echo: FormEcho,
    max_chars: usize,
) -> impl IntoView {
    let (echo_reply, echo_name) = (echo.reply, echo.reply_name);
    // A comment on the page is answered in a box under it; this form answers only one that is
    // not (on another page of comments, or a reply not loaded), named by a `?reply=` address.
    let replying = Memo::new(move |_| {
        let id = reply_to.get()?;
        if comments.read().iter().any(|c| c.id == id) {
            return None;
        }
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
    // A rate limit's wait counts down in its message and the message goes when the wait is
    // over, or when the reader turns to another comment to answer.
    let wait = rate_limit_wait(post);
    Effect::new(move |prev: Option<Option<CommentId>>| {
        let now = reply_to.get();
        if prev.is_some_and(|p| p != now) {
            wait.set(None);
        }
        now
    });
    let error = action_error_text(post, checked, wait, echoed_error);
    let typed = echo.body;
    let textarea = NodeRef::<leptos::html::Textarea>::new();
    Effect::new(move |_| {
        if let (Some(Ok(_)), Some(t)) = (post.value().get(), textarea.get()) {
            t.set_value("");
            reply_to.set(None);
        }
    });
    let cancel_href = format!("/article/{article_id}#comment-form");
    view! {
        <form
            method="post"
            action=PostComment::url()
            id="comment-form"
            class="comment-form"
            on:submit:capture=check_before_sending(textarea, checked, max_chars)
            on:submit=send_form(post, move |form| PostComment {
                article_id,
                parent_id: form.opt("parent_id"),
                body: form.text("body"),
            })
        >
            <input type="hidden" name="article_id" value=article_id.to_string() />
            <input type="hidden" name="parent_id" value=move || replying.get().map(|(id, _)| id.to_string()).unwrap_or_default() />
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
                aria-required="true"
                placeholder="文明发言，理性讨论"
                node_ref=textarea
                aria-invalid=move || error.read().is_some().to_string()
                aria-describedby="comment-error"
                on:input=move |_| checked.set(None)
            >
                {typed}
            </textarea>
            <p id="comment-error" class="field-error" role="alert">{error}</p>
            <button
                type="submit"
                class="primary"
                disabled=move || post.pending().get() || wait.get().is_some()
                aria-busy=move || post.pending().get().then_some("true")
            >
                {move || if replying.get().is_some() { "发表回复" } else { "发表评论" }}
            </button>
        </form>
    }
}

/// The browser's own check of a comment box before its form is sent, with the server's rule
/// (`CommentBody::parse`): an empty or overlong text is refused beside the box, no request.
/// A form hydrated on the first page and then rebuilt for another article keeps its first
/// capture listener (tachys attaches it again without removing the hydrated one): that one
/// belongs to the section that is gone and steps aside.
fn check_before_sending(
    textarea: NodeRef<leptos::html::Textarea>,
    checked: RwSignal<Option<String>>,
    max_chars: usize,
) -> impl Fn(leptos::ev::SubmitEvent) + 'static {
    move |ev| {
        let Some(textarea) = textarea.try_get_untracked() else { return };
        let text = textarea.map(|t| t.value()).unwrap_or_default();
        if let Err(message) = CommentBody::parse(&text, max_chars) {
            checked.try_set(Some(message));
            ev.prevent_default();
        }
    }
}

/// A rate limit's wait on `action`'s last answer, in seconds, counting down to `None`.
fn rate_limit_wait(action: ServerCall<PostComment>) -> RwSignal<Option<u64>> {
    let wait = RwSignal::new(None::<u64>);
    Effect::new(move |_| {
        if let Some(Err(AppError::RateLimited { retry_after_secs })) = action.value().get() {
            wait.set(Some(retry_after_secs));
        }
    });
    #[cfg(feature = "hydrate")]
    {
        let tick = set_interval(
            move || {
                if let Some(left) = wait.try_get_untracked().flatten() {
                    wait.set(left.checked_sub(1).filter(|l| *l > 0));
                }
            },
            std::time::Duration::from_secs(1),
        );
        if let Ok(tick) = tick {
            on_cleanup(move || tick.clear());
        }
    }
    wait
}

/// The message beside a comment box: the browser's own check, else the server's answer (a
/// rate limit counting down with `wait`), else what a failed plain post came back with.
fn action_error_text(
    action: ServerCall<PostComment>,
    checked: RwSignal<Option<String>>,
    wait: RwSignal<Option<u64>>,
    echoed: Option<String>,
) -> Memo<Option<String>> {
    Memo::new(move |_| {
        checked.get().or_else(|| match action.value().get() {
            Some(Err(AppError::RateLimited { .. })) => {
                wait.get().map(|retry_after_secs| AppError::RateLimited { retry_after_secs }.to_string())
            }
            Some(Err(e)) => Some(e.to_string()),
            Some(Ok(_)) => None,
            None => echoed.clone(),
        })
    })
}

/// What a failed plain post left for the box under comment `id` (`ThreadCtx::reply_echo`,
/// `report_echo`): its message and text. In the browser the box takes it, so it shows once and
/// a box opened again later starts clean. On the server it is only read: Leptos may build a
/// view more than once while it writes a page (a `<Suspense>` walks its content before writing
/// it, and a reactive closure such as the one that shows this box is called at each walk), and
/// every build must show the same. Taken at the first, the page came back with an empty box
/// whenever the thread's data were there at the first walk.
type Echo = (CommentId, Option<String>, String);
fn echo_for(slot: StoredValue<Option<Echo>>, id: CommentId) -> Option<Echo> {
    #[cfg(feature = "ssr")]
    return slot.try_with_value(|e| e.clone().filter(|(to, ..)| *to == id)).flatten();
    #[cfg(not(feature = "ssr"))]
    return slot.try_update_value(|e| e.take_if(|(to, ..)| *to == id)).flatten();
}

/// The box under comment `id` (`name` wrote it) that answers it. Esc or 取消 closes it and
/// keeps what was typed for the next time it opens; without JavaScript it is the `?reply=`
/// page's form, and a failed post comes back to it with its message and text.
fn reply_box(id: CommentId, name: String, ctx: ThreadCtx) -> impl IntoView {
    let echo = echo_for(ctx.reply_echo, id);
    let (echoed_error, echoed_body) = echo.map(|(_, e, b)| (e, b)).unwrap_or_default();
    let draft = ctx.drafts.with_value(|d| d.get(&id).cloned()).filter(|d| !d.is_empty()).unwrap_or(echoed_body);
    // What another box was last told is not this one's.
    if ctx.reply.value().with_untracked(|v| matches!(v, Some(Err(_)))) {
        ctx.reply.value().set(None);
    }
    let checked = RwSignal::new(None::<String>);
    let wait = rate_limit_wait(ctx.reply);
    let error = action_error_text(ctx.reply, checked, wait, echoed_error);
    let textarea = NodeRef::<leptos::html::Textarea>::new();
    let (body_id, error_id) = (format!("reply-body-{id}"), format!("reply-error-{id}"));
    let here = ctx.here(format_args!("#c{id}"));
    let max_chars = ctx.max_chars;
    let close = move || ctx.reply_to.set(None);
    view! {
        <form
            method="post"
            action=PostComment::url()
            class="reply-form"
            id=format!("reply-{id}")
            on:submit:capture=check_before_sending(textarea, checked, max_chars)
            on:submit=send_form(ctx.reply, move |form| PostComment {
                article_id: ctx.article_id,
                parent_id: Some(id.to_string()),
                body: form.text("body"),
            })
        >
            <input type="hidden" name="article_id" value=ctx.article_id.to_string() />
            <input type="hidden" name="parent_id" value=id.to_string() />
            <label for=body_id.clone() class="replying">{format!("回复 @{name}")}</label>
            <textarea
                id=body_id
                name="body"
                rows="3"
                aria-required="true"
                node_ref=textarea
                aria-invalid=move || error.read().is_some().to_string()
                aria-describedby=error_id.clone()
                on:input=move |ev| {
                    checked.set(None);
                    let text = event_target_value(&ev);
                    ctx.drafts.update_value(|d| {
                        d.insert(id, text);
                    });
                }
                on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                    if ev.key() == "Escape" {
                        ev.prevent_default();
                        close();
                    }
                }
            >
                {draft}
            </textarea>
            <p id=error_id class="field-error" role="alert">{error}</p>
            {box_buttons(
                here,
                close,
                "发表回复",
                move || ctx.reply.pending().get(),
                move || ctx.reply.pending().get() || wait.get().is_some(),
            )}
        </form>
    }
}

/// 取消 and the send button under a reply or report box. 取消 is a link to the comment on the page
/// without the box (what it does without JavaScript); with JavaScript it closes the box in place.
/// The button is busy while `pending`, and cannot be pressed while `disabled`.
fn box_buttons(
    here: String,
    close: impl Fn() + 'static,
    label: &'static str,
    pending: impl Fn() -> bool + Send + Sync + 'static,
    disabled: impl Fn() -> bool + Send + Sync + 'static,
) -> impl IntoView {
    view! {
        <div class="reply-buttons">
            <a
                class="link-action"
                href=here
                on:click=move |ev| {
                    ev.prevent_default();
                    close();
                }
            >
                "取消"
            </a>
            <button type="submit" class="primary" disabled=disabled aria-busy=move || pending().then_some("true")>
                {label}
            </button>
        </div>
    }
}

/// Whether the reader has scrolled into the list: its top is above the screen (or under the
/// phone's sticky header), so something put at its top would not be seen.
fn reading_the_list(list: NodeRef<leptos::html::Ol>) -> bool {
    #[cfg(feature = "hydrate")]
    {
        let Some(ol) = list.get_untracked() else { return false };
        let bar = document()
            .query_selector(".site-header")
            .ok()
            .flatten()
            .map(|h| h.get_bounding_client_rect().bottom().max(0.0))
            .unwrap_or(0.0);
        ol.get_bounding_client_rect().top() < bar
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = list;
        false
    }
}

/// Runs `f` once, before the browser's next repaint (`ms` = None) or after `ms` milliseconds.
/// Not Leptos' `request_animation_frame` / `set_timeout`: since 0.9 those cancel the callback
/// when the reactive owner that asked is cleaned up, and the callers here are effects that run
/// again (and clean up) before the frame comes, so the arrival mark never showed.
/// One function for every callback (boxed), so the bundle holds one copy of the glue.
#[cfg(feature = "hydrate")]
fn later(ms: Option<i32>, f: Box<dyn FnOnce()>) {
    use leptos::wasm_bindgen::{closure::Closure, JsCast};
    let f = Closure::once_into_js(f);
    let _ = match ms {
        None => window().request_animation_frame(f.unchecked_ref()),
        Some(ms) => window().set_timeout_with_callback_and_timeout_and_arguments_0(f.unchecked_ref(), ms),
    };
}

/// Once the thread has drawn it, comment `id` is scrolled into view and marked for a moment
/// (`[data-arrived]` in style/main.css).
fn mark_arrival(id: CommentId) {
    #[cfg(feature = "hydrate")]
    later(
        None,
        Box::new(move || {
            let Some(el) = document().get_element_by_id(&format!("c{id}")) else { return };
            let options = leptos::web_sys::ScrollIntoViewOptions::new();
            options.set_block(leptos::web_sys::ScrollLogicalPosition::Nearest);
            el.scroll_into_view_with_scroll_into_view_options(&options);
            let _ = el.set_attribute("data-arrived", "");
            later(
                Some(2500),
                Box::new(move || {
                    let _ = el.remove_attribute("data-arrived");
                }),
            );
        }),
    );
    #[cfg(not(feature = "hydrate"))]
    let _ = id;
}

/// After a signed-in reader's 回复 click: the box under the comment gets the focus once drawn
/// (or, for a comment the list does not show, the form at the top).
fn focus_reply_box(id: CommentId) {
    #[cfg(feature = "hydrate")]
    later(
        None,
        Box::new(move || {
            use leptos::wasm_bindgen::JsCast;
            let doc = document();
            if let Some(body) =
                doc.get_element_by_id(&format!("reply-body-{id}")).or_else(|| doc.get_element_by_id("comment-body"))
            {
                let _ = body.unchecked_into::<leptos::web_sys::HtmlElement>().focus();
            }
        }),
    );
    #[cfg(not(feature = "hydrate"))]
    let _ = id;
}

/// A comment's text as shown: plain text, with its web addresses (see `linkify`) as links.
pub fn comment_text(c: &Comment) -> AnyView {
    if c.deleted || c.hidden {
        let text = if c.deleted { "该评论已删除" } else { "该评论已被管理员隐藏" };
        return view! { <p class="comment-text deleted">{text}</p> }.into_any();
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
fn note_read(read_to: &mut VecMap<CommentId, CommentId>, comments: &[Comment]) {
    for c in comments.iter().filter(|c| c.parent_id.is_some()) {
        let last = read_to.get_or_insert(c.thread(), c.id);
        *last = (*last).max(c.id);
    }
}

/// The 展开更多回复 control of a thread on the article page.
#[derive(Clone, Copy)]
struct More {
    /// The last reply read from the server: the control sits after it.
    read_to: Option<CommentId>,
    load: Callback<CommentId>,
    /// The control whose load is on its way, and why the last one failed (see `start_load`).
    loading: RwSignal<Option<Option<CommentId>>>,
    failed: RwSignal<Option<(Option<CommentId>, String)>>,
}

/// `aria-busy` of a control while its load is on its way.
fn loading_busy(
    loading: RwSignal<Option<Option<CommentId>>>,
    control: Option<CommentId>,
) -> impl Fn() -> Option<&'static str> {
    move || (loading.get() == Some(control)).then_some("true")
}

/// Why the control's last load failed, if it did.
fn load_error(
    failed: RwSignal<Option<(Option<CommentId>, String)>>,
    control: Option<CommentId>,
) -> impl Fn() -> Option<String> {
    move || failed.get().filter(|(c, _)| *c == control).map(|(_, e)| e)
}

/// A top-level comment and, one level in, its replies as a flat list, whatever each answers.
/// Without JavaScript the control is a link to the thread's own pages. The server writes the
/// view's HTML itself where it can (`written`: the same bytes, without building the view).
fn thread_view(node: CommentNode, ctx: ThreadCtx, more: Option<More>) -> AnyView {
    #[cfg(feature = "ssr")]
    if let Some(html) = written::thread(&node, &ctx, more.as_ref()) {
        return super::sync_html::Prerendered::new(html).into_any();
    }
    built_thread_view(node, ctx, more)
}

/// `thread_view` as a view.
fn built_thread_view(node: CommentNode, ctx: ThreadCtx, more: Option<More>) -> AnyView {
    let root = node.comment.id;
    let hidden = node.hidden();
    let control = more.filter(|_| hidden > 0).map(|m| {
        view! {
            <li class="more-replies">
                <a
                    href=format!("/comment/{root}")
                    aria-busy=loading_busy(m.loading, Some(root))
                    on:click=move |ev| {
                        ev.prevent_default();
                        m.load.run(root);
                    }
                >
                    {format!("展开更多回复（还有{hidden}条）")}
                </a>
                <span class="field-error" role="alert">{load_error(m.failed, Some(root))}</span>
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
    let reply_href = ctx.here(format_args!("&reply={id}#c{id}"));
    let own = ctx.viewer == Some(author);
    let deleted = c.deleted;
    let (hidden, pinned, top_level) = (c.hidden, c.pinned, c.parent_id.is_none());
    // Held or rejected: only its author is sent it, and nothing can be done to it but deleting.
    let review = c.review.as_deref().map(|r| if r == "rejected" { "未通过审核" } else { "待审核" });
    let shown = !deleted && !hidden && review.is_none();
    let name = c.author.name.clone();
    let signed_in = ctx.viewer.is_some();
    view! {
        <li class="comment" id=format!("c{id}")>
            <article class="comment-body">
                {avatar_badge(&c.author.name)}
                <div class="comment-main">
                    <header class="comment-head">
                        <span class="comment-author">{c.author.name}</span>
                        <time datetime=c.created_iso>{c.created}</time>
                        {pinned.then(|| view! { <span class="badge">"置顶"</span> })}
                        {review.map(|r| view! { <span class="badge review">{r}</span> })}
                    </header>
                    {answers.map(|to| view! { <p class="reply-to">{to}</p> })}
                    {text}
                    {(!deleted && review.is_some() && own).then(|| view! {
                        <div class="comment-actions no-icon">{delete_control(id, ctx)}</div>
                    })}
                    {shown.then(|| view! {
                        <div class="comment-actions">
                            {if ctx.viewer.is_some() {
                                view! {
                                    <form
                                        method="post"
                                        action=LikeComment::url()
                                        class="inline-form"
                                        on:submit=send_input(ctx.like, LikeComment { comment_id: id })
                                    >
                                        // The button carries the comment's id: a plain post
                                        // sends its name and value (one element less a comment).
                                        <button
                                            type="submit"
                                            name="comment_id"
                                            value=id.to_string()
                                            class="link-action"
                                            aria-pressed=if c.liked { "true" } else { "false" }
                                            aria-busy=move || busy(ctx.like, |i: &LikeComment| i.comment_id == id)
                                        >
                                            {format!("赞 {}", c.likes)}
                                        </button>
                                    </form>
                                }
                                .into_any()
                            } else {
                                // Visitors are sent to sign in first, then back to this comment.
                                let next = ctx.path.with_value(|p| encode_query(&format!("{p}#c{id}")));
                                view! {
                                    <a class="link-action" href=format!("/login?next={next}")>{format!("赞 {}", c.likes)}</a>
                                }
                                .into_any()
                            }}
                            // The link works without JavaScript (the `?reply=` page has the box
                            // under this comment); with it the box opens in place. A visitor is
                            // shown the sign-in prompt, or, where there is none, follows the link.
                            // A locked thread takes no replies.
                            <a
                                hidden=ctx.locked
                                class="link-action"
                                href=reply_href
                                on:click=move |ev| {
                                    if ctx.viewer.is_none() {
                                        if let Some(prompt) = document().get_element_by_id("comment-form") {
                                            ev.prevent_default();
                                            prompt.scroll_into_view();
                                        }
                                        return;
                                    }
                                    ev.prevent_default();
                                    ctx.reply_to.set(Some(id));
                                    focus_reply_box(id);
                                }
                            >
                                "回复"
                            </a>
                            {own.then(|| delete_control(id, ctx))}
                            {(signed_in && !own).then(|| report_link(id, ctx))}
                        </div>
                    })}
                    {(ctx.moderator && !deleted && review.is_none()).then(|| moderator_controls(id, hidden, top_level, pinned, ctx))}
                    {move || (ctx.reported.get() == Some(id)).then(|| view! {
                        <p class="report-received" role="status">{REPORT_RECEIVED}</p>
                    })}
                    {move || (signed_in && shown && ctx.reporting.get() == Some(id)).then(|| report_box(id, ctx))}
                    {move || (signed_in && shown && !ctx.locked && ctx.reply_to.get() == Some(id)).then(|| reply_box(id, name.clone(), ctx))}
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
    let here = ctx.here(format_args!(""));
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
            <form
                method="post"
                action=DeleteComment::url()
                class="inline-form"
                on:submit=send_input(ctx.delete, DeleteComment { comment_id: id })
            >
                <button
                    type="submit"
                    name="comment_id"
                    value=id.to_string()
                    class="link-action danger"
                    aria-busy=move || busy(ctx.delete, |i: &DeleteComment| i.comment_id == id)
                    disabled=move || busy(ctx.delete, |i: &DeleteComment| i.comment_id == id).is_some()
                >
                    "确定删除"
                </button>
            </form>
            <a class="link-action" href=format!("{here}#c{id}") on:click=ask(None)>
                "取消"
            </a>
        </span>
    }
}

/// 举报 under another reader's comment: opens the report form in place; without JavaScript a
/// link to the page with `?report=` that shows the same form there.
fn report_link(id: CommentId, ctx: ThreadCtx) -> impl IntoView {
    let href = ctx.here(format_args!("&report={id}#c{id}"));
    view! {
        <a
            class="link-action"
            href=href
            on:click=move |ev| {
                ev.prevent_default();
                ctx.reported.set(None);
                ctx.reporting.set(Some(id));
            }
        >
            "举报"
        </a>
    }
}

/// The report form under comment `id`: a reason (其他 with a short text), sent once.
fn report_box(id: CommentId, ctx: ThreadCtx) -> impl IntoView {
    let echo = echo_for(ctx.report_echo, id);
    let (echoed_error, echoed_detail) = echo.map(|(_, e, d)| (e, d)).unwrap_or_default();
    if ctx.report.value().with_untracked(|v| matches!(v, Some(Err(_)))) {
        ctx.report.value().set(None);
    }
    let error = move || match ctx.report.value().get() {
        Some(Err(e)) => Some(e.to_string()),
        Some(Ok(_)) => None,
        None => echoed_error.clone(),
    };
    let here = ctx.here(format_args!("#c{id}"));
    let (detail_id, error_id) = (format!("report-detail-{id}"), format!("report-error-{id}"));
    view! {
        <form
            method="post"
            action=ReportComment::url()
            class="report-form"
            id=format!("report-{id}")
            on:submit=send_form(ctx.report, move |form| ReportComment {
                comment_id: id,
                reason: form.text("reason"),
                detail: form.opt("detail"),
            })
        >
            <input type="hidden" name="comment_id" value=id.to_string() />
            <fieldset>
                <legend>"举报这条评论"</legend>
                {ReportReason::ALL
                    .into_iter()
                    .map(|r| view! {
                        <label class="report-reason">
                            <input type="radio" name="reason" value=r.as_str() required=true />
                            {r.label()}
                        </label>
                    })
                    .collect_view()}
            </fieldset>
            <label for=detail_id.clone()>"原因说明（选“其他”时必填）"</label>
            <input
                id=detail_id
                type="text"
                name="detail"
                maxlength=crate::model::REASON_MAX.to_string()
                value=echoed_detail
                aria-describedby=error_id.clone()
            />
            <p id=error_id class="field-error" role="alert">{error}</p>
            {box_buttons(
                here,
                move || ctx.reporting.set(None),
                "提交举报",
                move || ctx.report.pending().get(),
                move || ctx.report.pending().get(),
            )}
        </form>
    }
}

/// A moderator's buttons under a comment: 隐藏 or 恢复, and 置顶 for a top-level comment. Plain
/// form posts to the moderation endpoints, which come back to this comment: no browser code.
fn moderator_controls(id: CommentId, hidden: bool, top_level: bool, pinned: bool, ctx: ThreadCtx) -> impl IntoView {
    let next = ctx.here(format_args!("#c{id}"));
    let (action, label) =
        if hidden { ("/api/moderation/restore", "恢复显示") } else { ("/api/moderation/hide", "隐藏") };
    view! {
        <div class="comment-actions no-icon moderator-actions">
            <form method="post" action=action class="inline-form">
                <input type="hidden" name="comment_id" value=id.to_string() />
                <input type="hidden" name="next" value=next.clone() />
                <button type="submit" class="link-action">{label}</button>
            </form>
            {(top_level && !hidden).then(|| view! {
                <form method="post" action="/api/moderation/pin" class="inline-form">
                    <input type="hidden" name="comment_id" value=id.to_string() />
                    <input type="hidden" name="pinned" value=if pinned { "0" } else { "1" } />
                    <input type="hidden" name="next" value=next.clone() />
                    <button type="submit" class="link-action">{if pinned { "取消置顶" } else { "置顶" }}</button>
                </form>
            })}
        </div>
    }
}

/// A moderator's bar above an article's comments: lock or unlock them, hold new ones for
/// review or not. Plain form posts.
fn moderator_bar(article_id: ArticleId, locked: bool, premoderated: bool) -> impl IntoView {
    let next = format!("/article/{article_id}#comments");
    view! {
        <div class="moderator-bar" role="group" aria-label="评论管理">
            <form method="post" action="/api/moderation/lock" class="inline-form">
                <input type="hidden" name="article_id" value=article_id.to_string() />
                <input type="hidden" name="locked" value=if locked { "0" } else { "1" } />
                <input type="hidden" name="next" value=next.clone() />
                <button type="submit" class="link-action">{if locked { "开放评论" } else { "关闭评论" }}</button>
            </form>
            <form method="post" action="/api/moderation/premoderate" class="inline-form">
                <input type="hidden" name="article_id" value=article_id.to_string() />
                <input type="hidden" name="on" value=if premoderated { "0" } else { "1" } />
                <input type="hidden" name="next" value=next />
                <button type="submit" class="link-action">{if premoderated { "取消先审后发" } else { "本文先审后发" }}</button>
            </form>
            <a class="link-action" href="/admin/moderation">"审核队列"</a>
        </div>
    }
}

/// `Some("true")` for `aria-busy` while `action` is sending a request `mine` recognises: that
/// one button shows it is waiting (style/main.css), not every 赞 on the page. The action's
/// input is `Some` exactly while a request is in flight (reactive_graph clears it when the
/// last one ends), so this reads no `pending()`: that makes a new memo at every call, one per
/// button on the server and one per run in the browser.
fn busy<A>(action: ServerCall<A>, mine: impl Fn(&A) -> bool) -> Option<&'static str>
where
    A: leptos::server_fn::ServerFn + Clone + Send + Sync + 'static,
    A::Output: Send + Sync + 'static,
    A::Error: Send + Sync + 'static,
{
    // On the server nothing is in flight, and `input()` makes a new signal at every call.
    if cfg!(not(feature = "hydrate")) {
        return None;
    }
    action.input().read().as_ref().is_some_and(mine).then_some("true")
}

/// A top-level comment and one page of its replies (`/comment/{id}`): the same markup, whose
/// links and forms work with or without JavaScript (回复 leads to the article's comment form).
#[component]
pub fn CommentThreadList(
    root: Comment,
    replies: Vec<Comment>,
    viewer: Option<UserId>,
    /// Longest reply, in characters (the server's `comments.max_chars`).
    max_chars: usize,
) -> impl IntoView {
    let path = format!("/article/{}", root.article_id);
    let ctx = ThreadCtx::standalone(root.article_id, path, Sort::New, viewer, max_chars, false, false);
    // The thread as first in the list, then its replies; a like, deletion or reply shows at once.
    let list = RwSignal::new(std::iter::once(root).chain(replies).collect::<Vec<_>>());
    Effect::new(move |_| {
        if let Some(Ok(c)) = ctx.reply.value().get() {
            let id = c.id;
            list.update(|list| merge_comment(list, c));
            ctx.reply_to.set(None);
            mark_arrival(id);
        }
    });
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
    view! { <p class="field-error">{format!("评论加载失败：{e}")}</p> }.into_any()
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    /// A thread's context as the page builds it, for `viewer` on article 7 in `sort` order.
    fn sample_ctx(viewer: Option<UserId>, locked: bool, moderator: bool, sort: Sort) -> ThreadCtx {
        ThreadCtx::standalone(ArticleId(7), "/article/7".to_owned(), sort, viewer, 2000, locked, moderator)
    }

    fn sample_comment(id: i64, parent: Option<i64>, root: Option<i64>, author: i64, name: &str, body: &str) -> Comment {
        Comment {
            id: CommentId(id),
            article_id: ArticleId(7),
            parent_id: parent.map(CommentId),
            root_id: root.map(CommentId),
            reply_to: parent.map(|p| format!("读者{p}")),
            replies: 0,
            author: crate::model::PublicUser { id: UserId(author), name: name.to_owned() },
            body: body.to_owned(),
            created_at: 1_700_000_000 + id,
            created: "2026-12-07 01:07".to_owned(),
            created_iso: "2026-12-07T01:07:38+11:00".to_owned(),
            likes: id % 3,
            deleted: false,
            liked: id % 2 == 0,
            hidden: false,
            review: None,
            pinned: false,
        }
    }

    /// Every kind of thread the writer covers, in every context: `written::thread` writes the
    /// bytes tachys writes for the view (both its paths), markers and all, or the browser
    /// could not hydrate the page.
    #[test]
    fn the_server_writes_a_thread_as_its_view_writes_it() {
        Owner::new().with(|| {
            let bodies = [
                "说得很有道理",
                "看 https://example.com/a?b=1&c=2 好 <b>",
                "https://jinri.example/x",
                "末尾 http://a.example/p?q=\"1\"&r=<2>.",
                "a http:// b https:// c",
                "",
                "  ",
                "<script>alert('&amp;')</script>",
            ];
            let names = ["读者甲", "<b>乙</b> & \"丙\"", "Ann", "ann lee"];
            let (mut compared, mut kinds) = (0, std::collections::HashSet::new());
            for (k, body) in bodies.iter().enumerate() {
                for state in 0..6 {
                    for viewer in [None, Some(UserId(1)), Some(UserId(2))] {
                        for (locked, sort) in [(false, Sort::New), (true, Sort::Old), (false, Sort::Hot)] {
                            for shape in 0..4 {
                                let node = sample_thread(k, body, names[k % 4], state, shape);
                                let ctx = sample_ctx(viewer, locked, false, sort);
                                let more = (shape != 3).then(|| More {
                                    read_to: (shape == 1).then_some(CommentId(11)),
                                    load: Callback::new(|_| ()),
                                    loading: RwSignal::new(None),
                                    failed: RwSignal::new(None),
                                });
                                let written =
                                    written::thread(&node, &ctx, more.as_ref()).expect("the writer covers it");
                                let (plain, streamed) =
                                    super::super::sync_html::both(|| built_thread_view(node.clone(), ctx, more));
                                assert_eq!(
                                    written, plain,
                                    "body {body:?}, state {state}, viewer {viewer:?}, shape {shape}"
                                );
                                assert_eq!(written, streamed);
                                kinds.insert((
                                    written.contains("more-replies"),
                                    written.contains("confirm-delete"),
                                    written.contains(" hidden href"),
                                ));
                                compared += 1;
                            }
                        }
                    }
                }
            }
            assert_eq!(compared, 8 * 6 * 3 * 3 * 4);
            // The cases reach the control, an own comment's 删除 and a locked thread's 回复.
            assert!(kinds.contains(&(true, true, true)) && kinds.contains(&(false, false, false)), "{kinds:?}");
        });
    }

    /// A thread for the writer's test: its top-level comment in `state` (0 plain, 1 pinned,
    /// 2 deleted, 3 hidden, 4 held for review, 5 rejected; authors 1, 2 or 3), and in `shape`
    /// 0 no replies on hand of 4, 1 two of 5 (one answering the other), 2 three of 3, 3 one.
    fn sample_thread(k: usize, body: &str, name: &str, state: usize, shape: usize) -> CommentNode {
        let mut root = sample_comment(10, None, None, 1 + (k + state) as i64 % 3, name, body);
        root.pinned = state == 1;
        root.deleted = state == 2;
        root.hidden = state == 3;
        root.review = match state {
            4 => Some("pending".to_owned()),
            5 => Some("rejected".to_owned()),
            _ => None,
        };
        let mut replies = Vec::new();
        let count = [0, 2, 3, 1][shape];
        for n in 0..count {
            let id = 11 + n as i64;
            let parent = if n == 1 { 11 } else { 10 };
            let mut r = sample_comment(id, Some(parent), Some(10), 1 + (n as i64 + k as i64) % 3, name, body);
            r.reply_to = Some(format!("{name}{n}"));
            r.deleted = state == 3 && n == 0;
            r.review = (state == 4 && n == 2).then(|| "pending".to_owned());
            replies.push(r);
        }
        root.replies = [4, 5, 3, 1][shape];
        CommentNode { comment: root, replies }
    }

    /// A page of comments for the section writer's test: `n` threads of `sample_thread`'s
    /// shapes and states, ids apart, a pinned one among them, in an order that is not the
    /// page's, and a reply whose top-level comment is on another page.
    fn sample_page(n: usize, locked: bool, has_more: bool) -> CommentPage {
        let mut comments = Vec::new();
        for t in 0..n {
            let node =
                sample_thread(t, ["第一条", "看 https://a.example/?q=1&r=2", ""][t % 3], "读者<甲>", t % 6, t % 4);
            let shift = |id: CommentId| CommentId(id.0 + 100 * t as i64);
            let mut root = node.comment;
            root.id = shift(root.id);
            root.created_at += 7 * ((t * 5) % 11) as i64;
            root.likes = (t % 4) as i64;
            comments.push(root);
            for mut r in node.replies {
                r.id = shift(r.id);
                r.parent_id = r.parent_id.map(shift);
                r.root_id = r.root_id.map(shift);
                comments.push(r);
            }
        }
        comments.reverse();
        if n > 0 {
            let mut stray = sample_comment(9_999, Some(5_000), Some(5_000), 2, "丙", "别处的回复");
            stray.created_at = 0;
            comments.push(stray);
        }
        CommentPage {
            comments,
            total: 40 + n as i64,
            has_more,
            last_event_id: 3,
            max_chars: 2000,
            locked,
            premoderated: false,
            moderator: false,
        }
    }

    /// Where two writings of a view part: the bytes before and after, in each.
    fn where_they_part(a: &str, b: &str) -> String {
        let at = a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count();
        let around = |s: &str| {
            String::from_utf8_lossy(&s.as_bytes()[at.saturating_sub(80)..(at + 80).min(s.len())]).into_owned()
        };
        format!("at byte {at}:\n  writer: {}\n  view:   {}", around(a), around(b))
    }

    /// The comment section the server writes itself (`written::section`) against the view
    /// (both of tachys' paths): no comments or several threads, locked or open, a visitor, a
    /// commenter and another reader, each order, the first page or a later one, more to load
    /// or not.
    #[test]
    fn the_server_writes_the_comment_section_as_its_view_writes_it() {
        Owner::new().with(|| {
            let mut compared = 0;
            for n in [0, 1, 7] {
                for (locked, has_more) in [(false, false), (false, true), (true, true)] {
                    let data = sample_page(n, locked, has_more);
                    for viewer in [None, Some(UserId(1)), Some(UserId(2))] {
                        for sort in Sort::ALL {
                            for page in [1, 3] {
                                let echo = FormEcho::default();
                                let written = written::section(ArticleId(7), &data, sort, page, viewer, &echo, data.total)
                                    .expect("the writer covers it");
                                let (plain, streamed) = super::super::sync_html::both(|| {
                                    let total = RwSignal::new(data.total);
                                    let (initial, echo) = (data.clone(), echo.clone());
                                    view! { <CommentsSection article_id=ArticleId(7) initial sort page viewer echo total /> }
                                });
                                assert!(
                                    written == plain,
                                    "{n} threads, locked {locked}, more {has_more}, {viewer:?} {sort:?} page {page}: {}",
                                    where_they_part(&written, &plain)
                                );
                                assert_eq!(written, streamed);
                                compared += 1;
                            }
                        }
                    }
                }
            }
            assert_eq!(compared, 3 * 3 * 3 * 3 * 2);
            // Left to the view: a moderator's section, and one with a box open or an echo.
            let data = CommentPage { moderator: true, ..sample_page(1, false, false) };
            assert_eq!(written::section(ArticleId(7), &data, Sort::New, 1, Some(UserId(1)), &FormEcho::default(), 1), None);
            let data = sample_page(1, false, false);
            for echo in [
                FormEcho { reply: Some(CommentId(10)), ..FormEcho::default() },
                FormEcho { error: Some("评论不能为空".to_owned()), ..FormEcho::default() },
                FormEcho { body: "草稿".to_owned(), ..FormEcho::default() },
                FormEcho { delete: Some(CommentId(10)), ..FormEcho::default() },
                FormEcho { report: Some(CommentId(10)), ..FormEcho::default() },
                FormEcho { reported: Some(CommentId(10)), ..FormEcho::default() },
            ] {
                assert_eq!(written::section(ArticleId(7), &data, Sort::New, 1, Some(UserId(2)), &echo, 1), None, "{echo:?}");
            }
        });
    }

    /// What the writer leaves to the view: a moderator's page, and a thread with a box or a
    /// question open under one of its comments.
    #[test]
    fn the_writer_leaves_open_boxes_and_moderators_to_the_view() {
        Owner::new().with(|| {
            let node = sample_thread(0, "你好", "读者甲", 0, 1);
            let ctx = sample_ctx(Some(UserId(1)), false, true, Sort::New);
            assert_eq!(written::thread(&node, &ctx, None), None, "a moderator's buttons");
            let ctx = sample_ctx(Some(UserId(1)), false, false, Sort::New);
            assert!(written::thread(&node, &ctx, None).is_some());
            for open in [ctx.reply_to, ctx.reporting, ctx.reported, ctx.confirm] {
                open.set(Some(CommentId(12)));
                assert_eq!(written::thread(&node, &ctx, None), None);
                open.set(Some(CommentId(99)));
                assert!(written::thread(&node, &ctx, None).is_some(), "another thread's box");
                open.set(None);
            }
            // The view then writes the thread itself, the box included.
            ctx.reply_to.set(Some(CommentId(12)));
            let html = thread_view(node, ctx, None).to_html();
            assert!(html.contains("reply-body-12"), "{html}");
        });
    }

    /// A server render may build the reply or report box more than once (`echo_for`): each
    /// build shows what the failed post left, and only the box it was left for does.
    #[test]
    fn the_server_shows_a_failed_posts_message_at_every_build_of_its_box() {
        Owner::new().with(|| {
            let slot = StoredValue::new(Some((CommentId(110), Some("评论不能为空".to_owned()), "草稿".to_owned())));
            for build in 0..3 {
                let echo = echo_for(slot, CommentId(110));
                assert_eq!(echo.and_then(|(_, e, _)| e).as_deref(), Some("评论不能为空"), "build {build}");
            }
            assert_eq!(echo_for(slot, CommentId(111)), None);
        });
    }
}
