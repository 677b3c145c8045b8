//! The editors' pages: `/admin/articles` (every article, drafts included), `/admin/articles/new`
//! and `/admin/articles/{id}` (the form, publishing, and every saved version with what it
//! changed). Editors and admins only: the server answers 401 to visitors and 403 to other
//! readers. Lazy routes, so none of this is in the main bundle.

use crate::api::newsroom::{
    get_desk, get_editor_article, PublishArticle, RestoreRevision, SaveArticle, WithdrawArticle,
};
use crate::app::Flash;
use crate::components::send_form;
use crate::components::{server_call, ServerCall};
use crate::model::{
    check_article, AppError, ArticleFields, ArticleState, DeskPage, DiffLine, EditorArticle, EditorFigure, FormFlash,
    ARTICLE_BODY_MAX, CHANNELS, SOURCE_MAX, SUMMARY_MAX, TITLE_MAX,
};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Meta;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};

super::lazy_page! {
    /// `/admin/articles` and `/admin/articles/{id}` (`new` for a new article): one lazy route,
    /// so the newsroom adds one chunk and one loader to the main bundle, not three.
    NewsroomRoute => NewsroomView
}

#[component]
fn NewsroomView() -> impl IntoView {
    let params = use_params_map();
    move || match params.read().get("id").as_deref() {
        None => view! { <DeskView /> }.into_any(),
        Some("new") => view! { <NewArticleView /> }.into_any(),
        Some(_) => view! { <EditArticleView /> }.into_any(),
    }
}

#[component]
fn DeskView() -> impl IntoView {
    let query = use_query_map();
    let data = crate::api::codec::resource(
        move || query.read().get("page"),
        |page| async move { get_desk(super::parse_page(page)?).await },
    );
    view! {
        <leptos_meta::Title text="文章管理" />
        <Meta name="robots" content="noindex" />
        <Suspense fallback=|| view! { <p class="loading">"加载中…"</p> }>
            {crate::components::suspended(move || Suspend::new(async move {
                match data.await {
                    Ok(page) => desk_list(page),
                    Err(e) => super::error_view(e),
                }
            }))}
        </Suspense>
    }
}

fn desk_list(page: DeskPage) -> AnyView {
    let rows = page
        .articles
        .into_iter()
        .map(|a| {
            view! {
                <tr>
                    <td><a href=format!("/admin/articles/{}", a.id)>{a.title}</a></td>
                    <td>{a.channel_name}</td>
                    <td class=format!("state state-{}", a.state.as_str())>{a.state.label()}</td>
                    <td>{a.published}</td>
                    <td>{a.updated}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="admin-page admin-wide">
            <NewsroomNav />
            <h1>"文章管理"</h1>
            <p><a class="button primary" href="/admin/articles/new">"写新文章"</a></p>
            <table class="desk">
                <thead>
                    <tr><th scope="col">"标题"</th><th scope="col">"频道"</th><th scope="col">"状态"</th><th scope="col">"发布时间"</th><th scope="col">"最后保存"</th></tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
            <crate::components::Pager base="/admin/articles".to_owned() page=page.page total_pages=page.total_pages />
        </section>
    }
    .into_any()
}

#[component]
fn NewsroomNav() -> impl IntoView {
    view! {
        <nav class="admin-nav" aria-label="编辑部">
            <a href="/admin/articles">"文章管理"</a>
            <a href="/admin/articles/new">"写新文章"</a>
        </nav>
    }
}

#[component]
fn NewArticleView() -> impl IntoView {
    let flash = expect_context::<Flash>();
    // The newsroom's own check, before the form shows: a visitor or a reader gets the error page.
    let allowed = crate::api::codec::resource(|| (), |_| get_desk(1));
    view! {
        <leptos_meta::Title text="写新文章" />
        <Meta name="robots" content="noindex" />
        <Suspense fallback=|| view! { <p class="loading">"加载中…"</p> }>
            {crate::components::suspended(move || Suspend::new(async move {
                let flash = flash.get().await;
                match allowed.await {
                    Ok(_) => view! { <ArticleEditor article=None flash /> }.into_any(),
                    Err(e) => super::error_view(e),
                }
            }))}
        </Suspense>
    }
}

#[component]
fn EditArticleView() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let flash = expect_context::<Flash>();
    // `?v=` grows after each change made through the bundle: the page is read again.
    let data = crate::api::codec::resource(
        move || (params.read().get("id").unwrap_or_default(), query.read().get("v")),
        |(id, _)| get_editor_article(id),
    );
    view! {
        <leptos_meta::Title text="编辑文章" />
        <Meta name="robots" content="noindex" />
        <Suspense fallback=|| view! { <p class="loading">"加载中…"</p> }>
            {crate::components::suspended(move || Suspend::new(async move {
                let flash = flash.get().await;
                match data.await {
                    Ok(article) => view! { <ArticleEditor article=Some(article) flash /> }.into_any(),
                    Err(e) => super::error_view(e),
                }
            }))}
        </Suspense>
    }
}

/// The next `?v=` of the editor's page: one more than the address has, so that each change's
/// page change reads the article again (the actions are new with each rendering of the page,
/// so their own counts start again).
fn next_version(query: Memo<leptos_router::params::ParamsMap>) -> u64 {
    query.with_untracked(|q| q.get("v").and_then(|v| v.parse::<u64>().ok()).unwrap_or(0)) + 1
}

/// The message of an action's failure, by field (`form` for the whole form).
fn failure<T>(value: Option<Result<T, AppError>>) -> Option<(String, String)> {
    match value {
        Some(Err(AppError::Validation { field, message })) => Some((field, message)),
        Some(Err(e)) => Some(("form".to_owned(), e.to_string())),
        _ => None,
    }
}

#[component]
fn ArticleEditor(article: Option<EditorArticle>, flash: Option<FormFlash>) -> impl IntoView {
    let save = server_call::<SaveArticle>();
    let publish = server_call::<PublishArticle>();
    let withdraw = server_call::<WithdrawArticle>();
    let restore = server_call::<RestoreRevision>();
    let navigate = use_navigate();
    let query = use_query_map();
    let id = article.as_ref().map(|a| a.id);
    // After any change through the bundle, the page is read again from the server.
    Effect::new(move |_| {
        let saved = save.value().get();
        let changed = matches!(publish.value().get(), Some(Ok(())))
            || matches!(withdraw.value().get(), Some(Ok(())))
            || matches!(restore.value().get(), Some(Ok(())));
        let target = match saved {
            Some(Ok(new)) => Some(new),
            _ if changed => id,
            _ => None,
        };
        if let Some(target) = target {
            navigate(&format!("/admin/articles/{target}?v={}", next_version(query)), Default::default());
        }
    });
    let stored = article.as_ref().map(|a| a.fields.clone()).unwrap_or_default();
    let kept = |key: &str, stored: &str| flash.as_ref().and_then(|f| f.get(key)).unwrap_or_else(|| stored.to_owned());
    let fields = ArticleFields {
        title: kept("title", &stored.title),
        channel: kept("channel", &stored.channel),
        summary: kept("summary", &stored.summary),
        source: kept("source", &stored.source),
        original_url: kept("original_url", &stored.original_url),
        body: kept("body", &stored.body),
    };
    let flashed = flash.as_ref().map(|f| (f.field.clone(), f.message.clone()));
    let checked = RwSignal::new(None::<(String, String)>);
    let error = Memo::new(move |_| {
        checked
            .get()
            .or_else(|| failure(save.value().get()))
            .or_else(|| failure(publish.value().get()))
            .or_else(|| failure(withdraw.value().get()))
            .or_else(|| failure(restore.value().get()))
            .or_else(|| {
                let acted =
                    save.version().get() + publish.version().get() + withdraw.version().get() + restore.version().get();
                (acted == 0).then(|| flashed.clone()).flatten()
            })
    });
    let field_error = move |f: &'static str| error.get().filter(|(field, _)| field == f).map(|(_, m)| m);
    let form_error = move || {
        error
            .get()
            .filter(|(field, _)| {
                !crate::model::ARTICLE_FIELDS.iter().any(|(k, _)| k == field)
                    && field != "at"
                    && !is_figure_field(field)
            })
            .map(|(_, m)| m)
    };
    let (title_in, source_in, url_in) = (NodeRef::new(), NodeRef::new(), NodeRef::new());
    let channel_in = NodeRef::<leptos::html::Select>::new();
    let (summary_in, body_in) = (NodeRef::<leptos::html::Textarea>::new(), NodeRef::<leptos::html::Textarea>::new());
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        // A listener left by an earlier rendering of this form (see `CommentForm`) steps aside.
        let input =
            |n: NodeRef<leptos::html::Input>| n.try_get_untracked().map(|i| i.map(|i| i.value()).unwrap_or_default());
        let text = |n: NodeRef<leptos::html::Textarea>| {
            n.try_get_untracked().map(|t| t.map(|t| t.value()).unwrap_or_default())
        };
        let (Some(title), Some(source), Some(original_url), Some(summary), Some(body)) =
            (input(title_in), input(source_in), input(url_in), text(summary_in), text(body_in))
        else {
            return;
        };
        let Some(channel) = channel_in.try_get_untracked().map(|s| s.map(|s| s.value()).unwrap_or_default()) else {
            return;
        };
        let typed = ArticleFields { title, channel, summary, source, original_url, body };
        if let Err((field, message)) = check_article(&typed) {
            checked.try_set(Some((field.to_owned(), message)));
            ev.prevent_default();
        }
    };
    let input = move |key: &'static str,
                      label: &'static str,
                      value: String,
                      max: usize,
                      help: String,
                      node: NodeRef<leptos::html::Input>| {
        let (fid, err, hid) = (format!("a-{key}"), format!("a-{key}-error"), format!("a-{key}-help"));
        view! {
            <label for=fid.clone()>{label}</label>
            <input
                id=fid
                name=key
                type="text"
                value=value
                maxlength=max * 4
                node_ref=node
                aria-invalid=move || field_error(key).is_some().to_string()
                aria-describedby=format!("{hid} {err}")
                on:input=move |_| checked.set(None)
            />
            <p id=hid class="field-help">{help}</p>
            <p id=err class="field-error" role="alert">{move || field_error(key)}</p>
        }
    };
    let channel = fields.channel.clone();
    let state = article.as_ref().map(|a| a.state);
    let figures = article.as_ref().map_or(0, |a| a.figures.len());
    let figure_help = if figures == 0 {
        "这篇文章还没有图片。".to_owned()
    } else {
        format!("这篇文章有 {figures} 张图片：单独一行写 [图1]…[图{figures}] 放在那里，没写的排在文末。")
    };
    view! {
        <section class="admin-page">
            <NewsroomNav />
            <h1>{if id.is_some() { "编辑文章" } else { "写新文章" }}</h1>
            {id.map(|id| view! {
                <p class="article-state">
                    {format!("状态：{}", state.unwrap_or_default().label())}
                    " · "
                    <a href=format!("/article/{id}")>"预览（读者看到的样子）"</a>
                </p>
            })}
            <p class="form-error" role="alert">{form_error}</p>
            <form
                method="post"
                action=SaveArticle::url()
                class="admin-form article-form"
                on:submit:capture=on_submit
                on:submit=send_form(save, |form| SaveArticle { id: form.text("id"), title: form.text("title"), channel: form.text("channel"), summary: form.text("summary"), source: form.text("source"), original_url: form.text("original_url"), body: form.text("body") })
            >
                <input type="hidden" name="id" value=id.map(|i| i.to_string()).unwrap_or_default() />
                {input("title", "标题", fields.title, TITLE_MAX, format!("最多 {TITLE_MAX} 个字"), title_in)}
                <label for="a-channel">"频道"</label>
                <select id="a-channel" name="channel" node_ref=channel_in aria-invalid=move || field_error("channel").is_some().to_string() aria-describedby="a-channel-error">
                    {CHANNELS.iter().map(|c| view! { <option value=c.slug selected=channel == c.slug>{c.name}</option> }).collect_view()}
                </select>
                <p id="a-channel-error" class="field-error" role="alert">{move || field_error("channel")}</p>
                <label for="a-summary">"摘要"</label>
                <textarea id="a-summary" name="summary" node_ref=summary_in rows="3" maxlength=SUMMARY_MAX * 4
                    aria-invalid=move || field_error("summary").is_some().to_string() aria-describedby="a-summary-help a-summary-error"
                    on:input=move |_| checked.set(None)>{fields.summary}</textarea>
                <p id="a-summary-help" class="field-help">{format!("显示在列表、分享和订阅里，最多 {SUMMARY_MAX} 个字")}</p>
                <p id="a-summary-error" class="field-error" role="alert">{move || field_error("summary")}</p>
                {input("source", "来源", fields.source, SOURCE_MAX, format!("例如 今日、新华社，最多 {SOURCE_MAX} 个字，可以不填"), source_in)}
                {input("original_url", "原文链接", fields.original_url, 2_000, "完整的 http:// 或 https:// 网址，可以不填".to_owned(), url_in)}
                <label for="a-body">"正文"</label>
                <textarea id="a-body" name="body" node_ref=body_in rows="20" maxlength=ARTICLE_BODY_MAX * 4
                    aria-invalid=move || field_error("body").is_some().to_string() aria-describedby="a-body-help a-body-error"
                    on:input=move |_| checked.set(None)>{fields.body}</textarea>
                <p id="a-body-help" class="field-help">
                    {format!("空一行分段；## 小标题，### 更小的标题；> 引用；*强调*，**加粗**，[文字](https://网址)。不支持 HTML。{figure_help} 最多 {ARTICLE_BODY_MAX} 个字。")}
                </p>
                <p id="a-body-error" class="field-error" role="alert">{move || field_error("body")}</p>
                <button type="submit" class="primary" disabled=move || save.pending().get()>
                    {if id.is_some() { "保存" } else { "保存草稿" }}
                </button>
            </form>
            {match id {
                Some(id) => view! { <Figures id figures=article.as_ref().map(|a| a.figures.clone()).unwrap_or_default() flash=flash.clone() /> }.into_any(),
                None => view! {
                    <h2 id="figures">"图片"</h2>
                    <p class="field-help">"先保存草稿，再给文章加图片。"</p>
                }.into_any(),
            }}
            {article.map(|a| view! { <Publishing article=a publish withdraw restore field_error /> })}
        </section>
    }
}

/// A field of the figures' forms (its errors show there, not at the top of the page).
fn is_figure_field(field: &str) -> bool {
    matches!(field, "file" | "caption" | "alt" | "credit") || field.starts_with("figure-")
}

/// The article's figures, each with what it says (changed in place) and a button to remove it,
/// then the upload form. With JavaScript the upload is sent from the page (checked first:
/// a picture chosen, under the size limit, its words); without, it is a plain multipart post.
#[component]
fn Figures(id: crate::model::ArticleId, figures: Vec<EditorFigure>, flash: Option<FormFlash>) -> impl IntoView {
    use crate::api::figures::{upload_figure, DescribeFigure, RemoveFigure, UPLOADS_PER_MINUTE};
    use crate::model::{FIGURES_MAX, FIGURE_ALT_MAX, FIGURE_CAPTION_MAX, FIGURE_CREDIT_MAX};
    let describe = server_call::<DescribeFigure>();
    let remove = server_call::<RemoveFigure>();
    let upload = Action::new_local(|data: &leptos::web_sys::FormData| upload_figure(data.clone().into()));
    let navigate = use_navigate();
    let query = use_query_map();
    Effect::new(move |_| {
        let done = matches!(describe.value().get(), Some(Ok(())))
            || matches!(remove.value().get(), Some(Ok(())))
            || matches!(upload.value().get(), Some(Ok(_)));
        if done {
            navigate(&format!("/admin/articles/{id}?v={}#figures", next_version(query)), Default::default());
        }
    });
    let flashed = flash.as_ref().map(|f| (f.field.clone(), f.message.clone()));
    let checked = RwSignal::new(None::<(String, String)>);
    let error = Memo::new(move |_| {
        checked
            .get()
            .or_else(|| failure(upload.value().get()))
            .or_else(|| failure(describe.value().get()))
            .or_else(|| failure(remove.value().get()))
            .or_else(|| {
                let acted = upload.version().get() + describe.version().get() + remove.version().get();
                (acted == 0).then(|| flashed.clone()).flatten().filter(|(f, _)| is_figure_field(f))
            })
    });
    let error_of = move |f: String| move || error.get().filter(|(field, _)| *field == f).map(|(_, m)| m);
    let kept = |key: &str| flash.as_ref().and_then(|f| f.get(key)).unwrap_or_default();
    let count = figures.len();
    let list = figures
        .into_iter()
        .enumerate()
        .map(|(i, f)| {
            let n = i + 1;
            let key = move |k: &str| format!("figure-{n}-{k}");
            let value = |k: &str, stored: &str| flash.as_ref().and_then(|f| f.get(&key(k))).unwrap_or_else(|| stored.to_owned());
            let words = [
                ("caption", "图片说明", value("caption", &f.caption), FIGURE_CAPTION_MAX),
                ("alt", "图片内容描述（给看不到图片的读者）", value("alt", &f.alt), FIGURE_ALT_MAX),
                ("credit", "图片来源", value("credit", &f.credit), FIGURE_CREDIT_MAX),
            ]
            .into_iter()
            .map(|(k, label, v, max)| {
                let (fid, err) = (key(k), format!("{}-error", key(k)));
                view! {
                    <label for=fid.clone()>{label}</label>
                    <input id=fid name=k type="text" value=v maxlength=max * 4 aria-describedby=err.clone()
                        aria-invalid=move || error_of(key(k))().is_some().to_string() />
                    <p id=err class="field-error" role="alert">{error_of(key(k))}</p>
                }
            })
            .collect_view();
            view! {
                <li class="figure-item" id=format!("figure-{n}")>
                    <img src=f.thumbnail alt=f.alt width="160" height="90" loading="lazy" />
                    <div>
                        <h3>{format!("图{n}")}<code>{format!(" [图{n}]")}</code></h3>
                        <form
                            method="post"
                            action=DescribeFigure::url()
                            class="admin-form"
                            on:submit=send_form(describe, |form| DescribeFigure { id: form.text("id"), n: form.text("n"), caption: form.text("caption"), alt: form.text("alt"), credit: form.text("credit") })
                        >
                            <input type="hidden" name="id" value=id.to_string() />
                            <input type="hidden" name="n" value=n.to_string() />
                            {words}
                            <button type="submit" disabled=move || describe.pending().get()>"保存说明"</button>
                        </form>
                        <form
                            method="post"
                            action=RemoveFigure::url()
                            class="inline-form"
                            on:submit=send_form(remove, |form| RemoveFigure { id: form.text("id"), n: form.text("n") })
                        >
                            <input type="hidden" name="id" value=id.to_string() />
                            <input type="hidden" name="n" value=n.to_string() />
                            <button type="submit" disabled=move || remove.pending().get()>{format!("删除图{n}")}</button>
                        </form>
                    </div>
                </li>
            }
        })
        .collect_view();
    let form_ref = NodeRef::<leptos::html::Form>::new();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        #[cfg(feature = "hydrate")]
        {
            use leptos::wasm_bindgen::JsCast;
            let Some(form) = form_ref.get_untracked() else { return };
            let form: leptos::web_sys::HtmlFormElement = form.unchecked_into();
            let Ok(data) = leptos::web_sys::FormData::new_with_form(&form) else { return };
            let text = |k: &str| data.get(k).as_string().unwrap_or_default();
            let size = data.get("file").dyn_into::<leptos::web_sys::File>().ok().map(|f| f.size());
            let refused = match size {
                None | Some(0.0) => Some(("file".to_owned(), "请选择要上传的图片".to_owned())),
                Some(b) if b > crate::model::FIGURE_UPLOAD_MAX_BYTES as f64 => Some((
                    "file".to_owned(),
                    format!("图片文件太大：最大 {} MB", crate::model::FIGURE_UPLOAD_MAX_BYTES / (1024 * 1024)),
                )),
                _ => crate::model::check_figure_words(&text("caption"), &text("alt"), &text("credit"))
                    .err()
                    .map(|(f, m)| (f.to_owned(), m)),
            };
            match refused {
                Some(e) => checked.set(Some(e)),
                None => {
                    checked.set(None);
                    upload.dispatch_local(data);
                }
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (form_ref, checked);
    };
    let upload_input = |k: &'static str, label: &'static str, max: usize, help: &'static str| {
        let (fid, err, hid) = (format!("u-{k}"), format!("u-{k}-error"), format!("u-{k}-help"));
        view! {
            <label for=fid.clone()>{label}</label>
            <input id=fid name=k type="text" value=kept(k) maxlength=max * 4 aria-describedby=format!("{hid} {err}")
                aria-invalid=move || error_of(k.to_owned())().is_some().to_string() />
            <p id=hid class="field-help">{help}</p>
            <p id=err class="field-error" role="alert">{error_of(k.to_owned())}</p>
        }
    };
    view! {
        <h2 id="figures">"图片"</h2>
        <p class="field-help">
            {if count == 0 {
                "还没有图片。".to_owned()
            } else {
                format!("共 {count} 张。正文里单独一行写 [图N] 把第 N 张放在那里，没写的排在文末。删除一张时，正文里它的 [图N] 一并删去，后面的图片编号减一。")
            }}
        </p>
        <ol class="figure-list">{list}</ol>
        <form node_ref=form_ref method="post" action="/api/newsroom/figure" enctype="multipart/form-data"
            class="admin-form upload-form" on:submit=on_submit>
            <h3>"上传图片"</h3>
            <input type="hidden" name="id" value=id.to_string() />
            <label for="u-file">"图片文件"</label>
            <input id="u-file" name="file" type="file" accept="image/jpeg,image/png,image/webp,image/gif"
                aria-describedby="u-file-help u-file-error" aria-invalid=move || error_of("file".to_owned())().is_some().to_string() />
            <p id="u-file-help" class="field-help">
                {format!("JPEG、PNG、WebP 或 GIF，最大 10 MB、4000 万像素。图片会重新压缩成几种宽度，拍摄地点等附带信息会被去掉。每篇最多 {FIGURES_MAX} 张，每分钟最多上传 {UPLOADS_PER_MINUTE} 张。")}
            </p>
            <p id="u-file-error" class="field-error" role="alert">{error_of("file".to_owned())}</p>
            {upload_input("caption", "图片说明", FIGURE_CAPTION_MAX, "显示在图片下方")}
            {upload_input("alt", "图片内容描述", FIGURE_ALT_MAX, "给看不到图片的读者；不填就用图片说明")}
            {upload_input("credit", "图片来源", FIGURE_CREDIT_MAX, "例如 今日记者 王明 摄、新华社")}
            <button type="submit" class="primary" disabled=move || upload.pending().get()>
                {move || if upload.pending().get() { "上传中…" } else { "上传图片" }}
            </button>
        </form>
    }
}

#[component]
fn Publishing(
    article: EditorArticle,
    publish: ServerCall<PublishArticle>,
    withdraw: ServerCall<WithdrawArticle>,
    restore: ServerCall<RestoreRevision>,
    field_error: impl Fn(&'static str) -> Option<String> + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let id = article.id.to_string();
    let state = article.state;
    let shown_at = if state == ArticleState::Scheduled { article.published_local.clone() } else { String::new() };
    let zone = article.time_zone.clone();
    let revisions = article
        .revisions
        .into_iter()
        .map(|r| {
            let more = r.changed.saturating_sub(r.changes.len());
            let changes = r
                .changes
                .into_iter()
                .map(|c| match c {
                    DiffLine::Added(l) => {
                        view! { <li class="added"><span class="sr">"新增："</span>{l}</li> }.into_any()
                    }
                    DiffLine::Removed(l) => {
                        view! { <li class="removed"><span class="sr">"删去："</span>{l}</li> }.into_any()
                    }
                })
                .collect_view();
            let id = id.clone();
            view! {
                <li class="revision">
                    <p>
                        <strong>{r.at}</strong>" "{r.editor.unwrap_or_else(|| "（导入）".to_owned())}"："{r.title}
                    </p>
                    <ul class="diff">{changes}</ul>
                    {(more > 0).then(|| view! { <p class="field-help">{format!("还有 {more} 行改动未列出")}</p> })}
                    <form
                        method="post"
                        action=RestoreRevision::url()
                        class="inline-form"
                        on:submit=send_form(restore, |form| RestoreRevision { id: form.text("id"), revision: form.text("revision") })
                    >
                        <input type="hidden" name="id" value=id />
                        <input type="hidden" name="revision" value=r.id.to_string() />
                        <button type="submit">"恢复这个版本"</button>
                    </form>
                </li>
            }
        })
        .collect_view();
    let withdraw_id = id.clone();
    view! {
        <h2 id="publish">"发布"</h2>
        // A published article is corrected by saving it (readers see the change at once); it
        // can only be withdrawn here. Anything else is published now or at a time.
        {(state == ArticleState::Published).then(|| view! {
            <p class="field-help">"已发布：保存的改动读者立即看到。"</p>
        })}
        {(state != ArticleState::Published).then(|| view! {
        <form
            method="post"
            action=PublishArticle::url()
            class="admin-form"
            on:submit=send_form(publish, |form| PublishArticle { id: form.text("id"), at: form.text("at") })
        >
            <input type="hidden" name="id" value=id.clone() />
            <label for="a-at">{format!("定时发布（网站时间 {zone}）")}</label>
            <input id="a-at" name="at" type="datetime-local" value=shown_at
                aria-invalid=move || field_error("at").is_some().to_string() aria-describedby="a-at-help a-at-error" />
            <p id="a-at-help" class="field-help">"留空即现在发布；填写将来的时间则到时自动发布。"</p>
            <p id="a-at-error" class="field-error" role="alert">{move || field_error("at")}</p>
            <button type="submit" class="primary" disabled=move || publish.pending().get()>"发布"</button>
        </form>
        })}
        {matches!(state, ArticleState::Published | ArticleState::Scheduled).then(|| view! {
            <form
                method="post"
                action=WithdrawArticle::url()
                class="admin-form"
                on:submit=send_form(withdraw, |form| WithdrawArticle { id: form.text("id") })
            >
                <input type="hidden" name="id" value=withdraw_id />
                <button type="submit" disabled=move || withdraw.pending().get()>"撤下（读者将看不到这篇文章）"</button>
            </form>
        })}
        <h2>"历史版本"</h2>
        <ol class="revisions">{revisions}</ol>
    }
}
