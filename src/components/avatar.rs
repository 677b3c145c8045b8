use crate::model::Avatar;
use leptos::prelude::*;

/// A round badge with the first character of the name, coloured by the name. A function, not a
/// component: one is drawn per comment, and a component's wrapping costs more than the badge.
pub fn avatar_badge(name: &str) -> impl IntoView {
    // One class a colour, written out: no string is made per badge.
    const CLASSES: [&str; crate::model::PALETTE.len()] = [
        "avatar avatar-0",
        "avatar avatar-1",
        "avatar avatar-2",
        "avatar avatar-3",
        "avatar avatar-4",
        "avatar avatar-5",
        "avatar avatar-6",
        "avatar avatar-7",
        "avatar avatar-8",
        "avatar avatar-9",
    ];
    let a = Avatar::for_name(name);
    view! {
        <span class=CLASSES[a.index] aria-hidden="true">
            {a.initial}
        </span>
    }
}
