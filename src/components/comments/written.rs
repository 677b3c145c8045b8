//! The server's writer of a thread's markup (`thread_view`): the HTML that tachys writes for
//! the view of a top-level comment and its replies, written straight into a string.
//!
//! Why: under `erase_components` (.cargo/config.toml) every element of a view is a boxed
//! `AnyView` holding a vector of boxed `AnyAttribute`s, and each comment has some fifteen
//! elements and thirty attributes. Building and writing those was about a third of the CPU of a
//! signed-in article page of twenty comments (perf, bench/README.md "Comments written by the
//! server"); writing the same bytes directly costs a tenth of that.
//!
//! The browser never runs this: it hydrates the page with the view itself, so the bytes must be
//! exactly the view's, down to the `<!>` markers that hydration steps over. The rules tachys
//! follows, as this writer repeats them:
//! - an element's children end with one `<!>` when it has one child and two when it has more
//!   (erased, its children are a `StaticVec` inside the element's own); an element with nothing
//!   dynamic in it is written whole, without markers;
//! - an absent optional part (`None`, a closure that gives `None`) is one `<!>`; a list or a
//!   fragment of several nodes ends with one;
//! - text is escaped (`&`, `<`, `>`), empty text is one space, and text right after text is
//!   parted from it by `<!>`; attribute values are escaped as double-quoted ones; `class` comes
//!   after the other attributes, an absent attribute is left out, a true boolean one is its name.
//!
//! A thread this writer does not cover is left to the view (`None`): a moderator's page (their
//! buttons under each comment) and a thread with an open reply box, report form, delete
//! question or report notice (one thread on a page at most, from the page's address). The
//! tests in `comments.rs` compare both on every kind of comment and context.

use super::{DeleteComment, FormEcho, LikeComment, More, ThreadCtx};
use crate::api::comments::PostComment;
use crate::components::sync_html::write::{attr, text, text_raw};
use crate::model::{
    encode_query, linkify, thread_refs, ArticleId, Avatar, Comment, CommentId, CommentNode, CommentPage, Segment, Sort,
    UserId,
};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use std::fmt::Write;

/// What the writer reads of a thread's context: who reads, on which page, in which order, and
/// whether the article's comments are locked. Nothing reactive.
pub(super) struct Page<'a> {
    pub viewer: Option<UserId>,
    /// The article's path, as `ThreadCtx::path`.
    pub path: &'a str,
    pub sort: Sort,
    pub locked: bool,
}

impl Page<'_> {
    /// `ThreadCtx::here`.
    fn here(&self, rest: std::fmt::Arguments) -> String {
        format!("{}?sort={}{rest}", self.path, self.sort.as_str())
    }
}

/// The thread's HTML as `thread_view`'s view writes it, or `None` for a thread left to the view.
pub(super) fn thread(node: &CommentNode, ctx: &ThreadCtx, more: Option<&More>) -> Option<String> {
    if ctx.moderator {
        return None;
    }
    let open = [
        ctx.reply_to.get_untracked(),
        ctx.reporting.get_untracked(),
        ctx.reported.get_untracked(),
        ctx.confirm.get_untracked(),
    ];
    let in_thread = |id: CommentId| node.comment.id == id || node.replies.iter().any(|r| r.id == id);
    if open.into_iter().flatten().any(in_thread) {
        return None;
    }
    if more.is_some_and(|m| m.loading.get_untracked().is_some() || m.failed.with_untracked(Option::is_some)) {
        return None;
    }
    let mut out = String::with_capacity(1024 * (1 + node.replies.len()));
    let replies: Vec<&Comment> = node.replies.iter().collect();
    ctx.path.with_value(|path| {
        let page = Page { viewer: ctx.viewer, path, sort: ctx.sort, locked: ctx.locked };
        write_thread(&mut out, &node.comment, &replies, &page, more.map(|m| m.read_to));
    });
    Some(out)
}

/// A thread as `built_thread_view` writes it with nothing open: `more` is the 展开更多回复
/// control's last reply read (`More::read_to`) where the thread has the control.
fn write_thread(w: &mut String, root: &Comment, replies: &[&Comment], page: &Page, more: Option<Option<CommentId>>) {
    let id = root.id;
    let hidden = (root.replies - replies.len() as i64).max(0);
    let control = more.is_some() && hidden > 0;
    let cut = more.flatten();
    let (read, newer): (Vec<&Comment>, Vec<&Comment>) =
        replies.iter().partition(|r| cut.is_some_and(|cut| r.id <= cut));
    comment_open(w, root, page);
    if read.is_empty() && newer.is_empty() && !control {
        w.push_str("<!>");
    } else {
        w.push_str("<ol class=\"replies\">");
        write_replies(w, &read, page);
        if control {
            let _ = write!(
                w,
                "<li class=\"more-replies\"><a href=\"/comment/{id}\">展开更多回复（还有{hidden}条）<!></a>\
                 <span role=\"alert\" class=\"field-error\"><!><!></span><!><!></li>"
            );
        } else {
            w.push_str("<!>");
        }
        write_replies(w, &newer, page);
        w.push_str("<!><!></ol>");
    }
    w.push_str("<!><!></li>");
}

/// A list of replies, each a comment without replies of its own, and the list's marker.
fn write_replies(w: &mut String, list: &[&Comment], page: &Page) {
    for r in list {
        comment_open(w, r, page);
        w.push_str("<!><!><!></li>");
    }
    w.push_str("<!>");
}

/// A comment's `<li>` up to its replies: everything `comment_item` writes before them.
fn comment_open(w: &mut String, c: &Comment, ctx: &Page) {
    let id = c.id;
    let own = ctx.viewer == Some(c.author.id);
    let signed_in = ctx.viewer.is_some();
    let review = c.review.as_deref().map(|r| if r == "rejected" { "未通过审核" } else { "待审核" });
    let shown = !c.deleted && !c.hidden && review.is_none();
    let avatar = Avatar::for_name(&c.author.name);
    let _ = write!(
        w,
        "<li id=\"c{id}\" class=\"comment\"><article class=\"comment-body\">\
         <span aria-hidden=\"true\" class=\"avatar avatar-{}\">",
        avatar.index
    );
    text(w, &avatar.initial);
    w.push_str("<!></span><div class=\"comment-main\"><header class=\"comment-head\"><span class=\"comment-author\">");
    text(w, &c.author.name);
    w.push_str("<!></span><time datetime=\"");
    attr(w, &c.created_iso);
    w.push_str("\">");
    text(w, &c.created);
    w.push_str("<!></time>");
    w.push_str(if c.pinned { "<span class=\"badge\">置顶<!></span>" } else { "<!>" });
    match review {
        Some(r) => {
            w.push_str("<span class=\"badge review\">");
            w.push_str(r);
            w.push_str("<!></span>");
        }
        None => w.push_str("<!>"),
    }
    w.push_str("<!><!></header>");
    match c.answers_reply() {
        Some(to) => {
            w.push_str("<p class=\"reply-to\">回复 @");
            text_raw(w, to);
            w.push_str("<!></p>");
        }
        None => w.push_str("<!>"),
    }
    comment_text(w, c);
    if !c.deleted && review.is_some() && own {
        w.push_str("<div class=\"comment-actions no-icon\">");
        delete_control(w, id, ctx);
        w.push_str("<!></div>");
    } else {
        w.push_str("<!>");
    }
    if shown {
        w.push_str("<div class=\"comment-actions\">");
        if signed_in {
            let _ = write!(
                w,
                "<form method=\"post\" action=\"{}\" class=\"inline-form\">\
                 <button type=\"submit\" name=\"comment_id\" value=\"{id}\" aria-pressed=\"{}\" class=\"link-action\">赞 {}<!></button><!></form>",
                LikeComment::url(),
                c.liked,
                c.likes
            );
        } else {
            let next = encode_query(&format!("{}#c{id}", ctx.path));
            w.push_str("<a href=\"");
            attr(w, &format!("/login?next={next}"));
            let _ = write!(w, "\" class=\"link-action\">赞 {}<!></a>", c.likes);
        }
        w.push_str(if ctx.locked { "<a hidden href=\"" } else { "<a href=\"" });
        attr(w, &ctx.here(format_args!("&reply={id}#c{id}")));
        w.push_str("\" class=\"link-action\">回复<!></a>");
        if own {
            delete_control(w, id, ctx);
        } else {
            w.push_str("<!>");
        }
        if signed_in && !own {
            w.push_str("<a href=\"");
            attr(w, &ctx.here(format_args!("&report={id}#c{id}")));
            w.push_str("\" class=\"link-action\">举报<!></a>");
        } else {
            w.push_str("<!>");
        }
        w.push_str("<!><!></div>");
    } else {
        w.push_str("<!>");
    }
    // The moderator's buttons (never here: see `thread`), the report notice, the report form
    // and the reply box: absent.
    w.push_str("<!><!><!><!><!><!></div><!><!></article>");
}

/// `comments::comment_text`.
fn comment_text(w: &mut String, c: &Comment) {
    if c.deleted || c.hidden {
        w.push_str("<p class=\"comment-text deleted\">");
        w.push_str(if c.deleted { "该评论已删除" } else { "该评论已被管理员隐藏" });
        w.push_str("<!></p>");
        return;
    }
    w.push_str("<p dir=\"auto\" class=\"comment-text\">");
    let mut after_text = false;
    for segment in linkify(&c.body) {
        match segment {
            Segment::Text(t) => {
                if after_text {
                    w.push_str("<!>");
                }
                text(w, &t);
                after_text = true;
            }
            Segment::Link(url) => {
                w.push_str("<a href=\"");
                attr(w, &url);
                w.push_str("\" rel=\"nofollow ugc noopener\" target=\"_blank\">");
                text(w, &url);
                w.push_str("<!></a>");
                after_text = false;
            }
        }
    }
    w.push_str("<!><!></p>");
}

/// `comments::delete_control` with its question closed.
fn delete_control(w: &mut String, id: CommentId, ctx: &Page) {
    let here = ctx.here(format_args!(""));
    w.push_str("<a href=\"");
    attr(w, &format!("{here}&delete={id}#c{id}"));
    let _ = write!(
        w,
        "\" class=\"link-action\">删除<!></a><span role=\"group\" aria-label=\"确认删除\" hidden class=\"confirm-delete\">\
         <span class=\"confirm-question\">删除这条评论？</span>\
         <form method=\"post\" action=\"{}\" class=\"inline-form\">\
         <button type=\"submit\" name=\"comment_id\" value=\"{id}\" class=\"link-action danger\">确定删除<!></button><!></form><a href=\"",
        DeleteComment::url()
    );
    attr(w, &format!("{here}#c{id}"));
    w.push_str("\" class=\"link-action\">取消<!></a><!><!></span><!>");
}

/// `CommentsSection` as it is first written: no box open, nothing a failed post sent back, no
/// moderator's bar; `None` for a section left to the view (a moderator's page, an address that
/// opens a box, a plain post that failed). `total` is the article's comment count as the page
/// shows it. Without a view, the server builds none of the section's signals and actions
/// either: the browser builds them as it hydrates.
pub fn section(
    article_id: ArticleId,
    data: &CommentPage,
    sort: Sort,
    page_no: u32,
    viewer: Option<UserId>,
    echo: &FormEcho,
    total: i64,
) -> Option<String> {
    if data.moderator || *echo != FormEcho::default() {
        return None;
    }
    let path = format!("/article/{article_id}");
    let page = Page { viewer, path: &path, sort, locked: data.locked };
    let mut w = String::with_capacity(4096 + 1536 * data.comments.len());
    let w = &mut w;
    w.push_str(
        "<section id=\"comments\" aria-labelledby=\"comments-heading\" class=\"comments-section\">\
         <div class=\"comments-intro\"><h2 id=\"comments-heading\">今日评论</h2>\
         <p class=\"disclaimer\">网友评论仅供其表达个人看法，并不表明网站立场。</p></div><!>",
    );
    if data.locked {
        w.push_str("<p id=\"comment-form\" class=\"locked-notice\">本文评论已关闭，不能再发表评论或回复。<!></p>");
    } else if viewer.is_some() {
        // `CommentForm` with nothing typed, answered or refused.
        let _ = write!(
            w,
            "<form method=\"post\" action=\"{}\" id=\"comment-form\" class=\"comment-form\">\
             <input type=\"hidden\" name=\"article_id\" value=\"{article_id}\"><input type=\"hidden\" name=\"parent_id\" value=\"\"><!>\
             <label for=\"comment-body\" class=\"visually-hidden\">评论内容</label>\
             <textarea id=\"comment-body\" name=\"body\" rows=\"4\" aria-required=\"true\" placeholder=\"文明发言，理性讨论\" \
             aria-invalid=\"false\" aria-describedby=\"comment-error\"></textarea>\
             <p id=\"comment-error\" role=\"alert\" class=\"field-error\"><!><!></p>\
             <button type=\"submit\" class=\"primary\">发表评论<!></button><!><!></form>",
            PostComment::url()
        );
    } else {
        let next = encode_query(&format!("{path}#comment-form"));
        w.push_str("<p id=\"comment-form\" class=\"sign-in-prompt\"><a href=\"");
        attr(w, &format!("/login?next={next}"));
        w.push_str("\">登录<!></a> 或 <a href=\"");
        attr(w, &format!("/register?next={next}"));
        w.push_str("\">注册<!></a> 后参与评论<!><!></p>");
    }
    w.push_str("<div class=\"comments-bar\"><h3 class=\"comments-count\">");
    text(w, &format!("{}评论（{total}）", sort.label()));
    w.push_str("<!></h3><nav aria-label=\"评论排序\" class=\"sort-tabs\">");
    for s in Sort::ALL.iter() {
        w.push_str("<a href=\"");
        attr(w, &format!("{path}?sort={}#comments", s.as_str()));
        w.push_str(if *s == sort { "\" aria-current=\"true\">" } else { "\">" });
        text(w, s.label());
        w.push_str("<!></a>");
    }
    // No failed action, nothing heard, no new comments held, then the list.
    w.push_str(
        "<!><!></nav><!><!></div><p role=\"status\" class=\"field-error\"><!><!></p>\
         <p role=\"status\" aria-live=\"polite\" class=\"visually-hidden\"> <!></p><!><ol class=\"comments\">",
    );
    let threads = thread_refs(&data.comments, sort);
    if threads.is_empty() {
        w.push_str("<li class=\"no-comments\">还没有评论，来说两句吧。<!></li>");
    } else {
        let mut read_to = crate::model::VecMap::new();
        super::note_read(&mut read_to, &data.comments);
        for (root, replies) in &threads {
            write_thread(w, root, replies, &page, Some(read_to.get(&root.id).copied()));
        }
        w.push_str("<!>");
    }
    w.push_str("<!></ol>");
    if page_no > 1 {
        w.push_str("<nav aria-label=\"评论分页\" class=\"comment-pages\"><a href=\"");
        attr(w, &format!("{path}?sort={}&page={}#comments", sort.as_str(), page_no - 1));
        let _ = write!(w, "\" rel=\"prev\">上一页<!></a><span>第 {page_no} 页起<!></span><!><!></nav>");
    } else {
        w.push_str("<!>");
    }
    if data.has_more {
        w.push_str("<a href=\"");
        attr(w, &format!("{path}?sort={}&page={}#comments", sort.as_str(), page_no.max(1) + 1));
        w.push_str("\" class=\"load-more\">加载更多<!></a>");
    } else {
        w.push_str("<!>");
    }
    w.push_str("<p role=\"alert\" class=\"field-error\"><!><!></p><!><!></section>");
    Some(std::mem::take(w))
}
