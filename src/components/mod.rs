//! Leaf components: they take props and own no data fetching except the shared site facts.

mod article_list;
mod avatar;
mod comments;
mod footer;
mod forms;
mod header;
mod hydration;
#[cfg(feature = "hydrate")]
mod live_client;
pub use hydration::hydration_break;
#[cfg(feature = "hydrate")]
pub use hydration::next_task;
#[cfg(feature = "hydrate")]
pub use hydration::PlainUntilHydrated;
#[cfg(feature = "hydrate")]
pub use live_client::follow_newest;
mod navigation;
mod page_meta;
mod sync_html;

pub use article_list::{ArticleList, HotList, Pager};
pub use avatar::avatar_badge;
#[cfg(feature = "ssr")]
pub use comments::written_section;
pub use comments::{article_count_text, comment_text, comments_error, CommentThreadList, CommentsSection, FormEcho};
pub use footer::SiteFooter;
pub use forms::{send_form, send_input, server_call, ServerCall};
pub use header::SiteHeader;
pub use navigation::{NavEffects, PageCodeFailure};
pub use page_meta::PageMeta;
#[cfg(all(test, feature = "ssr"))]
pub(crate) use sync_html::both;
pub use sync_html::{suspended, sync_html};
#[cfg(feature = "ssr")]
pub use sync_html::{write, Prerendered};
