//! Unicode word boundaries (UAX #29), with emoticons kept whole.

use std::ops::Range;

use unicode_segmentation::UnicodeSegmentation;

use super::emoticon;
use super::forms::WordForms;
use super::normalize::Normalized;
use super::Segmenter;
use crate::types::{Script, TokenKind, Tokens};

/// Segments by Unicode word boundaries: right for English and other space-separated
/// languages; each Han character becomes a word of its own.
///
/// # Examples
///
/// ```
/// use fankui::segment::*;
///
/// let normalizer = StandardNormalizer::default();
/// let seg = UnicodeSegmenter::new(WordForms::new(FormOptions::default()));
/// let text = "Don't buy it :( never again";
/// let mut tokens = fankui::Tokens::new();
/// seg.segment(&normalizer.normalize(text), &mut tokens);
/// let words: Vec<_> = tokens.iter().map(|t| &text[t.span()]).collect();
/// assert_eq!(words, ["Don't", "buy", "it", ":(", "never", "again"]);
/// ```
#[derive(Debug, Clone)]
pub struct UnicodeSegmenter {
    forms: WordForms,
}

impl UnicodeSegmenter {
    /// A segmenter making forms with `forms`.
    #[must_use]
    pub fn new(forms: WordForms) -> Self {
        UnicodeSegmenter { forms }
    }
}

impl Segmenter for UnicodeSegmenter {
    fn segment(&self, text: &Normalized<'_>, out: &mut Tokens) {
        let src = Some(out.add_source(text.text()));
        segment_words(&self.forms, text, src, 0..text.text().len(), out);
        if text.reshaped() {
            out.repair_overlaps();
        }
    }
}

/// Segments the normalised byte range `range` by word boundaries, emoticons whole.
pub(super) fn segment_words(
    forms: &WordForms,
    text: &Normalized<'_>,
    src: Option<u32>,
    range: Range<usize>,
    out: &mut Tokens,
) {
    split_emoticons(text.text(), range, |piece, is_emoticon| {
        if is_emoticon {
            forms.emit_as(text, src, piece, TokenKind::Emoticon, Script::Common, out);
        } else {
            words(forms, text, src, piece, out);
        }
    });
}

/// Calls `f(range, is_emoticon)` for the emoticons in `range` of `s` and the stretches
/// between them, in order.
pub(super) fn split_emoticons(s: &str, range: Range<usize>, mut f: impl FnMut(Range<usize>, bool)) {
    let bytes = &s.as_bytes()[..range.end];
    let mut plain = range.start;
    let mut i = range.start;
    loop {
        // Most characters cannot start an emoticon, and their first byte says so: they are
        // skipped without decoding.
        while let Some(&b) = bytes.get(i) {
            match emoticon::start_skip(b) {
                0 => break,
                skip => i += skip,
            }
        }
        if i >= range.end {
            break;
        }
        let c = s[i..].chars().next().unwrap_or_default();
        // Emoticons made of letters never start inside a word (`match_at` would refuse them):
        // skip the lookup there.
        let inside_word = c.is_ascii_alphanumeric()
            && i > 0
            && s[..i]
                .chars()
                .next_back()
                .is_some_and(char::is_alphanumeric);
        if emoticon::may_start(c) && !inside_word {
            if let Some(len) = emoticon::match_at(&s[..range.end], i) {
                if plain < i {
                    f(plain..i, false);
                }
                f(i..i + len, true);
                i += len;
                plain = i;
                continue;
            }
        }
        i += c.len_utf8();
    }
    if plain < range.end {
        f(plain..range.end, false);
    }
}

/// Word-boundary segmentation of `range`, with no emoticon lookup.
pub(super) fn words(
    forms: &WordForms,
    text: &Normalized<'_>,
    src: Option<u32>,
    range: Range<usize>,
    out: &mut Tokens,
) {
    if range.is_empty() {
        return;
    }
    // One character (punctuation between Chinese words, mostly) needs no boundary search.
    let mut chars = text.text()[range.clone()].chars();
    if let (Some(c), None) = (chars.next(), chars.next()) {
        forms.emit_char(text, src, range, c, out);
        return;
    }
    let base = range.start;
    let s = &text.text()[range];
    if s.is_ascii() {
        ascii_word_bounds(s.as_bytes(), |piece| {
            // A piece that starts with whitespace is whitespace (a run of spaces, CR LF or
            // one character), which makes no token.
            if !matches!(s.as_bytes()[piece.start], b'\t'..=b'\r' | b' ') {
                forms.emit_ascii(text, src, base + piece.start..base + piece.end, out);
            }
        });
        return;
    }
    for (offset, word) in s.split_word_bound_indices() {
        let start = base + offset;
        forms.emit(text, src, start..start + word.len(), out);
    }
}

/// The pieces between Unicode word boundaries (UAX #29) of ASCII text, exactly as
/// `split_word_bound_indices` finds them, without its general machinery. In ASCII the rules
/// come down to: runs of spaces stay together (WB3d), CR LF stays together (WB3), letters,
/// digits and `_` join (WB5, WB8–WB10, WB13a/b), `.` `'` `:` join letters on both sides
/// (WB6/7) and `.` `,` `;` `'` join digits on both sides (WB11/12); everything else is a
/// piece of its own.
fn ascii_word_bounds(s: &[u8], mut f: impl FnMut(Range<usize>)) {
    let core = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let infix = |b: u8, prev: u8, next: u8| match b {
        b'.' | b',' | b';' | b'\'' if prev.is_ascii_digit() && next.is_ascii_digit() => true,
        b'.' | b':' | b'\'' => prev.is_ascii_alphabetic() && next.is_ascii_alphabetic(),
        _ => false,
    };
    let n = s.len();
    let mut i = 0;
    while i < n {
        let b = s[i];
        let mut end = i + 1;
        if b == b' ' {
            while end < n && s[end] == b' ' {
                end += 1;
            }
        } else if core(b) {
            while end < n && (core(s[end]) || end + 1 < n && infix(s[end], s[end - 1], s[end + 1]))
            {
                end += 1;
            }
        } else if b == b'\r' && end < n && s[end] == b'\n' {
            end += 1;
        }
        f(i..end);
        i = end;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn general(s: &str) -> Vec<Range<usize>> {
        s.split_word_bound_indices()
            .map(|(i, w)| i..i + w.len())
            .collect()
    }

    fn fast(s: &str) -> Vec<Range<usize>> {
        let mut pieces = Vec::new();
        ascii_word_bounds(s.as_bytes(), |r| pieces.push(r));
        pieces
    }

    #[test]
    fn ascii_word_bounds_match_unicode_segmentation() {
        // Every string of up to four characters over one or two members of each ASCII
        // word-break class, then longer pseudo-random strings over all of ASCII.
        let alphabet = b"aZ09.,;:'\"_ \r\n\x0b\t-!";
        let mut strings = vec![String::new()];
        for _ in 0..4 {
            let longer: Vec<String> = strings
                .iter()
                .flat_map(|s| alphabet.iter().map(move |&b| format!("{s}{}", b as char)))
                .collect();
            strings.extend(longer);
        }
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        for _ in 0..20_000 {
            let len = (state >> 59) as usize + 1;
            let s: String = (0..len)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    char::from((state % 128) as u8)
                })
                .collect();
            strings.push(s);
        }
        for s in &strings {
            assert_eq!(fast(s), general(s), "{s:?}");
        }
    }
}
