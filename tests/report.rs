//! `fankui report` and `fankui compare` on synthetic analysed records whose every figure is
//! known by construction: survey answers, weekly volumes, a planted spike, queue order.

// Shared with tests/cli.rs, which uses all of it.
#[allow(dead_code)]
mod util;

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Value};

use util::{gzip, Dir};

/// 2026-01-05, a Monday (ISO week 2), as days since 1970-01-01.
const FIRST_MONDAY: i64 = 20_458;
const WEEKS: usize = 12;

fn date(days: i64) -> String {
    // Civil from days (Howard Hinnant), written out so the test does not rely on the crate.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    format!("{:04}-{m:02}-{d:02}", yoe + era * 400 + i64::from(m <= 2))
}

/// One synthetic analysed record and what the test knows about it.
#[derive(Debug, Clone)]
struct Planted {
    line: Value,
    week: usize,
    day: i64,
    department: Option<&'static str>,
    topic: Option<u32>,
    negative: bool,
    level: &'static str,
    score: u64,
    nps: Option<u64>,
    csat: Option<u64>,
    ces: Option<u64>,
    customer: Option<String>,
}

fn level_of(score: u64) -> &'static str {
    match score {
        80.. => "P1",
        60..=79 => "P2",
        30..=59 => "P3",
        _ => "P4",
    }
}

/// Per week: logistics complaints (10 a week, 40 in the last: the planted spike), product
/// complaints (10 a week), praise (20 a week) with survey answers.
fn planted() -> Vec<Planted> {
    let mut out = Vec::new();
    let mut n = 0u64;
    for week in 0..WEEKS {
        let logistics = if week == WEEKS - 1 { 40 } else { 10 };
        let groups: [(&str, usize); 3] =
            [("logistics", logistics), ("product", 10), ("praise", 20)];
        for (group, count) in groups {
            for i in 0..count {
                n += 1;
                let day = FIRST_MONDAY + 7 * week as i64 + (i % 7) as i64;
                let (department, topic, negative, score, kind) = match group {
                    "logistics" => (Some("logistics"), Some(1), true, 50 + (n % 40), "complaint"),
                    "product" => (Some("product"), Some(2), true, 40 + (n % 20), "complaint"),
                    _ => (None, None, false, 5, "praise"),
                };
                let (nps, csat, ces) = match group {
                    "praise" => (Some(n % 11), Some(1 + n % 5), Some(1 + n % 7)),
                    "logistics" => (Some(2), None, None),
                    _ => (None, None, None),
                };
                let customer = (group != "praise").then(|| format!("c{}", n % 50));
                let level = level_of(score);
                let mut line = json!({
                    "id": format!("r{n}"),
                    "lang": "zh",
                    "sentiment": {"label": if negative {"negative"} else {"positive"},
                                  "score": if negative {-0.8} else {0.9}},
                    "kind": kind,
                    "keywords": match group { "logistics" => vec!["快递", "太慢"],
                                              "product" => vec!["质量"], _ => vec!["满意"] },
                    "topic": topic.map(|t| json!({"id": t, "label": if t == 1 {"快递 / 太慢"} else {"质量 / 做工"}})),
                    "department": department.map(|d| json!({"id": d, "confidence": 0.9,
                        "evidence": if d == "logistics" {vec!["快递"]} else {vec!["质量"]}, "secondary": []})),
                    "priority": {"score": score, "level": level, "reasons": ["strong negative"]},
                    "text": format!("{group} feedback {n}: 快递太慢, 质量一般, \"quoted\", comma"),
                    "channel": if n % 2 == 0 {"app"} else {"web"},
                    "created_at": date(day),
                });
                let obj = line.as_object_mut().expect("object");
                if let Some(v) = nps {
                    obj.insert("nps".into(), json!(v));
                }
                if let Some(v) = csat {
                    // CSV-born records carry numbers as strings: both must count.
                    obj.insert("csat".into(), json!(v.to_string()));
                }
                if let Some(v) = ces {
                    obj.insert("ces".into(), json!(v));
                }
                if let Some(c) = &customer {
                    obj.insert("customer_id".into(), json!(c));
                }
                out.push(Planted {
                    line,
                    week,
                    day,
                    department,
                    topic,
                    negative,
                    level,
                    score,
                    nps,
                    csat,
                    ces,
                    customer,
                });
            }
        }
    }
    out
}

fn jsonl(records: &[Planted], extra: &[&str]) -> String {
    let mut s = String::new();
    for r in records {
        s.push_str(&r.line.to_string());
        s.push('\n');
    }
    for e in extra {
        s.push_str(e);
        s.push('\n');
    }
    s
}

const BAD_LINES: [&str; 2] = [
    r#"{"id":"bad-nps","sentiment":{"label":"negative","score":-0.5},"kind":"complaint","priority":{"score":10,"level":"P4","reasons":[]},"text":"x","nps":11}"#,
    r#"{"id":"broken", "text": "#,
];

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn f(v: &Value, path: &[&str]) -> f64 {
    let mut v = v;
    for p in path {
        v = &v[*p];
    }
    v.as_f64()
        .unwrap_or_else(|| panic!("no number at {path:?}"))
}

#[test]
fn every_figure_matches_the_construction() {
    let dir = Dir::new();
    let records = planted();
    let input = dir.create("analysed.jsonl", jsonl(&records, &BAD_LINES));
    dir.create("resolved.txt", "# fixed: the courier\ntopic:1\n");
    let run = dir
        .command()
        .arg("report")
        .arg(&input)
        .args(["-o", "rep", "--resolved", "resolved.txt", "-j", "2"])
        .run();
    run.expect_success();
    let s: Value = serde_json::from_str(&dir.read("rep/summary.json")).unwrap();

    // Accounting: every line is counted or rejected, and the rejects name record and field.
    assert_eq!(s["input"]["records"], records.len() as u64);
    assert_eq!(s["input"]["rejected"], 2);
    let rejects = dir.read_jsonl("rep/rejects.jsonl");
    assert_eq!(rejects.len(), 2);
    assert!(
        rejects[0]["reason"]
            .as_str()
            .unwrap()
            .contains("record bad-nps: field `nps`"),
        "{}",
        rejects[0]
    );
    assert!(rejects[1]["reason"]
        .as_str()
        .unwrap()
        .contains("malformed JSON"));

    // NPS, CSAT, CES overall.
    let nps: Vec<u64> = records.iter().filter_map(|r| r.nps).collect();
    let promoters = nps.iter().filter(|v| **v >= 9).count() as f64;
    let detractors = nps.iter().filter(|v| **v <= 6).count() as f64;
    let o = &s["overall"];
    assert_eq!(o["nps"]["n"], nps.len() as u64);
    assert_eq!(o["nps"]["promoters"], promoters as u64);
    assert_eq!(o["nps"]["detractors"], detractors as u64);
    assert_eq!(
        f(o, &["nps", "score"]),
        round2(100.0 * (promoters - detractors) / nps.len() as f64)
    );
    let csat: Vec<u64> = records.iter().filter_map(|r| r.csat).collect();
    let satisfied = csat.iter().filter(|v| **v >= 4).count() as f64;
    assert_eq!(o["csat"]["n"], csat.len() as u64);
    assert_eq!(
        f(o, &["csat", "score"]),
        round2(100.0 * satisfied / csat.len() as f64)
    );
    let ces: Vec<u64> = records.iter().filter_map(|r| r.ces).collect();
    assert_eq!(
        f(o, &["ces", "mean"]),
        round2(ces.iter().sum::<u64>() as f64 / ces.len() as f64)
    );
    assert_eq!(o["ces"]["low_count"], false);

    // Survey metrics per channel, with the low-count flag.
    for group in s["breakdowns"]["channel"]["groups"].as_array().unwrap() {
        let channel = group["key"].as_str().unwrap();
        let even = channel == "app";
        let mine: Vec<u64> = records
            .iter()
            .filter(|r| {
                (r.line["id"].as_str().unwrap()[1..].parse::<u64>().unwrap() % 2 == 0) == even
            })
            .filter_map(|r| r.nps)
            .collect();
        let p = mine.iter().filter(|v| **v >= 9).count() as f64;
        let d = mine.iter().filter(|v| **v <= 6).count() as f64;
        assert_eq!(group["nps"]["n"], mine.len() as u64, "{channel}");
        assert_eq!(
            f(group, &["nps", "score"]),
            round2(100.0 * (p - d) / mine.len() as f64)
        );
    }

    // Trends: every ISO week, its volume and negatives.
    let weeks = s["trends"]["overall"].as_array().unwrap();
    assert_eq!(weeks.len(), WEEKS);
    assert_eq!(weeks[0]["period"], "2026-W02");
    assert_eq!(weeks[0]["start"], "2026-01-05");
    assert_eq!(weeks[WEEKS - 1]["period"], "2026-W13");
    for (w, p) in weeks.iter().enumerate() {
        let mine: Vec<&Planted> = records.iter().filter(|r| r.week == w).collect();
        assert_eq!(p["n"], mine.len() as u64, "week {w}");
        assert_eq!(
            p["sentiment"]["negative"],
            mine.iter().filter(|r| r.negative).count() as u64
        );
        let nps_n = mine.iter().filter(|r| r.nps.is_some()).count() as u64;
        assert_eq!(p["nps"]["n"], nps_n);
        assert_eq!(p["nps"]["low_count"], nps_n < 30);
    }
    let by_dept = s["trends"]["by"]["department"].as_array().unwrap();
    let logistics = by_dept.iter().find(|g| g["key"] == "logistics").unwrap();
    let negatives: Vec<u64> = logistics["periods"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["sentiment"]["negative"].as_u64().unwrap())
        .collect();
    assert_eq!(negatives, [10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 40]);

    // The planted spike, and nothing else.
    let alerts: BTreeSet<(String, String)> = s["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            assert_eq!(a["period"], "2026-W13");
            (
                a["dimension"].as_str().unwrap().to_owned(),
                a["key"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let want: BTreeSet<(String, String)> =
        [("overall", ""), ("department", "logistics"), ("topic", "1")]
            .iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect();
    assert_eq!(alerts, want);
    let spike = s["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["key"] == "logistics")
        .unwrap();
    assert_eq!(spike["negative"], 40);
    assert_eq!(f(spike, &["baseline_mean"]), 10.0);
    assert_eq!(spike["baseline_periods"], 8);
    assert!(f(spike, &["p_value"]) < 1e-8);

    // What to fix first: logistics has the P1s.
    let focus = s["fix_first"].as_array().unwrap();
    assert_eq!(focus[0]["department"], "logistics");
    // Named as in the shipped taxonomy, wherever a department is shown.
    assert_eq!(focus[0]["name"], "Logistics · 物流配送");
    assert_eq!(spike["label"], "Logistics · 物流配送");
    let p1 = records
        .iter()
        .filter(|r| r.department == Some("logistics") && r.level == "P1")
        .count() as u64;
    assert_eq!(focus[0]["p1"], p1);
    assert_eq!(focus[0]["topics"][0]["topic"], 1);
    let top_score = records
        .iter()
        .filter(|r| r.department == Some("logistics"))
        .map(|r| r.score)
        .max()
        .unwrap();
    assert_eq!(focus[0]["items"][0]["priority"], top_score);

    // The queue: every logistics record, by priority, ties in input order.
    let mut reader = csv::Reader::from_path(dir.join("rep/departments/logistics.csv")).unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let mine: Vec<&Planted> = records
        .iter()
        .filter(|r| r.department == Some("logistics"))
        .collect();
    assert_eq!(rows.len(), mine.len());
    let mut want: Vec<(u64, usize)> = mine.iter().enumerate().map(|(i, r)| (r.score, i)).collect();
    want.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let got: Vec<&str> = rows.iter().map(|r| &r[2]).collect();
    let want_ids: Vec<&str> = want
        .iter()
        .map(|(_, i)| mine[*i].line["id"].as_str().unwrap())
        .collect();
    assert_eq!(got, want_ids);
    assert!(
        rows[0][16].contains("\"quoted\", comma"),
        "text survives CSV quoting"
    );
    let queue_jsonl = dir.read_jsonl("rep/departments/logistics.jsonl");
    assert_eq!(queue_jsonl.len(), mine.len());
    assert_eq!(queue_jsonl[0]["id"], want_ids[0]);

    // Customers to tell: everyone who complained about topic 1.
    let told = &s["customers_to_tell"];
    assert_eq!(told["records"], mine.len() as u64);
    let customers: BTreeSet<&String> = mine.iter().filter_map(|r| r.customer.as_ref()).collect();
    assert_eq!(told["customers"], customers.len() as u64);
    let mut reader = csv::Reader::from_path(dir.join("rep/customers_to_tell.csv")).unwrap();
    assert_eq!(reader.records().count(), mine.len());

    // The page has its sections and charts.
    let html = dir.read("rep/report.html");
    for needle in [
        "id=\"fix-first\"",
        "data-department=\"logistics\"",
        "data-chart=\"volume\"",
        "data-chart=\"negative-by-department\"",
        "data-chart=\"department-load\"",
        "id=\"alerts\"",
        "id=\"survey\"",
    ] {
        assert!(html.contains(needle), "report.html lacks {needle}");
    }
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "self-contained"
    );
}

#[test]
fn months_days_and_threads() {
    let dir = Dir::new();
    let records = planted();
    let input = dir.create("analysed.jsonl.gz", gzip(jsonl(&records, &[]).as_bytes()));
    for (out, period, threads) in [
        ("m1", "month", "1"),
        ("m2", "month", "2"),
        ("d", "day", "2"),
    ] {
        dir.command()
            .arg("report")
            .arg(&input)
            .args(["-o", out, "--period", period, "-j", threads, "-q"])
            .run()
            .expect_success();
    }
    assert_eq!(dir.read("m1/summary.json"), dir.read("m2/summary.json"));
    assert_eq!(
        dir.read("m1/departments/product.csv"),
        dir.read("m2/departments/product.csv")
    );
    let s: Value = serde_json::from_str(&dir.read("m1/summary.json")).unwrap();
    let mut months: BTreeMap<String, u64> = BTreeMap::new();
    for r in &records {
        *months.entry(date(r.day)[..7].to_owned()).or_default() += 1;
    }
    let got: BTreeMap<String, u64> = s["trends"]["overall"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["period"].as_str().unwrap().to_owned(),
                p["n"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(got, months);
    let s: Value = serde_json::from_str(&dir.read("d/summary.json")).unwrap();
    let days = s["trends"]["overall"].as_array().unwrap();
    assert_eq!(days.len(), 7 * WEEKS);
    let first_day: u64 = records.iter().filter(|r| r.day == FIRST_MONDAY).count() as u64;
    assert_eq!(days[0]["n"], first_day);
    let topics = s["topics"].as_array().unwrap();
    assert_eq!(topics[0]["id"], 1);
    assert_eq!(
        topics[0]["figures"]["n"],
        records.iter().filter(|r| r.topic == Some(1)).count() as u64
    );
}

#[test]
fn departments_are_named_by_the_taxonomy_given() {
    let dir = Dir::new();
    let input = dir.create("analysed.jsonl", jsonl(&planted(), &[]));
    let taxonomy = dir.create(
        "taxonomy.toml",
        "[[department]]\nid = \"logistics\"\nname = { zh = \"配送组\", en = \"Delivery team\" }\n\
         [[department.terms]]\nweight = 1.0\nzh = [\"快递\"]\nen = []\n",
    );
    dir.command()
        .arg("report")
        .arg(&input)
        .args(["-o", "rep", "-q", "--taxonomy"])
        .arg(&taxonomy)
        .run()
        .expect_success();
    let s: Value = serde_json::from_str(&dir.read("rep/summary.json")).unwrap();
    let names: BTreeMap<&str, &Value> = s["breakdowns"]["department"]["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (g["key"].as_str().unwrap(), &g["label"]))
        .collect();
    // `product` is not in this taxonomy: it keeps its id alone.
    assert_eq!(names["logistics"], "Delivery team · 配送组");
    assert_eq!(names["product"], &Value::Null);
    let html = dir.read("rep/report.html");
    assert!(html.contains("<h3>Delivery team · 配送组 <code>logistics</code></h3>"));
    assert!(html.contains("<h3>product</h3>"));
    let bad = dir.create("bad.toml", "[[department]]\nid = \"x\"\n");
    let run = dir
        .command()
        .arg("report")
        .arg(&input)
        .args(["-o", "rep2", "-q", "--taxonomy"])
        .arg(&bad)
        .run();
    run.expect_code(1);
    assert!(run.stderr.contains("bad.toml"), "{run}");
}

/// P(X >= k) for X ~ Binomial(n, p), summed term by term.
fn binomial_tail(k: u64, n: u64, p: f64) -> f64 {
    let mut term = (1.0 - p).powf(n as f64); // P(X = 0)
    let mut tail = if k == 0 { term } else { 0.0 };
    for i in 1..=n {
        term *= (n - i + 1) as f64 / i as f64 * p / (1.0 - p);
        if i >= k {
            tail += term;
        }
    }
    tail
}

#[test]
fn spike_alerts_are_held_to_a_false_discovery_rate() {
    // Thirty topics, ten negative records a week for nine weeks. In the last week topic 0
    // has 40 (a plain spike) and topic 1 has 20: alone, topic 1's p-value is under 0.01,
    // but it is one of 31 tests (overall and the thirty topics), and adjusted it is not.
    let mut lines = String::new();
    let mut n = 0;
    for week in 0..9i64 {
        for topic in 0..30u32 {
            let count = match (week, topic) {
                (8, 0) => 40,
                (8, 1) => 20,
                _ => 10,
            };
            for i in 0..count {
                n += 1;
                let line = json!({
                    "id": format!("r{n}"),
                    "sentiment": {"label": "negative", "score": -0.7},
                    "kind": "complaint",
                    "topic": {"id": topic, "label": format!("t{topic}")},
                    "priority": {"score": 40, "level": "P3", "reasons": []},
                    "text": "slow",
                    "created_at": date(FIRST_MONDAY + 7 * week + i64::from(i % 7)),
                });
                lines.push_str(&line.to_string());
                lines.push('\n');
            }
        }
    }
    let dir = Dir::new();
    let input = dir.create("analysed.jsonl", lines);
    dir.command()
        .arg("report")
        .arg(&input)
        .args(["-o", "rep", "-q"])
        .run()
        .expect_success();
    let s: Value = serde_json::from_str(&dir.read("rep/summary.json")).unwrap();
    let alerts = s["alerts"].as_array().unwrap();
    let keys: Vec<(&str, &str)> = alerts
        .iter()
        .map(|a| (a["dimension"].as_str().unwrap(), a["key"].as_str().unwrap()))
        .collect();
    assert!(keys.contains(&("topic", "0")), "{keys:?}");
    assert!(!keys.contains(&("topic", "1")), "{keys:?}");
    // Topic 1 alone: 20 of the 100 records of the last nine weeks, each week 1/9 likely.
    let p1 = binomial_tail(20, 100, 1.0 / 9.0);
    assert!(p1 < 0.01 && p1 > 0.005, "{p1}");
    let spike = alerts.iter().find(|a| a["key"] == "0").unwrap();
    assert_eq!(spike["tests"], 31);
    let p0 = binomial_tail(40, 120, 1.0 / 9.0);
    assert!((f(spike, &["p_value"]) / p0 - 1.0).abs() < 1e-6);
    // The smallest p-value of 31 tests: q = 31 p.
    assert!((f(spike, &["q_value"]) / (31.0 * p0) - 1.0).abs() < 1e-6);
}

/// Product complaints: `n` records, `negative` of them negative, plus 300 praise records.
fn side(n: usize, negative: usize, day: &str) -> String {
    let mut s = String::new();
    for i in 0..n + 300 {
        let product = i < n;
        let neg = product && i < negative;
        let line = json!({
            "id": format!("{day}-{i}"),
            "lang": "zh",
            "sentiment": {"label": if neg {"negative"} else {"positive"}, "score": if neg {-0.7} else {0.6}},
            "kind": if product {"complaint"} else {"praise"},
            "topic": product.then(|| json!({"id": 3, "label": "质量"})),
            "department": product.then(|| json!({"id": "product", "confidence": 0.8, "evidence": []})),
            "priority": {"score": 50, "level": "P3", "reasons": []},
            "text": "t",
            "created_at": day,
        });
        s.push_str(&line.to_string());
        s.push('\n');
    }
    s
}

#[test]
fn compare_marks_improvements_regressions_and_small_groups() {
    let dir = Dir::new();
    let before = dir.create("before.jsonl", side(200, 100, "2026-02-01"));
    let after = dir.create("after.jsonl", side(200, 40, "2026-03-01"));
    let run = dir
        .command()
        .arg("compare")
        .arg("--before")
        .arg(&before)
        .arg("--after")
        .arg(&after)
        .args(["--json", "-o", "cmp.json"])
        .run();
    run.expect_success();
    let c: Value = serde_json::from_str(&dir.read("cmp.json")).unwrap();
    let product = c["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["dimension"] == "department" && g["key"] == "product")
        .unwrap();
    assert_eq!(product["verdict"], "improved");
    assert_eq!(product["before"]["negative"], 100);
    assert_eq!(product["after"]["negative"], 40);
    // 50% → 20% of 200: z = −0.3 / sqrt(0.35 · 0.65 · 2/200) = −6.29
    let z = f(product, &["negative", "z"]);
    assert!((z + 6.2897).abs() < 1e-3, "{z}");
    // One day each side, 200 records each: the same rate.
    assert_eq!(product["volume"]["test"], "rate_per_day");
    assert_eq!(product["volume"]["significant"], false);

    // One file split at a date: the planted logistics surge (10 → 40 a week) is a regression;
    // product keeps 10 a week (no change, although its share of all feedback fell), and its 10
    // records after the split are too few for the negative-share test.
    let records = planted();
    let input = dir.create("analysed.jsonl", jsonl(&records, &[]));
    let split = date(FIRST_MONDAY + 7 * (WEEKS as i64 - 1));
    let run = dir
        .command()
        .arg("compare")
        .arg(&input)
        .args(["--split-date", &split, "--json"])
        .run();
    run.expect_success();
    let c: Value = serde_json::from_str(run.stdout_str()).unwrap();
    let find = |dim: &str, key: &str| {
        c["changes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["dimension"] == dim && g["key"] == key)
            .cloned()
            .unwrap()
    };
    assert_eq!(find("department", "logistics")["verdict"], "regressed");
    let product = find("department", "product");
    assert_eq!(product["verdict"], "no significant change", "{product:#}");
    assert!(product["negative"].is_null());
    assert!((f(&product, &["volume", "before"]) - 10.0 / 7.0).abs() < 1e-12);
    assert!((f(&product, &["volume", "after"]) - 10.0 / 7.0).abs() < 1e-12);
    let logistics = find("department", "logistics");
    assert!((f(&logistics, &["volume", "after"]) - 40.0 / 7.0).abs() < 1e-12);
    assert_eq!(c["before"]["records"], (records.len() - 70) as u64);
    assert_eq!(c["after"]["records"], 70);

    // Usage errors are named.
    let run = dir.command().arg("compare").arg(&input).run();
    run.expect_code(1);
    assert!(run.to_string().contains("--split-date"), "{run}");
}

/// The level and the rule that set it of the n-th record of a department; every fifth has no
/// rule (written before `priority.rule` existed).
fn level_rule(n: u64) -> (&'static str, Option<&'static str>) {
    match n % 5 {
        0 => ("P1", Some("health")),
        1 => ("P2", Some("score (no P1-class reason)")),
        2 => ("P1", Some("legal")),
        3 => ("P2", Some("score")),
        _ => ("P3", None),
    }
}

/// A record's department (`unassigned` for a fallback one), level and rule.
type LevelOf = (&'static str, &'static str, Option<&'static str>);

/// A dump from a Wednesday (2026-01-07) to a Tuesday (2026-02-17): a partial first week
/// (five days) with few records, five whole weeks, and a partial last week (Monday and
/// Tuesday) in which logistics has a spike for two days. Returns the lines and, per
/// department, the level and rule of each of its records.
fn partial_dump() -> (String, Vec<LevelOf>) {
    let mut lines = String::new();
    let mut planted = Vec::new();
    let mut n = 0u64;
    let mut push = |dept: &'static str, fallback: bool, negative: bool, day: i64| {
        n += 1;
        let (level, rule) = level_rule(n);
        let mut priority = json!({"score": 50, "level": level, "reasons": []});
        if let Some(r) = rule {
            priority["rule"] = json!(r);
        }
        let line = json!({
            "id": format!("r{n}"),
            "sentiment": {"label": if negative {"negative"} else {"neutral"},
                          "score": if negative {-0.7} else {0.0}},
            "kind": if negative {"complaint"} else {"question"},
            "department": {"id": dept, "confidence": 0.8, "evidence": [], "fallback": fallback},
            "priority": priority,
            "text": format!("record {n}"),
            "created_at": date(day),
        });
        lines.push_str(&line.to_string());
        lines.push('\n');
        planted.push((if fallback { "unassigned" } else { dept }, level, rule));
    };
    // Week 0, Wednesday to Sunday: 3 logistics and 2 product complaints.
    for i in 0..5 {
        let dept = if i < 3 { "logistics" } else { "product" };
        push(dept, false, true, FIRST_MONDAY + 2 + i);
    }
    // Weeks 1–5: 10 complaints a week to each, and two unplaced questions.
    for week in 1..6 {
        for i in 0..10 {
            let day = FIRST_MONDAY + 7 * week + i % 7;
            push("logistics", false, true, day);
            push("product", false, true, day);
        }
        push("customer_service", true, false, FIRST_MONDAY + 7 * week);
        push("customer_service", true, false, FIRST_MONDAY + 7 * week + 3);
    }
    // Week 6, Monday and Tuesday: 20 logistics complaints (10 a week expects 2.86), 3 product.
    for i in 0..20 {
        push("logistics", false, true, FIRST_MONDAY + 42 + i % 2);
    }
    for i in 0..3 {
        push("product", false, true, FIRST_MONDAY + 42 + i % 2);
    }
    (lines, planted)
}

#[test]
fn partial_first_and_last_weeks_are_marked_kept_out_of_baselines_and_scaled() {
    let dir = Dir::new();
    let (lines, planted) = partial_dump();
    let input = dir.create("analysed.jsonl", lines);
    for (out, threads) in [("rep", "1"), ("rep2", "2")] {
        dir.command()
            .arg("report")
            .arg(&input)
            .args(["-o", out, "-q", "-j", threads])
            .run()
            .expect_success();
    }
    assert_eq!(dir.read("rep/summary.json"), dir.read("rep2/summary.json"));
    let s: Value = serde_json::from_str(&dir.read("rep/summary.json")).unwrap();

    // Every series: the first and last weeks partial, with the days the data cover.
    let flags = |periods: &Value| -> Vec<(bool, u64, u64)> {
        periods
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    p["partial"].as_bool().unwrap(),
                    p["days_covered"].as_u64().unwrap(),
                    p["days"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    let mut want = vec![(true, 5, 7)];
    want.extend([(false, 7, 7); 5]);
    want.push((true, 2, 7));
    assert_eq!(flags(&s["trends"]["overall"]), want);
    assert_eq!(s["trends"]["overall"][0]["period"], "2026-W02");
    assert_eq!(s["trends"]["overall"][6]["period"], "2026-W08");
    for g in s["trends"]["by"]["department"].as_array().unwrap() {
        assert_eq!(flags(&g["periods"]), want, "{}", g["key"]);
    }

    // Logistics: 20 in two days against the five whole weeks' 10 a week; the partial first
    // week (3) is not in the baseline, which would otherwise be six weeks of 53.
    let alerts = s["alerts"].as_array().unwrap();
    let keys: BTreeSet<(&str, &str)> = alerts
        .iter()
        .map(|a| (a["dimension"].as_str().unwrap(), a["key"].as_str().unwrap()))
        .collect();
    assert_eq!(
        keys,
        [("overall", ""), ("department", "logistics")]
            .into_iter()
            .collect()
    );
    let spike = alerts.iter().find(|a| a["key"] == "logistics").unwrap();
    assert_eq!(spike["period"], "2026-W08");
    assert_eq!(spike["partial"], true);
    assert_eq!(
        (spike["days_covered"].as_u64(), spike["days"].as_u64()),
        (Some(2), Some(7))
    );
    assert_eq!(spike["negative"], 20);
    assert_eq!(spike["baseline_periods"], 5);
    assert_eq!(f(spike, &["baseline_mean"]), 10.0);
    assert_eq!(f(spike, &["expected"]), round2(10.0 * 2.0 / 7.0));
    assert_eq!(f(spike, &["ratio"]), round2(20.0 / (10.0 * 2.0 / 7.0)));
    let exposure = 2.0 / 7.0;
    let p = binomial_tail(20, 20 + 50, exposure / (exposure + 5.0));
    assert!((f(spike, &["p_value"]) / p - 1.0).abs() < 1e-6, "{p}");
    // Overall: 23 in two days against 20 a week.
    let overall = alerts.iter().find(|a| a["dimension"] == "overall").unwrap();
    assert_eq!(overall["baseline_periods"], 5);
    assert_eq!(f(overall, &["baseline_mean"]), 20.0);

    // Per department, levels and the rules that set them, as planted.
    let mut want: BTreeMap<&str, BTreeMap<&str, BTreeMap<&str, u64>>> = BTreeMap::new();
    for (dept, level, rule) in &planted {
        *want
            .entry(dept)
            .or_default()
            .entry(level)
            .or_default()
            .entry(rule.unwrap_or("unknown"))
            .or_default() += 1;
    }
    let levels = s["priority_levels"].as_array().unwrap();
    let order: Vec<&str> = levels
        .iter()
        .map(|d| d["department"].as_str().unwrap())
        .collect();
    assert_eq!(order, ["logistics", "product", "unassigned"]);
    for d in levels {
        let dept = d["department"].as_str().unwrap();
        let n = planted.iter().filter(|p| p.0 == dept).count() as u64;
        assert_eq!(d["n"], n, "{dept}");
        for level in ["P1", "P2", "P3", "P4"] {
            let l = &d["levels"][level];
            let rules: Vec<(&str, u64)> = l["rules"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| (r["rule"].as_str().unwrap(), r["n"].as_u64().unwrap()))
                .collect();
            let mine = want[dept].get(level).cloned().unwrap_or_default();
            let count: u64 = mine.values().sum();
            assert_eq!(l["n"], count, "{dept} {level}");
            assert_eq!(
                f(l, &["share"]),
                (count as f64 / n as f64 * 1e4).round() / 1e4
            );
            assert_eq!(
                rules.iter().copied().collect::<BTreeMap<_, _>>(),
                mine,
                "{dept} {level}"
            );
            assert!(rules.windows(2).all(|w| w[0].1 >= w[1].1), "{rules:?}");
        }
    }
    // The fallback records have rules of their own, not their fallback's.
    assert_eq!(
        s["priority_levels"][2]["name"],
        "Unassigned (sent to customer_service)"
    );
    assert!(want["unassigned"]["P3"]["unknown"] > 0);

    // The page: hatched partial weeks with a legend, the partial alert, the level table.
    let html = dir.read("rep/report.html");
    for needle in [
        "data-partial=\"2026-W02\"",
        "data-partial=\"2026-W08\"",
        "partial period",
        "2026-W02 (5 of 7 days)",
        "a partial period (2 of 7 days)",
        "id=\"priority-levels\"",
        "Priority levels by department",
        "health (",
        "score (no P1-class reason) (",
    ] {
        assert!(html.contains(needle), "report.html lacks {needle}");
    }
    assert!(!html.contains("data-partial=\"2026-W03\""));
    let table = &html[html.find("id=\"priority-levels\"").unwrap()..];
    let table = &table[..table.find("</table>").unwrap()];
    let at = |d: &str| table.find(&format!("data-department=\"{d}\"")).unwrap();
    assert!(at("logistics") < at("product") && at("product") < at("unassigned"));
}
