//! Learning shared by the trainable stages (sentiment, kind, routing): hashed features and
//! the fixed hash they use, sparse documents, logistic regression by dual coordinate descent
//! with NB weighting, Platt calibration, reproducible stratified splits, metrics and the
//! significance tests of reports and priority.

mod classes;
mod data;
mod features;
pub(crate) mod hash;
mod metrics;
mod solver;
mod split;
pub(crate) mod stats;

pub use classes::{
    ClassDoc, ClassHeader, ClassInfo, ClassModel, ClassTrainOptions, CLASS_FORMAT_VERSION,
};
pub use data::{read_class_file, ClassExample};
pub(crate) use data::{text_of, LabelledRecord, LabelledRecords};
pub use features::FeatureSpec;
pub(crate) use features::{extract, learned_doc, negates_by_suffix, Negators};
pub(crate) use metrics::macro_f1;
pub use metrics::{f1, set_scores, SetScores};
pub use solver::{Calibration, SparseDoc};
pub(crate) use split::SplitMix64;
pub use split::{stratified_folds, stratified_holdout};

pub(crate) use solver::{fit, platt, Solver, Weights};
