//! The browser's side of the live stream: one EventSource per open article page, merged into
//! the thread by id. The browser reconnects by itself with `Last-Event-ID`; if it gives up
//! (the server answered with an error), this reconnects after a pause from the last id seen.

use crate::model::{merge_comment, reconnect_delay_ms, ArticleId, Change, Comment, LiveEvent};
use futures::future::AbortHandle;
use futures::StreamExt;
use gloo_net::eventsource::{futures::EventSource, State};
use leptos::prelude::*;
use leptos::wasm_bindgen::{closure::Closure, JsCast};
use web_sys::{MutationObserver, MutationObserverInit};

/// Follows the article's stream for as long as `root` (the thread's element) is in the page.
pub fn follow(
    article: ArticleId,
    after: i64,
    comments: RwSignal<Vec<Comment>>,
    total: RwSignal<i64>,
    root: NodeRef<leptos::html::Section>,
) {
    let (task, stop) = futures::future::abortable(async move {
        let mut last = after;
        // Refusals in a row (404, 429, 503: the browser does not retry an HTTP error itself).
        let mut refused = 0u32;
        loop {
            let url = format!("/api/comments/stream?article_id={article}&after={last}");
            if let Ok(mut source) = EventSource::new(&url) {
                if let Ok(mut events) = source.subscribe("comment") {
                    while let Some(item) = events.next().await {
                        match item {
                            Ok((_, message)) => {
                                let Some(data) = message.data().as_string() else { continue };
                                // `from_slice`, as server functions read JSON: one parser per type.
                                let Ok(event) = serde_json::from_slice::<LiveEvent>(data.as_bytes()) else { continue };
                                last = last.max(event.id);
                                refused = 0;
                                apply(event, comments, total);
                            }
                            Err(_) if source.state() == State::Closed => break,
                            Err(_) => {}
                        }
                    }
                }
                source.close();
            }
            let delay = reconnect_delay_ms(refused, js_sys::Math::random());
            refused = refused.saturating_add(1);
            gloo_timers_sleep(delay as i32).await;
        }
    });
    leptos::task::spawn_local(async move {
        let _ = task.await;
    });
    Effect::new(move |_| {
        if let Some(el) = root.get() {
            stop_when_removed(el.into(), stop.clone());
        }
    });
}

/// Leptos never disposes an island (nothing in islands mode unmounts one), so when the
/// navigation script replaces the page the stream would stay open, and past
/// `live.max_streams_per_ip` (20) open pages the server refuses this reader more streams. The
/// stream is closed once the element has left the document. Checked after each change to the
/// page: an island kept across a navigation is moved out and back in one go, and is in place
/// again by then.
fn stop_when_removed(el: web_sys::Element, stop: AbortHandle) {
    let Some(page) = document().document_element() else { return };
    let check = Closure::<dyn FnMut(js_sys::Array, MutationObserver)>::new(move |_, observer: MutationObserver| {
        if !el.is_connected() {
            stop.abort();
            observer.disconnect();
        }
    });
    let Ok(observer) = MutationObserver::new(check.as_ref().unchecked_ref()) else { return };
    let options = MutationObserverInit::new();
    options.set_child_list(true);
    options.set_subtree(true);
    if observer.observe_with_options(&page, &options).is_ok() {
        // The callback lives as long as the observer, which the browser keeps until it is
        // disconnected above.
        check.forget();
    }
}

fn apply(event: LiveEvent, comments: RwSignal<Vec<Comment>>, total: RwSignal<i64>) {
    comments.update(|list| match event.change {
        Change::Created(c) => merge_comment(list, c),
        Change::Deleted(id) => {
            if let Some(c) = list.iter_mut().find(|c| c.id == id) {
                c.deleted = true;
                c.body.clear();
            }
        }
        Change::Liked { comment_id, likes } => {
            if let Some(c) = list.iter_mut().find(|c| c.id == comment_id) {
                c.likes = likes;
            }
        }
    });
    total.set(event.comment_count);
}

async fn gloo_timers_sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}
