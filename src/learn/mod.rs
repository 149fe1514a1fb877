//! Learning shared by the trainable stages (sentiment, kind, routing): sparse hashed
//! documents, logistic regression by dual coordinate descent with NB weighting, Platt
//! calibration, and reproducible stratified splits.

mod classes;
mod data;
mod solver;
mod split;

pub use classes::{
    f1, set_scores, ClassDoc, ClassHeader, ClassInfo, ClassModel, ClassTrainOptions, SetScores,
    CLASS_FORMAT_VERSION,
};
pub use data::{read_class_file, ClassExample};
pub(crate) use data::{text_of, LabelledRecord, LabelledRecords};
pub use solver::{Calibration, SparseDoc};
pub(crate) use split::SplitMix64;
pub use split::{stratified_folds, stratified_holdout};

pub(crate) use solver::{fit, platt, Solver, Weights};
