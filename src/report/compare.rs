//! Effect verification: did the complaints about a topic or department go down after the fix?
//!
//! For every group (topic, department, …) present on either side, two tests compare *before*
//! with *after*:
//! - **volume**: when every record of both sides has a date, the group's records per day
//!   (the exact conditional test of two Poisson rates, two-sided, with each side's days as its
//!   exposure: a topic that keeps its daily count is unchanged even when other topics surge);
//!   otherwise its share of all records (a two-proportion z-test). The rate test needs at least
//!   `min_count` records of the group over both sides;
//! - **negative share**: the share of the group's records with negative sentiment (a
//!   two-proportion z-test), which needs at least `min_count` records of the group on each
//!   side.
//!
//! A z-test also needs expected counts of at least 5 in its 2×2 table (the normal
//! approximation is not trusted below that). With no test possible the verdict is "too few
//! records". All p-values of a run are adjusted together by Benjamini–Hochberg; a
//! change is significant when its q-value is under `alpha`. A group improved when a significant
//! change went down and none went up, regressed in the opposite case, and is "mixed" when one
//! went up and the other down.

use std::io::{Read, Write};

use serde::Serialize;

use super::tally::{Cell, Dimension, Tally, TallyOptions};
use super::{scan, Period};
use crate::error::{Error, Result};
use crate::io::{Reject, Timestamp};
use crate::learn::stats::{benjamini_hochberg, binomial_upper_tail, two_proportion_test};
use crate::pipeline::Parallelism;

/// How a comparison is made.
///
/// | Name | Default | Purpose |
/// |---|---|---|
/// | `dimensions` | topic, department | what is compared group by group |
/// | `min_count` | 30 | least records per side for a test |
/// | `alpha` | 0.05 | false-discovery rate (Benjamini–Hochberg) for "significant" |
/// | `text_field` | `text` | the field holding the feedback text |
/// | `max_record_bytes` | 16 MiB | longer lines are rejected |
#[derive(Debug, Clone)]
pub struct CompareOptions {
    /// What is compared group by group.
    pub dimensions: Vec<Dimension>,
    /// Least records per side for a test.
    pub min_count: u64,
    /// False-discovery rate.
    pub alpha: f64,
    /// The field holding the feedback text.
    pub text_field: String,
    /// Lines longer than this are rejected.
    pub max_record_bytes: usize,
}

impl Default for CompareOptions {
    fn default() -> Self {
        CompareOptions {
            dimensions: vec![Dimension::Topic, Dimension::Department],
            min_count: 30,
            alpha: 0.05,
            text_field: "text".into(),
            max_record_bytes: 16 << 20,
        }
    }
}

/// The result of a comparison.
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    /// `fankui-compare`.
    pub format: &'static str,
    /// Schema version (1).
    pub version: u32,
    /// The records before.
    pub before: SideSummary,
    /// The records after.
    pub after: SideSummary,
    /// The split date, when one file was split.
    pub split_date: Option<String>,
    /// Records left out: no `created_at` in a split.
    pub undated: u64,
    /// Lines that were not analysed records (in the rejects).
    pub rejected: u64,
    /// Least records per side for a test.
    pub min_count: u64,
    /// False-discovery rate.
    pub alpha: f64,
    /// All records.
    pub overall: Change,
    /// Per group; regressions first, then improvements, then the rest, larger groups first.
    pub changes: Vec<Change>,
}

/// One side of a comparison.
#[derive(Debug, Clone, Serialize)]
pub struct SideSummary {
    /// Records.
    pub records: u64,
    /// First day with records.
    pub first_date: Option<String>,
    /// Last day with records.
    pub last_date: Option<String>,
}

/// One group's change.
#[derive(Debug, Clone, Serialize)]
pub struct Change {
    /// `overall`, `topic`, `department`, …
    pub dimension: &'static str,
    /// The group's key.
    pub key: String,
    /// Topic label.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Counts before.
    pub before: Counts,
    /// Counts after.
    pub after: Counts,
    /// Test of the change in volume: records per day, or share of all records (null for
    /// overall when undated).
    pub volume: Option<Test>,
    /// Test of the change in negative share.
    pub negative: Option<Test>,
    /// `improved`, `regressed`, `mixed`, `no significant change` or `too few records`.
    pub verdict: &'static str,
}

/// A group's counts on one side.
#[derive(Debug, Clone, Serialize)]
pub struct Counts {
    /// Records.
    pub n: u64,
    /// `n` / all records of the side.
    pub share: f64,
    /// Negative records.
    pub negative: u64,
    /// `negative / n`.
    pub negative_share: f64,
    /// Complaints.
    pub complaints: u64,
}

/// One test of a change.
#[derive(Debug, Clone, Serialize)]
pub struct Test {
    /// `rate_per_day` (exact conditional Poisson test) or `share` (two-proportion z-test).
    pub test: &'static str,
    /// Records per day or proportion, before.
    pub before: f64,
    /// Records per day or proportion, after.
    pub after: f64,
    /// z statistic of after − before (z-tests only).
    pub z: Option<f64>,
    /// Two-sided p-value.
    pub p_value: f64,
    /// Benjamini–Hochberg adjusted p-value over all tests of the run.
    pub q_value: f64,
    /// `q_value < alpha`.
    pub significant: bool,
}

fn tally_options() -> TallyOptions {
    TallyOptions {
        period: Period::Day,
        by: Vec::new(),
        items: 0,
    }
}

/// Days from the first to the last dated record, when every record has a date.
fn exposure(t: &Tally) -> Option<u64> {
    if t.undated > 0 {
        return None;
    }
    let (a, b) = (t.trend.keys().next()?, t.trend.keys().next_back()?);
    Some((b - a + 1) as u64)
}

fn side(t: &Tally) -> SideSummary {
    let day = |k: Option<&i64>| k.map(|&d| Period::Day.label(d));
    SideSummary {
        records: t.overall.n,
        first_date: day(t.trend.keys().next()),
        last_date: day(t.trend.keys().next_back()),
    }
}

fn write_rejects(out: &mut (dyn Write + Send), rejects: &[Reject]) -> Result<()> {
    for r in rejects {
        r.write_to(out)
            .map_err(|e| Error::io("cannot write the rejects", e))?;
    }
    Ok(())
}

/// Compares two files of analysed records.
///
/// # Errors
///
/// An input cannot be read or the rejects cannot be written.
pub fn compare_files<A: Read + Send, B: Read + Send>(
    before: A,
    after: B,
    options: &CompareOptions,
    parallelism: &Parallelism,
    rejects: &mut (dyn Write + Send),
) -> Result<Comparison> {
    let to = tally_options();
    let mut rejected = 0;
    let mut sides = Vec::new();
    for input in [Box::new(before) as Box<dyn Read + Send>, Box::new(after)] {
        let mut tally = Tally::default();
        scan(
            input,
            options.max_record_bytes,
            &options.text_field,
            parallelism,
            |t: &mut Tally, row, raw, _| t.add(row, raw.number, &to),
            |_, outs| {
                for (t, r) in outs {
                    tally.merge(&t, &to);
                    rejected += r.len() as u64;
                    write_rejects(rejects, &r)?;
                }
                Ok(())
            },
        )?;
        sides.push(tally);
    }
    let after = sides.pop().expect("two sides");
    let before = sides.pop().expect("two sides");
    let days = exposure(&before).zip(exposure(&after));
    Ok(compare(&before, &after, None, days, 0, rejected, options))
}

/// Compares the records of one file written before `split` with those written on or after it
/// (records without `created_at` are left out and counted).
///
/// # Errors
///
/// The input cannot be read or the rejects cannot be written.
pub fn compare_split<R: Read + Send>(
    input: R,
    split: Timestamp,
    options: &CompareOptions,
    parallelism: &Parallelism,
    rejects: &mut (dyn Write + Send),
) -> Result<Comparison> {
    let to = tally_options();
    let day = split.days_since_epoch();
    let (mut before, mut after, mut undated, mut rejected) =
        (Tally::default(), Tally::default(), 0u64, 0u64);
    scan(
        input,
        options.max_record_bytes,
        &options.text_field,
        parallelism,
        |t: &mut (Tally, Tally, u64), row, raw, _| match row.created_at {
            Some(c) if c.days_since_epoch() < day => t.0.add(row, raw.number, &to),
            Some(_) => t.1.add(row, raw.number, &to),
            None => t.2 += 1,
        },
        |_, outs| {
            for (t, r) in outs {
                before.merge(&t.0, &to);
                after.merge(&t.1, &to);
                undated += t.2;
                rejected += r.len() as u64;
                write_rejects(rejects, &r)?;
            }
            Ok(())
        },
    )?;
    let label = Period::Day.label(day);
    // Each side's exposure runs up to (from) the split date.
    let days = match (before.trend.keys().next(), after.trend.keys().next_back()) {
        (Some(&first), Some(&last)) => Some(((day - first) as u64, (last - day + 1) as u64)),
        _ => None,
    };
    Ok(compare(
        &before,
        &after,
        Some(label),
        days,
        undated,
        rejected,
        options,
    ))
}

fn counts(c: Option<&Cell>, total: u64) -> Counts {
    let empty = Cell::default();
    let c = c.unwrap_or(&empty);
    let share = |a: u64, b: u64| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    Counts {
        n: c.n,
        share: share(c.n, total),
        negative: c.sentiment[0],
        negative_share: share(c.sentiment[0], c.n),
        complaints: c.kind[0],
    }
}

/// The two-sided exact conditional test of two Poisson rates: `b` events over `tb` days
/// against `a` over `ta`.
fn rate_test(b: u64, tb: u64, a: u64, ta: u64, min_count: u64) -> Option<Test> {
    if b + a < min_count.max(1) || tb == 0 || ta == 0 {
        return None;
    }
    let share = ta as f64 / (ta + tb) as f64;
    let n = a + b;
    let upper = binomial_upper_tail(a, n, share);
    let lower = 1.0 - binomial_upper_tail(a + 1, n, share);
    Some(Test {
        test: "rate_per_day",
        before: b as f64 / tb as f64,
        after: a as f64 / ta as f64,
        z: None,
        p_value: (2.0 * upper.min(lower)).clamp(0.0, 1.0),
        q_value: 1.0,
        significant: false,
    })
}

fn share_test(x1: u64, n1: u64, x2: u64, n2: u64, min_count: u64) -> Option<Test> {
    two_proportion_test(x1, n1, x2, n2, min_count).map(|t| Test {
        test: "share",
        before: t.p1,
        after: t.p2,
        z: Some(t.z),
        p_value: t.p_value,
        q_value: 1.0,
        significant: false,
    })
}

fn compare(
    before: &Tally,
    after: &Tally,
    split_date: Option<String>,
    days: Option<(u64, u64)>,
    undated: u64,
    rejected: u64,
    options: &CompareOptions,
) -> Comparison {
    let (nb, na) = (before.overall.n, after.overall.n);
    let mut changes = Vec::new();
    let mut raw_tests: Vec<(Option<Test>, Option<Test>)> = Vec::new();
    let mut add = |dimension: &'static str,
                   key: &str,
                   label: Option<String>,
                   b: Option<&Cell>,
                   a: Option<&Cell>| {
        let (cb, ca) = (counts(b, nb), counts(a, na));
        let volume = match days {
            Some((tb, ta)) => rate_test(cb.n, tb, ca.n, ta, options.min_count),
            None if dimension == "overall" => None,
            None => share_test(cb.n, nb, ca.n, na, options.min_count),
        };
        let negative = share_test(cb.negative, cb.n, ca.negative, ca.n, options.min_count);
        raw_tests.push((volume, negative));
        changes.push(Change {
            dimension,
            key: key.to_owned(),
            label,
            before: cb,
            after: ca,
            volume: None,
            negative: None,
            verdict: "",
        });
    };
    add(
        "overall",
        "",
        None,
        Some(&before.overall),
        Some(&after.overall),
    );
    for &d in &options.dimensions {
        let (gb, ga) = (before.group(d), after.group(d));
        let mut keys: Vec<&str> = gb.keys().chain(ga.keys()).map(|k| &**k).collect();
        keys.sort_unstable();
        keys.dedup();
        for k in keys {
            let label = (d == Dimension::Topic)
                .then(|| {
                    let id: u32 = k.parse().ok()?;
                    after
                        .topic_labels
                        .get(&id)
                        .or_else(|| before.topic_labels.get(&id))
                        .map(|l| l.to_string())
                })
                .flatten();
            add(d.as_str(), k, label, gb.get(k), ga.get(k));
        }
    }
    let p_values: Vec<f64> = raw_tests
        .iter()
        .flat_map(|(v, n)| [v, n])
        .filter_map(|t| t.as_ref().map(|t| t.p_value))
        .collect();
    let q_values = benjamini_hochberg(&p_values);
    let mut q = q_values.into_iter();
    let mut finish = |t: Option<Test>| {
        t.map(|t| {
            let q_value = q.next().unwrap_or(1.0);
            Test {
                q_value,
                significant: q_value < options.alpha,
                ..t
            }
        })
    };
    for (change, (v, n)) in changes.iter_mut().zip(raw_tests) {
        change.volume = finish(v);
        change.negative = finish(n);
        let moves: Vec<f64> = [&change.volume, &change.negative]
            .into_iter()
            .flatten()
            .filter(|t| t.significant)
            .map(|t| t.after - t.before)
            .collect();
        change.verdict = if change.volume.is_none() && change.negative.is_none() {
            "too few records"
        } else if moves.iter().any(|z| *z > 0.0) && moves.iter().any(|z| *z < 0.0) {
            "mixed"
        } else if moves.iter().any(|z| *z > 0.0) {
            "regressed"
        } else if moves.iter().any(|z| *z < 0.0) {
            "improved"
        } else {
            "no significant change"
        };
    }
    let overall = changes.remove(0);
    let rank = |v: &str| match v {
        "regressed" => 0,
        "mixed" => 1,
        "improved" => 2,
        "no significant change" => 3,
        _ => 4,
    };
    changes.sort_by(|a, b| {
        rank(a.verdict)
            .cmp(&rank(b.verdict))
            .then((b.before.n + b.after.n).cmp(&(a.before.n + a.after.n)))
            .then(a.dimension.cmp(b.dimension))
            .then(a.key.cmp(&b.key))
    });
    Comparison {
        format: "fankui-compare",
        version: 1,
        before: side(before),
        after: side(after),
        split_date,
        undated,
        rejected,
        min_count: options.min_count,
        alpha: options.alpha,
        overall,
        changes,
    }
}
