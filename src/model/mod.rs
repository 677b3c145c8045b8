//! Types shared by the server and the browser. No I/O here.

mod account;
mod article;
mod comment;
mod error;
mod ids;
mod live;
pub mod markdown;
mod moderation;
mod newsroom;
mod site;
mod staff;
mod user;
mod vec_map;

pub use account::{
    check_password_length, encode_query, login_fields_filled, safe_next, Username, NAME_MAX, NAME_MIN, PASSWORD_MAX,
    PASSWORD_MIN, RESERVED, RESERVED_WORDS,
};
pub use article::{
    preview_image, Article, ArticleLink, ArticlePage, ArticleSummary, Block, Channel, SitemapEntry, CHANNELS,
};
#[cfg(feature = "ssr")]
pub use comment::thread_refs;
pub use comment::{
    build_thread, mark_deleted, mark_hidden, mark_pinned, mark_review, merge_comment, upsert_comment, Comment,
    CommentNode, CommentPage, CommentThread, ReplyPage, Sort, COMMENTS_PER_PAGE, REPLIES_PER_PAGE, REPLIES_SHOWN,
};
pub use error::{AppError, FormFlash};
pub use ids::{ArticleId, CommentId, UserId};
pub use live::{
    count_new, linkify, reconnect_delay_ms, ArticleNotice, Change, CommentBody, LiveEvent, Segment, BODY_MAX,
};
pub use moderation::{
    ban_message, check_ban_length, check_reason, check_report, held_label, AuthorRecord, BanLine, FilterLine,
    HistoryLine, ModerationPage, ModerationRules, Premoderation, QueueComment, QueueItem, ReasonCount, ReportReason,
    BAN_DAYS_MAX, BAN_FOREVER, NEW_READER_COMMENTS_MAX, QUEUE_SHOWN, REASON_MAX,
};
pub use newsroom::{
    body_parts, check_article, check_figure_words, diff_lines, figure_line, legacy_body, renumber_figures,
    revision_text, ArticleFields, ArticleState, BodyPart, CheckedArticle, DeskLine, DeskPage, DiffLine, EditorArticle,
    EditorFigure, RevisionLine, ARTICLE_BODY_MAX, ARTICLE_FIELDS, DIFF_SHOWN, FIGURES_MAX, FIGURE_ALT_MAX,
    FIGURE_CAPTION_MAX, FIGURE_CREDIT_MAX, FIGURE_UPLOAD_MAX_BYTES, SOURCE_MAX, SUMMARY_MAX, TITLE_MAX,
};
pub use site::{check_fact, SiteFacts, FACT_FIELDS, FACT_MAX};
pub use staff::{audit_text, AuditLine, StaffMember, StaffPage, StaffRole};
pub use user::{Avatar, Ban, PublicUser, Role, Roles, Viewer, PALETTE};

/// Unicode NFC on the server, where input is decided; the browser's pre-checks skip it to keep
/// the normalisation tables out of the wasm bundle (browsers send NFC text in practice).
#[cfg(feature = "ssr")]
pub(crate) fn nfc(s: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    s.nfc().collect()
}

#[cfg(not(feature = "ssr"))]
pub(crate) fn nfc(s: &str) -> String {
    s.to_owned()
}
pub use vec_map::VecMap;
