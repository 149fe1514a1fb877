//! Priority: a score from 0 to 100, a level P1–P4 and the reasons, for triage.
//!
//! The score is a sum of points, each from one factor, clamped to [0, 100]:
//!
//! | factor | points |
//! |---|---|
//! | kind | `kind.complaint` (40), `kind.suggestion` (20), `kind.question` (20), `kind.other` (5), `kind.praise` (0) |
//! | negative sentiment | `negativity` (20) × −score, when the score is negative |
//! | risk | for each risk category found (safety, health, legal, regulator, media, fraud, privacy, churn): the category's points × its strongest phrase's weight ÷ 3; the sum capped at `risk_cap` (50); a praise gets a quarter |
//! | customer value | `value.points` (10) × ln(1 + value) ÷ ln(1 + `value.full_at`), at most `value.points` |
//! | channel | `channel.<name>` (social 8; support, email, store, sales 2; review 1; survey 0; unknown 0) |
//! | repeat grievances | `repeat.points` (6) per earlier grievance (a complaint, or anything but praise with a negative score) from the same `customer_id` in the batch or stream, at most `repeat.cap` (15); grievances only |
//! | recency | `recency.points` (5) × 0.5^(age in days ÷ `recency.half_life_days` (30)), age from `created_at` to `reference_date` (default: today, UTC); undated records count as new |
//! | topic volume | with a topic model, not for praise: `topic.volume_points` (8) × the record's topic's negative records as a share of all the model's records ÷ `topic.volume_full_at` (0.05), at most `topic.volume_points` |
//! | topic spike | with a topic model, grievances only: `topic.spike_points` (10) when the record's topic has a negative-volume spike on the record's day (below) |
//!
//! A topic spike is the report's spike alert applied as the stream goes: the record's topic's
//! negative records on the record's day (`created_at`, UTC), this one included, against
//! those of the `topic.spike_baseline_days` (7) days before it, by the exact conditional
//! Poisson-rate test (`learn::stats::poisson_rate_test`); a spike needs
//! p < `topic.spike_p` (0.01), at least `topic.spike_min` (5) negative records that day, and
//! dated records in the stream from at least that many days before (so the first days of a
//! dump never count as a spike). Counting is in input order, like repeat grievances: in a
//! dump sorted by time, the records of a spiking day get the points from the one that makes
//! the spike significant on.
//!
//! The sum `x` becomes the score as itself up to 70 and as `70 + 30·(1 − e^(−(x−70)/30))`
//! above (100 points give 89, 130 give 96), rounded. The level is P1 from `levels.p1` (75), P2 from `levels.p2` (50), P3 from `levels.p3` (25),
//! P4 below. Every factor only adds, so a more negative, riskier, more valuable, more repeated
//! or more recent record of the same kind, or one in a larger or spiking topic, never scores
//! lower; and since a praise gets at most `0.25·risk_cap + value + channel + recency` (35 with
//! the defaults) it stays below every complaint (40 at least).

mod risk;

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::collections::HashMap;

use serde::{Deserialize, Serialize};

pub use risk::{RiskCategory, RiskLexicon};

use crate::io::{Record, Timestamp};
use crate::kind::Kind;
use crate::sentiment::Sentiment;

/// Priority level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Level {
    /// Act today.
    P1,
    /// Act this week.
    P2,
    /// Plan for it.
    P3,
    /// No action needed.
    P4,
}

impl Level {
    /// `P1` … `P4`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Level::P1 => "P1",
            Level::P2 => "P2",
            Level::P3 => "P3",
            Level::P4 => "P4",
        }
    }
}

/// The priority of a record.
#[derive(Debug, Clone, PartialEq)]
pub struct Priority {
    /// 0–100.
    pub score: u8,
    /// From the score and the configured levels.
    pub level: Level,
    /// Why, most important first.
    pub reasons: Vec<Cow<'static, str>>,
    /// The unrounded, unclamped sum.
    pub points: f32,
}

/// Points by kind.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct KindPoints {
    /// Complaint.
    pub complaint: f32,
    /// Suggestion.
    pub suggestion: f32,
    /// Question.
    pub question: f32,
    /// Praise.
    pub praise: f32,
    /// Other.
    pub other: f32,
}

impl Default for KindPoints {
    fn default() -> Self {
        KindPoints {
            complaint: 40.0,
            suggestion: 20.0,
            question: 20.0,
            praise: 0.0,
            other: 5.0,
        }
    }
}

impl KindPoints {
    fn of(&self, kind: Kind) -> f32 {
        match kind {
            Kind::Complaint => self.complaint,
            Kind::Suggestion => self.suggestion,
            Kind::Question => self.question,
            Kind::Praise => self.praise,
            Kind::Other => self.other,
        }
    }
}

/// Points by risk category.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RiskPoints {
    /// Fire, injury, electric shock.
    pub safety: f32,
    /// Food poisoning, allergy, illness.
    pub health: f32,
    /// Lawyers, lawsuits.
    pub legal: f32,
    /// Regulators and complaint bodies (12315, CFPB).
    pub regulator: f32,
    /// Press and social-media exposure.
    pub media: f32,
    /// Fraud, scams, counterfeits.
    pub fraud: f32,
    /// Personal data.
    pub privacy: f32,
    /// Leaving: cancelling, never again.
    pub churn: f32,
}

impl Default for RiskPoints {
    fn default() -> Self {
        RiskPoints {
            safety: 45.0,
            health: 45.0,
            legal: 40.0,
            regulator: 40.0,
            media: 35.0,
            fraud: 35.0,
            privacy: 30.0,
            churn: 25.0,
        }
    }
}

impl RiskPoints {
    fn of(&self, c: RiskCategory) -> f32 {
        match c {
            RiskCategory::Safety => self.safety,
            RiskCategory::Health => self.health,
            RiskCategory::Legal => self.legal,
            RiskCategory::Regulator => self.regulator,
            RiskCategory::Media => self.media,
            RiskCategory::Fraud => self.fraud,
            RiskCategory::Privacy => self.privacy,
            RiskCategory::Churn => self.churn,
        }
    }
}

/// Customer-value points.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ValuePoints {
    /// Most points.
    pub points: f32,
    /// The value that earns them all.
    pub full_at: f64,
}

impl Default for ValuePoints {
    fn default() -> Self {
        ValuePoints {
            points: 10.0,
            full_at: 10_000.0,
        }
    }
}

/// Repeat-complaint points.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RepeatPoints {
    /// Per earlier complaint.
    pub points: f32,
    /// Most in all.
    pub cap: f32,
}

impl Default for RepeatPoints {
    fn default() -> Self {
        RepeatPoints {
            points: 6.0,
            cap: 15.0,
        }
    }
}

/// Recency points.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RecencyPoints {
    /// Points of a record from the reference date.
    pub points: f32,
    /// Days after which they halve.
    pub half_life_days: f32,
    /// `YYYY-MM-DD` the ages are counted to; today (UTC) when absent. Set it for
    /// reproducible scores.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference_date: Option<String>,
}

impl Default for RecencyPoints {
    fn default() -> Self {
        RecencyPoints {
            points: 5.0,
            half_life_days: 30.0,
            reference_date: None,
        }
    }
}

/// Topic-volume and topic-spike points (they apply only with a topic model).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TopicPoints {
    /// Most points for the volume of a record's topic.
    pub volume_points: f32,
    /// The share of all records, negative and in the topic, that earns them all.
    pub volume_full_at: f64,
    /// Points for a grievance in a topic with a spike on its day.
    pub spike_points: f32,
    /// Days before the record's day its count is compared with.
    pub spike_baseline_days: u32,
    /// p-value under which a day's count is a spike.
    pub spike_p: f64,
    /// Least negative records of the topic on the day for a spike.
    pub spike_min: u32,
}

impl Default for TopicPoints {
    fn default() -> Self {
        TopicPoints {
            volume_points: 8.0,
            volume_full_at: 0.05,
            spike_points: 10.0,
            spike_baseline_days: 7,
            spike_p: 0.01,
            spike_min: 5,
        }
    }
}

/// Score thresholds of the levels.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Levels {
    /// Least score of P1.
    pub p1: f32,
    /// Least score of P2.
    pub p2: f32,
    /// Least score of P3.
    pub p3: f32,
}

impl Default for Levels {
    fn default() -> Self {
        Levels {
            p1: 75.0,
            p2: 50.0,
            p3: 25.0,
        }
    }
}

/// Configuration of priority: every weight of the formula in the
/// [module](self) documentation.
///
/// ```toml
/// [priority]
/// negativity = 20.0
/// risk_cap = 50.0
/// kind = { complaint = 40.0, suggestion = 20.0, question = 20.0, praise = 0.0, other = 5.0 }
/// risk = { safety = 45.0, health = 45.0, legal = 40.0, regulator = 40.0, media = 35.0, fraud = 35.0, privacy = 30.0, churn = 25.0 }
/// value = { points = 10.0, full_at = 10000.0 }
/// repeat = { points = 6.0, cap = 15.0 }
/// recency = { points = 5.0, half_life_days = 30.0, reference_date = "2026-06-30" }
/// topic = { volume_points = 8.0, volume_full_at = 0.05, spike_points = 10.0, spike_baseline_days = 7, spike_p = 0.01, spike_min = 5 }
/// levels = { p1 = 75.0, p2 = 50.0, p3 = 25.0 }
/// [priority.channel]
/// social = 8.0
/// survey = 0.0
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PriorityConfig {
    /// Points per unit of negative sentiment.
    pub negativity: f32,
    /// Most risk points.
    pub risk_cap: f32,
    /// Points by kind.
    pub kind: KindPoints,
    /// Points by risk category.
    pub risk: RiskPoints,
    /// Customer value.
    pub value: ValuePoints,
    /// Repeat complaints.
    pub repeat: RepeatPoints,
    /// Recency.
    pub recency: RecencyPoints,
    /// Topic volume and spikes.
    pub topic: TopicPoints,
    /// Level thresholds.
    pub levels: Levels,
    /// Points by channel name (lower case); channels not listed get 0.
    pub channel: BTreeMap<String, f32>,
}

impl Default for PriorityConfig {
    fn default() -> Self {
        let channel = [
            ("social", 8.0),
            ("support", 2.0),
            ("email", 2.0),
            ("store", 2.0),
            ("sales", 2.0),
            ("review", 1.0),
            ("survey", 0.0),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        PriorityConfig {
            negativity: 20.0,
            risk_cap: 50.0,
            kind: KindPoints::default(),
            risk: RiskPoints::default(),
            value: ValuePoints::default(),
            repeat: RepeatPoints::default(),
            recency: RecencyPoints::default(),
            topic: TopicPoints::default(),
            levels: Levels::default(),
            channel,
        }
    }
}

impl PriorityConfig {
    pub(crate) fn validate(&self) -> std::result::Result<(), String> {
        let k = &self.kind;
        let r = &self.risk;
        let named = [
            ("negativity", self.negativity),
            ("risk_cap", self.risk_cap),
            ("kind.complaint", k.complaint),
            ("kind.suggestion", k.suggestion),
            ("kind.question", k.question),
            ("kind.praise", k.praise),
            ("kind.other", k.other),
            ("risk.safety", r.safety),
            ("risk.health", r.health),
            ("risk.legal", r.legal),
            ("risk.regulator", r.regulator),
            ("risk.media", r.media),
            ("risk.fraud", r.fraud),
            ("risk.privacy", r.privacy),
            ("risk.churn", r.churn),
            ("value.points", self.value.points),
            ("repeat.points", self.repeat.points),
            ("repeat.cap", self.repeat.cap),
            ("recency.points", self.recency.points),
            ("topic.volume_points", self.topic.volume_points),
            ("topic.spike_points", self.topic.spike_points),
        ];
        for (name, v) in named {
            if !(v >= 0.0 && v.is_finite()) {
                return Err(format!("priority.{name} must be a number ≥ 0, found {v}"));
            }
        }
        for (name, v) in &self.channel {
            if !(*v >= 0.0 && v.is_finite()) {
                return Err(format!(
                    "priority.channel.{name} must be a number ≥ 0, found {v}"
                ));
            }
        }
        if !(self.value.full_at > 0.0 && self.value.full_at.is_finite()) {
            return Err(format!(
                "priority.value.full_at must be a positive number, found {}",
                self.value.full_at
            ));
        }
        if !(self.recency.half_life_days > 0.0 && self.recency.half_life_days.is_finite()) {
            return Err(format!(
                "priority.recency.half_life_days must be a positive number, found {}",
                self.recency.half_life_days
            ));
        }
        let t = self.topic;
        if !(t.volume_full_at > 0.0 && t.volume_full_at <= 1.0) {
            return Err(format!(
                "priority.topic.volume_full_at must be in (0, 1], found {}",
                t.volume_full_at
            ));
        }
        if !(t.spike_p > 0.0 && t.spike_p < 1.0) {
            return Err(format!(
                "priority.topic.spike_p must be in (0, 1), found {}",
                t.spike_p
            ));
        }
        if t.spike_baseline_days == 0 || t.spike_baseline_days > 366 {
            return Err(format!(
                "priority.topic.spike_baseline_days must be 1 to 366, found {}",
                t.spike_baseline_days
            ));
        }
        if let Some(d) = &self.recency.reference_date {
            if Timestamp::parse(d).is_none() {
                return Err(format!(
                    "priority.recency.reference_date must be YYYY-MM-DD, found `{d}`"
                ));
            }
        }
        let l = self.levels;
        if !(l.p1 >= l.p2 && l.p2 >= l.p3 && l.p3 >= 0.0) {
            return Err(format!(
                "priority.levels must satisfy p1 ≥ p2 ≥ p3 ≥ 0, found {} {} {}",
                l.p1, l.p2, l.p3
            ));
        }
        Ok(())
    }

    /// The day number (days since 1970-01-01) ages are counted to.
    fn reference_day(&self) -> i64 {
        match self
            .recency
            .reference_date
            .as_deref()
            .and_then(Timestamp::parse)
        {
            Some(t) => day_number(&t),
            None => std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| (d.as_secs() / 86_400) as i64),
        }
    }

    fn level(&self, score: u8) -> Level {
        let s = f32::from(score);
        if s >= self.levels.p1 {
            Level::P1
        } else if s >= self.levels.p2 {
            Level::P2
        } else if s >= self.levels.p3 {
            Level::P3
        } else {
            Level::P4
        }
    }
}

/// Points to a score: the identity up to 70, then a curve that approaches 100 without
/// reaching it early (100 points → 89, 130 → 96), so records with many risk factors keep
/// their order instead of all sitting at 100. Increasing, so monotone.
fn compress(points: f32) -> f32 {
    const KNEE: f32 = 70.0;
    if points <= KNEE {
        points.max(0.0)
    } else {
        KNEE + (100.0 - KNEE) * (1.0 - (-(points - KNEE) / (100.0 - KNEE)).exp())
    }
}

/// Days since 1970-01-01 of a date (proleptic Gregorian).
pub(crate) fn day_number(t: &Timestamp) -> i64 {
    if let Some(s) = t.unix_seconds {
        return s.div_euclid(86_400);
    }
    let (y, m, d) = (i64::from(t.year), i64::from(t.month), i64::from(t.day));
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Everything priority needs from one record's analysis.
#[derive(Debug, Clone, Copy)]
pub struct PriorityInput<'a> {
    /// The record.
    pub record: &'a Record,
    /// Its kind.
    pub kind: Kind,
    /// Its sentiment.
    pub sentiment: Sentiment,
    /// The risks found in it ([`Prioritizer::risks`]).
    pub risks: &'a [(RiskCategory, f32, String)],
    /// Its topic, when a topic model is in use and the record is not an outlier.
    pub topic: Option<TopicVolume<'a>>,
}

/// What priority reads of a record's topic.
#[derive(Debug, Clone, Copy)]
pub struct TopicVolume<'a> {
    /// The topic's label.
    pub label: &'a str,
    /// The topic's negative records as a share of all records of the model's fit.
    pub negative_share: f32,
}

/// Scores priority; built once per engine.
#[derive(Debug, Clone)]
pub struct Prioritizer {
    config: PriorityConfig,
    risk: RiskLexicon,
    today: i64,
}

impl Prioritizer {
    /// With the shipped risk lexicon.
    #[must_use]
    pub fn new(config: PriorityConfig, risk: RiskLexicon) -> Self {
        let today = config.reference_day();
        Prioritizer {
            config,
            risk,
            today,
        }
    }

    /// The risks in a normalised text: each category with its strongest phrase's weight and
    /// that phrase.
    #[must_use]
    pub fn risks(&self, normalized: &str) -> Vec<(RiskCategory, f32, String)> {
        self.risk.find(normalized)
    }

    /// The risk lexicon.
    pub(crate) fn risk_lexicon(&self) -> &RiskLexicon {
        &self.risk
    }

    /// The priority of one record, without repeat complaints (see [`Self::add_repeats`]).
    #[must_use]
    pub fn assess(&self, input: &PriorityInput<'_>) -> Priority {
        let c = &self.config;
        // At most six factors here; repeats come later.
        let mut parts: Vec<(f32, Cow<'static, str>)> = Vec::with_capacity(6);
        let base = c.kind.of(input.kind);
        parts.push((base, input.kind.as_str().into()));
        let neg = (-input.sentiment.score).max(0.0);
        if neg > 0.0 {
            let label = if neg >= 0.6 {
                "strong negative"
            } else {
                "negative"
            };
            parts.push((c.negativity * neg, label.into()));
        }
        let found = input.risks;
        let mut risk_points = 0.0;
        let mut risk_reasons = Vec::new();
        for (category, weight, evidence) in found {
            risk_points += c.risk.of(*category) * weight / 3.0;
            risk_reasons.push(format!("{}: {evidence}", category.as_str()));
        }
        if !found.is_empty() {
            let scale = if input.kind == Kind::Praise {
                0.25
            } else {
                1.0
            };
            parts.push((
                risk_points.min(c.risk_cap) * scale,
                risk_reasons.join("; ").into(),
            ));
        }
        if let Some(v) = input.record.customer_value.filter(|v| *v > 0.0) {
            let share = ((1.0 + v).ln() / (1.0 + c.value.full_at).ln()).min(1.0) as f32;
            let label = if share >= 0.75 {
                "high-value customer"
            } else {
                "customer value"
            };
            parts.push((c.value.points * share, label.into()));
        }
        if let Some(ch) = &input.record.channel {
            // Channel names are mostly lower-case ASCII already: no copy then.
            let p = if ch
                .bytes()
                .all(|b| b.is_ascii_lowercase() || !b.is_ascii_alphabetic() && b.is_ascii())
            {
                c.channel.get(ch)
            } else {
                c.channel.get(&ch.to_lowercase())
            };
            let p = p.copied().unwrap_or(0.0);
            if p > 0.0 {
                parts.push((p, format!("channel: {ch}").into()));
            }
        }
        let age = input
            .record
            .created_at
            .map_or(0, |t| (self.today - day_number(&t)).max(0));
        let fresh = 0.5f32.powf(age as f32 / c.recency.half_life_days);
        if c.recency.points > 0.0 {
            let label = if age <= 7 { "recent" } else { "recency" };
            parts.push((c.recency.points * fresh, label.into()));
        }
        if let Some(topic) = input.topic.filter(|_| input.kind != Kind::Praise) {
            let t = c.topic;
            let share = (f64::from(topic.negative_share) / t.volume_full_at).clamp(0.0, 1.0) as f32;
            if t.volume_points > 0.0 && share > 0.0 {
                let reason = if share >= 0.5 {
                    format!("large topic: {}", topic.label)
                } else {
                    format!("topic: {}", topic.label)
                };
                parts.push((t.volume_points * share, reason.into()));
            }
        }
        let points: f32 = parts.iter().map(|(p, _)| p).sum();
        // Reasons: the largest contributions first, tiny ones left out.
        parts.sort_by(|a, b| b.0.total_cmp(&a.0));
        let reasons = parts
            .into_iter()
            .filter(|(p, _)| *p >= 1.0)
            .map(|(_, r)| r)
            .collect();
        self.finish(points, reasons)
    }

    fn finish(&self, points: f32, reasons: Vec<Cow<'static, str>>) -> Priority {
        let score = compress(points).round() as u8;
        Priority {
            score,
            level: self.config.level(score),
            reasons,
            points,
        }
    }

    /// Raises `priority` for a grievance whose customer raised `earlier` ones before it.
    pub fn add_repeats(&self, priority: &mut Priority, earlier: u32) {
        if earlier == 0 {
            return;
        }
        let r = self.config.repeat;
        let add = (r.points * earlier as f32).min(r.cap);
        let mut reasons = std::mem::take(&mut priority.reasons);
        reasons.insert(
            1.min(reasons.len()),
            format!("repeat customer ({earlier} earlier)").into(),
        );
        *priority = self.finish(priority.points + add, reasons);
    }

    /// Whether `count` negative records of a topic on one day, against `baseline` over the
    /// configured number of days before it, are a spike (see the [module](self) docs).
    #[must_use]
    pub fn is_spike(&self, count: SpikeCount) -> bool {
        let t = self.config.topic;
        count.today >= t.spike_min
            && crate::learn::stats::poisson_rate_test(
                u64::from(count.today),
                u64::from(count.baseline),
                u64::from(t.spike_baseline_days),
            ) < t.spike_p
    }

    /// Raises `priority` for a grievance in topic `label`, which has a spike on its day.
    pub fn add_spike(&self, priority: &mut Priority, label: &str, count: SpikeCount) {
        let points = self.config.topic.spike_points;
        if points <= 0.0 {
            return;
        }
        let days = self.config.topic.spike_baseline_days;
        let mut reasons = std::mem::take(&mut priority.reasons);
        reasons.insert(
            1.min(reasons.len()),
            format!(
                "topic spike: {label} ({} negative today, {} in the {days} days before)",
                count.today, count.baseline
            )
            .into(),
        );
        *priority = self.finish(priority.points + points, reasons);
    }

    /// Days in a spike's baseline.
    pub(crate) fn spike_baseline_days(&self) -> u32 {
        self.config.topic.spike_baseline_days
    }
}

/// A topic's negative records on one day, and over the days before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpikeCount {
    /// On the record's day, the record included.
    pub today: u32,
    /// Over the baseline days before it.
    pub baseline: u32,
}

/// Counts negative records per topic and day, in input order, for topic spikes; memory
/// stays bounded by topics × days in the window.
#[derive(Debug, Clone)]
pub struct SpikeTracker {
    window: i64,
    first_day: Option<i64>,
    topics: HashMap<u32, BTreeMap<i64, u32>>,
}

impl SpikeTracker {
    /// With a baseline of `baseline_days` days before each record's day.
    #[must_use]
    pub fn new(baseline_days: u32) -> Self {
        SpikeTracker {
            window: i64::from(baseline_days.max(1)),
            first_day: None,
            topics: HashMap::new(),
        }
    }

    /// Counts one record of `day` (days since 1970-01-01; `None` when undated): every dated
    /// record extends the stream's history; a negative one in a topic counts for that topic.
    /// Returns the topic's counts when the record is negative, in a topic and dated, and the
    /// stream already has dated records from the whole baseline before its day.
    pub fn record(
        &mut self,
        topic: Option<u32>,
        day: Option<i64>,
        negative: bool,
    ) -> Option<SpikeCount> {
        let day = day?;
        let first = self.first_day.map_or(day, |f| f.min(day));
        self.first_day = Some(first);
        let topic = topic.filter(|_| negative)?;
        let days = self.topics.entry(topic).or_default();
        let today = {
            let n = days.entry(day).or_insert(0);
            *n += 1;
            *n
        };
        let baseline = days.range(day - self.window..day).map(|(_, n)| *n).sum();
        // Keep the window before the newest day (and a little slack for out-of-order input).
        if days.len() as i64 > 4 * (self.window + 1) {
            let newest = days.keys().next_back().copied().unwrap_or(day);
            let keep_from = newest - 2 * self.window;
            *days = days.split_off(&keep_from);
        }
        (first <= day - self.window).then_some(SpikeCount { today, baseline })
    }
}

/// Everything priority counts across the records of a batch or stream, in input order:
/// repeat grievances per customer and topic spikes.
#[derive(Debug, Clone)]
pub struct StreamTracker {
    /// Repeat grievances.
    pub repeats: RepeatTracker,
    /// Topic spikes.
    pub spikes: SpikeTracker,
}

impl StreamTracker {
    /// For `prioritizer`'s spike baseline.
    #[must_use]
    pub fn new(prioritizer: &Prioritizer) -> Self {
        StreamTracker {
            repeats: RepeatTracker::default(),
            spikes: SpikeTracker::new(prioritizer.spike_baseline_days()),
        }
    }
}

/// Counts grievances per customer, in input order, across a batch or a stream.
#[derive(Debug, Default, Clone)]
pub struct RepeatTracker {
    seen: HashMap<String, u32>,
}

impl RepeatTracker {
    /// How many grievances this customer raised before this one; counts this one. Records
    /// that are not grievances are neither counted nor raised.
    pub fn record(&mut self, customer_id: Option<&str>, grievance: bool) -> u32 {
        let Some(id) = customer_id.filter(|s| !s.is_empty()) else {
            return 0;
        };
        if !grievance {
            return 0;
        }
        let n = self.seen.entry(id.to_owned()).or_insert(0);
        let earlier = *n;
        *n += 1;
        earlier
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_numbers() {
        let d = |s| day_number(&Timestamp::parse(s).unwrap());
        assert_eq!(d("1970-01-01"), 0);
        assert_eq!(d("2000-03-01") - d("2000-02-28"), 2);
        assert_eq!(d("2026-11-23") - d("2025-11-23"), 365);
    }

    #[test]
    fn defaults_validate_and_bad_values_are_named() {
        assert!(PriorityConfig::default().validate().is_ok());
        let mut c = PriorityConfig::default();
        c.channel.insert("social".into(), -1.0);
        assert!(c.validate().unwrap_err().contains("channel.social"));
        let mut c = PriorityConfig::default();
        c.recency.reference_date = Some("yesterday".into());
        assert!(c.validate().unwrap_err().contains("reference_date"));
    }

    #[test]
    fn repeats_count_complaints_per_customer() {
        let mut t = RepeatTracker::default();
        assert_eq!(t.record(Some("c1"), true), 0);
        assert_eq!(t.record(Some("c1"), false), 0);
        assert_eq!(t.record(Some("c1"), true), 1);
        assert_eq!(t.record(None, true), 0);
        assert_eq!(t.record(Some("c2"), true), 0);
    }

    fn prioritizer() -> Prioritizer {
        use crate::segment::{NormalizerConfig, StandardNormalizer};
        let normalizer = StandardNormalizer::new(NormalizerConfig::default());
        Prioritizer::new(
            PriorityConfig::default(),
            RiskLexicon::shipped(&normalizer).unwrap(),
        )
    }

    #[test]
    fn spikes_need_history_and_a_significant_day() {
        let mut t = SpikeTracker::new(7);
        // The stream's first day: no history, so no count to test.
        assert_eq!(t.record(Some(1), Some(100), true), None);
        // One negative record a day for a week.
        for day in 101..108 {
            assert_eq!(t.record(Some(1), Some(day), false), None);
            t.record(Some(1), Some(day), true);
        }
        // Day 108 has the whole week before it in the stream.
        let counts: Vec<_> = (0..8)
            .map(|_| t.record(Some(1), Some(108), true).unwrap())
            .collect();
        assert_eq!(
            counts[0],
            SpikeCount {
                today: 1,
                baseline: 7
            }
        );
        assert_eq!(
            counts[7],
            SpikeCount {
                today: 8,
                baseline: 7
            }
        );
        let p = prioritizer();
        assert!(!p.is_spike(counts[0]));
        // 8 in a day against 1 a day: p = 1.5e-5 by the conditional test.
        assert!(p.is_spike(counts[7]));
        // Another topic, undated and non-negative records do not count.
        assert_eq!(t.record(Some(2), Some(108), false), None);
        assert_eq!(t.record(Some(1), None, true), None);
        assert_eq!(
            t.record(Some(2), Some(108), true),
            Some(SpikeCount {
                today: 1,
                baseline: 0
            })
        );
    }

    #[test]
    fn spike_tracker_memory_stays_bounded() {
        let mut t = SpikeTracker::new(7);
        for day in 0..10_000 {
            t.record(Some(3), Some(day), true);
        }
        assert!(t.topics[&3].len() <= 4 * 8);
        // Still the right baseline after pruning.
        assert_eq!(
            t.record(Some(3), Some(9_999), true),
            Some(SpikeCount {
                today: 2,
                baseline: 7
            })
        );
    }

    #[test]
    fn topic_volume_adds_for_grievances_and_never_for_praise() {
        let p = prioritizer();
        let record = Record::new("1", "text");
        let score = |kind, share: Option<f32>| {
            p.assess(&PriorityInput {
                record: &record,
                kind,
                sentiment: Sentiment {
                    label: crate::sentiment::SentimentLabel::Negative,
                    score: -0.5,
                },
                risks: &[],
                topic: share.map(|negative_share| TopicVolume {
                    label: "物流 / 太慢",
                    negative_share,
                }),
            })
            .points
        };
        let none = score(Kind::Complaint, None);
        let small = score(Kind::Complaint, Some(0.01));
        let large = score(Kind::Complaint, Some(0.2));
        assert!(none < small && small < large);
        assert!((large - none - 8.0).abs() < 1e-4);
        assert_eq!(score(Kind::Praise, Some(0.2)), score(Kind::Praise, None));
        let mut c = PriorityConfig::default();
        c.topic.volume_full_at = 0.0;
        assert!(c.validate().unwrap_err().contains("volume_full_at"));
    }
}
