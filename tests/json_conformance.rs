//! JSONTestSuite's parsing cases (`../shared/testdata/JSONTestSuite`, written outside the
//! project) against both JSON readers: `fankui analyze`'s input reader and `fankui report`'s
//! reader of analysed lines. Each single-line case is put in a record as a passed-through
//! field; `y_` cases must be accepted, `n_` cases rejected, and `i_` cases may go either way,
//! but every record is accounted for and every line the report copies to a department queue
//! is JSON. Skipped, saying so, when `../shared` is absent.

// Shared with tests/cli.rs, which uses all of it.
#[allow(dead_code)]
mod util;

use std::path::PathBuf;

use serde_json::Value;

use util::Dir;

/// (name, bytes) of the cases that fit on one line (a final line end dropped).
fn cases() -> Option<Vec<(String, Vec<u8>)>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/testdata/JSONTestSuite/test_parsing");
    if !dir.is_dir() {
        eprintln!(
            "skipped: {} is absent (JSONTestSuite is needed for this test)",
            dir.display()
        );
        return None;
    }
    let mut cases: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| {
            let path = e.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let mut bytes = std::fs::read(&path).unwrap();
            if bytes.last() == Some(&b'\n') {
                bytes.pop();
            }
            (name, bytes)
        })
        .filter(|(name, bytes)| {
            name.ends_with(".json") && !bytes.iter().any(|&b| b == b'\n' || b == b'\r')
        })
        .collect();
    cases.sort();
    assert!(cases.len() > 300, "only {} cases found", cases.len());
    Some(cases)
}

/// `y`, `n` or `i`.
fn verdict(name: &str) -> char {
    name.chars().next().unwrap()
}

/// The cases whose outcome (`accepted`, in case order) breaks their verdict: a valid one
/// rejected or an invalid one accepted.
fn wrong_verdicts(cases: &[(String, Vec<u8>)], accepted: &[bool]) -> Vec<String> {
    cases
        .iter()
        .zip(accepted)
        .filter_map(|((name, _), &ok)| match verdict(name) {
            'y' if !ok => Some(format!("{name} (valid) was rejected")),
            'n' if ok => Some(format!("{name} (invalid) was accepted")),
            _ => None,
        })
        .collect()
}

/// The record numbers (1-based) in `rejects`.
fn rejected_records(rejects: &[Value]) -> Vec<u64> {
    rejects
        .iter()
        .map(|r| r["record"].as_u64().expect("record number"))
        .collect()
}

#[test]
fn analyze_accepts_valid_json_and_rejects_the_rest() {
    let Some(cases) = cases() else { return };
    let dir = Dir::new();
    let mut input = Vec::new();
    for (name, bytes) in &cases {
        input.extend_from_slice(
            format!("{{\"id\":\"{name}\",\"text\":\"物流太慢了\",\"case\":").as_bytes(),
        );
        input.extend_from_slice(bytes);
        input.extend_from_slice(b"}\n");
    }
    dir.create("cases.jsonl", &input);
    let run = dir
        .command()
        .args([
            "analyze",
            "cases.jsonl",
            "-o",
            "out.jsonl",
            "--rejects",
            "rej.jsonl",
        ])
        .run();
    run.expect_success();
    let out = dir.read_jsonl("out.jsonl");
    let rejected = rejected_records(&dir.read_jsonl("rej.jsonl"));
    assert_eq!(out.len() + rejected.len(), cases.len(), "{run}");

    let analysed: Vec<&str> = out.iter().map(|o| o["id"].as_str().unwrap()).collect();
    let mut accepted = Vec::with_capacity(cases.len());
    for (i, (name, bytes)) in cases.iter().enumerate() {
        let ok = analysed.contains(&name.as_str());
        assert_ne!(
            ok,
            rejected.contains(&(i as u64 + 1)),
            "{name}: in both or neither"
        );
        if ok && verdict(name) == 'y' {
            // The value comes out as it went in.
            let o = out.iter().find(|o| o["id"] == name.as_str()).unwrap();
            let expected: Value = serde_json::from_slice(bytes).unwrap();
            assert_eq!(o["case"], expected, "{name}");
        }
        accepted.push(ok);
    }
    let wrong = wrong_verdicts(&cases, &accepted);
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn report_accepts_valid_json_rejects_the_rest_and_copies_only_json() {
    let Some(cases) = cases() else { return };
    let dir = Dir::new();
    // One analysed complaint (so that it is queued), then the case as a passed-through field.
    dir.create(
        "one.jsonl",
        "{\"id\":\"x\",\"text\":\"物流太慢了，等了一个星期\"}\n",
    );
    dir.command()
        .args(["analyze", "one.jsonl", "-o", "one.out.jsonl"])
        .run()
        .expect_success();
    let line = dir.read("one.out.jsonl");
    let line = line.trim_end();
    let analysed: Value = serde_json::from_str(line).unwrap();
    assert!(
        analysed["department"]["id"].is_string(),
        "a queued record: {line}"
    );
    let head = line.strip_suffix('}').unwrap();
    let mut input = Vec::new();
    for (name, bytes) in &cases {
        let with_id = head.replacen("\"id\":\"x\"", &format!("\"id\":\"{name}\""), 1);
        input.extend_from_slice(with_id.as_bytes());
        input.extend_from_slice(b",\"case\":");
        input.extend_from_slice(bytes);
        input.extend_from_slice(b"}\n");
    }
    dir.create("cases.jsonl", &input);
    let run = dir
        .command()
        .args([
            "report",
            "cases.jsonl",
            "-o",
            "rep",
            "--rejects",
            "rej.jsonl",
        ])
        .run();
    run.expect_success();
    let summary: Value = serde_json::from_str(&dir.read("rep/summary.json")).unwrap();
    let rejected = rejected_records(&dir.read_jsonl("rej.jsonl"));
    assert_eq!(
        summary["input"]["records"].as_u64().unwrap() + rejected.len() as u64,
        cases.len() as u64,
        "{run}"
    );

    let accepted: Vec<bool> = (1..=cases.len() as u64)
        .map(|record| !rejected.contains(&record))
        .collect();
    let wrong = wrong_verdicts(&cases, &accepted);
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));

    // Every line copied to a queue is a JSON object.
    let mut queued = 0;
    for entry in std::fs::read_dir(dir.path().join("rep/departments")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "jsonl") {
            let text = std::fs::read(&path).unwrap();
            for (n, l) in text
                .split(|&b| b == b'\n')
                .filter(|l| !l.is_empty())
                .enumerate()
            {
                let v: Result<Value, _> = serde_json::from_slice(l);
                assert!(
                    v.as_ref().is_ok_and(Value::is_object),
                    "{} line {}: not a JSON object: {}",
                    path.display(),
                    n + 1,
                    String::from_utf8_lossy(l)
                );
                queued += 1;
            }
        }
    }
    assert!(queued > 90, "only {queued} queued lines");
}
