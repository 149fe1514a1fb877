//! Kind and routing evaluation: set predictions (one kind, or a record's owners) against gold
//! label sets, by the rules or by a learned model.

use serde::Serialize;

use crate::error::{Error, Result};
use crate::io::Record;
use crate::kind::Kind;
use crate::learn::{f1, set_scores, ClassExample, ClassModel};
use crate::pipeline::{Engine, LearnedTask};

/// What predicts the classes being evaluated.
#[derive(Debug, Clone, Copy)]
pub enum ClassPredictor<'m> {
    /// The engine's rules: its kind, or its routing owners.
    Rules,
    /// A model from `fankui train kind|route`.
    Learned(&'m ClassModel),
}

/// Scores of kind or routing predictions.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct ClassEvaluation {
    /// `kind` or `route`.
    pub task: &'static str,
    /// Texts scored.
    pub records: usize,
    /// Share of texts whose predicted set equals the gold set.
    pub accuracy: f64,
    /// Mean F1 of the classes that occur in the gold labels.
    pub macro_f1: f64,
    /// F1 of the pooled counts.
    pub micro_f1: f64,
    /// Every gold or predicted class that occurs, by label.
    pub classes: Vec<ClassScore>,
}

/// Precision, recall and F1 of one class.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct ClassScore {
    /// The class.
    pub label: String,
    /// Correct among those predicted as the class.
    pub precision: f64,
    /// Found among those of the class.
    pub recall: f64,
    /// Harmonic mean of the two.
    pub f1: f64,
    /// Gold texts of the class.
    pub support: usize,
}

/// Scores `predictor` on `examples` for `task`. The class list is the gold labels plus what
/// the predictor can answer (every kind, the taxonomy's departments, or the model's classes).
///
/// # Examples
///
/// ```
/// use fankui::eval::{evaluate_classes, ClassPredictor};
/// use fankui::learn::ClassExample;
/// use fankui::{Engine, LearnedTask};
///
/// let engine = Engine::builder().build()?;
/// let example = |text: &str, label: &str| ClassExample {
///     text: text.into(),
///     labels: vec![label.into()],
///     source: String::new(),
/// };
/// let data = [example("物流太慢了，三天还没到", "logistics"), example("客服态度很差", "customer_service")];
/// let scores = evaluate_classes(&engine, LearnedTask::Route, ClassPredictor::Rules, &data)?;
/// assert_eq!(scores.records, 2);
/// assert!(scores.accuracy > 0.99);
/// # Ok::<(), fankui::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::Config`] when a learned model was trained for the other task.
pub fn evaluate_classes(
    engine: &Engine,
    task: LearnedTask,
    predictor: ClassPredictor<'_>,
    examples: &[ClassExample],
) -> Result<ClassEvaluation> {
    if let ClassPredictor::Learned(m) = predictor {
        if m.header().task != task.as_str() {
            return Err(Error::Config {
                path: None,
                message: format!(
                    "a `{}` model cannot be evaluated as a `{}` one",
                    m.header().task,
                    task.as_str()
                ),
            });
        }
    }
    let mut labels: Vec<String> = examples
        .iter()
        .flat_map(|e| e.labels.iter().cloned())
        .collect();
    match (predictor, task) {
        (ClassPredictor::Learned(m), _) => {
            labels.extend(m.header().classes.iter().map(|c| c.label.clone()));
        }
        (ClassPredictor::Rules, LearnedTask::Kind) => {
            labels.extend(Kind::ALL.iter().map(|k| k.as_str().to_owned()));
        }
        (ClassPredictor::Rules, LearnedTask::Route) => {
            labels.extend(engine.departments().iter().cloned());
        }
    }
    labels.sort();
    labels.dedup();
    let index = |l: &str| labels.iter().position(|x| x == l);
    let texts: Vec<&str> = examples.iter().map(|e| e.text.as_str()).collect();
    let names: Vec<Vec<String>> = match (predictor, task) {
        (ClassPredictor::Learned(m), _) => engine
            .learned_batch_features(task, m.header().features, &texts)
            .iter()
            .map(|doc| {
                m.predict(doc)
                    .into_iter()
                    .map(|k| m.header().classes[k].label.clone())
                    .collect()
            })
            .collect(),
        (ClassPredictor::Rules, LearnedTask::Kind) => {
            let records: Vec<Record> = texts.iter().map(|t| Record::new("", *t)).collect();
            engine
                .analyze_batch(&records)
                .into_iter()
                .map(|r| {
                    r.map(|a| vec![a.kind.as_str().to_owned()])
                        .unwrap_or_default()
                })
                .collect()
        }
        (ClassPredictor::Rules, LearnedTask::Route) => texts
            .iter()
            .map(|t| engine.owners(t).into_iter().map(|(id, _, _)| id).collect())
            .collect(),
    };
    let predicted: Vec<Vec<usize>> = names
        .iter()
        .map(|names| names.iter().filter_map(|n| index(n)).collect())
        .collect();
    let gold: Vec<Vec<usize>> = examples
        .iter()
        .map(|e| e.labels.iter().filter_map(|l| index(l)).collect())
        .collect();
    let gold_refs: Vec<&[usize]> = gold.iter().map(Vec::as_slice).collect();
    let s = set_scores(labels.len(), &gold_refs, &predicted);
    let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    let classes = labels
        .iter()
        .zip(&s.counts)
        .filter(|(_, c)| c.0 + c.1 + c.2 > 0)
        .map(|(l, &(tp, fp, fn_))| ClassScore {
            label: l.clone(),
            precision: ratio(tp, tp + fp),
            recall: ratio(tp, tp + fn_),
            f1: f1(tp, fp, fn_),
            support: tp + fn_,
        })
        .collect();
    Ok(ClassEvaluation {
        task: task.as_str(),
        records: examples.len(),
        accuracy: s.exact,
        macro_f1: s.macro_f1,
        micro_f1: s.micro_f1,
        classes,
    })
}
