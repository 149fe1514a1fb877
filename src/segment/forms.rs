//! From a span of normalised text to a token: kind, script, form, stopword flag.

use std::fmt;
use std::ops::Range;
use std::sync::OnceLock;

use rust_stemmers::{Algorithm, Stemmer};

use super::normalize::{half_width_punct, is_emoji, is_han, Normalized};
use super::FormOptions;
use crate::types::{Script, TokenKind, Tokens};

/// Turns spans of normalised text into tokens: classifies them and computes their forms.
#[derive(Clone)]
pub struct WordForms {
    options: FormOptions,
    stemmer: Option<std::sync::Arc<Stemmer>>,
}

impl fmt::Debug for WordForms {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WordForms")
            .field("options", &self.options)
            .finish()
    }
}

impl WordForms {
    /// Forms made with `options`.
    #[must_use]
    pub fn new(options: FormOptions) -> Self {
        let stemmer = options
            .stem
            .then(|| std::sync::Arc::new(Stemmer::create(Algorithm::English)));
        WordForms { options, stemmer }
    }

    /// Appends the token for the normalised byte range `range` of `text` to `out`; ranges that
    /// hold only whitespace are skipped, and so are ranges that are not on character
    /// boundaries of the normalised text.
    pub fn push(&self, text: &Normalized<'_>, range: Range<usize>, out: &mut Tokens) {
        if text.text().get(range.clone()).is_some() {
            self.emit(text, None, range, out);
        }
    }

    /// Appends a token of a known kind and script; as [`push`](Self::push), a range that is
    /// not on character boundaries of the normalised text is skipped.
    pub fn push_as(
        &self,
        text: &Normalized<'_>,
        range: Range<usize>,
        kind: TokenKind,
        script: Script,
        out: &mut Tokens,
    ) {
        if text.text().get(range.clone()).is_some() {
            self.emit_as(text, None, range, kind, script, out);
        }
    }

    /// [`push`](Self::push), where `source` is the offset returned by
    /// [`Tokens::add_source`] for `text`'s normalised text, if it was stored.
    pub(crate) fn emit(
        &self,
        text: &Normalized<'_>,
        source: Option<u32>,
        range: Range<usize>,
        out: &mut Tokens,
    ) {
        let s = &text.text()[range.clone()];
        let Some((kind, script)) = classify(s) else {
            return;
        };
        self.emit_as(text, source, range, kind, script, out);
    }

    /// [`emit`](Self::emit) for a range holding the one character `c`: full-width and CJK
    /// punctuation, the usual single character between Chinese words, skips the general
    /// classification.
    pub(crate) fn emit_char(
        &self,
        text: &Normalized<'_>,
        source: Option<u32>,
        range: Range<usize>,
        c: char,
        out: &mut Tokens,
    ) {
        if is_cjk_punct(c) {
            // What `classify` and `emit_as` make of it.
            let (kind, script) = (TokenKind::Punct, Script::Common);
            let span = text.original_span(range.clone());
            match (half_width_punct(c), source) {
                (Some(h), _) => out.push_with(span, kind, script, |forms| forms.push(h)),
                (None, _) => {
                    let mut buf = [0; 4];
                    let s = c.encode_utf8(&mut buf);
                    push_unchanged(out, source, range, span, s, kind, script);
                }
            }
        } else {
            self.emit(text, source, range, out);
        }
    }

    /// [`emit`](Self::emit) for a range of ASCII text that holds no whitespace (a piece
    /// between word boundaries): one pass over its bytes classifies it and says whether its
    /// form needs lower-casing.
    pub(crate) fn emit_ascii(
        &self,
        text: &Normalized<'_>,
        source: Option<u32>,
        range: Range<usize>,
        out: &mut Tokens,
    ) {
        let s = &text.text()[range.clone()];
        let bytes = s.as_bytes();
        debug_assert!(s.is_ascii() && !bytes.iter().any(|b| b.is_ascii_whitespace()));
        let (Some(&first), None) = (bytes.first(), self.stemmer.as_ref()) else {
            // Empty, or stemmed: the general way.
            self.emit(text, source, range, out);
            return;
        };
        let (mut alpha, mut digits, mut upper) = (false, false, false);
        for &b in bytes {
            alpha |= b.is_ascii_alphabetic();
            digits |= b.is_ascii_digit();
            upper |= b.is_ascii_uppercase();
        }
        // As `classify_ascii` and `emit_as` decide: one ASCII character has no other
        // half-width form, and only words are lower-cased.
        let (kind, script) = if alpha {
            (TokenKind::Word, Script::Latin)
        } else if digits {
            (TokenKind::Number, Script::Digit)
        } else if first.is_ascii_punctuation() {
            (TokenKind::Punct, Script::Common)
        } else {
            (TokenKind::Symbol, Script::Common)
        };
        let span = text.original_span(range.clone());
        if alpha && upper && self.options.lowercase {
            out.push_with(span, kind, script, |forms| {
                let from = forms.len();
                forms.push_str(s);
                forms[from..].make_ascii_lowercase();
            });
            return;
        }
        push_unchanged(out, source, range, span, s, kind, script);
    }

    /// [`push_as`](Self::push_as), with `source` as in [`emit`](Self::emit).
    pub(crate) fn emit_as(
        &self,
        text: &Normalized<'_>,
        source: Option<u32>,
        range: Range<usize>,
        kind: TokenKind,
        script: Script,
        out: &mut Tokens,
    ) {
        let s = &text.text()[range.clone()];
        let span = text.original_span(range.clone());
        // One ASCII character has no other half-width form.
        if kind == TokenKind::Punct && s.len() > 1 {
            let mut chars = s.chars();
            if let (Some(c), None) = (chars.next(), chars.next()) {
                if let Some(h) = half_width_punct(c) {
                    out.push_with(span, kind, script, |forms| forms.push(h));
                    return;
                }
            }
        }
        let as_is = kind != TokenKind::Word
            || script == Script::Han
            || (self.stemmer.is_none() && !(self.options.lowercase && has_upper(s)));
        if as_is {
            push_unchanged(out, source, range, span, s, kind, script);
            return;
        }
        let lower;
        let mut form = s;
        if self.options.lowercase && has_upper(s) {
            if s.is_ascii() && self.stemmer.is_none() {
                out.push_with(span, kind, script, |forms| {
                    let from = forms.len();
                    forms.push_str(s);
                    forms[from..].make_ascii_lowercase();
                });
                return;
            }
            lower = s.to_lowercase();
            form = &lower;
        }
        match &self.stemmer {
            Some(stemmer) if script == Script::Latin => {
                let stemmed = stemmer.stem(form);
                out.push(span, &stemmed, kind, script);
            }
            _ => out.push(span, form, kind, script),
        }
    }
}

/// Pushes a token whose form is its normalised text `s` (at `range`): a range of the stored
/// text when there is one (`source`, as in [`WordForms::emit`]), otherwise a copy of `s`.
fn push_unchanged(
    out: &mut Tokens,
    source: Option<u32>,
    range: Range<usize>,
    span: Range<usize>,
    s: &str,
    kind: TokenKind,
    script: Script,
) {
    match source {
        Some(base) => out.push_stored(
            span,
            base + range.start as u32..base + range.end as u32,
            kind,
            script,
        ),
        None => out.push(span, s, kind, script),
    }
}

/// Whether `s` has an upper-case letter.
fn has_upper(s: &str) -> bool {
    if s.is_ascii() {
        s.bytes().any(|b| b.is_ascii_uppercase())
    } else {
        s.chars().any(char::is_uppercase)
    }
}

/// The kind and script of a normalised token, or `None` for whitespace.
#[must_use]
pub fn classify(s: &str) -> Option<(TokenKind, Script)> {
    if s.is_ascii() {
        return classify_ascii(s.as_bytes());
    }
    let mut alpha = None;
    let mut digits = false;
    let mut first = None;
    for c in s.chars() {
        if is_cjk_punct(c) {
            first.get_or_insert(c);
            continue;
        }
        if c.is_whitespace() {
            continue;
        }
        first.get_or_insert(c);
        if is_han(c) {
            return Some((TokenKind::Word, Script::Han));
        }
        if c.is_alphabetic() {
            alpha.get_or_insert(c);
        } else if c.is_numeric() {
            digits = true;
        }
    }
    let first = first?;
    Some(match alpha {
        Some(c) => (TokenKind::Word, letter_script(c)),
        None if digits => (TokenKind::Number, Script::Digit),
        None if is_cjk_punct(first) => (TokenKind::Punct, Script::Common),
        None if is_emoji(first) => (TokenKind::Emoji, Script::Common),
        None if is_punctuation(first) => (TokenKind::Punct, Script::Common),
        None => (TokenKind::Symbol, Script::Common),
    })
}

/// [`classify`] for ASCII text.
fn classify_ascii(s: &[u8]) -> Option<(TokenKind, Script)> {
    let mut first = None;
    let mut alpha = false;
    let mut digits = false;
    // `char::is_whitespace` in ASCII: tab, LF, VT, FF, CR and space.
    for &b in s.iter().filter(|&&b| !matches!(b, b'\t'..=b'\r' | b' ')) {
        first.get_or_insert(b);
        alpha |= b.is_ascii_alphabetic();
        digits |= b.is_ascii_digit();
    }
    let first = first?;
    Some(if alpha {
        (TokenKind::Word, Script::Latin)
    } else if digits {
        (TokenKind::Number, Script::Digit)
    } else if first.is_ascii_punctuation() {
        (TokenKind::Punct, Script::Common)
    } else {
        (TokenKind::Symbol, Script::Common)
    })
}

/// Common full-width and CJK punctuation: neither whitespace, Han, letter, digit nor emoji,
/// and punctuation to [`is_punctuation`], so [`classify`] can tell it without the Unicode
/// property lookups.
fn is_cjk_punct(c: char) -> bool {
    matches!(c as u32, 0x3001..=0x3003 | 0x3008..=0x3011 | 0x3014..=0x301F | 0xFF01..=0xFF0F
        | 0xFF1A..=0xFF20 | 0xFF3B..=0xFF40 | 0xFF5B..=0xFF65 | 0x2010..=0x2027)
}

fn letter_script(c: char) -> Script {
    match c as u32 {
        0x41..=0x5A | 0x61..=0x7A | 0xC0..=0x24F | 0x1E00..=0x1EFF => Script::Latin,
        0x3040..=0x30FF | 0x31F0..=0x31FF | 0xFF66..=0xFF9F => Script::Kana,
        0xAC00..=0xD7AF | 0x1100..=0x11FF | 0x3130..=0x318F => Script::Hangul,
        _ => Script::Other,
    }
}

fn is_punctuation(c: char) -> bool {
    c.is_ascii_punctuation()
        || matches!(c as u32,
            0x2010..=0x2027 | 0x2030..=0x205E | 0x3001..=0x3003 | 0x3008..=0x3011
            | 0x3014..=0x301F | 0xFE10..=0xFE6B | 0xFF01..=0xFF0F | 0xFF1A..=0xFF20
            | 0xFF3B..=0xFF40 | 0xFF5B..=0xFF65 | 0xA1 | 0xA7 | 0xAB | 0xB6 | 0xB7 | 0xBB | 0xBF)
}

/// Longest stopword, in bytes: longer tokens skip the lookup.
const MAX_STOPWORD: usize = 12;

type WordSet = super::words::WordTable<()>;

/// Whether a token is a stopword: `text` is the token's text (its original or normalised
/// form; English is compared case-insensitively, Chinese after conversion to Simplified).
///
/// # Examples
///
/// ```
/// use fankui::segment::is_stopword;
///
/// assert!(is_stopword("The"));
/// assert!(is_stopword("的"));
/// assert!(!is_stopword("refund"));
/// assert!(!is_stopword("not")); // negations carry sentiment
/// ```
#[must_use]
pub fn is_stopword(text: &str) -> bool {
    if text.len() > MAX_STOPWORD {
        return false;
    }
    // One pass tells which of the three look-ups the text needs; a normalised token (already
    // Simplified and lower-case) needs no conversion and no copy.
    let (mut han, mut traditional, mut upper) = (false, false, false);
    for c in text.chars() {
        han |= is_han(c);
        upper |= c.is_ascii_uppercase();
        traditional |= !c.is_ascii() && super::normalize::is_traditional(c);
    }
    if han {
        if traditional {
            is_stopword_zh(&zhconv::zhconv(text, zhconv::Variant::ZhHans))
        } else {
            is_stopword_zh(text)
        }
    } else if upper {
        is_stopword_en(&text.to_ascii_lowercase())
    } else {
        is_stopword_en(text)
    }
}

fn is_stopword_en(word: &str) -> bool {
    static WORDS: OnceLock<WordSet> = OnceLock::new();
    word.len() <= MAX_STOPWORD
        && WORDS
            .get_or_init(|| word_list(include_str!("../../models/stopwords/en.txt")))
            .contains(word)
}

fn is_stopword_zh(word: &str) -> bool {
    static WORDS: OnceLock<WordSet> = OnceLock::new();
    word.len() <= MAX_STOPWORD
        && WORDS
            .get_or_init(|| word_list(include_str!("../../models/stopwords/zh.txt")))
            .contains(word)
}

fn word_list(text: &'static str) -> WordSet {
    let set: WordSet = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|w| (w.to_owned(), ()))
        .collect();
    debug_assert!(set.iter().all(|(w, ())| w.len() <= MAX_STOPWORD));
    set
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies() {
        assert_eq!(classify("好用"), Some((TokenKind::Word, Script::Han)));
        assert_eq!(classify("T恤"), Some((TokenKind::Word, Script::Han)));
        assert_eq!(classify("iPhone13"), Some((TokenKind::Word, Script::Latin)));
        assert_eq!(classify("13"), Some((TokenKind::Number, Script::Digit)));
        assert_eq!(classify("3.5"), Some((TokenKind::Number, Script::Digit)));
        assert_eq!(classify("!"), Some((TokenKind::Punct, Script::Common)));
        assert_eq!(classify("👍🏻"), Some((TokenKind::Emoji, Script::Common)));
        assert_eq!(classify("カメラ"), Some((TokenKind::Word, Script::Kana)));
        assert_eq!(classify("  "), None);
    }

    #[test]
    fn cjk_punct_is_no_letter_digit_or_space() {
        for c in (0..=0x10FFFF)
            .filter_map(char::from_u32)
            .filter(|&c| is_cjk_punct(c))
        {
            assert!(
                !c.is_whitespace() && !is_han(c) && !c.is_alphabetic() && !c.is_numeric(),
                "{c:?}"
            );
            assert!(!is_emoji(c) && is_punctuation(c), "{c:?}");
        }
    }

    #[test]
    fn ascii_classification_is_the_general_one() {
        for a in 0..128u8 {
            for b in [
                None,
                Some(b' '),
                Some(b'a'),
                Some(b'1'),
                Some(b'.'),
                Some(0x0B),
            ] {
                let mut s = String::from(a as char);
                s.extend(b.map(char::from));
                // The general path, forced by a non-ASCII character that changes nothing.
                let mut general = s.clone();
                general.push('\u{3000}');
                assert_eq!(classify_ascii(s.as_bytes()), classify(&general), "{s:?}");
            }
        }
    }

    #[test]
    fn stopwords_of_both_lists() {
        assert!(is_stopword("我們"));
        assert!(is_stopword_en("the"));
        assert!(!is_stopword_en("refund"));
        assert!(is_stopword_zh("的"));
        assert!(!is_stopword_zh("物流"));
    }
}
