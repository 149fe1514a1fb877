//! Whether a match is negated: a negator shortly before it in the same clause.

/// Characters that negate what follows them (不, 没, …), or keep it from happening (免, 防:
/// 避免过敏, 防漏电).
const ZH_NEGATORS: &[char] = &['不', '没', '无', '未', '别', '非', '勿', '免', '防'];

/// Words that hold a negating character but do not negate (`不小心烫伤` is a burn,
/// `特别容易过敏` an allergy).
const NOT_NEGATORS: &[&str] = &[
    "不小心",
    "不慎",
    "不料",
    "不得不",
    "不仅",
    "不但",
    "不停",
    "不断",
    "不少",
    "不久",
    "没想到",
    "无意",
    "差不多",
    "特别",
    "个别",
    "分别",
    "区别",
    "级别",
    "类别",
    "识别",
    "鉴别",
    "消防",
    "非常",
    "无比",
    "无缘无故",
    "免费",
    "别人",
    "无耻",
    "无良",
    "无语",
    "无赖",
    "不法",
    "不良",
    "非法",
    "不要脸",
    "没良心",
    "没素质",
    "没注意",
    "没留意",
    "还没用",
];

/// What may stand between a Chinese negator and the match it negates: auxiliaries, degree
/// adverbs, measure words and verbs of happening or noticing (没有出现过过敏, 不会再漏电,
/// 并没有发现任何异物), besides a verb or noun of its own ([`zh_free_chars`]). Anything else
/// in between ends the negator's reach: 不好用还漏电 is a leak, 不知道为什么起火 a fire.
const ZH_FILLER: &[&str] = &[
    "有", "是", "算", "会", "能", "可", "曾", "再", "要", "怕", "必", "见", "过", "被", "让", "令",
    "使", "人", "的", "点", "个", "次", "到", "还", "都", "也", "就", "真", "太", "很", "够", "咋",
    "大", "多", "给", "止", "敢", "叫", "像", "该", "一", "那么", "这么", "怎么", "特别", "非常",
    "十分", "完全", "一定", "真的", "担心", "任何", "什么", "一丝", "丝毫", "半点", "出现", "发生",
    "发现", "存在", "造成", "引起", "导致", "产生", "遇到", "碰到", "看到", "见到", "闻到", "听到",
    "摸到", "吃到", "吃出", "喝到", "喝出", "感到", "感觉", "觉得", "至于", "容易", "可能", "应该",
    "属于", "等于", "涉及", "构成", "值得", "曾经", "再次", "符合",
];

/// How many characters of a verb or noun may also stand between a negator and its match:
/// two after 没, 无 and 别 (没有电话骚扰, 没有卡顿发烫, 别买到假货), one after the others
/// (不卖假货), where more would be an adjective of its own (不靠谱的骗子); in a row, so that
/// 没收到货被骗了 is a fraud.
fn zh_free_chars(negator: char) -> usize {
    if matches!(negator, '没' | '无' | '别') {
        2
    } else {
        1
    }
}

/// Characters that are not such a verb or noun: evaluations (不好用还漏电, 不新鲜拉肚子),
/// time spans (没多久就起火, 不到一个月就漏电) and the endings of 忍不住 or 受不了.
const NOT_FREE: &[char] = &[
    '好', '行', '对', '错', '佳', '新', '稳', '满', '值', '久', '天', '月', '年', '周', '知', '仅',
    '但', '料', '慎', '停', '断', '少', '几', '多', '两', '住', '了', '适', '舒',
];

/// How many characters before a match a Chinese negator may stand.
const ZH_REACH: usize = 8;

const EN_NEGATORS: &[&str] = &[
    "not", "no", "never", "without", "nothing", "none", "nobody", "neither", "nor", "dont",
    "didnt", "doesnt", "isnt", "wasnt", "werent", "arent", "havent", "hasnt", "hadnt", "wont",
    "wouldnt", "couldnt", "shouldnt", "cant", "cannot", "aint", "nt", "neednt", "mustnt",
];

/// Words that end an English negator's reach: what follows them is another statement
/// ("it didn't charge and then caught fire", "I don't know why it caught fire").
const EN_SCOPE_BREAKS: &[&str] = &[
    "and", "but", "so", "then", "because", "since", "until", "till", "when", "whenever", "after",
    "before", "while", "though", "although", "which", "who", "why", "how", "what", "where", "yet",
];

/// Word sequences with a negator that do not negate what follows ("I can't believe it caught
/// fire", "not only did it catch fire"). Each starts at the negator or, when the negator is
/// its second word ("could not believe", SST's "ca n't believe"), one word before it.
const EN_NOT_NEGATORS: &[&[&str]] = &[
    &["cant", "believe"],
    &["cannot", "believe"],
    &["couldnt", "believe"],
    &["can", "not", "believe"],
    &["could", "not", "believe"],
    &["ca", "nt", "believe"],
    &["not", "only"],
    &["not", "just"],
    &["didnt", "just"],
    &["doesnt", "just"],
    &["wasnt", "just"],
    &["isnt", "just"],
    &["not", "to", "mention"],
    &["no", "wonder"],
    &["no", "doubt"],
    &["no", "idea"],
    &["no", "matter"],
    &["no", "sooner"],
    &["not", "long"],
    &["nothing", "but"],
    &["never", "thought"],
    &["never", "expected"],
    &["never", "imagined"],
    &["didnt", "expect"],
];

/// How many words before a match an English negator may stand.
const EN_REACH: usize = 4;

/// Whether the match starting at byte `start` of the normalised `text` is negated, within
/// the same clause:
///
/// - Chinese: a negator (不, 没, 无, 未, 别, 非, 勿, 免, 防) at most eight characters before
///   the match with nothing between them but auxiliaries and the like (没有出现过过敏,
///   并没有漏电) and one verb or noun (不卖假货, 没有电话骚扰), and not part of a word that
///   does not negate (不小心, 特别, 非常); or the match is the second half of an A-not-A
///   question (是不是正品);
/// - English: a negator (not, no, never, didn't, …) among the four words before the match,
///   after the last word that starts another statement (and, but, because, why, …), and not
///   in a phrase that does not negate ("can't believe", "not only", "no doubt").
///
/// Any `start` is accepted: past the end it means the end of the text, and inside a
/// character it means that character's first byte (only the characters wholly before
/// `start` are looked at).
#[must_use]
pub fn negated(text: &str, start: usize) -> bool {
    let mut end = start.min(text.len());
    // At most three steps back: a UTF-8 character is at most four bytes.
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let before = &text[..end];
    let clause_start = before
        .char_indices()
        .rev()
        .find(|&(_, c)| {
            matches!(
                c,
                ',' | '，' | '。' | '.' | '!' | '！' | '?' | '？' | ';' | '；' | '\n' | '、'
            )
        })
        .map_or(0, |(i, c)| i + c.len_utf8());
    let clause = &before[clause_start..];
    negated_zh(clause) || a_not_a(clause, &text[end..]) || negated_en(clause)
}

/// Whether a match that starts with a negator is the second half of an A-not-A question:
/// 是不是正品 asks whether the thing is genuine, it does not say it is not (不是正品).
fn a_not_a(clause: &str, rest: &str) -> bool {
    let mut chars = rest.chars();
    match (chars.next(), chars.next()) {
        (Some(n), Some(verb)) if ZH_NEGATORS.contains(&n) => clause.ends_with(verb),
        _ => false,
    }
}

/// A Chinese negator before the end of `clause`, with only filler after it.
fn negated_zh(clause: &str) -> bool {
    let reach = clause
        .char_indices()
        .rev()
        .nth(ZH_REACH - 1)
        .map_or(0, |(i, _)| i);
    clause[reach..].char_indices().any(|(i, c)| {
        let at = reach + i;
        ZH_NEGATORS.contains(&c)
            && only_filler(&clause[at + c.len_utf8()..], zh_free_chars(c), false)
            && !in_word_that_does_not_negate(clause, at, c)
    })
}

/// Whether `s` is made of [`ZH_FILLER`] pieces and at most `free` other characters in a
/// row, none of them [`NOT_FREE`] (the empty string is). `in_free`: the last character was
/// such a one.
fn only_filler(s: &str, free: usize, in_free: bool) -> bool {
    if s.is_empty() {
        return true;
    }
    // Filler after the free characters closes them.
    let after_filler = if in_free { 0 } else { free };
    ZH_FILLER.iter().any(|f| {
        s.strip_prefix(f)
            .is_some_and(|rest| only_filler(rest, after_filler, false))
    }) || (free > 0
        && s.chars().next().is_some_and(|c| {
            !NOT_FREE.contains(&c) && only_filler(&s[c.len_utf8()..], free - 1, true)
        }))
}

/// Whether the negator `c` at byte `at` of `clause` is part of one of [`NOT_NEGATORS`].
fn in_word_that_does_not_negate(clause: &str, at: usize, c: char) -> bool {
    NOT_NEGATORS.iter().any(|w| {
        w.char_indices().filter(|&(_, wc)| wc == c).any(|(k, _)| {
            at.checked_sub(k)
                .and_then(|from| clause.get(from..))
                .is_some_and(|s| s.starts_with(w))
        })
    })
}

/// An English negator among the last words of `clause`.
fn negated_en(clause: &str) -> bool {
    // The last words back to the one that starts another statement, and one more (only to
    // read "could not believe"), in order.
    let mut words: Vec<String> = Vec::with_capacity(EN_REACH + 1);
    for w in clause
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '\'' || c == '’'))
        .rev()
    {
        let w: String = w
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_lowercase())
            .collect();
        if w.is_empty() {
            continue;
        }
        if words.len() > EN_REACH || EN_SCOPE_BREAKS.contains(&w.as_str()) {
            break;
        }
        words.push(w);
    }
    words.reverse();
    let from = words.len().saturating_sub(EN_REACH);
    (from..words.len()).any(|i| {
        EN_NEGATORS.contains(&words[i].as_str())
            && !EN_NOT_NEGATORS.iter().any(|phrase| {
                // The phrase starts at the negator or, as "could not believe", a word before.
                [Some(i), i.checked_sub(1)].into_iter().flatten().any(|s| {
                    words.len() - s >= phrase.len()
                        && words[s..].iter().zip(phrase.iter()).all(|(a, b)| a == b)
                })
            })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str, word: &str) -> bool {
        negated(text, text.find(word).unwrap())
    }

    #[test]
    fn negated_at_a_byte_inside_a_character_does_not_panic() {
        // 没 is three bytes: starts at 1 and 2 fall inside it, and mean its first byte.
        let text = "没有起火";
        for start in 0..=text.len() + 2 {
            let _ = negated(text, start);
        }
        assert!(!negated(text, 1));
        assert!(!negated(text, 2));
        assert!(negated(text, 3));
        assert!(negated(text, 7), "inside 起, after 没有");
        assert_eq!(negated(text, 100), negated(text, text.len()));
        assert!(negated("not 🔥", 5), "inside the emoji, after `not`");
    }

    #[test]
    fn chinese_negators_reach_over_filler() {
        for (text, word) in [
            ("没有起火", "起火"),
            ("并没有漏电", "漏电"),
            ("不是骗子", "骗子"),
            ("不算诈骗", "诈骗"),
            ("没有出现过敏", "过敏"),
            ("从来没有出现过过敏", "过敏"),
            ("用了一年从没发生过漏电", "漏电"),
            ("没发现任何异物", "异物"),
            ("不会再漏电", "漏电"),
            ("无人受伤", "受伤"),
            ("绝对不是假货", "假货"),
            ("避免过敏", "过敏"),
            ("有防漏电设计", "漏电"),
            ("不太推荐", "推荐"),
            ("不用担心会漏电", "漏电"),
            ("希望别买到假货", "假货"),
            ("不知道是不是正品", "不是正品"),
            ("会不会过敏", "过敏"),
            ("不卖假货", "假货"),
            ("没有电话骚扰", "骚扰"),
            ("没有卡顿发烫", "发烫"),
            ("没有接到骚扰电话", "骚扰电话"),
        ] {
            assert!(at(text, word), "{text}");
        }
    }

    #[test]
    fn chinese_words_with_a_negating_character_do_not_negate() {
        for (text, word) in [
            ("不小心被烫伤", "烫伤"),
            ("不慎摔倒", "摔倒"),
            ("特别容易过敏", "过敏"),
            ("非常容易漏电", "漏电"),
            ("没想到会起火", "起火"),
            ("不好用还漏电", "漏电"),
            ("质量不好容易起火", "起火"),
            ("不知道为什么就起火了", "起火"),
            ("不到一个月就漏电", "漏电"),
            ("没多久就起火了", "起火"),
            ("忍不住吐了", "吐了"),
            ("受不了骚扰电话", "骚扰电话"),
            ("无良商家骗钱", "骗钱"),
            ("别人家的孩子受伤", "受伤"),
            ("差不多就是骗子", "骗子"),
            ("消防安全隐患", "安全隐患"),
            ("毫无征兆地起火", "起火"),
            ("虽然不贵，但是起火了", "起火"),
            ("还没用应该是假货", "假货"),
            ("怀疑不是正品", "不是正品"),
            ("无耻骗子", "骗子"),
            ("不靠谱的骗子", "骗子"),
            ("钱付了没收到货被骗了", "被骗"),
            ("吃了不舒服拉肚子", "拉肚子"),
            ("没注意被划伤", "划伤"),
        ] {
            assert!(!at(text, word), "{text}");
        }
    }

    #[test]
    fn english_negators_reach_four_words_within_a_statement() {
        for (text, word) in [
            ("I would not call this fraud", "fraud"),
            ("I would not call this a fraud", "fraud"),
            ("I wouldn't call it a scam", "scam"),
            ("it's not a scam", "scam"),
            ("no sparks, no smell", "sparks"),
            ("nothing caught fire", "caught"),
            ("it didn't catch fire", "catch"),
            ("nobody was injured", "injured"),
            ("it is n't a scam", "scam"),
            ("there were no smoke or sparks", "sparks"),
        ] {
            assert!(at(text, word), "{text}");
        }
    }

    #[test]
    fn english_phrases_with_a_negator_that_do_not_negate() {
        for (text, word) in [
            ("I can't believe it caught fire", "caught"),
            ("I could not believe it caught fire", "caught"),
            ("not only did it catch fire", "catch"),
            ("it didn't just spark, it caught fire", "caught"),
            ("no wonder it caught fire", "caught"),
            ("I never thought it would catch fire", "catch"),
            ("I don't know why it caught fire", "caught"),
            ("it didn't charge and then caught fire", "caught"),
            ("nothing happened until it caught fire", "caught"),
            ("not a week later it caught fire", "caught"),
            ("it caught fire", "caught"),
        ] {
            assert!(!at(text, word), "{text}");
        }
    }
}
