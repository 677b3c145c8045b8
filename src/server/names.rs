//! Reader names compared as a reader sees them, not as bytes: a new name may not look like an
//! existing reader's name or like the site's own (`RESERVED`, `RESERVED_WORDS`). Server only:
//! the tables below stay out of the browser bundle (`Username::parse` keeps the cheap rules).
//!
//! A name's *skeleton* is what it is compared by:
//! 1. Unicode NFKC (full-width and compatibility forms become the plain ones);
//! 2. traditional characters become simplified ones, one character at a time, by OpenCC's
//!    `TSCharacters` table (through the `hanconv` crate; OpenCC's data is Apache-2.0);
//! 3. Chinese characters that differ only by a dot, a hook or a stroke's length, which
//!    Unicode's confusables data does not merge, become one (`CJK_LOOKALIKES`);
//! 4. the Unicode TS #39 skeleton (`unicode-security`), which maps lookalikes to one prototype
//!    (`I` and `1` to `l`, `0` to `O`, `m` to `rn`, `曰` to `日`, katakana `エ` to `工`…), then
//!    lower case and the skeleton again until nothing changes (so `MeIan`, `MELAN` and `melan`
//!    share one);
//! 5. `i` counts as `l`: the skeleton takes capital `I` for `l`, while case folding takes it for
//!    `i`, so only this closes the circle (`KIWI_2O21` reads like `Kiwi_2021`, `AdmIn` and
//!    `adm1n` like `admin`). Two honest names that differ only by `i`/`l` collide; they also
//!    look nearly alike in many fonts;
//! 6. `_` and `-` are dropped (`Melan_小黑鸟` and `Melan-小黑鸟` read alike).

use crate::model::{Username, RESERVED, RESERVED_WORDS};
use std::collections::HashMap;
use std::sync::OnceLock;
use unicode_normalization::UnicodeNormalization;

/// Stored skeletons carry this version (`1:…`); after a change to the folding above, a new
/// version makes the server recompute every stored skeleton at start-up.
pub const SKELETON_VERSION: &str = "1";

/// Refusal of a reserved name or a lookalike of one (the same words `Username::parse` uses).
pub const RESERVED_MESSAGE: &str = "这个用户名保留给本站使用，请换一个";

/// Chinese characters that differ from another only by a dot, a hook or a stroke's length: the
/// classic 形近字 pairs taught in Chinese schools. Unicode's confusables data (the TS #39
/// skeleton) already merges 曰/日, 末/未, 士/土, ロ/口 and エ/工, but none of these (the
/// test `the_cjk_table_holds_only_pairs_that_the_skeleton_misses` checks it). Left: the
/// character folded; right: the one it reads as. Both sides are simplified characters.
const CJK_LOOKALIKES: [(char, char); 24] = [
    ('已', '己'),
    ('巳', '己'),
    ('戌', '戊'),
    ('戍', '戊'),
    ('夭', '天'),
    ('壬', '王'),
    ('千', '干'),
    ('于', '干'),
    ('孑', '子'),
    ('孓', '子'),
    ('刁', '刀'),
    ('毌', '毋'),
    ('乌', '鸟'),
    ('兔', '免'),
    ('犬', '大'),
    ('太', '大'),
    ('入', '人'),
    ('汨', '汩'),
    ('粟', '栗'),
    ('候', '侯'),
    ('拆', '折'),
    ('祗', '祇'),
    ('壸', '壶'),
    ('荼', '茶'),
];

/// Words that contain a reserved word by accident and are fine in a name (`badminton` holds
/// `admin`). They are taken out before the reserved words are looked for.
const HARMLESS_WORDS: [&str; 1] = ["badminton"];

/// OpenCC's traditional → simplified characters (the first simplified form of each).
fn simplified(c: char) -> char {
    static TABLE: OnceLock<HashMap<char, char>> = OnceLock::new();
    let table = TABLE.get_or_init(|| {
        hanconv::RawDictionary::TSCharacters
            .iter()
            .filter_map(|(from, to)| {
                let mut from = from.chars();
                let (f, t) = (from.next()?, to.chars().next()?);
                from.next().is_none().then_some((f, t))
            })
            .collect()
    });
    // A few simplified forms are traditional forms of another character in turn.
    let mut c = c;
    for _ in 0..3 {
        match table.get(&c) {
            Some(&s) if s != c => c = s,
            _ => break,
        }
    }
    c
}

fn lookalike(c: char) -> char {
    CJK_LOOKALIKES.iter().find(|(from, _)| *from == c).map_or(c, |&(_, to)| to)
}

fn uts39(s: &str) -> String {
    unicode_security::confusable_detection::skeleton(s).collect()
}

/// The key a name is compared with other names by (see the module's notes). Names with equal
/// skeletons look alike; the database keeps one per reader (`users.skeleton`).
pub fn skeleton(name: &str) -> String {
    let folded: String = name.nfkc().map(|c| lookalike(simplified(c))).collect();
    let mut s = uts39(&folded);
    for _ in 0..4 {
        let next = uts39(&s.to_lowercase());
        if next == s {
            break;
        }
        s = next;
    }
    s.retain(|c| c != '_' && c != '-');
    s.replace('i', "l")
}

/// The skeleton as stored, with its version.
pub fn stored_skeleton(name: &str) -> String {
    format!("{SKELETON_VERSION}:{}", skeleton(name))
}

struct Reserved {
    names: Vec<String>,
    words: Vec<String>,
}

fn reserved() -> &'static Reserved {
    static RESERVED_LOOSE: OnceLock<Reserved> = OnceLock::new();
    RESERVED_LOOSE.get_or_init(|| Reserved {
        names: RESERVED.iter().map(|w| skeleton(w)).collect(),
        words: RESERVED_WORDS.iter().map(|w| skeleton(w)).collect(),
    })
}

/// Refuses a name that is, or looks like, a reserved name, or that contains a reserved word
/// (or a lookalike of one). `Username::parse` has already refused the exact reserved names.
pub fn check_reserved(name: &Username) -> Result<(), String> {
    let mut lower = name.as_str().to_lowercase();
    for w in HARMLESS_WORDS {
        lower = lower.replace(w, "-");
    }
    let key = skeleton(&lower);
    let r = reserved();
    if r.names.contains(&key) || r.words.iter().any(|w| key.contains(w.as_str())) {
        return Err(RESERVED_MESSAGE.to_owned());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(s: &str) -> Username {
        Username::parse(s).unwrap_or_else(|e| panic!("{s:?} should be a well-formed name: {e}"))
    }

    fn reserved_refused(s: &str) -> bool {
        check_reserved(&name(s)).is_err_and(|m| m.contains("保留"))
    }

    #[test]
    fn reserved_words_are_refused_in_any_form_and_inside_a_name() {
        for s in [
            "管理員",         // traditional form of 管理员
            "今曰",           // 曰 (say) for 日 (day)
            "admin1",         // reserved word inside a name
            "官方客服",       // two of them
            "jinri_official", // two of them
            "Jinri",
            "JINRI",
            "jlnri", // l for i
            "j1nr1", // 1 for i
            "AdmIn", // capital I for i
            "adm1n",
            "Adrnin", // rn for m
            "0fficial",
            "the_moderator",
            "我是管理员",
            "今日小编",
            "系統通知",
            "站長",
            "版主大人",
            "ｊｉｎｒｉ官方", // full-width letters (refused by the format rules already)
        ] {
            let refused = match Username::parse(s) {
                Ok(n) => check_reserved(&n).is_err(),
                Err(m) => m.contains("保留") || m.contains("只能包含"),
            };
            assert!(refused, "{s:?} was accepted");
        }
        for s in ["管理員", "今曰", "admin1", "官方客服", "jinri_official", "adm1n", "0fficial"] {
            assert!(reserved_refused(s), "{s:?} not refused as reserved");
        }
    }

    #[test]
    fn short_generic_words_are_reserved_only_as_the_whole_name() {
        for s in ["m0d", "MOD", "r00t", "Staff", "SUPPORT", "suppOrt"] {
            let refused = Username::parse(s).map_or_else(|m| m.contains("保留"), |n| check_reserved(&n).is_err());
            assert!(refused, "{s:?} was accepted");
        }
        for s in ["model", "rooted", "modern_art", "staffordshire", "systemd_fan", "support_team_fan", "badminton_fan"]
        {
            assert_eq!(check_reserved(&name(s)), Ok(()), "{s:?}");
        }
    }

    #[test]
    fn ordinary_names_are_not_taken_for_reserved_ones() {
        for s in [
            "善結仁義",
            "Sammie傻咪",
            "June六六六月",
            "Melan_小黑鸟",
            "失意女魔王",
            "BondiSurfer",
            "Eastwood老李",
            "Hurstville阿珍",
            "Kiwi_2021",
            "moonlight-88",
            "咖啡不加糖",
            "悉尼小王",
            "今天很好",
            "日日新",
            "管理学生",
            "Lily_Li",
            "官员",
        ] {
            assert_eq!(check_reserved(&name(s)), Ok(()), "{s:?}");
        }
    }

    #[test]
    fn latin_lookalikes_share_a_skeleton() {
        assert_eq!(skeleton("MeIan"), skeleton("Melan"));
        assert_eq!(skeleton("MELAN"), skeleton("melan"));
        assert_eq!(skeleton("Melan_小黑鸟"), skeleton("MeIan-小黑鸟"));
        assert_eq!(skeleton("Kiwi_2021"), skeleton("Kiwi_2O2l"));
        assert_eq!(skeleton("Kiwi_2021"), skeleton("KIWI_2O21"));
        assert_eq!(skeleton("Sammie傻咪"), skeleton("Sarnmie傻咪"));
        assert_ne!(skeleton("Melan"), skeleton("Nolan"));
        assert_ne!(skeleton("Sammie傻咪"), skeleton("Sammy傻咪"));
    }

    #[test]
    fn letter_case_never_changes_a_skeleton() {
        // Names equal ignoring case are the same name; they must look alike here too.
        for c in ('a'..='z').chain('0'..='9') {
            for d in ('a'..='z').chain(['_', '鸟']) {
                let lower = format!("{c}{d}{c}");
                assert_eq!(skeleton(&lower), skeleton(&lower.to_uppercase()), "{lower}");
            }
        }
        assert_eq!(skeleton("Melan_小黑鸟"), skeleton("MELAN_小黑鸟"));
    }

    #[test]
    fn traditional_and_simplified_forms_share_a_skeleton() {
        assert_eq!(skeleton("善結仁義"), skeleton("善结仁义"));
        assert_eq!(skeleton("管理員"), skeleton("管理员"));
        assert_eq!(skeleton("發財"), skeleton("发财"));
        assert_eq!(skeleton("Melan_小黑鳥"), skeleton("Melan_小黑鸟"));
        assert_ne!(skeleton("善結仁義"), skeleton("善良仁义"));
    }

    #[test]
    fn chinese_lookalikes_share_a_skeleton() {
        // Merged by Unicode's confusables data.
        assert_eq!(skeleton("今曰"), skeleton("今日"));
        assert_eq!(skeleton("末日"), skeleton("未日"));
        // Merged by the table here.
        assert_eq!(skeleton("Melan_小黑乌"), skeleton("Melan_小黑鸟"));
        assert_eq!(skeleton("壬小明"), skeleton("王小明"));
        assert_eq!(skeleton("自已"), skeleton("自己"));
        assert_ne!(skeleton("王小明"), skeleton("王小红"));
    }

    #[test]
    fn the_cjk_table_holds_only_pairs_that_the_skeleton_misses() {
        for (from, to) in CJK_LOOKALIKES {
            assert_ne!(uts39(&from.to_string()), uts39(&to.to_string()), "{from}/{to} is merged already");
            assert_eq!(simplified(to), to, "{to} is not simplified");
            assert_eq!(simplified(from), from, "{from} is not simplified");
            assert!(CJK_LOOKALIKES.iter().all(|(f, _)| *f != to), "{to} is folded in turn");
        }
    }

    #[test]
    fn the_seed_commenters_have_distinct_skeletons_and_no_reserved_word() {
        let seed = [
            "善結仁義",
            "Sammie傻咪",
            "June六六六月",
            "Melan_小黑鸟",
            "失意女魔王",
            "BondiSurfer",
            "Eastwood老李",
            "Hurstville阿珍",
            "Kiwi_2021",
            "moonlight-88",
            "咖啡不加糖",
            "悉尼小王",
        ];
        let skeletons: std::collections::HashSet<_> = seed.iter().map(|s| skeleton(s)).collect();
        assert_eq!(skeletons.len(), seed.len());
        for s in seed {
            assert_eq!(check_reserved(&name(s)), Ok(()), "{s}");
        }
    }

    #[test]
    fn a_stored_skeleton_carries_its_version() {
        assert_eq!(stored_skeleton("Melan"), format!("{SKELETON_VERSION}:{}", skeleton("melan")));
    }
}
