//! What segmenting costs, next to raw jieba-rs `cut`, in a form whose instruction counts
//! repeat from run to run.
//!
//! Segments the texts of the `segment` Criterion group (`benches/segment.rs`: 5,300 reviews
//! from `../shared/corpora`, or `corpora/sample_feedback.jsonl` without them) once to warm up,
//! then once more inside `measured`, with `Engine::segment` (`fankui`) or jieba-rs
//! `cut(text, true)` (`jieba`). Only the second pass counts:
//!
//! ```text
//! cargo build --release --example segment_cost
//! for mode in jieba fankui; do
//!   valgrind --tool=callgrind --toggle-collect='segment_cost::measured' \
//!     --callgrind-out-file=cg.$mode target/release/examples/segment_cost $mode
//! done
//! callgrind_annotate --inclusive=yes cg.fankui | head -40
//! ```

use std::hint::black_box;
use std::path::Path;

use fankui::Engine;

#[path = "../benches/support/texts.rs"]
mod texts;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, mode] = args.as_slice() else {
        return Err("usage: segment_cost jieba|fankui".into());
    };
    let texts = texts::texts(Path::new(env!("CARGO_MANIFEST_DIR")));
    let tokens = match mode.as_str() {
        "fankui" => {
            let engine = Engine::builder().build()?;
            let pass = || {
                texts
                    .iter()
                    .map(|t| engine.segment(black_box(t)).len())
                    .sum()
            };
            pass();
            measured(pass)
        }
        "jieba" => {
            let jieba = jieba_rs::Jieba::new();
            let pass = || {
                texts
                    .iter()
                    .map(|t| jieba.cut(black_box(t), true).len())
                    .sum()
            };
            pass();
            measured(pass)
        }
        _ => return Err(format!("mode `{mode}`: jieba or fankui").into()),
    };
    println!("{} texts, {tokens} tokens", texts.len());
    Ok(())
}

/// The pass that counts (callgrind's `--toggle-collect` names it).
#[inline(never)]
fn measured(pass: impl Fn() -> usize) -> usize {
    pass()
}
