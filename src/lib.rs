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
    // Marks the page as taken over (end-to-end tests wait for it; the navigation script then
    // hydrates the islands of each page it brings in). The loader hydrates this page's islands
    // right after this returns, in the same task, so no test or navigation sees the mark
    // before they are hydrated.
    if let Some(body) = leptos::prelude::document().body() {
        let _ = body.set_attribute("data-hydrated", "");
    }
}
