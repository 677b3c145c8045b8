use crate::api::auth::{Login, Register};
use crate::components::PageMeta;
use crate::model::{safe_next, NAME_MAX, NAME_MIN, PASSWORD_MAX, PASSWORD_MIN};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// `/login`
#[component]
pub fn LoginPage() -> impl IntoView {
    view! {
        <PageMeta title="登录" description="登录今日,参与评论。" path="/login" />
        <AuthForm kind=Kind::Login />
    }
}

/// `/register`
#[component]
pub fn RegisterPage() -> impl IntoView {
    view! {
        <PageMeta title="注册" description="注册今日账号,参与评论。" path="/register" />
        <AuthForm kind=Kind::Register />
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Login,
    Register,
}

/// The form posts to its server function, which redirects to `next` or, refused, back here
/// with the error and the name typed in a flash (see `Request::fail`); with JavaScript the
/// page's navigation script does the same post and shows the page it is sent to.
#[component]
fn AuthForm(kind: Kind) -> impl IntoView {
    let query = use_query_map();
    let next = Memo::new(move |_| safe_next(&query.read().get("next").unwrap_or_else(|| "/".to_owned())));
    // Only from this server's flash: a link made elsewhere cannot put text on the form.
    let flash = super::flash();
    let typed = flash.as_ref().and_then(|f| f.get("name")).unwrap_or_default();
    let error = Memo::new(move |_| flash.as_ref().map(|f| (f.field.clone(), f.message.clone())));
    let field_error = move |f: &'static str| error.get().filter(|(field, _)| field == f).map(|(_, m)| m);
    let form_error = move || error.get().filter(|(field, _)| field != "name" && field != "password").map(|(_, m)| m);
    let (title, button, other, other_href, other_text) = match kind {
        Kind::Login => ("登录", "登录", "还没有账号?", "/register", "注册"),
        Kind::Register => ("注册", "注册", "已有账号?", "/login", "登录"),
    };
    let fields = move || {
        view! {
            <input type="hidden" name="next" value=next />
            <p class="form-error" role="alert">{form_error}</p>
            <label for="name">"用户名"</label>
            <input
                id="name"
                name="name"
                type="text"
                autocomplete="username"
                required
                maxlength=NAME_MAX * 4
                value=typed.clone()
                aria-invalid=move || field_error("name").is_some().to_string()
                aria-describedby="name-help name-error"
            />
            {(kind == Kind::Register).then(|| view! {
                <p id="name-help" class="field-help">{format!("{NAME_MIN}-{NAME_MAX} 个字符:汉字、英文字母、数字、_ 或 -")}</p>
            })}
            <p id="name-error" class="field-error">{move || field_error("name")}</p>
            <label for="password">"密码"</label>
            <input
                id="password"
                name="password"
                type="password"
                autocomplete=if kind == Kind::Login { "current-password" } else { "new-password" }
                required
                maxlength=PASSWORD_MAX * 4
                aria-invalid=move || field_error("password").is_some().to_string()
                aria-describedby="password-help password-error"
            />
            {(kind == Kind::Register).then(|| view! {
                <p id="password-help" class="field-help">{format!("至少 {PASSWORD_MIN} 个字符,不要使用常见密码")}</p>
            })}
            <p id="password-error" class="field-error">{move || field_error("password")}</p>
            <button type="submit" class="primary">{button}</button>
        }
    };
    view! {
        <section class="auth-page">
            <h1>{title}</h1>
            {match kind {
                Kind::Login => view! { <ActionForm action={ServerAction::<Login>::new()} attr:class="auth-form">{fields()}</ActionForm> }.into_any(),
                Kind::Register => view! { <ActionForm action={ServerAction::<Register>::new()} attr:class="auth-form">{fields()}</ActionForm> }.into_any(),
            }}
            <p class="auth-switch">
                {other}<a href=move || format!("{other_href}?next={}", crate::model::encode_query(&next.get()))>{other_text}</a>
            </p>
        </section>
    }
}
