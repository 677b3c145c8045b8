//! Moderation as readers and moderators see it: reports, the queue, bans, pre-moderation and
//! the word filter's entries. The server decides; these are the shapes and the words.

use super::{ArticleId, CommentId, PublicUser};
use serde::{Deserialize, Serialize};

/// `banned_until` of a ban for good (9999-12-31 23:59:59 UTC).
pub const BAN_FOREVER: i64 = 253_402_300_799;

/// Longest reason a moderator gives (hiding, banning) and longest 其他 text of a report.
pub const REASON_MAX: usize = 200;

/// Longest ban in days when it is not for good.
pub const BAN_DAYS_MAX: i64 = 3650;

/// Most entries of the queue page's each list.
pub const QUEUE_SHOWN: i64 = 50;

/// Why a reader reports a comment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReportReason {
    Spam,
    Abuse,
    Illegal,
    Other,
}

impl ReportReason {
    pub const ALL: [ReportReason; 4] =
        [ReportReason::Spam, ReportReason::Abuse, ReportReason::Illegal, ReportReason::Other];

    pub fn as_str(self) -> &'static str {
        match self {
            ReportReason::Spam => "spam",
            ReportReason::Abuse => "abuse",
            ReportReason::Illegal => "illegal",
            ReportReason::Other => "other",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ReportReason::Spam => "垃圾广告",
            ReportReason::Abuse => "辱骂",
            ReportReason::Illegal => "违法",
            ReportReason::Other => "其他",
        }
    }

    pub fn parse(s: &str) -> Option<ReportReason> {
        ReportReason::ALL.into_iter().find(|r| r.as_str() == s.trim())
    }
}

/// A report as typed: a reason, and for 其他 a short text (1 to `REASON_MAX` characters; other
/// reasons take none). Errors name their field, in Chinese.
pub fn check_report(reason: &str, detail: &str) -> Result<(ReportReason, String), (&'static str, String)> {
    let reason = ReportReason::parse(reason).ok_or(("reason", "请选择举报原因".to_owned()))?;
    let detail = super::live::clean_text(detail).split_whitespace().collect::<Vec<_>>().join(" ");
    let len = detail.chars().count();
    if reason == ReportReason::Other && len == 0 {
        return Err(("detail", "选择“其他”时请写明原因".to_owned()));
    }
    if len > REASON_MAX {
        return Err(("detail", format!("原因最多 {REASON_MAX} 个字，现在是 {len} 个")));
    }
    Ok((reason, if reason == ReportReason::Other { detail } else { String::new() }))
}

/// A moderator's reason for an action: one line, at most `REASON_MAX` characters, may be empty.
pub fn check_reason(raw: &str) -> Result<String, String> {
    let text = super::live::clean_text(raw).split_whitespace().collect::<Vec<_>>().join(" ");
    let len = text.chars().count();
    if len > REASON_MAX {
        return Err(format!("原因最多 {REASON_MAX} 个字，现在是 {len} 个"));
    }
    Ok(text)
}

/// How long a ban lasts, as the form gives it: a number of days (1 to `BAN_DAYS_MAX`) or
/// `forever`. `Some(seconds)`, `None` for good.
pub fn check_ban_length(raw: &str) -> Result<Option<i64>, String> {
    match raw.trim() {
        "forever" => Ok(None),
        days => match days.parse::<i64>() {
            Ok(d) if (1..=BAN_DAYS_MAX).contains(&d) => Ok(Some(d * 86_400)),
            _ => Err(format!("禁言天数须是 1 到 {BAN_DAYS_MAX} 之间的整数，或选择永久")),
        },
    }
}

/// What a banned reader is told when they try to comment, reply, like or report. `until` is
/// the end in the site's time (`None`: for good).
pub fn ban_message(until: Option<&str>, reason: &str) -> String {
    let reason = if reason.is_empty() { "未说明" } else { reason };
    match until {
        Some(until) => format!("您已被禁言至 {until}，期间不能评论、回复、点赞或举报。原因：{reason}"),
        None => format!("您已被永久禁言，不能评论、回复、点赞或举报。原因：{reason}"),
    }
}

/// Site-wide pre-moderation: none, every comment, or a new reader's first comments.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Premoderation {
    #[default]
    Off,
    All,
    NewReaders,
}

impl Premoderation {
    pub const ALL: [Premoderation; 3] = [Premoderation::Off, Premoderation::All, Premoderation::NewReaders];

    pub fn as_str(self) -> &'static str {
        match self {
            Premoderation::Off => "off",
            Premoderation::All => "all",
            Premoderation::NewReaders => "new",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Premoderation::Off => "不先审（评论立即发表）",
            Premoderation::All => "全部先审后发",
            Premoderation::NewReaders => "新读者的前几条先审后发",
        }
    }

    pub fn parse(s: &str) -> Option<Premoderation> {
        Premoderation::ALL.into_iter().find(|p| p.as_str() == s.trim())
    }
}

/// Most comments a new reader may have held before theirs publish at once.
pub const NEW_READER_COMMENTS_MAX: i64 = 100;

/// Why a comment was held, as the queue says it (`comments.held_reason`).
pub fn held_label(reason: &str) -> &'static str {
    match reason {
        "site" => "全站先审后发",
        "article" => "本文先审后发",
        "new_reader" => "新读者先审",
        "filter" => "触发敏感词",
        _ => "待审核",
    }
}

/// A comment as the queue shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueComment {
    pub id: CommentId,
    pub article_id: ArticleId,
    pub article_title: String,
    pub author: PublicUser,
    /// The text, also of a hidden comment (moderators see it); empty once its author deleted it.
    pub body: String,
    pub created: String,
    pub created_iso: String,
    /// 'published', 'pending' or 'rejected'.
    pub status: String,
    pub held_reason: Option<String>,
    pub hidden: bool,
    pub deleted: bool,
}

/// One reason given in a comment's open reports, with how many gave it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReasonCount {
    pub reason: String,
    pub count: i64,
}

/// The author of a queued comment: what they wrote lately and where they stand.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorRecord {
    pub comments: i64,
    pub hidden: i64,
    /// Their latest comments (newest first), a line each.
    pub recent: Vec<HistoryLine>,
    /// `ban_message`'s words if banned now.
    pub banned: Option<String>,
    /// Admins are acted on by admins only.
    pub is_admin: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryLine {
    pub id: CommentId,
    pub article_id: ArticleId,
    pub created: String,
    /// At most 80 characters of the text.
    pub excerpt: String,
    /// 已隐藏, 待审核, 未通过审核, 已删除, or empty.
    pub state: String,
}

/// A reported, held or hidden comment in the queue.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueItem {
    pub comment: QueueComment,
    /// Open reports (not yet handled).
    pub reports: i64,
    pub reasons: Vec<ReasonCount>,
    /// The 其他 texts of open reports (a few).
    pub details: Vec<String>,
    pub author: AuthorRecord,
}

/// A banned reader.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BanLine {
    pub user: PublicUser,
    /// `None`: for good.
    pub until: Option<String>,
    pub reason: String,
    /// The audit line of the latest "hide everything" of theirs that can be undone.
    pub hide_batch: Option<i64>,
}

/// A word filter entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FilterLine {
    pub id: i64,
    pub pattern: String,
    pub is_regex: bool,
    /// 'hold' or 'refuse'.
    pub action: String,
}

/// The site's moderation rules.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModerationRules {
    pub premoderation: Premoderation,
    pub new_reader_comments: i64,
}

/// `/admin/moderation`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModerationPage {
    /// Reported and held comments, most-reported first, then the oldest held.
    pub queue: Vec<QueueItem>,
    /// Comments hidden lately, newest first, to restore.
    pub hidden: Vec<QueueItem>,
    pub bans: Vec<BanLine>,
    pub rules: ModerationRules,
    /// The word filter: for admins only (empty for moderators).
    pub filters: Vec<FilterLine>,
    pub is_admin: bool,
    /// The queue's version when read (`event: queue` on the moderators' stream).
    pub version: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_needs_a_reason_and_other_needs_words() {
        assert_eq!(check_report("spam", "ignored").unwrap(), (ReportReason::Spam, String::new()));
        assert_eq!(check_report("other", "  冒充\u{200B} 官方  ").unwrap(), (ReportReason::Other, "冒充 官方".into()));
        assert_eq!(check_report("other", " \u{200B} ").unwrap_err().0, "detail");
        assert_eq!(check_report("hate", "").unwrap_err().0, "reason");
        assert_eq!(check_report("other", &"字".repeat(REASON_MAX + 1)).unwrap_err().0, "detail");
        assert!(check_report("other", &"字".repeat(REASON_MAX)).is_ok());
    }

    #[test]
    fn a_ban_lasts_whole_days_or_for_good() {
        assert_eq!(check_ban_length("forever"), Ok(None));
        assert_eq!(check_ban_length(" 7 "), Ok(Some(7 * 86_400)));
        for bad in ["0", "-1", "3651", "1.5", "", "七"] {
            assert!(check_ban_length(bad).is_err(), "{bad}");
        }
        assert!(ban_message(Some("2026-12-10 08:00"), "刷屏").contains("2026-12-10 08:00"));
        assert!(ban_message(None, "").contains("永久") && ban_message(None, "").contains("未说明"));
    }

    #[test]
    fn names_round_trip() {
        for r in ReportReason::ALL {
            assert_eq!(ReportReason::parse(r.as_str()), Some(r));
        }
        for p in Premoderation::ALL {
            assert_eq!(Premoderation::parse(p.as_str()), Some(p));
        }
        assert!(check_reason(&"a".repeat(REASON_MAX + 1)).is_err());
        assert_eq!(check_reason(" 广告\n刷屏 ").unwrap(), "广告 刷屏");
    }
}
