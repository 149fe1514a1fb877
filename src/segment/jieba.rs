//! Chinese segmentation with jieba-rs, and the segmenter that uses it for everything.

use std::fmt;
use std::sync::Arc;

use jieba_rs::Jieba;

use super::dict::{UserWord, MAX_USER_FREQ};
use super::forms::WordForms;
use super::normalize::{Normalized, Normalizer};
use super::Segmenter;
use crate::types::Tokens;

/// A jieba dictionary (the default one plus user words), shared by every clone.
#[derive(Clone)]
pub struct ChineseDict {
    jieba: Arc<Jieba>,
    hmm: bool,
}

impl fmt::Debug for ChineseDict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChineseDict")
            .field("jieba", &self.jieba)
            .field("hmm", &self.hmm)
            .finish()
    }
}

impl ChineseDict {
    /// jieba's default dictionary plus `words`, each normalised the way texts are (so a user
    /// word written in Traditional characters matches Traditional text).
    #[must_use]
    pub fn new(words: &[UserWord], normalizer: &dyn Normalizer, hmm: bool) -> Self {
        let mut jieba = Jieba::new();
        for w in words {
            let norm = normalizer.normalize(&w.word);
            // jieba adds frequencies up: a capped one cannot overflow the total.
            let freq = w.freq.map(|f| f.min(MAX_USER_FREQ));
            jieba.add_word(norm.text(), freq, w.tag.as_deref());
        }
        ChineseDict {
            jieba: Arc::new(jieba),
            hmm,
        }
    }

    /// Cuts normalised text, calling `emit` with each word's byte range.
    pub fn cut(&self, text: &str, mut emit: impl FnMut(std::ops::Range<usize>)) {
        for token in self.jieba.cut(text, self.hmm) {
            emit(token.byte_start..token.byte_end);
        }
    }

    /// [`cut`](Self::cut), as the byte offset and text of each word.
    pub(crate) fn cut_words<'a>(&self, text: &'a str) -> impl Iterator<Item = (usize, &'a str)> {
        self.jieba
            .cut(text, self.hmm)
            .into_iter()
            .map(|token| (token.byte_start, token.word))
    }

    /// Whether the dictionary has `word` (normalised).
    #[must_use]
    pub fn has_word(&self, word: &str) -> bool {
        self.jieba.has_word(word)
    }
}

/// jieba for the whole text, as jieba would cut it, on the normalised text.
///
/// # Examples
///
/// ```
/// use fankui::segment::*;
///
/// let normalizer = StandardNormalizer::default();
/// let seg = JiebaSegmenter::new(
///     ChineseDict::new(&[], &normalizer, true),
///     WordForms::new(FormOptions::default()),
/// );
/// let text = "物流太慢了";
/// let mut tokens = fankui::Tokens::new();
/// seg.segment(&normalizer.normalize(text), &mut tokens);
/// let words: Vec<_> = tokens.iter().map(|t| &text[t.span()]).collect();
/// assert_eq!(words, ["物流", "太慢", "了"]);
/// ```
#[derive(Debug, Clone)]
pub struct JiebaSegmenter {
    dict: ChineseDict,
    forms: WordForms,
}

impl JiebaSegmenter {
    /// A segmenter over `dict`, making forms with `forms`.
    #[must_use]
    pub fn new(dict: ChineseDict, forms: WordForms) -> Self {
        JiebaSegmenter { dict, forms }
    }
}

impl Segmenter for JiebaSegmenter {
    fn segment(&self, text: &Normalized<'_>, out: &mut Tokens) {
        let src = Some(out.add_source(text.text()));
        self.dict
            .cut(text.text(), |range| self.forms.emit(text, src, range, out));
        if text.reshaped() {
            out.repair_overlaps();
        }
    }

    fn has_word(&self, word: &str) -> bool {
        self.dict.has_word(word)
    }
}
