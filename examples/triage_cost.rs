//! What kind, routing and priority cost next to the rest of the pipeline, in a form whose
//! instruction counts repeat from run to run.
//!
//! Reads the first `N` records of a JSONL file and analyses them on one thread, as
//! `fankui analyze --threads 1` does: parsing, analysis, repeat grievances, one JSON line per
//! record. `full` runs [`Engine::analyze`] and writes the contract's line; `text` runs
//! [`Engine::analyze_text`] and writes the same line without `kind`, `department` and
//! `priority`. The lines are counted, not kept.
//!
//! ```text
//! cargo build --release --example triage_cost
//! for n in 5000 15000; do for mode in text full; do
//!   valgrind --tool=callgrind --callgrind-out-file=cg.$mode.$n \
//!     target/release/examples/triage_cost DUMP.jsonl $n $mode
//! done; done
//! ```
//!
//! Instructions per record of a mode: `(I(15000) − I(5000)) / 10000`, so start-up cancels.

use std::fs::File;
use std::io::BufReader;

use fankui::io::{parse_record, FieldPolicy, InputFormat, RecordReader};
use fankui::pipeline::{write_json_line, OutputOptions, OutputRecord};
use fankui::{Engine, Record, TextAnalysis};
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, path, n, mode] = args.as_slice() else {
        return Err("usage: triage_cost FILE.jsonl N text|full".into());
    };
    let n: usize = n.parse()?;
    let full = match mode.as_str() {
        "full" => true,
        "text" => false,
        _ => return Err(format!("mode `{mode}`: text or full").into()),
    };
    let engine = Engine::builder().build()?;
    let input = BufReader::new(File::open(path)?);
    let mut reader = RecordReader::new(input, InputFormat::Jsonl, 1 << 20)?;
    let mut tracker = engine.stream_tracker();
    let (mut records, mut bytes) = (0usize, 0usize);
    let mut line = Vec::new();
    while records < n {
        let Some(raw) = reader.next_record()? else {
            break;
        };
        let Ok(record) = parse_record(&raw, None, "text", FieldPolicy::Lenient) else {
            continue;
        };
        line.clear();
        if full {
            let Ok(mut analysis) = engine.analyze(&record) else {
                continue;
            };
            engine.count_stream(&mut tracker, &record, &mut analysis);
            let out = OutputRecord {
                record: &record,
                analysis: &analysis,
                options: OutputOptions::default(),
            };
            write_json_line(&mut line, &out);
        } else {
            let Ok(analysis) = engine.analyze_text(&record) else {
                continue;
            };
            serde_json::to_writer(&mut line, &TextLine(&record, &analysis))?;
            line.push(b'\n');
        }
        records += 1;
        bytes += line.len();
    }
    println!("{records} records, {bytes} bytes of output ({mode})");
    Ok(())
}

#[derive(Serialize)]
struct SentimentOut {
    label: &'static str,
    score: f32,
}

/// The contract's line without the keys of kind, routing and priority.
struct TextLine<'a>(&'a Record, &'a TextAnalysis);

impl Serialize for TextLine<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let (record, a) = (self.0, self.1);
        let rounded = |x: f32| (x * 1000.0).round() / 1000.0;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("id", &record.id)?;
        map.serialize_entry("lang", a.lang.as_str())?;
        if let Some(script) = a.script {
            map.serialize_entry("script", script.as_str())?;
        }
        map.serialize_entry(
            "sentiment",
            &SentimentOut {
                label: a.sentiment.label.as_str(),
                score: rounded(a.sentiment.score),
            },
        )?;
        let keywords: Vec<&str> = a
            .keywords
            .iter()
            .filter_map(|k| record.text.get(k.span.clone()))
            .collect();
        map.serialize_entry("keywords", &keywords)?;
        map.serialize_entry("topic", &Option::<u32>::None)?;
        for (name, value) in &record.fields {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }
}
