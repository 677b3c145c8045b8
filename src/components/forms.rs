//! Forms that a server action sends from the browser, without `ActionForm`.
//!
//! Leptos' `ActionForm` reads a submitted form back into the action's input through
//! `serde_qs`, whose deserializer (~27 KB of the main module before compression) and one form
//! decoder per action would otherwise be in every first visit's download. Each form of the site
//! knows its input's shape: `send_form` builds it from the form's named fields and dispatches
//! it. The markup is a plain `<form method="post" action=…>` as `ActionForm`
//! writes it, so without JavaScript the same form is a plain post.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;

/// The fields of a submitted form, by name.
pub struct Fields<'a>(&'a dyn Fn(&str) -> Option<String>);

impl Fields<'_> {
    /// A field's text, empty when the form sent no such field.
    pub fn text(&self, name: &str) -> String {
        (self.0)(name).unwrap_or_default()
    }

    /// A field's text, `None` when the form sent no such field (as `ActionForm`'s decoder
    /// reads an `Option<String>`: an empty field is `Some("")`).
    pub fn opt(&self, name: &str) -> Option<String> {
        (self.0)(name)
    }
}

/// A server function called from the browser: Leptos' `ServerAction` without the one thing
/// Jinri does not use. `ServerAction::new` also looks for an error a plain post left in the
/// address (`?__err=…`, base64), which this site never puts there (a failed plain post comes
/// back to its form through the flash cookie); that reading was base64's decoder and a copy of
/// the lookup per server function in the browser's bundle.
pub type ServerCall<S> = Action<S, Result<<S as ServerFn>::Output, <S as ServerFn>::Error>>;

/// A new `ServerCall`: dispatching it calls `S` on the server (see `ServerCall`).
pub fn server_call<S>() -> ServerCall<S>
where
    S: ServerFn + Clone + Send + Sync + 'static,
    S::Output: Send + Sync + 'static,
    S::Error: Send + Sync + 'static,
{
    Action::new(|input: &S| S::run_on_client(input.clone()))
}

/// The submit handler of a form for `action`: unless an earlier handler refused the submit
/// (the browser's own checks, on capture), it stops the plain post and sends the input
/// `read` makes of the form's fields.
pub fn send_form<A>(
    action: ServerCall<A>,
    read: impl Fn(&Fields) -> A + 'static,
) -> impl Fn(leptos::ev::SubmitEvent) + 'static
where
    A: leptos::server_fn::ServerFn + Clone + Send + Sync + 'static,
    A::Output: Send + Sync + 'static,
    A::Error: Send + Sync + 'static,
{
    move |ev| {
        if ev.default_prevented() {
            return;
        }
        ev.prevent_default();
        #[cfg(feature = "hydrate")]
        {
            use leptos::wasm_bindgen::JsCast;
            let Some(form) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlFormElement>().ok()) else { return };
            let Ok(data) = web_sys::FormData::new_with_form(&form) else { return };
            let field = |name: &str| data.get(name).as_string();
            action.dispatch(read(&Fields(&field)));
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (action, &read);
    }
}

/// The submit handler of a one-button form (赞, 确定删除) whose input is known when it is
/// drawn: the form's hidden fields carry the same for a plain post.
pub fn send_input<A>(action: ServerCall<A>, input: A) -> impl Fn(leptos::ev::SubmitEvent) + 'static
where
    A: leptos::server_fn::ServerFn + Clone + Send + Sync + 'static,
    A::Output: Send + Sync + 'static,
    A::Error: Send + Sync + 'static,
{
    send_form(action, move |_| input.clone())
}
