//! What Leptos' router leaves to the site after a page change in the browser: putting the reader
//! back where they were on back/forward, moving the keyboard focus to the new content, and
//! scrolling to a `#place` that only exists once the page's data has arrived.
//!
//! The router scrolls to the top (or to a `#place` already on screen) when it commits a new
//! address, and on back/forward it only changes the address: the browser's own scroll
//! restoration would act before the page it returns to exists. So the site restores it: each
//! history entry gets a key in its state, the position the reader is at is kept per key as they
//! scroll (and in the entry itself when the page is left), and after back/forward the entry's
//! position is applied once its page has rendered and is tall enough.
//!
//! The browser delivers scroll events in the next frame, so a reader who scrolls and at once
//! follows a link or goes back would have their last scroll missed (or counted for the entry
//! they went to), and coming forward again would find the top. So the place of the page being
//! left is also taken at the moment of leaving: on a link click (before the router changes
//! anything), and in `popstate` (whose listener runs in the capture phase, before the router's,
//! while the old page is still on screen) under the key of the entry last seen on screen.

use leptos::prelude::*;

/// Mounted once inside the router. Renders nothing.
#[component]
pub fn NavEffects(
    is_routing: RwSignal<bool>,
    /// True from a change of address until the new page is on screen (the progress bar).
    waiting: RwSignal<bool>,
) -> impl IntoView {
    #[cfg(feature = "hydrate")]
    browser::install(is_routing, waiting);
    #[cfg(not(feature = "hydrate"))]
    let _ = (is_routing, waiting);
}

/// A page change whose code could not be fetched. Every page but the article is a lazy route
/// whose code comes in its own file the first time it is shown; that fetch fails when the
/// phone has lost its connection, and for every open tab after a new build is deployed (the
/// build renames every such file, so the names the old bundle knows answer 404). Leptos then
/// renders nothing where the page should be. Here, once the page has hydrated and the browser
/// is online, the page is loaded whole from the server, which sends the current build with
/// it: after a deployment the reader just gets their page. Offline, or when the code failed
/// while the first page was still hydrating (its server-rendered content stays on screen),
/// a line at the top of the content says so, with a link that loads the page anew.
///
/// This is the site's only error hook: a view rendered from an `Err` that no page turned into
/// its own message lands here too, and gets the same line rather than an empty page.
#[component]
pub fn PageCodeFailure() -> impl IntoView {
    // `Some(offline)` while a failure stands; cleared when the failed view goes (the next
    // page change).
    let failed = RwSignal::new(None::<bool>);
    #[cfg(feature = "hydrate")]
    browser::catch_page_failures(failed, leptos_router::hooks::use_url());
    // In every page and hidden, as the thread's two-state controls: cheaper in the browser's
    // code than a view made when needed. `href=""` is the address the browser shows when the
    // link is used (the router has written the new page's by then); `rel="external"` makes it
    // a whole-page load instead of a router change.
    view! {
        <p class="page-failed" role="alert" hidden=move || failed.get().is_none()>
            {move || if failed.get() == Some(true) { "网络连接已断开，页面没能打开。" } else { "页面没能完整打开。" }}
            <a href="" rel="external">"重新加载"</a>
        </p>
    }
}

/// `path?search#hash` of the router's address (its `Url` keeps the three apart).
#[cfg(any(feature = "hydrate", test))]
fn full_path(path: &str, search: &str, hash: &str) -> String {
    let mut out = path.to_owned();
    if !search.is_empty() {
        out.push('?');
        out.push_str(search.trim_start_matches('?'));
    }
    if !hash.is_empty() {
        if !hash.starts_with('#') {
            out.push('#');
        }
        out.push_str(hash);
    }
    out
}

#[cfg(feature = "hydrate")]
mod browser {
    use crate::app::Flash;
    use leptos::prelude::*;
    use leptos::wasm_bindgen::{closure::Closure, JsCast, JsValue};
    use leptos_router::hooks::use_location;
    use std::cell::{Cell, RefCell};
    use std::rc::Rc;

    /// Frames to wait for a page to render before giving up on its scroll position (~5 s).
    const MAX_FRAMES: u32 = 300;

    pub fn install(is_routing: RwSignal<bool>, waiting: RwSignal<bool>) {
        let flash = expect_context::<Flash>();
        let location = use_location();
        // The position a back/forward lands on, read from the entry in `popstate`.
        let popped: Rc<Cell<Option<f64>>> = Rc::new(Cell::new(None));
        // Bumped by every page change: a later one cancels an earlier one's pending work.
        let generation = Rc::new(Cell::new(0u32));

        if let Ok(history) = window().history() {
            let _ = history.set_scroll_restoration(web_sys::ScrollRestoration::Manual);
        }
        // One pair per history entry the reader has shown in this tab (`VecMap`: no hash table's
        // code in the bundle for it).
        let positions: Rc<RefCell<crate::model::VecMap<u32, f64>>> = Rc::default();
        // The key of the entry last seen on screen. The router pushes a new entry only once the
        // new page is ready, so this follows `history.state` (scroll, click, a settled page
        // change) rather than the address.
        let shown = Rc::new(Cell::new(entry_key()));
        // Keeps where the reader is, for the entry on screen.
        let keep = {
            let positions = Rc::clone(&positions);
            let shown = Rc::clone(&shown);
            move || {
                let k = entry_key();
                shown.set(k);
                let y = window().scroll_y().unwrap_or(0.0);
                positions.borrow_mut().insert(k, y);
                (k, y)
            }
        };
        {
            let keep = keep.clone();
            let _ = window_event_listener(leptos::ev::scroll, move |_| {
                keep();
            });
        }
        {
            // A link is followed from where the reader is now, not from the last scroll event.
            //
            // A link taken while the router still waits for the previous page change's page (its
            // code or data) is left to the browser: a page load. Leptos' `FlatRoutes` (0.9.0-rc1)
            // takes a second change to the route it is already waiting for (two articles tapped
            // in a row) as a change of parameters of a page on screen, and the page it was
            // waiting for is dropped as out of date: the old page stayed, under the new address,
            // for good. This listener runs in the capture phase, before the router's.
            let keep = keep.clone();
            let on_click = Closure::<dyn Fn(web_sys::Event)>::new(move |ev: web_sys::Event| {
                keep();
                if is_routing.get_untracked() && crate::components::hydration::on_link(&ev) {
                    ev.stop_propagation();
                }
            });
            let _ =
                document().add_event_listener_with_callback_and_bool("click", on_click.as_ref().unchecked_ref(), true);
            on_click.forget();
        }
        // Leaving the site or reloading: the entry itself keeps the place, for coming back.
        let _ = window_event_listener(leptos::ev::pagehide, move |_| {
            let (k, y) = keep();
            set_entry_state(k, Some(y));
        });
        {
            let popped = Rc::clone(&popped);
            let positions = Rc::clone(&positions);
            let shown = Rc::clone(&shown);
            let on_pop = Closure::<dyn Fn(web_sys::PopStateEvent)>::new(move |ev: web_sys::PopStateEvent| {
                // The page being left is still on screen: its place is kept first.
                let y = window().scroll_y().unwrap_or(0.0);
                positions.borrow_mut().insert(shown.get(), y);
                let key = entry_key();
                shown.set(key);
                let y = positions.borrow().get(&key).copied().or_else(|| state_number(&ev.state(), "y"));
                popped.set(Some(y.unwrap_or(0.0)));
            });
            let _ =
                window().add_event_listener_with_callback_and_bool("popstate", on_pop.as_ref().unchecked_ref(), true);
            // The app lives as long as the page: so does this listener.
            on_pop.forget();
        }

        // After each change of address (not the first render).
        Effect::new(move |prev: Option<(String, String, String)>| {
            let now = (location.pathname.get(), location.search.get(), location.hash.get());
            if let Some(prev) = prev {
                if prev != now {
                    flash.moved.set(true);
                    let new_page = prev.0 != now.0;
                    generation.set(generation.get().wrapping_add(1));
                    let popped = Rc::clone(&popped);
                    waiting.set(true);
                    let job = Job {
                        shown: Rc::clone(&shown),
                        generation: Rc::clone(&generation),
                        id: generation.get(),
                        new_page,
                        popped,
                        y: None,
                        is_routing,
                        waiting,
                    };
                    settle(job, 0);
                }
            }
            now
        });
    }

    thread_local! {
        static NEXT_KEY: Cell<u32> = const { Cell::new(1) };
    }

    fn state_number(state: &JsValue, field: &str) -> Option<f64> {
        js_sys::Reflect::get(state, &JsValue::from_str(field)).ok().and_then(|v| v.as_f64())
    }

    /// The key of the history entry on screen, given to it on first use. Keys from an earlier
    /// load of the page (after a reload) are skipped, so two entries never share one.
    fn entry_key() -> u32 {
        let state = window().history().and_then(|h| h.state()).unwrap_or(JsValue::NULL);
        if let Some(k) = state_number(&state, "k") {
            let k = k as u32;
            NEXT_KEY.with(|n| n.set(n.get().max(k.wrapping_add(1))));
            return k;
        }
        let k = NEXT_KEY.with(|n| {
            let k = n.get();
            n.set(k.wrapping_add(1));
            k
        });
        set_entry_state(k, None);
        k
    }

    fn set_entry_state(key: u32, y: Option<f64>) {
        let Ok(history) = window().history() else { return };
        let state = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&state, &JsValue::from_str("k"), &JsValue::from_f64(key.into()));
        if let Some(y) = y {
            let _ = js_sys::Reflect::set(&state, &JsValue::from_str("y"), &JsValue::from_f64(y));
        }
        let _ = history.replace_state(&state, "");
    }

    struct Job {
        /// See `install`: set once the new page is on screen (its entry is then pushed).
        shown: Rc<Cell<u32>>,
        generation: Rc<Cell<u32>>,
        id: u32,
        /// Another path (not only another `?sort` or `?page`): the focus moves.
        new_page: bool,
        /// Set by `popstate`, which may run after the router has changed the address: read in
        /// the first frame.
        popped: Rc<Cell<Option<f64>>>,
        /// Back/forward: the position to return to.
        y: Option<f64>,
        is_routing: RwSignal<bool>,
        waiting: RwSignal<bool>,
    }

    /// Waits, a frame at a time, for the new page to be on screen, then scrolls and focuses.
    fn settle(mut job: Job, frame: u32) {
        _ = request_animation_frame(move || {
            if job.generation.get() != job.id {
                return;
            }
            if frame == 0 {
                job.y = job.popped.take();
            }
            let timed_out = frame >= MAX_FRAMES;
            if !rendered(job.is_routing) && !timed_out {
                return settle(job, frame + 1);
            }
            job.shown.set(entry_key());
            job.waiting.set(false);
            let doc = document();
            let hash = window().location().hash().unwrap_or_default();
            let target = hash
                .strip_prefix('#')
                .filter(|h| !h.is_empty())
                .and_then(|h| js_sys::decode_uri_component(h).ok())
                .and_then(|h| h.as_string())
                .and_then(|h| doc.get_element_by_id(&h));
            match job.y {
                Some(y) => {
                    // Back/forward: once the page is tall enough for the old position (or time is up).
                    let tall = doc.document_element().map(|e| e.scroll_height() as f64).unwrap_or(0.0);
                    let view = window().inner_height().ok().and_then(|h| h.as_f64()).unwrap_or(0.0);
                    if tall < y + view && !timed_out {
                        return settle(job, frame + 1);
                    }
                    window().scroll_to_with_x_and_y(0.0, y);
                }
                None => {
                    if let Some(t) = &target {
                        t.scroll_into_view();
                    }
                }
            }
            if job.new_page || target.is_some() {
                // As after a page load, keyboard and screen-reader users go on from the new
                // content (or the place the address names), not from a link that is gone.
                let focus = target.or_else(|| doc.get_element_by_id("main"));
                if let Some(el) = focus.and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()) {
                    if !el.has_attribute("tabindex") {
                        let _ = el.set_attribute("tabindex", "-1");
                    }
                    let options = web_sys::FocusOptions::new();
                    options.set_prevent_scroll(true);
                    let _ = el.focus_with_options(&options);
                }
            }
        });
    }

    /// The new page has rendered: the router is done, nothing in `main` is still loading, and
    /// the page's canonical address (set with its data, `PageMeta`) is this address's path. A
    /// page without one (404) counts once the router is done and nothing is loading.
    fn rendered(is_routing: RwSignal<bool>) -> bool {
        if is_routing.get_untracked() {
            return false;
        }
        let doc = document();
        if doc.query_selector("main .loading").ok().flatten().is_some() {
            return false;
        }
        let path = window().location().pathname().unwrap_or_default();
        match doc.query_selector("link[rel=canonical]").ok().flatten() {
            Some(link) => link
                .dyn_into::<web_sys::HtmlLinkElement>()
                .ok()
                .and_then(|l| web_sys::Url::new(&l.href()).ok())
                .is_some_and(|u| u.pathname() == path),
            None => true,
        }
    }

    /// The error hook behind [`super::PageCodeFailure`], set once for the whole app.
    struct PageFailureHook {
        failed: RwSignal<Option<bool>>,
        url: ReadSignal<leptos_router::location::Url>,
    }

    impl leptos::error::ErrorHook for PageFailureHook {
        fn throw(&self, error: leptos::error::Error) -> leptos::error::ErrorId {
            let online = window().navigator().on_line();
            let hydrated = document().body().is_some_and(|b| b.has_attribute("data-hydrated"));
            // The router's address is already the new page's; the browser's is not yet.
            if online
                && hydrated
                && error.downcast_ref::<leptos::LazyViewError>().is_some()
                && window()
                    .location()
                    .assign(&self.url.with_untracked(|u| super::full_path(u.path(), u.search(), u.hash())))
                    .is_ok()
            {
                return leptos::error::ErrorId::default();
            }
            self.failed.set(Some(!online));
            leptos::error::ErrorId::default()
        }

        fn clear(&self, _: &leptos::error::ErrorId) {
            self.failed.set(None);
        }
    }

    /// Makes [`PageFailureHook`] the error hook of every view built from now on (the guard
    /// that would put the previous one back is never dropped).
    pub fn catch_page_failures(failed: RwSignal<Option<bool>>, url: ReadSignal<leptos_router::location::Url>) {
        std::mem::forget(leptos::error::set_error_hook(std::sync::Arc::new(PageFailureHook { failed, url })));
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_reload_address_is_the_routers_path_query_and_place() {
        assert_eq!(super::full_path("/channel/au", "", ""), "/channel/au");
        assert_eq!(super::full_path("/article/1", "sort=old&page=2", "#c5"), "/article/1?sort=old&page=2#c5");
        assert_eq!(super::full_path("/article/1", "?sort=old", "c5"), "/article/1?sort=old#c5");
    }
}
