use crate::api::auth::{Login, Register};
use crate::app::{AccountActions, Flash};
use crate::components::{send_form, PageMeta};
use crate::model::{
    check_password_length, safe_next, AppError, FormFlash, Username, NAME_MAX, NAME_MIN, PASSWORD_MAX, PASSWORD_MIN,
};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::use_query_map;

super::lazy_page! {
    /// `/login`
    LoginRoute => LoginPage
}

#[component]
fn LoginPage() -> impl IntoView {
    view! {
        <PageMeta title="登录" description="登录今日，参与评论。" path="/login" />
        <AuthForm kind=Kind::Login />
    }
}

super::lazy_page! {
    /// `/register`
    RegisterRoute => RegisterPage
}

#[component]
fn RegisterPage() -> impl IntoView {
    view! {
        <PageMeta title="注册" description="注册今日账号，参与评论。" path="/register" />
        <AuthForm kind=Kind::Register />
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Login,
    Register,
}

/// The form posts to its server function, which signs the reader in and sends them to `next`.
/// With JavaScript the browser checks the fields first with the server's own rules and shows
/// what is wrong beside the field, before any request; what the server refuses (name taken,
/// wrong password, too many tries) shows in the same place, and the name typed stays. Without
/// JavaScript the form is a plain post, and a refusal comes back to this page with the message
/// and the name in a flash (see `Request::fail`), never in the address.
#[component]
fn AuthForm(kind: Kind) -> impl IntoView {
    let flash = expect_context::<Flash>();
    view! {
        <Suspense fallback=|| view! { <p class="loading">"加载中…"</p> }>
            {crate::components::suspended(move || Suspend::new(async move {
                let flash = flash.get().await;
                view! { <AuthFields kind flash /> }
            }))}
        </Suspense>
    }
}

/// The browser's own check of a form before it is sent: the field at fault and why.
fn check(kind: Kind, name: &str, password: &str) -> Result<(), (&'static str, String)> {
    match kind {
        Kind::Register => {
            Username::parse(name).map_err(|m| ("name", m))?;
            check_password_length(password).map_err(|m| ("password", m))
        }
        Kind::Login => crate::model::login_fields_filled(name, password),
    }
}

#[component]
fn AuthFields(kind: Kind, flash: Option<FormFlash>) -> impl IntoView {
    let actions = expect_context::<AccountActions>();
    let query = use_query_map();
    let next = Memo::new(move |_| safe_next(&query.read().get("next").unwrap_or_else(|| "/".to_owned())));
    // Only from this server's flash: a link made elsewhere cannot put text on the form.
    let typed = flash.as_ref().and_then(|f| f.get("name")).unwrap_or_default();
    let flashed = flash.map(|f| (f.field, f.message));
    // The browser's own check, until the reader types again.
    let checked = RwSignal::new(None::<(String, String)>);
    // The two forms differ only in their action; both send the same fields. Each action is
    // taken once (on the server, asking for one makes it).
    let (value, pending, url, send): (_, _, &str, Box<dyn Fn(leptos::ev::SubmitEvent)>) = match kind {
        Kind::Login => {
            let a = actions.login();
            let send = send_form(a, |form| Login {
                name: form.text("name"),
                password: form.text("password"),
                next: form.opt("next"),
            });
            (a.value(), a.pending(), Login::url(), Box::new(send))
        }
        Kind::Register => {
            let a = actions.register();
            let send = send_form(a, |form| Register {
                name: form.text("name"),
                password: form.text("password"),
                next: form.opt("next"),
            });
            (a.value(), a.pending(), Register::url(), Box::new(send))
        }
    };
    // A refusal from an earlier visit to this form is not shown again.
    value.set(None);
    let error = Memo::new(move |_| {
        checked.get().or_else(|| match value.get() {
            Some(Err(AppError::Validation { field, message })) => Some((field, message)),
            Some(Err(e)) => Some(("form".to_owned(), e.to_string())),
            Some(Ok(_)) => None,
            None => flashed.clone(),
        })
    });
    let field_error = move |f: &'static str| error.get().filter(|(field, _)| field == f).map(|(_, m)| m);
    let form_error = move || error.get().filter(|(field, _)| field != "name" && field != "password").map(|(_, m)| m);
    let (title, button, other, other_href, other_text) = match kind {
        Kind::Login => ("登录", "登录", "还没有账号？", "/register", "注册"),
        Kind::Register => ("注册", "注册", "已有账号？", "/login", "登录"),
    };
    let name_input = NodeRef::<leptos::html::Input>::new();
    let password_input = NodeRef::<leptos::html::Input>::new();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        // A listener left by an earlier rendering of this form (see `CommentForm`) steps aside.
        let (Some(name), Some(password)) = (name_input.try_get_untracked(), password_input.try_get_untracked()) else {
            return;
        };
        let name = name.map(|i| i.value()).unwrap_or_default();
        let password = password.map(|i| i.value()).unwrap_or_default();
        if let Err((field, message)) = check(kind, &name, &password) {
            checked.try_set(Some((field.to_owned(), message)));
            ev.prevent_default();
        }
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
                aria-required="true"
                maxlength=NAME_MAX * 4
                value=typed.clone()
                node_ref=name_input
                aria-invalid=move || field_error("name").is_some().to_string()
                aria-describedby="name-help name-error"
                on:input=move |_| checked.set(None)
            />
            {(kind == Kind::Register).then(|| view! {
                <p id="name-help" class="field-help">{format!("{NAME_MIN}-{NAME_MAX} 个字符：汉字、英文字母、数字、_ 或 -")}</p>
            })}
            <p id="name-error" class="field-error" role="alert">{move || field_error("name")}</p>
            <label for="password">"密码"</label>
            <input
                id="password"
                name="password"
                type="password"
                autocomplete=if kind == Kind::Login { "current-password" } else { "new-password" }
                aria-required="true"
                maxlength=PASSWORD_MAX * 4
                node_ref=password_input
                aria-invalid=move || field_error("password").is_some().to_string()
                aria-describedby="password-help password-error"
                on:input=move |_| checked.set(None)
            />
            {(kind == Kind::Register).then(|| view! {
                <p id="password-help" class="field-help">{format!("至少 {PASSWORD_MIN} 个字符，不要使用常见密码")}</p>
            })}
            <p id="password-error" class="field-error" role="alert">{move || field_error("password")}</p>
            <button type="submit" class="primary" disabled=move || pending.get()>{button}</button>
        }
    };
    view! {
        <section class="auth-page">
            <h1>{title}</h1>
            <form method="post" action=url class="auth-form" on:submit:capture=on_submit on:submit=send>
                {fields()}
            </form>
            <p class="auth-switch">
                {other}<a href=move || format!("{other_href}?next={}", crate::model::encode_query(&next.get()))>{other_text}</a>
            </p>
        </section>
    }
}
