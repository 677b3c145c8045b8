//! The browser's side of the live stream: one EventSource per article on screen, merged into
//! the thread by id. The browser reconnects by itself with `Last-Event-ID`; if it gives up
//! (the server answered with an error), this reconnects after a growing pause from the last id
//! seen. Leaving the article (a page change, another sort) closes the stream. A reader whose
//! last id the server's log can no longer resume from gets `Change::Reset` and reads the
//! thread again (`reload`).

use crate::model::{reconnect_delay_ms, ArticleId, Change, LiveEvent};
use futures::StreamExt;
use gloo_net::eventsource::{futures::EventSource, State};
use leptos::prelude::*;

/// Follows the article's stream for as long as the calling component lives; `reload` reads
/// the thread again when the stream says the log cannot bring it up to date. Every change goes
/// to `on_change`, which decides where and when it shows (`CommentsSection`); the count is
/// set at once.
pub fn follow(article: ArticleId, after: i64, total: RwSignal<i64>, reload: Callback<()>, on_change: Callback<Change>) {
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
                                refused = 0;
                                if event.change == Change::Reset {
                                    // Resume from the server's newest id, even if the one
                                    // held here was larger (it came from another database).
                                    last = event.id;
                                    total.set(event.comment_count);
                                    reload.run(());
                                    continue;
                                }
                                last = last.max(event.id);
                                total.set(event.comment_count);
                                on_change.run(event.change);
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
    // The task's `EventSource` closes as the task is dropped.
    on_cleanup(move || stop.abort());
}

async fn gloo_timers_sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}
