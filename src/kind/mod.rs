//! Kind: complaint, suggestion, praise, question or other.
//!
//! [`RuleKind`] needs no training: cue phrases per kind (`models/kind/cues.*.tsv`: speech acts,
//! demands, waiting, requests, endorsements), question marks and sentence-final question
//! particles, and the sentiment score. A complaint need not be negative in its words
//! ("still waiting for my parcel" is one), so the cues carry what sentiment does not.

mod learned;
mod rules;

use std::fmt;
use std::ops::Range;
use std::path::PathBuf;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

pub use learned::LearnedKind;
pub use rules::{KindScores, RuleKind};

use crate::error::Result;
use crate::phrases::{PhraseHit, PhraseList};
use crate::segment::{Normalized, Normalizer};
use crate::sentiment::Sentiment;
use crate::types::{Lang, Tokens};

/// What a piece of feedback is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Something is wrong and the customer says so.
    Complaint,
    /// A request for a change or a new feature.
    Suggestion,
    /// Praise or thanks.
    Praise,
    /// A question.
    Question,
    /// None of these (small talk, a plain description).
    Other,
}

impl Kind {
    /// All five, in the order used for ties (a complaint wins over a suggestion, …).
    pub const ALL: [Kind; 5] = [
        Kind::Complaint,
        Kind::Suggestion,
        Kind::Question,
        Kind::Praise,
        Kind::Other,
    ];

    /// `complaint`, `suggestion`, `praise`, `question` or `other`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Complaint => "complaint",
            Kind::Suggestion => "suggestion",
            Kind::Praise => "praise",
            Kind::Question => "question",
            Kind::Other => "other",
        }
    }

    /// Parses the names of [`as_str`](Self::as_str).
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Whether a department should act on it (complaints, suggestions, questions).
    #[must_use]
    pub fn needs_owner(self) -> bool {
        matches!(self, Kind::Complaint | Kind::Suggestion | Kind::Question)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a kind model sees of a record, or of one clause of it.
#[derive(Debug, Clone)]
pub struct KindInput<'a> {
    /// The normalised text.
    pub normalized: &'a Normalized<'a>,
    /// The byte range of the normalised text to judge: all of it for a record, one clause
    /// for an aspect.
    pub span: Range<usize>,
    /// The tokens of that range.
    pub tokens: &'a Tokens,
    /// Its language.
    pub lang: Lang,
    /// Its sentiment.
    pub sentiment: Sentiment,
    /// The matches of the model's [`phrases`](KindModel::phrases) in `span`, when the caller
    /// found them already (an engine scans a record once for every stage's phrases); `None`
    /// and the model finds them itself.
    pub cues: Option<&'a [PhraseHit]>,
}

/// The kind stage.
///
/// An [`Engine`](crate::Engine) holds one as `Arc<dyn KindModel>`: the rules ([`RuleKind`]),
/// a learned model over the rules' scores ([`LearnedKind`]), or one of your own
/// ([`EngineBuilder::kind_model`](crate::EngineBuilder::kind_model)).
pub trait KindModel: Send + Sync + fmt::Debug {
    /// The phrase list the model reads, for the engine to find in its one scan of each record
    /// and pass as [`KindInput::cues`]; `None` (the default) for a model that reads none.
    fn phrases(&self) -> Option<&PhraseList> {
        None
    }

    /// The kind of a record.
    fn kind(&self, input: &KindInput<'_>) -> Kind;
}

/// Configuration of the kind stage.
///
/// ```toml
/// [kind]
/// threshold = 1.0          # least cue score for anything but `other`
/// sentiment_weight = 2.0   # how much negative (positive) sentiment counts as complaint (praise)
/// clause_threshold = 1.5   # least complaint score for one clause of several to complain
///                          # (a clause opening with 但是/可惜/"but" needs only negative sentiment)
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct KindConfig {
    /// A learned kind model (`fankui train kind`) used together with the rules.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<PathBuf>,
    /// Least score for a kind other than `other`.
    pub threshold: f32,
    /// Weight of the sentiment score.
    pub sentiment_weight: f32,
    /// Least complaint score of the rules for one clause of a record with several to be a
    /// complaint (a clause that turns with a connective needs only negative sentiment).
    pub clause_threshold: f32,
}

impl Default for KindConfig {
    fn default() -> Self {
        KindConfig {
            model: None,
            threshold: 1.0,
            sentiment_weight: 2.0,
            clause_threshold: 1.5,
        }
    }
}

impl KindConfig {
    pub(crate) fn validate(&self) -> std::result::Result<(), String> {
        if !(self.threshold >= 0.0 && self.threshold.is_finite()) {
            return Err(format!(
                "kind.threshold must be a number ≥ 0, found {}",
                self.threshold
            ));
        }
        if !(self.clause_threshold >= 0.0 && self.clause_threshold.is_finite()) {
            return Err(format!(
                "kind.clause_threshold must be a number ≥ 0, found {}",
                self.clause_threshold
            ));
        }
        if !(self.sentiment_weight >= 0.0 && self.sentiment_weight.is_finite()) {
            return Err(format!(
                "kind.sentiment_weight must be a number ≥ 0, found {}",
                self.sentiment_weight
            ));
        }
        Ok(())
    }

    pub(crate) fn resolve_paths(&mut self, base: &std::path::Path) {
        if let Some(path) = &mut self.model {
            if path.is_relative() {
                *path = base.join(&*path);
            }
        }
    }

    /// Builds the kind model.
    ///
    /// # Errors
    ///
    /// A cue list that does not compile.
    pub fn build(&self, normalizer: &dyn Normalizer) -> Result<Arc<RuleKind>> {
        Ok(Arc::new(RuleKind::shipped(self, normalizer)?))
    }
}
