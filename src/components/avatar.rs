use crate::model::Avatar;
use leptos::prelude::*;

/// A round badge with the first character of the name, coloured by the name.
#[component]
pub fn AvatarBadge(#[prop(into)] name: String) -> impl IntoView {
    let a = Avatar::for_name(&name);
    view! {
        <span class=format!("avatar avatar-{}", a.index) aria-hidden="true">
            {a.initial}
        </span>
    }
}
