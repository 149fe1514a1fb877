//! End-to-end tests of the `fankui` binary: hostile inputs, record accounting, segmentation,
//! the shipped sample, determinism across threads, CSV output, errors and exit codes.

mod util;

use std::io::{BufRead, BufReader, Read};

use serde_json::{Map, Value};

use util::{gzip, parse_jsonl, shipped, Dir, Summary};

/// Keys the analysis writes itself; an input field with one of these names comes out as
/// `input_<name>` (the contract's pass-through rule).
const OUTPUT_KEYS: &[&str] = &[
    "id",
    "lang",
    "script",
    "sentiment",
    "sentiment_score",
    "kind",
    "keywords",
    "topic",
    "department",
    "priority",
    "tokens",
];

const LANGS: &[&str] = &["zh", "en", "mixed", "other"];

fn str_field<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("no string `{key}` in {v}"))
}

fn u64_field(v: &Value, key: &str) -> u64 {
    v.get(key)
        .and_then(Value::as_u64)
        .unwrap_or_else(|| panic!("no integer `{key}` in {v}"))
}

/// Checks that every field of `input` but `id` is in `output` with the same value, under
/// `input_<name>` when the name clashes with an analysis key.
#[track_caller]
fn assert_passed_through(input: &Map<String, Value>, output: &Value) {
    for (name, value) in input {
        if name == "id" {
            continue;
        }
        let key = if OUTPUT_KEYS.contains(&name.as_str()) {
            format!("input_{name}")
        } else {
            name.clone()
        };
        assert_eq!(
            output.get(&key),
            Some(value),
            "input field `{name}` should come out as `{key}` unchanged in {output}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// 1. Hostile JSONL
// ---------------------------------------------------------------------------------------------

/// What should become of one physical line.
enum Want {
    /// Skipped: not a record.
    Blank,
    /// Analysed, with this id.
    Out(&'static str),
    /// Rejected, with a reason containing each of these.
    Reject(&'static [&'static str]),
    /// Analysed, with this id, with warnings for these fields: the first list set aside
    /// (null, their values under `invalid_fields`), the second repaired (a lone surrogate).
    Warned(
        &'static str,
        &'static [&'static str],
        &'static [&'static str],
    ),
}

struct Line {
    bytes: Vec<u8>,
    eol: &'static [u8],
    want: Want,
}

fn line(bytes: impl Into<Vec<u8>>, eol: &'static [u8], want: Want) -> Line {
    Line {
        bytes: bytes.into(),
        eol,
        want,
    }
}

const LF: &[u8] = b"\n";
const CRLF: &[u8] = b"\r\n";
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The invalid-UTF-8 line, and its exact bytes in base64 (computed independently).
const BAD_UTF8: &[u8] = b"{\"id\":\"u8\",\"text\":\"ok \xFF\xFE bad\"}";
const BAD_UTF8_BASE64: &str = "eyJpZCI6InU4IiwidGV4dCI6Im9rIP/+IGJhZCJ9";

fn hostile_jsonl_lines() -> Vec<Line> {
    // A 300-byte record: over the 200-byte limit the test passes.
    let long = {
        let head = r#"{"id":"long","text":""#;
        let tail = r#""}"#;
        let n = 300 - head.len() - tail.len();
        format!("{head}{}{}{tail}", "长".repeat(n / 3), "x".repeat(n % 3))
    };
    assert_eq!(long.len(), 300);

    vec![
        // The BOM belongs to the file, not to the first record.
        line(
            [
                BOM,
                r#"{"id":"zh-1","text":"物流太慢了，等了一个星期才到","channel":"app"}"#.as_bytes(),
            ]
            .concat(),
            CRLF,
            Want::Out("zh-1"),
        ),
        // No id: the record number, 2.
        line(
            r#"{"text":"門店排隊太久了，服務員態度也很差"}"#,
            LF,
            Want::Out("2"),
        ),
        line("", LF, Want::Blank),
        line(
            r#"{"id":"en-1","text":"Still waiting for my parcel, two weeks now."}"#,
            CRLF,
            Want::Out("en-1"),
        ),
        // Record 4 (the blank line above is not a record).
        line(r#"{"text":"iPhone很好用"}"#, LF, Want::Out("4")),
        line(
            r#"{"id":"bad-json","text":"物流"#,
            LF,
            Want::Reject(&["malformed JSON"]),
        ),
        line(
            r#"["an","array"]"#,
            LF,
            Want::Reject(&["JSON object", "array"]),
        ),
        line(
            r#"{"id":"no-text","body":"物流太慢"}"#,
            LF,
            Want::Reject(&["`text`", "missing"]),
        ),
        line(
            r#"{"id":"empty","text":""}"#,
            LF,
            Want::Reject(&["`text`", "empty"]),
        ),
        // Whitespace only, with a CR: still a blank line.
        line(" \t  ", CRLF, Want::Blank),
        // Spaces, a tab and an ideographic space: no text.
        line(
            r#"{"id":"spaces","text":" \t\u3000 "}"#,
            LF,
            Want::Reject(&["`text`", "empty"]),
        ),
        line(
            r#"{"id":"number","text":42}"#,
            LF,
            Want::Reject(&["`text`", "string", "number"]),
        ),
        line(BAD_UTF8, LF, Want::Reject(&["UTF-8"])),
        line(
            b"{\"id\":\"nul\",\"text\":\"a\0b\"}".to_vec(),
            LF,
            Want::Reject(&["NUL"]),
        ),
        line(long, LF, Want::Reject(&["300 bytes", "200"])),
        // Invalid optional fields cost the field, not the record.
        line(
            r#"{"id":"nps","text":"服务很好","nps":11}"#,
            LF,
            Want::Warned("nps", &["nps"], &[]),
        ),
        line(
            r#"{"id":"dates","text":"好好好","created_at":"2026-13-45","rating":9,"channel":"app"}"#,
            LF,
            Want::Warned("dates", &["created_at", "rating"], &[]),
        ),
        // A lone surrogate escape, as JavaScript writes them, becomes U+FFFD.
        line(
            r#"{"id":"surrogate","text":"好\ud800评","note":"\udc00"}"#,
            CRLF,
            Want::Warned("surrogate", &[], &["text", "note"]),
        ),
        // A numeric id is kept, as a string.
        line(
            r#"{"id":42,"text":"客服态度很好，问题很快就解决了"}"#,
            LF,
            Want::Out("42"),
        ),
        // Unknown fields of every JSON type pass through.
        line(
            r#"{"id":"extra","text":"包装很好","vip":true,"tags":["a",{"b":1}],"score":4.5,"note":null,"ticket":{"no":7,"open":false},"customer_value":1200}"#,
            LF,
            Want::Out("extra"),
        ),
        // Input fields named like analysis keys come out as `input_<name>`; and the last line
        // has no line end.
        line(
            r#"{"id":"clash","text":"The app keeps crashing when I pay","lang":"fr","script":"latn"}"#,
            b"",
            Want::Out("clash"),
        ),
    ]
}

fn file_bytes(lines: &[Line]) -> Vec<u8> {
    lines
        .iter()
        .flat_map(|l| [&l.bytes[..], l.eol].concat())
        .collect()
}

#[test]
fn hostile_jsonl_every_record_is_analysed_or_rejected() {
    let dir = Dir::new();
    let lines = hostile_jsonl_lines();
    dir.create("hostile.jsonl", file_bytes(&lines));

    let run = dir
        .command()
        .args([
            "analyze",
            "hostile.jsonl",
            "-o",
            "out.jsonl",
            "--rejects",
            "rej.jsonl",
        ])
        .args(["--max-record-bytes", "200"])
        .run();
    run.expect_success();

    let out = dir.read_jsonl("out.jsonl");
    let rejects = dir.read_jsonl("rej.jsonl");

    // The counts, spelled out: 21 lines, 2 blank, 10 analysed (3 with warnings), 9 rejected.
    let expected = Summary {
        read: 19,
        analysed: 10,
        rejected: 9,
        blank_lines: 2,
    };
    assert_eq!(run.summary(), expected, "{run}");
    assert_eq!(run.warned(), 3, "{run}");
    assert_eq!(out.len() as u64, expected.analysed);
    assert_eq!(rejects.len() as u64, expected.rejected);

    // Walk the input: each non-blank line is the next record, and is either the next output
    // object or the next reject, in input order.
    let (mut outs, mut rejs) = (out.iter(), rejects.iter());
    let mut record = 0u64;
    for (i, l) in lines.iter().enumerate() {
        let line_no = i as u64 + 1;
        if !matches!(l.want, Want::Blank) {
            record += 1;
        }
        match l.want {
            Want::Blank => {}
            Want::Out(id) => {
                let o = outs
                    .next()
                    .unwrap_or_else(|| panic!("line {line_no}: no output"));
                assert_eq!(str_field(o, "id"), id, "line {line_no}");
                assert!(LANGS.contains(&str_field(o, "lang")), "line {line_no}: {o}");
                let text = std::str::from_utf8(&l.bytes)
                    .unwrap()
                    .trim_start_matches('\u{FEFF}');
                let input: Map<String, Value> = serde_json::from_str(text).unwrap();
                assert_passed_through(&input, o);
            }
            Want::Warned(id, set_aside, repaired) => {
                let o = outs
                    .next()
                    .unwrap_or_else(|| panic!("line {line_no}: no output"));
                assert_eq!(str_field(o, "id"), id, "line {line_no}");
                let warned: Vec<&str> = o["warnings"]
                    .as_array()
                    .unwrap_or_else(|| panic!("line {line_no}: no warnings in {o}"))
                    .iter()
                    .map(|w| str_field(w, "field"))
                    .collect();
                let expected: Vec<&str> = set_aside.iter().chain(repaired).copied().collect();
                assert_eq!(warned, expected, "line {line_no}: {o}");
                if set_aside.is_empty() {
                    assert!(o.get("invalid_fields").is_none(), "{o}");
                    assert_eq!(str_field(o, "text"), "好\u{fffd}评", "{o}");
                    assert_eq!(str_field(o, "note"), "\u{fffd}", "{o}");
                    continue;
                }
                let input: Map<String, Value> =
                    serde_json::from_slice(&l.bytes).expect("valid JSON");
                for &f in set_aside {
                    assert_eq!(o[f], Value::Null, "line {line_no}: `{f}` in {o}");
                    assert_eq!(o["invalid_fields"][f], input[f], "line {line_no}: {o}");
                }
                for (name, value) in &input {
                    if name != "id" && !set_aside.contains(&name.as_str()) {
                        assert_eq!(&o[name], value, "line {line_no}: `{name}` in {o}");
                    }
                }
            }
            Want::Reject(words) => {
                let r = rejs
                    .next()
                    .unwrap_or_else(|| panic!("line {line_no}: no reject"));
                assert_eq!(u64_field(r, "line"), line_no, "{r}");
                assert_eq!(u64_field(r, "record"), record, "{r}");
                let reason = str_field(r, "reason");
                for w in words {
                    assert!(
                        reason.contains(w),
                        "line {line_no}: reason {reason:?} lacks {w:?}"
                    );
                }
                let raw = str_field(r, "raw");
                if l.bytes == BAD_UTF8 {
                    // Not UTF-8: `raw` is a readable approximation, `raw_base64` the bytes.
                    assert_eq!(raw, String::from_utf8_lossy(BAD_UTF8), "{r}");
                    assert_eq!(str_field(r, "raw_base64"), BAD_UTF8_BASE64, "{r}");
                } else if l.bytes.len() > 200 {
                    // Over-long records keep only their beginning.
                    assert!(
                        !raw.is_empty() && l.bytes.starts_with(raw.as_bytes()),
                        "{r}"
                    );
                    assert!(r.get("raw_base64").is_none(), "{r}");
                } else {
                    assert_eq!(raw.as_bytes(), &l.bytes[..], "line {line_no}");
                    assert!(r.get("raw_base64").is_none(), "{r}");
                }
            }
        }
    }
    assert!(outs.next().is_none(), "more output than analysed records");
    assert!(rejs.next().is_none(), "more rejects than rejected records");

    // The two records whose details the walk above does not spell out.
    let first = &out[0];
    assert_eq!(str_field(first, "text"), "物流太慢了，等了一个星期才到");
    let clash = out.last().unwrap();
    assert_eq!(str_field(clash, "lang"), "en");
    assert_eq!(str_field(clash, "input_lang"), "fr");
    assert_eq!(str_field(clash, "input_script"), "latn");

    // --strict changes the exit code only, not what is written. (That it succeeds when
    // nothing is rejected is checked on the shipped sample.)
    let strict = dir
        .command()
        .args([
            "analyze",
            "hostile.jsonl",
            "-o",
            "strict.jsonl",
            "--rejects",
            "strict.rej.jsonl",
        ])
        .args(["--max-record-bytes", "200", "--strict"])
        .run();
    strict.expect_code(3);
    assert_eq!(strict.summary(), expected, "{strict}");
    assert_eq!(dir.read("strict.jsonl"), dir.read("out.jsonl"));
    assert_eq!(dir.read("strict.rej.jsonl"), dir.read("rej.jsonl"));

    // --strict-fields rejects the records whose optional fields are invalid, naming the
    // first such field; a repaired surrogate is not an invalid field.
    let strict_fields = dir
        .command()
        .args([
            "analyze",
            "hostile.jsonl",
            "-o",
            "sf.jsonl",
            "--rejects",
            "sf.rej.jsonl",
        ])
        .args(["--max-record-bytes", "200", "--strict-fields"])
        .run();
    strict_fields.expect_success();
    let expected_strict = Summary {
        analysed: 8,
        rejected: 11,
        ..expected
    };
    assert_eq!(strict_fields.summary(), expected_strict, "{strict_fields}");
    assert_eq!(strict_fields.warned(), 1, "{strict_fields}");
    let reasons: Vec<String> = dir
        .read_jsonl("sf.rej.jsonl")
        .iter()
        .map(|r| str_field(r, "reason").to_owned())
        .filter(|r| r.contains("field `nps`") || r.contains("field `created_at`"))
        .collect();
    assert_eq!(
        reasons,
        [
            "record nps: field `nps`: expected a whole number 0–10, found 11",
            "record dates: field `created_at`: expected RFC 3339 or YYYY-MM-DD, found \"2026-13-45\""
        ]
    );
}

/// Regression: the line end counted towards `--max-record-bytes` on CRLF files
/// (`src/io/reader.rs`, `read_json_line`: the `len > self.limit` check runs before the `\r`
/// is popped), so the same record was accepted with LF and rejected with CRLF.
#[test]
fn record_limit_ignores_crlf_line_ends() {
    let dir = Dir::new();
    let head = r#"{"id":"x","text":""#;
    let record = format!("{head}{}\"}}", "a".repeat(200 - head.len() - 2));
    assert_eq!(record.len(), 200);
    for (name, eol) in [("lf.jsonl", "\n"), ("crlf.jsonl", "\r\n")] {
        dir.create(name, format!("{record}{eol}"));
        let run = dir
            .command()
            .args(["analyze", name, "-o", "out.jsonl", "--rejects", "rej.jsonl"])
            .args(["--max-record-bytes", "200"])
            .run();
        run.expect_success();
        assert_eq!(
            run.summary().analysed,
            1,
            "{name}: a 200-byte record is within the limit\n{run}"
        );
    }
}

/// Regression: numbers passed through were re-encoded as `f64`, so a big integer (an order
/// number, say) changed value (`serde_json` without `arbitrary_precision`, parsed in
/// `src/io/mod.rs` `parse_record`).
#[test]
fn large_integers_pass_through_unchanged() {
    let dir = Dir::new();
    dir.create(
        "in.jsonl",
        "{\"id\":\"1\",\"text\":\"物流太慢了\",\"order_no\":12345678901234567890123}\n",
    );
    dir.command()
        .args([
            "analyze",
            "in.jsonl",
            "-o",
            "out.jsonl",
            "--rejects",
            "rej.jsonl",
        ])
        .run()
        .expect_success();
    let out = dir.read("out.jsonl");
    assert!(
        out.contains(r#""order_no":12345678901234567890123"#),
        "{out}"
    );
}

// ---------------------------------------------------------------------------------------------
// 2. Hostile CSV and TSV, plain and gzipped
// ---------------------------------------------------------------------------------------------

/// Twelve physical lines, described below.
const HOSTILE_CSV: &str = "\u{FEFF}id,text,channel,nps\r\n\
c1,\"物流太慢了，等了一周\",app,3\r\n\
c2,\"he said \"\"great\"\", I agree\",web,9\n\
,\"first line\n\
second line\",app,\n\
\n\
c4,too,many,fields,here\n\
c5,too few\r\n\
\r\n\
c6,\"box crushed, item broken\",email,\r\n\
c7,plain text,store,10\n\
c8,\"unterminated, app,1\n";
// 1 header (BOM, CRLF)
// 2 c1: quoted Chinese with a full-width comma, CRLF
// 3 c2: embedded "" quotes
// 4-5 record 3: no id, a quoted newline
// 6 empty
// 7 c4: 5 fields
// 8 c5: 2 fields, CRLF
// 9 empty (CRLF)
// 10 c6: quoted comma, empty nps
// 11 c7
// 12 c8: unterminated quote up to the end of the input

/// (id, text) of the analysed rows of [`HOSTILE_CSV`], in order.
const CSV_OUT: &[(&str, &str)] = &[
    ("c1", "物流太慢了，等了一周"),
    ("c2", "he said \"great\", I agree"),
    ("3", "first line\nsecond line"),
    ("c6", "box crushed, item broken"),
    ("c7", "plain text"),
];

/// (line, record, words of the reason, start of raw) of the rejected rows.
const CSV_REJECTS: &[(u64, u64, &[&str], &str)] = &[
    (
        7,
        4,
        &["expected 4 fields", "found 5"],
        "c4,too,many,fields,here",
    ),
    (8, 5, &["expected 4 fields", "found 2"], "c5,too few"),
    (12, 8, &["unterminated"], "c8,\"unterminated, app,1"),
];

fn check_hostile_csv_run(dir: &Dir, run: &util::Output, out: &str, rej: &str) {
    run.expect_success();
    assert_eq!(
        run.summary(),
        Summary {
            read: 8,
            analysed: 5,
            rejected: 3,
            blank_lines: 2
        },
        "{run}"
    );
    let out = dir.read_jsonl(out);
    let got: Vec<(&str, &str)> = out
        .iter()
        .map(|o| (str_field(o, "id"), str_field(o, "text")))
        .collect();
    assert_eq!(got, CSV_OUT);
    // CSV cells pass through as read (strings), the header trimmed of its BOM.
    assert_eq!(str_field(&out[0], "channel"), "app");
    assert_eq!(str_field(&out[0], "nps"), "3");
    assert_eq!(str_field(&out[3], "nps"), "");
    for o in &out {
        assert!(LANGS.contains(&str_field(o, "lang")), "{o}");
        assert!(o.get("\u{FEFF}id").is_none(), "{o}");
    }

    let rejects = dir.read_jsonl(rej);
    assert_eq!(rejects.len(), CSV_REJECTS.len(), "{rejects:?}");
    for (r, &(line, record, words, raw)) in rejects.iter().zip(CSV_REJECTS) {
        assert_eq!(u64_field(r, "line"), line, "{r}");
        assert_eq!(u64_field(r, "record"), record, "{r}");
        let reason = str_field(r, "reason");
        for w in words {
            assert!(reason.contains(w), "reason {reason:?} lacks {w:?}");
        }
        assert!(str_field(r, "raw").starts_with(raw), "{r}");
    }
}

/// An unterminated quote costs its own row: the rows after it are read again from the next
/// line, not merged into its text (issue: four rows became record 2's text).
#[test]
fn an_unterminated_csv_quote_costs_its_own_row_only() {
    let dir = Dir::new();
    dir.create(
        "in.csv",
        "id,text\n1,物流太慢了\n2,\"unterminated quote,3\n3,客服不理人\n\
         4,\"包装破了, 要退货\"\n5,\"价格太贵\n了\"\n6,最后一条\n",
    );
    let run = dir
        .command()
        .args([
            "analyze",
            "in.csv",
            "-o",
            "out.jsonl",
            "--rejects",
            "rej.jsonl",
        ])
        .run();
    run.expect_success();
    let ids: Vec<String> = dir
        .read_jsonl("out.jsonl")
        .iter()
        .map(|o| format!("{}={}", str_field(o, "id"), str_field(o, "text")))
        .collect();
    assert_eq!(
        ids,
        [
            "1=物流太慢了",
            "3=客服不理人",
            "4=包装破了, 要退货",
            "5=价格太贵\n了",
            "6=最后一条"
        ]
    );
    let rejects = dir.read_jsonl("rej.jsonl");
    assert_eq!(rejects.len(), 1, "{rejects:?}");
    assert_eq!(
        (
            u64_field(&rejects[0], "line"),
            u64_field(&rejects[0], "record")
        ),
        (3, 2)
    );
    assert_eq!(str_field(&rejects[0], "raw"), "2,\"unterminated quote,3");
    assert!(
        str_field(&rejects[0], "reason").starts_with("unterminated quote opened at line 3"),
        "{}",
        rejects[0]
    );
}

/// A rating set aside by `analyze` is a missing answer in the report, not a zero.
#[test]
fn a_set_aside_field_is_missing_in_the_report() {
    let dir = Dir::new();
    dir.create(
        "in.jsonl",
        "{\"text\":\"物流太慢了\",\"rating\":9}\n\
         {\"text\":\"客服很好\",\"rating\":4}\n\
         {\"text\":\"包装破了\",\"rating\":2}\n",
    );
    dir.command()
        .args(["analyze", "in.jsonl", "-o", "out.jsonl"])
        .run()
        .expect_success();
    assert_eq!(
        dir.read_jsonl("out.jsonl")[0]["invalid_fields"]["rating"],
        9
    );
    dir.command()
        .args(["report", "out.jsonl", "-o", "rep"])
        .run()
        .expect_success();
    let summary: Value = serde_json::from_str(&dir.read("rep/summary.json")).unwrap();
    let rating = &summary["overall"]["rating"];
    assert_eq!(
        (rating["n"].as_u64(), rating["mean"].as_f64()),
        (Some(2), Some(3.0)),
        "{rating}"
    );
    assert_eq!(summary["input"]["rejected"], 0, "{}", summary["input"]);
}

/// The default rejects file is written only when there is a reject, and an old one of an
/// earlier run is removed; a rejects file named with `--rejects` is always written.
#[test]
fn a_rejects_file_appears_only_when_there_are_rejects() {
    let dir = Dir::new();
    dir.create("ok.jsonl", "{\"text\":\"物流太慢了\"}\n");
    dir.create("bad.jsonl", "{\"text\":\"物流太慢了\"}\n{\"text\":\n");
    let run = dir.command().args(["analyze", "ok.jsonl"]).run();
    run.expect_success();
    assert!(run.stderr.contains("0 rejected (no rejects file)"), "{run}");
    assert!(!dir.path().join("ok.rejects.jsonl").exists(), "{run}");

    let run = dir.command().args(["analyze", "bad.jsonl"]).run();
    run.expect_success();
    assert!(
        run.stderr.contains("1 rejected (→ bad.rejects.jsonl)"),
        "{run}"
    );
    assert_eq!(dir.read_jsonl("bad.rejects.jsonl").len(), 1);

    // The same input fixed: the old rejects file would describe an output that is gone.
    dir.create("bad.jsonl", "{\"text\":\"物流太慢了\"}\n");
    dir.command()
        .args(["analyze", "bad.jsonl"])
        .run()
        .expect_success();
    assert!(!dir.path().join("bad.rejects.jsonl").exists());

    dir.command()
        .args([
            "analyze",
            "ok.jsonl",
            "-o",
            "out.jsonl",
            "--rejects",
            "named.jsonl",
        ])
        .run()
        .expect_success();
    assert_eq!(dir.read("named.jsonl"), "");
}

#[test]
fn hostile_csv_every_row_is_analysed_or_rejected_plain_and_gzipped() {
    let dir = Dir::new();
    dir.create("hostile.csv", HOSTILE_CSV);
    dir.create("hostile.csv.gz", gzip(HOSTILE_CSV.as_bytes()));
    let plain = dir
        .command()
        .args([
            "analyze",
            "hostile.csv",
            "-o",
            "plain.jsonl",
            "--rejects",
            "plain.rej.jsonl",
        ])
        .run();
    check_hostile_csv_run(&dir, &plain, "plain.jsonl", "plain.rej.jsonl");

    // Compressed input is the same input: same counts, same bytes out.
    let gz = dir
        .command()
        .args([
            "analyze",
            "hostile.csv.gz",
            "-o",
            "gz.jsonl",
            "--rejects",
            "gz.rej.jsonl",
        ])
        .run();
    gz.expect_success();
    assert_eq!(plain.summary(), gz.summary(), "{gz}");
    assert_eq!(dir.read("plain.jsonl"), dir.read("gz.jsonl"));
    assert_eq!(dir.read("plain.rej.jsonl"), dir.read("gz.rej.jsonl"));
}

/// TSV: commas are plain text, quotes still protect tabs.
const TSV: &str = "id\ttext\tchannel\n\
t1\t物流太慢了, 等了一周\tapp\n\
t2\t\"引号里有\t制表符\"\tweb\n\
t3\t只有两列\n\
\t最后一条\tstore\n";

#[test]
fn tsv_by_extension_and_by_format_flag() {
    let dir = Dir::new();
    dir.create("reviews.tsv", TSV);
    dir.create("reviews.txt", TSV);
    let by_ext = dir
        .command()
        .args([
            "analyze",
            "reviews.tsv",
            "-o",
            "ext.jsonl",
            "--rejects",
            "ext.rej.jsonl",
        ])
        .run();
    let by_flag = dir
        .command()
        .args(["analyze", "reviews.txt", "--format", "tsv"])
        .args(["-o", "flag.jsonl", "--rejects", "flag.rej.jsonl"])
        .run();
    for run in [&by_ext, &by_flag] {
        run.expect_success();
        assert_eq!(
            run.summary(),
            Summary {
                read: 4,
                analysed: 3,
                rejected: 1,
                blank_lines: 0
            },
            "{run}"
        );
    }
    assert_eq!(dir.read("ext.jsonl"), dir.read("flag.jsonl"));
    assert_eq!(dir.read("ext.rej.jsonl"), dir.read("flag.rej.jsonl"));

    let out = dir.read_jsonl("ext.jsonl");
    let got: Vec<(&str, &str, &str)> = out
        .iter()
        .map(|o| {
            (
                str_field(o, "id"),
                str_field(o, "text"),
                str_field(o, "channel"),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("t1", "物流太慢了, 等了一周", "app"),
            ("t2", "引号里有\t制表符", "web"),
            ("4", "最后一条", "store"),
        ]
    );
    let rejects = dir.read_jsonl("ext.rej.jsonl");
    assert_eq!(rejects.len(), 1);
    assert_eq!(u64_field(&rejects[0], "line"), 4);
    assert_eq!(u64_field(&rejects[0], "record"), 3);
    assert!(
        str_field(&rejects[0], "reason").contains("expected 3 fields"),
        "{}",
        rejects[0]
    );
    assert_eq!(str_field(&rejects[0], "raw"), "t3\t只有两列");
}

/// Regression: the `\n` ending a CSV row counted towards `--max-record-bytes`
/// (`src/io/reader.rs`, `read_row`: `size` is incremented for the terminating `\n` before the
/// limit check), so a 200-byte row passed at the end of the file but not followed by a newline.
#[test]
fn csv_record_limit_ignores_the_line_end() {
    let dir = Dir::new();
    let row = format!("x,{}", "a".repeat(198));
    assert_eq!(row.len(), 200);
    for (name, ending) in [("no-eol.csv", ""), ("lf.csv", "\n")] {
        dir.create(name, format!("id,text\n{row}{ending}"));
        let run = dir
            .command()
            .args(["analyze", name, "-o", "out.jsonl", "--rejects", "rej.jsonl"])
            .args(["--max-record-bytes", "200"])
            .run();
        run.expect_success();
        assert_eq!(
            run.summary().analysed,
            1,
            "{name}: a 200-byte row is within the limit\n{run}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// 3. `fankui segment`
// ---------------------------------------------------------------------------------------------

/// Lines and their line ends; the last one is CRLF-terminated.
const SEGMENT_LINES: &[&str] = &[
    "物流太慢了，客服也不理人",
    "這個產品的質量很好",
    "ｉＰｈｏｎｅ１３，很好",
    "😀👍🎉",
    "Great product :) would buy again",
    "",
    "\t物流\u{3000}很快 \t好評\t",
    "iPhone很好用",
];

/// Whether `words` re-assemble the whitespace-separated chunks of `line`, one chunk after
/// another, with no word straddling whitespace.
fn words_tile_chunks(line: &str, words: &[&str]) -> bool {
    let mut words = words.iter();
    for chunk in line.split(char::is_whitespace).filter(|c| !c.is_empty()) {
        let mut rest = chunk;
        while !rest.is_empty() {
            match words.next() {
                Some(w) if !w.is_empty() && rest.starts_with(w) => rest = &rest[w.len()..],
                _ => return false,
            }
        }
    }
    words.next().is_none()
}

#[test]
fn segment_words_rebuild_each_line() {
    let dir = Dir::new();
    let mut input = String::new();
    for (i, l) in SEGMENT_LINES.iter().enumerate() {
        input.push_str(l);
        input.push_str(if i + 1 == SEGMENT_LINES.len() {
            "\r\n"
        } else {
            "\n"
        });
    }
    dir.create("lines.txt", &input);

    let from_file = dir.command().args(["segment", "lines.txt"]).run();
    let from_dash = dir
        .command()
        .args(["segment", "-"])
        .run_with_stdin(input.as_bytes());
    let from_stdin = dir
        .command()
        .arg("segment")
        .run_with_stdin(input.as_bytes());
    for run in [&from_file, &from_dash, &from_stdin] {
        run.expect_success();
    }
    assert_eq!(from_file.stdout, from_dash.stdout);
    assert_eq!(from_file.stdout, from_stdin.stdout);

    let stdout = from_file.stdout_str();
    assert!(stdout.ends_with('\n'), "{from_file}");
    let out: Vec<&str> = stdout.lines().collect();
    assert_eq!(out.len(), SEGMENT_LINES.len(), "{from_file}");
    for (&line, &segmented) in SEGMENT_LINES.iter().zip(&out) {
        // Single spaces between words, nothing else.
        assert!(
            !segmented.starts_with(' ') && !segmented.ends_with(' ') && !segmented.contains("  "),
            "{segmented:?}"
        );
        assert!(
            !segmented.contains(|c: char| c.is_whitespace() && c != ' '),
            "{segmented:?}"
        );
        let words: Vec<&str> = segmented.split(' ').filter(|w| !w.is_empty()).collect();
        let squeezed: String = line.chars().filter(|c| !c.is_whitespace()).collect();
        assert_eq!(words.concat(), squeezed, "{line:?} → {segmented:?}");
        assert!(words_tile_chunks(line, &words), "{line:?} → {segmented:?}");
    }

    // Traditional stays Traditional.
    assert!(
        out[1].contains("質量") && out[1].contains("產品"),
        "{}",
        out[1]
    );
    assert!(
        !out[1].contains("质量") && !out[1].contains("产品"),
        "{}",
        out[1]
    );
    // Full-width letters and digits are one word, in their original form.
    assert_eq!(
        out[2].split(' ').next(),
        Some("ｉＰｈｏｎｅ１３"),
        "{}",
        out[2]
    );
    // An emoticon is a word, not two punctuation marks.
    assert!(out[4].split(' ').any(|w| w == ":)"), "{}", out[4]);
    assert_eq!(out[5], "");
}

/// Regression: `segment` read its input raw, so a UTF-8 byte-order mark (Notepad writes one)
/// stuck to the first word (`src/cli/segment.rs`, `run`; `analyze` strips it in
/// `src/io/source.rs`).
#[test]
fn segment_drops_a_leading_bom() {
    let dir = Dir::new();
    let run = dir
        .command()
        .arg("segment")
        .run_with_stdin("\u{FEFF}物流太慢了\n".as_bytes());
    run.expect_success();
    assert_eq!(run.stdout_str(), "物流 太慢 了\n");
}

// ---------------------------------------------------------------------------------------------
// 4. The shipped sample
// ---------------------------------------------------------------------------------------------

#[test]
fn shipped_sample_analyses_cleanly() {
    let dir = Dir::new();
    let sample = shipped("corpora/sample_feedback.jsonl");
    let run = dir
        .command()
        .arg("analyze")
        .arg(&sample)
        .args(["-o", "out.jsonl", "--rejects", "rej.jsonl", "--tokens"])
        // Nothing is rejected, so --strict must not fail the run.
        .arg("--strict")
        .run();
    run.expect_success();
    assert_eq!(
        run.summary(),
        Summary {
            read: 30,
            analysed: 30,
            rejected: 0,
            blank_lines: 0
        },
        "{run}"
    );
    assert_eq!(dir.read("rej.jsonl"), "");

    let input = parse_jsonl(&std::fs::read_to_string(&sample).unwrap());
    let out = dir.read_jsonl("out.jsonl");
    assert_eq!(out.len(), 30);
    let mut hant = Vec::new();
    for (i, (o, inp)) in out.iter().zip(&input).enumerate() {
        assert_eq!(str_field(o, "id"), format!("fb-{:03}", i + 1));
        assert!(LANGS.contains(&str_field(o, "lang")), "{o}");
        assert_passed_through(inp.as_object().unwrap(), o);
        let sentiment = &o["sentiment"];
        let score = sentiment["score"].as_f64().unwrap_or(f64::NAN);
        assert!((-1.0..=1.0).contains(&score), "{o}");
        let label = sentiment["label"].as_str().unwrap_or_default();
        let expected = match str_field(o, "id") {
            // Unmistakable ones, Simplified, Traditional and English.
            "fb-001" | "fb-005" | "fb-012" | "fb-020" | "fb-023" => Some("negative"),
            "fb-006" | "fb-009" | "fb-018" | "fb-026" => Some("positive"),
            _ => None,
        };
        if let Some(expected) = expected {
            assert_eq!(label, expected, "{o}");
        } else {
            assert!(["negative", "neutral", "positive"].contains(&label), "{o}");
        }
        if o.get("script").and_then(Value::as_str) == Some("hant") {
            hant.push(str_field(o, "id"));
        }

        // Tokens are slices of the text: `span` is a byte range giving back `text`, in order,
        // and together they cover the text but its whitespace.
        let text = str_field(o, "text");
        let tokens = o["tokens"]
            .as_array()
            .unwrap_or_else(|| panic!("no tokens: {o}"));
        assert!(!tokens.is_empty(), "{o}");
        let mut end = 0;
        let mut covered = String::new();
        for t in tokens {
            let word = str_field(t, "text");
            let span = t["span"]
                .as_array()
                .unwrap_or_else(|| panic!("no span: {t}"));
            let (a, b) = (
                span[0].as_u64().unwrap() as usize,
                span[1].as_u64().unwrap() as usize,
            );
            assert!(text.contains(word), "{word:?} not in {text:?}");
            assert_eq!(text.get(a..b), Some(word), "span {a}..{b} of {text:?}");
            assert!(a >= end && a < b, "tokens overlap or go backwards: {t}");
            end = b;
            covered.push_str(word);
        }
        let squeezed: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        assert_eq!(covered, squeezed, "{}", str_field(o, "id"));
    }
    assert_eq!(hant, ["fb-005", "fb-006", "fb-023"]);
}

// ---------------------------------------------------------------------------------------------
// 5. Threads do not change the output
// ---------------------------------------------------------------------------------------------

/// A JSONL dump of `n` lines mixing good records (four languages and scripts), blank lines and
/// bad records, and the summary a run over it should report.
fn mixed_dump(n: usize) -> (Vec<u8>, Summary) {
    const TEXTS: &[&str] = &[
        "物流太慢了，等了一个星期才到，客服也不理人",
        "門店排隊太久了，服務員態度也很差",
        "The app keeps crashing whenever I try to pay.",
        "iPhone很好用，但是电池不太耐用",
        "建议增加夜间模式",
        "😀👍",
    ];
    let mut data = Vec::new();
    let mut s = Summary {
        read: 0,
        analysed: 0,
        rejected: 0,
        blank_lines: 0,
    };
    for i in 0..n {
        let text = TEXTS[i % TEXTS.len()];
        let (bytes, good): (Vec<u8>, bool) = match i % 17 {
            3 => (
                format!(r#"{{"id":"r{i}","text":"{text}"#).into_bytes(),
                false,
            ),
            7 => (
                format!(r#"{{"id":"r{i}","body":"{text}"}}"#).into_bytes(),
                false,
            ),
            11 => {
                let head = format!(r#"{{"id":"r{i}","text":"ok "#);
                ([head.as_bytes(), b"\xFF\"}"].concat(), false)
            }
            // An invalid optional field: analysed, with a warning.
            13 => (
                format!(r#"{{"text":"{text}","nps":{}}}"#, 11 + i % 3).into_bytes(),
                true,
            ),
            // No id: the record number becomes the id.
            5 => (format!(r#"{{"text":"{text}","n":{i}}}"#).into_bytes(), true),
            _ => (
                format!(r#"{{"id":"r{i}","text":"{text}"}}"#).into_bytes(),
                true,
            ),
        };
        data.extend_from_slice(&bytes);
        data.extend_from_slice(if i % 2 == 0 { b"\n" } else { b"\r\n" });
        s.read += 1;
        if good {
            s.analysed += 1;
        } else {
            s.rejected += 1;
        }
        if i % 23 == 0 {
            data.extend_from_slice(b"\n");
            s.blank_lines += 1;
        }
    }
    (data, s)
}

#[test]
fn threads_do_not_change_the_output() {
    let dir = Dir::new();
    let (data, expected) = mixed_dump(5000);
    dir.create("dump.jsonl", &data);
    let mut runs = Vec::new();
    for threads in ["1", "2"] {
        let out = format!("out-{threads}.jsonl");
        let rej = format!("rej-{threads}.jsonl");
        let run = dir
            .command()
            .args([
                "analyze",
                "dump.jsonl",
                "-o",
                &out,
                "--rejects",
                &rej,
                "--threads",
                threads,
            ])
            .run();
        run.expect_success();
        assert_eq!(run.summary(), expected, "--threads {threads}\n{run}");
        runs.push((dir.read_bytes(&out), dir.read_bytes(&rej)));
    }
    let (one, two) = (&runs[0], &runs[1]);
    assert_eq!(
        one.0.iter().filter(|&&b| b == b'\n').count() as u64,
        expected.analysed
    );
    assert_eq!(
        one.1.iter().filter(|&&b| b == b'\n').count() as u64,
        expected.rejected
    );
    assert!(
        one.0 == two.0,
        "outputs differ between --threads 1 and --threads 2"
    );
    assert!(
        one.1 == two.1,
        "rejects differ between --threads 1 and --threads 2"
    );
}

// ---------------------------------------------------------------------------------------------
// 6. CSV output
// ---------------------------------------------------------------------------------------------

fn read_csv(dir: &Dir, name: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_path(dir.join(name)).expect("readable CSV");
    let header = r.headers().unwrap().iter().map(str::to_owned).collect();
    let rows = r
        .records()
        .map(|rec| {
            rec.expect("a well-formed CSV row")
                .iter()
                .map(str::to_owned)
                .collect()
        })
        .collect();
    (header, rows)
}

#[test]
fn csv_output_has_a_header_and_one_row_per_record() {
    let dir = Dir::new();
    let sample = shipped("corpora/sample_feedback.jsonl");
    dir.command()
        .arg("analyze")
        .arg(&sample)
        .args([
            "--output-format",
            "csv",
            "-o",
            "sample.csv",
            "--rejects",
            "rej.jsonl",
        ])
        .run()
        .expect_success();
    let (header, rows) = read_csv(&dir, "sample.csv");
    assert_eq!(
        header,
        [
            "id",
            "lang",
            "script",
            "sentiment",
            "sentiment_score",
            "kind",
            "keywords",
            "topic",
            "topic_label",
            "department",
            "department_confidence",
            "evidence",
            "department_fallback",
            "mixed",
            "aspects",
            "priority",
            "priority_level",
            "priority_rule",
            "priority_reasons",
            "warnings",
            "invalid_fields",
            "text"
        ]
    );
    assert_eq!(rows.len(), 30);
    let input = parse_jsonl(&std::fs::read_to_string(&sample).unwrap());
    for (row, inp) in rows.iter().zip(&input) {
        assert_eq!(row.len(), header.len(), "{row:?}");
        assert_eq!(row[0], str_field(inp, "id"));
        assert!(LANGS.contains(&row[1].as_str()), "{row:?}");
        assert!(
            ["negative", "neutral", "positive"].contains(&row[3].as_str()),
            "{row:?}"
        );
        let score: f32 = row[4].parse().unwrap();
        assert!((-1.0..=1.0).contains(&score), "{row:?}");
        assert!(
            ["complaint", "suggestion", "praise", "question", "other"].contains(&row[5].as_str()),
            "{row:?}"
        );
        // Keywords are substrings of the text; no topic model, no topic.
        for k in row[6].split(" | ").filter(|k| !k.is_empty()) {
            assert!(str_field(inp, "text").contains(k), "{row:?}");
        }
        assert_eq!((row[7].as_str(), row[8].as_str()), ("", ""));
        assert!(["", "true", "false"].contains(&row[12].as_str()), "{row:?}");
        assert!(["true", "false"].contains(&row[13].as_str()), "{row:?}");
        // Aspects: `kind department: clause`, each clause a substring of the text.
        for aspect in row[14].split(" | ").filter(|a| !a.is_empty()) {
            let (_, clause) = aspect.split_once(": ").unwrap();
            assert!(str_field(inp, "text").contains(clause), "{row:?}");
        }
        let priority: u8 = row[15].parse().unwrap();
        assert!(priority <= 100, "{row:?}");
        assert!(
            ["P1", "P2", "P3", "P4"].contains(&row[16].as_str()),
            "{row:?}"
        );
        assert_eq!(row[21], str_field(inp, "text"));
    }

    // From CSV input: the input columns but `id`; the quoted newline stays in one cell.
    dir.create("hostile.csv", HOSTILE_CSV);
    dir.command()
        .args(["analyze", "hostile.csv", "--output-format", "csv"])
        .args(["-o", "hostile.out.csv", "--rejects", "hostile.rej.jsonl"])
        .run()
        .expect_success();
    let (header, rows) = read_csv(&dir, "hostile.out.csv");
    assert_eq!(
        header,
        [
            "id",
            "lang",
            "script",
            "sentiment",
            "sentiment_score",
            "kind",
            "keywords",
            "topic",
            "topic_label",
            "department",
            "department_confidence",
            "evidence",
            "department_fallback",
            "mixed",
            "aspects",
            "priority",
            "priority_level",
            "priority_rule",
            "priority_reasons",
            "warnings",
            "invalid_fields",
            "text",
            "channel",
            "nps"
        ]
    );
    let got: Vec<(&str, &str)> = rows
        .iter()
        .map(|r| (r[0].as_str(), r[21].as_str()))
        .collect();
    assert_eq!(got, CSV_OUT);
}

/// Regression: CSV output repeated input columns named like analysis columns, giving a
/// header with two `lang` columns (`src/pipeline/stream.rs`, `pass_through_columns` and
/// `Sink::new`), where JSONL output renames them `input_lang`.
#[test]
fn csv_output_renames_clashing_input_columns() {
    let dir = Dir::new();
    dir.create("in.csv", "id,text,lang\n1,物流太慢了,fr\n");
    dir.command()
        .args([
            "analyze",
            "in.csv",
            "--output-format",
            "csv",
            "-o",
            "out.csv",
        ])
        .args(["--rejects", "rej.jsonl"])
        .run()
        .expect_success();
    let (header, rows) = read_csv(&dir, "out.csv");
    assert_eq!(
        header,
        [
            "id",
            "lang",
            "script",
            "sentiment",
            "sentiment_score",
            "kind",
            "keywords",
            "topic",
            "topic_label",
            "department",
            "department_confidence",
            "evidence",
            "department_fallback",
            "mixed",
            "aspects",
            "priority",
            "priority_level",
            "priority_rule",
            "priority_reasons",
            "warnings",
            "invalid_fields",
            "text",
            "input_lang"
        ]
    );
    assert_eq!(rows[0][22], "fr");
}

// ---------------------------------------------------------------------------------------------
// 7. Errors, exit codes and closed pipes
// ---------------------------------------------------------------------------------------------

#[test]
fn unknown_extension_asks_for_format() {
    let dir = Dir::new();
    dir.create("notes.txt", "{\"text\":\"物流太慢了\"}\n");
    let run = dir
        .command()
        .args(["analyze", "notes.txt", "-o", "out.jsonl"])
        .run();
    run.expect_code(1);
    assert!(run.stderr.contains("--format"), "{run}");
    assert!(run.stderr.contains("notes.txt"), "{run}");
}

#[test]
fn unknown_config_keys_are_named() {
    let dir = Dir::new();
    dir.create("in.jsonl", "{\"text\":\"物流太慢了\"}\n");
    for (file, contents, key) in [
        ("top.toml", "bogus_key = 1\n", "bogus_key"),
        ("nested.toml", "[normalize]\nwidht = true\n", "widht"),
    ] {
        dir.create(file, contents);
        let run = dir
            .command()
            .args([
                "analyze",
                "in.jsonl",
                "-o",
                "out.jsonl",
                "--rejects",
                "rej.jsonl",
            ])
            .args(["--config", file])
            .run();
        run.expect_code(1);
        assert!(run.stderr.contains(key), "{run}");
        assert!(run.stderr.contains(file), "{run}");
    }
}

#[test]
fn missing_input_is_named() {
    let dir = Dir::new();
    let run = dir
        .command()
        .args(["analyze", "no-such-dump.jsonl", "-o", "out.jsonl"])
        .run();
    run.expect_code(1);
    assert!(run.stderr.contains("no-such-dump.jsonl"), "{run}");
}

/// Reads one line of `args`' stdout, closes the pipe, and checks the process took it as a
/// normal end (`fankui … | head -1`).
fn check_closed_pipe(dir: &Dir, args: &[&str]) {
    let mut child = dir.command().args(args).spawn();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    assert!(!first.trim().is_empty(), "{args:?}: no first line");
    drop(stdout);
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "{args:?}: {status}\n{stderr}");
    assert!(
        !stderr.contains("error") && !stderr.contains("panicked"),
        "{args:?}: {stderr}"
    );
}

#[test]
fn closed_stdout_is_a_normal_end() {
    let dir = Dir::new();
    // Megabytes of output, far beyond the pipe's and the writers' 1 MiB buffers, so the
    // writes really hit the closed pipe. `--tokens` makes the output ~20 times the text, so
    // little has to be analysed to get there.
    let data: String = (0..4000)
        .map(|i| format!("{{\"id\":\"r{i}\",\"text\":\"物流太慢了，客服也不理人\"}}\n"))
        .collect();
    dir.create("big.jsonl", &data);
    let line = "物流太慢了，等了一个星期才到，客服也不理人。".repeat(2);
    dir.create("lines.txt", format!("{line}\n").repeat(12_000));

    // The sequential and the threaded drivers report write errors differently.
    let analyze = ["analyze", "big.jsonl", "--tokens", "--rejects", "rej.jsonl"];
    check_closed_pipe(&dir, &[&analyze[..], &["--threads", "1"]].concat());
    check_closed_pipe(&dir, &[&analyze[..], &["--threads", "2"]].concat());
    check_closed_pipe(&dir, &["segment", "lines.txt"]);
}

// ---------------------------------------------------------------------------------------------
// 8. Training and evaluating sentiment
// ---------------------------------------------------------------------------------------------

/// A small labelled set: clear reviews in both languages, repeated with variations.
fn labelled_csv() -> String {
    let pos = [
        "质量很好，非常满意",
        "物流很快，包装完好",
        "客服态度很好",
        "great product, works perfectly",
        "fast delivery and friendly support",
    ];
    let neg = [
        "质量太差了，很失望",
        "物流太慢，等了一个星期",
        "客服不理人，态度很差",
        "terrible product, broke after a day",
        "slow delivery and rude support",
    ];
    let mut out = String::from("stars,review\n");
    for round in 0..8 {
        for p in pos {
            out.push_str(&format!("__label__2,\"{p} {round}\"\n"));
        }
        for n in neg {
            out.push_str(&format!("__label__1,\"{n} {round}\"\n"));
        }
    }
    out
}

#[test]
fn train_then_eval_then_analyze_with_the_model() {
    let dir = Dir::new();
    dir.create("train.csv", labelled_csv());
    let map = ["--label-map", "__label__1=negative,__label__2=positive"];
    let fields = ["--text-field", "review", "--label-field", "stars"];
    dir.command()
        .args(["train", "sentiment", "--data", "train.csv", "-o", "m.fks"])
        .args(fields)
        .args(map)
        .run()
        .expect_success();
    // Deterministic for a seed, whatever the number of threads.
    dir.command()
        .args([
            "train",
            "sentiment",
            "--data",
            "train.csv",
            "-o",
            "again.fks",
            "-j",
            "1",
        ])
        .args(fields)
        .args(map)
        .run()
        .expect_success();
    assert!(dir.read_bytes("m.fks") == dir.read_bytes("again.fks"));
    let manifest: Value = serde_json::from_str(&dir.read("m.json")).unwrap();
    assert_eq!(manifest["type"], "fankui-sentiment-linear");
    assert_eq!(manifest["training"]["data"][0]["examples"], 80);
    assert_eq!(
        manifest["training"]["data"][0]["sha256"]
            .as_str()
            .map(str::len),
        Some(64)
    );
    assert!(manifest["command"]
        .as_str()
        .unwrap()
        .starts_with("fankui train sentiment --data train.csv"));

    let run = dir
        .command()
        .args([
            "eval",
            "sentiment",
            "--model",
            "m.fks",
            "--data",
            "train.csv",
            "--json",
        ])
        .args(fields)
        .args(map)
        .run();
    run.expect_success();
    let scores: Value = serde_json::from_str(run.stdout_str()).unwrap();
    assert!(scores["accuracy"].as_f64().unwrap() > 0.95, "{scores}");
    assert_eq!(scores["records"], 80);
    assert_eq!(scores["confusion"]["matrix"].as_array().unwrap().len(), 2);

    let run = dir
        .command()
        .args([
            "eval",
            "sentiment",
            "--cv",
            "4",
            "--data",
            "train.csv",
            "--json",
        ])
        .args(fields)
        .args(map)
        .run();
    run.expect_success();
    let cv: Value = serde_json::from_str(run.stdout_str()).unwrap();
    assert_eq!(cv["folds"].as_array().unwrap().len(), 4);
    assert_eq!(cv["pooled"]["records"], 80);

    // The model drives analyze through a config file.
    dir.create(
        "fankui.toml",
        "[sentiment]\ntype = \"linear\"\nmodel = \"m.fks\"\nneutral_band = 0.05\n",
    );
    dir.create("in.jsonl", "{\"id\":\"1\",\"text\":\"客服态度很差\"}\n");
    dir.command()
        .args([
            "analyze",
            "in.jsonl",
            "-o",
            "out.jsonl",
            "--config",
            "fankui.toml",
        ])
        .run()
        .expect_success();
    let out = dir.read_jsonl("out.jsonl");
    assert_eq!(out[0]["sentiment"]["label"], "negative", "{}", out[0]);
}

#[test]
fn bad_labelled_data_names_the_record_and_field() {
    let dir = Dir::new();
    dir.create("bad.csv", "label,text\n1,好\n0,差\nmaybe,一般\n");
    let run = dir
        .command()
        .args(["train", "sentiment", "--data", "bad.csv", "-o", "m.fks"])
        .run();
    run.expect_code(1);
    let err = &run.stderr;
    assert!(
        err.contains("bad.csv:3") && err.contains("`label`") && err.contains("\"maybe\""),
        "{err}"
    );
    assert!(!dir.join("m.fks").exists());

    let run = dir
        .command()
        .args([
            "eval",
            "sentiment",
            "--model",
            "nope.fks",
            "--data",
            "bad.csv",
        ])
        .run();
    run.expect_code(1);
    let run = dir
        .command()
        .args(["train", "sentiment", "--data", "bad.csv", "-o", "m.json"])
        .run();
    run.expect_code(1);
}

// ---------------------------------------------------------------------------------------------
// Kind, routing and priority.

#[test]
fn init_writes_an_editable_taxonomy_and_a_broken_one_is_named() {
    let dir = Dir::new();
    dir.command().args(["init", "cfg"]).run().expect_success();
    // The written configuration and taxonomy work as they are.
    dir.create(
        "in.jsonl",
        "{\"id\":\"1\",\"text\":\"快递太慢了，三天还没到，我要投诉\"}\n",
    );
    let out = dir
        .command()
        .args([
            "analyze",
            "in.jsonl",
            "--config",
            "cfg/fankui.toml",
            "--rejects",
            "r.jsonl",
        ])
        .run();
    out.expect_success();
    let line: serde_json::Value = serde_json::from_str(out.stdout_str().trim()).unwrap();
    assert_eq!(line["kind"], "complaint", "{out}");
    assert_eq!(line["department"]["id"], "logistics", "{out}");
    assert!(line["department"]["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| "快递太慢了，三天还没到，我要投诉".contains(e.as_str().unwrap())));
    // A second init refuses to overwrite.
    dir.command().args(["init", "cfg"]).run().expect_code(1);
    // A duplicate department id names the place.
    let taxonomy = std::fs::read_to_string(dir.path().join("cfg/taxonomy.toml")).unwrap();
    let broken = taxonomy.replacen("id = \"tech\"", "id = \"retail\"", 1);
    std::fs::write(dir.path().join("cfg/taxonomy.toml"), broken).unwrap();
    let out = dir
        .command()
        .args(["analyze", "in.jsonl", "--config", "cfg/fankui.toml"])
        .run();
    out.expect_code(1);
    assert!(out.stderr.contains("duplicate id `retail`"), "{out}");
    assert!(out.stderr.contains("taxonomy.toml"), "{out}");
}

#[test]
fn route_and_kind_models_train_and_evaluate() {
    let dir = Dir::new();
    let mut train = String::new();
    let rows = [
        ("快递三天还没到", "logistics"),
        ("物流太慢了", "logistics"),
        ("the parcel never arrived", "logistics"),
        ("courier left it in the rain", "logistics"),
        ("app keeps crashing", "tech"),
        ("登录不了，验证码收不到", "tech"),
        ("the website froze at checkout", "tech"),
        ("闪退好几次", "tech"),
        // Nothing in the taxonomy: only a learned model can place it.
        ("蓝色小人又卡住不动了", "tech"),
    ];
    for _ in 0..5 {
        for (text, dept) in rows {
            train.push_str(&format!(
                "{{\"text\":\"{text}\",\"departments\":[\"{dept}\"]}}\n"
            ));
        }
    }
    dir.create("train.jsonl", &train);
    dir.command()
        .args([
            "train",
            "route",
            "--data",
            "train.jsonl",
            "--label-field",
            "departments",
        ])
        .args(["--bits", "12", "-o", "route.fkc"])
        .run()
        .expect_success();
    assert!(dir.path().join("route.json").is_file());
    for model in ["route.fkc", "rules"] {
        let out = dir
            .command()
            .args([
                "eval",
                "route",
                "--data",
                "train.jsonl",
                "--label-field",
                "departments",
            ])
            .args(["--model", model, "--json"])
            .run();
        out.expect_success();
        let report: serde_json::Value = serde_json::from_str(out.stdout_str()).unwrap();
        assert!(report["macro_f1"].as_f64().unwrap() > 0.8, "{model}: {out}");
    }
    // The learned router in analyze, through the configuration.
    dir.create("route.toml", "[route]\nmodel = \"route.fkc\"\n");
    dir.create("in.jsonl", "{\"text\":\"物流太慢了，还没到\"}\n");
    let out = dir
        .command()
        .args(["analyze", "in.jsonl", "--config", "route.toml"])
        .run();
    out.expect_success();
    assert!(out.stdout_str().contains("\"id\":\"logistics\""), "{out}");
    // The same model as the fallback before the fallback: a complaint the rules leave unplaced
    // goes where the model says, not to customer_service marked as unassigned.
    dir.create(
        "unplaced.jsonl",
        "{\"text\":\"蓝色小人又卡住不动了，真烦\"}\n",
    );
    dir.create("no_fallback_model.toml", "[route]\nfallback_model = \"\"\n");
    let out = dir
        .command()
        .args([
            "analyze",
            "unplaced.jsonl",
            "--config",
            "no_fallback_model.toml",
        ])
        .run();
    out.expect_success();
    assert!(out.stdout_str().contains("\"fallback\":true"), "{out}");
    dir.create(
        "fallback.toml",
        "[route]\nfallback_model = \"route.fkc\"\nfallback_min = 0.5\n",
    );
    let out = dir
        .command()
        .args(["analyze", "unplaced.jsonl", "--config", "fallback.toml"])
        .run();
    out.expect_success();
    assert!(out.stdout_str().contains("\"id\":\"tech\""), "{out}");
    assert!(!out.stdout_str().contains("\"fallback\":true"), "{out}");
    // Kind labels must be kinds.
    dir.create("kind.jsonl", "{\"text\":\"bad\",\"label\":\"Bug\"}\n");
    let out = dir
        .command()
        .args(["train", "kind", "--data", "kind.jsonl", "-o", "k.fkc"])
        .run();
    out.expect_code(1);
    assert!(out.stderr.contains("`Bug` is not a kind"), "{out}");
    // A route model is not a kind model.
    dir.create("k.toml", "[kind]\nmodel = \"route.fkc\"\n");
    let out = dir
        .command()
        .args(["analyze", "in.jsonl", "--config", "k.toml"])
        .run();
    out.expect_code(1);
    assert!(out.stderr.contains("not a `kind` one"), "{out}");
}

#[test]
fn topics_fit_without_a_clusterable_record_has_no_topic() {
    // Regression: k-means++ seeding indexed an empty pool and panicked.
    let dir = Dir::new();
    dir.create("in.jsonl", "{\"text\":\"嗯嗯\"}\n{\"text\":\"哈哈\"}\n");
    dir.command()
        .args(["topics", "fit", "in.jsonl", "-o", "t.json", "--min-df", "1"])
        .run()
        .expect_success();
    let model: Value = serde_json::from_str(&dir.read("t.json")).unwrap();
    assert_eq!(model["topics"].as_array().unwrap().len(), 0);
    assert_eq!(model["outliers"], 2);
    dir.command()
        .args(["analyze", "in.jsonl", "-o", "a.jsonl", "--topics", "t.json"])
        .run()
        .expect_success();
}

#[test]
fn topics_fit_assign_discover_and_eval() {
    let dir = Dir::new();
    // Two clear subjects, four records each, plus one with no usable word.
    let mut lines = String::new();
    let texts = [
        "快递还没到",
        "等快递等了一周",
        "快递怎么还不来",
        "快递一直没更新",
        "屏幕有划痕",
        "屏幕碎了",
        "屏幕有坏点",
        "屏幕一直闪",
        "嗯嗯",
    ];
    for (i, t) in texts.iter().enumerate() {
        lines.push_str(&format!(
            "{{\"id\":\"r{i}\",\"text\":\"{t}\",\"cat\":\"{}\"}}\n",
            i / 4
        ));
    }
    dir.create("in.jsonl", &lines);
    let fit = |out: &str| {
        dir.command()
            .args(["topics", "fit", "in.jsonl", "-o", out])
            .args(["--k", "2", "--min-df", "2", "--max-df", "0.9"])
            .run()
    };
    fit("t1.json").expect_success();
    fit("t2.json").expect_success();
    assert_eq!(
        dir.read("t1.json"),
        dir.read("t2.json"),
        "same seed, same topics"
    );
    let model: Value = serde_json::from_str(&dir.read("t1.json")).unwrap();
    assert_eq!(model["format"], "fankui-topics");
    let topics = model["topics"].as_array().unwrap();
    assert_eq!(topics.len(), 2);
    for t in topics {
        assert_eq!(t["size"], 4, "{t}");
        assert!(!t["examples"].as_array().unwrap().is_empty());
    }

    dir.command()
        .args([
            "analyze", "in.jsonl", "-o", "a.jsonl", "--topics", "t1.json",
        ])
        .run()
        .expect_success();
    let out = dir.read_jsonl("a.jsonl");
    let topic_of = |o: &Value| o["topic"]["id"].as_u64();
    assert!(out[..4].iter().all(|o| topic_of(o) == topic_of(&out[0])));
    assert!(out[4..8].iter().all(|o| topic_of(o) == topic_of(&out[4])));
    assert_ne!(topic_of(&out[0]), topic_of(&out[4]));
    assert_eq!(out[8]["topic"], Value::Null, "no subject, no topic");
    assert_eq!(str_field(&out[0]["topic"], "label"), "快递");
    assert!(out[0]["keywords"].as_array().unwrap().len() >= 2);

    // Without a model the field is there and null.
    dir.command()
        .args(["analyze", "in.jsonl", "-o", "b.jsonl"])
        .run()
        .expect_success();
    assert!(dir
        .read_jsonl("b.jsonl")
        .iter()
        .all(|o| o["topic"].is_null()));

    // Discovering on the input gives the fitted model's assignment.
    dir.command()
        .args(["analyze", "in.jsonl", "-o", "c.jsonl", "--discover-topics"])
        .args([
            "--k",
            "2",
            "--min-df",
            "2",
            "--max-df",
            "0.9",
            "--save-topics",
            "t3.json",
        ])
        .run()
        .expect_success();
    assert_eq!(dir.read("t3.json"), dir.read("t1.json"));
    let discovered = dir.read_jsonl("c.jsonl");
    assert_eq!(
        discovered.iter().map(topic_of).collect::<Vec<_>>(),
        out.iter().map(topic_of).collect::<Vec<_>>()
    );
    dir.command()
        .args(["analyze", "-", "--discover-topics"])
        .run_with_stdin(lines.as_bytes())
        .expect_code(1);

    let eval = dir
        .command()
        .args(["eval", "topics", "--data", "in.jsonl", "--model", "t1.json"])
        .args(["--label-field", "cat", "--json"])
        .run();
    eval.expect_success();
    let scores: Value = serde_json::from_str(eval.stdout_str()).unwrap();
    assert_eq!(scores["purity"], 1.0, "{scores}");
    assert!((scores["outliers"].as_f64().unwrap() - 1.0 / 9.0).abs() < 1e-9);

    // Another tool's listing, checked against the records.
    dir.create(
        "listing.json",
        r#"{"topics":[{"keywords":["物流","快递"]},{"keywords":["屏幕","电池"]}],"assignments":[0,0,0,0,1,1,1,1,-1]}"#,
    );
    let listed = dir
        .command()
        .args([
            "eval",
            "topics",
            "--data",
            "in.jsonl",
            "--listing",
            "listing.json",
        ])
        .args(["--label-field", "cat", "--json"])
        .run();
    listed.expect_success();
    let scores: Value = serde_json::from_str(listed.stdout_str()).unwrap();
    assert_eq!(scores["purity"], 1.0);
    dir.create(
        "short.json",
        r#"{"topics":[{"keywords":["物流"]}],"assignments":[0]}"#,
    );
    let bad = dir
        .command()
        .args([
            "eval",
            "topics",
            "--data",
            "in.jsonl",
            "--listing",
            "short.json",
        ])
        .run();
    bad.expect_code(1);
    assert!(bad.stderr.contains("1 assignments for 9 records"), "{bad}");
    // A broken model file names itself.
    dir.create("broken.json", "{\"format\":\"fankui-topics\"}");
    let broken = dir
        .command()
        .args([
            "analyze",
            "in.jsonl",
            "-o",
            "d.jsonl",
            "--topics",
            "broken.json",
        ])
        .run();
    broken.expect_code(1);
    assert!(broken.stderr.contains("broken.json"), "{broken}");
}

/// P(X ≥ k) for X ~ Binomial(n, p), summed term by term.
fn binomial_tail(k: u64, n: u64, p: f64) -> f64 {
    let mut total = 0.0;
    for i in k..=n {
        let mut c = 1.0f64;
        for j in 0..i {
            c *= (n - j) as f64 / (j + 1) as f64;
        }
        total += c * p.powi(i as i32) * (1.0 - p).powi((n - i) as i32);
    }
    total
}

#[test]
fn topic_spikes_and_volume_raise_priority() {
    let dir = Dir::new();
    let parcel = [
        "快递太慢了，差评",
        "快递一直不到，差评",
        "等快递等了一周，太差了",
        "快递慢得离谱，差评",
    ];
    let screen = [
        "屏幕有坏点，差评",
        "屏幕碎了，太差了",
        "屏幕一直闪，差评",
        "屏幕发黄，太差了",
    ];
    // Ten days of one parcel and one screen complaint a day, then a day with ten parcel
    // complaints: a spike of the parcel topic on its last day, and nothing else.
    let mut lines = String::new();
    let mut n = 0;
    let mut push = |day: u32, text: &str, lines: &mut String| {
        lines.push_str(&format!(
            "{{\"id\":\"r{n}\",\"text\":\"{text}\",\"created_at\":\"2026-10-{day:02}\"}}\n"
        ));
        n += 1;
    };
    for day in 1..=10u32 {
        push(day, parcel[day as usize % 4], &mut lines);
        push(day, screen[day as usize % 4], &mut lines);
    }
    for i in 0..10 {
        push(11, parcel[i % 4], &mut lines);
    }
    push(11, screen[0], &mut lines);
    dir.create("in.jsonl", &lines);
    dir.command()
        .args([
            "analyze",
            "in.jsonl",
            "-o",
            "out.jsonl",
            "--discover-topics",
        ])
        .args(["--k", "2", "--min-df", "2", "--max-df", "0.9"])
        .run()
        .expect_success();
    let out = dir.read_jsonl("out.jsonl");
    assert_eq!(out.len(), 31);
    for o in &out {
        assert_eq!(o["sentiment"]["label"], "negative", "{o}");
        assert_eq!(o["kind"], "complaint", "{o}");
    }
    let topic_of = |o: &Value| o["topic"]["id"].as_u64().expect("every record has a topic");
    let parcel_topic = topic_of(&out[0]);
    assert!(out[..20]
        .iter()
        .step_by(2)
        .all(|o| topic_of(o) == parcel_topic));
    assert!(out[1..20]
        .iter()
        .step_by(2)
        .all(|o| topic_of(o) != parcel_topic));
    let reasons = |o: &Value| -> Vec<String> {
        o["priority"]["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r.as_str().unwrap().to_owned())
            .collect()
    };
    let spiking = |o: &Value| reasons(o).iter().any(|r| r.starts_with("topic spike: "));
    // Topic volume against the median topic (of two: their mean, 15.5 negative records): the
    // parcel topic's 20 earn a little, the screen topic's 11 nothing.
    for o in &out {
        let volume = reasons(o).iter().any(|r| r.starts_with("topic: "));
        assert_eq!(volume, topic_of(o) == parcel_topic, "{o}");
        assert!(
            !reasons(o).iter().any(|r| r.starts_with("large topic")),
            "{o}"
        );
    }
    assert!(
        !out[..20].iter().any(spiking),
        "no spike in the first ten days"
    );
    assert!(!spiking(&out[30]), "the screen topic does not spike");
    // Day 11 has ten parcel complaints against 7 in the week before (days 4-10): with complete
    // history every one of them gets the spike, counted over the whole day.
    assert!(binomial_tail(10, 17, 1.0 / 8.0) < 0.01);
    for o in &out[20..30] {
        assert!(spiking(o), "{o}");
        let expected = "(10 negative that day, 7 in the 7 days before)";
        assert!(reasons(o).iter().any(|r| r.ends_with(expected)), "{o}");
    }
    // The spike adds its points: the same text (parcel[1]) scores higher on the spiking day
    // than on day 5, beyond what recency gives.
    let score = |o: &Value| o["priority"]["score"].as_u64().unwrap();
    assert!(
        score(&out[29]) >= score(&out[8]) + 5,
        "{} {}",
        out[29],
        out[8]
    );
}

/// Twenty days of negative delivery and screen complaints, one of each a day, and a burst of
/// delivery complaints on day 18; customer `c1` complains three times.
fn spike_dump() -> Vec<String> {
    let delivery = [
        "快递还没到，太慢了",
        "等快递等了一周，太差了",
        "快递怎么还不来，太失望了",
        "快递一直没更新，很生气",
    ];
    let screen = [
        "屏幕有划痕，太差了",
        "屏幕碎了，很失望",
        "屏幕有坏点，很生气",
        "屏幕一直闪，太差劲了",
    ];
    let mut lines = Vec::new();
    let mut push = |text: &str, day: usize, customer: usize| {
        lines.push(format!(
            "{{\"id\":\"r{}\",\"text\":\"{text}\",\"created_at\":\"2026-03-{day:02}\",\"customer_id\":\"c{customer}\"}}\n",
            lines.len()
        ));
    };
    for day in 1..=20 {
        push(delivery[day % 4], day, 100 + day);
        push(screen[day % 4], day, 200 + day);
        if day == 18 {
            for i in 0..12 {
                push(delivery[i % 4], day, if i < 3 { 1 } else { 300 + i });
            }
        }
    }
    lines
}

#[test]
fn topic_spike_points_agree_with_the_report_and_not_with_the_input_order() {
    let dir = Dir::new();
    let lines = spike_dump();
    dir.create("in.jsonl", lines.concat());
    dir.create(
        "reversed.jsonl",
        lines.iter().rev().cloned().collect::<String>(),
    );
    dir.command()
        .args(["topics", "fit", "in.jsonl", "-o", "t.json"])
        .args(["--k", "2", "--min-df", "2", "--max-df", "0.9"])
        .run()
        .expect_success();
    for (input, output) in [("in.jsonl", "a.jsonl"), ("reversed.jsonl", "b.jsonl")] {
        let out = dir
            .command()
            .args(["analyze", input, "-o", output, "--topics", "t.json"])
            .run();
        out.expect_success();
        assert!(out.stderr.contains("priority history: complete"), "{out}");
    }
    let by_id = |name: &str| -> std::collections::BTreeMap<String, Value> {
        dir.read_jsonl(name)
            .into_iter()
            .map(|r| (r["id"].as_str().unwrap().to_owned(), r))
            .collect()
    };
    let (a, b) = (by_id("a.jsonl"), by_id("b.jsonl"));
    for (id, r) in &a {
        assert_eq!(r["priority"], b[id]["priority"], "{id}");
    }
    // The records of the burst got topic-spike points; the report lists exactly that day.
    let spiked: std::collections::BTreeSet<(u64, String)> = a
        .values()
        .filter(|r| {
            r["priority"]["reasons"]
                .as_array()
                .unwrap()
                .iter()
                .any(|s| s.as_str().unwrap().starts_with("topic spike"))
        })
        .map(|r| {
            (
                r["topic"]["id"].as_u64().unwrap(),
                r["created_at"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    dir.command()
        .args(["report", "a.jsonl", "-o", "rep"])
        .run()
        .expect_success();
    let summary: Value = serde_json::from_str(&dir.read("rep/summary.json")).unwrap();
    let listed: std::collections::BTreeSet<(u64, String)> = summary["topic_spike_days"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["topic"].as_str().unwrap().parse().unwrap(),
                d["day"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(spiked.len(), 1, "{spiked:?}");
    assert_eq!(spiked, listed);
    assert_eq!(spiked.iter().next().unwrap().1, "2026-03-18");
    // Customer c1's three complaints count each other as repeats.
    let c1: Vec<&Value> = a.values().filter(|r| r["customer_id"] == "c1").collect();
    assert_eq!(c1.len(), 3);
    for r in c1 {
        let reasons = r["priority"]["reasons"].to_string();
        assert!(
            reasons.contains("repeat customer (2 other grievances)"),
            "{reasons}"
        );
    }
    // Streaming the reversed input: dates go backwards at once, so no spike points, and a
    // warning says why.
    let out = dir
        .command()
        .args(["analyze", "-", "--topics", "t.json"])
        .run_with_stdin(lines.iter().rev().cloned().collect::<String>().as_bytes());
    out.expect_success();
    assert!(out.stderr.contains("not in time order"), "{out}");
    assert!(out.stderr.contains("priority history: streaming"), "{out}");
    assert!(!out.stdout_str().contains("topic spike"));
    // In time order, streaming gives the spike too.
    let out = dir
        .command()
        .args(["analyze", "-", "--topics", "t.json"])
        .run_with_stdin(lines.concat().as_bytes());
    assert!(!out.stderr.contains("not in time order"), "{out}");
    assert!(out.stdout_str().contains("topic spike"));
}
