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
//! Instructions of scoring: `I(linear) − I(segment)`; of segmenting: the inclusive count of
//! `Engine::segment` in `callgrind_annotate --inclusive=yes cg.linear`. A third argument, a
//! number of passes, also times that many passes of segmenting and (with `linear`) scoring
//! all texts and prints the fastest of each.

use std::hint::black_box;
use std::path::Path;
use std::time::Instant;

use fankui::sentiment::{LinearModel, SentimentModel};
use fankui::{Engine, Lang, Tokens};

#[path = "../benches/support/texts.rs"]
mod bench_texts;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (mode, passes) = match args.as_slice() {
        [_, mode] => (mode, 0),
        [_, mode, passes] => (mode, passes.parse::<usize>()?),
        _ => return Err("usage: sentiment_cost segment|linear [PASSES]".into()),
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
    if passes > 0 {
        // Timed passes over all texts, the fastest of each kind: a rough wall-clock check.
        let (mut segment, mut linear_ms) = (f64::MAX, f64::MAX);
        for _ in 0..passes {
            let start = Instant::now();
            let n: usize = texts
                .iter()
                .map(|t| engine.segment(black_box(t)).len())
                .sum();
            segment = segment.min(start.elapsed().as_secs_f64() * 1e3);
            assert_eq!(n, tokens);
            if score {
                let start = Instant::now();
                let s: f32 = segmented
                    .iter()
                    .map(|(t, lang)| linear.score(black_box(t), *lang))
                    .sum();
                linear_ms = linear_ms.min(start.elapsed().as_secs_f64() * 1e3);
                black_box(s);
            }
        }
        println!("fastest of {passes} passes: segment {segment:.2} ms");
        if score {
            let share = 100.0 * linear_ms / segment;
            println!("linear {linear_ms:.2} ms, {share:.1}% of segmenting");
        }
    }
    Ok(())
}

/// The bench's texts; an error when the shared corpora are missing.
fn texts() -> Result<Vec<String>, Box<dyn std::error::Error>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    if !root.join("../shared/corpora").is_dir() {
        return Err("../shared/corpora is missing: the bench's texts come from it".into());
    }
    Ok(bench_texts::texts(root))
}
