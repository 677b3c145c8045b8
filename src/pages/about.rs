use super::NotFound;
use crate::app::FactsResource;
use crate::components::PageMeta;
use crate::model::SiteFacts;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

super::lazy_page! {
    /// `/about/{privacy|contact|business|jobs}`: the footer's short pages.
    AboutRoute => AboutPage
}

#[component]
fn AboutPage() -> impl IntoView {
    let params = use_params_map();
    let facts = expect_context::<FactsResource>();
    view! {
        <Suspense fallback=|| ()>
            {crate::components::suspended(move || {
                let page = params.read().get("page").unwrap_or_default();
                Suspend::new(async move {
                    let Ok(f) = facts.await else { return view! { <NotFound /> }.into_any() };
                    match about(&page, &f) {
                        Some((title, body)) => view! {
                            <PageMeta title=title description=format!("{}：{title}", f.name) path=format!("/about/{page}") />
                            <article class="static-page">
                                <h1>{title}</h1>
                                {body}
                            </article>
                        }
                        .into_any(),
                        None => view! { <NotFound /> }.into_any(),
                    }
                })
            })}
        </Suspense>
    }
}

fn mail(addr: &str) -> impl IntoView {
    view! { <a href=format!("mailto:{addr}")>{addr.to_owned()}</a> }
}

fn about(page: &str, f: &SiteFacts) -> Option<(&'static str, AnyView)> {
    Some(match page {
        "privacy" => (
            "隐私条款",
            view! {
                <p>"我们只保存提供服务所必需的信息："</p>
                <ul>
                    <li>"注册时的用户名，以及经过 Argon2id 处理的密码摘要（我们不保存密码本身）。"</li>
                    <li>"您发表的评论及其发表时间；评论会公开显示您的用户名。"</li>
                    <li>"登录会话的 Cookie，仅用于保持登录状态，不用于追踪或广告。"</li>
                </ul>
                <p>"本站页面不加载任何第三方脚本、字体、统计或广告代码，您的浏览不会被第三方记录。"</p>
                <p>"如需删除账户或评论，请写信至 "{mail(&f.email_contact)}"。"</p>
            }
            .into_any(),
        ),
        "contact" => (
            "联系我们",
            view! {
                <p>"新闻电话："{f.phone.clone()}</p>
                <p>"联系邮箱："{mail(&f.email_contact)}</p>
                <p>"新闻爆料："{mail(&f.email_tips)}"。来信请注明事件发生的时间、地点和您的联系方式，我们会为爆料人保密。"</p>
            }
            .into_any(),
        ),
        "business" => (
            "商务合作",
            view! {
                <p>"广告投放、内容合作与友情链接交换，请写信至 "{mail(&f.email_business)}"，并说明合作内容与联系方式，我们会在三个工作日内回复。"</p>
            }
            .into_any(),
        ),
        "jobs" => (
            "加入我们",
            view! {
                <p>"我们正在寻找热爱新闻的同事："</p>
                <ul>
                    <li>"新闻编辑（悉尼）：中英文俱佳，熟悉澳洲本地新闻。"</li>
                    <li>"Rust 工程师：负责本站的服务器、实时评论与性能。"</li>
                </ul>
                <p>"请将简历发送至 "{mail(&f.email_contact)}"。"</p>
            }
            .into_any(),
        ),
        _ => return None,
    })
}

super::lazy_page! {
    /// `/app`: how to put the site on a phone's home screen (the site is its own app).
    AppRoute => AppPage
}

#[component]
fn AppPage() -> impl IntoView {
    view! {
        <PageMeta title="今日app" description="把今日添加到手机主屏幕，像 App 一样打开。" path="/app" />
        <article class="static-page">
            <h1>"把今日装进手机"</h1>
            <p>"今日无需下载安装包：把网站添加到主屏幕，就能像 App 一样一键打开，评论实时更新。"</p>
            <h2>"iPhone / iPad (Safari)"</h2>
            <ol>
                <li>"用 Safari 打开本站。"</li>
                <li>"点按屏幕底部的「分享」按钮。"</li>
                <li>"选择「添加到主屏幕」，再点「添加」。"</li>
            </ol>
            <h2>"安卓手机 (Chrome)"</h2>
            <ol>
                <li>"用 Chrome 打开本站。"</li>
                <li>"点按右上角的「⋮」菜单。"</li>
                <li>"选择「添加到主屏幕」或「安装应用」。"</li>
            </ol>
        </article>
    }
}
