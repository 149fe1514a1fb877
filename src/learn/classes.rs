//! A one-vs-rest linear classifier over hashed text features plus the rules' evidence: the
//! learned model behind `fankui train kind` and `fankui train route`.
//!
//! Each class has its own weights, bias and Platt calibration, fitted by the solver of
//! [`super::solver`] against all other texts. Single-label data predicts the most probable
//! class; multi-label data (a label field holding a list) every class whose calibrated
//! probability reaches 0.5.
//!
//! File format (little-endian): the 8 bytes `FKCLS\0\0\x01`, a `u32` header length, the
//! header as JSON ([`ClassHeader`]), then `classes × 2^bits` `f32` weights.

use std::io::Write;
use std::path::Path;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::features::FeatureSpec;
use super::metrics::set_scores;
use super::solver::{fit, platt, Calibration, Solver, SparseDoc};
use super::split::stratified_holdout;
use crate::error::{Error, Result};

const MAGIC: &[u8; 8] = b"FKCLS\0\0\x01";
/// Version of the layout after the magic.
pub const CLASS_FORMAT_VERSION: u32 = 1;

/// One class of a model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClassInfo {
    /// Its label.
    pub label: String,
    /// Bias.
    pub bias: f32,
    /// Calibration of its raw score.
    pub calibration: Calibration,
    /// Training texts that have it.
    pub support: usize,
}

/// What a class-model file says about itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClassHeader {
    /// [`CLASS_FORMAT_VERSION`].
    pub format_version: u32,
    /// `kind` or `route`.
    pub task: String,
    /// The hashed text features.
    pub features: FeatureSpec,
    /// Whether a text can have several classes.
    pub multi_label: bool,
    /// The classes.
    pub classes: Vec<ClassInfo>,
    /// The inverse regularisation strength chosen.
    pub c: f64,
}

/// A trained one-vs-rest model.
#[derive(Debug, Clone)]
pub struct ClassModel {
    header: ClassHeader,
    weights: Vec<f32>,
}

/// Training settings.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClassTrainOptions {
    /// Features.
    pub features: FeatureSpec,
    /// Seed.
    pub seed: u64,
    /// C values to choose from on the held-out share.
    pub c_grid: Vec<f64>,
    /// Held-out share for choosing C and calibrating.
    pub holdout: f64,
    /// Most solver passes.
    pub max_passes: u32,
    /// Solver tolerance.
    pub tolerance: f64,
}

impl Default for ClassTrainOptions {
    fn default() -> Self {
        ClassTrainOptions {
            features: FeatureSpec {
                bits: 18,
                ..FeatureSpec::default()
            },
            seed: 42,
            c_grid: vec![0.5, 2.0, 8.0, 32.0],
            holdout: 0.2,
            max_passes: 30,
            tolerance: 0.1,
        }
    }
}

/// A training text: its features and the indices of its classes.
#[derive(Debug, Clone)]
pub struct ClassDoc {
    /// Features.
    pub features: SparseDoc,
    /// Class indices (one for single-label data).
    pub classes: Vec<usize>,
}

impl ClassModel {
    /// The header.
    #[must_use]
    pub fn header(&self) -> &ClassHeader {
        &self.header
    }

    /// Calibrated probability of each class.
    #[must_use]
    pub fn probabilities(&self, doc: &SparseDoc) -> Vec<f32> {
        let dim = self.header.features.buckets();
        self.header
            .classes
            .iter()
            .enumerate()
            .map(|(k, c)| {
                let w = &self.weights[k * dim..(k + 1) * dim];
                let z: f32 = c.bias
                    + doc
                        .index
                        .iter()
                        .zip(&doc.value)
                        // A bucket past the model's (a document of other features) adds
                        // nothing.
                        .map(|(&j, &v)| w.get(j as usize).map_or(0.0, |w| w * v))
                        .sum::<f32>();
                c.calibration.probability(z)
            })
            .collect()
    }

    /// The predicted classes: the most probable one, or for multi-label models every class
    /// with probability ≥ 0.5.
    #[must_use]
    pub fn predict(&self, doc: &SparseDoc) -> Vec<usize> {
        decide(&self.probabilities(doc), self.header.multi_label)
    }

    /// Trains on `docs` with `labels` (class names, in index order).
    ///
    /// # Errors
    ///
    /// [`Error::Config`] with fewer than two classes, a class without texts, or a `c_grid`
    /// that is empty or has a value that is not a positive number.
    pub fn train(
        task: &str,
        labels: Vec<String>,
        docs: &[ClassDoc],
        multi_label: bool,
        options: &ClassTrainOptions,
    ) -> Result<Self> {
        let bad = |message: String| Error::Config {
            path: None,
            message,
        };
        options.features.validate().map_err(bad)?;
        if options.c_grid.is_empty() || options.c_grid.iter().any(|c| !(*c > 0.0 && c.is_finite()))
        {
            return Err(bad(format!(
                "c_grid must hold positive numbers, found {:?}",
                options.c_grid
            )));
        }
        if labels.len() < 2 {
            return Err(bad(format!(
                "training needs two classes or more, found {}",
                labels.len()
            )));
        }
        let support: Vec<usize> = (0..labels.len())
            .map(|k| docs.iter().filter(|d| d.classes.contains(&k)).count())
            .collect();
        if let Some(k) = support.iter().position(|&n| n == 0) {
            return Err(bad(format!("class `{}` has no training texts", labels[k])));
        }
        let first: Vec<usize> = docs
            .iter()
            .map(|d| d.classes.first().copied().unwrap_or(usize::MAX))
            .collect();
        let mut classes: Vec<usize> = (0..labels.len()).collect();
        classes.push(usize::MAX);
        let held = stratified_holdout(&first, &classes, options.holdout, options.seed);
        let mut is_held = vec![false; docs.len()];
        held.iter().for_each(|&i| is_held[i] = true);
        let fit_docs: Vec<&ClassDoc> = docs
            .iter()
            .zip(&is_held)
            .filter(|(_, h)| !**h)
            .map(|(d, _)| d)
            .collect();
        let sel_docs: Vec<&ClassDoc> = held.iter().map(|&i| &docs[i]).collect();
        let dim = options.features.buckets();
        let solver = |c: f64| Solver {
            c,
            nb: false,
            max_passes: options.max_passes,
            tolerance: options.tolerance,
            seed: options.seed,
        };
        // Every (C, class) pair in parallel; keep the held-out raw scores only.
        let pairs: Vec<(usize, usize)> = (0..options.c_grid.len())
            .flat_map(|ci| (0..labels.len()).map(move |k| (ci, k)))
            .collect();
        let fit_features: Vec<&SparseDoc> = fit_docs.iter().map(|d| &d.features).collect();
        let scored: Vec<Vec<f64>> = pairs
            .par_iter()
            .map(|&(ci, k)| {
                let positive: Vec<bool> = fit_docs.iter().map(|d| d.classes.contains(&k)).collect();
                let w = fit(&fit_features, &positive, dim, solver(options.c_grid[ci]));
                sel_docs.iter().map(|d| w.raw(&d.features)).collect()
            })
            .collect();
        let mut best: Option<(f64, usize, Vec<Calibration>)> = None;
        for ci in 0..options.c_grid.len() {
            let cals: Vec<Calibration> = (0..labels.len())
                .map(|k| {
                    let s = &scored[ci * labels.len() + k];
                    let pairs: Vec<(f64, bool)> = s
                        .iter()
                        .zip(&sel_docs)
                        .map(|(&z, d)| (z, d.classes.contains(&k)))
                        .collect();
                    platt(&pairs)
                })
                .collect();
            let predicted: Vec<Vec<usize>> = (0..sel_docs.len())
                .map(|i| {
                    let probs: Vec<f32> = (0..labels.len())
                        .map(|k| cals[k].probability(scored[ci * labels.len() + k][i] as f32))
                        .collect();
                    decide(&probs, multi_label)
                })
                .collect();
            let gold: Vec<&[usize]> = sel_docs.iter().map(|d| d.classes.as_slice()).collect();
            let f1 = set_scores(labels.len(), &gold, &predicted).macro_f1;
            if best.as_ref().is_none_or(|(b, _, _)| f1 > *b) {
                best = Some((f1, ci, cals));
            }
        }
        let (_, ci, calibrations) = best.expect("the grid is not empty");
        let c = options.c_grid[ci];
        let all_features: Vec<&SparseDoc> = docs.iter().map(|d| &d.features).collect();
        let fitted: Vec<(Vec<f32>, f32)> = (0..labels.len())
            .into_par_iter()
            .map(|k| {
                let positive: Vec<bool> = docs.iter().map(|d| d.classes.contains(&k)).collect();
                let w = fit(&all_features, &positive, dim, solver(c));
                (w.folded().to_vec(), w.bias as f32)
            })
            .collect();
        let mut weights = Vec::with_capacity(labels.len() * dim);
        let mut infos = Vec::with_capacity(labels.len());
        for (k, ((w, bias), label)) in fitted.into_iter().zip(labels).enumerate() {
            weights.extend_from_slice(&w);
            infos.push(ClassInfo {
                label,
                bias,
                calibration: calibrations[k],
                support: support[k],
            });
        }
        Ok(ClassModel {
            header: ClassHeader {
                format_version: CLASS_FORMAT_VERSION,
                task: task.to_owned(),
                features: options.features,
                multi_label,
                classes: infos,
                c,
            },
            weights,
        })
    }

    /// Writes the model file.
    ///
    /// # Errors
    ///
    /// The file cannot be written.
    pub fn save(&self, path: &Path) -> Result<()> {
        let header = serde_json::to_vec(&self.header).unwrap_or_default();
        let mut out = Vec::with_capacity(16 + header.len() + self.weights.len() * 4);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&(header.len() as u32).to_le_bytes());
        out.extend_from_slice(&header);
        for w in &self.weights {
            out.extend_from_slice(&w.to_le_bytes());
        }
        let io = |e| Error::io(format!("cannot write {}", path.display()), e);
        let mut f = std::fs::File::create(path).map_err(io)?;
        f.write_all(&out).map_err(io)
    }

    /// Checks that the model was trained for `task` and that `known` accepts each of its
    /// class labels; `what` names what a label should be, for the error.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] naming the task or the first unknown label.
    pub fn expect(&self, task: &str, known: impl Fn(&str) -> bool, what: &str) -> Result<()> {
        let fail = |message: String| Error::Config {
            path: None,
            message,
        };
        if self.header.task != task {
            return Err(fail(format!(
                "a `{}` model, not a `{task}` one",
                self.header.task
            )));
        }
        match self.header.classes.iter().find(|c| !known(&c.label)) {
            Some(class) => Err(fail(format!("its class `{}` is not {what}", class.label))),
            None => Ok(()),
        }
    }

    /// Reads a model file.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when it cannot be read, [`Error::Config`] when it is not a fankui class
    /// model or is damaged, [`Error::Json`] when its header is not JSON.
    pub fn from_path(path: &Path) -> Result<Self> {
        let bytes = std::fs::read(path)
            .map_err(|e| Error::io(format!("cannot read {}", path.display()), e))?;
        Self::from_bytes(&bytes, path)
    }

    /// Reads a model from the bytes of a file; `name` (the file's path, or the name of a
    /// shipped model) is what errors name.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when the bytes are not a fankui class model or are damaged,
    /// [`Error::Json`] when its header is not JSON.
    pub fn from_bytes(bytes: &[u8], name: &Path) -> Result<Self> {
        let bad = |message: &str| Error::Config {
            path: Some(name.to_owned()),
            message: message.to_owned(),
        };
        if bytes.len() < 12 || &bytes[..8] != MAGIC {
            return Err(bad("not a fankui kind or route model (bad magic)"));
        }
        let len = u32::from_le_bytes(bytes[8..12].try_into().unwrap_or_default()) as usize;
        let body = bytes
            .get(12..12 + len)
            .ok_or_else(|| bad("truncated header"))?;
        let header: ClassHeader = serde_json::from_slice(body).map_err(|e| {
            Error::json(
                format!("invalid configuration {}: damaged header", name.display()),
                e,
            )
        })?;
        if header.format_version != CLASS_FORMAT_VERSION {
            return Err(bad("unsupported format version"));
        }
        header.features.validate().map_err(|m| bad(&m))?;
        let n = header.classes.len() * header.features.buckets();
        let rest = &bytes[12 + len..];
        if rest.len() != n * 4 {
            return Err(bad("the weights do not match the header"));
        }
        let weights = rest
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes(c.try_into().unwrap_or_default()))
            .collect();
        Ok(ClassModel { header, weights })
    }
}

fn decide(probs: &[f32], multi_label: bool) -> Vec<usize> {
    if multi_label {
        (0..probs.len()).filter(|&k| probs[k] >= 0.5).collect()
    } else {
        let best = (0..probs.len()).fold(0, |b, k| if probs[k] > probs[b] { k } else { b });
        if probs.is_empty() {
            Vec::new()
        } else {
            vec![best]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_scores_count_per_class() {
        let gold: Vec<&[usize]> = vec![&[0], &[1], &[0, 1], &[]];
        let pred = vec![vec![0], vec![0], vec![0, 1], vec![1]];
        let s = set_scores(2, &gold, &pred);
        assert_eq!(s.counts, vec![(2, 1, 0), (1, 1, 1)]);
        assert!((s.exact - 0.5).abs() < 1e-9);
    }

    #[test]
    fn learns_three_classes_and_round_trips() {
        let docs: Vec<ClassDoc> = (0..90)
            .map(|i| ClassDoc {
                features: SparseDoc::from_buckets(vec![
                    (i % 3) as u32 * 10 + 1,
                    500 + (i % 7) as u32,
                ]),
                classes: vec![i % 3],
            })
            .collect();
        let labels = vec!["a".to_owned(), "b".to_owned(), "c".to_owned()];
        let options = ClassTrainOptions {
            features: FeatureSpec {
                bits: 10,
                ..FeatureSpec::default()
            },
            ..ClassTrainOptions::default()
        };
        let m = ClassModel::train("kind", labels, &docs, false, &options).unwrap();
        for d in &docs {
            assert_eq!(m.predict(&d.features), d.classes);
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.fkc");
        m.save(&path).unwrap();
        let back = ClassModel::from_path(&path).unwrap();
        assert_eq!(back.header(), m.header());
        std::fs::write(&path, b"FKCLS\0\0\x01\x05\0\0\0{").unwrap();
        assert!(ClassModel::from_path(&path).is_err());
    }

    #[test]
    fn class_training_with_an_empty_c_grid_is_an_error_not_a_panic() {
        let docs: Vec<ClassDoc> = (0..20)
            .map(|i| ClassDoc {
                features: SparseDoc::from_buckets(vec![(i % 2) as u32 + 1]),
                classes: vec![i % 2],
            })
            .collect();
        let labels = vec!["a".to_owned(), "b".to_owned()];
        for c_grid in [vec![], vec![1.0, f64::NAN], vec![-1.0]] {
            let options = ClassTrainOptions {
                features: FeatureSpec {
                    bits: 10,
                    ..FeatureSpec::default()
                },
                c_grid,
                ..ClassTrainOptions::default()
            };
            let err =
                ClassModel::train("kind", labels.clone(), &docs, false, &options).unwrap_err();
            assert!(matches!(err, Error::Config { .. }), "{err:?}");
            assert!(err.to_string().contains("c_grid"), "{err}");
        }
    }
}
