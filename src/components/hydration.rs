//! Breaking the first hydration into tasks.
//!
//! The browser hydrates the server's page in one go, and on a phone the first call of each of
//! the bundle's functions also compiles it (V8 compiles WebAssembly lazily): on the article page
//! that is one task of ~140 ms at Lighthouse's 4x CPU slowdown, half of it compilation. Long
//! tasks delay the reader's first tap. `hydration_break` lets a page say "hydrate the rest in a
//! new task": inside a `Suspend`, the hydration (`hydrate_from_async`, see `hydrate` in lib.rs)
//! waits for it, the browser gets a turn, and the rest hydrates against the same server HTML.
//! Outside the first hydration (the server, a page change in the browser) it is ready at once,
//! so nothing renders later than before.

/// Resolves at once, or, during the first hydration, in a new task (`next_task`). Leptos' own
/// shared context says whether the page is still hydrating: it stays so until
/// `hydrate_from_async` has finished, and is never so on the server.
/// The future is `Send`, as `Suspend` asks: only a channel's receiver lives across the wait.
pub async fn hydration_break() {
    #[cfg(feature = "hydrate")]
    if leptos::prelude::Owner::current_shared_context().is_some_and(|sc| sc.during_hydration()) {
        next_task().await;
    }
}

/// Resolves in a new task of the browser's: after a zero-delay timer.
#[cfg(feature = "hydrate")]
pub async fn next_task() {
    use leptos::wasm_bindgen::{closure::Closure, JsCast};
    let (tx, rx) = futures::channel::oneshot::channel::<()>();
    // Without a window (not a browser page) the sender is dropped here and the receiver
    // resolves at once.
    if let Some(w) = web_sys::window() {
        let fire = Closure::once_into_js(move || {
            let _ = tx.send(());
        });
        let _ = w.set_timeout_with_callback(fire.unchecked_ref());
    }
    let _ = rx.await;
}

/// Keeps links and forms plain HTML until the page has hydrated.
///
/// Leptos' router starts listening for clicks on the window early in the first hydration,
/// while later tasks (`hydration_break`, the lazy route's code) are still to hydrate the rest
/// of the page. A link it took over in between made it render the new route into a page still
/// hydrating: tachys panicked ("unreachable", `hydration.rs`) and the old page stayed on screen.
/// Until `release`, a window listener in the capture phase (it runs before every other one)
/// stops a click on a link, or a form's submission, from reaching the router or Leptos'
/// delegated handlers; the browser's own action goes on, a page load or a plain post, as
/// before the bundle arrived.
#[cfg(feature = "hydrate")]
pub struct PlainUntilHydrated {
    listener: leptos::wasm_bindgen::closure::Closure<dyn Fn(web_sys::Event)>,
}

#[cfg(feature = "hydrate")]
impl PlainUntilHydrated {
    const EVENTS: [&'static str; 2] = ["click", "submit"];

    pub fn install() -> Self {
        use leptos::wasm_bindgen::{closure::Closure, JsCast};
        let listener = Closure::<dyn Fn(web_sys::Event)>::new(|ev: web_sys::Event| {
            if ev.type_() == "submit" || on_link(&ev) {
                ev.stop_propagation();
            }
        });
        if let Some(w) = web_sys::window() {
            for event in Self::EVENTS {
                let _ = w.add_event_listener_with_callback_and_bool(event, listener.as_ref().unchecked_ref(), true);
            }
        }
        Self { listener }
    }

    /// The page has hydrated: the router and the page's handlers take links and forms.
    pub fn release(self) {
        use leptos::wasm_bindgen::JsCast;
        if let Some(w) = web_sys::window() {
            for event in Self::EVENTS {
                let _ =
                    w.remove_event_listener_with_callback_and_bool(event, self.listener.as_ref().unchecked_ref(), true);
            }
        }
    }
}

/// Whether the event is on a link (an element inside `<a href>`).
#[cfg(feature = "hydrate")]
pub(crate) fn on_link(ev: &web_sys::Event) -> bool {
    use leptos::wasm_bindgen::JsCast;
    ev.target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .and_then(|el| el.closest("a[href]").ok().flatten())
        .is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outside_the_browsers_first_hydration_the_break_is_ready_at_once() {
        // The server renders through the same `Suspend`: a break that waited there would hold
        // every article page forever.
        use futures::FutureExt;
        assert_eq!(hydration_break().now_or_never(), Some(()));
    }
}
