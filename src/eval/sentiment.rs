//! Sentiment evaluation: accuracy, macro-F1, per-class precision/recall/F1, confusion matrix.

use serde::Serialize;

use crate::error::Result;
use crate::sentiment::{
    stratified_folds, train, Example, SentimentLabel, SentimentModel, TrainOptions,
};
use crate::Engine;

/// Scores `model` on `examples`; `band` is the neutral band (0 makes every text with a
/// non-zero score positive or negative, the right decision when the gold labels are binary).
#[must_use]
pub fn evaluate_sentiment(
    engine: &Engine,
    model: &dyn SentimentModel,
    examples: &[Example],
    band: f32,
) -> SentimentScores {
    let predicted = predict(engine, model, examples, band);
    SentimentScores::new(examples.iter().map(|e| e.label).zip(predicted))
}

/// The label `model` gives each example, with the engine's parallelism.
fn predict(
    engine: &Engine,
    model: &dyn SentimentModel,
    examples: &[Example],
    band: f32,
) -> Vec<SentimentLabel> {
    engine.map(examples, |ex| {
        let (lang, _) = engine.detect(&ex.text);
        SentimentLabel::from_score(model.score(&engine.segment(&ex.text), lang), band)
    })
}

/// The result of k-fold cross-validation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CrossValidation {
    /// Folds.
    pub k: usize,
    /// Seed of the fold assignment (and of training).
    pub seed: u64,
    /// Scores of each fold's held-out texts.
    pub folds: Vec<SentimentScores>,
    /// Mean accuracy over the folds.
    pub mean_accuracy: f64,
    /// Its standard deviation (over folds, n − 1).
    pub sd_accuracy: f64,
    /// Mean macro-F1 over the folds.
    pub mean_macro_f1: f64,
    /// Every held-out prediction pooled.
    pub pooled: SentimentScores,
}

/// Stratified k-fold cross-validation of the linear trainer: each fold is scored by a model
/// trained on the other folds with `options`.
///
/// # Errors
///
/// As [`train`], for any fold.
pub fn cross_validate_sentiment(
    engine: &Engine,
    examples: &[Example],
    k: usize,
    band: f32,
    options: &TrainOptions,
) -> Result<CrossValidation> {
    let labels: Vec<SentimentLabel> = examples.iter().map(|e| e.label).collect();
    let fold_of = stratified_folds(&labels, k, options.seed);
    let mut folds = Vec::with_capacity(k);
    let mut pooled = Vec::with_capacity(examples.len());
    for f in 0..k {
        let (test, rest): (Vec<_>, Vec<_>) =
            examples.iter().zip(&fold_of).partition(|(_, &g)| g == f);
        let rest: Vec<Example> = rest.into_iter().map(|(e, _)| e.clone()).collect();
        let test: Vec<Example> = test.into_iter().map(|(e, _)| e.clone()).collect();
        let (model, _) = train(engine, &rest, None, options)?;
        let predicted = predict(engine, &model, &test, band);
        pooled.extend(test.iter().map(|e| e.label).zip(predicted.iter().copied()));
        folds.push(SentimentScores::new(
            test.iter().map(|e| e.label).zip(predicted),
        ));
    }
    let accs: Vec<f64> = folds.iter().map(|s| s.accuracy).collect();
    let mean = accs.iter().sum::<f64>() / k.max(1) as f64;
    let sd = if k > 1 {
        (accs.iter().map(|a| (a - mean).powi(2)).sum::<f64>() / (k - 1) as f64).sqrt()
    } else {
        0.0
    };
    Ok(CrossValidation {
        k,
        seed: options.seed,
        mean_accuracy: mean,
        sd_accuracy: sd,
        mean_macro_f1: folds.iter().map(|s| s.macro_f1).sum::<f64>() / k.max(1) as f64,
        folds,
        pooled: SentimentScores::new(pooled),
    })
}

/// Scores of predicted against gold labels.
///
/// Macro-F1 averages the classes that occur in the gold labels, so a model that may answer
/// `neutral` is not rewarded or punished for a class the data does not have beyond the errors
/// those answers are.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SentimentScores {
    /// Texts scored.
    pub records: usize,
    /// Share predicted correctly.
    pub accuracy: f64,
    /// Mean F1 of the gold classes.
    pub macro_f1: f64,
    /// Per class: every gold or predicted class.
    pub classes: Vec<ClassScores>,
    /// The confusion matrix.
    pub confusion: Confusion,
}

/// Precision, recall and F1 of one class.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClassScores {
    /// The class.
    pub label: SentimentLabel,
    /// Correct among those predicted as the class.
    pub precision: f64,
    /// Found among those of the class.
    pub recall: f64,
    /// Harmonic mean of the two.
    pub f1: f64,
    /// Gold texts of the class.
    pub support: usize,
}

/// Counts of (gold, predicted) pairs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Confusion {
    /// Row and column labels.
    pub labels: Vec<SentimentLabel>,
    /// `matrix[g][p]`: gold `labels[g]` predicted as `labels[p]`.
    pub matrix: Vec<Vec<usize>>,
}

impl SentimentScores {
    /// Scores `(gold, predicted)` pairs.
    pub fn new(pairs: impl IntoIterator<Item = (SentimentLabel, SentimentLabel)>) -> Self {
        let mut m = [[0usize; 3]; 3];
        let mut records = 0;
        for (g, p) in pairs {
            m[g as usize][p as usize] += 1;
            records += 1;
        }
        let gold = |c: usize| m[c].iter().sum::<usize>();
        let predicted = |c: usize| m.iter().map(|row| row[c]).sum::<usize>();
        let used: Vec<usize> = (0..3).filter(|&c| gold(c) + predicted(c) > 0).collect();
        let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        let classes: Vec<ClassScores> = used
            .iter()
            .map(|&c| {
                let precision = ratio(m[c][c], predicted(c));
                let recall = ratio(m[c][c], gold(c));
                let f1 = if precision + recall == 0.0 {
                    0.0
                } else {
                    2.0 * precision * recall / (precision + recall)
                };
                ClassScores {
                    label: SentimentLabel::ALL[c],
                    precision,
                    recall,
                    f1,
                    support: gold(c),
                }
            })
            .collect();
        let gold_classes: Vec<&ClassScores> = classes.iter().filter(|c| c.support > 0).collect();
        let macro_f1 = if gold_classes.is_empty() {
            0.0
        } else {
            gold_classes.iter().map(|c| c.f1).sum::<f64>() / gold_classes.len() as f64
        };
        SentimentScores {
            records,
            accuracy: ratio((0..3).map(|c| m[c][c]).sum(), records),
            macro_f1,
            confusion: Confusion {
                labels: used.iter().map(|&c| SentimentLabel::ALL[c]).collect(),
                matrix: used
                    .iter()
                    .map(|&g| used.iter().map(|&p| m[g][p]).collect())
                    .collect(),
            },
            classes,
        }
    }
}

/// Macro-F1 of `(gold, predicted)` pairs, as [`SentimentScores::macro_f1`].
pub fn macro_f1(pairs: impl IntoIterator<Item = (SentimentLabel, SentimentLabel)>) -> f64 {
    SentimentScores::new(pairs).macro_f1
}

#[cfg(test)]
mod tests {
    use super::*;
    use SentimentLabel::{Negative as N, Neutral as U, Positive as P};

    #[test]
    fn scores_a_known_confusion() {
        // gold P: 3 (2 right, 1 as N); gold N: 2 (1 right, 1 as neutral).
        let s = SentimentScores::new([(P, P), (P, P), (P, N), (N, N), (N, U)]);
        assert_eq!(s.records, 5);
        assert!((s.accuracy - 0.6).abs() < 1e-12);
        assert_eq!(s.confusion.labels, [N, U, P]);
        assert_eq!(s.confusion.matrix, [[1, 1, 0], [0, 0, 0], [1, 0, 2]]);
        let n = &s.classes[0];
        assert!((n.precision - 0.5).abs() < 1e-12 && (n.recall - 0.5).abs() < 1e-12);
        let p = &s.classes[2];
        assert!((p.precision - 1.0).abs() < 1e-12 && (p.recall - 2.0 / 3.0).abs() < 1e-12);
        // Macro over the gold classes N and P only.
        assert!((s.macro_f1 - (0.5 + 0.8) / 2.0).abs() < 1e-12);
    }

    #[test]
    fn empty_input_is_all_zero() {
        let s = SentimentScores::new([]);
        assert_eq!((s.records, s.accuracy, s.macro_f1), (0, 0.0, 0.0));
    }
}
