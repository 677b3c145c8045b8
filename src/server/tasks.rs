//! The tasks Leptos spawns while it renders a page (its resources, which call server
//! functions) run in the span of the request being served (`routes::traced`), so every line
//! they log names that request, as a server function's lines do when it is called over HTTP.

use any_spawner::{CustomExecutor, Executor, PinnedFuture, PinnedLocalFuture};
use tracing::Instrument;

struct InRequestSpan;

impl CustomExecutor for InRequestSpan {
    fn spawn(&self, fut: PinnedFuture<()>) {
        tokio::spawn(fut.instrument(tracing::Span::current()));
    }

    fn spawn_local(&self, fut: PinnedLocalFuture<()>) {
        tokio::task::spawn_local(fut.instrument(tracing::Span::current()));
    }

    fn poll_local(&self) {}
}

/// Makes Leptos spawn its tasks in the current span. Call it before the first page is
/// rendered (leptos_axum would otherwise set up plain tokio); later calls change nothing.
pub fn init() {
    let _ = Executor::init_custom_executor(InRequestSpan);
}
