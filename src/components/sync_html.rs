//! How the server writes views without extra work: `sync_html` (a part of a page written
//! straight into the page's buffer) and `suspended` (a `<Suspense>`'s content built once).
//!
//! Inside a `Suspend` (every page's content is in one), tachys renders with its streaming path,
//! in which each element first writes its opening tag, and then its closing tag, into a string
//! of its own before copying it into the page: two or three allocations an element, some
//! 1,500 a request on an article with twenty comments (measured with a uprobe on the
//! allocator). Its plain path writes every element into the one buffer. The two paths write the
//! same HTML; the streaming one exists for `Suspend`s inside, which the plain one cannot wait
//! for. So a view with no `Suspend` inside can be wrapped in `sync_html` to be written the
//! plain way. In the browser the wrapper is nothing: the view builds, hydrates and updates as
//! itself.

use leptos::tachys::html::attribute::any_attribute::AnyAttribute;
use leptos::tachys::html::attribute::Attribute;
use leptos::tachys::hydration::Cursor;
use leptos::tachys::ssr::StreamBuilder;
use leptos::tachys::view::add_attr::AddAnyAttr;
use leptos::tachys::view::{Position, PositionState, Render, RenderFlags, RenderHtml};

/// `view`, written by the server in one buffer. It must hold no `Suspend`, `Transition` or
/// `Suspense` (the plain path does not wait for them).
pub fn sync_html<V: RenderHtml>(view: V) -> SyncHtml<V> {
    SyncHtml(view)
}

/// See [`sync_html`].
pub struct SyncHtml<V>(V);

impl<V: Render> Render for SyncHtml<V> {
    type State = V::State;

    fn build(self) -> Self::State {
        self.0.build()
    }

    fn rebuild(self, state: &mut Self::State) {
        self.0.rebuild(state)
    }
}

impl<V: RenderHtml> RenderHtml for SyncHtml<V> {
    type AsyncOutput = SyncHtml<V::AsyncOutput>;
    type Owned = SyncHtml<V::Owned>;

    const MIN_LENGTH: usize = V::MIN_LENGTH;
    const EXISTS: bool = V::EXISTS;

    async fn resolve(self) -> Self::AsyncOutput {
        SyncHtml(self.0.resolve().await)
    }

    fn dry_resolve(&mut self) {
        self.0.dry_resolve();
    }

    fn to_html_with_buf(
        self,
        buf: &mut String,
        position: &mut Position,
        flags: RenderFlags,
        extra_attrs: Vec<AnyAttribute>,
    ) {
        self.0.to_html_with_buf(buf, position, flags, extra_attrs)
    }

    /// The point of the wrapper: the plain path, into the stream's current buffer.
    fn to_html_async_with_buf<const OUT_OF_ORDER: bool>(
        self,
        buf: &mut StreamBuilder,
        position: &mut Position,
        flags: RenderFlags,
        extra_attrs: Vec<AnyAttribute>,
    ) where
        Self: Sized,
    {
        buf.with_buf(|buf| self.0.to_html_with_buf(buf, position, flags, extra_attrs));
    }

    fn hydrate<const FROM_SERVER: bool>(self, cursor: &Cursor, position: &PositionState) -> Self::State {
        self.0.hydrate::<FROM_SERVER>(cursor, position)
    }

    async fn hydrate_async(self, cursor: &Cursor, position: &PositionState) -> Self::State {
        self.0.hydrate_async(cursor, position).await
    }

    fn into_owned(self) -> Self::Owned {
        SyncHtml(self.0.into_owned())
    }
}

impl<V: AddAnyAttr> AddAnyAttr for SyncHtml<V> {
    type Output<SomeNewAttr: Attribute> = SyncHtml<V::Output<SomeNewAttr>>;

    fn add_any_attr<NewAttr: Attribute>(self, attr: NewAttr) -> Self::Output<NewAttr>
    where
        Self::Output<NewAttr>: RenderHtml,
    {
        SyncHtml(self.0.add_any_attr(attr))
    }
}

/// HTML the server wrote itself for a view (see `comments::written`): the exact bytes the view
/// would write, markers and all, so that the browser hydrates them with the view. It exists
/// only in the server's build, which writes views and never builds or hydrates them.
#[cfg(feature = "ssr")]
pub struct Prerendered(String);

#[cfg(feature = "ssr")]
impl Prerendered {
    pub fn new(html: String) -> Self {
        Prerendered(html)
    }
}

#[cfg(feature = "ssr")]
impl Render for Prerendered {
    type State = ();

    fn build(self) -> Self::State {
        unreachable!("the server writes views; it does not build them")
    }

    fn rebuild(self, _: &mut Self::State) {
        unreachable!("the server writes views; it does not build them")
    }
}

#[cfg(feature = "ssr")]
impl RenderHtml for Prerendered {
    type AsyncOutput = Self;
    type Owned = Self;

    const MIN_LENGTH: usize = 0;

    async fn resolve(self) -> Self::AsyncOutput {
        self
    }

    fn dry_resolve(&mut self) {}

    fn html_len(&self) -> usize {
        self.0.len()
    }

    fn to_html_with_buf(self, buf: &mut String, position: &mut Position, flags: RenderFlags, _: Vec<AnyAttribute>) {
        // The markers are in the bytes: a page is always written for hydration.
        debug_assert!(flags.hydrate);
        buf.push_str(&self.0);
        *position = Position::NextChild;
    }

    fn to_html_async_with_buf<const OUT_OF_ORDER: bool>(
        self,
        buf: &mut StreamBuilder,
        position: &mut Position,
        flags: RenderFlags,
        _: Vec<AnyAttribute>,
    ) where
        Self: Sized,
    {
        debug_assert!(flags.hydrate);
        buf.push_sync(&self.0);
        *position = Position::NextChild;
    }

    fn hydrate<const FROM_SERVER: bool>(self, _: &Cursor, _: &PositionState) -> Self::State {
        unreachable!("the server writes views; it does not hydrate them")
    }

    fn into_owned(self) -> Self::Owned {
        self
    }
}

/// The escaping tachys does, for HTML the server writes itself (`Prerendered`).
#[cfg(feature = "ssr")]
pub mod write {
    /// A text node as tachys writes it: escaped, and one space when empty.
    pub fn text(w: &mut String, t: &str) {
        if t.is_empty() {
            w.push(' ');
        } else {
            text_raw(w, t);
        }
    }

    /// Escaped text, as part of a longer text node.
    pub fn text_raw(w: &mut String, t: &str) {
        w.push_str(&html_escape::encode_text(t));
    }

    /// An attribute value, escaped for double quotes.
    pub fn attr(w: &mut String, v: &str) {
        w.push_str(&html_escape::encode_double_quoted_attribute(v));
    }
}

/// No attribute is ever spread onto a written thread (`thread_view`'s callers add none); one
/// would have nowhere to go in the finished bytes.
#[cfg(feature = "ssr")]
impl AddAnyAttr for Prerendered {
    type Output<SomeNewAttr: Attribute> = Self;

    fn add_any_attr<NewAttr: Attribute>(self, _: NewAttr) -> Self::Output<NewAttr>
    where
        Self::Output<NewAttr>: RenderHtml,
    {
        debug_assert!(false, "no attribute is added to written HTML");
        self
    }
}

/// The content of a `<Suspense>` or `<Transition>`, written `suspended(move || Suspend::new(…))`.
///
/// In the browser this is the reactive closure itself: it runs again when what it reads changes
/// (another article on the same route, a sign-in). On the server a page renders once, and
/// Leptos' `Suspense` walks its children before rendering them (`dry_resolve`, to find the
/// resources they read) and then resolves them; a closure is called anew at each step, so when
/// a walk found its data already there (the site's facts, answered from memory) the whole view
/// inside was built, thrown away and built again (374 allocations a request in each of the two
/// builds of the bare `/app` page, counted with a uprobe on the allocator). A bare `Suspend`
/// keeps what its future built when a walk finds it ready, so the server builds the view once.
/// A closure adds no marker to the HTML, so both write the same page. (The double build is
/// Leptos' own, in `tachys`' `RenderHtml` for closures; wrapping the call sites is the depth
/// this crate can reach without a copy of `tachys`.)
#[cfg(feature = "ssr")]
pub fn suspended<F, V>(mut f: F) -> leptos::prelude::Suspend<V>
where
    F: FnMut() -> leptos::prelude::Suspend<V>,
{
    f()
}

/// See [`suspended`]: in the browser, the closure as `view!` would take it (under
/// `erase_components` it boxes a `{move || …}` child into one shared function type), so the
/// bundle is the same as without the wrapper.
#[cfg(all(not(feature = "ssr"), erase_components))]
pub fn suspended<F, V>(f: F) -> std::sync::Arc<std::sync::Mutex<dyn FnMut() -> leptos::prelude::Suspend<V> + Send>>
where
    F: FnMut() -> leptos::prelude::Suspend<V> + Send + 'static,
    V: 'static,
{
    leptos::__as_shared_reactive_fn(f)
}

/// See [`suspended`]: in the browser, the closure as it is.
#[cfg(all(not(feature = "ssr"), not(erase_components)))]
pub fn suspended<F>(f: F) -> F {
    f
}

/// `view()` rendered by tachys' plain path and by its streaming path (for tests of views the
/// server writes).
#[cfg(all(test, feature = "ssr"))]
pub(crate) fn both<V: RenderHtml>(view: impl Fn() -> V) -> (String, String) {
    let plain = view().to_html();
    let streamed = futures::executor::block_on(async {
        use futures::StreamExt;
        view().to_html_stream_in_order().collect::<String>().await
    });
    (plain, streamed)
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;
    use leptos::prelude::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    /// What a comment is made of: elements, attributes, text beside text, absent and present
    /// parts, a closure, a list.
    fn sample(names: &[&str], open: RwSignal<Option<usize>>) -> impl IntoView {
        let items = names
            .iter()
            .enumerate()
            .map(|(i, n)| {
                let n = n.to_string();
                view! {
                    <li class="comment" id=format!("c{i}")>
                        <span class="author">{n.clone()}</span>" 说："{n}
                        {(i % 2 == 0).then(|| view! { <span class="badge">"置顶"</span> })}
                        {move || (open.get() == Some(i)).then(|| view! { <form><textarea></textarea></form> })}
                        <a href=format!("/article/1?reply={i}#c{i}") aria-pressed=if i == 1 { "true" } else { "false" }>"回复"</a>
                    </li>
                }
            })
            .collect_view();
        view! { <ol class="comments">{items}</ol> }
    }

    #[test]
    fn the_wrapped_view_is_written_as_the_streaming_path_would_write_it() {
        Owner::new().with(the_paths_agree)
    }

    fn the_paths_agree() {
        let open = RwSignal::new(Some(1));
        let names = ["读者甲", "<b>乙</b>", "丙 & 丁"];
        let (plain, streamed) = both(|| sample(&names, open));
        assert_eq!(plain, streamed, "tachys' two paths agree on the sample");
        let (wrapped_plain, wrapped_streamed) = both(|| sync_html(sample(&names, open)));
        assert_eq!(wrapped_streamed, streamed, "inside a stream the wrapper changes nothing in the page");
        assert_eq!(wrapped_plain, plain);
        // The sample is not trivial: escaped text, the open box, a marker for an absent part.
        assert!(
            streamed.contains("&lt;b&gt;乙&lt;/b&gt;") && streamed.contains("<textarea>") && streamed.contains("<!>")
        );
    }

    /// A view inside `<Suspense>` that waits for a resource, counting how often it is built. With
    /// `at_once` the resource's data are there before the first walk (as when a server function
    /// answers from memory: the site's facts), otherwise after a turn of the executor.
    fn waiting(built: Arc<AtomicUsize>, wrapped: bool, at_once: bool) -> AnyView {
        let data = Resource::new(
            || (),
            move |_| async move {
                if !at_once {
                    tokio::task::yield_now().await;
                }
                "新闻".to_owned()
            },
        );
        let content = move || {
            let built = built.clone();
            Suspend::new(async move {
                let text = data.await;
                built.fetch_add(1, Ordering::SeqCst);
                view! { <p class="loaded">{text}</p> }
            })
        };
        if wrapped {
            view! { <Suspense fallback=|| ()>{suspended(content)}</Suspense> }.into_any()
        } else {
            view! { <Suspense fallback=|| ()>{content}</Suspense> }.into_any()
        }
    }

    fn render_counting(wrapped: bool, at_once: bool) -> (String, usize) {
        let built = Arc::new(AtomicUsize::new(0));
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let _in_runtime = runtime.enter();
        // As leptos_axum renders a page: a root owner with the server's hydration context.
        let shared = Arc::new(hydration_context::SsrSharedContext::new());
        let html = Owner::new_root(Some(shared)).with(|| {
            let view = waiting(built.clone(), wrapped, at_once);
            runtime.block_on(async {
                use futures::StreamExt;
                view.to_html_stream_in_order().collect::<String>().await
            })
        });
        (html, built.load(Ordering::SeqCst))
    }

    #[test]
    fn the_server_builds_a_suspended_view_once_and_writes_the_same_page() {
        // Leptos' tasks on tokio, as the server runs them (or as another test set up already).
        crate::server::tasks::init();
        for at_once in [true, false] {
            let (plain_html, plain_builds) = render_counting(false, at_once);
            let (html, builds) = render_counting(true, at_once);
            assert_eq!(builds, 1, "the wrapped view is built once (data at once: {at_once})");
            assert_eq!(html, plain_html);
            assert!(html.contains("<p class=\"loaded\">新闻"), "{html}");
            // Leptos' own walk builds a closure's view anew each time it finds the data there:
            // the reason for the wrapper.
            assert_eq!(plain_builds, if at_once { 2 } else { 1 }, "a closure in <Suspense> (data at once: {at_once})");
        }
    }
}
