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
    /// Why, as the moderator gave it (may be empty).
    pub reason: String,
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
        "comment.hide" => format!("隐藏评论 #{detail}"),
        "comment.restore" => format!("恢复显示评论 #{detail}"),
        "comment.approve" => format!("通过待审核评论 #{detail}"),
        "comment.reject" => format!("拒绝待审核评论 #{detail}"),
        "comment.pin" => format!("置顶评论 #{detail}"),
        "comment.unpin" => format!("取消置顶评论 #{detail}"),
        "reports.dismiss" => {
            let (comment, n) = detail.split_once(':').unwrap_or((detail, ""));
            format!("驳回评论 #{comment} 的 {n} 条举报")
        }
        "user.ban" if detail == "forever" => format!("永久封禁 {target}"),
        "user.ban" => format!("封禁 {target}（到期时间戳 {detail}）"),
        "user.unban" => format!("解除 {target} 的封禁"),
        "user.hide_all" => format!("隐藏 {target} 的全部评论（{detail} 条）"),
        "user.unhide_all" => format!("撤销隐藏 {target} 的全部评论（{detail} 条）"),
        "article.lock" => format!("关闭文章 #{detail} 的评论"),
        "article.unlock" => format!("开放文章 #{detail} 的评论"),
        "article.premoderate" => {
            let (article, on) = detail.split_once(':').unwrap_or((detail, ""));
            if on == "on" {
                format!("文章 #{article} 的评论改为先审后发")
            } else {
                format!("文章 #{article} 的评论不再先审")
            }
        }
        "rules.set" => {
            let (mode, n) = detail.split_once(':').unwrap_or((detail, ""));
            match super::Premoderation::parse(mode) {
                Some(super::Premoderation::NewReaders) => format!("全站规则改为：新读者的前 {n} 条评论先审后发"),
                Some(p) => format!("全站规则改为：{}", p.label()),
                None => format!("全站规则改为 {detail}"),
            }
        }
        "filter.add" => {
            let mut parts = detail.splitn(3, ':');
            let (kind, action, pattern) =
                (parts.next().unwrap_or(""), parts.next().unwrap_or(""), parts.next().unwrap_or(""));
            let kind = if kind == "regex" { "正则" } else { "敏感词" };
            let action = if action == "refuse" { "直接拒绝" } else { "转人工审核" };
            format!("添加{kind}「{pattern}」（{action}）")
        }
        "filter.remove" => format!("删除敏感词「{detail}」"),
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
        assert_eq!(audit_text("comment.hide", None, "42"), "隐藏评论 #42");
        assert_eq!(audit_text("reports.dismiss", None, "42:3"), "驳回评论 #42 的 3 条举报");
        assert_eq!(audit_text("user.ban", Some("spam"), "forever"), "永久封禁 spam");
        assert_eq!(audit_text("rules.set", None, "new:3"), "全站规则改为：新读者的前 3 条评论先审后发");
        assert_eq!(audit_text("filter.add", None, "regex:hold:qq\\d+:x"), "添加正则「qq\\d+:x」（转人工审核）");
    }
}
