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

#[cfg(feature = "hydrate")]
thread_local! {
    static HYDRATING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Marks the page's first hydration as running (true) or done (false).
#[cfg(feature = "hydrate")]
pub fn set_hydrating(on: bool) {
    HYDRATING.with(|h| h.set(on));
}

/// Resolves at once, or, during the first hydration, after a zero-delay timer (a new task).
/// The future is `Send`, as `Suspend` asks: only a channel's receiver lives across the wait.
pub async fn hydration_break() {
    #[cfg(feature = "hydrate")]
    if HYDRATING.with(|h| h.get()) {
        let rx = timer_fired();
        let _ = rx.await;
    }
}

#[cfg(feature = "hydrate")]
fn timer_fired() -> futures::channel::oneshot::Receiver<()> {
    use leptos::wasm_bindgen::{closure::Closure, JsCast};
    let (tx, rx) = futures::channel::oneshot::channel();
    // Without a window (not a browser page) the sender is dropped here and the receiver
    // resolves at once: the page still hydrates, in one task.
    let Some(w) = web_sys::window() else { return rx };
    let fire = Closure::once_into_js(move || {
        let _ = tx.send(());
    });
    let _ = w.set_timeout_with_callback(fire.unchecked_ref());
    rx
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
