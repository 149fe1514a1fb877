//! What scoring sentiment with the shipped linear model costs next to segmenting the same
//! texts, in a form whose instruction counts repeat from run to run.
//!
//! The texts are those of the `sentiment` group of `benches/segment.rs`: the first 3,000
//! online_shopping_10_cats reviews, 1,500 waimai_10k reviews and 800 SST-2 dev sentences from
//! `../shared/corpora`. `segment` segments each text; `linear` segments each text too, then
//! scores every segmented text with [`LinearModel`]. The sum of the scores is printed, so a
//! change that moves any score shows.
//!
//! ```text
//! cargo build --release --example sentiment_cost
//! for mode in segment linear; do
//!   valgrind --tool=callgrind --callgrind-out-file=cg.$mode \
//!     target/release/examples/sentiment_cost $mode
//! done
//! ```
//!
//! Instructions of scoring: `I(linear) − I(segment)`; of segmenting: `I(segment)` less the
//! start-up (model loading), which `callgrind_annotate --inclusive=yes cg.linear` shows apart.

use std::path::Path;

use fankui::sentiment::{LinearModel, SentimentModel};
use fankui::{Engine, Lang, Tokens};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, mode] = args.as_slice() else {
        return Err("usage: sentiment_cost segment|linear".into());
    };
    let score = match mode.as_str() {
        "segment" => false,
        "linear" => true,
        _ => return Err(format!("mode `{mode}`: segment or linear").into()),
    };
    let texts = texts()?;
    let engine = Engine::builder().build()?;
    let linear = LinearModel::shipped()?;
    let segmented: Vec<(Tokens, Lang)> = texts
        .iter()
        .map(|t| (engine.segment(t), engine.detect(t).0))
        .collect();
    let tokens: usize = segmented.iter().map(|(t, _)| t.len()).sum();
    println!("{} texts, {tokens} tokens", texts.len());
    if score {
        let sum: f64 = segmented
            .iter()
            .map(|(t, lang)| f64::from(linear.score(t, *lang)))
            .sum();
        println!("sum of linear scores {sum:.9}");
    }
    Ok(())
}

/// The bench's texts; an error when the shared corpora are missing.
fn texts() -> Result<Vec<String>, Box<dyn std::error::Error>> {
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpora");
    let mut texts = Vec::new();
    for (file, column, delimiter, n) in [
        ("zh/online_shopping_10_cats.csv", 2, b',', 3000),
        ("zh/waimai_10k.csv", 1, b',', 1500),
        ("en/sst2_glue/dev.tsv", 1, b'\t', 800),
    ] {
        let mut rdr = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .from_path(shared.join(file))?;
        for row in rdr.records().flatten().take(n) {
            if let Some(t) = row.get(column).filter(|t| !t.trim().is_empty()) {
                texts.push(t.to_owned());
            }
        }
    }
    Ok(texts)
}
