//! The axum application: Leptos pages and server functions, the XML sitemap, static files.

use super::{db, AppState};
use crate::app::{shell, App};
use crate::model::CHANNELS;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, LeptosRoutes};

pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let options = state.leptos_options.clone();
    let fallback_state = state.clone();
    Router::new()
        .route("/sitemap.xml", get(sitemap_xml))
        .route("/robots.txt", get(robots_txt))
        .leptos_routes_with_context(&state, routes, || {}, move || shell(options.clone()))
        .fallback(leptos_axum::file_and_error_handler_with_context::<AppState, _>(
            move || provide_context(fallback_state.clone()),
            shell,
        ))
        .with_state(state)
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&apos;")
}

async fn robots_txt(State(state): State<AppState>) -> impl IntoResponse {
    let base = &state.config.site.base_url;
    (
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("User-agent: *\nAllow: /\nSitemap: {base}/sitemap.xml\n"),
    )
}

/// `/sitemap.xml`: the front page, every channel and every article.
async fn sitemap_xml(State(state): State<AppState>) -> Response {
    let tz = state.config.site.timezone;
    let entries = match db::articles::sitemap(&state.pool, tz).await {
        Ok(e) => e,
        Err(e) => {
            tracing::error!(error = %e, "sitemap query failed");
            return (StatusCode::SERVICE_UNAVAILABLE, "sitemap unavailable").into_response();
        }
    };
    let base = &state.config.site.base_url;
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    let mut url = |loc: String, lastmod: Option<&str>| {
        xml.push_str("  <url><loc>");
        xml.push_str(&xml_escape(&loc));
        xml.push_str("</loc>");
        if let Some(d) = lastmod {
            xml.push_str("<lastmod>");
            xml.push_str(d);
            xml.push_str("</lastmod>");
        }
        xml.push_str("</url>\n");
    };
    url(format!("{base}/"), None);
    for c in CHANNELS {
        url(format!("{base}{}", c.href), None);
    }
    for e in &entries {
        url(format!("{base}/article/{}", e.id), Some(&e.published_date));
    }
    xml.push_str("</urlset>\n");
    ([(header::CONTENT_TYPE, "application/xml; charset=utf-8")], xml).into_response()
}
