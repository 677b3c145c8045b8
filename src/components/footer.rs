use crate::model::SiteFacts;
use leptos::prelude::*;

#[component]
pub fn SiteFooter() -> impl IntoView {
    let contacts = footer_facts().map(contacts_part);
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
                {contacts}
            </div>
        </footer>
    }
}

/// The footer's facts, known without waiting: the server's configuration, and in the browser the
/// site facts the first page carried in its hydration data (from the same configuration, see
/// `api::site::get_site_facts`), which stay for the visit. (A `<Suspense>` awaiting the facts
/// here cost every page its own boundary, owner and signals on the server.)
fn footer_facts() -> Option<SiteFacts> {
    #[cfg(feature = "ssr")]
    {
        crate::server::AppState::if_serving().map(|s| crate::api::site::server_facts(&s))
    }
    #[cfg(not(feature = "ssr"))]
    {
        use_context::<crate::app::FactsResource>().and_then(|f| f.get_untracked()).and_then(Result::ok)
    }
}

/// The newsroom's telephone, addresses and copyright. The server writes their HTML itself
/// (`written_contacts`: the same bytes as the view, without building it); the browser
/// hydrates them with the view.
#[cfg(feature = "ssr")]
fn contacts_part(f: SiteFacts) -> super::sync_html::Prerendered {
    super::sync_html::Prerendered::new(written_contacts(&f))
}

/// See the server's `contacts_part`.
#[cfg(not(feature = "ssr"))]
fn contacts_part(f: SiteFacts) -> impl IntoView {
    super::sync_html(contacts_view(f))
}

#[cfg_attr(all(feature = "ssr", not(test)), allow(dead_code))]
fn contacts_view(f: SiteFacts) -> impl IntoView {
    let tel = format!("tel:{}", telephone(&f.phone));
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
}

/// The number to dial: the telephone as shown, without brackets and spaces.
fn telephone(phone: &str) -> String {
    phone.replace(['(', ')', ' '], "")
}

/// `contacts_view`, written as tachys writes it (the rules are in `comments::written`).
#[cfg(feature = "ssr")]
fn written_contacts(f: &SiteFacts) -> String {
    use super::sync_html::write::{attr, text};
    let mut w = String::with_capacity(1024);
    let link = |w: &mut String, scheme: &str, to: &str, shown: &str| {
        w.push_str("<a href=\"");
        attr(w, &format!("{scheme}{to}"));
        w.push_str("\">");
        text(w, shown);
        w.push_str("<!></a>");
    };
    w.push_str("<p>新闻电话：");
    link(&mut w, "tel:", &telephone(&f.phone), &f.phone);
    w.push_str("<!><!></p><p>联系邮箱：");
    link(&mut w, "mailto:", &f.email_contact, &f.email_contact);
    w.push_str(" 商业合作：");
    link(&mut w, "mailto:", &f.email_business, &f.email_business);
    w.push_str("<!><!></p><p>新闻爆料：");
    link(&mut w, "mailto:", &f.email_tips, &f.email_tips);
    w.push_str("<!><!></p><p>友情链接：交换友情链接请联系 ");
    link(&mut w, "mailto:", &f.email_business, &f.email_business);
    w.push_str("<!><!></p><p class=\"copyright\">");
    text(&mut w, &f.copyright);
    w.push_str("<!></p><!>");
    w
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;
    use crate::components::sync_html::both;

    /// The footer's contacts the server writes itself, against their view (both of tachys'
    /// paths), with characters to escape and empty values.
    #[test]
    fn the_server_writes_the_contacts_as_their_view_writes_them() {
        Owner::new().with(|| {
            let facts = |phone: &str, mail: &str, copyright: &str| SiteFacts {
                name: "今日".to_owned(),
                slogan: String::new(),
                today: String::new(),
                weather: String::new(),
                exchange_rate: String::new(),
                city: String::new(),
                phone: phone.to_owned(),
                email_contact: format!("contact{mail}"),
                email_business: format!("business{mail}"),
                email_tips: mail.to_owned(),
                copyright: copyright.to_owned(),
                base_url: String::new(),
                flash: None,
            };
            for f in [
                facts("(02) 8999 8797", "@jinri.example", "Copyright © Jinri Media"),
                facts("<1> & \"2\"", "@a&b<c>\".example", "© <今日> & \"新闻\""),
                facts("", "", ""),
            ] {
                let written = written_contacts(&f);
                let (plain, streamed) = both(|| contacts_view(f.clone()));
                assert_eq!(written, plain);
                assert_eq!(written, streamed);
            }
        })
    }
}
