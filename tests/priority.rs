//! Priority against the ordered-pairs fixture (`tests/fixtures/priority_pairs.jsonl`): pairs
//! of records a triage analyst would rank without hesitation ("a fire complaint outranks slow
//! delivery", "a praise stays below any complaint"), in Chinese and English. The fixture was
//! written apart from the risk and cue lexicons, without looking at them.

use fankui::{Engine, EngineConfig, Record};
use serde_json::{Map, Value};

fn record(value: &Value, number: u64) -> Record {
    let Value::Object(map) = value else {
        panic!("record {number} is not an object")
    };
    Record::from_fields(map.clone(), number, "text").unwrap()
}

struct Outcome {
    agree: usize,
    total: usize,
    misses: Vec<String>,
}

fn run(engine: &Engine) -> Outcome {
    let text = include_str!("fixtures/priority_pairs.jsonl");
    let mut out = Outcome {
        agree: 0,
        total: 0,
        misses: Vec::new(),
    };
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let pair: Map<String, Value> = serde_json::from_str(line).unwrap();
        let mut batch: Vec<Record> = pair
            .get("context")
            .and_then(Value::as_array)
            .map(|c| {
                c.iter()
                    .enumerate()
                    .map(|(i, v)| record(v, i as u64 + 1))
                    .collect()
            })
            .unwrap_or_default();
        let n = batch.len() as u64;
        batch.push(record(&pair["higher"], n + 1));
        batch.push(record(&pair["lower"], n + 2));
        let results = engine.analyze_batch(&batch);
        let higher = results[batch.len() - 2].as_ref().unwrap();
        let lower = results[batch.len() - 1].as_ref().unwrap();
        out.total += 1;
        if higher.priority.score > lower.priority.score {
            out.agree += 1;
        } else {
            out.misses.push(format!(
                "{} ({}): higher {} {:?} {:?} vs lower {} {:?} {:?}",
                pair["id"],
                pair["why"],
                higher.priority.score,
                higher.kind,
                higher.priority.reasons,
                lower.priority.score,
                lower.kind,
                lower.priority.reasons
            ));
        }
    }
    out
}

#[test]
fn ordered_pairs_agree() {
    // Recency needs a fixed "today" for a reproducible result.
    let config =
        EngineConfig::from_toml_str("[priority.recency]\nreference_date = \"2026-11-30\"\n")
            .unwrap();
    let engine = Engine::builder().config(config).build().unwrap();
    let out = run(&engine);
    let agreement = out.agree as f64 / out.total as f64;
    eprintln!(
        "priority pairs: {}/{} agree ({:.1}%)",
        out.agree,
        out.total,
        100.0 * agreement
    );
    for m in &out.misses {
        eprintln!("  miss: {m}");
    }
    assert!(out.total >= 100, "the fixture has {} pairs", out.total);
    assert!(
        agreement >= 0.95,
        "agreement {:.3} is under 0.95",
        agreement
    );
}

/// The regulators, consumer bodies and legal wording of Hong Kong and Taiwan (issue examples):
/// a complaint to them is P1 and a complaint whatever the sentiment says.
#[test]
fn traditional_chinese_markets_regulators_are_p1() {
    let engine = Engine::builder().build().unwrap();
    for text in [
        "我會向消委會投訴你們",
        "已經向消基會申訴了",
        "再不處理我就寄存證信函給你們",
        "已經找消保官了",
        "I have lodged a complaint with the ACCC",
    ] {
        let a = engine.analyze(&Record::new("1", text)).unwrap();
        assert_eq!(a.kind, fankui::Kind::Complaint, "{text}");
        assert_eq!(a.priority.level.as_str(), "P1", "{text}: {:?}", a.priority);
    }
}
