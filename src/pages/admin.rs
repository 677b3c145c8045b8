//! The admins' pages: `/admin/users` (the newsroom's members, granting and revoking roles, the
//! audit log) and `/admin/site` (the top bar's facts). Only admins see them (the server answers
//! 401 to visitors and 403 to other readers); they are lazy routes, and their data is requested
//! from their views so that nothing of them is in the main bundle.

use crate::api::admin::{admin_facts, get_staff, GrantRole, RevokeRole, SetFacts};
use crate::app::{FactsResource, Flash};
use crate::components::send_form;
use crate::components::{server_call, ServerCall};
use crate::model::{check_fact, AppError, FormFlash, Role, SiteFacts, StaffPage, FACT_FIELDS, FACT_MAX, NAME_MAX};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Meta;
use leptos_router::hooks::use_location;

super::lazy_page! {
    /// `/admin/users`
    AdminUsersRoute => AdminUsersPage
}

/// What a grant or a revocation brings: the page read again (`None` until the first one).
type Changed = crate::api::codec::JsonResource<Result<Option<StaffPage>, AppError>>;

#[component]
fn AdminUsersPage() -> impl IntoView {
    let grant = server_call::<GrantRole>();
    let revoke = server_call::<RevokeRole>();
    // The page as first read decides whether the reader may see it and fills the form once; the
    // list below is read again after each change and re-rendered alone, so the form, its
    // checks and what was typed are never replaced under the reader.
    let first = crate::api::codec::resource(|| (), |_| get_staff());
    let changed: Changed = crate::api::codec::resource(
        move || (grant.version().get(), revoke.version().get()),
        |v| async move {
            if v == (0, 0) {
                Ok(None)
            } else {
                get_staff().await.map(Some)
            }
        },
    );
    let flash = expect_context::<Flash>();
    view! {
        <leptos_meta::Title text="编辑部成员" />
        <Meta name="robots" content="noindex" />
        <Suspense fallback=|| view! { <p class="loading">"加载中…"</p> }>
            {crate::components::suspended(move || Suspend::new(async move {
                let flash = flash.get().await;
                match first.await {
                    Ok(page) => view! { <Staff first=page changed grant revoke flash /> }.into_any(),
                    Err(e) => super::error_view(e),
                }
            }))}
        </Suspense>
    }
}

/// The error of the latest grant or revocation (each form clears the other's when sent), or
/// of the plain post this page came back with.
fn action_error(
    grant: ServerCall<GrantRole>,
    revoke: ServerCall<RevokeRole>,
    flash: Option<(String, String)>,
) -> Memo<Option<(String, String)>> {
    Memo::new(move |_| {
        let acted = grant.version().get() + revoke.version().get() > 0;
        match grant.value().get().or_else(|| revoke.value().get()) {
            Some(Err(AppError::Validation { field, message })) => Some((field, message)),
            Some(Err(e)) => Some(("form".to_owned(), e.to_string())),
            Some(Ok(())) => None,
            None if acted => None,
            None => flash.clone(),
        }
    })
}

#[component]
fn Staff(
    first: StaffPage,
    changed: Changed,
    grant: ServerCall<GrantRole>,
    revoke: ServerCall<RevokeRole>,
    flash: Option<FormFlash>,
) -> impl IntoView {
    let typed = flash.as_ref().and_then(|f| f.get("name")).unwrap_or_default();
    let typed_role = flash.as_ref().and_then(|f| f.get("role")).unwrap_or_default();
    let checked = RwSignal::new(None::<(String, String)>);
    let server_error = action_error(grant, revoke, flash.map(|f| (f.field, f.message)));
    let error = Memo::new(move |_| checked.get().or_else(|| server_error.get()));
    let field_error = move |f: &'static str| error.get().filter(|(field, _)| field == f).map(|(_, m)| m);
    let form_error = move || error.get().filter(|(field, _)| field != "name" && field != "role").map(|(_, m)| m);
    let name_input = NodeRef::<leptos::html::Input>::new();
    let role_select = NodeRef::<leptos::html::Select>::new();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        // A listener left by an earlier rendering of this form (see `CommentForm`) steps aside.
        let (Some(name), Some(role)) = (name_input.try_get_untracked(), role_select.try_get_untracked()) else {
            return;
        };
        let name = name.map(|i| i.value()).unwrap_or_default();
        let role = role.map(|s| s.value()).unwrap_or_default();
        let problem = if name.trim().is_empty() {
            Some(("name", "请输入用户名"))
        } else if Role::parse(&role).is_none() {
            Some(("role", "请选择角色"))
        } else {
            None
        };
        if let Some((field, message)) = problem {
            checked.try_set(Some((field.to_owned(), message.to_owned())));
            ev.prevent_default();
        } else {
            revoke.value().set(None);
        }
    };
    let pending = Signal::derive(move || grant.pending().get() || revoke.pending().get());
    let first = StoredValue::new(first);
    view! {
        <section class="admin-page">
            <AdminNav />
            <h1>"编辑部成员"</h1>
            <p class="admin-intro">
                "每位读者都可以评论。编辑、版主和管理员是在此之上授予的角色，一人可以有多个；管理员可以做其他角色能做的一切，并在这里授予和撤销角色。每次变更都记入下方的操作记录。"
            </p>
            <p class="form-error" role="alert">{form_error}</p>
            <h2>"授予角色"</h2>
            <form
                method="post"
                action=GrantRole::url()
                class="admin-form"
                on:submit:capture=on_submit
                on:submit=send_form(grant, |form| GrantRole { name: form.text("name"), role: form.text("role") })
            >
                <label for="grant-name">"用户名"</label>
                <input
                    id="grant-name"
                    name="name"
                    type="text"
                    aria-required="true"
                    autocomplete="off"
                    maxlength=NAME_MAX * 4
                    value=typed
                    node_ref=name_input
                    aria-invalid=move || field_error("name").is_some().to_string()
                    aria-describedby="grant-name-error"
                    on:input=move |_| checked.set(None)
                />
                <p id="grant-name-error" class="field-error" role="alert">{move || field_error("name")}</p>
                <label for="grant-role">"角色"</label>
                <select
                    id="grant-role"
                    name="role"
                    aria-required="true"
                    node_ref=role_select
                    aria-invalid=move || field_error("role").is_some().to_string()
                    aria-describedby="grant-role-error"
                    on:change=move |_| checked.set(None)
                >
                    {Role::ALL
                        .into_iter()
                        .map(|r| view! { <option value=r.as_str() selected=typed_role == r.as_str()>{r.label()}</option> })
                        .collect_view()}
                </select>
                <p id="grant-role-error" class="field-error" role="alert">{move || field_error("role")}</p>
                <button type="submit" class="primary" disabled=move || pending.get()>"授予"</button>
            </form>
            <Transition fallback=|| ()>
                {crate::components::suspended(move || Suspend::new(async move {
                    match changed.await {
                        Ok(None) => view! { <Members page=first.get_value() grant revoke checked pending /> }.into_any(),
                        Ok(Some(page)) => view! { <Members page grant revoke checked pending /> }.into_any(),
                        Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                    }
                }))}
            </Transition>
        </section>
    }
}

/// The staff with a 撤销 beside each role, and the audit log: re-rendered after each change.
#[component]
fn Members(
    page: StaffPage,
    grant: ServerCall<GrantRole>,
    revoke: ServerCall<RevokeRole>,
    checked: RwSignal<Option<(String, String)>>,
    pending: Signal<bool>,
) -> impl IntoView {
    view! {
            <h2>{format!("成员（{} 位）", page.staff.len())}</h2>
            <ul class="staff-list">
                {page
                    .staff
                    .into_iter()
                    .map(|m| {
                        let name = m.name.clone();
                        view! {
                            <li class="staff-member">
                                <strong class="staff-name">{m.name}</strong>
                                <ul class="staff-roles">
                                    {m
                                        .roles
                                        .into_iter()
                                        .map(|r| {
                                            let by = r.granted_by.unwrap_or_else(|| "命令行".to_owned());
                                            let label = format!("撤销 {name} 的{}角色", r.role.label());
                                            let name = name.clone();
                                            view! {
                                                <li>
                                                    <span class="role-badge">{r.role.label()}</span>
                                                    <span class="role-since">
                                                        <time datetime=r.granted_iso>{r.granted}</time>
                                                        {format!(" 由 {by} 授予")}
                                                    </span>
                                                    <form
                                                        method="post"
                                                        action=RevokeRole::url()
                                                        class="inline-form"
                                                        on:submit:capture=move |_| {
                                                            checked.set(None);
                                                            grant.value().set(None);
                                                        }
                                                        on:submit=send_form(revoke, |form| RevokeRole { name: form.text("name"), role: form.text("role") })
                                                    >
                                                        <input type="hidden" name="name" value=name />
                                                        <input type="hidden" name="role" value=r.role.as_str() />
                                                        <button
                                                            type="submit"
                                                            class="link-action"
                                                            aria-label=label
                                                            disabled=move || pending.get()
                                                        >
                                                            "撤销"
                                                        </button>
                                                    </form>
                                                </li>
                                            }
                                        })
                                        .collect_view()}
                                </ul>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
            <h2>"操作记录"</h2>
            {if page.audit.is_empty() {
                view! { <p class="admin-empty">"还没有记录。"</p> }.into_any()
            } else {
                view! {
                    <ol class="audit-log">
                        {page
                            .audit
                            .into_iter()
                            .map(|line| {
                                let actor = line.actor.unwrap_or_else(|| "命令行".to_owned());
                                view! {
                                    <li>
                                        <time datetime=line.at_iso>{line.at}</time>
                                        " "
                                        <span class="audit-actor">{actor}</span>
                                        " "
                                        {line.text}
                                        {(!line.reason.is_empty()).then(|| format!("（原因：{}）", line.reason))}
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ol>
                }
                .into_any()
            }}
    }
}

/// Links between the admins' pages.
#[component]
fn AdminNav() -> impl IntoView {
    let location = use_location();
    let current = move |href: &'static str| (location.pathname.get() == href).then_some("page");
    view! {
        <nav class="admin-nav" aria-label="管理">
            <a href="/admin/users" aria-current=move || current("/admin/users")>"编辑部成员"</a>
            <a href="/admin/site" aria-current=move || current("/admin/site")>"顶栏信息"</a>
            <a href="/admin/articles">"文章管理"</a>
            <a href="/admin/moderation">"审核队列"</a>
        </nav>
    }
}

super::lazy_page! {
    /// `/admin/site`
    AdminSiteRoute => AdminSitePage
}

#[component]
fn AdminSitePage() -> impl IntoView {
    let save = server_call::<SetFacts>();
    // Read afresh (not the visit's shared copy) once; after a save the form already shows what
    // was saved.
    let data = crate::api::codec::resource(|| (), |_| admin_facts());
    let flash = expect_context::<Flash>();
    view! {
        <leptos_meta::Title text="顶栏信息" />
        <Meta name="robots" content="noindex" />
        <Suspense fallback=|| view! { <p class="loading">"加载中…"</p> }>
            {crate::components::suspended(move || Suspend::new(async move {
                let flash = flash.get().await;
                match data.await {
                    Ok(facts) => view! { <FactsForm facts save flash /> }.into_any(),
                    Err(e) => super::error_view(e),
                }
            }))}
        </Suspense>
    }
}

#[component]
fn FactsForm(facts: SiteFacts, save: ServerCall<SetFacts>, flash: Option<FormFlash>) -> impl IntoView {
    let shared = expect_context::<FactsResource>();
    let checked = RwSignal::new(None::<(String, String)>);
    let flashed = flash.as_ref().map(|f| (f.field.clone(), f.message.clone()));
    let error = Memo::new(move |_| {
        checked.get().or_else(|| match save.value().get() {
            Some(Err(AppError::Validation { field, message })) => Some((field, message)),
            Some(Err(e)) => Some(("form".to_owned(), e.to_string())),
            Some(Ok(())) => None,
            None => flashed.clone(),
        })
    });
    // The top bar of this visit shows the new facts too.
    Effect::new(move |_| {
        if matches!(save.value().get(), Some(Ok(()))) {
            shared.refetch();
        }
    });
    let saved = move || matches!(save.value().get(), Some(Ok(()))).then_some("已保存，所有页面的顶栏已更新。");
    let field_error = move |f: &str| error.get().filter(|(field, _)| field == f).map(|(_, m)| m);
    let form_error =
        move || error.get().filter(|(field, _)| !FACT_FIELDS.iter().any(|(k, _, _)| k == field)).map(|(_, m)| m);
    let inputs: [NodeRef<leptos::html::Input>; 3] = [NodeRef::new(), NodeRef::new(), NodeRef::new()];
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        for ((key, _, _), input) in FACT_FIELDS.iter().zip(inputs) {
            // A listener left by an earlier rendering of this form (see `CommentForm`) steps aside.
            let Some(input) = input.try_get_untracked() else { return };
            let value = input.map(|i| i.value()).unwrap_or_default();
            if let Err(message) = check_fact(&value) {
                checked.try_set(Some(((*key).to_owned(), message)));
                ev.prevent_default();
                return;
            }
        }
    };
    let stored = [facts.weather, facts.exchange_rate, facts.city];
    let fields = FACT_FIELDS
        .iter()
        .zip(stored)
        .zip(inputs)
        .map(|(((key, label, example), stored), input)| {
            let key: &'static str = key;
            let value = flash.as_ref().and_then(|f| f.get(key)).unwrap_or(stored);
            let (id, help, err) = (format!("fact-{key}"), format!("fact-{key}-help"), format!("fact-{key}-error"));
            view! {
                <label for=id.clone()>{*label}</label>
                <input
                    id=id
                    name=key
                    type="text"
                    aria-required="true"
                    maxlength=FACT_MAX * 4
                    value=value
                    node_ref=input
                    aria-invalid=move || field_error(key).is_some().to_string()
                    aria-describedby=format!("{help} {err}")
                    on:input=move |_| checked.set(None)
                />
                <p id=help class="field-help">{format!("例如 {example}，最多 {FACT_MAX} 个字符")}</p>
                <p id=err class="field-error" role="alert">{move || field_error(key)}</p>
            }
        })
        .collect_view();
    view! {
        <section class="admin-page">
            <AdminNav />
            <h1>"顶栏信息"</h1>
            <p class="admin-intro">"每个页面顶栏显示的天气、汇率和城市。保存后，之后打开的每个页面都显示新的内容；每次修改都记入操作记录。"</p>
            <p class="form-error" role="alert">{form_error}</p>
            <p class="form-saved" role="status">{saved}</p>
            <form
                method="post"
                action=SetFacts::url()
                class="admin-form"
                on:submit:capture=on_submit
                on:submit=send_form(save, |form| SetFacts { weather: form.text("weather"), exchange_rate: form.text("exchange_rate"), city: form.text("city") })
            >
                {fields}
                <button type="submit" class="primary" disabled=move || save.pending().get()>"保存"</button>
            </form>
        </section>
    }
}
