//! Scores of predictions against gold labels, shared by training (model selection) and
//! evaluation.

use serde::Serialize;

/// Macro-F1 of `(gold, predicted)` class indices below `n`: the mean F1 of the classes that
/// occur in the gold labels (a class only predicted still costs the precision of the others).
pub(crate) fn macro_f1(n: usize, pairs: impl IntoIterator<Item = (usize, usize)>) -> f64 {
    let mut m = vec![vec![0usize; n]; n];
    for (g, p) in pairs {
        if g < n && p < n {
            m[g][p] += 1;
        }
    }
    let gold = |c: usize| m[c].iter().sum::<usize>();
    let predicted = |c: usize| m.iter().map(|row| row[c]).sum::<usize>();
    let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    let f1s: Vec<f64> = (0..n)
        .filter(|&c| gold(c) > 0)
        .map(|c| {
            let precision = ratio(m[c][c], predicted(c));
            let recall = ratio(m[c][c], gold(c));
            if precision + recall == 0.0 {
                0.0
            } else {
                2.0 * precision * recall / (precision + recall)
            }
        })
        .collect();
    if f1s.is_empty() {
        0.0
    } else {
        f1s.iter().sum::<f64>() / f1s.len() as f64
    }
}

/// Per-class and averaged scores of set predictions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SetScores {
    /// Per class: (true positives, false positives, false negatives).
    pub counts: Vec<(usize, usize, usize)>,
    /// Mean F1 over classes that occur in the gold data.
    pub macro_f1: f64,
    /// F1 of the pooled counts.
    pub micro_f1: f64,
    /// Share of texts whose predicted set equals the gold set.
    pub exact: f64,
}

/// F1 from counts (0 when undefined).
#[must_use]
pub fn f1(tp: usize, fp: usize, fn_: usize) -> f64 {
    let d = 2 * tp + fp + fn_;
    if d == 0 {
        0.0
    } else {
        2.0 * tp as f64 / d as f64
    }
}

/// Scores set predictions against gold sets over `n` classes.
#[must_use]
pub fn set_scores(n: usize, gold: &[&[usize]], predicted: &[Vec<usize>]) -> SetScores {
    let mut counts = vec![(0usize, 0usize, 0usize); n];
    let mut exact = 0;
    for (g, p) in gold.iter().zip(predicted) {
        for (k, c) in counts.iter_mut().enumerate() {
            match (g.contains(&k), p.contains(&k)) {
                (true, true) => c.0 += 1,
                (false, true) => c.1 += 1,
                (true, false) => c.2 += 1,
                (false, false) => {}
            }
        }
        let mut gs = g.to_vec();
        let mut ps = p.clone();
        gs.sort_unstable();
        ps.sort_unstable();
        if gs == ps {
            exact += 1;
        }
    }
    let present: Vec<&(usize, usize, usize)> = counts.iter().filter(|c| c.0 + c.2 > 0).collect();
    let macro_f1 = if present.is_empty() {
        0.0
    } else {
        present.iter().map(|c| f1(c.0, c.1, c.2)).sum::<f64>() / present.len() as f64
    };
    let (tp, fp, fn_) = counts
        .iter()
        .fold((0, 0, 0), |a, c| (a.0 + c.0, a.1 + c.1, a.2 + c.2));
    SetScores {
        counts,
        macro_f1,
        micro_f1: f1(tp, fp, fn_),
        exact: exact as f64 / gold.len().max(1) as f64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn macro_f1_averages_the_gold_classes() {
        // gold 2: 3 (2 right, 1 as 0); gold 0: 2 (1 right, 1 as 1).
        let f = macro_f1(3, [(2, 2), (2, 2), (2, 0), (0, 0), (0, 1)]);
        assert!((f - (0.5 + 0.8) / 2.0).abs() < 1e-12);
        assert_eq!(macro_f1(3, []), 0.0);
    }

    #[test]
    fn set_scores_count_exact_sets() {
        let gold: [&[usize]; 3] = [&[0], &[1, 2], &[]];
        let predicted = [vec![0], vec![2, 1], vec![1]];
        let s = set_scores(3, &gold, &predicted);
        assert_eq!(s.counts, [(1, 0, 0), (1, 1, 0), (1, 0, 0)]);
        assert!((s.exact - 2.0 / 3.0).abs() < 1e-12);
        assert!((f1(1, 1, 0) - 2.0 / 3.0).abs() < 1e-12);
    }
}
