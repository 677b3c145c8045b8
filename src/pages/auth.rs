use crate::api::auth::{Login, Register};
use crate::components::PageMeta;
use crate::model::{safe_next, AppError, FormEcho, NAME_MAX, NAME_MIN, PASSWORD_MAX, PASSWORD_MIN};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// The account actions, shared by the forms and the top bar (which refreshes after each).
#[derive(Clone, Copy)]
pub struct AuthActions {
    pub login: ServerAction<Login>,
    pub register: ServerAction<Register>,
    pub logout: ServerAction<crate::api::auth::Logout>,
}

/// `/login`
#[component]
pub fn LoginPage() -> impl IntoView {
    let actions = expect_context::<AuthActions>();
    view! {
        <PageMeta title="登录" description="登录今日,参与评论。" path="/login" />
        <AuthForm kind=Kind::Login login=actions.login register=actions.register />
    }
}

/// `/register`
#[component]
pub fn RegisterPage() -> impl IntoView {
    let actions = expect_context::<AuthActions>();
    view! {
        <PageMeta title="注册" description="注册今日账号,参与评论。" path="/register" />
        <AuthForm kind=Kind::Register login=actions.login register=actions.register />
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Login,
    Register,
}

#[component]
fn AuthForm(kind: Kind, login: ServerAction<Login>, register: ServerAction<Register>) -> impl IntoView {
    let query = use_query_map();
    let next = Memo::new(move |_| safe_next(&query.read().get("next").unwrap_or_else(|| "/".to_owned())));
    // Errors come from the action (with JavaScript) or from the signed query of the redirect
    // that a plain form post gets back (without JavaScript).
    let action_error = move || {
        let value = match kind {
            Kind::Login => login.value().get().and_then(|r| r.err()),
            Kind::Register => register.value().get().and_then(|r| r.err()),
        };
        value.map(|e| match e {
            AppError::Validation { field, message } => (field, message),
            e => ("form".to_owned(), e.to_string()),
        })
    };
    let echo = super::form_echo();
    let pending = move || match kind {
        Kind::Login => login.pending().get(),
        Kind::Register => register.pending().get(),
    };
    let (title, button, other, other_href, other_text) = match kind {
        Kind::Login => ("登录", "登录", "还没有账号?", "/register", "注册"),
        Kind::Register => ("注册", "注册", "已有账号?", "/login", "登录"),
    };
    let fields = move |echo: Option<FormEcho>| {
        let typed_name = echo.as_ref().and_then(|e| e.get("name")).unwrap_or_default();
        let echoed = echo.and_then(|e| Some((e.get("field").unwrap_or_else(|| "form".to_owned()), e.get("error")?)));
        let error = Memo::new(move |_| action_error().or_else(|| echoed.clone()));
        let field_error = move |f: &'static str| error.get().filter(|(field, _)| field == f).map(|(_, m)| m);
        let form_error =
            move || error.get().filter(|(field, _)| field != "name" && field != "password").map(|(_, m)| m);
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
                value=typed_name
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
            <button type="submit" class="primary" disabled=pending>{button}</button>
        }
    };
    view! {
        <section class="auth-page">
            <h1>{title}</h1>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    let fields = fields(echo.await);
                    match kind {
                        Kind::Login => view! { <ActionForm action=login attr:class="auth-form">{fields}</ActionForm> }.into_any(),
                        Kind::Register => {
                            view! { <ActionForm action=register attr:class="auth-form">{fields}</ActionForm> }.into_any()
                        }
                    }
                })}
            </Suspense>
            <p class="auth-switch">
                {other}<a href=move || format!("{other_href}?next={}", crate::model::encode_query(&next.get()))>{other_text}</a>
            </p>
        </section>
    }
}
