//! One routed component per file.

mod about;
mod article;
mod auth;
mod home;
mod not_found;
mod sitemap;
mod thread;

pub use about::{AboutPage, AppPage};
pub use article::ArticlePage;
pub use auth::{LoginPage, RegisterPage};
pub use home::{ChannelPage, HomePage};
pub use not_found::{ErrorView, NotFound};
pub use sitemap::SitemapPage;
pub use thread::CommentThreadPage;

use crate::model::AppError;
use leptos::prelude::*;

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
