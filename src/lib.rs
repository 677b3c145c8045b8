#![recursion_limit = "256"]
//! 今日 (Jinri): a Chinese-language community news site.
//!
//! One crate, two targets: with `ssr` it is the axum server (see `main.rs`), with
//! `hydrate` it is the browser bundle: only the islands (`#[island]`, the live comment thread)
//! are hydrated; the rest of each page stays server HTML.

pub mod api;
pub mod app;
pub mod components;
pub mod model;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod server;

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
    mark_hydrated();
}

/// Marks the page once the bundle has taken over (end-to-end tests wait for it). The loader
/// hydrates the islands right after `hydrate()` returns, in the same task (each island is a
/// plain call between awaits of settled promises), so a zero-delay timeout runs after all of
/// them, and on a page without islands just as well.
#[cfg(feature = "hydrate")]
fn mark_hydrated() {
    leptos::prelude::set_timeout(
        || {
            if let Some(body) = leptos::prelude::document().body() {
                let _ = body.set_attribute("data-hydrated", "");
            }
        },
        std::time::Duration::ZERO,
    );
}
