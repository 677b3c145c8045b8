use super::{error_view, parse_page};
use crate::api::codec::JsonResource;
use crate::api::comments::get_comment_thread;
use crate::app::MeResource;
use crate::components::{sync_html, CommentThreadList, PageMeta, Pager};
use crate::model::{AppError, CommentThread};
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};
use leptos_router::{lazy_route, LazyRoute};

/// `/comment/{id}`: a top-level comment and all its replies, 50 to a page (`?page=N`), for
/// readers without JavaScript (the article page shows the first replies of each thread) and
/// for links. A reply's id, an unknown id and a page past the end are 404s.
pub struct ThreadRoute {
    data: JsonResource<Result<CommentThread, AppError>>,
}

#[lazy_route]
impl LazyRoute for ThreadRoute {
    fn data() -> Self {
        let params = use_params_map();
        let query = use_query_map();
        let data = crate::api::codec::resource(
            move || (params.read().get("id").unwrap_or_default(), query.read().get("page")),
            |(id, page)| async move { get_comment_thread(id, Some(parse_page(page)?)).await },
        );
        Self { data }
    }

    fn view(this: Self) -> AnyView {
        thread_page(this.data)
    }
}

fn thread_page(data: JsonResource<Result<CommentThread, AppError>>) -> AnyView {
    let me = expect_context::<MeResource>();
    view! {
        <Suspense fallback=|| view! { <p class="loading">"加载中…"</p> }>
            {crate::components::suspended(move || Suspend::new(async move {
                let thread = match data.await {
                    Ok(t) => t,
                    Err(e) => return error_view(e),
                };
                let viewer = me.by_ref().await.as_ref().ok().and_then(Option::as_ref).map(|u| u.id);
                view! { <ThreadView thread viewer /> }.into_any()
            }))}
        </Suspense>
    }
    .into_any()
}

#[component]
fn ThreadView(thread: CommentThread, viewer: Option<crate::model::UserId>) -> impl IntoView {
    let CommentThread { article_id, article_title, root, replies, page, total_pages, max_chars } = thread;
    let base = format!("/comment/{}", root.id);
    let path = if page > 1 { format!("{base}?page={page}") } else { base.clone() };
    let article_href = format!("/article/{article_id}");
    let description = format!("{}在《{article_title}》下的评论，共{}条回复。", root.author.name, root.replies);
    let heading = format!("{}的评论", root.author.name);
    view! {
        <PageMeta title=format!("{heading} - {article_title}") description path />
        // No `Suspend` inside: written by the server in one buffer (`sync_html`).
        {sync_html(view! {
        <section class="comments-section thread-page" aria-labelledby="thread-heading">
            <nav class="breadcrumb" aria-label="位置">
                <a href="/">"首页"</a>" › "<a href=article_href.clone()>{article_title.clone()}</a>
            </nav>
            <h1 id="thread-heading" class="thread-title">{heading}</h1>
            <p class="thread-meta">
                {format!("共{}条回复 · ", root.replies)}
                <a href=format!("{article_href}#c{}", root.id)>{format!("返回文章《{article_title}》")}</a>
            </p>
            <CommentThreadList root replies viewer max_chars />
            <Pager base page total_pages />
        </section>
        })}
    }
}
