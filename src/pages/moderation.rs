//! `/admin/moderation`: the moderators' queue. Reported and held comments, most-reported first,
//! each with its article, its author's record and the reasons given; comments hidden lately;
//! bans; the site's pre-moderation; and for admins the word filter. The lists follow the
//! queue live (a report or a held comment shows within a second: `NewestArticles` with the
//! scope `moderation`, followed from the main bundle). Every button is a form that works as a
//! plain post without JavaScript.

use crate::api::moderation::{
    get_moderation, AddFilter, ApproveComment, BanReader, DismissReports, HideAll, HideComment, RejectComment,
    RemoveFilter, RestoreComment, SetRules, UnbanReader, UnhideBatch, QUEUE_PAGE,
};
use crate::app::{Flash, NewestArticles};
use crate::components::send_form;
use crate::components::{server_call, ServerCall};
use crate::model::{
    AppError, CommentId, ModerationPage, Premoderation, QueueItem, NEW_READER_COMMENTS_MAX, REASON_MAX,
};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Meta;

super::lazy_page! {
    /// `/admin/moderation`
    ModerationRoute => ModerationQueuePage
}

/// Every action of the page, so one refetch follows any of them.
#[derive(Clone, Copy)]
struct Actions {
    hide: ServerCall<HideComment>,
    restore: ServerCall<RestoreComment>,
    dismiss: ServerCall<DismissReports>,
    approve: ServerCall<ApproveComment>,
    reject: ServerCall<RejectComment>,
    ban: ServerCall<BanReader>,
    unban: ServerCall<UnbanReader>,
    hide_all: ServerCall<HideAll>,
    unhide: ServerCall<UnhideBatch>,
    rules: ServerCall<SetRules>,
    add_filter: ServerCall<AddFilter>,
    remove_filter: ServerCall<RemoveFilter>,
}

impl Actions {
    fn new() -> Self {
        Actions {
            hide: server_call(),
            restore: server_call(),
            dismiss: server_call(),
            approve: server_call(),
            reject: server_call(),
            ban: server_call(),
            unban: server_call(),
            hide_all: server_call(),
            unhide: server_call(),
            rules: server_call(),
            add_filter: server_call(),
            remove_filter: server_call(),
        }
    }

    /// Grows with every answer any action got.
    fn version(self) -> usize {
        self.hide.version().get()
            + self.restore.version().get()
            + self.dismiss.version().get()
            + self.approve.version().get()
            + self.reject.version().get()
            + self.ban.version().get()
            + self.unban.version().get()
            + self.hide_all.version().get()
            + self.unhide.version().get()
            + self.rules.version().get()
            + self.add_filter.version().get()
            + self.remove_filter.version().get()
    }

    /// The latest action's error, if it failed.
    fn error(self) -> Option<String> {
        fn err<T>(v: Option<Result<T, AppError>>) -> Option<String> {
            v.and_then(Result::err).map(|e| e.to_string())
        }
        err(self.hide.value().get())
            .or_else(|| err(self.restore.value().get()))
            .or_else(|| err(self.dismiss.value().get()))
            .or_else(|| err(self.approve.value().get()))
            .or_else(|| err(self.reject.value().get()))
            .or_else(|| err(self.ban.value().get()))
            .or_else(|| err(self.unban.value().get()))
            .or_else(|| err(self.hide_all.value().get()))
            .or_else(|| err(self.unhide.value().get()))
            .or_else(|| err(self.rules.value().get()))
            .or_else(|| err(self.add_filter.value().get()))
            .or_else(|| err(self.remove_filter.value().get()))
    }
}

#[component]
fn ModerationQueuePage() -> impl IntoView {
    let actions = Actions::new();
    let newest = expect_context::<NewestArticles>();
    // The queue's version as the live stream last said: the lists are read again when it moves.
    let live = Memo::new(move |_| {
        newest.0.with(|n| n.as_ref().filter(|(scope, _)| *scope == "moderation").and_then(|(_, v)| v.first().copied()))
    });
    let page = crate::api::codec::resource(move || (actions.version(), live.get()), |_| get_moderation());
    let flash = expect_context::<Flash>();
    view! {
        <leptos_meta::Title text="审核队列" />
        <Meta name="robots" content="noindex" />
        <Transition fallback=|| view! { <p class="loading">"加载中…"</p> }>
            {crate::components::suspended(move || Suspend::new(async move {
                let flash = flash.get().await;
                match page.await {
                    Ok(page) => view! { <Queue page actions flash /> }.into_any(),
                    Err(e) => super::error_view(e),
                }
            }))}
        </Transition>
    }
}

#[component]
fn Queue(page: ModerationPage, actions: Actions, flash: Option<crate::model::FormFlash>) -> impl IntoView {
    let flash_error = flash.as_ref().map(|f| f.message.clone());
    let typed_pattern = flash.as_ref().and_then(|f| f.get("pattern")).unwrap_or_default();
    let typed_name = flash.and_then(|f| f.get("name")).unwrap_or_default();
    let error = move || actions.error().or_else(|| (actions.version() == 0).then(|| flash_error.clone()).flatten());
    let ModerationPage { queue, hidden, bans, rules, filters, is_admin, version: _ } = page;
    view! {
        <section class="admin-page moderation-page">
            <nav class="admin-nav" aria-label="管理">
                <a href=QUEUE_PAGE aria-current="page">"审核队列"</a>
                <a href="/admin/articles">"文章管理"</a>
                {is_admin.then(|| view! { <a href="/admin/users">"编辑部成员与操作记录"</a> })}
            </nav>
            <h1>"审核队列"</h1>
            <p class="admin-intro">
                "被举报和待审核的评论，被举报最多的在前；新的举报和评论会自动出现。每项操作都记入操作记录，所有打开该文章的页面会立即看到结果。"
            </p>
            <p class="field-error" role="alert">{error}</p>
            <h2 id="queue-heading">{format!("待处理（{}）", queue.len())}</h2>
            {if queue.is_empty() {
                view! { <p class="empty">"没有待处理的评论。"</p> }.into_any()
            } else {
                view! {
                    <ol class="queue" aria-labelledby="queue-heading">
                        {queue.into_iter().map(|item| queue_item(item, actions)).collect_view()}
                    </ol>
                }
                .into_any()
            }}
            <h2 id="hidden-heading">"最近隐藏"</h2>
            {if hidden.is_empty() {
                view! { <p class="empty">"没有被隐藏的评论。"</p> }.into_any()
            } else {
                view! {
                    <ol class="queue" aria-labelledby="hidden-heading">
                        {hidden.into_iter().map(|item| queue_item(item, actions)).collect_view()}
                    </ol>
                }
                .into_any()
            }}
            <h2 id="ban">"封禁"</h2>
            <form
                method="post"
                action=BanReader::url()
                class="admin-form ban-form"
                on:submit=send_form(actions.ban, |form| BanReader { name: form.text("name"), days: form.text("days"), reason: form.opt("reason"), hide_all: form.opt("hide_all"), next: form.opt("next") })
            >
                <input type="hidden" name="next" value=format!("{QUEUE_PAGE}#ban") />
                <label for="ban-name">"用户名"</label>
                <input id="ban-name" name="name" type="text" required=true value=typed_name autocomplete="off" />
                {ban_fields("ban")}
                <button type="submit" class="primary">"封禁"</button>
            </form>
            {if bans.is_empty() {
                view! { <p class="empty">"目前没有被封禁的读者。"</p> }.into_any()
            } else {
                view! {
                    <ul class="ban-list">
                        {bans
                            .into_iter()
                            .map(|b| {
                                let until = b.until.map_or("永久".to_owned(), |u| format!("至 {u}"));
                                let reason = if b.reason.is_empty() { "未说明".to_owned() } else { b.reason };
                                view! {
                                    <li>
                                        <strong>{b.user.name.clone()}</strong>
                                        {format!(" 封禁{until}，原因：{reason}")}
                                        <form
                                            method="post"
                                            action=UnbanReader::url()
                                            class="inline-form"
                                            on:submit=send_form(actions.unban, |form| UnbanReader { name: form.text("name"), next: form.opt("next") })
                                        >
                                            <input type="hidden" name="name" value=b.user.name.clone() />
                                            <input type="hidden" name="next" value=format!("{QUEUE_PAGE}#ban") />
                                            <button type="submit" class="link-action">"解除封禁"</button>
                                        </form>
                                        {b.hide_batch.map(|batch| view! {
                                            <form
                                                method="post"
                                                action=UnhideBatch::url()
                                                class="inline-form"
                                                on:submit=send_form(actions.unhide, move |form| UnhideBatch { batch, next: form.opt("next") })
                                            >
                                                <input type="hidden" name="batch" value=batch.to_string() />
                                                <input type="hidden" name="next" value=format!("{QUEUE_PAGE}#ban") />
                                                <button type="submit" class="link-action">"撤销隐藏其全部评论"</button>
                                            </form>
                                        })}
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                }
                .into_any()
            }}
            <h2 id="rules">"先审后发"</h2>
            {rules_form(rules.premoderation, rules.new_reader_comments, is_admin, actions)}
            {is_admin.then(|| filters_section(filters, typed_pattern, actions))}
        </section>
    }
}

/// How long and why, and whether to hide everything: shared by the ban forms.
fn ban_fields(prefix: &str) -> impl IntoView {
    let (days, reason, all) = (format!("{prefix}-days"), format!("{prefix}-reason"), format!("{prefix}-all"));
    view! {
        <label for=days.clone()>"期限"</label>
        <select id=days name="days">
            <option value="1">"1 天"</option>
            <option value="7" selected=true>"7 天"</option>
            <option value="30">"30 天"</option>
            <option value="365">"1 年"</option>
            <option value="forever">"永久"</option>
        </select>
        <label for=reason.clone()>"原因"</label>
        <input id=reason name="reason" type="text" maxlength=REASON_MAX.to_string() />
        <label class="check">
            <input id=all type="checkbox" name="hide_all" value="1" />
            "同时隐藏其全部评论（可撤销）"
        </label>
    }
}

/// One queued comment with its reasons, its author's record and the buttons for it.
fn queue_item(item: QueueItem, actions: Actions) -> impl IntoView {
    let QueueItem { comment: c, reports, reasons, details, author } = item;
    let id = c.id;
    let pending = c.status == "pending";
    let status = if c.deleted {
        "作者已删除".to_owned()
    } else if c.hidden {
        "已隐藏".to_owned()
    } else if pending {
        format!("待审核：{}", c.held_reason.clone().unwrap_or_default())
    } else if c.status == "rejected" {
        "未通过审核".to_owned()
    } else {
        "已发表".to_owned()
    };
    let reasons_text = reasons.iter().map(|r| format!("{} {}", r.reason, r.count)).collect::<Vec<_>>().join("、");
    let author_name = c.author.name.clone();
    let record_name = author_name.clone();
    let ids = move || item_ids(id);
    let (hidden, deleted, published) = (c.hidden, c.deleted, c.status == "published");
    view! {
        <li class="queue-item" id=format!("q{id}")>
            <p class="queue-where">
                <a href=format!("/article/{}#c{id}", c.article_id)>{c.article_title}</a>
                " · "
                <strong>{c.author.name.clone()}</strong>
                " · "
                <time datetime=c.created_iso>{c.created}</time>
                " · "
                <span class="badge">{status}</span>
                {(reports > 0).then(|| view! { <span class="badge report">{format!("被举报 {reports} 次：{reasons_text}")}</span> })}
            </p>
            <blockquote class="queue-text" dir="auto">{c.body}</blockquote>
            {(!details.is_empty()).then(|| view! {
                <ul class="report-details">
                    {details.into_iter().map(|d| view! { <li>{format!("举报说明：{d}")}</li> }).collect_view()}
                </ul>
            })}
            <details class="author-record">
                <summary>
                    {format!("{record_name}：共 {} 条评论，{} 条被隐藏", author.comments, author.hidden)}
                    {author.banned.clone().map(|b| view! { <span class="badge">{format!("已封禁 · {b}")}</span> })}
                </summary>
                <ul>
                    {author
                        .recent
                        .into_iter()
                        .map(|h| view! {
                            <li>
                                <a href=format!("/article/{}#c{}", h.article_id, h.id)>{h.created}</a>
                                " "
                                {(!h.state.is_empty()).then(|| view! { <span class="badge">{h.state}</span> })}
                                " "
                                {h.excerpt}
                            </li>
                        })
                        .collect_view()}
                </ul>
            </details>
            <div class="queue-actions">
                {pending.then(|| view! {
                    <form
                        method="post"
                        action=ApproveComment::url()
                        class="inline-form"
                        on:submit=send_form(actions.approve, move |form| ApproveComment { comment_id: id, next: form.opt("next") })
                    >
                        {ids()}
                        <button type="submit" class="primary">"通过"</button>
                    </form>
                    <form
                        method="post"
                        action=RejectComment::url()
                        class="inline-form"
                        on:submit=send_form(actions.reject, move |form| RejectComment { comment_id: id, reason: form.opt("reason"), next: form.opt("next") })
                    >
                        {ids()}
                        <input type="hidden" name="reason" value="" />
                        <button type="submit">"拒绝"</button>
                    </form>
                })}
                {(!pending && !hidden && !deleted && published).then(|| view! {
                    <form
                        method="post"
                        action=HideComment::url()
                        class="inline-form"
                        on:submit=send_form(actions.hide, move |form| HideComment { comment_id: id, reason: form.opt("reason"), next: form.opt("next") })
                    >
                        {ids()}
                        <label class="visually-hidden" for=format!("hide-reason-{id}")>"隐藏原因"</label>
                        <input id=format!("hide-reason-{id}") type="text" name="reason" placeholder="原因（可不填）" maxlength=REASON_MAX.to_string() />
                        <button type="submit" class="primary">"隐藏"</button>
                    </form>
                })}
                {hidden.then(|| view! {
                    <form
                        method="post"
                        action=RestoreComment::url()
                        class="inline-form"
                        on:submit=send_form(actions.restore, move |form| RestoreComment { comment_id: id, reason: form.opt("reason"), next: form.opt("next") })
                    >
                        {ids()}
                        <button type="submit">"恢复显示"</button>
                    </form>
                })}
                {(reports > 0).then(|| view! {
                    <form
                        method="post"
                        action=DismissReports::url()
                        class="inline-form"
                        on:submit=send_form(actions.dismiss, move |form| DismissReports { comment_id: id, reason: form.opt("reason"), next: form.opt("next") })
                    >
                        {ids()}
                        <button type="submit">"驳回举报"</button>
                    </form>
                })}
            </div>
            {(!author.is_admin).then(|| ban_author(id, author_name, actions))}
        </li>
    }
}

/// 封禁 the author of queued comment `id`, or hide all they wrote.
fn ban_author(id: CommentId, name: String, actions: Actions) -> impl IntoView {
    let next = format!("{QUEUE_PAGE}#q{id}");
    let (summary, name_again, next_again) = (format!("封禁 {name}…"), name.clone(), next.clone());
    view! {
        <details class="ban-author">
            <summary>{summary}</summary>
            <form
                method="post"
                action=BanReader::url()
                class="admin-form ban-form"
                on:submit=send_form(actions.ban, |form| BanReader { name: form.text("name"), days: form.text("days"), reason: form.opt("reason"), hide_all: form.opt("hide_all"), next: form.opt("next") })
            >
                <input type="hidden" name="name" value=name_again />
                <input type="hidden" name="next" value=next_again />
                {ban_fields(&format!("ban-{id}"))}
                <button type="submit" class="primary">"封禁"</button>
            </form>
            <form
                method="post"
                action=HideAll::url()
                class="inline-form"
                on:submit=send_form(actions.hide_all, |form| HideAll { name: form.text("name"), reason: form.opt("reason"), next: form.opt("next") })
            >
                <input type="hidden" name="name" value=name />
                <input type="hidden" name="next" value=next />
                <button type="submit">"只隐藏其全部评论"</button>
            </form>
        </details>
    }
}

/// The hidden fields every form of a queued comment sends: the comment, and back to it.
fn item_ids(id: CommentId) -> impl IntoView {
    view! {
        <input type="hidden" name="comment_id" value=id.to_string() />
        <input type="hidden" name="next" value=format!("{QUEUE_PAGE}#q{id}") />
    }
}

/// The site's pre-moderation: a form for admins, the rule as text for moderators.
fn rules_form(mode: Premoderation, n: i64, is_admin: bool, actions: Actions) -> AnyView {
    if !is_admin {
        let text = match mode {
            Premoderation::NewReaders => format!("{}：前 {n} 条", mode.label()),
            _ => mode.label().to_owned(),
        };
        return view! { <p>{format!("全站规则：{text}（由管理员设置）")}</p> }.into_any();
    }
    view! {
        <form
            method="post"
            action=SetRules::url()
            class="admin-form"
            on:submit=send_form(actions.rules, |form| SetRules { premoderation: form.text("premoderation"), new_reader_comments: form.text("new_reader_comments"), next: form.opt("next") })
        >
            <input type="hidden" name="next" value=format!("{QUEUE_PAGE}#rules") />
            <fieldset>
                <legend>"全站规则"</legend>
                {Premoderation::ALL
                    .into_iter()
                    .map(|p| view! {
                        <label class="check">
                            <input type="radio" name="premoderation" value=p.as_str() checked=p == mode />
                            {p.label()}
                        </label>
                    })
                    .collect_view()}
            </fieldset>
            <label for="new-reader-comments">"新读者先审的条数"</label>
            <input
                id="new-reader-comments"
                name="new_reader_comments"
                type="number"
                min="1"
                max=NEW_READER_COMMENTS_MAX.to_string()
                value=n.to_string()
            />
            <button type="submit" class="primary">"保存规则"</button>
        </form>
    }
    .into_any()
}

/// The word filter (admins): its entries and a form to add one.
fn filters_section(filters: Vec<crate::model::FilterLine>, typed: String, actions: Actions) -> impl IntoView {
    view! {
        <h2 id="filters">{format!("敏感词（{}）", filters.len())}</h2>
        <p class="admin-intro">
            "匹配前会统一全角半角和大小写，并去掉空格、符号和不可见字符，所以“ｆ ｕ．ｃ ｋ”和“f\u{200B}uck”都算“fuck”。正则表达式针对这样处理后的小写文字。"
        </p>
        <form
            method="post"
            action=AddFilter::url()
            class="admin-form"
            on:submit=send_form(actions.add_filter, |form| AddFilter { pattern: form.text("pattern"), kind: form.text("kind"), action: form.text("action"), next: form.opt("next") })
        >
            <input type="hidden" name="next" value=format!("{QUEUE_PAGE}#filters") />
            <label for="filter-pattern">"词或正则表达式"</label>
            <input id="filter-pattern" name="pattern" type="text" required=true maxlength="100" value=typed />
            <label for="filter-kind">"类型"</label>
            <select id="filter-kind" name="kind">
                <option value="word">"词"</option>
                <option value="regex">"正则表达式"</option>
            </select>
            <label for="filter-action">"处理"</label>
            <select id="filter-action" name="action">
                <option value="hold">"转人工审核"</option>
                <option value="refuse">"直接拒绝"</option>
            </select>
            <button type="submit" class="primary">"添加"</button>
        </form>
        <ul class="filter-list">
            {filters
                .into_iter()
                .map(|f| view! {
                    <li>
                        <code>{f.pattern}</code>
                        {format!(
                            " {} · {}",
                            if f.is_regex { "正则" } else { "词" },
                            if f.action == "refuse" { "直接拒绝" } else { "转人工审核" },
                        )}
                        <form
                            method="post"
                            action=RemoveFilter::url()
                            class="inline-form"
                            on:submit=send_form(actions.remove_filter, move |form| RemoveFilter { id: f.id, next: form.opt("next") })
                        >
                            <input type="hidden" name="id" value=f.id.to_string() />
                            <input type="hidden" name="next" value=format!("{QUEUE_PAGE}#filters") />
                            <button type="submit" class="link-action">"删除"</button>
                        </form>
                    </li>
                })
                .collect_view()}
        </ul>
    }
}
