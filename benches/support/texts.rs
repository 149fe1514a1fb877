//! The texts of the segmentation benches, shared with `examples/segment_cost.rs` and `examples/sentiment_cost.rs`.
//!
//! Reviews from `../shared/corpora` (the non-blank texts among the first 3,000 rows of
//! online_shopping_10_cats, 1,500 of waimai_10k and 800 of SST-2 dev) when present, otherwise the project's
//! own `corpora/sample_feedback.jsonl`.

use std::path::Path;

/// The texts, in a fixed order.
pub fn texts(manifest_dir: &Path) -> Vec<String> {
    let shared = manifest_dir.join("../shared/corpora");
    let mut texts = Vec::new();
    let mut take = |path: &Path, column: usize, delim: u8, n: usize| {
        let Ok(mut rdr) = csv::ReaderBuilder::new().delimiter(delim).from_path(path) else {
            return;
        };
        for row in rdr.records().flatten().take(n) {
            if let Some(t) = row.get(column).filter(|t| !t.trim().is_empty()) {
                texts.push(t.to_owned());
            }
        }
    };
    take(
        &shared.join("zh/online_shopping_10_cats.csv"),
        2,
        b',',
        3000,
    );
    take(&shared.join("zh/waimai_10k.csv"), 1, b',', 1500);
    take(&shared.join("en/sst2_glue/dev.tsv"), 1, b'\t', 800);
    if texts.is_empty() {
        let sample = include_str!("../../corpora/sample_feedback.jsonl");
        for line in sample.lines() {
            let v: serde_json::Value = serde_json::from_str(line).expect("sample is JSON");
            texts.push(v["text"].as_str().unwrap_or_default().to_owned());
        }
    }
    texts
}
