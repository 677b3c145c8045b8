use super::sync_html;
use crate::app::FactsResource;
use leptos::prelude::*;

#[component]
pub fn SiteFooter() -> impl IntoView {
    let facts = expect_context::<FactsResource>();
    view! {
        <footer class="site-footer">
            <div class="wrap">
                <nav class="footer-links" aria-label="关于本站">
                    <a href="/about/privacy">"隐私条款"</a>
                    <a href="/about/contact">"联系我们"</a>
                    <a href="/about/business">"商务合作"</a>
                    <a href="/about/jobs">"加入我们"</a>
                    <a href="/sitemap">"网站地图"</a>
                </nav>
                <Suspense fallback=|| ()>
                    {crate::components::suspended(move || Suspend::new(async move {
                        // Written by the server in one buffer (`sync_html`).
                        facts.await.ok().map(|f| sync_html({
                            let tel = format!("tel:{}", f.phone.replace(['(', ')', ' '], ""));
                            view! {
                                <p>"新闻电话："<a href=tel>{f.phone.clone()}</a></p>
                                <p>
                                    "联系邮箱："<a href=format!("mailto:{}", f.email_contact)>{f.email_contact.clone()}</a>
                                    " 商业合作："<a href=format!("mailto:{}", f.email_business)>{f.email_business.clone()}</a>
                                </p>
                                <p>"新闻爆料："<a href=format!("mailto:{}", f.email_tips)>{f.email_tips.clone()}</a></p>
                                <p>"友情链接：交换友情链接请联系 "<a href=format!("mailto:{}", f.email_business)>{f.email_business.clone()}</a></p>
                                <p class="copyright">{f.copyright}</p>
                            }
                        }))
                    }))}
                </Suspense>
            </div>
        </footer>
    }
}
