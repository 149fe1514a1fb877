//! Emoticons: `:)`, `^_^`, `T_T`, kaomoji, and Weibo-style bracket tags like `[哈哈]`.
//! They carry sentiment, so they stay whole.

use super::normalize::is_han;

/// Emoticons, in normalised (half-width) form. Longer ones first where one is a prefix of
/// another, so the longest match wins.
const EMOTICONS: &[&str] = &[
    ">:-(",
    ">:(",
    ":-)",
    ":)",
    ":-(",
    ":(",
    ":-D",
    ":D",
    ":-P",
    ":P",
    ":-p",
    ":p",
    ";-)",
    ";)",
    ":'-(",
    ":'(",
    ":-/",
    ":/",
    ":-|",
    ":|",
    ":-O",
    ":O",
    ":-o",
    ":o",
    "=)",
    "=(",
    "</3",
    "<3",
    "^_^",
    "^o^",
    "^^",
    "T_T",
    "T^T",
    "TAT",
    "QAQ",
    "QWQ",
    "-_-||",
    "-_-",
    "=_=",
    ">_<",
    "o_O",
    "O_o",
    "orz",
    "Orz",
    "OTZ",
    "XD",
    "xD",
    "(^_^)",
    "(*^_^*)",
    "(*^▽^*)",
    "(^o^)",
    "(T_T)",
    "(;_;)",
    "(>_<)",
    "(╯°□°)╯",
    "(╯°□°)╯︵┻━┻",
    "╮(╯▽╰)╭",
    "╮(╯_╰)╭",
    "┭┮﹏┭┮",
    "o(╥﹏╥)o",
    "(╥﹏╥)",
    "：）",
    "：（",
    "：-）",
    "：-（",
    "(ಥ_ಥ)",
    "ಥ_ಥ",
    "(¬_¬)",
    "¯\\_(ツ)_/¯",
    "(๑•̀ㅂ•́)و✧",
    "(=^・^=)",
];

/// The length in bytes of an emoticon starting at byte `at` of `text`, if there is one.
///
/// Emoticons made of letters (`orz`, `XD`, `QAQ`) only count when they stand alone, not inside
/// a word.
#[must_use]
pub fn match_at(text: &str, at: usize) -> Option<usize> {
    let rest = &text[at..];
    let first = rest.chars().next()?;
    if first == '[' {
        return bracket_tag(rest);
    }
    if !could_start(first) {
        return None;
    }
    let prev_is_alnum = text[..at]
        .chars()
        .next_back()
        .is_some_and(char::is_alphanumeric);
    EMOTICONS
        .iter()
        .filter(|e| rest.starts_with(*e))
        .filter(|e| {
            let alnum_edge = e.starts_with(char::is_alphanumeric) && prev_is_alnum
                || e.ends_with(char::is_alphanumeric)
                    && rest[e.len()..]
                        .chars()
                        .next()
                        .is_some_and(char::is_alphanumeric);
            // `://` in a link is not a frown.
            let link = e.ends_with('/') && rest[e.len()..].starts_with('/');
            !alnum_edge && !link
        })
        .map(|e| e.len())
        .max()
}

fn could_start(c: char) -> bool {
    matches!(
        c,
        ':' | ';'
            | '='
            | '<'
            | '>'
            | '^'
            | 'T'
            | 'Q'
            | '-'
            | 'o'
            | 'O'
            | 'X'
            | 'x'
            | '('
            | '╮'
            | '┭'
            | 'ಥ'
            | '¯'
    )
}

/// `[哈哈]`, `[爱你]`: one to six Han characters in square brackets (Weibo emoticon tags).
fn bracket_tag(rest: &str) -> Option<usize> {
    let inner = &rest[1..];
    let close = inner.find(']')?;
    let tag = &inner[..close];
    let n = tag.chars().count();
    ((1..=6).contains(&n) && tag.chars().all(is_han)).then_some(close + 2)
}

/// Whether `c` could start an emoticon (a cheap filter before [`match_at`]).
#[must_use]
pub fn may_start(c: char) -> bool {
    c == '[' || could_start(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches() {
        assert_eq!(match_at("好:-)", 3), Some(3));
        assert_eq!(match_at("^_^哈", 0), Some(3));
        assert_eq!(match_at("[爱你]", 0), Some("[爱你]".len()));
        assert_eq!(match_at("[note]", 0), None);
        assert_eq!(match_at("Tom", 0), None);
        assert_eq!(match_at("orzx", 0), None);
        assert_eq!(match_at("orz", 0), Some(3));
        assert_eq!(match_at("a:)", 1), Some(2));
        assert_eq!(match_at("http://x", 4), None);
    }
}
