//! Emoticons: `:)`, `^_^`, `T_T`, kaomoji, and Weibo-style bracket tags like `[哈哈]`.
//! They carry sentiment, so they stay whole.

use std::sync::OnceLock;

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
    by_first_byte(rest.as_bytes()[0])
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
            // Nor is the colon before a parenthesis: `如下：（１）…`, `note:(a)`.
            let opens = (e.ends_with('(') || e.ends_with('（')) && closes_soon(&rest[e.len()..]);
            !alnum_edge && !link && !opens
        })
        .map(|e| e.len())
        .max()
}

/// Whether a closing parenthesis comes within the next 16 characters of `s`, before any
/// opening one or line break: the `(` before `s` then opened a parenthesis.
fn closes_soon(s: &str) -> bool {
    s.chars()
        .take(16)
        .take_while(|c| !matches!(c, '(' | '（' | '\n' | '\r'))
        .any(|c| matches!(c, ')' | '）'))
}

/// The emoticons whose first byte is `b`.
fn by_first_byte(b: u8) -> &'static [&'static str] {
    static INDEX: OnceLock<Vec<Vec<&'static str>>> = OnceLock::new();
    let index = INDEX.get_or_init(|| {
        let mut index = vec![Vec::new(); 256];
        for e in EMOTICONS {
            index[usize::from(e.as_bytes()[0])].push(*e);
        }
        index
    });
    &index[usize::from(b)]
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
            | '：'
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

/// For byte `b` of UTF-8 text at a character boundary: 0 when the character there may be one
/// for which [`may_start`] holds (the ASCII ones, and those whose lead byte is that of `¯`
/// (C2), `ಥ` (E0), `╮` or `┭` (E2), the full-width `：` (EF)), otherwise the character's
/// length, to skip it.
#[must_use]
pub fn start_skip(b: u8) -> usize {
    static TABLE: [u8; 256] = {
        let mut t = [1; 256];
        let mut b = 0xC0;
        while b < 256 {
            t[b] = if b < 0xE0 {
                2
            } else if b < 0xF0 {
                3
            } else {
                4
            };
            b += 1;
        }
        let starts = b":;=<>^TQ-oOXx([";
        let mut i = 0;
        while i < starts.len() {
            t[starts[i] as usize] = 0;
            i += 1;
        }
        t[0xC2] = 0;
        t[0xE0] = 0;
        t[0xE2] = 0;
        t[0xEF] = 0;
        t
    };
    usize::from(TABLE[usize::from(b)])
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
        assert_eq!(match_at("好的：）", 6), Some("：）".len()));
        assert_eq!(match_at("不好：-（", 6), Some("：-（".len()));
        assert_eq!(match_at("价格：一百", 6), None);
        assert_eq!(match_at("分为四种：（１）生产", 12), None);
        assert_eq!(match_at("see note:(a) below", 8), None);
        assert_eq!(match_at("sad :( (really)", 4), Some(2));
        assert_eq!(match_at("太差了：（ 再也不买", 9), Some("：（".len()));
    }

    #[test]
    fn start_bytes_cover_every_start() {
        for c in (0..=0x10FFFF)
            .filter_map(char::from_u32)
            .filter(|&c| may_start(c))
        {
            let mut buf = [0; 4];
            assert_eq!(
                start_skip(c.encode_utf8(&mut buf).as_bytes()[0]),
                0,
                "{c:?}"
            );
        }
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            let mut buf = [0; 4];
            let skip = start_skip(c.encode_utf8(&mut buf).as_bytes()[0]);
            assert!(skip == 0 || skip == c.len_utf8(), "{c:?}");
        }
    }
}
