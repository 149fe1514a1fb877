//! Training the linear model: hashed features, NB weighting, L2-regularised logistic
//! regression by dual coordinate descent, model selection, calibration.
//!
//! The solver is the dual coordinate-descent method for logistic regression of Yu, Huang and
//! Lin (2011), the one LIBLINEAR uses; NB weighting follows Wang and Manning (2012): each
//! feature is scaled by the log-ratio of its smoothed frequencies in positive and negative
//! texts before the regression, and the scaling is folded into the saved weights, so scoring
//! stays one sum. Everything is deterministic for a seed: features are extracted in parallel
//! but kept in input order, the candidates of the model selection run in parallel but
//! independently.

use std::time::Instant;

use ndarray::Array1;
use rayon::prelude::*;
use serde::Serialize;

use super::cues::Cues;
use super::data::Example;
use super::features::{extract, FeatureSpec};
use super::linear::{Calibration, LinearModel, ModelHeader, FORMAT_VERSION};
use super::SentimentLabel;
use crate::error::{Error, Result};
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

/// A text as the solver sees it: sorted bucket indices and values.
#[derive(Debug, Clone)]
struct Doc {
    index: Vec<u32>,
    value: Vec<f32>,
    label: SentimentLabel,
    lang: Lang,
}

impl Doc {
    fn y(&self) -> f64 {
        if self.label == SentimentLabel::Positive {
            1.0
        } else {
            -1.0
        }
    }
}

fn featurize(engine: &Engine, spec: &FeatureSpec, examples: &[Example]) -> Vec<Doc> {
    let cues = Cues::shipped();
    engine.map(examples, |ex| {
        let (lang, _) = engine.detect(&ex.text);
        let tokens = engine.segment(&ex.text);
        let mut index = Vec::new();
        extract(spec, &tokens, cues, |b| index.push(b));
        let total = index.len().max(1) as f32;
        index.sort_unstable();
        let mut doc = Doc {
            index: Vec::with_capacity(index.len()),
            value: Vec::with_capacity(index.len()),
            label: ex.label,
            lang,
        };
        for b in index {
            if doc.index.last() == Some(&b) {
                if let Some(v) = doc.value.last_mut() {
                    *v += 1.0;
                }
            } else {
                doc.index.push(b);
                doc.value.push(1.0);
            }
        }
        let norm = total.sqrt().recip();
        doc.value.iter_mut().for_each(|v| *v *= norm);
        doc
    })
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
            let held = stratified_holdout(&labels, options.holdout, options.seed);
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
            let scores: Vec<f64> = sel_docs.iter().map(|d| weights.raw(d)).collect();
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
        for &b in &d.index {
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

/// Fitted weights before folding: `w` over scaled features, the NB ratios, the bias.
struct Weights {
    w: Vec<f64>,
    ratio: Option<Vec<f64>>,
    bias: f64,
    passes: u32,
}

impl Weights {
    fn raw(&self, d: &Doc) -> f64 {
        let mut z = self.bias;
        for (&j, &v) in d.index.iter().zip(&d.value) {
            let j = j as usize;
            let r = self.ratio.as_ref().map_or(1.0, |r| r[j]);
            z += self.w[j] * r * f64::from(v);
        }
        z
    }

    fn folded(&self) -> Array1<f32> {
        self.w
            .iter()
            .enumerate()
            .map(|(j, &w)| (w * self.ratio.as_ref().map_or(1.0, |r| r[j])) as f32)
            .collect()
    }
}

/// NB log-count ratios with add-one smoothing over binarised features.
fn nb_ratios(docs: &[&Doc], dim: usize) -> Vec<f64> {
    let mut pos = vec![0u32; dim];
    let mut neg = vec![0u32; dim];
    for d in docs {
        let counts = if d.label == SentimentLabel::Positive {
            &mut pos
        } else {
            &mut neg
        };
        for &j in &d.index {
            counts[j as usize] += 1;
        }
    }
    let total = |c: &[u32]| c.iter().map(|&x| f64::from(x)).sum::<f64>() + dim as f64;
    let (tp, tn) = (total(&pos), total(&neg));
    pos.iter()
        .zip(&neg)
        .map(|(&p, &n)| ((f64::from(p) + 1.0) / tp).ln() - ((f64::from(n) + 1.0) / tn).ln())
        .collect()
}

/// L2-regularised logistic regression by dual coordinate descent (bias as a constant
/// feature). Only positive and negative docs.
fn fit(docs: &[&Doc], dim: usize, c: f64, nb: bool, options: &TrainOptions) -> Weights {
    let ratio = nb.then(|| nb_ratios(docs, dim));
    let scale = |j: u32| ratio.as_ref().map_or(1.0, |r| r[j as usize]);
    let n = docs.len();
    let q: Vec<f64> = docs
        .iter()
        .map(|d| {
            1.0 + d
                .index
                .iter()
                .zip(&d.value)
                .map(|(&j, &v)| (scale(j) * f64::from(v)).powi(2))
                .sum::<f64>()
        })
        .collect();
    let mut w = vec![0.0f64; dim];
    let mut bias = 0.0f64;
    // alpha[i] and c - alpha[i]; start near zero as LIBLINEAR does.
    let start = (1e-3 * c).min(1e-8);
    let mut alpha = vec![start; n];
    for (d, &a) in docs.iter().zip(&alpha) {
        let ya = d.y() * a;
        for (&j, &v) in d.index.iter().zip(&d.value) {
            w[j as usize] += ya * scale(j) * f64::from(v);
        }
        bias += ya;
    }
    let mut order: Vec<usize> = (0..n).collect();
    let mut rng = SplitMix64(options.seed ^ 0x5eed);
    let mut inner_eps = 1e-2f64;
    let mut passes = 0;
    while passes < options.max_passes {
        passes += 1;
        rng.shuffle(&mut order);
        let mut gmax = 0.0f64;
        for &i in &order {
            let d = docs[i];
            let y = d.y();
            let mut wx = bias;
            for (&j, &v) in d.index.iter().zip(&d.value) {
                wx += w[j as usize] * scale(j) * f64::from(v);
            }
            let (a, b) = (q[i], y * wx);
            // Minimise over z in (0, c): z ln z + (c−z) ln(c−z) + a(z−α)²/2 + b(z−α), either
            // for α itself or, when the gradient points the other way, for c − α.
            let (old, sign) = if 0.5 * a * (c - 2.0 * alpha[i]) + b < 0.0 {
                (c - alpha[i], -1.0)
            } else {
                (alpha[i], 1.0)
            };
            let mut z = old;
            if c - z < 0.5 * c {
                z *= 0.1;
            }
            let grad = |z: f64| a * (z - old) + sign * b + (z / (c - z)).ln();
            let mut g = grad(z);
            gmax = gmax.max(g.abs());
            let mut steps = 0;
            while g.abs() >= inner_eps && steps < 100 {
                let h = a + c / ((c - z) * z);
                let next = z - g / h;
                z = if next <= 0.0 { z * 0.1 } else { next };
                g = grad(z);
                steps += 1;
            }
            if steps > 0 {
                let new_alpha = if sign > 0.0 { z } else { c - z };
                let delta = (new_alpha - alpha[i]) * y;
                alpha[i] = new_alpha;
                for (&j, &v) in d.index.iter().zip(&d.value) {
                    w[j as usize] += delta * scale(j) * f64::from(v);
                }
                bias += delta;
            }
        }
        if gmax < options.tolerance {
            break;
        }
        if gmax < inner_eps {
            inner_eps = (0.1 * inner_eps).max(1e-8);
        }
    }
    Weights {
        w,
        ratio,
        bias,
        passes,
    }
}

/// Platt scaling on (raw score, label) pairs, positive vs negative, with Platt's smoothed
/// targets; Newton's method on the two parameters.
fn platt(scores: &[(f64, SentimentLabel)]) -> Calibration {
    let polar: Vec<(f64, bool)> = scores
        .iter()
        .filter(|(_, l)| *l != SentimentLabel::Neutral)
        .map(|&(z, l)| (z, l == SentimentLabel::Positive))
        .collect();
    let np = polar.iter().filter(|(_, p)| *p).count() as f64;
    let nn = polar.len() as f64 - np;
    if np == 0.0 || nn == 0.0 {
        return Calibration::default();
    }
    let (tp, tn) = ((np + 1.0) / (np + 2.0), 1.0 / (nn + 2.0));
    let (mut a, mut b) = (1.0f64, 0.0f64);
    for _ in 0..100 {
        let (mut ga, mut gb, mut haa, mut hab, mut hbb) = (0.0, 0.0, 1e-9, 0.0, 1e-9);
        for &(z, pos) in &polar {
            let t = if pos { tp } else { tn };
            let p = 1.0 / (1.0 + (-(a * z + b)).exp());
            let (g, h) = (p - t, p * (1.0 - p));
            ga += g * z;
            gb += g;
            haa += h * z * z;
            hab += h * z;
            hbb += h;
        }
        let det = haa * hbb - hab * hab;
        if det.abs() < 1e-18 {
            break;
        }
        let da = (hbb * ga - hab * gb) / det;
        let db = (haa * gb - hab * ga) / det;
        a -= da;
        b -= db;
        if da.abs() < 1e-9 && db.abs() < 1e-9 {
            break;
        }
    }
    if !(a.is_finite() && b.is_finite()) || a <= 0.0 {
        return Calibration::default();
    }
    Calibration {
        a: a as f32,
        b: b as f32,
    }
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
            let f1 = crate::eval::macro_f1(
                calibrated
                    .iter()
                    .map(|&(s, l)| (l, SentimentLabel::from_score(s, band))),
            );
            (band, f1)
        })
        .fold(None, |best: Option<(f32, f64)>, (band, f1)| match best {
            Some((_, b)) if b >= f1 => best,
            _ => Some((band, f1)),
        })
        .map(|(band, _)| band)
}

/// Indices of a stratified random `share` of the items, per label; sorted.
pub(crate) fn stratified_holdout(labels: &[SentimentLabel], share: f64, seed: u64) -> Vec<usize> {
    let mut rng = SplitMix64(seed);
    let mut out = Vec::new();
    for label in SentimentLabel::ALL {
        let mut idx: Vec<usize> = (0..labels.len()).filter(|&i| labels[i] == label).collect();
        rng.shuffle(&mut idx);
        let take = ((idx.len() as f64) * share).round() as usize;
        out.extend_from_slice(&idx[..take.min(idx.len())]);
    }
    out.sort_unstable();
    out
}

/// Assigns each item to one of `k` folds, stratified by label, shuffled with `seed`.
pub fn stratified_folds(labels: &[SentimentLabel], k: usize, seed: u64) -> Vec<usize> {
    let k = k.max(1);
    let mut fold = vec![0usize; labels.len()];
    let mut rng = SplitMix64(seed);
    let mut next = 0usize;
    for label in SentimentLabel::ALL {
        let mut idx: Vec<usize> = (0..labels.len()).filter(|&i| labels[i] == label).collect();
        rng.shuffle(&mut idx);
        for i in idx {
            fold[i] = next % k;
            next += 1;
        }
    }
    fold
}

/// SplitMix64: small, fast, and the same everywhere.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next()) * n as u128) >> 64) as usize
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i + 1);
            items.swap(i, j);
        }
    }
}
