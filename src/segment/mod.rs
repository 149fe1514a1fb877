//! Segmentation: normalisation, then words.
//!
//! Three segmenters implement [`Segmenter`], all behind [`SegmenterConfig`]:
//!
//! - [`MixedSegmenter`] (the default): Chinese stretches with jieba, everything else with
//!   Unicode word boundaries (UAX #29), emoji and emoticons kept whole;
//! - [`JiebaSegmenter`]: jieba for the whole text, as jieba itself would cut it;
//! - [`UnicodeSegmenter`]: Unicode word boundaries only (each Han character is a word).
//!
//! All of them read a [`Normalized`] text and report tokens as spans of the original.

mod clauses;
mod dict;
mod emoticon;
mod forms;
mod jieba;
mod mixed;
mod normalize;
mod unicode;
pub(crate) mod words;

use std::fmt::Debug;
use std::path::PathBuf;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

pub use clauses::{split_clauses, Clause};
pub use dict::{UserDict, UserWord};
pub use forms::{is_stopword, WordForms};
pub use jieba::{ChineseDict, JiebaSegmenter};
pub use mixed::MixedSegmenter;
pub use normalize::{
    half_width_punct, is_emoji, is_han, is_traditional, Normalized, Normalizer, NormalizerConfig,
    StandardNormalizer,
};
pub use unicode::UnicodeSegmenter;

use crate::error::Result;
use crate::types::Tokens;

/// The segmentation stage.
///
/// Implementations append the tokens of a normalised text to `out`, in order, as spans of the
/// original text that never overlap and cover every non-whitespace character. They never panic
/// on any input.
pub trait Segmenter: Send + Sync + Debug {
    /// Appends the tokens of `text` to `out`.
    fn segment(&self, text: &Normalized<'_>, out: &mut Tokens);

    /// Whether `word` (normalised) is in this segmenter's dictionary; segmenters without one
    /// answer `false`. Used for out-of-vocabulary figures in evaluation.
    fn has_word(&self, word: &str) -> bool {
        let _ = word;
        false
    }
}

/// Options shared by every segmenter for the forms of its tokens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FormOptions {
    /// Lower-case the forms of cased words.
    pub lowercase: bool,
    /// Reduce English words to their Snowball stem in the forms.
    pub stem: bool,
}

impl Default for FormOptions {
    fn default() -> Self {
        FormOptions {
            lowercase: true,
            stem: false,
        }
    }
}

/// Configuration of the segmentation stage: which segmenter and its options.
///
/// In a config file:
///
/// ```toml
/// [segment]
/// type = "mixed"          # "mixed", "jieba" or "unicode"
/// hmm = true              # jieba's HMM for unknown words
/// user_dicts = ["brands.dict"]
/// lowercase = true
/// stem = false
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum SegmenterConfig {
    /// jieba for Chinese stretches, Unicode word boundaries for the rest.
    Mixed {
        /// Find words missing from the dictionary with jieba's HMM.
        #[serde(default = "yes")]
        hmm: bool,
        /// User dictionaries.
        #[serde(default)]
        user_dicts: Vec<PathBuf>,
        /// Lower-case forms.
        #[serde(default = "yes")]
        lowercase: bool,
        /// Stem English forms.
        #[serde(default)]
        stem: bool,
    },
    /// jieba for everything.
    Jieba {
        /// Find words missing from the dictionary with jieba's HMM.
        #[serde(default = "yes")]
        hmm: bool,
        /// User dictionaries.
        #[serde(default)]
        user_dicts: Vec<PathBuf>,
        /// Lower-case forms.
        #[serde(default = "yes")]
        lowercase: bool,
        /// Stem English forms.
        #[serde(default)]
        stem: bool,
    },
    /// Unicode word boundaries only.
    Unicode {
        /// Lower-case forms.
        #[serde(default = "yes")]
        lowercase: bool,
        /// Stem English forms.
        #[serde(default)]
        stem: bool,
    },
}

fn yes() -> bool {
    true
}

impl Default for SegmenterConfig {
    fn default() -> Self {
        SegmenterConfig::Mixed {
            hmm: true,
            user_dicts: Vec::new(),
            lowercase: true,
            stem: false,
        }
    }
}

impl SegmenterConfig {
    /// The user dictionaries, for the segmenters that have a dictionary.
    pub fn user_dicts_mut(&mut self) -> Option<&mut Vec<PathBuf>> {
        match self {
            SegmenterConfig::Mixed { user_dicts, .. }
            | SegmenterConfig::Jieba { user_dicts, .. } => Some(user_dicts),
            SegmenterConfig::Unicode { .. } => None,
        }
    }

    /// Builds the segmenter, loading user dictionaries from disk and adding `extra_words`.
    ///
    /// # Errors
    ///
    /// A user dictionary that cannot be read or has a malformed line.
    pub fn build(
        &self,
        normalizer: &dyn Normalizer,
        extra_words: &[UserWord],
    ) -> Result<Arc<dyn Segmenter>> {
        let dict = |user_dicts: &[PathBuf], hmm: bool| -> Result<ChineseDict> {
            let mut words = Vec::new();
            for path in user_dicts {
                words.extend(UserDict::from_path(path)?.into_words());
            }
            words.extend_from_slice(extra_words);
            Ok(ChineseDict::new(&words, normalizer, hmm))
        };
        let forms = |lowercase: bool, stem: bool| WordForms::new(FormOptions { lowercase, stem });
        Ok(match self {
            SegmenterConfig::Mixed {
                hmm,
                user_dicts,
                lowercase,
                stem,
            } => Arc::new(MixedSegmenter::new(
                dict(user_dicts, *hmm)?,
                forms(*lowercase, *stem),
            )),
            SegmenterConfig::Jieba {
                hmm,
                user_dicts,
                lowercase,
                stem,
            } => Arc::new(JiebaSegmenter::new(
                dict(user_dicts, *hmm)?,
                forms(*lowercase, *stem),
            )),
            SegmenterConfig::Unicode { lowercase, stem } => {
                Arc::new(UnicodeSegmenter::new(forms(*lowercase, *stem)))
            }
        })
    }
}
