//! The smallest app with the framework parts Jinri's article page is built from: the router
//! (`<A>` links, a route with a parameter), head tags (leptos_meta's `<Title>`), the article read
//! through a server function into a resource under `<Suspense>`, its comments in a keyed list
//! (`<For>`), a form posting a comment through a server function, and the asynchronous
//! hydration that lazy routes need. Each feature of Cargo.toml takes one part away.
use leptos::prelude::*;
#[cfg(not(feature = "nometa"))]
use leptos_meta::*;
#[cfg(not(feature = "norouter"))]
use leptos_router::{components::*, hooks::use_params_map, path};
use serde::{Deserialize, Serialize};

pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="zh-CN">
            <head>
                <meta charset="utf-8"/>
                <HydrationScripts options/>
                {
                    #[cfg(not(feature = "nometa"))]
                    let tags = view! { <MetaTags/> };
                    #[cfg(feature = "nometa")]
                    let tags = ();
                    tags
                }
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[derive(Clone, Serialize, Deserialize)]
pub struct Comment {
    pub id: i64,
    pub author: String,
    pub body: String,
    pub created: String,
}

#[derive(Clone, Serialize, Deserialize)]
pub struct Article {
    pub id: i64,
    pub title: String,
    pub body: String,
    pub comments: Vec<Comment>,
}

#[server]
pub async fn get_article(id: i64) -> Result<Article, ServerFnError> {
    let comments =
        (0..5).map(|i| Comment { id: i, author: "读者".into(), body: "评论".into(), created: "今天".into() }).collect();
    Ok(Article { id, title: format!("文章 {id}"), body: "正文".into(), comments })
}

#[server]
pub async fn post_comment(article: i64, body: String) -> Result<Comment, ServerFnError> {
    Ok(Comment { id: article, author: "读者".into(), body, created: "刚才".into() })
}

#[cfg(feature = "counter")]
#[component]
pub fn App() -> impl IntoView {
    let n = RwSignal::new(0);
    view! { <button on:click=move |_| n.update(|n| *n += 1)>{n}</button> }
}

#[cfg(all(not(feature = "counter"), feature = "norouter"))]
#[component]
pub fn App() -> impl IntoView {
    view! {
        <main>
            <ArticleBody id=|| 1/>
        </main>
    }
}

#[cfg(all(not(feature = "counter"), not(feature = "norouter")))]
#[component]
pub fn App() -> impl IntoView {
    #[cfg(not(feature = "nometa"))]
    provide_meta_context();
    view! {
        <Router>
            <header>
                <A href="/">"今日"</A>
                " "
                <A href="/article/1">"文章"</A>
            </header>
            <main>
                <Routes fallback=|| "没有这一页">
                    <Route path=path!("/") view=Home/>
                    <Route path=path!("/article/:id") view=ArticlePage/>
                </Routes>
            </main>
        </Router>
    }
}

#[cfg(all(not(feature = "counter"), not(feature = "norouter")))]
#[component]
fn Home() -> impl IntoView {
    view! {
        <h1>"今日"</h1>
        <A href="/article/2">"文章 2"</A>
    }
}

#[cfg(all(not(feature = "counter"), not(feature = "norouter")))]
#[component]
fn ArticlePage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|s| s.parse::<i64>().ok()).unwrap_or(0);
    view! { <ArticleBody id/> }
}

#[cfg(not(feature = "counter"))]
#[component]
fn ArticleBody(id: impl Fn() -> i64 + Send + Sync + 'static) -> impl IntoView {
    let article = Resource::new(id, get_article);
    let post = ServerAction::<PostComment>::new();
    view! {
        <Suspense fallback=|| view! { <p>"加载中"</p> }>
            {move || Suspend::new(async move {
                article
                    .await
                    .map(|a| {
                        let aid = a.id;
                        view! {
                            {
                                #[cfg(not(feature = "nometa"))]
                                let title = view! { <Title text=a.title.clone()/> };
                                #[cfg(feature = "nometa")]
                                let title = ();
                                title
                            }
                            <article>
                                <h1>{a.title}</h1>
                                <p>{a.body}</p>
                            </article>
                            <ul>
                                <For each=move || a.comments.clone() key=|c| c.id let:c>
                                    <li>
                                        <b>{c.author}</b>" "{c.body}" "<time>{c.created}</time>
                                    </li>
                                </For>
                            </ul>
                            {
                                #[cfg(not(feature = "noform"))]
                                let form = view! {
                                    <ActionForm action=post>
                                        <input type="hidden" name="article" value=aid/>
                                        <textarea name="body"></textarea>
                                        <button>"发表"</button>
                                    </ActionForm>
                                    <p>{move || post.value().get().map(|r| r.map(|c| c.body).unwrap_or_default())}</p>
                                };
                                #[cfg(feature = "noform")]
                                let form = {
                                    let _ = (post, aid);
                                };
                                form
                            }
                        }
                    })
            })}
        </Suspense>
    }
}

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    #[cfg(feature = "lazy")]
    leptos::mount::hydrate_lazy(App);
    #[cfg(not(feature = "lazy"))]
    leptos::mount::hydrate_body(App);
}
