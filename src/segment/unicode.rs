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
        segment_words(&self.forms, text, 0..text.text().len(), out);
        if text.reshaped() {
            out.repair_overlaps();
        }
    }
}

/// Segments the normalised byte range `range` by word boundaries, emoticons whole.
pub(super) fn segment_words(
    forms: &WordForms,
    text: &Normalized<'_>,
    range: Range<usize>,
    out: &mut Tokens,
) {
    split_emoticons(text.text(), range, |piece, is_emoticon| {
        if is_emoticon {
            forms.push_as(text, piece, TokenKind::Emoticon, Script::Common, out);
        } else {
            words(forms, text, piece, out);
        }
    });
}

/// Calls `f(range, is_emoticon)` for the emoticons in `range` of `s` and the stretches
/// between them, in order.
pub(super) fn split_emoticons(s: &str, range: Range<usize>, mut f: impl FnMut(Range<usize>, bool)) {
    let mut plain = range.start;
    let mut i = range.start;
    let mut prev = None;
    while i < range.end {
        let c = s[i..].chars().next().unwrap_or_default();
        // Emoticons made of letters never start inside a word: skip the lookup there.
        if emoticon::may_start(c)
            && !(c.is_alphanumeric() && prev.is_some_and(char::is_alphanumeric))
        {
            if let Some(len) = emoticon::match_at(&s[..range.end], i) {
                if plain < i {
                    f(plain..i, false);
                }
                f(i..i + len, true);
                i += len;
                plain = i;
                prev = None;
                continue;
            }
        }
        prev = Some(c);
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
    range: Range<usize>,
    out: &mut Tokens,
) {
    if range.is_empty() {
        return;
    }
    // One character (punctuation between Chinese words, mostly) needs no boundary search.
    let mut chars = text.text()[range.clone()].chars();
    if let (Some(_), None) = (chars.next(), chars.next()) {
        forms.push(text, range, out);
        return;
    }
    let base = range.start;
    for (offset, word) in text.text()[range].split_word_bound_indices() {
        let start = base + offset;
        forms.push(text, start..start + word.len(), out);
    }
}
