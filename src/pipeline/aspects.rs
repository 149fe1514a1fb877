//! Aspects: a record's clauses, each with its own sentiment, kind and department, and how they
//! decide the record's kind and owner.
//!
//! "披萨味道一流，分量很足，就是服务员一直不理人" praises the food twice and complains about the
//! staff once. Read as one text it is praise and nobody owns it. Read by clause
//! ([`split_clauses`](crate::segment::split_clauses)) it is a complaint owned by
//! customer_service, which also praises product: the record's kind is the most actionable
//! kind a clause carries, its owner the department of the most negative clause of that kind,
//! and the departments of its other actionable clauses are secondary.
//!
//! A clause is scored from the record's own analysis: its sentiment from the features the
//! record's tokens emitted ([`SentimentModel::score_clauses`]), its kind and departments from
//! the phrases the record's one scan found inside it.
//!
//! [`SentimentModel::score_clauses`]: crate::sentiment::SentimentModel::score_clauses

use std::cell::RefCell;
use std::ops::Range;
use std::sync::Arc;

use super::{with_scratch, Engine, Prepared};
use crate::kind::{Kind, KindInput};
use crate::phrases::PhraseHit;
use crate::route::{DepartmentScore, RouteInput, Router, Routing};
use crate::segment::Clause;
use crate::sentiment::Sentiment;
use crate::types::Tokens;

/// One clause of a record that carries an opinion or a request.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Aspect {
    /// Its span in the record's text (bytes).
    pub span: Range<usize>,
    /// What the clause is.
    pub kind: Kind,
    /// The clause's sentiment.
    pub sentiment: Sentiment,
    /// The department the clause names, if any (for praise too: whose work is praised).
    pub department: Option<Arc<str>>,
    /// The confidence of that department, 0 without one.
    pub confidence: f32,
    /// Spans of the record's text that point at the department.
    pub evidence: Vec<Range<usize>>,
}

impl Aspect {
    /// Whether the clause carries an opinion or a request, or names a department: what
    /// `aspects` lists.
    pub(crate) fn says_something(&self) -> bool {
        self.kind != Kind::Other || self.department.is_some()
    }
}

/// How much a department needs to act on a kind: lower is more.
pub(crate) fn actionability(kind: Kind) -> u8 {
    match kind {
        Kind::Complaint => 0,
        Kind::Suggestion => 1,
        Kind::Question => 2,
        Kind::Praise => 3,
        Kind::Other => 4,
    }
}

/// The normalised span of a clause, with its punctuation (a question mark makes a question).
fn clause_span(p: &Prepared<'_>, clause: &Clause) -> Range<usize> {
    let end = p.tokens.as_slice()[clause.tokens.end - 1].end;
    p.norm.normalized_offset(clause.span.start)..p.norm.normalized_offset(end)
}

/// The hits of `hits` (sorted by where they start) that start inside `span`.
fn within<'h>(hits: Option<&'h [PhraseHit]>, span: &Range<usize>) -> Option<&'h [PhraseHit]> {
    hits.map(|hits| {
        let from = hits.partition_point(|h| h.span().start < span.start);
        let to = hits.partition_point(|h| h.span().start < span.end);
        &hits[from..to.max(from)]
    })
}

impl Engine {
    /// Whether the kind model is the engine's rules themselves (no learned or custom model).
    fn kind_is_rules(&self) -> bool {
        std::ptr::addr_eq(
            Arc::as_ptr(&self.inner.kind),
            Arc::as_ptr(&self.inner.rule_kind),
        )
    }

    /// The aspects of a record with more than one clause: each clause's kind, sentiment and
    /// best department; clauses with none of these (kind `other`, no department) are left out.
    ///
    /// `cues` and `taxonomy` are the record's hits, sorted by where they start.
    pub(super) fn clause_aspects(
        &self,
        p: &Prepared<'_>,
        cues: Option<&[PhraseHit]>,
        taxonomy: Option<&[PhraseHit]>,
    ) -> Vec<Aspect> {
        thread_local! {
            // A clause's tokens and department scores, reused from record to record.
            static SCRATCH: RefCell<(Tokens, Vec<DepartmentScore>)> = RefCell::default();
        }
        with_scratch(&SCRATCH, |(tokens, scores)| {
            self.clause_aspects_with(p, cues, taxonomy, tokens, scores)
        })
    }

    /// [`clause_aspects`](Self::clause_aspects) with buffers for a clause's tokens and
    /// department scores.
    fn clause_aspects_with(
        &self,
        p: &Prepared<'_>,
        cues: Option<&[PhraseHit]>,
        taxonomy: Option<&[PhraseHit]>,
        tokens: &mut Tokens,
        scores: &mut Vec<DepartmentScore>,
    ) -> Vec<Aspect> {
        let mut aspects = Vec::with_capacity(p.clauses.len());
        for (clause, &score) in p.clauses.iter().zip(&p.clause_scores) {
            let sentiment = self.sentiment_of(score);
            let span = clause_span(p, clause);
            tokens.set_to_range_of(&p.tokens, clause.tokens.clone());
            let cues = within(cues, &span);
            let input = KindInput {
                normalized: &p.norm,
                span: span.clone(),
                tokens,
                lang: p.lang,
                sentiment,
                cues,
            };
            // The rules' scores, read once when the rules are the kind model too.
            let (mut kind, rule_scores) = if self.kind_is_rules() {
                let (kind, scores) = self.inner.rule_kind.kind_with_scores(&input);
                (kind, Some(scores))
            } else {
                (self.inner.kind.kind(&input), None)
            };
            // One clause of many complains only with more evidence than a whole text needs,
            // unless it turns against what came before.
            if kind == Kind::Complaint
                && !clause.turn
                && rule_scores
                    .unwrap_or_else(|| self.inner.rule_kind.scores(&input))
                    .complaint
                    < self.inner.config.kind.clause_threshold
            {
                kind = Kind::Other;
            }
            let phrases = within(taxonomy, &span);
            scores.clear();
            self.inner.router.route(
                &RouteInput {
                    normalized: &p.norm,
                    span,
                    tokens,
                    lang: p.lang,
                    phrases,
                },
                scores,
            );
            let mut aspect = self.aspect(clause.span.clone(), kind, sentiment, scores);
            // A clause that turns against praise ("…，可惜服务员太凶", "…, but the app logs me
            // out") complains unless it is itself positive.
            let band = self.inner.config.sentiment.neutral_band();
            let after_praise = aspects
                .last()
                .is_some_and(|a: &Aspect| a.kind == Kind::Praise);
            if clause.turn
                && aspect.kind == Kind::Other
                && (sentiment.score < 0.0 || (after_praise && sentiment.score < band))
            {
                aspect.kind = Kind::Complaint;
            }
            if aspect.says_something() {
                aspects.push(aspect);
            }
        }
        aspects
    }

    /// An aspect of `span` with its department from `scores` (which it sorts).
    pub(super) fn aspect(
        &self,
        span: Range<usize>,
        kind: Kind,
        sentiment: Sentiment,
        scores: &mut [DepartmentScore],
    ) -> Aspect {
        let owners = self.inner.config.route.owners(scores);
        let top = scores.first_mut().filter(|_| owners > 0);
        Aspect {
            span,
            kind,
            sentiment,
            department: top
                .as_ref()
                .map(|s| Arc::clone(&self.inner.department_ids[s.department])),
            confidence: top.as_ref().map_or(0.0, |s| s.confidence),
            evidence: top
                .map(|s| std::mem::take(&mut s.evidence))
                .unwrap_or_default(),
        }
    }

    /// The owner of a record of kind `kind` from its aspects, and the index of the aspect
    /// that leads: the most negative aspect of that kind (of any actionable kind when none
    /// has it; of any but praise when none is actionable). Among the aspects of the lead's
    /// kind, the department with the most weight owns the record (each aspect weighs its
    /// negativity plus 0.25, times its department's confidence: two complaints about the staff
    /// outweigh one about the food); when none of them names one, the nearest aspect to the
    /// lead with a department that is not praise; then the fallback. The other actionable
    /// aspects' departments are secondary.
    pub(super) fn owner_of(
        &self,
        aspects: &[Aspect],
        kind: Kind,
    ) -> (Option<Routing>, Option<usize>) {
        let pick = |keep: &dyn Fn(&Aspect) -> bool| {
            aspects
                .iter()
                .enumerate()
                .filter(|(_, a)| keep(a))
                .min_by(|(i, a), (j, b)| {
                    a.sentiment
                        .score
                        .total_cmp(&b.sentiment.score)
                        .then(i.cmp(j))
                })
                .map(|(i, _)| i)
        };
        let lead = pick(&|a| a.kind == kind)
            .or_else(|| pick(&|a| a.kind.needs_owner()))
            .or_else(|| pick(&|a| a.kind != Kind::Praise));
        // A clause of the lead's kind that names the heaviest department; else the nearest
        // clause to the lead that names one without praising it ("这家店的服务员，态度太差了").
        let placed = lead.and_then(|l| {
            let lead_kind = aspects[l].kind;
            // The department whose clauses of the lead's kind weigh most, each clause by its
            // negativity (a little for any) times its department's confidence.
            let weight = |d: &Arc<str>| -> f32 {
                aspects
                    .iter()
                    .filter(|b| b.kind == lead_kind && b.department.as_ref() == Some(d))
                    .map(|b| ((-b.sentiment.score).max(0.0) + 0.25) * b.confidence)
                    .sum()
            };
            let mut heaviest: Option<(f32, usize)> = None;
            for (i, a) in aspects.iter().enumerate() {
                if let Some(d) = a.department.as_ref().filter(|_| a.kind == lead_kind) {
                    let w = weight(d);
                    if heaviest.is_none_or(|(best, _)| w > best) {
                        heaviest = Some((w, i));
                    }
                }
            }
            heaviest.map(|(_, i)| i).or_else(|| {
                (1..aspects.len()).find_map(|d| {
                    [l.checked_sub(d), Some(l + d)]
                        .into_iter()
                        .flatten()
                        .filter(|&i| i < aspects.len())
                        .find(|&i| {
                            aspects[i].department.is_some() && aspects[i].kind != Kind::Praise
                        })
                })
            })
        });
        let Some((a, id)) =
            placed.and_then(|o| Some((&aspects[o], aspects[o].department.clone()?)))
        else {
            let fallback = self
                .inner
                .config
                .route
                .select(&self.inner.department_ids, &mut []);
            return (fallback, lead);
        };
        let mut secondary: Vec<(Arc<str>, f32)> = Vec::new();
        for other in aspects {
            if let Some(d) = &other.department {
                if other.kind.needs_owner() && **d != *id && !secondary.iter().any(|(s, _)| s == d)
                {
                    secondary.push((Arc::clone(d), other.confidence));
                }
            }
        }
        let routing = Routing {
            id,
            confidence: a.confidence,
            evidence: a.evidence.clone(),
            secondary,
            fallback: false,
        };
        (Some(routing), lead)
    }

    /// The owner the fallback model gives a record that the rules left unplaced: its best
    /// department for the leading clause (the whole text when there is one clause), when its
    /// probability reaches `route.fallback_min`.
    pub(super) fn learned_owner(
        &self,
        p: &Prepared<'_>,
        lead: Option<&Aspect>,
        taxonomy: Option<&[PhraseHit]>,
    ) -> Option<Routing> {
        let model = self.inner.fallback_router.as_ref()?;
        let clause = lead.and_then(|a| p.clauses.iter().find(|c| c.span == a.span));
        let (span, tokens) = match clause {
            Some(c) if p.clauses.len() > 1 => (
                clause_span(p, c),
                std::borrow::Cow::Owned(p.tokens.slice(c.tokens.clone())),
            ),
            _ => (
                0..p.norm.text().len(),
                std::borrow::Cow::Borrowed(&p.tokens),
            ),
        };
        let mut scores = Vec::new();
        model.route(
            &RouteInput {
                normalized: &p.norm,
                phrases: within(taxonomy, &span),
                span,
                tokens: &tokens,
                lang: p.lang,
            },
            &mut scores,
        );
        let best = scores
            .into_iter()
            .max_by(|a, b| a.confidence.total_cmp(&b.confidence))?;
        if best.confidence < self.inner.config.route.fallback_min {
            return None;
        }
        let name = model.departments().get(best.department)?;
        let id = self
            .inner
            .department_ids
            .iter()
            .find(|d| ***d == **name)
            .map_or_else(|| Arc::from(name.as_str()), Arc::clone);
        Some(Routing {
            id,
            confidence: best.confidence,
            evidence: best.evidence,
            secondary: Vec::new(),
            fallback: false,
        })
    }
}
