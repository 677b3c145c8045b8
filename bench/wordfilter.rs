//! The word filter's cost (`server::wordfilter`): builds a filter of 1,000 entries (990 words
//! mixing Chinese and Latin, 10 patterns) and times `WordFilter::check` over 200 generated
//! comments, 100 short (20 to 80 characters) and 100 long (1,800 to 2,000), some of them
//! carrying a filtered word written to evade it. Prints the build time and, per comment, the
//! mean and percentiles of `check` (also with the words alone and the patterns alone, each
//! including the normalisation) and of `normalize` alone. It asserts nothing about time.
//!
//! `cargo run --profile tools --features ssr --example wordfilter`

use jinri::server::wordfilter::{check_entry, normalize, Entry, FilterAction, WordFilter};
use std::collections::HashSet;
use std::hint::black_box;
use std::time::{Duration, Instant};

/// Rounds over every comment; each call is timed on its own.
const ROUNDS_SHORT: usize = 400;
const ROUNDS_LONG: usize = 40;

/// splitmix64: the same comments every run, with no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const HANZI: &str = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出\
    就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所\
    民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都\
    两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日\
    那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比\
    或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想\
    已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长\
    求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指\
    几九区强放决西被干做必战先回则任取据处理府研质";

const LATIN: &str = "abcdefghijklmnopqrstuvwxyz";

/// Sentences a news site's comments are made of, with their punctuation and the odd emoji.
const SENTENCES: [&str; 24] = [
    "这篇报道写得很详细，感谢记者的辛苦工作。",
    "我觉得这个政策对普通人的影响还需要时间观察。",
    "楼上说得有道理，不过数据来源能不能再核实一下？",
    "作为一个在上海工作了十年的人，我对房价这件事深有体会。",
    "希望相关部门能尽快给出一个明确的答复！",
    "文章第三段的数字好像和去年的统计公报对不上。",
    "支持！👍👍",
    "说实话，看完之后心情挺复杂的……",
    "这个问题的根源在于教育资源分配不均。",
    "Good reporting, 比其他媒体写得清楚多了。",
    "有没有人知道原文的链接？想看看英文版怎么说的。",
    "我们小区也遇到了同样的情况，物业一直拖着不处理。",
    "The numbers in the second chart look off to me.",
    "马上要过年了，大家注意出行安全。",
    "（补充一点）地铁十四号线的延长段预计明年通车。",
    "这个评论区的讨论质量比微博高多了 😂",
    "请问作者：第二张图的数据是哪一年的？",
    "经济下行压力下，中小企业真的不容易。",
    "I agree with most of this, but the conclusion is rushed.",
    "家里老人看了这篇文章，说以前也是这样的。",
    "「理性讨论」，不要人身攻击。",
    "比赛结果出乎意料，主教练的换人太保守了。",
    "新能源车的补贴政策明年还会继续吗？",
    "ＯＫ，收藏了，周末慢慢看。",
];

/// Ten patterns of the kind moderators keep: contact details and spam formulas.
const PATTERNS: [&str; 10] = [
    r"q+\d{5,}",
    r"(vx|wx|weixin|微信|威信)[a-z0-9]{6,}",
    r"1[3-9]\d{9}",
    r"加.{0,3}群\d{6,}",
    r"代.{0,2}开.{0,2}(发票|票)",
    r"(赌|菠)(博|菜).{0,4}(网|平台)",
    r"https?[a-z0-9]+(com|cn|net)",
    r"免费.{0,6}(领取|观看)",
    r"日赚\d{3,}",
    r"[a-z]{3,}\d{6,}[a-z]{2,}",
];

/// `lo..=hi` characters drawn from `HANZI`.
fn hanzi(rng: &mut Rng, lo: usize, hi: usize) -> String {
    let pool: Vec<char> = HANZI.chars().collect();
    let n = rng.range(lo, hi);
    (0..n).map(|_| *rng.pick(&pool)).collect()
}

/// `lo..=hi` lower-case Latin letters.
fn latin(rng: &mut Rng, lo: usize, hi: usize) -> String {
    let pool: Vec<char> = LATIN.chars().collect();
    let n = rng.range(lo, hi);
    (0..n).map(|_| *rng.pick(&pool)).collect()
}

/// 990 distinct words, as an admin would type them: Chinese (2 to 4 characters), Latin (4 to
/// 8 letters), and both (`vx加我`-like); about a third refuse.
fn entries(rng: &mut Rng) -> Vec<Entry> {
    let mut seen = HashSet::new();
    let mut entries = Vec::new();
    while entries.len() < 990 {
        let typed = match rng.below(10) {
            0..=3 => hanzi(rng, 2, 4),
            4..=6 => latin(rng, 4, 8),
            _ => format!("{}{}", latin(rng, 2, 3), hanzi(rng, 1, 3)),
        };
        let pattern = check_entry(&typed, false).expect("generated word");
        if !seen.insert(pattern.clone()) {
            continue;
        }
        let action = if rng.below(3) == 0 { FilterAction::Refuse } else { FilterAction::Hold };
        entries.push(Entry { id: entries.len() as i64 + 1, pattern, is_regex: false, action });
    }
    for p in PATTERNS {
        let pattern = check_entry(p, true).expect("benchmark pattern");
        entries.push(Entry { id: entries.len() as i64 + 1, pattern, is_regex: true, action: FilterAction::Hold });
    }
    entries
}

/// A filtered word written to get past a naive filter: spaced, dotted, full-width, split by
/// zero-width spaces.
fn evasion(rng: &mut Rng, entries: &[Entry]) -> String {
    let words: Vec<&Entry> = entries.iter().filter(|e| !e.is_regex).collect();
    let word = &rng.pick(&words).pattern;
    let sep = *rng.pick(&[" ", ".", "\u{200B}", "-", "★", "\n"]);
    let chars: Vec<String> = word
        .chars()
        .map(|c| match c {
            // Full-width Latin letters, upper case.
            'a'..='z' if rng.below(2) == 0 => {
                char::from_u32(c.to_ascii_uppercase() as u32 - 'A' as u32 + 0xFF21).unwrap().to_string()
            }
            c => c.to_string(),
        })
        .collect();
    match rng.below(4) {
        0 => format!("加我Ｑ Ｑ {}", (0..8).map(|_| rng.below(10).to_string()).collect::<Vec<_>>().join(" ")),
        _ => chars.join(sep),
    }
}

/// A comment of about `lo..=hi` characters (longer by the evasion, if any); with `dirty`, that
/// evasion at a random place in it.
fn comment(rng: &mut Rng, lo: usize, hi: usize, dirty: Option<String>) -> String {
    let target = rng.range(lo, hi);
    let mut text = String::new();
    while text.chars().count() < target {
        text.push_str(SENTENCES[rng.below(SENTENCES.len())]);
    }
    let mut chars: Vec<char> = text.chars().take(target).collect();
    if let Some(d) = dirty {
        let at = rng.below(chars.len() + 1);
        chars.splice(at..at, d.chars());
    }
    chars.into_iter().collect()
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

/// Times `f` on every comment, `rounds` times over; prints mean, p50, p99 and max.
fn time(label: &str, comments: &[String], rounds: usize, f: impl Fn(&str)) {
    for c in comments {
        f(c);
    }
    let mut samples = Vec::with_capacity(comments.len() * rounds);
    for _ in 0..rounds {
        for c in comments {
            let start = Instant::now();
            f(c);
            samples.push(start.elapsed());
        }
    }
    samples.sort();
    let mean = micros(samples.iter().sum::<Duration>()) / samples.len() as f64;
    let at = |q: f64| micros(samples[((samples.len() - 1) as f64 * q).round() as usize]);
    println!(
        "  {label:<28} mean {mean:8.2} µs   p50 {:8.2} µs   p99 {:8.2} µs   max {:8.2} µs",
        at(0.5),
        at(0.99),
        at(1.0)
    );
}

fn main() {
    let mut rng = Rng(0x6A69_6E72_6921);
    let entries = entries(&mut rng);

    let mut builds = Vec::new();
    let mut filter = WordFilter::empty();
    for _ in 0..5 {
        let start = Instant::now();
        filter = WordFilter::new(black_box(&entries));
        builds.push(start.elapsed());
    }
    builds.sort();
    println!(
        "build: {} entries ({} words, {} patterns) in {:.2} ms (median of 5; first {:.2} ms)",
        filter.len(),
        entries.iter().filter(|e| !e.is_regex).count(),
        entries.iter().filter(|e| e.is_regex).count(),
        builds[2].as_secs_f64() * 1e3,
        builds[0].as_secs_f64() * 1e3,
    );

    let (words, patterns): (Vec<Entry>, Vec<Entry>) = entries.iter().cloned().partition(|e| !e.is_regex);
    let (words_only, patterns_only) = (WordFilter::new(&words), WordFilter::new(&patterns));

    let mut short = Vec::new();
    let mut long = Vec::new();
    for i in 0..100 {
        let dirty = (i % 7 == 0).then(|| evasion(&mut rng, &entries));
        short.push(comment(&mut rng, 20, 80, dirty));
        let dirty = (i % 7 == 3).then(|| evasion(&mut rng, &entries));
        long.push(comment(&mut rng, 1800, 2000, dirty));
    }

    for (name, comments, rounds) in [("short", &short, ROUNDS_SHORT), ("long", &long, ROUNDS_LONG)] {
        let chars: Vec<usize> = comments.iter().map(|c| c.chars().count()).collect();
        let mean_chars = chars.iter().sum::<usize>() / chars.len();
        let (mut held, mut refused) = (0, 0);
        for c in comments.iter() {
            match filter.check(c).map(|v| v.action) {
                Some(FilterAction::Hold) => held += 1,
                Some(FilterAction::Refuse) => refused += 1,
                None => {}
            }
        }
        println!(
            "{name}: {} comments of {}–{} characters (mean {mean_chars}); {held} held, {refused} refused, \
             {} passed; {} calls each",
            comments.len(),
            chars.iter().min().unwrap(),
            chars.iter().max().unwrap(),
            comments.len() - held - refused,
            rounds * comments.len(),
        );
        time("check", comments, rounds, |c| {
            black_box(filter.check(black_box(c)));
        });
        time("check, words only", comments, rounds, |c| {
            black_box(words_only.check(black_box(c)));
        });
        time("check, patterns only", comments, rounds, |c| {
            black_box(patterns_only.check(black_box(c)));
        });
        time("normalize alone", comments, rounds, |c| {
            black_box(normalize(black_box(c)));
        });
    }
}
