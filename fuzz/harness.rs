//! The fuzz targets' bodies, shared by the libFuzzer targets (`fuzz/fuzz_targets/`, nightly)
//! and by `tests/fuzz_replay.rs`, which runs every committed corpus file through them on the
//! stable toolchain. Each takes any bytes and checks what must hold for every input, not only
//! that nothing panics.

use std::io::Read;
use std::path::Path;
use std::sync::OnceLock;

use fankui::io::{parse_record, FieldPolicy, InputFormat, RawBody, RecordReader};
use fankui::pipeline::{write_json_line, OutputOptions, OutputRecord};
use fankui::{Engine, Kind, Lang, Record};

/// A target's body: any bytes in, a panic when an invariant breaks.
pub type Target = fn(&[u8]);

/// Every target, by the name of its folder under `fuzz/corpus/` (and `fuzz/regressions/`).
// A fuzz target uses one of them; the replay test uses the table.
#[allow(dead_code)]
pub const TARGETS: &[(&str, Target)] = &[
    ("records", records),
    ("gzip_records", gzip_records),
    ("analyze_text", analyze_text),
    ("analyze_record", analyze_record),
    ("taxonomy", taxonomy),
    ("config", config),
    ("sentiment_model", sentiment_model),
    ("class_model", class_model),
    ("topic_model", topic_model),
    ("idf", idf),
    ("user_dict", user_dict),
    ("report_line", report_line),
];

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        Engine::builder()
            .build()
            .expect("the default engine builds")
    })
}

/// The record reader and field parser: the first byte picks JSONL, CSV or TSV and a small
/// record limit, the rest is the input. Record numbers count up by one, lines never go back,
/// and every record is parsed or rejected with a reason.
pub fn records(data: &[u8]) {
    let Some((&pick, input)) = data.split_first() else {
        return;
    };
    let format = match pick % 3 {
        0 => InputFormat::Jsonl,
        1 => InputFormat::Csv,
        _ => InputFormat::Tsv,
    };
    let limit = 16 + usize::from(pick / 3) * 8;
    read_all(input, format, limit, 1 + usize::from(pick % 5));
}

/// Gzip input, as `analyze` reads a `.gz` file: a bad stream is an error, never a panic.
pub fn gzip_records(data: &[u8]) {
    let gz = flate2::read::MultiGzDecoder::new(data);
    // A bomb is cut short: the target is the decoder and the reader, not the memory.
    read_all(gz.take(1 << 20), InputFormat::Jsonl, 1 << 16, 100);
}

fn read_all<R: Read>(input: R, format: InputFormat, limit: usize, quoted_lines: usize) {
    let Ok(reader) = RecordReader::new(input, format, limit) else {
        return;
    };
    let mut reader = reader.with_max_quoted_lines(quoted_lines);
    let header = reader.header().map(<[String]>::to_vec);
    let (mut number, mut line) = (0, 0);
    while let Ok(Some(raw)) = reader.next_record() {
        number += 1;
        assert_eq!(raw.number, number, "record numbers count up by one");
        assert!(
            raw.line > line || number == 1,
            "line {} after {line}",
            raw.line
        );
        line = raw.line;
        if let RawBody::Invalid { reason, .. } = &raw.body {
            assert!(!reason.to_string().is_empty());
        }
        for policy in [FieldPolicy::Lenient, FieldPolicy::Strict] {
            match parse_record(&raw, header.as_deref(), "text", policy) {
                Ok(record) => {
                    assert!(!record.text.trim().is_empty());
                    assert!(!record.id.is_empty());
                    let repaired = |r: &str| r.starts_with("lone surrogate escape");
                    assert_eq!(
                        record.invalid_fields.is_empty(),
                        record.warnings.iter().all(|w| repaired(&w.reason))
                    );
                    if policy == FieldPolicy::Strict {
                        assert!(record.invalid_fields.is_empty());
                    }
                }
                Err(reason) => assert!(!reason.to_string().is_empty()),
            }
        }
    }
}

/// `Engine::analyze` on any UTF-8 text, and the output line written from it.
pub fn analyze_text(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        check_analysis(&Record::new("f", text));
    }
}

/// `Engine::analyze` on a record with every contract field: the bytes cut at 0x1F into the
/// values of `id`, `text`, `channel`, `created_at`, `rating`, `nps`, `customer_id`,
/// `customer_value`, `product` and a passed-through field (numbers where they parse), read as
/// an input line is.
pub fn analyze_record(data: &[u8]) {
    const NAMES: [&str; 10] = [
        "id",
        "text",
        "channel",
        "created_at",
        "rating",
        "nps",
        "customer_id",
        "customer_value",
        "product",
        "note",
    ];
    let mut fields = serde_json::Map::new();
    for (name, piece) in NAMES.iter().zip(data.split(|&b| b == 0x1f)) {
        let s = String::from_utf8_lossy(piece).into_owned();
        let value = match s.parse::<serde_json::Number>() {
            Ok(n) if *name != "text" => serde_json::Value::Number(n),
            _ => serde_json::Value::String(s),
        };
        fields.insert((*name).to_owned(), value);
    }
    if let Ok(record) = Record::from_fields(fields, 1, "text", FieldPolicy::Lenient) {
        check_analysis(&record);
    }
}

fn check_analysis(record: &Record) {
    let Ok(a) = engine().analyze(record) else {
        assert!(
            record.text.trim().is_empty() || record.text.len() > 1 << 20,
            "only an empty or over-long text is an error"
        );
        return;
    };
    let text = &record.text;
    assert!((-1.0..=1.0).contains(&a.sentiment.score));
    assert!(a.priority.score <= 100);
    for k in &a.keywords {
        assert!(
            text.get(k.span.clone()).is_some(),
            "keyword span {:?}",
            k.span
        );
    }
    for t in &a.tokens {
        assert!(text.get(t.span()).is_some(), "token span {:?}", t.span());
    }
    for aspect in &a.aspects {
        assert!(
            text.get(aspect.span.clone()).is_some(),
            "aspect {:?}",
            aspect.span
        );
    }
    if a.lang == Lang::Other {
        assert_eq!(a.kind, Kind::Other);
        assert!(a.department.is_none());
    }
    let mut line = Vec::new();
    write_json_line(
        &mut line,
        &OutputRecord {
            record,
            analysis: &a,
            options: OutputOptions { tokens: true },
        },
    );
    let v: serde_json::Value = serde_json::from_slice(&line).expect("the output line is JSON");
    assert_eq!(v["id"], record.id.as_str());
    // What `analyze` writes, the report reads.
    let line = line.strip_suffix(b"\n").expect("one line");
    fankui::report::check_line(line, "text").expect("the report reads analyze's output");
}

fn text(data: &[u8]) -> Option<&str> {
    std::str::from_utf8(data).ok()
}

/// A taxonomy file, and the router built from it.
pub fn taxonomy(data: &[u8]) {
    let Some(text) = text(data) else { return };
    if let Ok(taxonomy) = fankui::route::Taxonomy::from_toml_str(text, None) {
        let normalizer = fankui::segment::StandardNormalizer::new(Default::default());
        let _ = fankui::route::RuleRouter::new(&taxonomy, &normalizer);
    }
}

/// A configuration file.
pub fn config(data: &[u8]) {
    if let Some(text) = text(data) {
        let _ = fankui::EngineConfig::from_toml_str(text);
    }
}

/// A sentiment model file.
pub fn sentiment_model(data: &[u8]) {
    let _ = fankui::sentiment::LinearModel::from_bytes(data, "fuzz");
}

/// A kind or route model file.
pub fn class_model(data: &[u8]) {
    let _ = fankui::learn::ClassModel::from_bytes(data, Path::new("fuzz"));
}

/// A topic model file.
pub fn topic_model(data: &[u8]) {
    if let Some(text) = text(data) {
        let _ = fankui::topics::TopicModel::from_json(text, Path::new("fuzz"));
    }
}

/// An IDF table.
pub fn idf(data: &[u8]) {
    if let Some(text) = text(data) {
        let _ = fankui::keywords::IdfTable::from_text(text, Path::new("fuzz"));
    }
}

/// A user dictionary.
pub fn user_dict(data: &[u8]) {
    if let Some(text) = text(data) {
        let _ = fankui::segment::UserDict::parse(text, "fuzz");
    }
}

/// The report's reader of one analysed line: any bytes are read or rejected with a reason,
/// and a line it reads is a JSON object that a strict parser reads too.
pub fn report_line(data: &[u8]) {
    match fankui::report::check_line(data, "text") {
        Ok(()) => {
            let v: Result<serde_json::Value, _> = serde_json::from_slice(data);
            assert!(
                v.as_ref().is_ok_and(serde_json::Value::is_object),
                "the report read a line that is not a JSON object"
            );
        }
        Err(reason) => assert!(!reason.to_string().is_empty()),
    }
}
