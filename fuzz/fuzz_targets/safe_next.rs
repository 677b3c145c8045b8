//! `safe_next`: where a reader is sent after signing in, out, or up (`?next=` and the form's
//! hidden field, both the reader's to choose).
//!
//! Properties:
//! - the answer is the input unchanged or `/`;
//! - it is a path on this site: it starts with `/` but not `//` or `/\`, has no control
//!   character or backslash, is at most 512 bytes, and is no absolute URL (no scheme);
//! - resolved against the site's address as a browser resolves a `Location` header (the
//!   WHATWG URL rules of the `url` crate), it stays on the site's scheme, host and port,
//!   with no user name or password;
//! - it is a valid header value: `leptos_axum::redirect` panics on one that is not.
#![no_main]

use jinri::model::safe_next;
use libfuzzer_sys::fuzz_target;
use url::Url;

fuzz_target!(|data: &[u8]| {
    let next = String::from_utf8_lossy(data);
    let out = safe_next(&next);
    assert!(out == next || out == "/", "{next:?} became {out:?}");
    assert!(out.starts_with('/') && !out.starts_with("//") && !out.starts_with("/\\"), "{out:?}");
    assert!(!out.chars().any(|c| c.is_control() || c == '\\'), "{out:?}");
    assert!(out.len() <= 512);
    assert_eq!(Url::parse(&out), Err(url::ParseError::RelativeUrlWithoutBase), "{out:?} is an absolute URL");

    for base in ["https://jinri.example/login", "http://127.0.0.1:3000/article/3?sort=hot#c5"] {
        let base = Url::parse(base).expect("base URL");
        let target = base.join(&out).unwrap_or_else(|e| panic!("{out:?} does not resolve: {e}"));
        assert_eq!(target.scheme(), base.scheme(), "{out:?} -> {target}");
        assert_eq!(target.host_str(), base.host_str(), "{out:?} -> {target}");
        assert_eq!(target.port(), base.port(), "{out:?} -> {target}");
        assert!(target.username().is_empty() && target.password().is_none(), "{out:?} -> {target}");
    }
    http::HeaderValue::from_str(&out).unwrap_or_else(|e| panic!("{out:?} is no Location header: {e}"));
});
