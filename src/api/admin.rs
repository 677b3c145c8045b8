//! The admin's side of the newsroom: who holds which role, granting and revoking, the top
//! bar's facts, and the audit log. Every function checks on the server that the caller is an admin (a visitor gets
//! 401, any other reader 403, and nothing changes).

use crate::model::{AppError, StaffPage};
use leptos::prelude::*;

/// How many lines of the audit log the page shows.
pub const AUDIT_SHOWN: i64 = 50;

/// Role changes one admin may make per minute: far more than any real newsroom needs, few
/// enough that a stolen admin session cannot churn the table.
pub const CHANGES_PER_MINUTE: i64 = 30;

/// `/admin/users`: the staff and the newest lines of the audit log.
#[server(endpoint = "admin/staff")]
pub async fn get_staff() -> Result<StaffPage, AppError> {
    use crate::model::{audit_text, AuditLine, Role, StaffMember, StaffRole};
    use crate::server::{db, request::Request, time};
    let req = Request::current()?;
    req.require(Role::Admin).await?;
    let (pool, tz) = (&req.state.pool, req.state.config.site.timezone);
    let staff = db::roles::staff(pool).await.map_err(super::internal)?;
    let audit = db::roles::audit(pool, AUDIT_SHOWN).await.map_err(super::internal)?;
    Ok(StaffPage {
        staff: staff
            .into_iter()
            .map(|m| StaffMember {
                name: m.name,
                roles: m
                    .roles
                    .into_iter()
                    .map(|(role, at, by)| StaffRole {
                        role,
                        granted: time::date_time(tz, at),
                        granted_iso: time::iso(tz, at),
                        granted_by: by,
                    })
                    .collect(),
            })
            .collect(),
        audit: audit
            .into_iter()
            .map(|e| AuditLine {
                at: time::date_time(tz, e.at),
                at_iso: time::iso(tz, e.at),
                actor: e.actor,
                text: audit_text(&e.action, e.target.as_deref(), &e.detail),
                reason: e.reason,
            })
            .collect(),
    })
}

/// Gives the reader `name` the role `role` (`editor`, `moderator` or `admin`).
#[server(endpoint = "admin/grant")]
pub async fn grant_role(name: String, role: String) -> Result<(), AppError> {
    change(name, role, true).await
}

/// Takes the role `role` from the reader `name`; never the last admin's `admin`.
#[server(endpoint = "admin/revoke")]
pub async fn revoke_role(name: String, role: String) -> Result<(), AppError> {
    change(name, role, false).await
}

#[cfg(feature = "ssr")]
async fn change(name: String, role: String, grant: bool) -> Result<(), AppError> {
    use crate::model::{Role, Username, NAME_MAX};
    use crate::server::{db, request::Request, time};
    use db::roles::Outcome;
    const PAGE: &str = "/admin/users";
    let req = Request::current()?;
    // A refused revocation names its reader in the message; the grant form keeps what was typed.
    let keep: &[(&str, &str)] = if grant { &[("name", &name), ("role", &role)] } else { &[] };
    let fail = |e: AppError| req.fail(e, PAGE, keep, "");
    let admin = admin_for_form(&req, PAGE, keep).await?;
    let trimmed = name.trim();
    if trimmed.is_empty() {
        return Err(fail(AppError::validation("name", "请输入用户名")));
    }
    if trimmed.chars().count() > NAME_MAX * 4 {
        return Err(fail(AppError::validation("name", "没有叫这个名字的读者")));
    }
    let Some(role) = Role::parse(&role) else { return Err(fail(AppError::validation("role", "请选择角色"))) };
    let now = time::now_unix();
    if let Err(retry_after_secs) = super::per_minute_slot(&req, "staff_change", &admin, CHANGES_PER_MINUTE, now).await?
    {
        return Err(fail(AppError::RateLimited { retry_after_secs }));
    }
    let key = Username::lookup_key(trimmed);
    let pool = &req.state.pool;
    let outcome = if grant {
        db::roles::grant(pool, &key, role, Some(admin.id), now).await
    } else {
        db::roles::revoke(pool, &key, role, Some(admin.id), now).await
    };
    match outcome.map_err(super::internal)? {
        Outcome::Changed | Outcome::Unchanged => {
            req.redirect_plain_form(PAGE);
            Ok(())
        }
        Outcome::NoSuchReader => Err(fail(AppError::validation("name", "没有叫这个名字的读者"))),
        Outcome::LastAdmin => Err(fail(AppError::Conflict(format!(
            "{trimmed} 是最后一位管理员，不能撤销；请先把管理员角色授予另一位读者"
        )))),
    }
}

/// `/admin/site`: the top bar's facts as stored now, for admins.
#[server(endpoint = "admin/facts/get")]
pub async fn admin_facts() -> Result<crate::model::SiteFacts, AppError> {
    use crate::model::Role;
    use crate::server::request::Request;
    Request::current()?.require(Role::Admin).await?;
    super::site::get_site_facts().await
}

/// Sets the top bar's facts (`FACT_FIELDS`): each 1 to 40 characters. Those that changed are
/// logged; every page served after this shows them (this process forgets the facts it knew,
/// other processes read them again within a second).
#[server(endpoint = "admin/facts")]
pub async fn set_facts(weather: String, exchange_rate: String, city: String) -> Result<(), AppError> {
    use crate::model::check_fact;
    use crate::server::{db, request::Request, time};
    const PAGE: &str = "/admin/site";
    let req = Request::current()?;
    let keep = [("weather", weather.as_str()), ("exchange_rate", exchange_rate.as_str()), ("city", city.as_str())];
    let fail = |e: AppError| req.fail(e, PAGE, &keep, "");
    let admin = admin_for_form(&req, PAGE, &keep).await?;
    let mut values = Vec::with_capacity(keep.len());
    for (key, value) in keep {
        values.push((key, check_fact(value).map_err(|m| fail(AppError::validation(key, m)))?));
    }
    let now = time::now_unix();
    if let Err(retry_after_secs) = super::per_minute_slot(&req, "facts_change", &admin, CHANGES_PER_MINUTE, now).await?
    {
        return Err(fail(AppError::RateLimited { retry_after_secs }));
    }
    let changes: Vec<(&str, &str)> = values.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let changed = db::facts::set_by(&req.state.pool, &changes, admin.id, now).await.map_err(super::internal)?;
    if changed > 0 {
        req.state.page_cache.forget_facts();
    }
    req.redirect_plain_form(PAGE);
    Ok(())
}

/// The admin behind a form post to the admin page `page` (`super::staff_for_form`).
#[cfg(feature = "ssr")]
async fn admin_for_form(
    req: &crate::server::request::Request,
    page: &str,
    keep: &[(&str, &str)],
) -> Result<crate::model::Viewer, AppError> {
    super::staff_for_form(req, crate::model::Role::Admin, page, keep).await
}
