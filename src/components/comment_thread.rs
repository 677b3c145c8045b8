use super::AvatarBadge;
use crate::model::{build_thread, Comment, CommentNode};
use leptos::prelude::*;

/// Replies indent up to this depth; deeper ones line up with it so a phone stays readable.
const MAX_INDENT: usize = 3;

/// The comments of an article: newest first, replies nested under what they answer.
#[component]
pub fn CommentThread(comments: Vec<Comment>) -> impl IntoView {
    let thread = build_thread(comments);
    view! {
        <ol class="comments">
            {thread.into_iter().map(|n| comment_node(n, 0)).collect_view()}
        </ol>
    }
}

fn comment_node(node: CommentNode, depth: usize) -> AnyView {
    let c = node.comment;
    let replies = node.replies;
    view! {
        <li class=format!("comment depth-{}", depth.min(MAX_INDENT)) id=format!("c{}", c.id)>
            <article class="comment-body">
                <AvatarBadge name=c.author.name.clone() />
                <div class="comment-main">
                    <header class="comment-head">
                        <span class="comment-author">{c.author.name}</span>
                        <time datetime=c.created_iso>{c.created}</time>
                    </header>
                    {node.reply_to.map(|to| view! { <p class="reply-to">"回复 @"{to}</p> })}
                    <p class="comment-text">{c.body}</p>
                </div>
            </article>
            {(!replies.is_empty()).then(|| view! {
                <ol class="replies">
                    {replies.into_iter().map(|r| comment_node(r, depth + 1)).collect_view()}
                </ol>
            })}
        </li>
    }
    .into_any()
}
