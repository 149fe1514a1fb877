//! Evaluation against labelled data: segmentation, sentiment (with cross-validation), kind and
//! routing.

mod classes;
mod segment;
mod sentiment;

pub use classes::{evaluate_classes, ClassEvaluation, ClassPredictor, ClassScore};
pub use segment::{evaluate_segmentation, SegmentScores};
pub use sentiment::{
    cross_validate_sentiment, evaluate_sentiment, macro_f1, ClassScores, Confusion,
    CrossValidation, SentimentScores,
};
