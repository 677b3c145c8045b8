#![recursion_limit = "256"]
//! 今日 (Jinri): a Chinese-language community news site.
//!
//! One crate, two targets: with `ssr` it is the axum server (see `main.rs`), with `hydrate` it
//! is the browser bundle, a single-page app: every page renders on the server, then the whole
//! page hydrates and Leptos' router changes pages in the browser.

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
    // As `leptos::mount::hydrate_lazy` (the lazy routes' code is fetched while the page
    // hydrates), then marks `<body data-hydrated>` once every part of the page, the lazy
    // route's view included, has hydrated: end-to-end tests wait for that mark.
    //
    // Hydration starts in a task of its own (a zero-delay timer), not in the one that
    // instantiated the module: two shorter tasks instead of one long one, so a tap arriving in
    // between is handled sooner (Lighthouse counts each task's time past 50 ms as blocking).
    // Until hydration, links and forms work as plain HTML, even once the router listens
    // (`PlainUntilHydrated`).
    let plain = components::PlainUntilHydrated::install();
    wasm_bindgen_futures::spawn_local(async move {
        components::next_task().await;
        let Some(body) = leptos::prelude::document().body() else { return };
        // Pages may hand the rest of their hydration to later tasks (`hydration_break`).
        let app = leptos::mount::hydrate_from_async(body.clone(), app::App).await;
        plain.release();
        let _ = body.set_attribute("data-hydrated", "");
        app.forget();
    });
}
