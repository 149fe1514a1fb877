//! Learning shared by the trainable stages (sentiment, kind, routing): sparse hashed
//! documents, logistic regression by dual coordinate descent with NB weighting, Platt
//! calibration, and reproducible stratified splits.

mod solver;
mod split;

pub use solver::{Calibration, SparseDoc};
pub use split::{stratified_folds, stratified_holdout};

pub(crate) use solver::{fit, platt, Solver, Weights};
