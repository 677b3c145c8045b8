//! Account input rules, shared by the browser (to pre-check a form) and the server (which
//! re-checks everything). Messages are what the reader sees next to the field.

use serde::{Deserialize, Serialize};

pub const NAME_MIN: usize = 2;
pub const NAME_MAX: usize = 20;
pub const PASSWORD_MIN: usize = 8;
pub const PASSWORD_MAX: usize = 128;

/// Names nobody may take, compared ignoring case: they would pass for the site or its staff.
/// `Username::parse` (browser and server) refuses exactly these; the server also refuses names
/// that contain one of `RESERVED_WORDS`, and lookalikes of both (see `server::names`).
///
/// The decision: distinctive words (`RESERVED_WORDS`) are refused anywhere in a name, so
/// `admin1`, `jinri_official` and `官方客服` are refused; short generic Latin words (`root`,
/// `mod`, `staff`, `system`, …) only as the whole name, so `model`, `rooted` and `staffordshire`
/// stay free. `今日` is distinctive here, so a name like `今日份快乐` is refused too: on this site
/// it would read as the site speaking.
pub const RESERVED: [&str; 21] = [
    "admin",
    "administrator",
    "root",
    "system",
    "sysop",
    "moderator",
    "mod",
    "staff",
    "support",
    "webmaster",
    "official",
    "jinri",
    "今日",
    "今日澳洲",
    "管理员",
    "系统",
    "版主",
    "站长",
    "官方",
    "客服",
    "小编",
];

/// Reserved words refused anywhere in a name, after folding lookalikes (`server::names`).
pub const RESERVED_WORDS: [&str; 13] = [
    "admin",
    "administrator",
    "official",
    "jinri",
    "moderator",
    "今日",
    "管理员",
    "官方",
    "客服",
    "版主",
    "站长",
    "系统",
    "小编",
];

/// A valid reader name: 2-20 characters after trimming and Unicode NFC, made of Chinese
/// characters, Latin letters, digits, `_` and `-`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Username(String);

fn is_han(c: char) -> bool {
    matches!(c as u32,
        0x3400..=0x4DBF      // CJK Extension A
        | 0x4E00..=0x9FFF    // CJK Unified Ideographs
        | 0xF900..=0xFAFF    // CJK Compatibility Ideographs
        | 0x20000..=0x2EBEF  // Extensions B-F
        | 0x30000..=0x323AF) // Extensions G-H
}

/// Characters that show nothing themselves: controls, zero-width characters, bidi controls,
/// and other formatting characters (Unicode's Cc and Cf, as far as a name could meet them).
fn is_invisible(c: char) -> bool {
    c.is_control()
        || matches!(c as u32,
            0x00AD | 0x034F | 0x061C | 0x115F | 0x1160 | 0x17B4 | 0x17B5 | 0x180B..=0x180F
            | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x206F | 0x3164 | 0xFE00..=0xFE0F
            | 0xFEFF | 0xFFA0 | 0xFFF0..=0xFFFB | 0x1D173..=0x1D17A | 0xE0000..=0xE0FFF)
}

/// The characters a name may hold: Chinese characters, ASCII letters and digits, `_` and `-`.
fn allowed_in_name(c: char) -> bool {
    is_han(c) || c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

impl Username {
    pub fn parse(raw: &str) -> Result<Username, String> {
        let name = super::nfc(raw.trim());
        let len = name.chars().count();
        if len == 0 {
            return Err("请输入用户名".to_owned());
        }
        if len < NAME_MIN {
            return Err(format!("用户名至少 {NAME_MIN} 个字符"));
        }
        if len > NAME_MAX {
            return Err(format!("用户名最多 {NAME_MAX} 个字符，现在是 {len} 个"));
        }
        if let Some(bad) = name.chars().find(|&c| !allowed_in_name(c)) {
            let shown = if bad.is_whitespace() {
                "空格".to_owned()
            } else if is_invisible(bad) {
                // Shown between quotes it would be invisible, or turn the message around.
                "看不见的字符（如零宽字符、文字方向控制符）".to_owned()
            } else {
                format!("“{bad}”")
            };
            return Err(format!("用户名只能包含汉字、英文字母、数字、_ 和 -，不能包含{shown}"));
        }
        // Every character is now a Chinese character (no case), an ASCII letter or digit, `_` or
        // `-`, so ASCII case folding is the whole of Unicode's here; `str::to_lowercase` would
        // bring its case tables (~5 KB) into the sign-in page's code for nothing.
        if RESERVED.iter().any(|r| name.eq_ignore_ascii_case(r)) {
            return Err("这个用户名保留给本站使用，请换一个".to_owned());
        }
        Ok(Username(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The key names are unique by: the same name in another case is the same name.
    pub fn key(&self) -> String {
        self.0.to_lowercase()
    }

    /// The key an existing reader is found by from a name typed to look them up: `key` of the
    /// name, also for names today's rules would refuse (older or imported accounts).
    pub fn lookup_key(raw: &str) -> String {
        super::nfc(raw.trim()).to_lowercase()
    }
}

/// Length rules of a new password. The common-password check runs on the server only.
/// Signing in asks only that both fields were filled in: any registered name and password may
/// sign in. The field at fault and what is missing, checked in the browser and on the server.
pub fn login_fields_filled(name: &str, password: &str) -> Result<(), (&'static str, String)> {
    if name.trim().is_empty() {
        return Err(("name", "请输入用户名".to_owned()));
    }
    if password.is_empty() {
        return Err(("password", "请输入密码".to_owned()));
    }
    Ok(())
}

pub fn check_password_length(password: &str) -> Result<(), String> {
    let len = password.chars().count();
    if len == 0 {
        return Err("请输入密码".to_owned());
    }
    if len < PASSWORD_MIN {
        return Err(format!("密码至少 {PASSWORD_MIN} 个字符"));
    }
    if len > PASSWORD_MAX {
        return Err(format!("密码最多 {PASSWORD_MAX} 个字符"));
    }
    Ok(())
}

/// Where to go after signing in: only a path on this site, never another site.
pub fn safe_next(next: &str) -> String {
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && !next.chars().any(|c| c.is_control() || c == '\\')
        && next.len() <= 512;
    if ok {
        next.to_owned()
    } else {
        "/".to_owned()
    }
}

/// Percent-encodes a query value (UTF-8 bytes; `/` kept for readable paths).
pub fn encode_query(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => out.push(b as char),
            _ => {
                // Not `format!`: a Chinese title is three escapes a character (the share links).
                const HEX: &[u8; 16] = b"0123456789ABCDEF";
                out.push('%');
                out.push(HEX[usize::from(b >> 4)] as char);
                out.push(HEX[usize::from(b & 15)] as char);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seed_commenters_names_are_valid() {
        for name in ["善結仁義", "Sammie傻咪", "June六六六月", "Melan_小黑鸟", "失意女魔王", "ab", "a-b_c9"]
        {
            assert_eq!(Username::parse(name).unwrap().as_str(), name);
        }
    }

    #[test]
    fn names_are_trimmed() {
        assert_eq!(Username::parse("  小王  ").unwrap().as_str(), "小王");
    }

    #[test]
    fn too_short_too_long_and_odd_characters_are_refused_with_a_reason() {
        assert!(Username::parse("a").unwrap_err().contains("至少"));
        assert_eq!(Username::parse(" ").unwrap_err(), "请输入用户名");
        assert_eq!(check_password_length("").unwrap_err(), "请输入密码");
        assert_eq!(login_fields_filled(" ", "x").unwrap_err().0, "name");
        assert_eq!(login_fields_filled("名字", "").unwrap_err().0, "password");
        assert!(login_fields_filled("名字", "x").is_ok());
        assert!(Username::parse(&"长".repeat(21)).unwrap_err().contains("最多"));
        assert!(Username::parse(&"长".repeat(20)).is_ok());
        for bad in ["a b", "名字!", "<script>", "a.b", "ab\u{202e}", "名\u{200b}字", "😀😀"] {
            assert!(Username::parse(bad).unwrap_err().contains("只能包含"), "{bad:?}");
        }
    }

    #[test]
    fn bidi_controls_and_zero_width_characters_are_refused_with_a_clear_message() {
        for c in [
            '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}', '\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}',
            '\u{200E}', '\u{200F}', '\u{061C}', '\u{200B}', '\u{200C}', '\u{200D}', '\u{2060}', '\u{FEFF}', '\u{180E}',
            '\u{00AD}', '\u{0}', '\u{7f}', '\u{9b}',
        ] {
            for name in [format!("小{c}王"), format!("ab{c}"), format!("{c}Melan")] {
                let err = Username::parse(&name).unwrap_err();
                assert!(err.contains("只能包含") && err.contains("看不见的字符"), "U+{:04X}: {err}", c as u32);
                assert!(!err.contains(c), "the message shows the invisible character itself");
            }
        }
        assert!(Username::parse("名字!").unwrap_err().contains("“!”"));
    }

    #[test]
    fn reserved_names_are_refused_in_any_case() {
        for name in ["admin", "ADMIN", "Admin", "管理员", "今日", "Jinri", "客服", "小编", "Support", "WEBMASTER"]
        {
            assert!(Username::parse(name).unwrap_err().contains("保留"), "{name}");
        }
    }

    #[test]
    fn ascii_case_folding_is_unicode_lowercasing_for_every_character_a_name_may_hold() {
        // `Username::parse` compares with the reserved names by ASCII case folding.
        let allowed = (0..=0x10FFFFu32).filter_map(char::from_u32).filter(|&c| allowed_in_name(c));
        let mut seen = 0;
        for c in allowed {
            assert!(c.to_lowercase().eq([c.to_ascii_lowercase()]), "U+{:04X}", c as u32);
            seen += 1;
        }
        assert!(seen > 90_000, "{seen}");
    }

    #[test]
    fn names_differing_only_in_case_share_a_key() {
        assert_eq!(Username::parse("Sammie傻咪").unwrap().key(), Username::parse("sammie傻咪").unwrap().key());
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn names_are_compared_after_nfc() {
        // "é" written as e + combining accent is refused the same way as the composed form.
        assert_eq!(Username::parse("cafe\u{301}").unwrap_err(), Username::parse("caf\u{e9}").unwrap_err());
    }

    #[test]
    fn password_length_is_8_to_128_characters() {
        assert!(check_password_length("1234567").is_err());
        assert!(check_password_length("12345678").is_ok());
        assert!(check_password_length("密码密码密码密码").is_ok());
        assert!(check_password_length(&"x".repeat(128)).is_ok());
        assert!(check_password_length(&"x".repeat(129)).is_err());
    }

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(encode_query("/article/3?page=2&x=名"), "/article/3%3Fpage%3D2%26x%3D%E5%90%8D");
    }

    #[test]
    fn only_same_site_paths_are_return_targets() {
        assert_eq!(safe_next("/article/3"), "/article/3");
        assert_eq!(safe_next("/?page=2"), "/?page=2");
        for bad in [
            "https://evil.example/",
            "//evil.example",
            "/\\evil.example",
            "javascript:alert(1)",
            "",
            "article/3",
            "/\nx",
        ] {
            assert_eq!(safe_next(bad), "/", "{bad:?}");
        }
    }
}
