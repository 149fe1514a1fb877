//! Department routing: which team owns a complaint, suggestion or question, with the
//! evidence.
//!
//! A [`Router`] gives each department it has evidence for a confidence in [0, 1]; the engine
//! takes the most confident one as the owner and the others close to it as secondary owners
//! (feedback that concerns several teams). The shipped router is [`RuleRouter`] over the
//! default [`Taxonomy`]; a learned model from `fankui train route` can be combined with it.

mod learned;
mod rules;
mod taxonomy;

use std::ops::Range;
use std::path::PathBuf;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

pub use learned::LearnedRouter;
pub use rules::{confidence, RuleRouter};
pub use taxonomy::{Department, Names, Phrases, RegexTerm, Taxonomy, TermGroup, DEFAULT_TAXONOMY};

use crate::error::{Error, Result};
use crate::phrases::{PhraseHit, PhraseList};
use crate::segment::{Normalized, Normalizer};
use crate::types::{Lang, Tokens};

/// What a router sees of a record, or of one clause of it.
#[derive(Debug, Clone)]
pub struct RouteInput<'a> {
    /// The normalised text, with its way back to the original.
    pub normalized: &'a Normalized<'a>,
    /// The byte range of the normalised text to route: all of it for a record, one clause
    /// for an aspect.
    pub span: Range<usize>,
    /// The tokens of that range.
    pub tokens: &'a Tokens,
    /// Its language.
    pub lang: Lang,
    /// The matches of the router's [`phrases`](Router::phrases) in `span`, when the caller
    /// found them already (an engine scans a record once for every stage's
    /// phrases); `None` and the router finds them itself.
    pub phrases: Option<&'a [PhraseHit]>,
}

/// One department's claim on a record.
#[derive(Debug, Clone, PartialEq)]
pub struct DepartmentScore {
    /// Index into [`Router::departments`].
    pub department: usize,
    /// Confidence in [0, 1].
    pub confidence: f32,
    /// Spans of the original text that point at the department.
    pub evidence: Vec<Range<usize>>,
}

/// The routing stage.
///
/// An [`Engine`](crate::Engine) holds one as `Arc<dyn Router>`: the taxonomy's rules
/// ([`RuleRouter`]), a learned router over the rules' scores ([`LearnedRouter`]), or one of
/// your own ([`EngineBuilder::router`](crate::EngineBuilder::router)).
pub trait Router: Send + Sync + std::fmt::Debug {
    /// The department ids, in order of precedence for ties.
    fn departments(&self) -> &[String];

    /// The phrase list the router reads, for the engine to find in its one scan of each
    /// record and pass as [`RouteInput::phrases`]; `None` (the default) for a router that
    /// reads none.
    fn phrases(&self) -> Option<&PhraseList> {
        None
    }

    /// Appends the departments with any claim on the record to `out`.
    fn route(&self, input: &RouteInput<'_>, out: &mut Vec<DepartmentScore>);
}

/// The owning department of a record.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Routing {
    /// Department id.
    pub id: Arc<str>,
    /// Confidence in [0, 1]; 0 for the fallback department when nothing matched.
    pub confidence: f32,
    /// Spans of the original text that point at it.
    pub evidence: Vec<Range<usize>>,
    /// Other departments the record concerns, with their confidence.
    pub secondary: Vec<(Arc<str>, f32)>,
    /// Whether nothing placed the record and it went to `route.fallback`.
    pub fallback: bool,
}

/// Configuration of routing.
///
/// ```toml
/// [route]
/// taxonomy = "taxonomy.toml"     # default: the shipped one (`fankui init` writes it out)
/// model = "route.fkm"            # optional: a learned router from `fankui train route`
/// fallback = "customer_service"  # owner when nothing matches; "" leaves such records unrouted
/// fallback_model = "fb.fkr"      # a learned router tried before the fallback ("" for none;
///                                # default: the shipped one, with the shipped taxonomy)
/// fallback_min = 0.7             # least probability of the fallback model's department
/// min_confidence = 0.3           # a department needs this much to own a record
/// secondary_ratio = 0.5          # others within this ratio of the owner are secondary
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RouteConfig {
    /// Taxonomy file; the shipped one when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub taxonomy: Option<PathBuf>,
    /// A learned router combined with the rules.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<PathBuf>,
    /// The owner of complaints, suggestions and questions nothing points at; empty for none.
    pub fallback: String,
    /// A learned router (`fankui train route`) for what the rules leave unplaced, tried
    /// before `fallback`; an empty path for none. Absent: the shipped one
    /// (`models/route/fallback.fkr`) when the taxonomy is the shipped one, else none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fallback_model: Option<PathBuf>,
    /// Least probability of the fallback model's best department for it to own a record.
    pub fallback_min: f32,
    /// Least confidence of an owner.
    pub min_confidence: f32,
    /// Secondary owners need this share of the owner's confidence.
    pub secondary_ratio: f32,
}

impl Default for RouteConfig {
    fn default() -> Self {
        RouteConfig {
            taxonomy: None,
            model: None,
            fallback: "customer_service".into(),
            fallback_model: None,
            fallback_min: 0.7,
            min_confidence: 0.3,
            secondary_ratio: 0.5,
        }
    }
}

impl RouteConfig {
    pub(crate) fn validate(&self) -> std::result::Result<(), String> {
        if !(0.0..=1.0).contains(&self.min_confidence) {
            return Err(format!(
                "route.min_confidence must be in [0, 1], found {}",
                self.min_confidence
            ));
        }
        if !(0.0..=1.0).contains(&self.fallback_min) {
            return Err(format!(
                "route.fallback_min must be in [0, 1], found {}",
                self.fallback_min
            ));
        }
        if !(0.0..=1.0).contains(&self.secondary_ratio) {
            return Err(format!(
                "route.secondary_ratio must be in [0, 1], found {}",
                self.secondary_ratio
            ));
        }
        Ok(())
    }

    pub(crate) fn resolve_paths(&mut self, base: &std::path::Path) {
        for path in [
            &mut self.taxonomy,
            &mut self.model,
            &mut self.fallback_model,
        ]
        .into_iter()
        .flatten()
        {
            if path.is_relative() && !path.as_os_str().is_empty() {
                *path = base.join(&*path);
            }
        }
    }

    /// The taxonomy in use.
    ///
    /// # Errors
    ///
    /// The taxonomy file cannot be read or is invalid.
    pub fn load_taxonomy(&self) -> Result<Taxonomy> {
        match &self.taxonomy {
            Some(path) => Taxonomy::from_path(path),
            None => Ok(Taxonomy::shipped()),
        }
    }

    /// Builds the router.
    ///
    /// # Errors
    ///
    /// An invalid taxonomy or model, or a fallback that is not a department of the taxonomy.
    pub fn build(&self, normalizer: &dyn Normalizer) -> Result<Arc<RuleRouter>> {
        self.build_with(&self.load_taxonomy()?, normalizer)
    }

    /// Builds the router from `taxonomy` (instead of [`RouteConfig::taxonomy`]).
    ///
    /// # Errors
    ///
    /// An invalid taxonomy, or a fallback that is not a department of it.
    pub fn build_with(
        &self,
        taxonomy: &Taxonomy,
        normalizer: &dyn Normalizer,
    ) -> Result<Arc<RuleRouter>> {
        let fail = |message: String| Error::Config {
            path: self.taxonomy.clone(),
            message,
        };
        if !self.fallback.is_empty() && taxonomy.department(&self.fallback).is_none() {
            return Err(fail(format!(
                "route.fallback `{}` is not a department of the taxonomy",
                self.fallback
            )));
        }
        let rules = RuleRouter::new(taxonomy, normalizer)
            .map_err(|e| e.in_file(self.taxonomy.as_deref()))?;
        Ok(Arc::new(rules))
    }

    /// Sorts `scores`, most confident first (ties in taxonomy order), and returns how many
    /// of them own the record: the owner and the secondary owners, or 0 when none reaches
    /// `min_confidence`.
    pub fn owners(&self, scores: &mut [DepartmentScore]) -> usize {
        scores.sort_by(|a, b| {
            b.confidence
                .total_cmp(&a.confidence)
                .then(a.department.cmp(&b.department))
        });
        match scores.first() {
            Some(top) if top.confidence >= self.min_confidence && top.confidence > 0.0 => {
                let bar = (top.confidence * self.secondary_ratio).max(self.min_confidence);
                1 + scores[1..]
                    .iter()
                    .take_while(|s| s.confidence >= bar)
                    .count()
            }
            _ => 0,
        }
    }

    /// The owner and secondary owners among `scores` (indices into `ids`), or the fallback.
    #[must_use]
    pub fn select(&self, ids: &[Arc<str>], scores: &mut [DepartmentScore]) -> Option<Routing> {
        match self.owners(scores) {
            0 if self.fallback.is_empty() => None,
            0 => Some(Routing {
                id: ids
                    .iter()
                    .find(|id| ***id == *self.fallback)
                    .map_or_else(|| Arc::from(self.fallback.as_str()), Arc::clone),
                confidence: 0.0,
                evidence: Vec::new(),
                secondary: Vec::new(),
                fallback: true,
            }),
            n => Some(Routing {
                id: Arc::clone(&ids[scores[0].department]),
                confidence: scores[0].confidence,
                evidence: std::mem::take(&mut scores[0].evidence),
                secondary: scores[1..n]
                    .iter()
                    .map(|s| (Arc::clone(&ids[s.department]), s.confidence))
                    .collect(),
                fallback: false,
            }),
        }
    }
}
