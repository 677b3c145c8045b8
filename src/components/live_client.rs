//! The browser's side of the live streams. An article on screen has one EventSource: its
//! comments, merged into the thread by id, and what the newsroom does to the article
//! (`ArticleLive`). An open front or channel page has one for its newest articles
//! (`NewestArticles`). The browser reconnects by itself (with `Last-Event-ID` for comments);
//! if it gives up (the server answered with an error), this reconnects after a growing pause.
//! Leaving the page (a page change, another sort) closes the stream. A reader whose last id
//! the server's log can no longer resume from gets `Change::Reset` and reads the thread again
//! (`reload`).

use crate::app::{ArticleLive, NewestArticles};
use crate::model::{reconnect_delay_ms, ArticleId, ArticleNotice, Change, Channel, LiveEvent};
use futures::StreamExt;
use gloo_net::eventsource::{futures::EventSource, State};
use leptos::prelude::*;
use std::cell::Cell;
use std::rc::Rc;

/// Follows the article's stream for as long as the calling component lives; `reload` reads
/// the thread again when the stream says the log cannot bring it up to date. Every change goes
/// to `on_change`, which decides where and when it shows (`CommentsSection`); the count is
/// set at once. The newsroom's notices go to the page's `ArticleLive`.
pub fn follow(article: ArticleId, after: i64, total: RwSignal<i64>, reload: Callback<()>, on_change: Callback<Change>) {
    let notices = use_context::<ArticleLive>();
    let last = Rc::new(Cell::new(after));
    let url = {
        let last = last.clone();
        move || format!("/api/comments/stream?article_id={article}&after={}", last.get())
    };
    let on = move |kind: &str, data: &str| {
        // `from_slice`, as server functions read JSON: one parser per type.
        if kind == "article" {
            let Ok(notice) = serde_json::from_slice::<ArticleNotice>(data.as_bytes()) else { return false };
            if let Some(n) = notices {
                n.0.set(Some(notice));
            }
            return true;
        }
        let Ok(event) = serde_json::from_slice::<LiveEvent>(data.as_bytes()) else { return false };
        total.set(event.comment_count);
        if event.change == Change::Reset {
            // Resume from the server's newest id, even if the one held here was larger (it
            // came from another database).
            last.set(event.id);
            reload.run(());
        } else {
            last.set(last.get().max(event.id));
            on_change.run(event.change);
        }
        true
    };
    let (task, stop) = futures::future::abortable(listen(Box::new(url), &["comment", "article"], Box::new(on)));
    leptos::task::spawn_local(async move {
        let _ = task.await;
    });
    // The task's `EventSource` closes as the task is dropped.
    on_cleanup(move || stop.abort());
}

/// Keeps `NewestArticles` current while the page at `path` is the front page or a channel's:
/// one stream, opened when such a page comes and closed when it goes (changing channels
/// changes the stream).
pub fn follow_newest(path: Memo<String>, newest: NewestArticles) {
    type Running = (Option<&'static str>, Option<futures::future::AbortHandle>);
    Effect::new(move |before: Option<Running>| -> Running {
        let path = path.get();
        let scope = if path == "/" {
            Some("")
        } else if path == "/admin/moderation" {
            Some("moderation")
        } else {
            path.strip_prefix("/channel/").and_then(Channel::by_slug).map(|c| c.slug)
        };
        if let Some((was, stop)) = before {
            if was == scope {
                return (was, stop);
            }
            if let Some(stop) = stop {
                stop.abort();
            }
        }
        newest.0.set(None);
        let Some(slug) = scope else { return (None, None) };
        let url = if slug.is_empty() {
            "/api/articles/stream".to_owned()
        } else if slug == "moderation" {
            "/api/moderation/stream".to_owned()
        } else {
            format!("/api/articles/stream?channel={slug}")
        };
        let on = move |_: &str, data: &str| match serde_json::from_slice::<Vec<i64>>(data.as_bytes()) {
            Ok(ids) => {
                newest.0.set(Some((slug, ids)));
                true
            }
            Err(_) => false,
        };
        let (task, stop) =
            futures::future::abortable(listen(Box::new(move || url.clone()), &["articles", "queue"], Box::new(on)));
        leptos::task::spawn_local(async move {
            let _ = task.await;
        });
        (scope, Some(stop))
    });
}

/// Opens the stream at `url()` again and again and hands each message of the event kinds
/// `kinds` to `on` (kind, data), which says whether it understood it. After refusals in a
/// row (404, 429, 503: the browser does not retry an HTTP error itself) the pauses grow.
/// Boxed, so that one copy of `listen` serves both streams (the bundle's size).
async fn listen(url: Box<dyn Fn() -> String>, kinds: &'static [&'static str], mut on: OnMessage) {
    use std::task::Poll;
    let mut refused = 0u32;
    loop {
        if let Ok(mut source) = EventSource::new(&url()) {
            let mut kinds: Vec<_> = kinds.iter().filter_map(|k| source.subscribe(*k).ok()).collect();
            // The kinds' messages as they come (the stream ends when any kind's ends).
            let mut events = futures::stream::poll_fn(move |cx| {
                for k in kinds.iter_mut() {
                    if let Poll::Ready(item) = k.poll_next_unpin(cx) {
                        return Poll::Ready(item);
                    }
                }
                Poll::Pending
            });
            while let Some(item) = events.next().await {
                match item {
                    Ok((kind, message)) => {
                        if message.data().as_string().is_some_and(|data| on(&kind, &data)) {
                            refused = 0;
                        }
                    }
                    Err(_) if source.state() == State::Closed => break,
                    Err(_) => {}
                }
            }
            source.close();
        }
        let delay = reconnect_delay_ms(refused, js_sys::Math::random());
        refused = refused.saturating_add(1);
        sleep(delay as i32).await;
    }
}

/// What `listen` hands each message to: (kind, data) → understood.
type OnMessage = Box<dyn FnMut(&str, &str) -> bool>;

async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}
