//! Leaf components: they take props and own no data fetching except the shared site facts.

mod article_list;
mod avatar;
mod comments;
mod footer;
mod header;
#[cfg(feature = "hydrate")]
mod live_client;
mod navigation;
mod page_meta;

pub use article_list::{ArticleList, HotList, Pager};
pub use avatar::AvatarBadge;
pub use comments::{article_count_text, comment_text, comments_error, CommentThreadList, CommentsSection, FormEcho};
pub use footer::SiteFooter;
pub use header::SiteHeader;
pub use navigation::NavEffects;
pub use page_meta::PageMeta;

/// Once the page has hydrated, a form's fields are checked by the page itself (with the
/// server's rules and Chinese messages beside each field) rather than by the browser's own
/// bubbles; without JavaScript the browser's `required` checks stay.
pub(crate) fn checked_by_page(form: leptos::prelude::NodeRef<leptos::html::Form>) {
    use leptos::prelude::*;
    Effect::new(move |_| {
        if let Some(form) = form.get() {
            let _ = form.set_attribute("novalidate", "");
        }
    });
}
