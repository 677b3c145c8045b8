//! The word filter: moderators' words and patterns (table `word_filters`, edited by admins), and
//! what a comment matches. A match holds the comment for review or refuses it, per entry.
//!
//! Comments and entries are compared after the same normalisation (`normalize`):
//! 1. Unicode NFKC: full-width and half-width forms and compatibility characters become the
//!    plain ones (`ＦＵＣＫ` is `FUCK`, `①` is `1`, `㊙` is `秘`);
//! 2. lower case, by Unicode's rules (`fUcK` and `ΣΑ` are `fuck` and `σα`);
//! 3. only letters and digits are kept (`char::is_alphanumeric`): spaces, line breaks,
//!    zero-width characters, punctuation, symbols and emoji are dropped, so `f u c k`,
//!    `f.u.c.k`, `法\u{200B}轮\u{200B}功` and `代-开-发-票` read as `fuck`, `法轮功` and
//!    `代开发票`.
//!
//! Step 3 is what defeats letters spaced out with anything at all, and its price is that a
//! word also matches across the gaps between words and inside longer words (`ass` is in
//! `class` and in `a. Ssh`): Chinese has no spaces to respect, and moderators should prefer
//! Latin words that are not parts of harmless ones.
//!
//! Words are stored normalised (`check_entry`) and matched by one Aho-Corasick automaton;
//! patterns are regular expressions (the `regex` crate's syntax) over the *normalised* text,
//! matched by one `RegexSet`. Both are linear in the comment's length. `WordFilter::new` builds
//! both from the entries; the server rebuilds it when `filters_version` changes.

use aho_corasick::{AhoCorasick, MatchKind};
use regex::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};
use std::collections::HashMap;
use unicode_normalization::UnicodeNormalization;

/// Most entries a site may keep.
pub const ENTRIES_MAX: usize = 5000;

/// Longest entry, in characters, as typed (and, for a word, as stored).
pub const ENTRY_MAX_CHARS: usize = 100;

/// Compiled size limit of a pattern and of the set of all patterns, and of the lazy DFA's
/// cache (`regex`'s `size_limit` and `dfa_size_limit`): 1 MiB each.
const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// What a match does to a comment. `Refuse` is stronger than `Hold`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum FilterAction {
    /// The comment waits in the moderation queue; only its author and moderators see it.
    Hold,
    /// The comment is not accepted.
    Refuse,
}

impl FilterAction {
    /// The name in the database (`word_filters.action`) and in forms.
    pub fn as_str(self) -> &'static str {
        match self {
            FilterAction::Hold => "hold",
            FilterAction::Refuse => "refuse",
        }
    }

    pub fn parse(s: &str) -> Option<FilterAction> {
        match s.trim() {
            "hold" => Some(FilterAction::Hold),
            "refuse" => Some(FilterAction::Refuse),
            _ => None,
        }
    }
}

/// One row of `word_filters`: a word (stored normalised) or a pattern, and what a match does.
#[derive(Clone, Debug)]
pub struct Entry {
    pub id: i64,
    pub pattern: String,
    pub is_regex: bool,
    pub action: FilterAction,
}

/// What matched: the strongest action among matching entries (Refuse wins), and the id of one
/// entry that gave it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Verdict {
    pub action: FilterAction,
    pub entry: i64,
}

/// The entries, compiled. Cheap to share (`Send + Sync`); build a new one when they change.
pub struct WordFilter {
    /// The distinct normalised words; pattern `i` gives `word_hits[i]`.
    words: Option<AhoCorasick>,
    /// Per distinct word: the strongest action of the entries with that word, and one of them.
    word_hits: Vec<(FilterAction, i64)>,
    /// Whether any word refuses (if none does, the first word found settles the words).
    words_refuse: bool,
    /// Usually one set; more only if all patterns together outgrow the size limit.
    patterns: Vec<PatternSet>,
    /// Entries in use: those given to `new`, less those skipped.
    len: usize,
}

struct PatternSet {
    set: RegexSet,
    /// Pattern `i` of `set` gives `hits[i]`.
    hits: Vec<(FilterAction, i64)>,
    refuses: bool,
}

impl WordFilter {
    /// A filter that matches nothing.
    pub fn empty() -> WordFilter {
        WordFilter { words: None, word_hits: Vec::new(), words_refuse: false, patterns: Vec::new(), len: 0 }
    }

    /// Builds the matcher. Entries that no longer compile are skipped (they were checked when
    /// added); never panics.
    ///
    /// A word is normalised again, and skipped if nothing is left; a pattern is skipped if it
    /// does not pass `check_entry`'s test (it does not compile within the size limits, or it
    /// matches empty text). Skipped entries are logged.
    pub fn new(entries: &[Entry]) -> WordFilter {
        let mut len = 0;
        let mut word_entries = 0;
        let mut words: Vec<String> = Vec::new();
        let mut word_hits: Vec<(FilterAction, i64)> = Vec::new();
        let mut word_index: HashMap<String, usize> = HashMap::new();
        let mut patterns: Vec<(&str, (FilterAction, i64))> = Vec::new();
        for entry in entries {
            let hit = (entry.action, entry.id);
            if entry.is_regex {
                match compile_pattern(entry.pattern.trim()) {
                    Ok(_) => patterns.push((entry.pattern.trim(), hit)),
                    Err(e) => {
                        tracing::warn!(entry = entry.id, error = %e, "word filter: pattern skipped");
                        continue;
                    }
                }
            } else {
                let word = normalize(&entry.pattern);
                if word.is_empty() {
                    tracing::warn!(entry = entry.id, "word filter: word empty after normalising, skipped");
                    continue;
                }
                match word_index.get(&word) {
                    Some(&i) => {
                        if entry.action == FilterAction::Refuse && word_hits[i].0 == FilterAction::Hold {
                            word_hits[i] = hit;
                        }
                    }
                    None => {
                        word_index.insert(word.clone(), words.len());
                        words.push(word);
                        word_hits.push(hit);
                    }
                }
                word_entries += 1;
            }
            len += 1;
        }

        let automaton = if words.is_empty() {
            None
        } else {
            // `Standard` semantics report every occurrence of every word (overlapping), so a
            // refusing word inside or across a holding one is not hidden by it. At most one
            // word of each length ends at a given place, so the matches stay linear in the text.
            match AhoCorasick::builder().match_kind(MatchKind::Standard).build(&words) {
                Ok(ac) => Some(ac),
                Err(e) => {
                    tracing::warn!(error = %e, words = words.len(), "word filter: words not compiled, skipped");
                    len -= word_entries;
                    word_hits.clear();
                    None
                }
            }
        };
        let words_refuse = word_hits.iter().any(|&(action, _)| action == FilterAction::Refuse);

        let mut sets = Vec::new();
        let dropped = pattern_sets(&patterns, &mut sets);
        len -= dropped;

        WordFilter { words: automaton, word_hits, words_refuse, patterns: sets, len }
    }

    /// Entries in use: those given to `new`, less those skipped.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Normalises `text` once and matches every entry against it: words by one Aho-Corasick
    /// automaton over the normalised words, patterns by one `regex::RegexSet` over the
    /// normalised text.
    ///
    /// Stops at the first refusing match; a holding one is kept while the rest is searched.
    pub fn check(&self, text: &str) -> Option<Verdict> {
        if self.is_empty() {
            return None;
        }
        let text = normalize(text);
        if text.is_empty() {
            // Words are never empty and no pattern matches empty text.
            return None;
        }
        let refuse = |entry| Some(Verdict { action: FilterAction::Refuse, entry });
        let mut hold: Option<i64> = None;

        if let Some(ac) = &self.words {
            if self.words_refuse {
                for m in ac.find_overlapping_iter(&text) {
                    match self.word_hits[m.pattern().as_usize()] {
                        (FilterAction::Refuse, id) => return refuse(id),
                        (FilterAction::Hold, id) => _ = hold.get_or_insert(id),
                    }
                }
            } else if let Some(m) = ac.find(&text) {
                hold = Some(self.word_hits[m.pattern().as_usize()].1);
            }
        }

        for set in &self.patterns {
            if hold.is_some() && !set.refuses {
                continue;
            }
            if !set.set.is_match(&text) {
                continue;
            }
            for i in set.set.matches(&text).iter() {
                match set.hits[i] {
                    (FilterAction::Refuse, id) => return refuse(id),
                    (FilterAction::Hold, id) => _ = hold.get_or_insert(id),
                }
            }
        }
        hold.map(|entry| Verdict { action: FilterAction::Hold, entry })
    }
}

/// Builds `RegexSet`s over `patterns` (each already compiled alone): one if they fit the size
/// limit together, else the two halves, each the same way. Returns how many were dropped (a
/// pattern that fails even alone in a set).
fn pattern_sets(patterns: &[(&str, (FilterAction, i64))], sets: &mut Vec<PatternSet>) -> usize {
    if patterns.is_empty() {
        return 0;
    }
    let built = RegexSetBuilder::new(patterns.iter().map(|&(p, _)| p))
        .size_limit(REGEX_SIZE_LIMIT)
        .dfa_size_limit(REGEX_SIZE_LIMIT)
        .build();
    match built {
        Ok(set) => {
            let hits: Vec<_> = patterns.iter().map(|&(_, hit)| hit).collect();
            let refuses = hits.iter().any(|&(action, _)| action == FilterAction::Refuse);
            sets.push(PatternSet { set, hits, refuses });
            0
        }
        Err(e) if patterns.len() == 1 => {
            tracing::warn!(entry = patterns[0].1 .1, error = %e, "word filter: pattern skipped");
            1
        }
        Err(_) => {
            let (a, b) = patterns.split_at(patterns.len() / 2);
            pattern_sets(a, sets) + pattern_sets(b, sets)
        }
    }
}

/// NFKC, then lowercase, then keep only letters and digits (`char::is_alphanumeric`) —
/// everything else (spaces, zero-width characters, punctuation, symbols, controls) is dropped.
///
/// The result is exactly `text.nfkc()` lowercased and filtered, but most characters of a
/// comment skip the NFKC machinery, which otherwise costs about 50 ns a character: ASCII, the
/// common Chinese characters, full-width ASCII and the common Chinese punctuation (`plain`)
/// each have a one-character NFKC form, and NFKC may cut the text before each of them; so one
/// followed by another (or by the end) is written, or dropped, on its own. Only the runs
/// between them (other scripts, other symbols, a plain character followed by a combining
/// mark) go through `nfkc()`.
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    // Where the run not yet written starts, if there is one.
    let mut pending: Option<usize> = None;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let Some(c) = plain(c).filter(|_| chars.peek().is_none_or(|&(_, next)| plain(next).is_some())) else {
            pending.get_or_insert(i);
            continue;
        };
        if let Some(start) = pending.take() {
            out.extend(text[start..i].nfkc().flat_map(char::to_lowercase).filter(|c| c.is_alphanumeric()));
        }
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if is_ideograph(c) {
            out.push(c);
        }
    }
    if let Some(start) = pending {
        out.extend(text[start..].nfkc().flat_map(char::to_lowercase).filter(|c| c.is_alphanumeric()));
    }
    out
}

/// The NFKC form of a character that NFKC may cut the text before (no combining class, and
/// its form is never the second part of a composition) and that NFKC turns into one character
/// on its own: ASCII, the CJK ideographs of `is_ideograph`, full-width ASCII, and Chinese
/// punctuation that NFKC leaves alone. The test `plain_characters_are_inert` checks each.
fn plain(c: char) -> Option<char> {
    match c {
        '\0'..='\u{7F}' => Some(c),
        c if is_ideograph(c) => Some(c),
        // ！ to ～
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0),
        // · — ‘ ’ “ ” 、 。 〈 〉 《 》 「 」 『 』 【 】
        '\u{B7}'
        | '\u{2014}'
        | '\u{2018}'
        | '\u{2019}'
        | '\u{201C}'
        | '\u{201D}'
        | '\u{3001}'
        | '\u{3002}'
        | '\u{3008}'..='\u{3011}' => Some(c),
        _ => None,
    }
}

/// The CJK Unified Ideographs and their Extension A: letters, with no lower case, that NFKC
/// leaves alone.
fn is_ideograph(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}')
}

/// Checks an entry an admin typed: trimmed; 1..=100 characters; a word must keep at least one
/// character after `normalize` (else error "这个词去掉空格和符号后是空的"); a pattern must
/// compile with `regex::RegexBuilder` with `size_limit(1 << 20)` and `dfa_size_limit(1 << 20)`
/// (else an error in Chinese naming the problem, e.g. "正则表达式有误：…"). Returns the text to
/// store: for a word, the normalised word; for a pattern, the trimmed pattern. Errors are
/// Chinese strings.
///
/// A pattern is matched, anywhere, against the comment as `normalize` leaves it: lower case,
/// with no spaces, punctuation or symbols. So it should be written in lower case (`QQ` never
/// matches; `qq` does), without spaces or punctuation to match, and `^`, `$` and `\b` see the
/// whole comment as one word. Every character left is a letter or a digit, so `.` already
/// means "any letter or digit" here; `\w` means the same but compiles to some 30 KiB per use
/// (the Unicode class), against the limit. A pattern that matches empty text (`a*`, `x|`) would catch every
/// comment and is refused. A word's normalised form must also be at most 100 characters (NFKC
/// can lengthen some compatibility characters).
pub fn check_entry(pattern: &str, is_regex: bool) -> Result<String, String> {
    let typed = pattern.trim();
    let len = typed.chars().count();
    if len == 0 {
        return Err(if is_regex { "请填写正则表达式" } else { "请填写要过滤的词" }.to_owned());
    }
    if len > ENTRY_MAX_CHARS {
        return Err(format!("最多 {ENTRY_MAX_CHARS} 个字，现在是 {len} 个"));
    }
    if is_regex {
        compile_pattern(typed)?;
        return Ok(typed.to_owned());
    }
    let word = normalize(typed);
    let len = word.chars().count();
    if len == 0 {
        return Err("这个词去掉空格和符号后是空的".to_owned());
    }
    if len > ENTRY_MAX_CHARS {
        return Err(format!("这个词规范化后有 {len} 个字，最多 {ENTRY_MAX_CHARS} 个"));
    }
    Ok(word)
}

/// Compiles one pattern with the filter's limits; refuses one that matches empty text.
fn compile_pattern(pattern: &str) -> Result<Regex, String> {
    let re = RegexBuilder::new(pattern)
        .size_limit(REGEX_SIZE_LIMIT)
        .dfa_size_limit(REGEX_SIZE_LIMIT)
        .build()
        .map_err(|e| regex_error(&e))?;
    if re.is_match("") {
        return Err("这个正则表达式能匹配空文本，会拦下所有评论".to_owned());
    }
    Ok(re)
}

/// A `regex` error in Chinese: the common syntax errors translated, others with the crate's
/// own (English) line.
fn regex_error(e: &regex::Error) -> String {
    let syntax = match e {
        regex::Error::CompiledTooBig(_) => {
            return "正则表达式太复杂，编译后超过 1 MiB 的上限，请写得简单些".to_owned();
        }
        regex::Error::Syntax(s) => s,
        other => return format!("正则表达式有误：{other}"),
    };
    // The crate's message is the pattern with a caret under the fault, then `error: …`.
    let detail = syntax.lines().rev().find_map(|l| l.strip_prefix("error: ")).unwrap_or(syntax.as_str()).trim();
    const KNOWN: [(&str, &str); 14] = [
        ("unclosed group", "圆括号没有闭合"),
        ("unopened group", "多了一个右圆括号"),
        ("unclosed character class", "方括号没有闭合"),
        ("unclosed counted repetition", "花括号（重复次数）没有闭合"),
        ("repetition operator missing expression", "重复符号 * + ? 或 {n} 前面缺少内容"),
        ("repetition quantifier expects a valid decimal", "花括号里的重复次数须是数字"),
        ("invalid repetition count range", "重复次数的范围有误，前一个数不能大于后一个"),
        ("invalid character class range", "方括号里的范围有误，起点不能大于终点"),
        ("unrecognized escape sequence", "无法识别的转义（反斜杠后的字符）"),
        ("incomplete escape sequence", "末尾的反斜杠后缺少字符"),
        ("look-around", "不支持环视（(?=…)、(?!…)、(?<=…)、(?<!…)）"),
        ("backreferences are not supported", "不支持反向引用（\\1 等）"),
        ("unrecognized flag", "无法识别的标志（(?…) 里的字母）"),
        ("invalid Unicode character class", "无法识别的 Unicode 字符类（\\p{…}）"),
    ];
    match KNOWN.iter().find(|(en, _)| detail.starts_with(en)) {
        Some((_, zh)) => format!("正则表达式有误：{zh}"),
        None => format!("正则表达式有误：{detail}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use FilterAction::{Hold, Refuse};

    fn word(id: i64, pattern: &str, action: FilterAction) -> Entry {
        Entry { id, pattern: check_entry(pattern, false).unwrap(), is_regex: false, action }
    }

    fn pattern(id: i64, pattern: &str, action: FilterAction) -> Entry {
        Entry { id, pattern: check_entry(pattern, true).unwrap(), is_regex: true, action }
    }

    fn filter() -> WordFilter {
        WordFilter::new(&[
            word(1, "fuck", Hold),
            word(2, "法轮功", Refuse),
            word(3, "代开发票", Hold),
            word(4, "秘密", Hold),
            word(5, "110", Hold),
        ])
    }

    fn hit(text: &str) -> Option<i64> {
        filter().check(text).map(|v| v.entry)
    }

    #[test]
    fn normalize_folds_width_case_and_drops_everything_but_letters_and_digits() {
        assert_eq!(normalize("ＦＵＣＫ"), "fuck");
        assert_eq!(normalize("fUcK"), "fuck");
        assert_eq!(normalize("Ｆ．Ｕ　Ｃ，Ｋ！"), "fuck");
        assert_eq!(normalize("法\u{200B}轮\u{200C}功\u{200D}\u{FEFF}"), "法轮功");
        assert_eq!(normalize("①②③ ㊙"), "123秘");
        assert_eq!(normalize("ΣΑΣ Straße"), "σασstraße");
        assert_eq!(normalize("a\u{0}b\tc\u{7F}d"), "abcd");
        assert_eq!(normalize(" \u{3000}.,!?…—🙂 "), "");
    }

    /// `normalize` as its doc comment defines it, without the shortcut.
    fn normalize_slowly(text: &str) -> String {
        text.nfkc().flat_map(char::to_lowercase).filter(|c| c.is_alphanumeric()).collect()
    }

    #[test]
    fn plain_characters_are_inert() {
        use unicode_normalization::char::canonical_combining_class;
        use unicode_normalization::{is_nfkc_quick, IsNormalized};
        let plain: Vec<(char, char)> = ('\0'..='\u{10FFFF}').filter_map(|c| Some((c, plain(c)?))).collect();
        assert_eq!(plain.len(), 128 + 0x9FFF - 0x4E00 + 1 + 0x4DBF - 0x3400 + 1 + 0xFF5E - 0xFF01 + 1 + 18);
        for (c, form) in plain {
            assert_eq!(c.nfkc().collect::<String>(), form.to_string(), "{c:?}");
            // NFKC may cut the text before it: no combining class, and its form is never the
            // second part of a composition (quick check Yes).
            assert_eq!(canonical_combining_class(c), 0, "{c:?}");
            assert_eq!(canonical_combining_class(form), 0, "{c:?}");
            assert_eq!(is_nfkc_quick(std::iter::once(form)), IsNormalized::Yes, "{c:?}");
            // Written as `normalize` writes it.
            let kept = form.is_alphanumeric();
            assert_eq!(kept, form.is_ascii_alphanumeric() || is_ideograph(form), "{c:?}");
            assert!(!kept || form.is_ascii() || form.to_lowercase().eq([form]), "{c:?}");
        }
    }

    #[test]
    fn the_shortcut_gives_what_nfkc_gives() {
        let samples = [
            "",
            "e\u{301}",
            "cafe\u{301} Cafe\u{301}!",
            "A\u{30A}ngstro\u{308}m",
            "中\u{301}文\u{FE0F}",
            "一\u{E0100}二",
            "ｅ\u{301}ＡＢ，中文。",
            "\u{1100}\u{1161}\u{11A8}가\u{11A8}a\u{1161}",
            "ΣΑΣ Straße İstanbul Ǆ ǅ ﬁ ﬀ ㍻ ﷺ ℡ ㊙ ①⑳ ²³",
            "法\u{200B}轮\u{200B}功 代-开-发-票 Ｑ Ｑ １２３",
            "a\u{345}b\u{315}\u{300}\u{5AE}\u{301}c",
            "\u{F900}\u{2F800}豈",
            "Ａ\u{30A}，\u{301}。\u{301}ｅ\u{301}《》「」“ ”—·、",
        ];
        for s in samples {
            assert_eq!(normalize(s), normalize_slowly(s), "{s:?}");
        }
        // Random strings over a pool of plain characters, marks, and ones NFKC changes.
        let pool: Vec<char> = "ae中一Zz0 .，。《\u{301}\u{308}\u{30A}\u{345}\u{3099}\u{309A}か\
            \u{1161}\u{11A8}\u{1100}ＡＥ，①ﬁ㊙\u{200B}İΣ\u{FE0F}\u{F900}"
            .chars()
            .collect();
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        for _ in 0..20_000 {
            let len = (state % 12) as usize;
            let s: String = (0..len)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    pool[(state % pool.len() as u64) as usize]
                })
                .collect();
            assert_eq!(normalize(&s), normalize_slowly(&s), "{s:?}");
        }
    }

    #[test]
    fn full_width_letters_match() {
        assert_eq!(hit("你这个ＦＵＣＫ"), Some(1));
    }

    #[test]
    fn mixed_case_matches() {
        assert_eq!(hit("well fUcK that"), Some(1));
        assert_eq!(hit("FUCK"), Some(1));
    }

    #[test]
    fn zero_width_characters_between_chinese_characters_match() {
        assert_eq!(hit("练法\u{200B}轮\u{200B}功的人"), Some(2));
        assert_eq!(hit("法\u{2060}轮\u{FEFF}功"), Some(2));
    }

    #[test]
    fn spaces_between_letters_match() {
        assert_eq!(hit("f u c k"), Some(1));
        assert_eq!(hit("法 轮 功"), Some(2));
        assert_eq!(hit("法\u{3000}轮\u{3000}功"), Some(2));
    }

    #[test]
    fn punctuation_and_symbols_between_letters_match() {
        assert_eq!(hit("f.u.c.k"), Some(1));
        assert_eq!(hit("代-开-发-票"), Some(3));
        assert_eq!(hit("代★开🙂发、票"), Some(3));
    }

    #[test]
    fn compatibility_characters_match() {
        assert_eq!(hit("报警请打①①⓪"), Some(5));
        assert_eq!(hit("㊙密"), Some(4));
    }

    #[test]
    fn a_word_split_over_a_line_break_matches() {
        assert_eq!(hit("第一行写到法轮\n功在第二行"), Some(2));
        assert_eq!(hit("fu\r\nck"), Some(1));
    }

    #[test]
    fn no_match_is_none() {
        assert_eq!(filter().check("今天的新闻很有意思，谢谢编辑。Nice article!"), None);
        assert_eq!(filter().check(""), None);
        assert_eq!(filter().check("🙂🙂🙂"), None);
        assert_eq!(WordFilter::empty().check("fuck"), None);
    }

    #[test]
    fn refuse_beats_hold_when_both_match() {
        let v = filter().check("fuck 法轮功").unwrap();
        assert_eq!(v, Verdict { action: Refuse, entry: 2 });
        // The refusing word found after, inside and across a holding one.
        let f = WordFilter::new(&[word(1, "ab", Hold), word(2, "bc", Refuse), word(3, "abcd", Hold)]);
        assert_eq!(f.check("a b c d"), Some(Verdict { action: Refuse, entry: 2 }));
        assert_eq!(f.check("ab"), Some(Verdict { action: Hold, entry: 1 }));
        // Between a word and a pattern, either way round.
        let f = WordFilter::new(&[word(1, "spam", Hold), pattern(2, r"q+\d{5,}", Refuse)]);
        assert_eq!(f.check("spam qq12345"), Some(Verdict { action: Refuse, entry: 2 }));
        let f = WordFilter::new(&[word(1, "spam", Refuse), pattern(2, r"q+\d{5,}", Hold)]);
        assert_eq!(f.check("spam qq12345"), Some(Verdict { action: Refuse, entry: 1 }));
        assert_eq!(f.check("qq12345"), Some(Verdict { action: Hold, entry: 2 }));
        // The same word twice: the stronger entry counts.
        let f = WordFilter::new(&[word(1, "spam", Hold), word(2, "ＳＰＡＭ", Refuse)]);
        assert_eq!(f.len(), 2);
        assert_eq!(f.check("s-p-a-m"), Some(Verdict { action: Refuse, entry: 2 }));
    }

    #[test]
    fn a_word_typed_with_full_width_letters_and_spaces_matches_plain_text() {
        assert_eq!(check_entry("  Ｆ Ｕ Ｃ Ｋ ", false).as_deref(), Ok("fuck"));
        assert_eq!(check_entry("代 开 发 票", false).as_deref(), Ok("代开发票"));
        let f =
            WordFilter::new(&[Entry { id: 9, pattern: "Ｆ Ｕ Ｃ Ｋ".to_owned(), is_regex: false, action: Hold }]);
        assert_eq!(f.check("what the fuck"), Some(Verdict { action: Hold, entry: 9 }));
    }

    #[test]
    fn a_bad_regex_is_refused_and_skipped_without_hiding_the_good_entries() {
        for bad in [r"(abc", r"[abc", r"a{2", r"*a", r"(?=a)b", r"\1", r"\q"] {
            let e = check_entry(bad, true).unwrap_err();
            assert!(e.starts_with("正则表达式有误："), "{bad}: {e}");
        }
        assert!(check_entry(r"(abc", true).unwrap_err().contains("圆括号"));
        let too_big = r"\w{100}\w{100}\w{100}";
        assert!(check_entry(too_big, true).unwrap_err().contains("太复杂"));
        let f = WordFilter::new(&[
            Entry { id: 1, pattern: "(abc".to_owned(), is_regex: true, action: Refuse },
            pattern(2, r"vx\d{6}", Hold),
            Entry { id: 3, pattern: too_big.to_owned(), is_regex: true, action: Refuse },
            word(4, "fuck", Refuse),
        ]);
        assert_eq!(f.len(), 2);
        assert_eq!(f.check("加 vx 123456"), Some(Verdict { action: Hold, entry: 2 }));
        assert_eq!(f.check("fuck"), Some(Verdict { action: Refuse, entry: 4 }));
        assert_eq!(f.check("abc"), None);
    }

    #[test]
    fn a_pattern_matching_empty_text_is_refused() {
        for p in ["a*", "x|", "^", "(fuck)?"] {
            assert!(check_entry(p, true).unwrap_err().contains("空文本"), "{p}");
        }
        let f = WordFilter::new(&[Entry { id: 1, pattern: "a*".to_owned(), is_regex: true, action: Hold }]);
        assert!(f.is_empty());
        assert_eq!(f.check("hello"), None);
    }

    #[test]
    fn a_word_empty_after_normalising_is_refused() {
        for w in ["", "   ", "\u{200B}\u{3000}", "...", "!!？？", "🙂"] {
            let e = check_entry(w, false).unwrap_err();
            assert!(!e.is_empty(), "{w:?}");
        }
        assert_eq!(check_entry("- . -", false).unwrap_err(), "这个词去掉空格和符号后是空的");
        assert_eq!(check_entry("🙂", false).unwrap_err(), "这个词去掉空格和符号后是空的");
        let f = WordFilter::new(&[Entry { id: 1, pattern: "...".to_owned(), is_regex: false, action: Hold }]);
        assert!(f.is_empty());
        assert_eq!(f.check("..."), None);
    }

    #[test]
    fn an_over_long_entry_is_refused() {
        let long = "字".repeat(ENTRY_MAX_CHARS + 1);
        assert!(check_entry(&long, false).unwrap_err().contains("最多 100 个字"));
        assert!(check_entry(&"a".repeat(ENTRY_MAX_CHARS + 1), true).unwrap_err().contains("最多 100 个字"));
        assert!(check_entry(&"字".repeat(ENTRY_MAX_CHARS), false).is_ok());
        assert!(check_entry(&format!("  {}  ", "字".repeat(ENTRY_MAX_CHARS)), false).is_ok());
        // Short as typed, long once NFKC has spelt out a compatibility character.
        assert!(check_entry(&"\u{FDFA}".repeat(10), false).unwrap_err().contains("规范化后"));
    }

    #[test]
    fn a_qq_number_pattern_matches_after_normalising() {
        assert_eq!(check_entry(r"  q+\d{5,} ", true).as_deref(), Ok(r"q+\d{5,}"));
        let f = WordFilter::new(&[pattern(7, r"q+\d{5,}", Refuse)]);
        assert_eq!(f.check("加我Ｑ Ｑ 1 2 3 4 5 6"), Some(Verdict { action: Refuse, entry: 7 }));
        assert_eq!(f.check("扣扣：Q.Q.①②③④⑤⑥"), Some(Verdict { action: Refuse, entry: 7 }));
        assert_eq!(f.check("qq 1234"), None);
    }

    #[test]
    fn patterns_see_lower_case_text() {
        let f = WordFilter::new(&[pattern(1, "QQ", Hold), pattern(2, "vx", Hold)]);
        assert_eq!(f.check("QQ"), None);
        assert_eq!(f.check("ＶＸ"), Some(Verdict { action: Hold, entry: 2 }));
    }

    #[test]
    fn a_thousand_entries_build_and_check() {
        let mut entries = Vec::new();
        for i in 0..990 {
            let w = format!("词{i}zz{}", char::from_u32(0x4E00 + i).unwrap());
            let action = if i % 3 == 0 { Refuse } else { Hold };
            entries.push(word(i64::from(i), &w, action));
        }
        for i in 0..10 {
            entries.push(pattern(1000 + i, &format!(r"x{i}y\d{{4,}}"), Hold));
        }
        let f = WordFilter::new(&entries);
        assert_eq!(f.len(), 1000);
        let clean = "今天的新闻很好看。".repeat(200);
        assert_eq!(f.check(&clean), None);
        assert_eq!(f.check(&format!("{clean}词 3 Z z 七{clean}")), Some(Verdict { action: Refuse, entry: 3 }));
        assert_eq!(f.check("词-4-ＺＺ-丄"), Some(Verdict { action: Hold, entry: 4 }));
        assert_eq!(f.check("X 7 Y 2 0 2 4"), Some(Verdict { action: Hold, entry: 1007 }));
    }

    #[test]
    fn patterns_that_outgrow_one_set_together_are_all_kept() {
        // Each fits alone (a Unicode `\w` compiles to some 30 KiB); together they outgrow 1 MiB.
        let entries: Vec<Entry> =
            (0..40).map(|i| pattern(i, &format!(r"k{i}\w{{5}}"), if i == 39 { Refuse } else { Hold })).collect();
        let f = WordFilter::new(&entries);
        assert_eq!(f.len(), 40);
        assert!(f.patterns.len() > 1, "the test should need more than one set");
        let tail = "字".repeat(5);
        assert_eq!(f.check(&format!("k0{tail}")), Some(Verdict { action: Hold, entry: 0 }));
        assert_eq!(f.check(&format!("k39{tail}")), Some(Verdict { action: Refuse, entry: 39 }));
    }

    #[test]
    fn filter_action_names_round_trip() {
        for a in [Hold, Refuse] {
            assert_eq!(FilterAction::parse(a.as_str()), Some(a));
        }
        assert_eq!(FilterAction::parse(" refuse "), Some(Refuse));
        assert_eq!(FilterAction::parse("block"), None);
    }

    #[test]
    fn the_filter_is_send_and_sync() {
        fn shared<T: Send + Sync>() {}
        shared::<WordFilter>();
    }
}
