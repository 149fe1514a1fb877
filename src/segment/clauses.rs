//! Clauses: where a record's opinions begin and end.
//!
//! A review that praises the food and complains about the waiter does so in different clauses.
//! [`split_clauses`] cuts a tokenised text at sentence punctuation, at commas and semicolons,
//! at line breaks, and before a contrast or concession connective (但是, 不过, 可惜, 就是,
//! "but", "however", "unfortunately", "the only problem" …), so each clause can get its own
//! sentiment, kind and department. The enumeration comma 、 does not cut: it lists things that
//! share one opinion.

use std::ops::Range;

use crate::types::{TokenKind, Tokens};

/// One clause of a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clause {
    /// Its tokens: indices into the text's [`Tokens`], including the punctuation that ends it.
    pub tokens: Range<usize>,
    /// Its span in the original text, from its first to its last token that is not
    /// punctuation.
    pub span: Range<usize>,
    /// Whether it opens with a contrast or concession connective (但是, "but", "the only
    /// problem"), so it turns against what came before.
    pub turn: bool,
}

/// Whether a Chinese word (its Simplified form; Traditional text has been converted in the
/// token forms) is a connective that opens a new clause.
fn zh_connective(form: &str) -> bool {
    // Two to five characters of three bytes each.
    (3..=15).contains(&form.len())
        && matches!(
            form,
            "但是"
                | "但"
                | "不过"
                | "可是"
                | "就是"
                | "只是"
                | "可惜"
                | "唯一"
                | "除了"
                | "然而"
                | "无奈"
                | "遗憾的是"
                | "美中不足"
                | "缺点"
                | "缺点是"
                | "问题是"
                | "偏偏"
                | "结果"
        )
}

/// An English word in lower case, when it is short enough to be one of the listed words.
fn lower<'b>(word: &str, buf: &'b mut [u8; 16]) -> Option<&'b str> {
    let bytes = word.as_bytes();
    if !(2..=buf.len()).contains(&bytes.len()) || !word.is_ascii() {
        return None;
    }
    let out = &mut buf[..bytes.len()];
    out.copy_from_slice(bytes);
    out.make_ascii_lowercase();
    std::str::from_utf8(out).ok()
}

/// Whether an English word (lower case) opens a new clause.
fn en_connective(word: &str) -> bool {
    matches!(
        word,
        "but"
            | "however"
            | "though"
            | "although"
            | "except"
            | "unfortunately"
            | "sadly"
            | "whereas"
            | "otherwise"
            | "regrettably"
    )
}

/// Whether an English word (lower case) after "only", "main" or "biggest" makes a new clause
/// ("the only problem is …").
fn en_drawback(word: &str) -> bool {
    let word = word.strip_suffix('s').unwrap_or(word);
    matches!(
        word,
        "complaint"
            | "problem"
            | "issue"
            | "downside"
            | "drawback"
            | "gripe"
            | "negative"
            | "con"
            | "thing"
            | "letdown"
            | "disappointment"
    )
}

/// Appends the clauses of `tokens` (the tokens of `text`) to `out`, in order. Clauses without
/// a word, number, emoji or emoticon are left out; a text with any such token has at least
/// one clause.
///
/// # Examples
///
/// ```
/// use fankui::segment::split_clauses;
///
/// let engine = fankui::Engine::builder().build()?;
/// let text = "披萨味道一流，分量很足，就是服务员一直不理人";
/// let mut clauses = Vec::new();
/// split_clauses(text, &engine.segment(text), &mut clauses);
/// let spans: Vec<&str> = clauses.iter().map(|c| &text[c.span.clone()]).collect();
/// assert_eq!(spans, ["披萨味道一流", "分量很足", "就是服务员一直不理人"]);
/// # Ok::<(), fankui::Error>(())
/// ```
pub fn split_clauses(text: &str, tokens: &Tokens, out: &mut Vec<Clause>) {
    let list = tokens.as_slice();
    let mut start = 0;
    // Index of the first and one past the last content token of the current clause.
    let mut content: Option<(usize, usize)> = None;
    // Whether the current clause opened with a connective, and where that is.
    let mut turn = false;
    let mut opened = usize::MAX;
    let mut close = |start: usize, end: usize, content: &mut Option<(usize, usize)>, turn: bool| {
        if let Some((first, last)) = content.take() {
            out.push(Clause {
                tokens: start..end,
                span: list[first].start..list[last - 1].end,
                turn,
            });
        }
    };
    for (i, token) in list.iter().enumerate() {
        let original = text.get(token.span()).unwrap_or("");
        match token.kind {
            TokenKind::Punct => {
                // A connective alone ("However, …", "可惜，…") opens the clause after it.
                let alone = turn && content.is_some_and(|(f, l)| l == f + 1 && f == opened);
                if ends_clause(original) && !alone {
                    close(start, i + 1, &mut content, turn);
                    start = i + 1;
                    turn = false;
                }
                continue;
            }
            TokenKind::Symbol => continue,
            TokenKind::Word | TokenKind::Number | TokenKind::Emoji | TokenKind::Emoticon => {}
        }
        let opens = opens_clause(tokens, i, original, text);
        match content {
            Some((first, last)) => {
                if let Some(at) = opens.filter(|&at| at > first).map(|at| at.min(i)) {
                    // The clause now ends before `at`: a determiner moved to the next one.
                    content = Some((first, last.min(at)));
                    close(start, at, &mut content, turn);
                    start = at;
                    turn = true;
                    opened = at;
                    if at < i {
                        content = Some((at, at + 1));
                    }
                }
            }
            // A clause after punctuation that opens with a connective turns too.
            None => {
                turn = opens.is_some();
                opened = i;
            }
        }
        // A line break inside the clause's gap ends it too.
        if let Some((_, last)) = content {
            let gap = text.get(list[last - 1].end..token.start).unwrap_or("");
            if gap.contains('\n') {
                close(start, i, &mut content, turn);
                start = i;
                turn = false;
            }
        }
        content = Some(content.map_or((i, i + 1), |(first, _)| (first, i + 1)));
    }
    close(start, list.len(), &mut content, turn);
}

/// Whether a punctuation token (its original text) ends a clause.
fn ends_clause(original: &str) -> bool {
    original.chars().any(|c| {
        matches!(
            c,
            '。' | '｡'
                | '.'
                | '！'
                | '!'
                | '？'
                | '?'
                | '；'
                | ';'
                | '，'
                | ','
                | '…'
                | '\n'
                | '～'
                | '~'
        )
    })
}

/// Where a new clause opens if the word token `i` (original text `original`) opens one: at
/// `i`, or at the determiner before it ("the only problem").
fn opens_clause(tokens: &Tokens, i: usize, original: &str, text: &str) -> Option<usize> {
    let list = tokens.as_slice();
    let form = tokens.form(&list[i]);
    if zh_connective(form) {
        // 但 inside 不但, 就是 as "exactly" after 这/那 ("这就是"): not a turn.
        let previous = i.checked_sub(1).map(|p| tokens.form(&list[p]));
        return (!matches!(previous, Some("不" | "这" | "那" | "也" | "还"))).then_some(i);
    }
    let mut buf = [0u8; 16];
    let word = lower(original, &mut buf)?;
    if en_connective(word) {
        return Some(i);
    }
    if !matches!(word, "only" | "biggest" | "main") {
        return None;
    }
    let next = list[i + 1..]
        .iter()
        .find(|t| t.kind == TokenKind::Word)
        .and_then(|t| text.get(t.span()));
    let mut buf = [0u8; 16];
    if !next
        .and_then(|n| lower(n, &mut buf))
        .is_some_and(en_drawback)
    {
        return None;
    }
    let mut buf = [0u8; 16];
    let determiner = i
        .checked_sub(1)
        .filter(|&p| list[p].kind == TokenKind::Word)
        .and_then(|p| text.get(list[p].span()))
        .and_then(|d| lower(d, &mut buf))
        .is_some_and(|d| matches!(d, "the" | "my" | "our" | "one"));
    Some(if determiner { i - 1 } else { i })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Engine;

    fn spans(text: &str) -> Vec<String> {
        let engine = Engine::builder().build().unwrap();
        let tokens = engine.segment(text);
        let mut clauses = Vec::new();
        split_clauses(text, &tokens, &mut clauses);
        for c in &clauses {
            assert!(c.tokens.start < c.tokens.end && c.tokens.end <= tokens.len());
        }
        clauses
            .iter()
            .map(|c| text[c.span.clone()].to_owned())
            .collect()
    }

    #[test]
    fn punctuation_and_connectives_cut() {
        assert_eq!(
            spans("蛋糕很好吃，奶油也不腻，就是店员态度太差了！"),
            ["蛋糕很好吃", "奶油也不腻", "就是店员态度太差了"]
        );
        assert_eq!(
            spans("菜很好吃但是服务员态度很差"),
            ["菜很好吃", "但是服务员态度很差"]
        );
        assert_eq!(
            spans("The food was great but the waiter was rude."),
            ["The food was great", "but the waiter was rude"]
        );
        assert_eq!(
            spans("Great screen. The only problem is the battery"),
            ["Great screen", "The only problem is the battery"]
        );
        assert_eq!(spans("房間很大\n冷氣不冷"), ["房間很大", "冷氣不冷"]);
        assert_eq!(
            spans("Fast network. However, the promo price doubled."),
            ["Fast network", "However, the promo price doubled"]
        );
        assert_eq!(
            spans("环境不错，可惜，太吵了"),
            ["环境不错", "可惜，太吵了"]
        );
        assert_eq!(
            spans("Nice food, my only complaint is the noise"),
            ["Nice food", "my only complaint is the noise"]
        );
        assert_eq!(
            spans("Lovely staff and the biggest issue was parking"),
            ["Lovely staff and", "the biggest issue was parking"]
        );
    }

    #[test]
    fn lists_and_idioms_stay_whole() {
        assert_eq!(spans("菜、汤、饭都不错"), ["菜、汤、饭都不错"]);
        assert_eq!(spans("不但便宜而且好吃"), ["不但便宜而且好吃"]);
        assert_eq!(spans("这就是我要的味道"), ["这就是我要的味道"]);
        assert_eq!(spans("就是好吃"), ["就是好吃"]);
    }

    #[test]
    fn connectives_turn() {
        let engine = Engine::builder().build().unwrap();
        let text = "菜很好吃，但是服务员很凶。环境不错可惜太吵";
        let mut clauses = Vec::new();
        split_clauses(text, &engine.segment(text), &mut clauses);
        let turns: Vec<bool> = clauses.iter().map(|c| c.turn).collect();
        assert_eq!(turns, [false, true, false, true]);
    }

    #[test]
    fn no_content_no_clause() {
        assert!(spans("！？。。").is_empty());
        assert_eq!(spans("好！！"), ["好"]);
    }
}
