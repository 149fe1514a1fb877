//! Whether a match is negated: a negator shortly before it in the same clause.

/// Words that start with a negating character but do not negate (`不小心烫伤` is a burn).
const NOT_NEGATORS: [&str; 12] = [
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
];

const EN_NEGATORS: [&str; 20] = [
    "not", "no", "never", "without", "nothing", "none", "dont", "didnt", "doesnt", "isnt", "wasnt",
    "werent", "arent", "havent", "hasnt", "hadnt", "wont", "cant", "cannot", "nor",
];

/// Whether the match starting at byte `start` of the normalised `text` is negated: a
/// Chinese negator (不, 没, 无, 未, 别, 非, 勿) among the four characters before it, or an
/// English one among the three words before it, within the same clause.
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
    // Chinese: the last four characters.
    let tail_start = clause.char_indices().rev().nth(3).map_or(0, |(i, _)| i);
    for (i, c) in clause[tail_start..].char_indices() {
        if matches!(c, '不' | '没' | '无' | '未' | '别' | '非' | '勿') {
            let here = &clause[tail_start + i..];
            if !NOT_NEGATORS.iter().any(|w| here.starts_with(w)) {
                return true;
            }
        }
    }
    // English: the last three words, apostrophes dropped.
    clause
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '\'' || c == '’'))
        .filter(|w| !w.is_empty())
        .rev()
        .take(3)
        .any(|w| {
            let w: String = w
                .chars()
                .filter(|c| c.is_ascii_alphanumeric())
                .map(|c| c.to_ascii_lowercase())
                .collect();
            EN_NEGATORS.contains(&w.as_str())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
