//! Query-string and path values: `encode_query` (values put into redirect URLs),
//! `parse_page` (`?page=`), `ArticleId`/`CommentId` (`/article/N`, `?reply=`, `article_id=`),
//! `Sort` (`?sort=`) and `Channel::by_slug` (`/channel/x`).
//!
//! Properties:
//! - `encode_query` writes only unreserved characters, `/` and `%XX`, is a valid header value,
//!   and a standard query parser (`application/x-www-form-urlencoded`) reads back the input;
//! - a page number, id, sort or channel is accepted exactly when the input is its canonical
//!   spelling: what is accepted prints back as the input, and every canonical spelling is
//!   accepted (pages from 1 to u32::MAX, ids from 1 to 18 digits);
//! - refusals are `NotFound` / `None`, never a panic.
#![no_main]

use jinri::model::{encode_query, AppError, ArticleId, Channel, CommentId, Sort};
use jinri::pages::parse_page;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);

    let enc = encode_query(&s);
    assert!(enc.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.~/%".contains(&b)), "{enc:?}");
    http::HeaderValue::from_str(&enc).unwrap_or_else(|e| panic!("{enc:?}: {e}"));
    let read: Vec<(String, String)> =
        url::form_urlencoded::parse(format!("v={enc}&w=1").as_bytes()).into_owned().collect();
    assert_eq!(read, vec![("v".to_owned(), s.to_string()), ("w".to_owned(), "1".to_owned())], "{enc:?}");

    match parse_page(Some(s.to_string())) {
        Ok(n) => assert!(n >= 1 && n.to_string() == s, "{s:?} read as page {n}"),
        Err(e) => assert_eq!(e, AppError::NotFound),
    }
    assert_eq!(parse_page(None), Ok(1));

    if let Some(id) = ArticleId::parse(&s) {
        assert!(id.0 >= 1 && id.to_string() == s, "{s:?} read as article {id}");
    }
    assert_eq!(CommentId::parse(&s).map(|c| c.0), ArticleId::parse(&s).map(|a| a.0), "{s:?}");
    if let Some(sort) = Sort::parse(&s) {
        assert_eq!(sort.as_str(), s, "{s:?}");
    }
    if let Some(channel) = Channel::by_slug(&s) {
        assert_eq!(channel.slug, s);
        assert_eq!(channel.href, format!("/channel/{s}"));
    }

    // Every canonical spelling is accepted.
    if data.len() >= 8 {
        let n = u64::from_le_bytes(data[..8].try_into().expect("8 bytes"));
        let page = (n as u32).max(1);
        assert_eq!(parse_page(Some(page.to_string())), Ok(page));
        let id = (n % 999_999_999_999_999_999).max(1) as i64;
        assert_eq!(ArticleId::parse(&id.to_string()), Some(ArticleId(id)));
        assert_eq!(CommentId::parse(&id.to_string()), Some(CommentId(id)));
    }
});
