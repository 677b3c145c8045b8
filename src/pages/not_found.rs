use crate::model::AppError;
use leptos::prelude::*;
use leptos_meta::Title;

#[cfg(feature = "ssr")]
fn set_status(code: u16) {
    if let Some(resp) = use_context::<leptos_axum::ResponseOptions>() {
        resp.set_status(
            axum::http::StatusCode::from_u16(code).unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR),
        );
    }
}

/// The 404 page; on the server it also sets the status.
#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    set_status(404);
    view! {
        <Title text="页面不存在" />
        <section class="error-page">
            <h1>"404 · 页面不存在"</h1>
            <p>"您要找的页面不存在或已被删除。"</p>
            <p><a href="/">"返回首页"</a>" · "<a href="/sitemap">"网站地图"</a></p>
        </section>
    }
}

/// Any other failure: the reader learns what happened and what to do.
#[component]
pub fn ErrorView(error: AppError) -> impl IntoView {
    #[cfg(feature = "ssr")]
    set_status(match error {
        AppError::RateLimited { .. } => 429,
        AppError::Unauthorized => 401,
        AppError::Forbidden | AppError::NotPermitted | AppError::Banned(_) => 403,
        AppError::Validation { .. } => 400,
        AppError::Conflict(_) => 409,
        AppError::Unavailable => 503,
        _ => 500,
    });
    view! {
        <Title text="出错了" />
        <section class="error-page">
            <h1>"出错了"</h1>
            <p>{error.to_string()}</p>
            <p><a href="/">"返回首页"</a></p>
        </section>
    }
}
