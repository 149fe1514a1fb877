//! Every department's probability under a learned router (`fankui train route`), one JSON
//! line per input line, for measuring a model text by text (`fankui eval route` only prints
//! totals).
//!
//! Reads JSONL with a `text` field (other fields are ignored but `id`, which is copied) and
//! writes `{"id": …, "probs": {"product": 0.71, …}}` per line, in input order, the classes in
//! the model's order. The features are what `fankui train route` sees: the default
//! configuration's taxonomy and segmentation, the whole of `text`.
//!
//! ```text
//! cargo build --release --example route_probabilities
//! target/release/examples/route_probabilities models/route/fallback.fkr texts.jsonl > probs.jsonl
//! ```

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::Path;

use fankui::learn::ClassModel;
use fankui::{Engine, LearnedTask};
use serde_json::{json, Map, Value};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, model, input] = args.as_slice() else {
        return Err("usage: route_probabilities MODEL.fkr INPUT.jsonl".into());
    };
    let model = ClassModel::from_path(Path::new(model))?;
    if model.header().task != "route" {
        return Err(format!("a `{}` model, not a `route` one", model.header().task).into());
    }
    let engine = Engine::builder().build()?;
    let spec = model.header().features;
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    for (n, line) in BufReader::new(File::open(input)?).lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let record: Value =
            serde_json::from_str(&line).map_err(|e| format!("{input}:{}: {e}", n + 1))?;
        let text = record
            .get("text")
            .and_then(Value::as_str)
            .ok_or_else(|| format!("{input}:{}: no `text`", n + 1))?;
        let doc = engine.learned_text_features(LearnedTask::Route, spec, text);
        let probs: Map<String, Value> = model
            .header()
            .classes
            .iter()
            .zip(model.probabilities(&doc))
            .map(|(class, p)| {
                (
                    class.label.clone(),
                    json!((p * 10_000.0).round() / 10_000.0),
                )
            })
            .collect();
        let id = record.get("id").cloned().unwrap_or(Value::Null);
        serde_json::to_writer(&mut out, &json!({"id": id, "probs": probs}))?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(())
}
