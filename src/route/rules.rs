//! Routing by the taxonomy's phrases: one automaton over every department's phrases.

use std::ops::Range;

use regex::{Regex, RegexSet};

use super::taxonomy::Taxonomy;
use super::{DepartmentScore, RouteInput, Router};
use crate::error::{Error, Result};
use crate::phrases::{PhraseHit, PhraseList, PhraseSet};
use crate::segment::{Normalized, Normalizer};

/// What a phrase does for a department.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Effect {
    Adds(f32),
    Hides,
}

/// Routes by weighted phrase matches: a department's score is the sum of the weights of the
/// distinct phrases found (each counted once), its confidence `1 − e^(−score/2)` (a weight-3
/// phrase alone gives 0.78, weight 1 gives 0.39).
#[derive(Debug, Clone)]
pub struct RuleRouter {
    ids: Vec<String>,
    phrases: PhraseSet<(usize, Effect)>,
    regexes: Vec<(usize, Regex, f32)>,
    /// All of `regexes` in one automaton: a text none of them matches (nearly every text)
    /// is told so in one search rather than one per regex. `None` when together they are
    /// over the regex crate's size limit; then each is searched.
    any_regex: Option<RegexSet>,
}

/// Confidence of a rule score.
#[must_use]
pub fn confidence(score: f32) -> f32 {
    1.0 - (-score / 2.0).exp()
}

impl RuleRouter {
    /// Compiles a taxonomy; phrases go through `normalizer` as texts do.
    ///
    /// # Errors
    ///
    /// [`Error::Regex`] naming the department of a regex that does not compile,
    /// [`Error::Phrase`] naming a phrase that cannot be compiled, [`Error::TooManyPhrases`]
    /// when the phrases are too many for one automaton.
    pub fn new(taxonomy: &Taxonomy, normalizer: &dyn Normalizer) -> Result<Self> {
        let mut list = Vec::new();
        let mut regexes = Vec::new();
        for (d, dept) in taxonomy.departments.iter().enumerate() {
            for group in &dept.terms {
                for p in group.zh.iter().chain(&group.en) {
                    list.push((p.trim().to_owned(), (d, Effect::Adds(group.weight))));
                }
            }
            for p in dept.negative.zh.iter().chain(&dept.negative.en) {
                list.push((p.trim().to_owned(), (d, Effect::Hides)));
            }
            for (i, r) in dept.regex.iter().enumerate() {
                let re = Regex::new(&r.pattern).map_err(|source| Error::Regex {
                    path: None,
                    department: dept.id.clone(),
                    index: i + 1,
                    source,
                })?;
                regexes.push((d, re, r.weight));
            }
        }
        let phrases = PhraseSet::new(list, normalizer).map_err(|e| e.in_list("taxonomy"))?;
        let any_regex = RegexSet::new(regexes.iter().map(|(_, re, _)| re.as_str())).ok();
        Ok(RuleRouter {
            ids: taxonomy.departments.iter().map(|d| d.id.clone()).collect(),
            phrases,
            regexes,
            any_regex,
        })
    }

    /// The taxonomy's phrases, as written.
    pub fn phrase_texts(&self) -> impl Iterator<Item = &str> + '_ {
        (0..self.phrases.len()).map(|i| self.phrases.pattern(i))
    }

    /// Each department's score and evidence (spans of the normalised text), in taxonomy
    /// order; departments with nothing found are left out.
    #[must_use]
    pub fn scores(&self, normalized: &str) -> Vec<(usize, f32, Vec<Range<usize>>)> {
        let mut hits: Vec<PhraseHit> = Vec::new();
        self.phrases.find(normalized, &mut hits);
        self.scores_of(normalized, 0..normalized.len(), &hits)
    }

    /// [`scores`](Self::scores) of the byte range `span` of `normalized`, from the phrases
    /// found in it (`hits`).
    pub(crate) fn scores_of(
        &self,
        normalized: &str,
        span: Range<usize>,
        hits: &[PhraseHit],
    ) -> Vec<(usize, f32, Vec<Range<usize>>)> {
        let mut out: Vec<(usize, f32, Vec<Range<usize>>)> = Vec::new();
        let hidden: Vec<(usize, Range<usize>)> = hits
            .iter()
            .filter_map(|h| match self.phrases.payload(h.phrase) {
                (d, Effect::Hides) => Some((*d, h.span())),
                _ => None,
            })
            .collect();
        let mut counted: Vec<usize> = Vec::new();
        for h in hits {
            let (d, effect) = *self.phrases.payload(h.phrase);
            let Effect::Adds(weight) = effect else {
                continue;
            };
            let span = h.span();
            if hidden
                .iter()
                .any(|(hd, r)| *hd == d && r.start < span.end && span.start < r.end)
            {
                continue;
            }
            let entry = match out.iter_mut().find(|(i, _, _)| *i == d) {
                Some(e) => e,
                None => {
                    out.push((d, 0.0, Vec::new()));
                    out.last_mut().expect("just pushed")
                }
            };
            if !counted.contains(&h.phrase) {
                counted.push(h.phrase);
                entry.1 += weight;
            }
            entry.2.extend(h.parts().iter().cloned());
        }
        let (offset, part) = match normalized.get(span.clone()) {
            Some(part) => (span.start, part),
            None => (0, normalized),
        };
        let regexes = if self.any_regex.as_ref().is_none_or(|set| set.is_match(part)) {
            &self.regexes[..]
        } else {
            &[]
        };
        for (d, re, weight) in regexes {
            if let Some(m) = re.find(part) {
                let range = m.start() + offset..m.end() + offset;
                match out.iter_mut().find(|(i, _, _)| i == d) {
                    Some(e) => {
                        e.1 += weight;
                        e.2.push(range);
                    }
                    None => out.push((*d, *weight, vec![range])),
                }
            }
        }
        out.sort_by_key(|(d, _, _)| *d);
        out
    }
}

impl RuleRouter {
    /// Each department's claim on a record, with its raw score: confidence and evidence as
    /// spans of the original text (in order, without repeats); taxonomy order.
    #[must_use]
    pub fn claims(&self, norm: &Normalized<'_>) -> Vec<(DepartmentScore, f32)> {
        let mut hits: Vec<PhraseHit> = Vec::new();
        self.phrases.find(norm.text(), &mut hits);
        self.claims_of(norm, 0..norm.text().len(), &hits)
    }

    /// [`claims`](Self::claims) of a router's input, with the phrases found already when it
    /// has them.
    #[must_use]
    pub fn claims_in(&self, input: &RouteInput<'_>) -> Vec<(DepartmentScore, f32)> {
        let span = input.span.clone();
        match input.phrases {
            Some(hits) => self.claims_of(input.normalized, span, hits),
            None => {
                let mut hits: Vec<PhraseHit> = Vec::new();
                self.phrases.find(input.normalized.text(), &mut hits);
                hits.retain(|h| span.contains(&h.span().start));
                self.claims_of(input.normalized, span, &hits)
            }
        }
    }

    /// [`claims`](Self::claims) of the range `span` of `norm` from the phrases found in it.
    fn claims_of(
        &self,
        norm: &Normalized<'_>,
        span: Range<usize>,
        hits: &[PhraseHit],
    ) -> Vec<(DepartmentScore, f32)> {
        self.scores_of(norm.text(), span, hits)
            .into_iter()
            .map(|(department, score, spans)| {
                let mut evidence: Vec<Range<usize>> =
                    spans.into_iter().map(|r| norm.original_span(r)).collect();
                evidence.sort_by_key(|r| (r.start, r.end));
                evidence.dedup();
                let claim = DepartmentScore {
                    department,
                    confidence: confidence(score),
                    evidence,
                };
                (claim, score)
            })
            .collect()
    }
}

impl Router for RuleRouter {
    fn departments(&self) -> &[String] {
        &self.ids
    }

    fn phrases(&self) -> Option<&PhraseList> {
        Some(self.phrases.list())
    }

    fn route(&self, input: &RouteInput<'_>, out: &mut Vec<DepartmentScore>) {
        out.extend(self.claims_in(input).into_iter().map(|(c, _)| c));
    }
}
