//! Reader names and passwords, as the register and login forms send them.
//!
//! Properties:
//! - an accepted name satisfies the documented rules (2-20 characters after trimming and NFC;
//!   Chinese characters, Latin letters, digits, `_` and `-` only; not a reserved name in any
//!   case), is NFC, and round-trips: it parses to itself, and its key (lower case) is a valid
//!   name with the same key;
//! - an accepted name needs no escaping anywhere it is shown: no space, control, quote,
//!   angle bracket, `&`, `/` or invisible character;
//! - a refused name gets a message that says why (length, characters or reserved);
//! - reserved names are refused whatever their letter case;
//! - on the server, an accepted name has the skeleton of its key (names equal ignoring case
//!   look alike), and the reserved-word check never panics;
//! - the password length rule is exactly 8-128 characters, and the common-password check
//!   ignores ASCII letter case.
#![no_main]

use jinri::model::{check_password_length, Username, NAME_MAX, NAME_MIN, PASSWORD_MAX, PASSWORD_MIN, RESERVED};
use jinri::server::auth::{check_new_password, is_common_password, STRENGTH_MAX_CHARS};
use jinri::server::names::{check_reserved, skeleton};
use libfuzzer_sys::fuzz_target;
use unicode_normalization::{is_nfc, UnicodeNormalization};


/// CJK ideographs: Unified, Extension A-H and Compatibility Ideographs.
fn is_cjk_ideograph(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2EBEF | 0x30000..=0x323AF)
}

fuzz_target!(|data: &[u8]| {
    let raw = String::from_utf8_lossy(data);
    match Username::parse(&raw) {
        Ok(name) => {
            let s = name.as_str();
            let len = s.chars().count();
            assert!((NAME_MIN..=NAME_MAX).contains(&len), "accepted name of {len} characters: {s:?}");
            assert!(is_nfc(s), "accepted name is not NFC: {s:?}");
            assert!(
                s.chars().all(|c| is_cjk_ideograph(c) || c.is_ascii_alphanumeric() || c == '_' || c == '-'),
                "accepted name with a character outside the rules: {s:?}"
            );
            assert!(
                !s.chars().any(|c| c.is_whitespace()
                    || c.is_control()
                    || "<>&\"'/\\".contains(c)
                    || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{206f}')),
                "accepted name needs escaping: {s:?}"
            );
            assert!(!RESERVED.contains(&s.to_lowercase().as_str()), "reserved name accepted: {s:?}");
            assert_eq!(s, raw.trim().nfc().collect::<String>(), "the name is more than the trimmed NFC input");
            assert_eq!(Username::parse(s).as_ref(), Ok(&name), "a valid name does not parse to itself");
            assert_eq!(name.key(), s.to_lowercase());
            let lower = Username::parse(&name.key()).unwrap_or_else(|e| panic!("key of {s:?} is not a name: {e}"));
            assert_eq!(lower.key(), name.key(), "key is not stable");
            assert_eq!(skeleton(s), skeleton(&name.key()), "names equal ignoring case differ in skeleton");
            if let Err(msg) = check_reserved(&name) {
                assert!(msg.contains("保留"), "{s:?}: {msg}");
            }
        }
        Err(msg) => {
            assert!(
                msg.contains("至少") || msg.contains("最多") || msg.contains("只能包含") || msg.contains("保留"),
                "refusal without a reason: {msg:?}"
            );
        }
    }

    // Reserved names with the case of their letters chosen by the input.
    if let Some((&pick, bits)) = data.split_first() {
        let reserved = RESERVED[usize::from(pick) % RESERVED.len()];
        let cased: String = reserved
            .chars()
            .enumerate()
            .map(|(i, c)| {
                let upper = bits.get(i / 8).is_some_and(|b| b >> (i % 8) & 1 == 1);
                if upper {
                    c.to_ascii_uppercase()
                } else {
                    c
                }
            })
            .collect();
        let msg = Username::parse(&cased).expect_err("a reserved name was accepted");
        assert!(msg.contains("保留"), "{cased:?}: {msg}");
    }

    // Passwords: length in characters, and the common list ignores case.
    let len = raw.chars().count();
    assert_eq!(check_password_length(&raw).is_ok(), (PASSWORD_MIN..=PASSWORD_MAX).contains(&len), "{len} chars");
    assert_eq!(is_common_password(&raw), is_common_password(&raw.to_ascii_uppercase()), "{raw:?}");
    // The strength check reads at most STRENGTH_MAX_CHARS characters, so it judges a longer
    // password by its start; its refusals always say why.
    if len <= 2 * STRENGTH_MAX_CHARS {
        if let Err(msg) = check_new_password(&raw, "reader") {
            assert!(msg.contains("请"), "refusal without advice: {msg:?}");
        }
    }
});
