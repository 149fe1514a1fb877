//! Sentiment: a lexicon-and-rules model that needs no training, a linear model fankui trains
//! itself, and the training and data-reading code behind `fankui train sentiment`.
//!
//! Every model turns the tokens of a text into a score in [-1, 1]; the label follows from the
//! score and a neutral band (`|score| < band` is neutral).

mod cues;
mod data;
mod lexicon;
mod linear;
mod train;

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

pub use crate::learn::FeatureSpec;
pub use data::{sha256_bytes, sha256_file, Example, LabelMap, LabelledFields, LabelledFile};
pub use lexicon::LexiconModel;
pub use linear::{Calibration, LinearModel, ModelHeader, FORMAT_VERSION};
pub use train::{stratified_folds, train, Candidate, LabelCounts, TrainOptions, TrainReport};

use crate::error::Result;
use crate::segment::Clause;
use crate::types::{Lang, Tokens};

/// A sentiment label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SentimentLabel {
    /// Negative.
    Negative,
    /// Neither.
    Neutral,
    /// Positive.
    Positive,
}

impl SentimentLabel {
    /// All three, in order.
    pub const ALL: [SentimentLabel; 3] = [
        SentimentLabel::Negative,
        SentimentLabel::Neutral,
        SentimentLabel::Positive,
    ];

    /// `negative`, `neutral` or `positive`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            SentimentLabel::Negative => "negative",
            SentimentLabel::Neutral => "neutral",
            SentimentLabel::Positive => "positive",
        }
    }

    /// Parses `negative`, `neutral` or `positive`.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.as_str() == s)
    }

    /// The label of a score: neutral when `|score| < band` or the score is exactly 0.
    #[must_use]
    pub fn from_score(score: f32, band: f32) -> Self {
        if score.abs() < band || score == 0.0 {
            SentimentLabel::Neutral
        } else if score > 0.0 {
            SentimentLabel::Positive
        } else {
            SentimentLabel::Negative
        }
    }
}

impl fmt::Display for SentimentLabel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The sentiment of one text.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Sentiment {
    /// The label.
    pub label: SentimentLabel,
    /// The score in [-1, 1]: negative below 0, positive above.
    pub score: f32,
}

/// A sentiment model: tokens in, score in [-1, 1] out.
///
/// Implementations must be cheap to call from many threads at once and must not panic.
pub trait SentimentModel: Send + Sync + fmt::Debug {
    /// The score of a text given its tokens and language.
    fn score(&self, tokens: &Tokens, lang: Lang) -> f32;

    /// The score of the whole text, as [`score`](Self::score), after appending to `out` the
    /// score of each of its `clauses` ([`split_clauses`]). The default scores each clause's
    /// tokens anew; a model that can score a clause from what it read of the whole text
    /// overrides it.
    ///
    /// [`split_clauses`]: crate::segment::split_clauses
    fn score_clauses(
        &self,
        tokens: &Tokens,
        lang: Lang,
        clauses: &[Clause],
        out: &mut Vec<f32>,
    ) -> f32 {
        for c in clauses {
            out.push(self.score(&tokens.slice(c.tokens.clone()), lang));
        }
        self.score(tokens, lang)
    }
}

/// Configuration of the sentiment stage.
///
/// ```toml
/// [sentiment]
/// type = "linear"        # "linear" or "lexicon"
/// model = "my.fks"       # a model from `fankui train sentiment`; default: the shipped one
/// neutral_band = 0.3     # |score| below this is neutral
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum SentimentConfig {
    /// The trained linear model, with the lexicon for texts it has no evidence on.
    Linear {
        /// Model file; the shipped Chinese-English model when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        model: Option<PathBuf>,
        /// Scores with a smaller magnitude are neutral.
        #[serde(default = "default_band")]
        neutral_band: f32,
    },
    /// The lexicon and rules alone.
    Lexicon {
        /// Scores with a smaller magnitude are neutral.
        #[serde(default = "default_band")]
        neutral_band: f32,
    },
}

fn default_band() -> f32 {
    DEFAULT_NEUTRAL_BAND
}

/// The neutral band when the configuration sets none: the band with the best three-class
/// macro-F1 of the shipped model on 3,449 SemEval-2014 restaurant sentences
/// (`benches/neutral_band.sh`).
pub const DEFAULT_NEUTRAL_BAND: f32 = 0.5;

impl Default for SentimentConfig {
    fn default() -> Self {
        SentimentConfig::Linear {
            model: None,
            neutral_band: DEFAULT_NEUTRAL_BAND,
        }
    }
}

impl SentimentConfig {
    /// The neutral band.
    #[must_use]
    pub fn neutral_band(&self) -> f32 {
        match self {
            SentimentConfig::Linear { neutral_band, .. }
            | SentimentConfig::Lexicon { neutral_band } => *neutral_band,
        }
    }

    pub(crate) fn validate(&self) -> std::result::Result<(), String> {
        let band = self.neutral_band();
        if !(0.0..1.0).contains(&band) {
            return Err(format!(
                "sentiment.neutral_band must be in [0, 1), found {band}"
            ));
        }
        Ok(())
    }

    pub(crate) fn resolve_paths(&mut self, base: &std::path::Path) {
        if let SentimentConfig::Linear {
            model: Some(path), ..
        } = self
        {
            if path.is_relative() {
                *path = base.join(&*path);
            }
        }
    }

    /// Builds the model.
    ///
    /// # Errors
    ///
    /// A model file that cannot be read or is not a valid model.
    pub fn build(&self) -> Result<Arc<dyn SentimentModel>> {
        Ok(match self {
            SentimentConfig::Linear { model: None, .. } => Arc::new(LinearModel::shipped()?),
            SentimentConfig::Linear {
                model: Some(path), ..
            } => Arc::new(LinearModel::from_path(path)?),
            SentimentConfig::Lexicon { .. } => Arc::new(LexiconModel::shipped()),
        })
    }
}

/// Whether a normalised word is an opinion word of the shipped lexicon: a polarity word, a
/// degree adverb or a negator (`不错`, `失望`, `very`, `not`). Topics leave them out, so that
/// they group what feedback is about rather than how it feels.
#[must_use]
pub fn is_opinion_word(form: &str) -> bool {
    cues::Cues::shipped().cue(form).is_some()
}
