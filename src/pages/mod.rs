//! One routed component per file.
//!
//! Every page but the article is a lazy route: `cargo leptos build --split` moves its view code
//! out of the main browser bundle into a chunk fetched when the page is first shown (the
//! server names the chunks a page needs in its `<head>`, so a first visit fetches them at
//! once). A route's `data()` stays in the main bundle and starts its requests while the chunk
//! loads. The article page, the one most visits start on, stays in the main bundle with the
//! live thread. Making it lazy too works on Leptos 0.9 (the closures of leptos#4347 now run
//! from a chunk) but was measured worse where it matters: its first visit grew from ~365 KB to
//! ~469 KB brotli in 69 files and Lighthouse fell from 94 to 77 (bench/README, "What changed").

mod about;
mod admin;
mod article;
mod auth;
mod home;
mod moderation;
mod newsroom;
mod not_found;
mod sitemap;
mod thread;

pub use about::{AboutRoute, AppRoute};
pub use admin::{AdminSiteRoute, AdminUsersRoute};
pub use article::ArticlePage;
pub use auth::{LoginRoute, RegisterRoute};
pub use home::{ChannelRoute, HomeRoute};
pub use moderation::ModerationRoute;
pub use newsroom::NewsroomRoute;
pub use not_found::{ErrorView, NotFound};
pub use sitemap::SitemapRoute;
pub use thread::ThreadRoute;

use crate::model::AppError;
use leptos::prelude::*;

/// A lazy route for a page that starts no requests of its own: its view is `$component`.
macro_rules! lazy_page {
    ($(#[$doc:meta])* $route:ident => $component:ident) => {
        $(#[$doc])*
        pub struct $route;

        #[leptos_router::lazy_route]
        impl leptos_router::LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            fn view(_this: Self) -> AnyView {
                view! { <$component /> }.into_any()
            }
        }
    };
}
pub(crate) use lazy_page;

/// Renders a failed load: a 404 page for `NotFound`, an error page otherwise.
pub(crate) fn error_view(e: AppError) -> AnyView {
    match e {
        AppError::NotFound => view! { <NotFound /> }.into_any(),
        e => view! { <ErrorView error=e /> }.into_any(),
    }
}

/// Reads `?page=N`: absent means 1; anything but a positive number is not a page of ours.
pub fn parse_page(raw: Option<String>) -> Result<u32, AppError> {
    match raw {
        None => Ok(1),
        Some(s) => match s.parse::<u32>() {
            Ok(n) if n >= 1 && !s.starts_with('0') && !s.starts_with('+') => Ok(n),
            _ => Err(AppError::NotFound),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_page_number_means_the_first_page() {
        assert_eq!(parse_page(None), Ok(1));
        assert_eq!(parse_page(Some("3".into())), Ok(3));
    }

    #[test]
    fn a_malformed_page_number_is_not_found() {
        for bad in ["0", "-1", "abc", "", "01", "+2", "99999999999"] {
            assert_eq!(parse_page(Some(bad.into())), Err(AppError::NotFound), "{bad}");
        }
    }
}
