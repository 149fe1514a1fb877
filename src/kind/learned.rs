//! A learned kind model (`fankui train kind`) over the text's features and the rules' scores.

use std::sync::Arc;

use super::{Kind, KindInput, KindModel, RuleKind};
use crate::error::Result;
use crate::learn::{learned_doc, ClassModel, FeatureSpec, SparseDoc};
use crate::phrases::PhraseList;

/// A one-vs-rest model from `fankui train kind`, reading the hashed text features and the
/// rules' four kind scores (as named features), so it learns where the rules go wrong rather
/// than starting from nothing.
#[derive(Debug, Clone)]
pub struct LearnedKind {
    model: ClassModel,
    rules: Arc<RuleKind>,
}

impl LearnedKind {
    /// `model` over the scores of `rules`.
    ///
    /// # Errors
    ///
    /// [`Error::Config`](crate::Error::Config) when the model was trained for another task or has a class that is
    /// not a kind.
    pub fn new(model: ClassModel, rules: Arc<RuleKind>) -> Result<Self> {
        model.expect("kind", |label| Kind::parse(label).is_some(), "a kind")?;
        Ok(LearnedKind { model, rules })
    }

    /// The model.
    #[must_use]
    pub fn model(&self) -> &ClassModel {
        &self.model
    }

    /// What a learned kind model reads of a record: its text features by `spec` and the
    /// scores of `rules`, as training sees them.
    #[must_use]
    pub fn features(rules: &RuleKind, spec: &FeatureSpec, input: &KindInput<'_>) -> SparseDoc {
        let s = rules.scores(input);
        learned_doc(
            spec,
            input.tokens,
            [
                ("rule:complaint", s.complaint),
                ("rule:suggestion", s.suggestion),
                ("rule:question", s.question),
                ("rule:praise", s.praise),
            ],
        )
    }
}

impl KindModel for LearnedKind {
    fn phrases(&self) -> Option<&PhraseList> {
        self.rules.phrases()
    }

    fn kind(&self, input: &KindInput<'_>) -> Kind {
        let doc = Self::features(&self.rules, &self.model.header().features, input);
        self.model
            .predict(&doc)
            .first()
            .and_then(|&k| Kind::parse(&self.model.header().classes[k].label))
            .unwrap_or(Kind::Other)
    }
}
