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
    Record::from_fields(
        map.clone(),
        number,
        "text",
        fankui::io::FieldPolicy::Lenient,
    )
    .unwrap()
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
        agreement >= 0.98,
        "agreement {:.3} is under 0.98",
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

/// A batch where one topic holds most of the complaints: its complaints earn topic-volume
/// points and still are no P1, which needs a P1-class reason; a health
/// complaint in the small topic is P1. The same batch in reverse order gives every record the
/// same priority (complete history).
#[test]
fn a_complaint_in_a_big_ordinary_topic_is_not_p1() {
    use fankui::topics::TopicOptions;
    use fankui::{pipeline::fit_topics, StreamOptions};
    use std::sync::Arc;

    let parcel = [
        "快递太慢了，差评",
        "快递一直不到，太差了",
        "等快递等了一周，太差了",
        "快递慢得离谱，差评",
    ];
    let food = ["外卖的汤洒了，差评", "外卖送来是凉的，太差了"];
    let screen = ["屏幕有坏点，差评", "屏幕一直闪，太差了"];
    let mut texts: Vec<String> = Vec::new();
    for i in 0..60 {
        texts.push(parcel[i % 4].to_owned());
    }
    for i in 0..10 {
        texts.push(food[i % 2].to_owned());
        texts.push(screen[i % 2].to_owned());
    }
    texts.push("外卖吃完全家上吐下泻，怀疑食物中毒，现在在医院".to_owned());
    let jsonl: String = texts
        .iter()
        .enumerate()
        .map(|(i, t)| {
            format!(
                "{{\"id\":\"{i}\",\"text\":\"{t}\",\"created_at\":\"2026-11-{:02}\",\"channel\":\"social\"}}\n",
                1 + i % 28
            )
        })
        .collect();
    let config =
        EngineConfig::from_toml_str("[priority.recency]\nreference_date = \"2026-11-30\"\n")
            .unwrap();
    let engine = Engine::builder().config(config).build().unwrap();
    let options = TopicOptions {
        k: 3,
        min_df: 2,
        max_df: 0.9,
        ..TopicOptions::default()
    };
    let fit = fit_topics(
        &engine,
        jsonl.as_bytes(),
        std::io::sink(),
        &StreamOptions::default(),
        &options,
    )
    .unwrap();
    let engine = engine.with_topic_model(Arc::new(fit.model));
    let records: Vec<Record> = jsonl
        .lines()
        .enumerate()
        .map(|(i, l)| record(&serde_json::from_str(l).unwrap(), i as u64 + 1))
        .collect();
    let results = engine.analyze_batch(&records);
    // The topic with the most records stands out from the median topic.
    let mut sizes = std::collections::BTreeMap::new();
    for r in &results {
        if let Some(t) = &r.as_ref().unwrap().topic {
            *sizes.entry(t.id).or_insert(0) += 1;
        }
    }
    let (&big, &size) = sizes.iter().max_by_key(|(_, n)| **n).unwrap();
    assert!(size >= 30, "{sizes:?}");
    for r in &results[..80] {
        let a = r.as_ref().unwrap();
        assert_eq!(a.kind, fankui::Kind::Complaint);
        assert_ne!(a.priority.level.as_str(), "P1", "{:?}", a.priority);
        if a.topic.as_ref().map(|t| t.id) == Some(big) {
            assert!(
                a.priority
                    .reasons
                    .iter()
                    .any(|r| r.starts_with("large topic") || r.starts_with("topic: ")),
                "{:?}",
                a.priority
            );
        }
    }
    let health = results[80].as_ref().unwrap();
    assert_eq!(
        health.priority.level.as_str(),
        "P1",
        "{:?}",
        health.priority
    );
    assert_eq!(health.priority.rule.as_str(), "health");
    let reversed: Vec<Record> = records.iter().rev().cloned().collect();
    let back = engine.analyze_batch(&reversed);
    for (a, b) in results.iter().zip(back.iter().rev()) {
        assert_eq!(a.as_ref().unwrap().priority, b.as_ref().unwrap().priority);
    }
}
