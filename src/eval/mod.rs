//! Evaluation against labelled data.

mod segment;

pub use segment::{evaluate_segmentation, SegmentScores};
