//! L2-regularised logistic regression by dual coordinate descent, NB weighting, and Platt
//! calibration, over sparse hashed documents.
//!
//! The solver is the dual coordinate-descent method for logistic regression of Yu, Huang and
//! Lin (2011), the one LIBLINEAR uses; NB weighting follows Wang and Manning (2012): each
//! feature is scaled by the log-ratio of its smoothed frequencies in positive and negative
//! documents before the regression, and the scaling is folded into the saved weights, so
//! scoring stays one sum.

use ndarray::Array1;
use serde::{Deserialize, Serialize};

use super::split::SplitMix64;

/// A document as the solver sees it: sorted bucket indices and their values.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SparseDoc {
    /// Buckets, ascending, no repeats.
    pub index: Vec<u32>,
    /// The value of each bucket.
    pub value: Vec<f32>,
}

impl SparseDoc {
    /// Counts repeated buckets and scales the counts by `1/sqrt(total)`.
    #[must_use]
    pub fn from_buckets(mut buckets: Vec<u32>) -> Self {
        let total = buckets.len().max(1) as f32;
        buckets.sort_unstable();
        let mut doc = SparseDoc {
            index: Vec::with_capacity(buckets.len()),
            value: Vec::with_capacity(buckets.len()),
        };
        for b in buckets {
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
    }
}

/// Solver settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Solver {
    /// Inverse regularisation strength.
    pub c: f64,
    /// NB weighting.
    pub nb: bool,
    /// Most passes over the data.
    pub max_passes: u32,
    /// Stop when no dual variable's projected gradient exceeds this.
    pub tolerance: f64,
    /// Seed of the visiting order.
    pub seed: u64,
}

/// Fitted weights before folding: `w` over scaled features, the NB ratios, the bias.
pub(crate) struct Weights {
    w: Vec<f64>,
    ratio: Option<Vec<f64>>,
    pub bias: f64,
    pub passes: u32,
}

impl Weights {
    /// The raw score of a document.
    pub fn raw(&self, d: &SparseDoc) -> f64 {
        let mut z = self.bias;
        for (&j, &v) in d.index.iter().zip(&d.value) {
            let j = j as usize;
            let r = self.ratio.as_ref().map_or(1.0, |r| r[j]);
            z += self.w[j] * r * f64::from(v);
        }
        z
    }

    /// The weights with the NB scaling folded in, as stored.
    pub fn folded(&self) -> Array1<f32> {
        self.w
            .iter()
            .enumerate()
            .map(|(j, &w)| (w * self.ratio.as_ref().map_or(1.0, |r| r[j])) as f32)
            .collect()
    }
}

/// NB log-count ratios with add-one smoothing over binarised features.
fn nb_ratios(docs: &[&SparseDoc], positive: &[bool], dim: usize) -> Vec<f64> {
    let mut pos = vec![0u32; dim];
    let mut neg = vec![0u32; dim];
    for (d, &p) in docs.iter().zip(positive) {
        let counts = if p { &mut pos } else { &mut neg };
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
/// feature); `positive[i]` is the class of `docs[i]`.
pub(crate) fn fit(docs: &[&SparseDoc], positive: &[bool], dim: usize, s: Solver) -> Weights {
    let ratio = s.nb.then(|| nb_ratios(docs, positive, dim));
    let scale = |j: u32| ratio.as_ref().map_or(1.0, |r| r[j as usize]);
    let c = s.c;
    let n = docs.len();
    let y = |i: usize| if positive[i] { 1.0 } else { -1.0 };
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
    for (i, (d, &a)) in docs.iter().zip(&alpha).enumerate() {
        let ya = y(i) * a;
        for (&j, &v) in d.index.iter().zip(&d.value) {
            w[j as usize] += ya * scale(j) * f64::from(v);
        }
        bias += ya;
    }
    let mut order: Vec<usize> = (0..n).collect();
    let mut rng = SplitMix64(s.seed ^ 0x5eed);
    let mut inner_eps = 1e-2f64;
    let mut passes = 0;
    while passes < s.max_passes {
        passes += 1;
        rng.shuffle(&mut order);
        let mut gmax = 0.0f64;
        for &i in &order {
            let d = docs[i];
            let yi = y(i);
            let mut wx = bias;
            for (&j, &v) in d.index.iter().zip(&d.value) {
                wx += w[j as usize] * scale(j) * f64::from(v);
            }
            let (a, b) = (q[i], yi * wx);
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
                let delta = (new_alpha - alpha[i]) * yi;
                alpha[i] = new_alpha;
                for (&j, &v) in d.index.iter().zip(&d.value) {
                    w[j as usize] += delta * scale(j) * f64::from(v);
                }
                bias += delta;
            }
        }
        if gmax < s.tolerance {
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

/// A logistic map from raw scores to probabilities, fitted on held-out data.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Calibration {
    /// Slope.
    pub a: f32,
    /// Offset.
    pub b: f32,
}

impl Default for Calibration {
    fn default() -> Self {
        Calibration { a: 1.0, b: 0.0 }
    }
}

impl Calibration {
    /// The probability of the positive class for raw score `z`.
    #[must_use]
    pub fn probability(&self, z: f32) -> f32 {
        1.0 / (1.0 + (-(self.a * z + self.b)).exp())
    }
}

/// Platt scaling on (raw score, is positive) pairs, with Platt's smoothed targets; Newton's
/// method on the two parameters. The identity map when a class is missing.
pub(crate) fn platt(scores: &[(f64, bool)]) -> Calibration {
    let np = scores.iter().filter(|(_, p)| *p).count() as f64;
    let nn = scores.len() as f64 - np;
    if np == 0.0 || nn == 0.0 {
        return Calibration::default();
    }
    let (tp, tn) = ((np + 1.0) / (np + 2.0), 1.0 / (nn + 2.0));
    let (mut a, mut b) = (1.0f64, 0.0f64);
    for _ in 0..100 {
        let (mut ga, mut gb, mut haa, mut hab, mut hbb) = (0.0, 0.0, 1e-9, 0.0, 1e-9);
        for &(z, pos) in scores {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(buckets: &[u32]) -> SparseDoc {
        SparseDoc::from_buckets(buckets.to_vec())
    }

    #[test]
    fn separable_data_is_separated() {
        let docs = [doc(&[1, 2]), doc(&[1, 3]), doc(&[4, 2]), doc(&[4, 3])];
        let refs: Vec<&SparseDoc> = docs.iter().collect();
        let positive = [true, true, false, false];
        for nb in [false, true] {
            let s = Solver {
                c: 8.0,
                nb,
                max_passes: 50,
                tolerance: 0.01,
                seed: 1,
            };
            let w = fit(&refs, &positive, 8, s);
            for (d, &p) in docs.iter().zip(&positive) {
                assert_eq!(w.raw(d) > 0.0, p, "nb {nb}");
            }
        }
    }

    #[test]
    fn repeats_are_counted_and_scaled() {
        let d = doc(&[5, 1, 5, 5]);
        assert_eq!(d.index, vec![1, 5]);
        assert!((d.value[0] - 0.5).abs() < 1e-6 && (d.value[1] - 1.5).abs() < 1e-6);
    }

    #[test]
    fn platt_orders_probabilities() {
        let scores: Vec<(f64, bool)> = (0..40)
            .map(|i| (f64::from(i) / 10.0 - 2.0, i % 7 != 0 && i > 15))
            .collect();
        let cal = platt(&scores);
        assert!(cal.a > 0.0);
        assert!(cal.probability(2.0) > cal.probability(-2.0));
    }
}
