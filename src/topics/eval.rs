//! Topic quality: NPMI coherence, diversity, outliers, purity and NMI.
//!
//! The definitions (`fankui eval topics` and `benches/topics_compare/metrics.py` implement
//! the same ones, so any topic model, fankui's or another tool's, is scored alike):
//!
//! - Texts and keywords are normalised (Simplified, half-width, lower-case); a document
//!   *contains* a keyword when the keyword is a substring of its text. `D` is the number of
//!   documents, `D(w)` and `D(w, v)` the numbers containing `w`, and both `w` and `v`.
//! - **NPMI** of a topic: the mean over all pairs `i < j` of its first 10 keywords of
//!   `log(p_ij / (p_i p_j)) / −log p_ij` with `p_i = D(w_i)/D`, `p_ij = D(w_i, w_j)/D`;
//!   −1 when `p_ij = 0`, 1 when `p_ij = 1`. The model's NPMI is the unweighted mean over
//!   topics with at least two keywords (Bouma 2009; Lau et al. 2014).
//! - **Diversity**: distinct keywords among every topic's first 25, over `25 · topics`
//!   (Dieng et al. 2020).
//! - **Outliers**: the share of documents with no topic.
//! - **Purity** and **NMI** against a label, over all documents, the outliers forming one
//!   cluster of their own: purity `= Σ_c max_l n_cl / D`; NMI `= I(C; L) / ((H(C) + H(L)) / 2)`
//!   (scikit-learn's default, arithmetic normalisation).

use std::collections::HashMap;

use aho_corasick::AhoCorasick;
use serde::Serialize;

use super::kmeans::SparseRows;

/// Scores of one topic model on one corpus.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TopicScores {
    /// Documents.
    pub documents: usize,
    /// Topics.
    pub topics: usize,
    /// Mean NPMI of the topics' top-10 keywords.
    pub npmi: f64,
    /// Each topic's NPMI.
    pub topic_npmi: Vec<f64>,
    /// Unique share of the top-25 keywords.
    pub diversity: f64,
    /// Share of documents with no topic.
    pub outliers: f64,
    /// Purity against the label, when there is one.
    pub purity: Option<f64>,
    /// NMI against the label, when there is one.
    pub nmi: Option<f64>,
}

/// Scores topics given by their keywords (normalised, best first) and an assignment of each
/// document (`None`: outlier) over the normalised `texts`, optionally against `labels`.
#[must_use]
pub fn evaluate(
    texts: &[String],
    keywords: &[Vec<String>],
    assignments: &[Option<u32>],
    labels: Option<&[String]>,
) -> TopicScores {
    let d = texts.len();
    let topic_npmi: Vec<f64> = keywords
        .iter()
        .map(|k| &k[..k.len().min(10)])
        .filter(|k| k.len() >= 2)
        .map(|k| {
            let sets = containing(texts, k);
            npmi_of(&sets, d)
        })
        .collect();
    let npmi = mean(&topic_npmi);
    let mut distinct: Vec<&str> = keywords
        .iter()
        .flat_map(|k| k.iter().take(25).map(String::as_str))
        .collect();
    distinct.sort_unstable();
    distinct.dedup();
    let diversity = if keywords.is_empty() {
        0.0
    } else {
        distinct.len() as f64 / (25 * keywords.len()) as f64
    };
    let outliers = if d == 0 {
        0.0
    } else {
        assignments.iter().filter(|a| a.is_none()).count() as f64 / d as f64
    };
    let (purity, nmi) = match labels {
        Some(labels) => {
            let (p, n) = purity_nmi(assignments, labels);
            (Some(p), Some(n))
        }
        None => (None, None),
    };
    TopicScores {
        documents: d,
        topics: keywords.len(),
        npmi,
        topic_npmi,
        diversity,
        outliers,
        purity,
        nmi,
    }
}

/// For each keyword, the sorted documents containing it.
fn containing(texts: &[String], keywords: &[String]) -> Vec<Vec<u32>> {
    let mut sets = vec![Vec::new(); keywords.len()];
    let Ok(ac) = AhoCorasick::new(keywords) else {
        return sets;
    };
    let mut seen = vec![false; keywords.len()];
    for (i, text) in texts.iter().enumerate() {
        seen.iter_mut().for_each(|s| *s = false);
        for m in ac.find_overlapping_iter(text.as_str()) {
            seen[m.pattern().as_usize()] = true;
        }
        for (k, &s) in seen.iter().enumerate() {
            if s {
                sets[k].push(i as u32);
            }
        }
    }
    // Keywords listed twice share one set.
    for (k, kw) in keywords.iter().enumerate() {
        if let Some(first) = keywords.iter().position(|x| x == kw) {
            if first != k {
                sets[k] = sets[first].clone();
            }
        }
    }
    sets
}

fn intersection(a: &[u32], b: &[u32]) -> usize {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                n += 1;
                i += 1;
                j += 1;
            }
        }
    }
    n
}

/// Mean pairwise NPMI of keyword document sets over `d` documents.
fn npmi_of(sets: &[Vec<u32>], d: usize) -> f64 {
    let d = d as f64;
    let mut total = 0.0;
    let mut pairs = 0usize;
    for i in 0..sets.len() {
        for j in i + 1..sets.len() {
            let pij = intersection(&sets[i], &sets[j]) as f64 / d;
            let pi = sets[i].len() as f64 / d;
            let pj = sets[j].len() as f64 / d;
            total += if pij == 0.0 {
                -1.0
            } else if pij >= 1.0 {
                1.0
            } else {
                (pij / (pi * pj)).ln() / -pij.ln()
            };
            pairs += 1;
        }
    }
    if pairs == 0 {
        0.0
    } else {
        total / pairs as f64
    }
}

fn mean(v: &[f64]) -> f64 {
    if v.is_empty() {
        0.0
    } else {
        v.iter().sum::<f64>() / v.len() as f64
    }
}

/// Purity and NMI of `assignments` (outliers one cluster) against `labels`.
fn purity_nmi(assignments: &[Option<u32>], labels: &[String]) -> (f64, f64) {
    let n = assignments.len().min(labels.len());
    if n == 0 {
        return (0.0, 0.0);
    }
    let mut joint: HashMap<(Option<u32>, &str), f64> = HashMap::new();
    let mut clusters: HashMap<Option<u32>, f64> = HashMap::new();
    let mut classes: HashMap<&str, f64> = HashMap::new();
    for (a, l) in assignments.iter().zip(labels).take(n) {
        *joint.entry((*a, l.as_str())).or_default() += 1.0;
        *clusters.entry(*a).or_default() += 1.0;
        *classes.entry(l.as_str()).or_default() += 1.0;
    }
    let nf = n as f64;
    let mut best: HashMap<Option<u32>, f64> = HashMap::new();
    for (&(c, _), &v) in &joint {
        let b = best.entry(c).or_default();
        *b = b.max(v);
    }
    let purity = best.values().sum::<f64>() / nf;
    let entropy = |counts: &mut dyn Iterator<Item = &f64>| -> f64 {
        counts
            .map(|&v| {
                let p = v / nf;
                -p * p.ln()
            })
            .sum()
    };
    let (hc, hl) = (
        entropy(&mut clusters.values()),
        entropy(&mut classes.values()),
    );
    let mi: f64 = joint
        .iter()
        .map(|(&(c, l), &v)| {
            let p = v / nf;
            p * (p / ((clusters[&c] / nf) * (classes[l] / nf))).ln()
        })
        .sum();
    let nmi = if hc + hl == 0.0 {
        1.0
    } else {
        (mi / ((hc + hl) / 2.0)).clamp(0.0, 1.0)
    };
    (purity, nmi)
}

/// NPMI of topics given as column lists over the rows' presence (used to choose k, on term
/// ids rather than substrings).
pub(crate) fn npmi_rows(rows: &SparseRows, tops: &[Vec<u32>], top: usize) -> f32 {
    let mut postings: HashMap<u32, Vec<u32>> = HashMap::new();
    for t in tops {
        for &c in t.iter().take(top) {
            postings.entry(c).or_default();
        }
    }
    for i in 0..rows.len() {
        let (idx, _) = rows.row(i);
        for c in idx {
            if let Some(p) = postings.get_mut(c) {
                p.push(i as u32);
            }
        }
    }
    let scores: Vec<f64> = tops
        .iter()
        .filter(|t| t.len() >= 2)
        .map(|t| {
            let sets: Vec<Vec<u32>> = t.iter().take(top).map(|c| postings[c].clone()).collect();
            npmi_of(&sets, rows.len())
        })
        .collect();
    mean(&scores) as f32
}

/// Unique share of the first `top` columns over all topics.
pub(crate) fn diversity(tops: &[Vec<u32>], top: usize) -> f32 {
    let mut all: Vec<u32> = tops
        .iter()
        .flat_map(|t| t.iter().take(top).copied())
        .collect();
    if tops.is_empty() {
        return 0.0;
    }
    all.sort_unstable();
    all.dedup();
    all.len() as f32 / (top * tops.len()) as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| (*x).to_owned()).collect()
    }

    #[test]
    fn npmi_by_hand() {
        // a in docs 0,1; b in 0,1; c in 2: NPMI(a,b) = 1 (p_ab = p_a = p_b = 0.5 →
        // ln(2)/ln(2)); NPMI(a,c) = NPMI(b,c) = -1.
        let texts = s(&["a b", "a b", "c", "d"]);
        let r = evaluate(&texts, &[s(&["a", "b", "c"])], &[Some(0); 4], None);
        assert!((r.topic_npmi[0] - (1.0 - 1.0 - 1.0) / 3.0).abs() < 1e-9);
        let r = evaluate(&texts, &[s(&["a", "b"])], &[Some(0); 4], None);
        assert!((r.npmi - 1.0).abs() < 1e-9);
    }

    #[test]
    fn diversity_outliers_purity_nmi() {
        let texts = s(&["x", "x", "x", "x"]);
        let labels = s(&["p", "p", "q", "q"]);
        let r = evaluate(
            &texts,
            &[s(&["a", "b"]), s(&["b", "c"])],
            &[Some(0), Some(0), Some(1), None],
            Some(&labels),
        );
        assert!((r.diversity - 3.0 / 50.0).abs() < 1e-9);
        assert!((r.outliers - 0.25).abs() < 1e-9);
        assert!((r.purity.unwrap() - 1.0).abs() < 1e-9);
        // Perfect clusters of a perfect split: NMI 1; one cluster for all: 0.
        let perfect = evaluate(
            &texts,
            &[],
            &[Some(0), Some(0), Some(1), Some(1)],
            Some(&labels),
        );
        assert!((perfect.nmi.unwrap() - 1.0).abs() < 1e-9);
        let lumped = evaluate(&texts, &[], &[Some(0); 4], Some(&labels));
        assert!(lumped.nmi.unwrap().abs() < 1e-9);
        assert!((lumped.purity.unwrap() - 0.5).abs() < 1e-9);
    }
}
