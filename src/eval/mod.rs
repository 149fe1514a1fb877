//! Evaluation against labelled data.

mod segment;
mod sentiment;

pub use segment::{evaluate_segmentation, SegmentScores};
pub use sentiment::{
    cross_validate_sentiment, evaluate_sentiment, macro_f1, ClassScores, Confusion,
    CrossValidation, SentimentScores,
};
