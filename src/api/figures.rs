//! An article's figures in the newsroom: uploading one (multipart form data: the picture and
//! what the editor wrote about it), changing what one says, removing one. Editors and admins
//! only, checked on the server (the upload before its body is even read: `routes`). Each is
//! one of the editor's changes a minute (`newsroom::CHANGES_PER_MINUTE`), and an upload is
//! also one of `UPLOADS_PER_MINUTE`; both are counted in the database, across processes,
//! before any picture is decoded. Without JavaScript each is a plain form post that comes
//! back to the editor's page, with the message and the words typed when it failed.

use crate::model::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::{MultipartData, MultipartFormData};

/// Pictures one editor may upload per minute: decoding and re-encoding a large photo takes a
/// CPU for a moment, so this is well under the other changes' limit.
pub const UPLOADS_PER_MINUTE: i64 = 12;

/// Uploads a figure to article `id` (form fields `id`, `file`, `caption`, `alt`, `credit`).
/// Answers the new figure's number: `[图N]` on a line of its own places it.
#[server(endpoint = "newsroom/figure", input = MultipartFormData)]
pub async fn upload_figure(data: MultipartData) -> Result<usize, AppError> {
    use crate::model::{check_figure_words, ArticleId, FIGURES_MAX};
    use crate::server::db::figures::{self as stored, Added, Words};
    use crate::server::{db, figures, request::Request, time};
    let req = Request::current()?;
    let form = read_form(data).await;
    // A form cut off before its article's id comes back to the list of articles.
    let page = form
        .as_ref()
        .ok()
        .and_then(|f| super::newsroom::editor_page(&f.id).ok())
        .unwrap_or_else(|| "/admin/articles".to_owned());
    let typed = form.as_ref().map(|f| (f.caption.clone(), f.alt.clone(), f.credit.clone())).unwrap_or_default();
    let keep = [("caption", typed.0.as_str()), ("alt", typed.1.as_str()), ("credit", typed.2.as_str())];
    let editor = super::newsroom::editor_for_form(&req, &page, &keep).await?;
    let fail = |e: AppError| req.fail(e, &page, &keep, "#figures");
    let form = form.map_err(|m| fail(AppError::validation("file", m)))?;
    let (caption, alt, credit) = check_figure_words(&form.caption, &form.alt, &form.credit)
        .map_err(|(f, m)| fail(AppError::validation(f, m)))?;
    let article = ArticleId::parse(&form.id).ok_or(AppError::NotFound)?;
    if form.file.is_empty() {
        return Err(fail(AppError::validation("file", figures::Refused::Empty.message())));
    }
    let now = time::now_unix();
    let who = editor.id.0.to_string();
    let limits = [
        db::limits::Limit::new("article_change", &who, 60, super::newsroom::CHANGES_PER_MINUTE),
        db::limits::Limit::new("figure_upload", &who, 60, UPLOADS_PER_MINUTE),
    ];
    if let Err(retry_after_secs) = db::limits::take(&req.state.pool, &limits, now).await.map_err(super::internal)? {
        return Err(fail(AppError::RateLimited { retry_after_secs }));
    }
    let source_hash = figures::hash_name(&form.file);
    let files = figures::process_in_turn(form.file).await.map_err(super::internal)?;
    let files = files.map_err(|refused| fail(AppError::validation("file", refused.message())))?;
    let words = Words { caption: &caption, alt: &alt, credit: &credit };
    let figure = stored::NewFigure { files: &files, kept: None, words, source_hash: &source_hash };
    match stored::add(&req.state.pool, article, figure, FIGURES_MAX, now).await.map_err(super::internal)? {
        Added::Figure(n) => {
            crate::server::cli::articles_changed(&req.state).await;
            req.redirect_plain_form(&format!("{page}#figures"));
            Ok(n)
        }
        Added::Full => Err(fail(AppError::validation("file", format!("一篇文章最多 {FIGURES_MAX} 张图片")))),
        Added::NoArticle => Err(AppError::NotFound),
    }
}

/// Changes what figure `n` of article `id` says: its caption, what it shows, its credit.
#[server(endpoint = "newsroom/figure_words")]
pub async fn describe_figure(
    id: String,
    n: String,
    caption: String,
    alt: String,
    credit: String,
) -> Result<(), AppError> {
    use crate::model::check_figure_words;
    use crate::server::db::figures::Words;
    use crate::server::{db, request::Request, time};
    let req = Request::current()?;
    let page = super::newsroom::editor_page(&id)?;
    let field = |k: &str| format!("figure-{n}-{k}");
    let (kc, ka, kr) = (field("caption"), field("alt"), field("credit"));
    let keep = [(kc.as_str(), caption.as_str()), (ka.as_str(), alt.as_str()), (kr.as_str(), credit.as_str())];
    let editor = super::newsroom::editor_for_form(&req, &page, &keep).await?;
    let anchor = format!("#figure-{n}");
    let fail = |e: AppError| req.fail(e, &page, &keep, &anchor);
    let (caption, alt, credit) =
        check_figure_words(&caption, &alt, &credit).map_err(|(f, m)| fail(AppError::validation(&field(f), m)))?;
    let (article, n) = figure_of(&id, &n)?;
    let now = time::now_unix();
    if let Err(retry_after_secs) = super::newsroom::slot(&req, &editor, now).await? {
        return Err(fail(AppError::RateLimited { retry_after_secs }));
    }
    let words = Words { caption: &caption, alt: &alt, credit: &credit };
    if !db::figures::describe(&req.state.pool, article, n, words, now).await.map_err(super::internal)? {
        return Err(AppError::NotFound);
    }
    crate::server::cli::articles_changed(&req.state).await;
    req.redirect_plain_form(&format!("{page}{anchor}"));
    Ok(())
}

/// Removes figure `n` of article `id`: its `[图N]` lines leave the body and the later figures'
/// lines are renumbered, as a new version.
#[server(endpoint = "newsroom/figure_remove")]
pub async fn remove_figure(id: String, n: String) -> Result<(), AppError> {
    use crate::server::{db, request::Request, time};
    let req = Request::current()?;
    let page = super::newsroom::editor_page(&id)?;
    let editor = super::newsroom::editor_for_form(&req, &page, &[]).await?;
    let (article, n) = figure_of(&id, &n)?;
    let now = time::now_unix();
    if let Err(retry_after_secs) = super::newsroom::slot(&req, &editor, now).await? {
        return Err(req.fail(AppError::RateLimited { retry_after_secs }, &page, &[], "#figures"));
    }
    if !db::figures::remove(&req.state.pool, article, n, editor.id, now).await.map_err(super::internal)? {
        return Err(AppError::NotFound);
    }
    crate::server::cli::articles_changed(&req.state).await;
    req.redirect_plain_form(&format!("{page}#figures"));
    Ok(())
}

#[cfg(feature = "ssr")]
fn figure_of(id: &str, n: &str) -> Result<(crate::model::ArticleId, usize), AppError> {
    let article = crate::model::ArticleId::parse(id).ok_or(AppError::NotFound)?;
    let n =
        n.parse::<usize>().ok().filter(|n| (1..=crate::model::FIGURES_MAX).contains(n)).ok_or(AppError::NotFound)?;
    Ok((article, n))
}

/// An upload's fields.
#[cfg(feature = "ssr")]
struct UploadForm {
    id: String,
    caption: String,
    alt: String,
    credit: String,
    file: Vec<u8>,
}

/// Longest text field of an upload, in bytes (the checks then count characters).
#[cfg(feature = "ssr")]
const TEXT_FIELD_MAX: usize = 4 * 1024;

/// Reads an upload's fields (the body is in memory already, at most its size limit: `routes`).
/// `Err` is the message for the editor: a form that is not one of ours, or cut off.
#[cfg(feature = "ssr")]
async fn read_form(data: MultipartData) -> Result<UploadForm, String> {
    let broken = || "上传没有完成，请重试".to_owned();
    let mut multipart = data.into_inner().ok_or_else(broken)?;
    let mut form = UploadForm {
        id: String::new(),
        caption: String::new(),
        alt: String::new(),
        credit: String::new(),
        file: Vec::new(),
    };
    let mut seen_file = false;
    while let Some(mut field) = multipart.next_field().await.map_err(|_| broken())? {
        let name = field.name().unwrap_or_default().to_owned();
        let max = if name == "file" { crate::server::figures::UPLOAD_MAX_BYTES + 1 } else { TEXT_FIELD_MAX };
        let mut bytes = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(|_| broken())? {
            if bytes.len() + chunk.len() > max {
                return Err(if name == "file" {
                    crate::server::figures::Refused::TooLarge.message()
                } else {
                    broken()
                });
            }
            bytes.extend_from_slice(&chunk);
        }
        let text = || String::from_utf8(bytes.clone()).map_err(|_| broken());
        match name.as_str() {
            "id" => form.id = text()?,
            "caption" => form.caption = text()?,
            "alt" => form.alt = text()?,
            "credit" => form.credit = text()?,
            // One picture an upload: a second file field is not ours.
            "file" if seen_file => return Err(broken()),
            "file" => {
                seen_file = true;
                form.file = bytes;
            }
            _ => {}
        }
    }
    Ok(form)
}
