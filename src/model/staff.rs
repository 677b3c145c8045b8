//! The newsroom as the admin page shows it.

use super::Role;
use serde::{Deserialize, Serialize};

/// A reader who holds at least one role.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffMember {
    pub name: String,
    pub roles: Vec<StaffRole>,
}

/// One role of a staff member: since when (site time) and granted by whom (`None`: on the
/// command line).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffRole {
    pub role: Role,
    pub granted: String,
    pub granted_iso: String,
    pub granted_by: Option<String>,
}

/// One line of the audit log, worded for the page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditLine {
    pub at: String,
    pub at_iso: String,
    /// Who did it; `None`: the command line (or an account since removed).
    pub actor: Option<String>,
    /// What was done, e.g. 授予 zhang「编辑」角色.
    pub text: String,
}

/// `/admin/users`: the staff and the newest lines of the audit log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffPage {
    pub staff: Vec<StaffMember>,
    pub audit: Vec<AuditLine>,
}

/// The words for an audit log action (`db::roles`) on `target` with `detail`.
pub fn audit_text(action: &str, target: Option<&str>, detail: &str) -> String {
    let target = target.unwrap_or("（已删除的账号）");
    let role = Role::parse(detail).map(Role::label).unwrap_or(detail);
    match action {
        "role.grant" => format!("授予 {target}「{role}」角色"),
        "role.revoke" => format!("撤销 {target} 的「{role}」角色"),
        "fact.set" => {
            let (key, value) = detail.split_once('=').unwrap_or((detail, ""));
            let label = super::FACT_FIELDS.iter().find(|(k, _, _)| *k == key).map(|(_, l, _)| *l).unwrap_or(key);
            format!("把顶栏的{label}改为 {value}")
        }
        other => format!("{other} {target} {detail}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audit_lines_read_in_chinese() {
        assert_eq!(audit_text("role.grant", Some("zhang"), "editor"), "授予 zhang「编辑」角色");
        assert_eq!(audit_text("role.revoke", Some("li"), "admin"), "撤销 li 的「管理员」角色");
        assert_eq!(audit_text("role.grant", None, "moderator"), "授予 （已删除的账号）「版主」角色");
        assert_eq!(audit_text("fact.set", None, "weather=18°C-24°C"), "把顶栏的天气改为 18°C-24°C");
        assert_eq!(audit_text("fact.set", None, "city=a=b"), "把顶栏的城市改为 a=b");
    }
}
