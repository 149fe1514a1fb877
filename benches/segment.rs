//! Segmentation and pipeline throughput, in bytes per second, next to raw jieba-rs `cut` on
//! the same texts.
//!
//! Texts: reviews from `../shared/corpora` (online_shopping_10_cats, waimai_10k, SST-2) when
//! present, otherwise the project's own `corpora/sample_feedback.jsonl`.
//!
//! Run: `cargo bench --bench segment` (or `-- sentiment`, `-- triage` for one group alone).

use std::hint::black_box;
use std::path::Path;

#[path = "support/texts.rs"]
mod texts;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use fankui::sentiment::{LexiconModel, LinearModel, SentimentModel};
use fankui::{Engine, Kind, Lang, Parallelism, Record, Tokens};

/// The texts as records, numbered.
fn records(texts: &[String]) -> Vec<Record> {
    texts
        .iter()
        .enumerate()
        .map(|(i, t)| Record::new(i.to_string(), t.as_str()))
        .collect()
}

fn segmentation(c: &mut Criterion) {
    let texts = texts::texts(Path::new(env!("CARGO_MANIFEST_DIR")));
    let bytes: usize = texts.iter().map(String::len).sum();
    let jieba = jieba_rs::Jieba::new();
    let engine = Engine::builder().build().expect("default engine");
    let records = records(&texts);

    let mut group = c.benchmark_group("segment");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.sample_size(20);
    group.bench_function("jieba-rs cut (raw)", |b| {
        b.iter(|| {
            let n: usize = texts
                .iter()
                .map(|t| jieba.cut(black_box(t), true).len())
                .sum();
            assert!(n > texts.len());
            n
        })
    });
    group.bench_function("fankui segment", |b| {
        b.iter(|| {
            let n: usize = texts
                .iter()
                .map(|t| engine.segment(black_box(t)).len())
                .sum();
            assert!(n > texts.len());
            n
        })
    });
    group.bench_function("fankui analyze (pipeline)", |b| {
        b.iter(|| {
            let n: usize = records
                .iter()
                .map(|r| {
                    engine
                        .analyze(black_box(r))
                        .expect("non-empty text")
                        .tokens
                        .len()
                })
                .sum();
            assert!(n > texts.len());
            n
        })
    });
    group.finish();

    let mut group = c.benchmark_group("analyze_batch");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.sample_size(10);
    for threads in [1usize, 2] {
        let parallelism = if threads == 1 {
            Parallelism::Sequential
        } else {
            Parallelism::Threads(threads)
        };
        let engine = Engine::builder()
            .parallelism(parallelism)
            .build()
            .expect("engine");
        group.bench_with_input(
            BenchmarkId::new("threads", threads),
            &records,
            |b, records| {
                b.iter(|| {
                    let results = engine.analyze_batch(black_box(records));
                    assert!(results.iter().all(Result::is_ok));
                    results.len()
                })
            },
        );
    }
    group.finish();
}

/// Sentiment next to the segmentation it rides on: the bar is that scoring adds at most 25%
/// to segmenting the same texts.
fn sentiment(c: &mut Criterion) {
    let texts = texts::texts(Path::new(env!("CARGO_MANIFEST_DIR")));
    let bytes: usize = texts.iter().map(String::len).sum();
    let engine = Engine::builder().build().expect("default engine");
    let linear = LinearModel::shipped().expect("shipped model");
    let lexicon = LexiconModel::shipped();
    let segmented: Vec<(Tokens, Lang)> = texts
        .iter()
        .map(|t| (engine.segment(t), engine.detect(t).0))
        .collect();

    let mut group = c.benchmark_group("sentiment");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.sample_size(20);
    group.bench_function("segment", |b| {
        b.iter(|| {
            texts
                .iter()
                .map(|t| engine.segment(black_box(t)).len())
                .sum::<usize>()
        })
    });
    let models: [(&str, &dyn SentimentModel); 2] = [
        ("linear (tokens given)", &linear),
        ("lexicon (tokens given)", &lexicon),
    ];
    for (name, model) in models {
        group.bench_function(name, |b| {
            b.iter(|| {
                segmented
                    .iter()
                    .map(|(tokens, lang)| model.score(black_box(tokens), *lang))
                    .sum::<f32>()
            })
        });
    }
    group.finish();
}

/// Kind, routing and priority next to the rest of the pipeline: the bar is that they add at
/// most 20% to analysing the same records without them (`Engine::analyze_text`).
fn triage(c: &mut Criterion) {
    let texts = texts::texts(Path::new(env!("CARGO_MANIFEST_DIR")));
    let bytes: usize = texts.iter().map(String::len).sum();
    let engine = Engine::builder().build().expect("default engine");
    let records = records(&texts);

    let mut group = c.benchmark_group("triage");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.sample_size(20);
    group.bench_function("without kind, routing, priority (analyze_text)", |b| {
        b.iter(|| {
            let n: usize = records
                .iter()
                .map(|r| {
                    let a = engine.analyze_text(black_box(r)).expect("non-empty text");
                    a.tokens.len()
                })
                .sum();
            assert!(n > records.len());
            n
        })
    });
    group.bench_function("with kind, routing, priority (analyze)", |b| {
        b.iter(|| {
            let (mut routed, mut complaints) = (0usize, 0usize);
            for r in &records {
                let a = engine.analyze(black_box(r)).expect("non-empty text");
                routed += usize::from(a.department.is_some());
                complaints += usize::from(a.kind == Kind::Complaint);
            }
            // Reviews: many complaints, most of them routed.
            assert!(complaints > records.len() / 10 && routed >= complaints);
            routed
        })
    });
    group.finish();
}

criterion_group!(benches, segmentation, sentiment, triage);
criterion_main!(benches);
