//! Jinri's addition to its copy of leptos_meta (see VENDORED.md).

use crate::{ServerMetaContext, ServerMetaContextOutput};
use leptos::{
    attr::any_attribute::AnyAttribute,
    reactive::owner::use_context,
    tachys::{
        html::attribute::Attribute,
        hydration::Cursor,
        view::{
            Position, PositionState, Render, RenderFlags, RenderHtml,
            add_attr::AddAnyAttr,
        },
    },
};

/// Tags for the document's `<head>`, written and escaped by the caller, that go where the
/// `<Meta>`, `<Link>` … components' tags go, at the point of the render where this view is
/// written (as those components register theirs, so the head keeps the page's order). It
/// writes nothing into the body. For the server only: a page that hydrates must write, beside
/// it, the body markers the components it stands for would have written, and the browser's
/// view keeps those components.
///
/// One string for a page's tags instead of a component per tag: each `<Meta>` builds an
/// element of six optional attributes, each a shared closure, renders it into a string of
/// its own and sends that.
#[derive(Debug)]
pub struct HeadHtml(pub String);

impl Render for HeadHtml {
    type State = ();

    fn build(self) -> Self::State {
        unreachable!("head HTML is written by the server, never built")
    }

    fn rebuild(self, _: &mut Self::State) {
        unreachable!("head HTML is written by the server, never built")
    }
}

impl AddAnyAttr for HeadHtml {
    type Output<SomeNewAttr: Attribute> = Self;

    fn add_any_attr<NewAttr: Attribute>(
        self,
        _: NewAttr,
    ) -> Self::Output<NewAttr>
    where
        Self::Output<NewAttr>: RenderHtml,
    {
        self
    }
}

impl RenderHtml for HeadHtml {
    type AsyncOutput = Self;
    type Owned = Self;

    const MIN_LENGTH: usize = 0;
    const EXISTS: bool = false;

    fn dry_resolve(&mut self) {}

    async fn resolve(self) -> Self::AsyncOutput {
        self
    }

    fn to_html_with_buf(
        self,
        _buf: &mut String,
        _position: &mut Position,
        _flags: RenderFlags,
        _extra_attrs: Vec<AnyAttribute>,
    ) {
        if let Some(cx) = use_context::<ServerMetaContext>() {
            _ = cx.elements.send(self.0);
        }
    }

    fn hydrate<const FROM_SERVER: bool>(
        self,
        _cursor: &Cursor,
        _position: &PositionState,
    ) -> Self::State {
        unreachable!("head HTML is written by the server, never hydrated")
    }

    fn into_owned(self) -> Self::Owned {
        self
    }
}

impl ServerMetaContextOutput {
    /// The `<head>` tags registered so far, taken (for tests of what a page registers).
    #[doc(hidden)]
    pub fn take_head_html(&self) -> String {
        self.elements.try_iter().collect()
    }
}
