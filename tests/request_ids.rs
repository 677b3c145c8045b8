//! Every request is served inside a span that carries its id (`x-request-id`): each line
//! logged while serving it, in a server function called over HTTP or by a page being
//! rendered, names the request it belongs to.
#![cfg(feature = "ssr")]

mod common;

use std::sync::{Arc, Mutex, OnceLock};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::Layer;

/// What was logged: each line's message and the request id of the span it was written in.
type Lines = Arc<Mutex<Vec<(String, Option<String>)>>>;

struct RequestId(String);

#[derive(Default)]
struct Fields {
    message: String,
    id: Option<String>,
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "id" => self.id = Some(value.to_owned()),
            "message" => self.message = value.to_owned(),
            _ => {}
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.message = format!("{value:?}");
        }
    }
}

struct Capture(Lines);

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Capture {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut fields = Fields::default();
        attrs.record(&mut fields);
        if let (Some(request), Some(span)) = (fields.id, ctx.span(id)) {
            span.extensions_mut().insert(RequestId(request));
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let mut fields = Fields::default();
        event.record(&mut fields);
        let request = ctx
            .event_scope(event)
            .and_then(|scope| scope.from_root().find_map(|s| s.extensions().get::<RequestId>().map(|r| r.0.clone())));
        self.0.lock().unwrap().push((fields.message, request));
    }
}

fn lines() -> Lines {
    static LINES: OnceLock<Lines> = OnceLock::new();
    LINES
        .get_or_init(|| {
            let lines = Lines::default();
            let subscriber = tracing_subscriber::registry().with(Capture(lines.clone()));
            tracing::subscriber::set_global_default(subscriber).unwrap();
            lines
        })
        .clone()
}

/// The messages logged under request `id`.
fn logged_under(id: &str) -> Vec<String> {
    lines().lock().unwrap().iter().filter(|(_, r)| r.as_deref() == Some(id)).map(|(m, _)| m.clone()).collect()
}

fn request_id(resp: &reqwest::Response) -> String {
    resp.headers()["x-request-id"].to_str().unwrap().to_owned()
}

#[tokio::test]
async fn an_error_inside_a_server_function_is_logged_with_the_id_of_its_request() {
    lines();
    let s = common::spawn_with(&[("JINRI_AUTH_REGISTRATIONS_PER_IP_PER_HOUR", "1000")]).await;
    let cookie = s.reader("日志读者").await;
    let db = s.db().await;
    let comment = common::scalar(&db, "SELECT MIN(id) FROM comments WHERE article_id = 1").await.to_string();
    // Likes can no longer be stored: the like's server function fails inside.
    common::execute(&db, "DROP TABLE comment_likes").await;

    let resp = s.call("/api/comments/like", &[("comment_id", &comment)], Some(&cookie)).await;
    assert_eq!(resp.status(), 500);
    let id = request_id(&resp);
    let logged = logged_under(&id);
    assert!(logged.iter().any(|m| m == "server function failed"), "{id}: {logged:?}");
    assert!(logged.iter().any(|m| m == "request"), "the request's own line: {logged:?}");

    // A page whose comments cannot be read logs that from the resource that read them.
    let resp = s.client.get(format!("{}/article/1", s.base)).send().await.unwrap();
    let id = request_id(&resp);
    let logged = logged_under(&id);
    assert!(logged.iter().any(|m| m == "server function failed"), "{id}: {logged:?}");
}

#[tokio::test]
async fn every_request_gets_an_id_of_the_server_never_one_a_client_sent() {
    lines();
    let s = common::spawn().await;
    let mut seen = std::collections::HashSet::new();
    for _ in 0..3 {
        let resp = s.client.get(format!("{}/healthz", s.base)).header("x-request-id", "forged").send().await.unwrap();
        let id = request_id(&resp);
        assert_ne!(id, "forged");
        assert!(logged_under(&id).iter().any(|m| m == "request"), "{id}");
        assert!(seen.insert(id), "each request has its own id");
    }
    assert!(logged_under("forged").is_empty());
}
