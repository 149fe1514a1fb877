//! `summary.json`: the figures of a report, built from a [`Tally`](super::tally::Tally).
//!
//! Every count is exact. Derived figures (shares, means, NPS, CSAT) are rounded to two decimals
//! (shares to four) and always come with the counts they were computed from.

use std::collections::BTreeMap;

use serde::Serialize;

use super::period::Period;
use super::row::UNASSIGNED;
use super::tally::{Cell, Dimension, Item, RuleCounts, Series, Tally};
use crate::learn::stats::{benjamini_hochberg, poisson_rate_test_with_exposure};

/// The whole summary.
#[derive(Debug, Clone, Serialize)]
pub struct ReportSummary {
    /// `fankui-report`.
    pub format: &'static str,
    /// Schema version (1).
    pub version: u32,
    /// What was read.
    pub input: InputSummary,
    /// The options the report was made with.
    pub options: SummaryOptions,
    /// All records.
    pub overall: Figures,
    /// Per dimension (`channel`, `lang`, `kind`, `sentiment`, `department`, `topic`, `product`,
    /// `store`), its groups, largest first.
    pub breakdowns: BTreeMap<&'static str, Breakdown>,
    /// Figures per period.
    pub trends: Trends,
    /// Negative-volume spikes in the latest period.
    pub alerts: Vec<Alert>,
    /// Every topic day whose negative records spike against the days before it, by the test
    /// that gives records their `topic spike` priority points ([`crate::priority::spike_days`]),
    /// by day.
    pub topic_spike_days: Vec<TopicSpikeDay>,
    /// Per department, what to fix first; most urgent department first.
    pub fix_first: Vec<Focus>,
    /// Per department, its records per priority level and the rules that set each level; in
    /// the order of [`ReportSummary::fix_first`] (unassigned records last).
    pub priority_levels: Vec<DepartmentLevels>,
    /// Per department, the clauses of all records that name it, by kind: the praise a team
    /// earns in records owned by another, and the complaints it shares.
    pub department_aspects: BTreeMap<String, AspectCounts>,
    /// Topics, largest first (empty when the records have no topics).
    pub topics: Vec<TopicSummary>,
    /// The queue files written, per department.
    pub queues: Vec<QueueFile>,
    /// The customers whose feedback was about something resolved (`--resolved`).
    pub customers_to_tell: Option<CustomersToTell>,
}

/// A topic's day with a spike of negative records.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TopicSpikeDay {
    /// The topic's id.
    pub topic: String,
    /// Its label.
    pub label: Option<String>,
    /// The day, `YYYY-MM-DD`.
    pub day: String,
    /// Negative records of the topic that day.
    pub negative: u32,
    /// Negative records of the topic over the baseline days before.
    pub baseline: u32,
    /// Days in the baseline.
    pub baseline_days: u32,
    /// The test's p-value.
    pub p_value: f64,
    /// The p-value adjusted over every topic day tested (Benjamini–Hochberg).
    pub q_value: f64,
}

/// What was read.
#[derive(Debug, Clone, Serialize)]
pub struct InputSummary {
    /// Records counted.
    pub records: u64,
    /// Lines that were not analysed records (see the rejects file).
    pub rejected: u64,
    /// Records without `created_at` (counted everywhere but in trends).
    pub undated: u64,
    /// First and last period with records.
    pub first_period: Option<String>,
    /// Last period with records.
    pub last_period: Option<String>,
}

/// Options, as used.
#[derive(Debug, Clone, Serialize)]
pub struct SummaryOptions {
    /// Trend period.
    pub period: Period,
    /// Trend dimensions.
    pub by: Vec<Dimension>,
    /// A survey metric on fewer answers is flagged `low_count`.
    pub min_count: u64,
    /// Spike alerts: earlier periods in the baseline.
    pub alert_baseline: u64,
    /// Spike alerts: the false discovery rate, to which each alert's `q_value` is held.
    pub alert_p: f64,
    /// Spike alerts: least negative records in the latest period.
    pub alert_min: u64,
}

/// The figures of a group of records.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Figures {
    /// Records.
    pub n: u64,
    /// Sentiment counts, share and mean score.
    pub sentiment: SentimentFigures,
    /// Records per kind.
    pub kind: KindCounts,
    /// Records per priority level, and the mean score.
    pub priority: PriorityFigures,
    /// Net Promoter Score over the records with an `nps` answer.
    pub nps: Option<Nps>,
    /// Customer satisfaction over the records with a `csat` answer.
    pub csat: Option<Csat>,
    /// Customer effort over the records with a `ces` answer.
    pub ces: Option<MeanScore>,
    /// Star rating over the records with a `rating`.
    pub rating: Option<MeanScore>,
}

/// Records per kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct KindCounts {
    /// Complaints.
    pub complaint: u64,
    /// Suggestions.
    pub suggestion: u64,
    /// Questions.
    pub question: u64,
    /// Praise.
    pub praise: u64,
    /// Anything else.
    pub other: u64,
}

/// Sentiment figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SentimentFigures {
    /// Negative records.
    pub negative: u64,
    /// Neutral records.
    pub neutral: u64,
    /// Positive records.
    pub positive: u64,
    /// `negative / n`.
    pub negative_share: f64,
    /// Mean sentiment score.
    pub mean_score: f64,
}

/// Priority figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PriorityFigures {
    /// P1 records.
    pub p1: u64,
    /// P2 records.
    pub p2: u64,
    /// P3 records.
    pub p3: u64,
    /// P4 records.
    pub p4: u64,
    /// Mean priority score.
    pub mean_score: f64,
}

/// NPS: % promoters (9–10) minus % detractors (0–6).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Nps {
    /// −100 … 100.
    pub score: f64,
    /// Answers.
    pub n: u64,
    /// Answers 9–10.
    pub promoters: u64,
    /// Answers 7–8.
    pub passives: u64,
    /// Answers 0–6.
    pub detractors: u64,
    /// Fewer answers than `min_count`: do not read much into it.
    pub low_count: bool,
}

/// CSAT: % of answers 4–5 on the 1–5 scale.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Csat {
    /// 0 … 100.
    pub score: f64,
    /// Answers.
    pub n: u64,
    /// Answers 4–5.
    pub satisfied: u64,
    /// Mean answer.
    pub mean: f64,
    /// Fewer answers than `min_count`.
    pub low_count: bool,
}

/// A mean answer (CES 1–7, rating 1–5).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MeanScore {
    /// Mean answer.
    pub mean: f64,
    /// Answers.
    pub n: u64,
    /// Fewer answers than `min_count`.
    pub low_count: bool,
}

/// The groups of one dimension.
#[derive(Debug, Clone, Serialize)]
pub struct Breakdown {
    /// Records with no value in this dimension (no channel, not routed, no topic, …).
    pub missing: u64,
    /// Largest first; ties by key.
    pub groups: Vec<Group>,
}

/// One group.
#[derive(Debug, Clone, Serialize)]
pub struct Group {
    /// Its key (a channel, a department id, a topic id, …).
    pub key: String,
    /// The topic label, for topics.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// `n / records`.
    pub share: f64,
    /// Its figures.
    #[serde(flatten)]
    pub figures: Figures,
}

/// Figures over time.
#[derive(Debug, Clone, Serialize)]
pub struct Trends {
    /// Day, week or month.
    pub period: Period,
    /// Every period from the first to the last with records (empty ones included).
    pub overall: Vec<PeriodFigures>,
    /// Per `--by` dimension, per group, over the same periods.
    pub by: BTreeMap<&'static str, Vec<GroupSeries>>,
}

/// One group over time.
#[derive(Debug, Clone, Serialize)]
pub struct GroupSeries {
    /// The group's key.
    pub key: String,
    /// The topic label, for topics.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// One entry per period of [`Trends::overall`].
    pub periods: Vec<PeriodFigures>,
}

/// The figures of one period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PeriodFigures {
    /// `2026-03-01`, `2026-W09` or `2026-03`.
    pub period: String,
    /// First day of the period.
    pub start: String,
    /// The data cover only part of the period: it is the first one and the first dated record
    /// is after its first day, or the last one and the last dated record is before its last
    /// day. Its counts are not comparable with those of whole periods.
    pub partial: bool,
    /// Days in the period (1, 7, 28–31).
    pub days: u32,
    /// Days of it from the first to the last dated record of the input (`days` unless
    /// `partial`).
    pub days_covered: u32,
    /// Its figures.
    #[serde(flatten)]
    pub figures: Figures,
}

/// A spike: significantly more negative records in the latest period than before.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alert {
    /// `department`, `topic` or `overall`.
    pub dimension: &'static str,
    /// Department id or topic id (empty for overall).
    pub key: String,
    /// Topic label or department name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// The latest period.
    pub period: String,
    /// The latest period is covered only in part (see [`PeriodFigures::partial`]): its
    /// expectation is the baseline mean scaled by `days_covered / days`.
    pub partial: bool,
    /// Days of the latest period the data cover.
    pub days_covered: u32,
    /// Days in the latest period.
    pub days: u32,
    /// Negative records in it.
    pub negative: u64,
    /// Mean negative records per baseline period; the baseline is the complete periods before
    /// the latest one (a partial first period is left out).
    pub baseline_mean: f64,
    /// Baseline periods.
    pub baseline_periods: u64,
    /// Negative records expected in the latest period at the baseline rate:
    /// `baseline_mean × days_covered / days`.
    pub expected: f64,
    /// `negative / expected` (null when the baseline is zero).
    pub ratio: Option<f64>,
    /// One-sided p-value of the exact conditional Poisson rate test, with the latest period's
    /// exposure `days_covered / days` of a baseline period.
    pub p_value: f64,
    /// The p-value adjusted (Benjamini–Hochberg) over all the spike tests of the report.
    pub q_value: f64,
    /// How many series were tested: overall, each department and each topic with enough
    /// earlier periods.
    pub tests: u64,
}

/// Clauses (aspects) that name a department, by kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct AspectCounts {
    /// Complaint clauses.
    pub complaint: u64,
    /// Suggestion clauses.
    pub suggestion: u64,
    /// Question clauses.
    pub question: u64,
    /// Praise clauses.
    pub praise: u64,
}

/// What a department should fix first.
#[derive(Debug, Clone, Serialize)]
pub struct Focus {
    /// Department id.
    pub department: String,
    /// Its name in the taxonomy (`English · 中文`), if the taxonomy has it.
    pub name: Option<String>,
    /// Records in its queue.
    pub queue: u64,
    /// P1 records.
    pub p1: u64,
    /// P2 records.
    pub p2: u64,
    /// Negative share of its queue.
    pub negative_share: f64,
    /// Its topics, most urgent first (P1, then P2, then volume); at most five.
    pub topics: Vec<FocusTopic>,
    /// The most frequent keywords of its complaints and suggestions.
    pub keywords: Vec<Keyword>,
    /// Its highest-priority records.
    pub items: Vec<Item>,
}

/// A topic within a department's queue.
#[derive(Debug, Clone, Serialize)]
pub struct FocusTopic {
    /// Topic id (null: records without a topic).
    pub topic: Option<u32>,
    /// Topic label.
    pub label: Option<String>,
    /// Records of this department and topic.
    pub n: u64,
    /// P1 records.
    pub p1: u64,
    /// P2 records.
    pub p2: u64,
    /// Negative share.
    pub negative_share: f64,
}

/// One department's records per priority level.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DepartmentLevels {
    /// Department id; `unassigned` for the records that nothing placed.
    pub department: String,
    /// Its name in the taxonomy, if the taxonomy has it.
    pub name: Option<String>,
    /// Its records.
    pub n: u64,
    /// `P1` … `P4`, each with its records, share and rules.
    pub levels: BTreeMap<&'static str, LevelRules>,
}

/// The records of one level in one department and the rules that set their level.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LevelRules {
    /// Records at this level.
    pub n: u64,
    /// `n` over the department's records.
    pub share: f64,
    /// The rules that set the level (`priority.rule`: a P1-class category such as `health`,
    /// `score`, `score (no P1-class reason)`; `unknown` for output without the field), most
    /// records first; when more than 16 distinct rules occur, the records of the rest are
    /// counted under a last `other`. The counts add up to `n`.
    pub rules: Vec<RuleCount>,
}

/// A rule and how many records it set the level of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleCount {
    /// The rule, as written in `priority.rule`.
    pub rule: String,
    /// Records.
    pub n: u64,
}

/// A keyword and how many records had it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Keyword {
    /// The keyword, as written.
    pub term: String,
    /// Records.
    pub n: u64,
}

/// A topic's summary.
#[derive(Debug, Clone, Serialize)]
pub struct TopicSummary {
    /// Topic id.
    pub id: u32,
    /// Label.
    pub label: String,
    /// Share of all records.
    pub share: f64,
    /// Its figures.
    pub figures: Figures,
    /// Departments of its routed records, largest first.
    pub departments: Vec<Keyword>,
    /// The most frequent keywords of its records.
    pub keywords: Vec<Keyword>,
    /// Its highest-priority records.
    pub examples: Vec<Item>,
}

/// One department's queue files.
#[derive(Debug, Clone, Serialize)]
pub struct QueueFile {
    /// Department id.
    pub department: String,
    /// `departments/<id>.csv`.
    pub csv: String,
    /// `departments/<id>.jsonl`.
    pub jsonl: String,
    /// Rows.
    pub rows: u64,
}

/// Who to tell that their issue was fixed.
#[derive(Debug, Clone, Serialize)]
pub struct CustomersToTell {
    /// The file listing them.
    pub file: String,
    /// Records about a resolved topic or keyword (complaints, suggestions, questions).
    pub records: u64,
    /// Distinct customers among them.
    pub customers: u64,
    /// Records without a `customer_id` (nobody to tell).
    pub anonymous: u64,
}

fn ratio(a: u64, b: u64, digits: i32) -> f64 {
    if b == 0 {
        0.0
    } else {
        round(a as f64 / b as f64, digits)
    }
}

fn round(x: f64, digits: i32) -> f64 {
    let f = 10f64.powi(digits);
    let r = (x * f).round() / f;
    if r == 0.0 {
        0.0
    } else {
        r
    }
}

impl Figures {
    pub(crate) fn of(c: &Cell, min_count: u64) -> Figures {
        let answers = |h: &[u64]| h.iter().sum::<u64>();
        let weighted = |h: &[u64], first: u64| {
            h.iter()
                .enumerate()
                .map(|(i, n)| (i as u64 + first) * n)
                .sum::<u64>()
        };
        let nps_n = answers(&c.nps);
        let nps = (nps_n > 0).then(|| {
            let promoters = c.nps[9] + c.nps[10];
            let passives = c.nps[7] + c.nps[8];
            let detractors = answers(&c.nps[..7]);
            Nps {
                score: round(
                    100.0 * (promoters as f64 - detractors as f64) / nps_n as f64,
                    2,
                ),
                n: nps_n,
                promoters,
                passives,
                detractors,
                low_count: nps_n < min_count,
            }
        });
        let csat_n = answers(&c.csat);
        let csat = (csat_n > 0).then(|| {
            let satisfied = c.csat[3] + c.csat[4];
            Csat {
                score: round(100.0 * satisfied as f64 / csat_n as f64, 2),
                n: csat_n,
                satisfied,
                mean: round(weighted(&c.csat, 1) as f64 / csat_n as f64, 2),
                low_count: csat_n < min_count,
            }
        });
        let mean_of = |h: &[u64]| {
            let n = answers(h);
            (n > 0).then(|| MeanScore {
                mean: round(weighted(h, 1) as f64 / n as f64, 2),
                n,
                low_count: n < min_count,
            })
        };
        Figures {
            n: c.n,
            sentiment: SentimentFigures {
                negative: c.sentiment[0],
                neutral: c.sentiment[1],
                positive: c.sentiment[2],
                negative_share: ratio(c.sentiment[0], c.n, 4),
                mean_score: if c.n == 0 {
                    0.0
                } else {
                    round(c.score_milli as f64 / 1000.0 / c.n as f64, 3)
                },
            },
            kind: KindCounts {
                complaint: c.kind[0],
                suggestion: c.kind[1],
                question: c.kind[2],
                praise: c.kind[3],
                other: c.kind[4],
            },
            priority: PriorityFigures {
                p1: c.level[0],
                p2: c.level[1],
                p3: c.level[2],
                p4: c.level[3],
                mean_score: if c.n == 0 {
                    0.0
                } else {
                    round(c.priority_sum as f64 / c.n as f64, 2)
                },
            },
            nps,
            csat,
            ces: mean_of(&c.ces),
            rating: mean_of(&c.rating),
        }
    }
}

/// Options of the summary's derived parts.
#[derive(Debug, Clone)]
pub(crate) struct Derive {
    pub period: Period,
    pub by: Vec<Dimension>,
    pub min_count: u64,
    pub alert_baseline: u64,
    pub alert_p: f64,
    pub alert_min: u64,
    pub keywords: usize,
    pub department_names: BTreeMap<String, String>,
    pub topic_spikes: crate::priority::TopicPoints,
}

/// A group's display label: a topic's keywords, a department's name.
fn group_label(tally: &Tally, o: &Derive, d: Dimension, key: &str) -> Option<String> {
    match d {
        Dimension::Topic => topic_label(tally, key),
        Dimension::Department => department_name(tally, o, key),
        _ => None,
    }
}

/// A department's name in the taxonomy; for unassigned records, where they were sent.
fn department_name(tally: &Tally, o: &Derive, key: &str) -> Option<String> {
    if key == UNASSIGNED {
        return Some(match &tally.fallback_to {
            Some(to) => format!("Unassigned (sent to {to})"),
            None => "Unassigned".to_owned(),
        });
    }
    o.department_names.get(key).cloned()
}

fn topic_label(tally: &Tally, key: &str) -> Option<String> {
    key.parse::<u32>()
        .ok()
        .and_then(|id| tally.topic_labels.get(&id))
        .map(|l| l.to_string())
}

fn keywords(top: Option<&super::tally::TopTerms>, k: usize) -> Vec<Keyword> {
    top.map(|t| {
        t.top(k)
            .into_iter()
            .map(|(term, n)| Keyword { term, n })
            .collect()
    })
    .unwrap_or_default()
}

/// The periods from the first to the last with records.
fn period_range(trend: &Series) -> Vec<i64> {
    match (trend.keys().next(), trend.keys().next_back()) {
        (Some(&a), Some(&b)) => (a..=b).collect(),
        _ => Vec::new(),
    }
}

/// How much of a period the data cover.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Coverage {
    /// Days of the period from the first to the last dated record.
    covered: u32,
    /// Days in the period.
    days: u32,
}

impl Coverage {
    fn partial(self) -> bool {
        self.covered < self.days
    }

    /// The share of the period covered, as the exposure of a rate test.
    fn exposure(self) -> f64 {
        f64::from(self.covered) / f64::from(self.days)
    }
}

/// How much of each period the data cover: all of it, but for the first period when the first
/// dated record is after its first day and the last when the last is before its last day.
fn coverage(tally: &Tally, periods: &[i64], period: Period) -> Vec<Coverage> {
    periods
        .iter()
        .map(|&p| {
            let days = period.days(p);
            let first = period.first_day(p);
            let last = first + i64::from(days) - 1;
            let covered = match (tally.first_day, tally.last_day) {
                (Some(a), Some(b)) => {
                    let span = last.min(b) - first.max(a) + 1;
                    // Within 0..=days: lossless.
                    span.clamp(0, i64::from(days)) as u32
                }
                _ => days,
            };
            Coverage { covered, days }
        })
        .collect()
}

fn series(
    s: Option<&Series>,
    periods: &[i64],
    cover: &[Coverage],
    o: &Derive,
) -> Vec<PeriodFigures> {
    let empty = Cell::default();
    periods
        .iter()
        .zip(cover)
        .map(|(&p, c)| PeriodFigures {
            period: o.period.label(p),
            start: o.period.start(p),
            partial: c.partial(),
            days: c.days,
            days_covered: c.covered,
            figures: Figures::of(s.and_then(|s| s.get(&p)).unwrap_or(&empty), o.min_count),
        })
        .collect()
}

fn sorted_groups(map: &super::tally::Map<Cell>) -> Vec<(&str, &Cell)> {
    let mut v: Vec<(&str, &Cell)> = map.iter().map(|(k, c)| (&**k, c)).collect();
    v.sort_by(|a, b| b.1.n.cmp(&a.1.n).then_with(|| natural(a.0, b.0)));
    v
}

/// Numbers in numeric order (topic ids), everything else by string.
fn natural(a: &str, b: &str) -> std::cmp::Ordering {
    match (a.parse::<u64>(), b.parse::<u64>()) {
        (Ok(x), Ok(y)) => x.cmp(&y),
        _ => a.cmp(b),
    }
}

/// The spike test of one series: the latest period against up to `baseline` complete periods
/// before it (a partial first period would lower the baseline), its expectation scaled by its
/// own coverage. `None` when there are too few complete earlier periods to test; a p-value of
/// 1 when the latest count is under `alert_min` or not above its expectation (tested, but no
/// spike).
fn spike(s: &Series, periods: &[i64], cover: &[Coverage], o: &Derive) -> Option<SpikeTest> {
    let (&latest, before) = periods.split_last()?;
    let &latest_cover = cover.last()?;
    let base: Vec<i64> = before
        .iter()
        .zip(cover)
        .rev()
        .filter(|(_, c)| !c.partial())
        .take(o.alert_baseline as usize)
        .map(|(&p, _)| p)
        .collect();
    if base.len() < 3 {
        return None;
    }
    let negative = |p: i64| s.get(&p).map_or(0, |c| c.sentiment[0]);
    let current = negative(latest);
    let total: u64 = base.iter().map(|&p| negative(p)).sum();
    let periods = base.len() as u64;
    let exposure = latest_cover.exposure();
    let expected = total as f64 / periods as f64 * exposure;
    let p = if current < o.alert_min || (current as f64) <= expected {
        1.0
    } else {
        poisson_rate_test_with_exposure(current, total, periods, exposure)
    };
    Some(SpikeTest {
        negative: current,
        baseline: total,
        periods,
        cover: latest_cover,
        p,
    })
}

/// The topic days with a spike, by the test of priority's topic-spike points.
fn topic_spike_days(tally: &Tally, o: &Derive) -> Vec<TopicSpikeDay> {
    let Some(first) = tally.first_day else {
        return Vec::new();
    };
    crate::priority::spike_days(&tally.topic_days, first, &o.topic_spikes)
        .into_iter()
        .map(|s| {
            let key = s.topic.to_string();
            TopicSpikeDay {
                label: topic_label(tally, &key),
                topic: key,
                day: Period::Day.label(s.day),
                negative: s.negative,
                baseline: s.baseline,
                baseline_days: o.topic_spikes.spike_baseline_days,
                p_value: s.p,
                q_value: s.q,
            }
        })
        .collect()
}

/// One series' spike test.
#[derive(Clone, Copy)]
struct SpikeTest {
    /// Negative records in the latest period.
    negative: u64,
    /// Negative records in the baseline periods.
    baseline: u64,
    /// Baseline periods.
    periods: u64,
    /// The latest period's coverage.
    cover: Coverage,
    p: f64,
}

/// A department's records per level and the rules that set them.
fn department_levels(
    department: &str,
    name: Option<String>,
    c: &Cell,
    rules: Option<&[RuleCounts; 4]>,
) -> DepartmentLevels {
    let levels = ["P1", "P2", "P3", "P4"]
        .into_iter()
        .enumerate()
        .map(|(i, level)| {
            let mut list: Vec<RuleCount> = Vec::new();
            if let Some(r) = rules {
                let (kept, other) = r[i].sorted();
                list = kept
                    .into_iter()
                    .map(|(rule, n)| RuleCount {
                        rule: rule.to_owned(),
                        n,
                    })
                    .collect();
                if other > 0 {
                    list.push(RuleCount {
                        rule: "other".to_owned(),
                        n: other,
                    });
                }
            }
            (
                level,
                LevelRules {
                    n: c.level[i],
                    share: ratio(c.level[i], c.n, 4),
                    rules: list,
                },
            )
        })
        .collect();
    DepartmentLevels {
        department: department.to_owned(),
        name,
        n: c.n,
        levels,
    }
}

pub(crate) fn build(tally: &Tally, rejected: u64, o: &Derive) -> ReportSummary {
    let total = tally.overall.n;
    let periods = period_range(&tally.trend);
    let cover = coverage(tally, &periods, o.period);
    let mut breakdowns = BTreeMap::new();
    for d in Dimension::ALL {
        let groups = sorted_groups(tally.group(d))
            .into_iter()
            .map(|(key, c)| Group {
                key: key.to_owned(),
                label: group_label(tally, o, d, key),
                share: ratio(c.n, total, 4),
                figures: Figures::of(c, o.min_count),
            })
            .collect();
        breakdowns.insert(
            d.as_str(),
            Breakdown {
                missing: tally.missing(d),
                groups,
            },
        );
    }
    let mut by = BTreeMap::new();
    for &d in &o.by {
        let map = tally.trends(d);
        let mut keys: Vec<(&str, u64)> = map
            .iter()
            .map(|(k, s)| (&**k, s.values().map(|c| c.n).sum()))
            .collect();
        keys.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| natural(a.0, b.0)));
        let list = keys
            .into_iter()
            .map(|(k, _)| GroupSeries {
                key: k.to_owned(),
                label: group_label(tally, o, d, k),
                periods: series(map.get(k), &periods, &cover, o),
            })
            .collect();
        by.insert(d.as_str(), list);
    }

    // Every series with enough history is one test; the alerts are the ones whose p-value,
    // adjusted over all of them, stays under `alert_p`.
    let mut tested: Vec<(&'static str, &str, SpikeTest)> = Vec::new();
    if let Some(t) = spike(&tally.trend, &periods, &cover, o) {
        tested.push(("overall", "", t));
    }
    for d in [Dimension::Department, Dimension::Topic] {
        let map = tally.trends(d);
        let mut keys: Vec<&str> = map.keys().map(|k| &**k).collect();
        keys.sort_by(|a, b| natural(a, b));
        for k in keys {
            if let Some(t) = spike(&map[k], &periods, &cover, o) {
                tested.push((d.as_str(), k, t));
            }
        }
    }
    let q_values = benjamini_hochberg(&tested.iter().map(|t| t.2.p).collect::<Vec<_>>());
    let mut alerts = Vec::new();
    for (&(dimension, key, t), &q) in tested.iter().zip(&q_values) {
        if t.p >= 1.0 || q >= o.alert_p {
            continue;
        }
        let mean = t.baseline as f64 / t.periods as f64;
        let expected = mean * t.cover.exposure();
        alerts.push(Alert {
            dimension,
            key: key.to_owned(),
            label: match dimension {
                "topic" => group_label(tally, o, Dimension::Topic, key),
                "department" => group_label(tally, o, Dimension::Department, key),
                _ => None,
            },
            period: o
                .period
                .label(*periods.last().expect("a tested series has a period")),
            partial: t.cover.partial(),
            days_covered: t.cover.covered,
            days: t.cover.days,
            negative: t.negative,
            baseline_mean: round(mean, 2),
            baseline_periods: t.periods,
            expected: round(expected, 2),
            ratio: (t.baseline > 0).then(|| round(t.negative as f64 / expected, 2)),
            p_value: t.p,
            q_value: q,
            tests: tested.len() as u64,
        });
    }
    alerts.sort_by(|a, b| {
        a.p_value
            .total_cmp(&b.p_value)
            .then(b.negative.cmp(&a.negative))
    });

    let mut fix_first: Vec<Focus> = tally
        .group(Dimension::Department)
        .iter()
        .map(|(dept, c)| {
            let mut topics: Vec<FocusTopic> = tally
                .department_topics
                .get(dept)
                .map(|m| {
                    m.iter()
                        .map(|(t, c)| FocusTopic {
                            topic: t.parse().ok(),
                            label: topic_label(tally, t),
                            n: c.n,
                            p1: c.level[0],
                            p2: c.level[1],
                            negative_share: ratio(c.sentiment[0], c.n, 4),
                        })
                        .collect()
                })
                .unwrap_or_default();
            topics.sort_by(|a, b| {
                (b.p1, b.p2, b.n)
                    .cmp(&(a.p1, a.p2, a.n))
                    .then(a.topic.cmp(&b.topic))
            });
            topics.truncate(5);
            Focus {
                department: dept.to_string(),
                name: department_name(tally, o, dept),
                queue: c.n,
                p1: c.level[0],
                p2: c.level[1],
                negative_share: ratio(c.sentiment[0], c.n, 4),
                topics,
                keywords: keywords(tally.department_keywords.get(dept), o.keywords),
                items: tally
                    .department_items
                    .get(dept)
                    .map(super::tally::TopItems::sorted)
                    .unwrap_or_default(),
            }
        })
        .collect();
    // Unassigned records last: no team is ranked by what nobody placed.
    fix_first.sort_by(|a, b| {
        (a.department == UNASSIGNED)
            .cmp(&(b.department == UNASSIGNED))
            .then((b.p1, b.p2, b.queue).cmp(&(a.p1, a.p2, a.queue)))
            .then_with(|| a.department.cmp(&b.department))
    });
    let priority_levels = fix_first
        .iter()
        .filter_map(|f| {
            let c = tally
                .group(Dimension::Department)
                .get(f.department.as_str())?;
            Some(department_levels(
                &f.department,
                f.name.clone(),
                c,
                tally.department_rules.get(f.department.as_str()),
            ))
        })
        .collect();
    let department_aspects = tally
        .department_aspects
        .iter()
        .map(|(d, k)| {
            (
                d.to_string(),
                AspectCounts {
                    complaint: k[0],
                    suggestion: k[1],
                    question: k[2],
                    praise: k[3],
                },
            )
        })
        .collect();

    let mut topics: Vec<TopicSummary> = sorted_groups(tally.group(Dimension::Topic))
        .into_iter()
        .filter_map(|(key, c)| {
            let id: u32 = key.parse().ok()?;
            let mut departments: Vec<Keyword> = tally
                .department_topics
                .iter()
                .filter_map(|(d, m)| {
                    m.get(key).map(|c| Keyword {
                        term: d.to_string(),
                        n: c.n,
                    })
                })
                .collect();
            departments.sort_by(|a, b| b.n.cmp(&a.n).then_with(|| a.term.cmp(&b.term)));
            Some(TopicSummary {
                id,
                label: topic_label(tally, key).unwrap_or_default(),
                share: ratio(c.n, total, 4),
                figures: Figures::of(c, o.min_count),
                departments,
                keywords: keywords(tally.topic_keywords.get(key), o.keywords),
                examples: tally
                    .topic_items
                    .get(key)
                    .map(super::tally::TopItems::sorted)
                    .unwrap_or_default(),
            })
        })
        .collect();
    topics.sort_by(|a, b| b.figures.n.cmp(&a.figures.n).then(a.id.cmp(&b.id)));

    ReportSummary {
        format: "fankui-report",
        version: 1,
        input: InputSummary {
            records: total,
            rejected,
            undated: tally.undated,
            first_period: periods.first().map(|&p| o.period.label(p)),
            last_period: periods.last().map(|&p| o.period.label(p)),
        },
        options: SummaryOptions {
            period: o.period,
            by: o.by.clone(),
            min_count: o.min_count,
            alert_baseline: o.alert_baseline,
            alert_p: o.alert_p,
            alert_min: o.alert_min,
        },
        overall: Figures::of(&tally.overall, o.min_count),
        breakdowns,
        trends: Trends {
            period: o.period,
            overall: series(Some(&tally.trend), &periods, &cover, o),
            by,
        },
        alerts,
        topic_spike_days: topic_spike_days(tally, o),
        fix_first,
        priority_levels,
        department_aspects,
        topics,
        queues: Vec::new(),
        customers_to_tell: None,
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::*;
    use crate::io::Timestamp;
    use crate::learn::stats::poisson_rate_test;
    use crate::priority::Level;
    use crate::report::row::Row;
    use crate::report::tally::TallyOptions;

    fn derive(period: Period) -> Derive {
        Derive {
            period,
            by: Vec::new(),
            min_count: 30,
            alert_baseline: 8,
            alert_p: 0.01,
            alert_min: 5,
            keywords: 5,
            department_names: BTreeMap::new(),
            topic_spikes: crate::priority::TopicPoints::default(),
        }
    }

    fn day(s: &str) -> i64 {
        Timestamp::parse(s).unwrap().days_since_epoch()
    }

    /// A tally whose dated records run from `first` to `last`, with `negative[i]` negative
    /// records in the i-th week from `first`'s.
    fn weekly(first: &str, last: &str, negative: &[u64]) -> (Tally, Vec<i64>) {
        let mut t = Tally {
            first_day: Some(day(first)),
            last_day: Some(day(last)),
            ..Tally::default()
        };
        let week = Period::Week.key(&Timestamp::parse(first).unwrap());
        for (i, &k) in negative.iter().enumerate() {
            let c = t.trend.entry(week + i as i64).or_default();
            c.n = k;
            c.sentiment[0] = k;
        }
        let periods = period_range(&t.trend);
        (t, periods)
    }

    fn cover(t: &Tally, periods: &[i64]) -> Vec<(u32, u32)> {
        coverage(t, periods, Period::Week)
            .iter()
            .map(|c| (c.covered, c.days))
            .collect()
    }

    #[test]
    fn only_the_ends_of_the_data_can_be_partial() {
        // 2026-03-04 is a Wednesday, 2026-03-24 a Tuesday.
        let (t, periods) = weekly("2026-03-04", "2026-03-24", &[1, 1, 1, 1]);
        assert_eq!(cover(&t, &periods), [(5, 7), (7, 7), (7, 7), (2, 7)]);
        // Monday to Sunday: whole weeks.
        let (t, periods) = weekly("2026-03-02", "2026-03-22", &[1, 1, 1]);
        assert_eq!(cover(&t, &periods), [(7, 7); 3]);
        // One week, Wednesday to Friday.
        let (t, periods) = weekly("2026-03-04", "2026-03-06", &[1]);
        assert_eq!(cover(&t, &periods), [(3, 7)]);
        // Months: 2026-02-10 to 2026-04-30, February from its 10th.
        let mut t = Tally {
            first_day: Some(day("2026-02-10")),
            last_day: Some(day("2026-04-30")),
            ..Tally::default()
        };
        let feb = Period::Month.key(&Timestamp::parse("2026-02-10").unwrap());
        for m in feb..feb + 3 {
            t.trend.entry(m).or_default().n = 1;
        }
        let got: Vec<(u32, u32)> = coverage(&t, &[feb, feb + 1, feb + 2], Period::Month)
            .iter()
            .map(|c| (c.covered, c.days))
            .collect();
        assert_eq!(got, [(19, 28), (31, 31), (30, 30)]);
        // Days are never partial.
        let d = day("2026-03-04");
        assert_eq!(
            coverage(&t, &[d, d + 1], Period::Day)
                .iter()
                .map(|c| c.partial())
                .collect::<Vec<_>>(),
            [false, false]
        );
    }

    #[test]
    fn a_partial_first_period_stays_out_of_the_baseline() {
        // A partial first week (Friday to Sunday, 1 negative), three whole weeks of 10, then
        // 25 in a whole last week.
        let (t, periods) = weekly("2026-03-06", "2026-04-05", &[1, 10, 10, 10, 25]);
        let c = coverage(&t, &periods, Period::Week);
        assert!(c[0].partial() && !c[4].partial());
        let s = spike(&t.trend, &periods, &c, &derive(Period::Week)).unwrap();
        assert_eq!((s.baseline, s.periods), (30, 3));
        assert_eq!(s.p.to_bits(), poisson_rate_test(25, 30, 3).to_bits());
        // The same weeks all whole: the first one counts.
        let (t, periods) = weekly("2026-03-02", "2026-04-05", &[1, 10, 10, 10, 25]);
        let c = coverage(&t, &periods, Period::Week);
        let s = spike(&t.trend, &periods, &c, &derive(Period::Week)).unwrap();
        assert_eq!((s.baseline, s.periods), (31, 4));
        // Two whole weeks before the latest are too few, with the partial one or not.
        let (t, periods) = weekly("2026-03-06", "2026-03-29", &[1, 10, 10, 25]);
        let c = coverage(&t, &periods, Period::Week);
        assert!(spike(&t.trend, &periods, &c, &derive(Period::Week)).is_none());
    }

    #[test]
    fn a_partial_latest_period_is_held_to_its_share_of_the_baseline() {
        // Eight whole weeks of 10, then Monday to Wednesday of a ninth.
        let mut negative = vec![10; 8];
        negative.push(12);
        let (t, periods) = weekly("2026-01-05", "2026-03-04", &negative);
        let c = coverage(&t, &periods, Period::Week);
        assert_eq!((c[8].covered, c[8].days), (3, 7));
        let o = derive(Period::Week);
        let s = spike(&t.trend, &periods, &c, &o).unwrap();
        assert_eq!((s.negative, s.baseline, s.periods), (12, 80, 8));
        let want = poisson_rate_test_with_exposure(12, 80, 8, 3.0 / 7.0);
        assert_eq!(s.p.to_bits(), want.to_bits());
        // Twelve in three days against ten a week is a spike; in a whole week it is not.
        assert!(s.p < 0.005, "{}", s.p);
        assert!(poisson_rate_test(12, 80, 8) > 0.2);
        let summary = build(&t, 0, &o);
        let a = &summary.alerts[0];
        assert!(a.partial);
        assert_eq!((a.days_covered, a.days, a.baseline_periods), (3, 7, 8));
        assert_eq!(a.baseline_mean, 10.0);
        assert_eq!(a.expected, 4.29);
        assert_eq!(a.ratio, Some(round(12.0 / (10.0 * 3.0 / 7.0), 2)));
        let last = summary.trends.overall.last().unwrap();
        assert!(last.partial && !summary.trends.overall[0].partial);
        // Four in three days is under the expectation: tested, no spike.
        *negative.last_mut().unwrap() = 4;
        let (t, periods) = weekly("2026-01-05", "2026-03-04", &negative);
        let c = coverage(&t, &periods, Period::Week);
        assert_eq!(spike(&t.trend, &periods, &c, &o).unwrap().p, 1.0);
    }

    #[test]
    fn priority_levels_count_each_level_and_the_rules_that_set_it() {
        let options = TallyOptions {
            period: Period::Week,
            by: Vec::new(),
            items: 1,
        };
        let mut t = Tally::default();
        let records: [(&str, Level, Option<&str>, u64); 7] = [
            ("logistics", Level::P1, Some("health"), 3),
            ("logistics", Level::P1, Some("safety"), 1),
            (
                "logistics",
                Level::P2,
                Some("score (no P1-class reason)"),
                2,
            ),
            ("logistics", Level::P2, Some("score"), 4),
            ("logistics", Level::P4, None, 2),
            (UNASSIGNED, Level::P1, Some("media"), 5),
            ("product", Level::P3, Some("score"), 1),
        ];
        let mut seq = 0;
        for (dept, level, rule, times) in records {
            for _ in 0..times {
                seq += 1;
                let row = Row {
                    department: Some(Cow::Borrowed(dept)),
                    level: Some(level),
                    rule: rule.map(Cow::Borrowed),
                    ..Row::default()
                };
                t.add(&row, seq, &options);
            }
        }
        let s = build(&t, 0, &derive(Period::Week));
        let order: Vec<&str> = s
            .priority_levels
            .iter()
            .map(|d| d.department.as_str())
            .collect();
        // Most urgent first, as in fix_first; unassigned last despite its five P1s.
        assert_eq!(order, ["logistics", "product", UNASSIGNED]);
        let logistics = &s.priority_levels[0];
        assert_eq!(logistics.n, 12);
        let p1 = &logistics.levels["P1"];
        assert_eq!((p1.n, p1.share), (4, 0.3333));
        let rules = |l: &LevelRules| -> Vec<(String, u64)> {
            l.rules.iter().map(|r| (r.rule.clone(), r.n)).collect()
        };
        assert_eq!(rules(p1), [("health".into(), 3), ("safety".into(), 1)]);
        assert_eq!(
            rules(&logistics.levels["P2"]),
            [
                ("score".into(), 4),
                ("score (no P1-class reason)".into(), 2)
            ]
        );
        assert_eq!(logistics.levels["P3"].n, 0);
        assert!(logistics.levels["P3"].rules.is_empty());
        assert_eq!(rules(&logistics.levels["P4"]), [("unknown".into(), 2)]);
        let unassigned = &s.priority_levels[2];
        assert_eq!(unassigned.name.as_deref(), Some("Unassigned"));
        assert_eq!(rules(&unassigned.levels["P1"]), [("media".into(), 5)]);
        assert_eq!(unassigned.levels["P1"].share, 1.0);
        // The keys serialise in level order.
        let json = serde_json::to_string(&s.priority_levels[1]).unwrap();
        let at = |k: &str| json.find(k).unwrap();
        assert!(
            at("\"P1\"") < at("\"P2\"") && at("\"P3\"") < at("\"P4\""),
            "{json}"
        );
    }

    #[test]
    fn more_rules_than_are_kept_add_up_under_other() {
        let options = TallyOptions {
            period: Period::Week,
            by: Vec::new(),
            items: 1,
        };
        let mut t = Tally::default();
        let names: Vec<String> = (0..20).map(|i| format!("rule {i}")).collect();
        for (i, name) in names.iter().enumerate() {
            let row = Row {
                department: Some(Cow::Borrowed("logistics")),
                level: Some(Level::P1),
                rule: Some(Cow::Borrowed(name)),
                ..Row::default()
            };
            t.add(&row, i as u64 + 1, &options);
        }
        let s = build(&t, 0, &derive(Period::Week));
        let p1 = &s.priority_levels[0].levels["P1"];
        assert_eq!(p1.rules.len(), 17);
        assert_eq!(
            p1.rules.last().map(|r| (r.rule.as_str(), r.n)),
            Some(("other", 4))
        );
        assert_eq!(p1.rules.iter().map(|r| r.n).sum::<u64>(), p1.n);
    }
}
