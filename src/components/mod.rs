//! Leaf components: they take props and own no data fetching except the shared site facts.

mod article_list;
mod avatar;
mod comment_thread;
mod footer;
mod header;
mod page_meta;

pub use article_list::{ArticleList, HotList, Pager};
pub use avatar::AvatarBadge;
pub use comment_thread::CommentThread;
pub use footer::SiteFooter;
pub use header::SiteHeader;
pub use page_meta::PageMeta;
