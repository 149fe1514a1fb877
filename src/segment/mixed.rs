//! The default segmenter: jieba where there is Chinese, Unicode word boundaries elsewhere.

use std::ops::Range;

use super::forms::WordForms;
use super::jieba::ChineseDict;
use super::normalize::{has_han, has_han_bytes, Normalized};
use super::unicode::{split_emoticons, words};
use super::Segmenter;
use crate::types::{Script, TokenKind, Tokens};

/// Script-aware segmentation of mixed Chinese and English text.
///
/// Emoticons are found first and kept whole. Stretches with Han characters go to jieba, which
/// also keeps dictionary words like `T恤` or `卡拉OK` whole; what jieba returns without Han
/// characters (English words, numbers, emoji, punctuation) is cut again by Unicode word
/// boundaries, so `don't`, `3.5` and 👍🏻 stay single tokens. Text with no Han characters
/// never reaches jieba.
///
/// # Examples
///
/// ```
/// let engine = fankui::Engine::builder().build()?;
/// let text = "iPhone质量很好，but the battery 一般 :(";
/// let tokens = engine.segment(text);
/// let words: Vec<_> = tokens.iter().map(|t| &text[t.span()]).collect();
/// assert_eq!(words, ["iPhone", "质量", "很", "好", "，", "but", "the", "battery", "一般", ":("]);
/// # Ok::<(), fankui::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct MixedSegmenter {
    dict: ChineseDict,
    forms: WordForms,
}

impl MixedSegmenter {
    /// A segmenter over `dict`, making forms with `forms`.
    #[must_use]
    pub fn new(dict: ChineseDict, forms: WordForms) -> Self {
        MixedSegmenter { dict, forms }
    }

    fn stretch(&self, text: &Normalized<'_>, src: u32, range: Range<usize>, out: &mut Tokens) {
        let s = &text.text()[range.clone()];
        if !has_han(s) {
            words(&self.forms, text, Some(src), range, out);
            return;
        }
        let base = range.start;
        // Contiguous jieba tokens without Han characters, waiting to be cut again.
        let mut other: Option<Range<usize>> = None;
        for (start, word) in self.dict.cut_words(s) {
            let r = base + start..base + start + word.len();
            if has_han_bytes(word.as_bytes()) {
                if let Some(o) = other.take() {
                    words(&self.forms, text, Some(src), o, out);
                }
                // A Han word's form is the normalised text itself.
                let form = src + r.start as u32..src + r.end as u32;
                out.push_stored(text.original_span(r), form, TokenKind::Word, Script::Han);
            } else {
                other = Some(other.take().map_or(r.clone(), |o| o.start..r.end));
            }
        }
        if let Some(o) = other {
            words(&self.forms, text, Some(src), o, out);
        }
    }
}

impl Segmenter for MixedSegmenter {
    fn segment(&self, text: &Normalized<'_>, out: &mut Tokens) {
        let src = out.add_source(text.text());
        split_emoticons(text.text(), 0..text.text().len(), |piece, is_emoticon| {
            if is_emoticon {
                self.forms.emit_as(
                    text,
                    Some(src),
                    piece,
                    TokenKind::Emoticon,
                    Script::Common,
                    out,
                );
            } else {
                self.stretch(text, src, piece, out);
            }
        });
        if text.reshaped() {
            out.repair_overlaps();
        }
    }

    fn has_word(&self, word: &str) -> bool {
        self.dict.has_word(word)
    }
}
