//! Training the linear sentiment model: hashed features, the solver of [`crate::learn`]
//! (NB-weighted logistic regression), model selection, calibration, the neutral band.
//!
//! Everything is deterministic for a seed: features are extracted in parallel but kept in
//! input order, the candidates of the model selection run in parallel but independently.

use std::time::Instant;

use rayon::prelude::*;
use serde::Serialize;

use super::data::Example;
use super::linear::{LinearModel, ModelHeader, FORMAT_VERSION};
use super::SentimentLabel;
use crate::error::{Error, Result};
use crate::learn::{self, extract, Calibration, FeatureSpec, Negators, Solver, SparseDoc};
use crate::types::Lang;
use crate::Engine;

/// How to train.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrainOptions {
    /// The features.
    pub features: FeatureSpec,
    /// Seed of every random choice (held-out split, solver order).
    pub seed: u64,
    /// Inverse regularisation strengths to choose from.
    pub c_grid: Vec<f64>,
    /// NB weighting: `Some(x)` fixes it, `None` chooses on held-out data.
    pub nb: Option<bool>,
    /// Share of the training texts held out for selection and calibration when no
    /// development set is given.
    pub holdout: f64,
    /// Most passes of the solver over the data.
    pub max_passes: u32,
    /// The solver stops when no dual variable's projected gradient exceeds this.
    pub tolerance: f64,
}

impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions {
            features: FeatureSpec::default(),
            seed: 42,
            c_grid: vec![4.0, 8.0, 16.0, 32.0, 64.0],
            nb: Some(true),
            holdout: 0.1,
            max_passes: 15,
            tolerance: 0.1,
        }
    }
}

/// What training did and found.
#[derive(Debug, Clone, Serialize)]
pub struct TrainReport {
    /// Texts trained on, by label.
    pub train_counts: LabelCounts,
    /// Texts used to choose the settings and calibrate, by label.
    pub selection_counts: LabelCounts,
    /// Where the selection texts came from: `"dev"` or `"holdout"`.
    pub selection_source: &'static str,
    /// Every candidate tried, with its accuracy on the selection texts.
    pub candidates: Vec<Candidate>,
    /// The chosen one.
    pub chosen: Candidate,
    /// The calibration fitted on the selection texts.
    pub calibration: Calibration,
    /// The neutral band fitted when the selection texts have neutral ones.
    pub neutral_band: Option<f32>,
    /// Seconds spent extracting features.
    pub feature_seconds: f64,
    /// Seconds spent in the solver and selection.
    pub solver_seconds: f64,
}

/// Counts by label.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct LabelCounts {
    /// Negative texts.
    pub negative: usize,
    /// Neutral texts.
    pub neutral: usize,
    /// Positive texts.
    pub positive: usize,
}

impl LabelCounts {
    fn of<'a>(labels: impl IntoIterator<Item = &'a SentimentLabel>) -> Self {
        let mut c = LabelCounts::default();
        for l in labels {
            match l {
                SentimentLabel::Negative => c.negative += 1,
                SentimentLabel::Neutral => c.neutral += 1,
                SentimentLabel::Positive => c.positive += 1,
            }
        }
        c
    }
}

/// One setting tried in model selection.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Candidate {
    /// Inverse regularisation strength.
    pub c: f64,
    /// NB weighting.
    pub nb: bool,
    /// Accuracy on the selection texts (positive vs negative).
    pub accuracy: f64,
    /// Solver passes.
    pub passes: u32,
}

/// A text as the solver sees it.
#[derive(Debug, Clone)]
struct Doc {
    features: SparseDoc,
    label: SentimentLabel,
    lang: Lang,
}

fn featurize(engine: &Engine, spec: &FeatureSpec, examples: &[Example]) -> Vec<Doc> {
    let negators = Negators::shipped();
    engine.map(examples, |ex| {
        let (lang, _) = engine.detect(&ex.text);
        let tokens = engine.segment(&ex.text);
        let mut buckets = Vec::new();
        extract(spec, &tokens, negators, |_, b| buckets.push(b));
        Doc {
            features: SparseDoc::from_buckets(buckets),
            label: ex.label,
            lang,
        }
    })
}

/// Fits positive against negative on `docs` (no neutral ones).
fn fit(docs: &[&Doc], dim: usize, c: f64, nb: bool, options: &TrainOptions) -> learn::Weights {
    let features: Vec<&SparseDoc> = docs.iter().map(|d| &d.features).collect();
    let positive: Vec<bool> = docs
        .iter()
        .map(|d| d.label == SentimentLabel::Positive)
        .collect();
    let solver = Solver {
        c,
        nb,
        max_passes: options.max_passes,
        tolerance: options.tolerance,
        seed: options.seed,
    };
    learn::fit(&features, &positive, dim, solver)
}

/// Trains a linear model on `train`; `dev`, when given, chooses the settings and fits the
/// calibration, otherwise a stratified `holdout` share of `train` does and the final model is
/// refitted on all of `train`. Neutral texts never enter the regression: they only fit the
/// neutral band.
///
/// # Errors
///
/// [`Error::Config`] when the training texts lack positive or negative examples or the
/// options are out of range.
pub fn train(
    engine: &Engine,
    train: &[Example],
    dev: Option<&[Example]>,
    options: &TrainOptions,
) -> Result<(LinearModel, TrainReport)> {
    let bad = |message: String| Error::Config {
        path: None,
        message,
    };
    options.features.validate().map_err(bad)?;
    if options.c_grid.is_empty() || options.c_grid.iter().any(|c| !(*c > 0.0 && c.is_finite())) {
        return Err(bad("the C grid must be positive numbers".into()));
    }
    if !(options.holdout > 0.0 && options.holdout < 0.5) {
        return Err(bad(format!(
            "the held-out share must be in (0, 0.5), found {}",
            options.holdout
        )));
    }
    let counts = LabelCounts::of(train.iter().map(|e| &e.label));
    if counts.positive == 0 || counts.negative == 0 {
        return Err(bad(format!(
            "training needs positive and negative texts; found {} positive, {} negative",
            counts.positive, counts.negative
        )));
    }
    let started = Instant::now();
    let docs = featurize(engine, &options.features, train);
    let dev_docs = dev.map(|d| featurize(engine, &options.features, d));
    let feature_seconds = started.elapsed().as_secs_f64();
    let started = Instant::now();

    let all: Vec<usize> = (0..docs.len()).collect();
    let (fit_idx, sel_docs): (Vec<usize>, Vec<&Doc>) = match &dev_docs {
        Some(d) => (all, d.iter().collect()),
        None => {
            let labels: Vec<SentimentLabel> = docs.iter().map(|d| d.label).collect();
            let held = learn::stratified_holdout(
                &labels,
                &SentimentLabel::ALL,
                options.holdout,
                options.seed,
            );
            let mut is_held = vec![false; docs.len()];
            held.iter().for_each(|&i| is_held[i] = true);
            let fit = all.iter().copied().filter(|&i| !is_held[i]).collect();
            (fit, held.iter().map(|&i| &docs[i]).collect())
        }
    };
    let fit_docs: Vec<&Doc> = fit_idx
        .iter()
        .map(|&i| &docs[i])
        .filter(|d| d.label != SentimentLabel::Neutral)
        .collect();
    let dim = options.features.buckets();
    let polar_sel = sel_docs
        .iter()
        .filter(|d| d.label != SentimentLabel::Neutral)
        .count();

    let nb_choices: Vec<bool> = match options.nb {
        Some(x) => vec![x],
        None => vec![true, false],
    };
    let grid: Vec<(bool, f64)> = nb_choices
        .iter()
        .flat_map(|&nb| options.c_grid.iter().map(move |&c| (nb, c)))
        .collect();
    // Each candidate keeps only its scores on the selection texts, not its weights (2^bits
    // numbers each); the chosen one is refitted.
    let fitted: Vec<(Candidate, Vec<f64>)> = grid
        .par_iter()
        .map(|&(nb, c)| {
            let weights = fit(&fit_docs, dim, c, nb, options);
            let scores: Vec<f64> = sel_docs.iter().map(|d| weights.raw(&d.features)).collect();
            let correct = sel_docs
                .iter()
                .zip(&scores)
                .filter(|(d, _)| d.label != SentimentLabel::Neutral)
                .filter(|(d, &z)| (z >= 0.0) == (d.label == SentimentLabel::Positive))
                .count();
            let accuracy = correct as f64 / polar_sel.max(1) as f64;
            let candidate = Candidate {
                c,
                nb,
                accuracy,
                passes: weights.passes,
            };
            (candidate, scores)
        })
        .collect();
    // Best accuracy; ties go to the earlier candidate (NB first, smaller C first).
    let best = fitted.iter().enumerate().fold(0, |b, (i, (c, _))| {
        if c.accuracy > fitted[b].0.accuracy {
            i
        } else {
            b
        }
    });
    let chosen = fitted[best].0;
    let candidates: Vec<Candidate> = fitted.iter().map(|(c, _)| *c).collect();
    let scores: Vec<(f64, SentimentLabel)> = fitted[best]
        .1
        .iter()
        .zip(&sel_docs)
        .map(|(&z, d)| (z, d.label))
        .collect();
    let calibration = platt(&scores);
    let neutral_band = fit_neutral_band(&scores, calibration);

    // With a development set the model is the chosen candidate (trained on all of `train`);
    // with a held-out share it is refitted on everything.
    let final_docs: Vec<&Doc> = match dev_docs {
        Some(_) => fit_docs,
        None => docs
            .iter()
            .filter(|d| d.label != SentimentLabel::Neutral)
            .collect(),
    };
    let final_weights = fit(&final_docs, dim, chosen.c, chosen.nb, options);
    let solver_seconds = started.elapsed().as_secs_f64();

    let mut seen = vec![0u64; dim.div_ceil(64)];
    let mut languages: Vec<(Lang, u64)> = Vec::new();
    for d in &docs {
        for &b in &d.features.index {
            seen[b as usize / 64] |= 1 << (b % 64);
        }
        match languages.iter_mut().find(|(l, _)| *l == d.lang) {
            Some((_, n)) => *n += 1,
            None => languages.push((d.lang, 1)),
        }
    }
    languages.sort_by_key(|&(l, _)| l.as_str());
    let header = ModelHeader {
        format_version: FORMAT_VERSION,
        features: options.features,
        bias: final_weights.bias as f32,
        calibration,
        languages,
        neutral_band,
    };
    let model = LinearModel::new(header, final_weights.folded(), seen);
    let report = TrainReport {
        train_counts: counts,
        selection_counts: LabelCounts::of(sel_docs.iter().map(|d| &d.label)),
        selection_source: if dev.is_some() { "dev" } else { "holdout" },
        candidates,
        chosen,
        calibration,
        neutral_band,
        feature_seconds,
        solver_seconds,
    };
    Ok((model, report))
}

/// Platt scaling on the positive and negative texts among (raw score, label) pairs.
fn platt(scores: &[(f64, SentimentLabel)]) -> Calibration {
    let polar: Vec<(f64, bool)> = scores
        .iter()
        .filter(|(_, l)| *l != SentimentLabel::Neutral)
        .map(|&(z, l)| (z, l == SentimentLabel::Positive))
        .collect();
    learn::platt(&polar)
}

/// The symmetric band around 0 on the calibrated score (`2p − 1`) that gives the best
/// macro-F1 over three classes, when there are neutral texts to fit it on.
fn fit_neutral_band(scores: &[(f64, SentimentLabel)], cal: Calibration) -> Option<f32> {
    if !scores.iter().any(|(_, l)| *l == SentimentLabel::Neutral) {
        return None;
    }
    let calibrated: Vec<(f32, SentimentLabel)> = scores
        .iter()
        .map(|&(z, l)| (2.0 * cal.probability(z as f32) - 1.0, l))
        .collect();
    (0..50)
        .map(|k| k as f32 * 0.02)
        .map(|band| {
            let f1 = learn::macro_f1(
                3,
                calibrated
                    .iter()
                    .map(|&(s, l)| (l as usize, SentimentLabel::from_score(s, band) as usize)),
            );
            (band, f1)
        })
        .fold(None, |best: Option<(f32, f64)>, (band, f1)| match best {
            Some((_, b)) if b >= f1 => best,
            _ => Some((band, f1)),
        })
        .map(|(band, _)| band)
}

/// Assigns each item to one of `k` folds, stratified by label, shuffled with `seed`.
pub fn stratified_folds(labels: &[SentimentLabel], k: usize, seed: u64) -> Vec<usize> {
    learn::stratified_folds(labels, &SentimentLabel::ALL, k, seed)
}
