//! `jinri import PATH` and `jinri export PATH`: articles as Markdown files with front matter.
//!
//! ```text
//! ---
//! id: summer-market-2026        (optional: the file's name without .md; letters, digits, . _ -)
//! title: 夏日市集周末开张
//! channel: life                 (au, china, world, finance, life)
//! summary: 悉尼本周末多个社区举办夏日市集。
//! source: 今日                   (optional)
//! original_url: https://…       (optional, http or https)
//! published: 2026-12-05 09:30   (site time zone; optional: without it the article is a draft)
//! state: published              (optional: draft, scheduled, published, withdrawn; by default
//!                                published when `published` is given and past, scheduled when
//!                                it is ahead, else draft)
//! figure: market.jpg | 说明 | 图片来源 | 描述   (optional, repeated: figure 1, 2, … in order; the
//!                                file beside the .md file; the description may be left out)
//! ---
//! The body, in the newsroom's Markdown subset.
//! ```
//!
//! Each file keeps its `id` as the article's external id: importing the same files again
//! changes nothing, and a changed file updates its article (a new version). Unknown keys,
//! missing fields, bad values and files over `FILE_MAX` bytes are refused with the reason, and
//! the other files are still imported. A figure goes through the same checks and re-encoding
//! as an upload (`server::figures`); a file whose figure is refused is refused whole. A figure
//! whose picture and words are what the article has already (the same file, or the file
//! `jinri export` wrote for it) is left as it is, so importing again changes nothing.

use super::db::{self, Db};
use crate::model::{check_article, ArticleFields, ArticleId, ArticleState, CheckedArticle};
use chrono_tz::Tz;

/// Largest file read.
pub const FILE_MAX: u64 = 1024 * 1024;

/// Most files one run reads from a folder.
pub const FILES_MAX: usize = 100_000;

/// An article as a file describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileArticle {
    pub external_id: String,
    pub article: CheckedArticle,
    pub published_at: Option<i64>,
    pub state: ArticleState,
    pub figures: Vec<FileFigure>,
}

/// A figure as a file's front matter names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileFigure {
    /// The picture's file name, beside the Markdown file.
    pub file: String,
    pub caption: String,
    pub alt: String,
    pub credit: String,
}

/// Reads a file's text; `stem` is its name without `.md`. `Err` says why it is refused.
pub fn parse(text: &str, stem: &str, tz: Tz, now: i64) -> Result<FileArticle, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text).replace("\r\n", "\n");
    let rest = text.strip_prefix("---\n").ok_or("the file does not start with a front matter line `---`")?;
    let end = rest.find("\n---\n").or_else(|| rest.strip_suffix("\n---").map(|r| r.len()));
    let end = end.ok_or("the front matter has no closing `---` line")?;
    let (front, body) = (&rest[..end], rest.get(end + 5..).unwrap_or(""));
    let mut fields = ArticleFields { body: body.to_owned(), ..Default::default() };
    let (mut id, mut published, mut state) = (stem.to_owned(), None, None);
    let mut seen = std::collections::HashSet::new();
    let mut figures = Vec::new();
    for (n, line) in front.lines().enumerate() {
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        let (key, value) =
            line.split_once(':').ok_or_else(|| format!("front matter line {}: no `key: value`", n + 1))?;
        let key = key.trim();
        let value = unquote(value.trim());
        if key != "figure" && !seen.insert(key.to_owned()) {
            return Err(format!("front matter: `{key}` is given twice"));
        }
        match key {
            "id" => id = value.to_owned(),
            "title" => fields.title = value.to_owned(),
            "channel" => fields.channel = value.to_owned(),
            "summary" => fields.summary = value.to_owned(),
            "source" => fields.source = value.to_owned(),
            "original_url" => fields.original_url = value.to_owned(),
            "published" => {
                let at = super::time::parse_local_input(tz, &value.replacen(' ', "T", 1))
                    .ok_or_else(|| format!("published: `{value}` is not a time like 2026-12-05 09:30"))?;
                published = Some(at);
            }
            "state" => {
                state =
                    Some(ArticleState::parse(value).ok_or_else(|| {
                        format!("state: `{value}` is not one of draft, scheduled, published, withdrawn")
                    })?)
            }
            "figure" => figures.push(figure(value, figures.len() + 1)?),
            other => return Err(format!("front matter: unknown key `{other}`")),
        }
    }
    if id.is_empty() || id.len() > 100 || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b)) {
        return Err(format!("id: `{id}` must be 1 to 100 letters, digits, `.`, `_` or `-`"));
    }
    let article = check_article(&fields).map_err(|(field, message)| format!("{field}: {message}"))?;
    let state = match (state, published) {
        (Some(ArticleState::Draft), _) => ArticleState::Draft,
        (Some(s), None) => return Err(format!("state: {} needs a `published` time", s.as_str())),
        (Some(ArticleState::Scheduled), Some(at)) if at <= now => {
            return Err("state: scheduled needs a `published` time ahead".into())
        }
        (Some(s), Some(_)) => s,
        (None, None) => ArticleState::Draft,
        (None, Some(at)) if at > now => ArticleState::Scheduled,
        (None, Some(_)) => ArticleState::Published,
    };
    if figures.len() > crate::model::FIGURES_MAX {
        return Err(format!("figure: at most {} figures an article", crate::model::FIGURES_MAX));
    }
    if let Some(n) = article.body.lines().filter_map(crate::model::figure_line).find(|n| *n > figures.len()) {
        return Err(format!("body: [图{n}] names a figure the front matter does not give"));
    }
    Ok(FileArticle { external_id: id, article, published_at: published, state, figures })
}

/// How a file names a figure already on the site (`site:/images/articles/NAME.svg`).
pub const SITE_FIGURE: &str = "site:";

/// `FILE | caption | credit | description` (the description may be left out).
fn figure(value: &str, n: usize) -> Result<FileFigure, String> {
    let parts: Vec<&str> = value.split('|').map(str::trim).collect();
    let [file, caption, credit, rest @ ..] = parts.as_slice() else {
        return Err(format!("figure {n}: write `figure: FILE | 说明 | 图片来源 | 描述`"));
    };
    let alt = match rest {
        [] => "",
        [alt] => alt,
        _ => return Err(format!("figure {n}: `|` may not appear in its words")),
    };
    // A drawing of the site's own (`site:/images/…`, as `jinri export` writes the demo's), or
    // a name beside the Markdown file: no folder, nothing hidden.
    let site = file.strip_prefix(SITE_FIGURE);
    if let Some(path) = site {
        if !path.starts_with("/images/") || path.contains("..") {
            return Err(format!("figure {n}: `{file}` is not a picture of this site"));
        }
    } else if file.is_empty() || file.starts_with('.') || file.contains(['/', '\\']) || file.len() > 200 {
        return Err(format!("figure {n}: `{file}` must be the name of a file beside the .md file"));
    }
    // The site's own drawings may have no credit (the demo's have none).
    let credit = if site.is_some() && credit.is_empty() { "-" } else { credit };
    let (caption, alt, credit) =
        crate::model::check_figure_words(caption, alt, credit).map_err(|(f, m)| format!("figure {n} {f}: {m}"))?;
    let credit = if credit == "-" && site.is_some() { String::new() } else { credit };
    Ok(FileFigure { file: (*file).to_owned(), caption, alt, credit })
}

fn unquote(v: &str) -> &str {
    v.strip_prefix('"').and_then(|v| v.strip_suffix('"')).unwrap_or(v)
}

/// An article as its file, the inverse of `parse`.
/// `figures`: each figure's `figure:` value (`FILE | caption | credit | description`).
pub fn render(a: &db::newsroom::Exported, figures: &[String], tz: Tz) -> String {
    let mut out = String::from("---\n");
    let mut line = |k: &str, v: &str| {
        if !v.is_empty() {
            // A value that starts or ends with a space or a quote keeps them inside quotes.
            let quoted = v.trim() != v || v.starts_with('"');
            out.push_str(&if quoted { format!("{k}: \"{v}\"\n") } else { format!("{k}: {v}\n") });
        }
    };
    line("id", &a.external_id);
    line("title", &a.stored.title);
    line("channel", &a.stored.channel_slug);
    line("summary", &a.stored.summary);
    line("source", &a.stored.source);
    line("original_url", a.stored.original_url.as_deref().unwrap_or(""));
    let state = ArticleState::parse(&a.stored.state).unwrap_or(ArticleState::Draft);
    if state != ArticleState::Draft {
        line("published", &super::time::date_time(tz, a.stored.published_at));
    }
    line("state", state.as_str());
    for f in figures {
        out.push_str(&format!("figure: {f}\n"));
    }
    out.push_str("---\n");
    out.push_str(&a.stored.body);
    out.push('\n');
    out
}

/// What importing one file did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Imported(ArticleId),
    Updated(ArticleId),
    Unchanged(ArticleId),
}

/// A figure of a file with its picture read from disk.
pub struct LoadedFigure {
    pub words: FileFigure,
    /// `figures::hash_name` of the picture.
    pub hash: String,
    pub bytes: Vec<u8>,
}

/// Reads the pictures `f` names from `dir` (the folder of its Markdown file). `Err` says why
/// the file is refused.
pub fn load_figures(dir: &std::path::Path, f: &FileArticle) -> Result<Vec<LoadedFigure>, String> {
    let max = super::figures::UPLOAD_MAX_BYTES as u64;
    f.figures
        .iter()
        .enumerate()
        .map(|(i, figure)| {
            if figure.file.starts_with(SITE_FIGURE) {
                // Nothing to read: the article must have it already (`store`).
                return Ok(LoadedFigure { words: figure.clone(), hash: figure.file.clone(), bytes: Vec::new() });
            }
            let path = dir.join(&figure.file);
            let fail = |why: String| format!("figure {} ({}): {why}", i + 1, figure.file);
            match std::fs::metadata(&path) {
                Ok(m) if m.len() > max => return Err(fail(super::figures::Refused::TooLarge.message())),
                Ok(_) => {}
                Err(e) => return Err(fail(format!("cannot be read: {e}"))),
            }
            let bytes = std::fs::read(&path).map_err(|e| fail(format!("cannot be read: {e}")))?;
            Ok(LoadedFigure { words: figure.clone(), hash: super::figures::hash_name(&bytes), bytes })
        })
        .collect()
}

/// Stores one parsed file with its figures: a new article, an update of the one with its id (a
/// new version), or nothing when the article already says exactly this. A picture is decoded
/// only when the article does not have it already; one that is refused refuses the file
/// before anything is written (`Ok(Err(reason))`).
pub async fn store(
    db: &Db,
    f: &FileArticle,
    figures: &[LoadedFigure],
    now: i64,
) -> Result<Result<Outcome, String>, sqlx::Error> {
    use db::figures::{NewFigure, Words};
    let existing = db::newsroom::by_external_id(db, &f.external_id).await?;
    let wanted_at = f.published_at;
    let current = match &existing {
        Some((id, _)) => db::figures::list(db, *id).await?,
        None => Vec::new(),
    };
    let made_from = |c: &db::figures::Figure, l: &LoadedFigure| match l.hash.strip_prefix(SITE_FIGURE) {
        Some(path) => c.src == path,
        None => c.made_from(&l.hash),
    };
    let kept: Vec<Option<&db::figures::Figure>> =
        figures.iter().map(|l| current.iter().find(|c| made_from(c, l))).collect();
    if let Some((i, l)) = figures.iter().enumerate().find(|(i, l)| l.bytes.is_empty() && kept[*i].is_none()) {
        return Ok(Err(format!("figure {} ({}): the article has no such picture", i + 1, l.words.file)));
    }
    let figures_same = current.len() == figures.len()
        && figures.iter().zip(&current).all(|(l, c)| {
            made_from(c, l)
                && c.caption.as_deref().unwrap_or("") == l.words.caption
                && c.alt.as_deref().unwrap_or("") == l.words.alt
                && c.credit.as_deref().unwrap_or("") == l.words.credit
        });
    if let Some((id, stored)) = &existing {
        let same = stored.title == f.article.title
            && stored.channel_slug == f.article.channel.slug
            && stored.summary == f.article.summary
            && stored.source == f.article.source
            && stored.original_url == f.article.original_url
            && stored.body == f.article.body
            && stored.state == f.state.as_str()
            && wanted_at.is_none_or(|at| at == stored.published_at);
        if same && figures_same {
            return Ok(Ok(Outcome::Unchanged(*id)));
        }
    }
    // Every new picture decoded before anything is written.
    let mut made = Vec::with_capacity(figures.len());
    if !figures_same {
        for (i, (l, kept)) in figures.iter().zip(&kept).enumerate() {
            if kept.is_some() {
                made.push(Vec::new());
                continue;
            }
            match super::figures::process(&l.bytes) {
                Ok(files) => made.push(files),
                Err(refused) => return Ok(Err(format!("figure {} ({}): {}", i + 1, l.words.file, refused.message()))),
            }
        }
    }
    let id = match &existing {
        Some((id, _)) => db::newsroom::save(db, Some(*id), &f.article, None, now).await?.unwrap_or(*id),
        None => {
            let id = db::newsroom::save(db, None, &f.article, None, now).await?.expect("a new article has an id");
            db::newsroom::set_external_id(db, id, &f.external_id).await?;
            id
        }
    };
    if !figures_same {
        let new: Vec<NewFigure> = figures
            .iter()
            .zip(&kept)
            .zip(&made)
            .map(|((l, kept), files)| NewFigure {
                files,
                kept: *kept,
                words: Words { caption: &l.words.caption, alt: &l.words.alt, credit: &l.words.credit },
                source_hash: &l.hash,
            })
            .collect();
        db::figures::replace(db, id, &new, now).await?;
    }
    db::newsroom::set_state(db, id, f.state, wanted_at).await?;
    Ok(Ok(match existing {
        Some(_) => Outcome::Updated(id),
        None => Outcome::Imported(id),
    }))
}

/// The `.md` files a path names: the file itself, or a folder's own files (not its
/// subfolders), sorted by name.
pub fn files(path: &std::path::Path) -> std::io::Result<Vec<std::path::PathBuf>> {
    if path.is_file() {
        return Ok(vec![path.to_owned()]);
    }
    let mut out = Vec::new();
    for entry in std::fs::read_dir(path)? {
        let entry = entry?;
        let p = entry.path();
        if entry.file_type()?.is_file() && p.extension().is_some_and(|e| e == "md") {
            out.push(p);
            if out.len() > FILES_MAX {
                return Err(std::io::Error::other(format!("more than {FILES_MAX} files in {}", path.display())));
            }
        }
    }
    out.sort();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Australia::Sydney;

    const NOW: i64 = 1_796_212_800; // 2026-12-02 23:00 in Sydney

    fn file(front: &str, body: &str) -> String {
        format!("---\n{front}\n---\n{body}")
    }

    const GOOD: &str = "title: 夏日市集\nchannel: life\nsummary: 周末市集。\nsource: 今日\npublished: 2026-12-01 09:30";

    #[test]
    fn a_good_file_is_read_with_its_time_in_the_site_time_zone() {
        let a = parse(&file(GOOD, "正文 **加粗**"), "market", Sydney, NOW).unwrap();
        assert_eq!(a.external_id, "market");
        assert_eq!(a.article.title, "夏日市集");
        assert_eq!(a.state, ArticleState::Published);
        assert_eq!(a.published_at, super::super::time::parse_local_input(Sydney, "2026-12-01T09:30"));
        let ahead = parse(&file(&GOOD.replace("2026-12-01", "2026-12-24"), "正文"), "m", Sydney, NOW).unwrap();
        assert_eq!(ahead.state, ArticleState::Scheduled);
        let draft = parse(&file("id: x-1\ntitle: 草稿\nchannel: au\nsummary: 摘要", "正文"), "m", Sydney, NOW).unwrap();
        assert_eq!((draft.external_id.as_str(), draft.state, draft.published_at), ("x-1", ArticleState::Draft, None));
        // Windows line ends and a byte-order mark are fine.
        let crlf = format!("\u{feff}{}", file(GOOD, "正文").replace('\n', "\r\n"));
        assert_eq!(parse(&crlf, "market", Sydney, NOW).unwrap().article.body, "正文");
    }

    #[test]
    fn each_bad_file_is_refused_with_its_reason() {
        let cases = [
            ("no front matter", "title: x".to_owned(), "front matter"),
            ("unclosed", "---\ntitle: x\n".to_owned(), "closing"),
            ("unknown key", file(&format!("{GOOD}\nauthor: 某人"), "正文"), "unknown key `author`"),
            ("twice", file(&format!("{GOOD}\ntitle: 又一个"), "正文"), "twice"),
            ("bad time", file(&GOOD.replace("2026-12-01 09:30", "昨天"), "正文"), "published"),
            ("bad channel", file(&GOOD.replace("life", "sport"), "正文"), "channel"),
            ("no body", file(GOOD, ""), "body"),
            ("a figure in a folder", file(&format!("{GOOD}\nfigure: ../a.jpg | 说明 | 今日"), "正文"), "beside"),
            ("a figure without credit", file(&format!("{GOOD}\nfigure: a.jpg | 说明"), "正文"), "figure 1"),
            ("a figure's empty credit", file(&format!("{GOOD}\nfigure: a.jpg | 说明 | "), "正文"), "图片来源"),
            ("a body naming a missing figure", file(&format!("{GOOD}\nfigure: a.jpg | 说明 | 今日"), "[图2]"), "[图2]"),
            ("bad id", file(&format!("{GOOD}\nid: ../../etc"), "正文"), "id"),
            ("script url", file(&format!("{GOOD}\noriginal_url: javascript:alert(1)"), "正文"), "original_url"),
            ("scheduled in the past", file(&format!("{GOOD}\nstate: scheduled"), "正文"), "ahead"),
        ];
        for (what, text, reason) in cases {
            let err = parse(&text, "ok", Sydney, NOW).unwrap_err();
            assert!(err.contains(reason), "{what}: {err}");
        }
    }
}
