//! How many records of a dump the risk lexicon gives a strong reason: a category whose
//! strongest phrase weighs at least 2, the threshold of a P1-class reason for the
//! categories other than churn.
//!
//! Reads the first `N` records of a JSONL file, normalises each `text` as the engine does and
//! runs [`RiskLexicon::find`] on it. Prints, per category, the records with a phrase of
//! weight ≥ 2 and, for all categories but churn together, the records with any; with a
//! third argument, also writes one line per such record (`id`, then `category:weight:found`
//! for each strong category) to that file, so that two lexicons can be compared with `diff`.
//!
//! ```text
//! cargo build --release --example risk_census
//! target/release/examples/risk_census DUMP.jsonl 200000 hits.tsv
//! ```

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};

use fankui::priority::{RiskCategory, RiskLexicon};
use fankui::segment::{Normalizer, NormalizerConfig, StandardNormalizer};
use serde_json::Value;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (path, n, out) = match args.as_slice() {
        [_, path, n] => (path, n, None),
        [_, path, n, out] => (path, n, Some(out)),
        _ => return Err("usage: risk_census FILE.jsonl N [HITS.tsv]".into()),
    };
    let n: usize = n.parse()?;
    let normalizer = StandardNormalizer::new(NormalizerConfig::default());
    let lexicon = RiskLexicon::shipped(&normalizer)?;
    let mut out = match out {
        Some(p) => Some(BufWriter::new(File::create(p)?)),
        None => None,
    };
    let mut per_category: BTreeMap<RiskCategory, usize> = BTreeMap::new();
    let (mut records, mut strong) = (0usize, 0usize);
    for line in BufReader::new(File::open(path)?).lines().take(n) {
        let line = line?;
        let value: Value = serde_json::from_str(&line)?;
        let text = value.get("text").and_then(Value::as_str).unwrap_or("");
        let id = value.get("id").and_then(Value::as_str).unwrap_or("");
        records += 1;
        let norm = normalizer.normalize(text);
        let found: Vec<_> = lexicon
            .find(norm.text())
            .into_iter()
            .filter(|(_, w, _)| *w >= 2.0)
            .collect();
        for (c, _, _) in &found {
            *per_category.entry(*c).or_default() += 1;
        }
        if found.iter().any(|(c, _, _)| *c != RiskCategory::Churn) {
            strong += 1;
        }
        if let (Some(out), false) = (out.as_mut(), found.is_empty()) {
            write!(out, "{id}")?;
            for (c, w, s) in &found {
                write!(out, "\t{c}:{w}:{s}")?;
            }
            writeln!(out)?;
        }
    }
    if let Some(mut out) = out {
        out.flush()?;
    }
    let share = |k: usize| 100.0 * k as f64 / records.max(1) as f64;
    println!("records\t{records}");
    for c in RiskCategory::ALL {
        let k = per_category.get(&c).copied().unwrap_or(0);
        println!("{c}\t{k}\t{:.2}%", share(k));
    }
    println!("non-churn\t{strong}\t{:.2}%", share(strong));
    Ok(())
}
