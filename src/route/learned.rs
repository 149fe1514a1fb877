//! A learned router (`fankui train route`) over the text's features and the taxonomy's scores.

use std::sync::Arc;

use super::{DepartmentScore, RouteInput, Router, RuleRouter};
use crate::error::Result;
use crate::learn::{learned_doc, ClassModel, FeatureSpec, SparseDoc};
use crate::phrases::PhraseList;

/// A one-vs-rest model from `fankui train route`, reading the hashed text features and the
/// taxonomy rules' raw department scores (as named features). Its probabilities are the
/// departments' confidences; the rules' matches stay the evidence.
#[derive(Debug, Clone)]
pub struct LearnedRouter {
    model: ClassModel,
    rules: Arc<RuleRouter>,
}

impl LearnedRouter {
    /// `model` over the scores of `rules`.
    ///
    /// # Errors
    ///
    /// [`Error::Config`](crate::Error::Config) when the model was trained for another task or has a class that is
    /// not a department of the rules' taxonomy.
    pub fn new(model: ClassModel, rules: Arc<RuleRouter>) -> Result<Self> {
        model.expect(
            "route",
            |label| rules.departments().iter().any(|d| d == label),
            "a department of the taxonomy in use",
        )?;
        Ok(LearnedRouter { model, rules })
    }

    /// The shipped fallback router (`models/route/fallback.fkr`): trained for complaints the
    /// shipped taxonomy leaves unplaced, over `rules`, which must be the shipped taxonomy's.
    ///
    /// # Errors
    ///
    /// Only if the shipped model is broken or `rules` lack one of its departments.
    pub fn shipped_fallback(rules: Arc<RuleRouter>) -> Result<Self> {
        let model = ClassModel::from_bytes(
            include_bytes!("../../models/route/fallback.fkr"),
            std::path::Path::new("models/route/fallback.fkr"),
        )?;
        LearnedRouter::new(model, rules)
    }

    /// The model.
    #[must_use]
    pub fn model(&self) -> &ClassModel {
        &self.model
    }

    /// What a learned router reads of a record: its text features by `spec` and the raw
    /// department scores of `rules`, as training sees them.
    #[must_use]
    pub fn features(rules: &RuleRouter, spec: &FeatureSpec, input: &RouteInput<'_>) -> SparseDoc {
        Self::features_of(rules, spec, input, &rules.claims_in(input))
    }

    fn features_of(
        rules: &RuleRouter,
        spec: &FeatureSpec,
        input: &RouteInput<'_>,
        claims: &[(DepartmentScore, f32)],
    ) -> SparseDoc {
        let ids = rules.departments();
        learned_doc(
            spec,
            input.tokens,
            claims
                .iter()
                .map(|(c, score)| (format!("rule:{}", ids[c.department]), *score)),
        )
    }
}

impl Router for LearnedRouter {
    fn departments(&self) -> &[String] {
        self.rules.departments()
    }

    fn phrases(&self) -> Option<&PhraseList> {
        self.rules.phrases()
    }

    fn route(&self, input: &RouteInput<'_>, out: &mut Vec<DepartmentScore>) {
        let claims = self.rules.claims_in(input);
        let doc = Self::features_of(&self.rules, &self.model.header().features, input, &claims);
        let probs = self.model.probabilities(&doc);
        let ids = self.rules.departments();
        out.extend(self.model.header().classes.iter().zip(probs).filter_map(
            |(class, probability)| {
                let department = ids.iter().position(|id| *id == class.label)?;
                let evidence = claims
                    .iter()
                    .find(|(c, _)| c.department == department)
                    .map(|(c, _)| c.evidence.clone())
                    .unwrap_or_default();
                Some(DepartmentScore {
                    department,
                    confidence: probability,
                    evidence,
                })
            },
        ));
    }
}
