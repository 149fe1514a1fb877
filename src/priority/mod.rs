//! Priority: a score from 0 to 100 for order, a level P1–P4 by meaning, and the reasons.
//!
//! # Levels
//!
//! | level | rule |
//! |---|---|
//! | P1, act today | a **P1-class reason** and a score of at least `levels.p1` (75) |
//! | P2, this week | a score of at least `levels.p2` (50); also a score of `levels.p1` or more without a P1-class reason |
//! | P3, plan for it | a score of at least `levels.p3` (25) |
//! | P4, no action | below |
//!
//! A P1-class reason is a risk of the urgency lexicon in a category other than churn
//! (safety, health, legal, regulator, media, fraud, privacy) whose strongest phrase weighs at
//! least `levels.p1_risk_weight` (2), or churn (at that weight) from a customer whose
//! `customer_value` is at least `value.high_at` (1000). Generic factors (kind, negativity,
//! repeats, topic volume, recency, channel) order records within a level and move them between
//! P2, P3 and P4, but never make P1 alone. [`Priority::rule`] tells which rule set the level:
//! the P1-class category, `score`, or `score (no P1-class reason)` for a record held at P2.
//!
//! # Score
//!
//! The score is a sum of points, each from one factor:
//!
//! | factor | points |
//! |---|---|
//! | kind | `kind.complaint` (40), `kind.suggestion` (20), `kind.question` (20), `kind.other` (5), `kind.praise` (0) |
//! | negative sentiment | `negativity` (20) × −score, when the score is negative |
//! | risk | for each risk category found (safety, health, legal, regulator, media, fraud, privacy, churn): the category's points × its strongest phrase's weight ÷ 3; the sum capped at `risk_cap` (50); a praise gets a quarter |
//! | customer value | `value.points` (10) × ln(1 + value) ÷ ln(1 + `value.full_at`), at most `value.points` |
//! | channel | `channel.<name>` (social 8; support, email, store, sales 2; review 1; survey 0; unknown 0) |
//! | repeat grievances | grievances only: `repeat.points` (6) per other grievance (a complaint, or anything but praise with a negative score) of the same `customer_id`, at most `repeat.cap` (15) |
//! | recency | `recency.points` (5) × 0.5^(age in days ÷ `recency.half_life_days` (30)), age from `created_at` to `reference_date` (default: today, UTC); undated records count as new |
//! | topic volume | with a topic model, not for praise: `topic.volume_points` (8) × (r − 1) ÷ (`topic.volume_full_ratio` (2) − 1), between 0 and 1, where r is the record's topic's negative records over those of the median topic |
//! | topic spike | with a topic model, grievances only: `topic.spike_points` (10) when the record's topic has a negative-volume spike on the record's day (below) |
//!
//! The sum `x` becomes the score as itself up to 70 and as `70 + 30·(1 − e^(−(x−70)/30))`
//! above (100 points give 89, 130 give 96), rounded. Every factor only adds, so a more
//! negative, riskier, more valuable, more repeated or more recent record of the same kind, or
//! one in a larger or spiking topic, never scores lower; and since a praise gets at most
//! `0.25·risk_cap + value + channel + recency` (35 with the defaults) it stays below every
//! complaint (40 at least).
//!
//! # History: repeats, topic volume and spikes
//!
//! Three factors look across records. How they are counted depends on the input
//! ([`History`]):
//!
//! - **Complete history** (a batch in memory, a file): every record is counted first and
//!   scored from the complete counts, so a record's priority does not depend on where it sits
//!   in the input. Repeat grievances are the customer's other grievances dated within
//!   `repeat.window_days` (90) of the record's date, on either side (an undated grievance
//!   counts whatever the date). Topic volume compares the topics' negative records in the
//!   batch. A topic spike is a topic's day that [`spike_days`] finds significant: each day's
//!   negative records of the topic against those of the `topic.spike_baseline_days` (7) days
//!   before it, by the exact conditional Poisson-rate test, with at least `topic.spike_min`
//!   (5) that day and dated records from the whole baseline, the p-values of every tested
//!   topic and day adjusted together (Benjamini–Hochberg) and held to `topic.spike_p` (0.01).
//!   `fankui report` lists the same days from the same test.
//! - **Streaming history** (a stream read once, such as standard input): counts in input
//!   order ([`StreamTracker`]). Repeats are the customer's earlier grievances in the stream;
//!   topic volume compares the topics of the topic model's fit; a spike is a day whose count
//!   so far is significant on its own (p < `topic.spike_p`) against the days before it, and
//!   only while the input is in time order: once a date goes backwards, spike points stop.

mod history;
mod risk;

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::collections::HashMap;

use serde::{Deserialize, Serialize};

pub(crate) use history::is_grievance;
pub use history::{spike_days, History, HistoryCounts, HistoryKey, SpikeDay};
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

/// The rule that set a record's level (see the [module](self) docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LevelRule {
    /// P1 for a risk of this category.
    Risk(RiskCategory),
    /// P1 for churn from a high-value customer.
    HighValueChurn,
    /// The score's level.
    Score,
    /// P2: the score reached P1's, without a P1-class reason.
    Held,
}

impl LevelRule {
    /// `safety` … `privacy`, `high-value churn`, `score`, `score (no P1-class reason)`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            LevelRule::Risk(c) => c.as_str(),
            LevelRule::HighValueChurn => "high-value churn",
            LevelRule::Score => "score",
            LevelRule::Held => "score (no P1-class reason)",
        }
    }
}

/// The factor a part of the score comes from; the order parts are summed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Factor {
    Kind,
    Negativity,
    Risk,
    Value,
    Channel,
    Recency,
    TopicVolume,
    Repeat,
    Spike,
    /// Not triaged (a text no model reads): the priority is 0, whatever else is known.
    Untriaged,
}

/// One factor's points and the reason it gives.
#[derive(Debug, Clone, PartialEq)]
struct Part {
    factor: Factor,
    points: f32,
    reason: Cow<'static, str>,
}

/// The priority of a record.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Priority {
    /// 0–100, for order.
    pub score: u8,
    /// From the score, the configured levels and the P1 rule.
    pub level: Level,
    /// Which rule set the level.
    pub rule: LevelRule,
    /// Why, most important first; a P1's P1-class reason comes first.
    pub reasons: Vec<Cow<'static, str>>,
    /// The unrounded, unclamped sum.
    pub points: f32,
    /// The points of each factor, in [`Factor`] order.
    parts: Vec<Part>,
    /// The P1-class reason, when the record has one.
    p1: Option<LevelRule>,
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
    /// The least value of a high-value customer, whose churn is a P1-class reason.
    pub high_at: f64,
}

impl Default for ValuePoints {
    fn default() -> Self {
        ValuePoints {
            points: 10.0,
            full_at: 10_000.0,
            high_at: 1_000.0,
        }
    }
}

/// Repeat-complaint points.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RepeatPoints {
    /// Per other grievance.
    pub points: f32,
    /// Most in all.
    pub cap: f32,
    /// With complete history: the days around a record's date within which the customer's
    /// other grievances count.
    pub window_days: u32,
}

impl Default for RepeatPoints {
    fn default() -> Self {
        RepeatPoints {
            points: 6.0,
            cap: 15.0,
            window_days: 90,
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
    /// The topic's negative records over the median topic's that earns them all (a topic at
    /// or under the median earns none).
    pub volume_full_ratio: f64,
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
            volume_full_ratio: 2.0,
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
    /// Least score of P1, which also needs a P1-class reason.
    pub p1: f32,
    /// Least score of P2.
    pub p2: f32,
    /// Least score of P3.
    pub p3: f32,
    /// Least weight of a risk phrase for a P1-class reason.
    pub p1_risk_weight: f32,
}

impl Default for Levels {
    fn default() -> Self {
        Levels {
            p1: 75.0,
            p2: 50.0,
            p3: 25.0,
            p1_risk_weight: 2.0,
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
/// value = { points = 10.0, full_at = 10000.0, high_at = 1000.0 }
/// repeat = { points = 6.0, cap = 15.0, window_days = 90 }
/// recency = { points = 5.0, half_life_days = 30.0, reference_date = "2026-06-30" }
/// topic = { volume_points = 8.0, volume_full_ratio = 2.0, spike_points = 10.0, spike_baseline_days = 7, spike_p = 0.01, spike_min = 5 }
/// levels = { p1 = 75.0, p2 = 50.0, p3 = 25.0, p1_risk_weight = 2.0 }
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
        if !(self.value.high_at >= 0.0 && self.value.high_at.is_finite()) {
            return Err(format!(
                "priority.value.high_at must be a number ≥ 0, found {}",
                self.value.high_at
            ));
        }
        if self.repeat.window_days == 0 {
            return Err("priority.repeat.window_days must be at least 1".into());
        }
        let t = self.topic;
        if !(t.volume_full_ratio > 1.0 && t.volume_full_ratio.is_finite()) {
            return Err(format!(
                "priority.topic.volume_full_ratio must be a number > 1, found {}",
                t.volume_full_ratio
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
        if !(l.p1_risk_weight >= 0.0 && l.p1_risk_weight.is_finite()) {
            return Err(format!(
                "priority.levels.p1_risk_weight must be a number ≥ 0, found {}",
                l.p1_risk_weight
            ));
        }
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
    /// The topic's negative records over those of the median topic (of the model's fit, or
    /// of the batch with complete history).
    pub ratio: f32,
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

    /// The configuration.
    #[must_use]
    pub fn config(&self) -> &PriorityConfig {
        &self.config
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

    /// The P1-class reason among `risks` (the most severe), for a record of
    /// `customer_value`: a non-churn category at `levels.p1_risk_weight` or more, or churn at
    /// that weight from a customer of at least `value.high_at`.
    #[must_use]
    pub fn p1_reason(
        &self,
        risks: &[(RiskCategory, f32, String)],
        customer_value: Option<f64>,
    ) -> Option<LevelRule> {
        let least = self.config.levels.p1_risk_weight;
        let strong = |c: &RiskCategory, w: &f32| *w >= least && *c != RiskCategory::Churn;
        if let Some((c, _, _)) = risks.iter().find(|(c, w, _)| strong(c, w)) {
            return Some(LevelRule::Risk(*c));
        }
        let high_value = customer_value.is_some_and(|v| v >= self.config.value.high_at);
        (high_value
            && risks
                .iter()
                .any(|(c, w, _)| *c == RiskCategory::Churn && *w >= least))
        .then_some(LevelRule::HighValueChurn)
    }

    /// The priority of one record from what it says and who sent it, with the topic volume
    /// of `input.topic` and no repeats or spikes (see [`Self::add_repeats`],
    /// [`Self::add_spike`] and [`Self::apply_history`]).
    #[must_use]
    pub fn assess(&self, input: &PriorityInput<'_>) -> Priority {
        let c = &self.config;
        let mut parts: Vec<Part> = Vec::with_capacity(8);
        let mut part = |factor, points: f32, reason: Cow<'static, str>| {
            parts.push(Part {
                factor,
                points,
                reason,
            });
        };
        part(
            Factor::Kind,
            c.kind.of(input.kind),
            input.kind.as_str().into(),
        );
        let neg = (-input.sentiment.score).max(0.0);
        if neg > 0.0 {
            let label = if neg >= 0.6 {
                "strong negative"
            } else {
                "negative"
            };
            part(Factor::Negativity, c.negativity * neg, label.into());
        }
        let found = input.risks;
        let p1 = if input.kind == Kind::Praise {
            None
        } else {
            self.p1_reason(found, input.record.customer_value)
        };
        if !found.is_empty() {
            let mut risk_points = 0.0;
            let mut reasons = Vec::with_capacity(found.len());
            for (category, weight, evidence) in found {
                risk_points += c.risk.of(*category) * weight / 3.0;
                let reason = format!("{}: {evidence}", category.as_str());
                // The P1-class category first.
                let leads = match p1 {
                    Some(LevelRule::Risk(p)) => p == *category,
                    Some(LevelRule::HighValueChurn) => *category == RiskCategory::Churn,
                    _ => false,
                };
                if leads {
                    reasons.insert(0, reason);
                } else {
                    reasons.push(reason);
                }
            }
            let scale = if input.kind == Kind::Praise {
                0.25
            } else {
                1.0
            };
            part(
                Factor::Risk,
                risk_points.min(c.risk_cap) * scale,
                reasons.join("; ").into(),
            );
        }
        if let Some(v) = input.record.customer_value.filter(|v| *v > 0.0) {
            let share = ((1.0 + v).ln() / (1.0 + c.value.full_at).ln()).min(1.0) as f32;
            let label = if v >= c.value.high_at {
                "high-value customer"
            } else {
                "customer value"
            };
            part(Factor::Value, c.value.points * share, label.into());
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
                part(Factor::Channel, p, format!("channel: {ch}").into());
            }
        }
        let age = input
            .record
            .created_at
            .map_or(0, |t| (self.today - day_number(&t)).max(0));
        if c.recency.points > 0.0 {
            let fresh = 0.5f32.powf(age as f32 / c.recency.half_life_days);
            let label = if age <= 7 { "recent" } else { "recency" };
            part(Factor::Recency, c.recency.points * fresh, label.into());
        }
        if let Some((points, reason)) = self.topic_volume(input.kind, input.topic) {
            part(Factor::TopicVolume, points, reason);
        }
        self.finish(parts, p1)
    }

    /// The priority of a record that was not triaged, and why: a score of 0, whatever its
    /// other fields say, and `why` as its one reason.
    #[must_use]
    pub fn untriaged(&self, why: &'static str) -> Priority {
        let part = Part {
            factor: Factor::Untriaged,
            points: 0.0,
            reason: why.into(),
        };
        self.finish(vec![part], None)
    }

    /// The priority of `parts` (in [`Factor`] order) and P1-class reason `p1`.
    fn finish(&self, parts: Vec<Part>, p1: Option<LevelRule>) -> Priority {
        if let Some(part) = parts.iter().find(|p| p.factor == Factor::Untriaged) {
            return Priority {
                score: 0,
                level: self.config.level(0),
                rule: LevelRule::Score,
                reasons: vec![part.reason.clone()],
                points: 0.0,
                parts,
                p1: None,
            };
        }
        let points: f32 = parts.iter().map(|p| p.points).sum();
        let score = compress(points).round() as u8;
        let (level, rule) = match (self.config.level(score), p1) {
            (Level::P1, Some(rule)) => (Level::P1, rule),
            (Level::P1, None) => (Level::P2, LevelRule::Held),
            (level, _) => (level, LevelRule::Score),
        };
        // Reasons: the largest contributions first (a P1's risk before everything), tiny ones
        // left out.
        let mut order: Vec<&Part> = parts.iter().filter(|p| p.points >= 1.0).collect();
        order.sort_by(|a, b| {
            let first = |p: &Part| level == Level::P1 && p.factor == Factor::Risk;
            first(b).cmp(&first(a)).then(b.points.total_cmp(&a.points))
        });
        let reasons = order.into_iter().map(|p| p.reason.clone()).collect();
        Priority {
            score,
            level,
            rule,
            reasons,
            points,
            parts,
            p1,
        }
    }

    /// Sets (or, with `None`, removes) the part of `factor` in `priority`.
    fn set_part(
        &self,
        priority: &mut Priority,
        factor: Factor,
        part: Option<(f32, Cow<'static, str>)>,
    ) {
        let mut parts = std::mem::take(&mut priority.parts);
        replace_part(&mut parts, factor, part);
        *priority = self.finish(parts, priority.p1);
    }

    /// The topic-volume points of a record of `kind` in `topic` (none for praise).
    fn topic_volume(
        &self,
        kind: Kind,
        topic: Option<TopicVolume>,
    ) -> Option<(f32, Cow<'static, str>)> {
        let t = self.config.topic;
        let topic = topic.filter(|_| kind != Kind::Praise)?;
        let share =
            ((f64::from(topic.ratio) - 1.0) / (t.volume_full_ratio - 1.0)).clamp(0.0, 1.0) as f32;
        (t.volume_points > 0.0 && share > 0.0).then(|| {
            let reason = if share >= 0.5 {
                format!(
                    "large topic: {} ({:.1}× the median topic)",
                    topic.label, topic.ratio
                )
            } else {
                format!("topic: {}", topic.label)
            };
            (t.volume_points * share, reason.into())
        })
    }

    /// The repeat points of a grievance whose customer raised `others` other ones.
    fn repeats(&self, others: u32) -> Option<(f32, Cow<'static, str>)> {
        let r = self.config.repeat;
        (others > 0).then(|| {
            (
                (r.points * others as f32).min(r.cap),
                if others == 1 {
                    "repeat customer (1 other grievance)".into()
                } else {
                    format!("repeat customer ({others} other grievances)").into()
                },
            )
        })
    }

    /// The spike points of a grievance in topic `label`, which has a spike on its day.
    fn spike(&self, label: &str, count: SpikeCount) -> (f32, Cow<'static, str>) {
        let days = self.config.topic.spike_baseline_days;
        let reason = format!(
            "topic spike: {label} ({} negative that day, {} in the {days} days before)",
            count.today, count.baseline
        );
        (self.config.topic.spike_points, reason.into())
    }

    /// Raises `priority` for a grievance whose customer raised `others` other ones.
    pub fn add_repeats(&self, priority: &mut Priority, others: u32) {
        self.set_part(priority, Factor::Repeat, self.repeats(others));
    }

    /// Whether `count` negative records of a topic on one day, against `baseline` over the
    /// configured number of days before it, are a spike on their own (the streaming test;
    /// with complete history, [`spike_days`] adjusts for the number of days tested).
    #[must_use]
    pub fn is_spike(&self, count: SpikeCount) -> bool {
        spike_p_value(&self.config.topic, count) < self.config.topic.spike_p
    }

    /// Raises `priority` for a grievance in topic `label`, which has a spike on its day.
    pub fn add_spike(&self, priority: &mut Priority, label: &str, count: SpikeCount) {
        self.set_part(priority, Factor::Spike, Some(self.spike(label, count)));
    }

    /// Applies the batch's complete `history` to the priority of the record of `key`: repeat
    /// grievances, the topic's volume in the batch (replacing the fit's) and its spikes.
    /// `label` is the record's topic's label.
    pub fn apply_history(
        &self,
        history: &History,
        key: &HistoryKey,
        label: Option<&str>,
        priority: &mut Priority,
    ) {
        let mut parts = std::mem::take(&mut priority.parts);
        if key.grievance() {
            replace_part(
                &mut parts,
                Factor::Repeat,
                self.repeats(history.repeats(key)),
            );
        }
        if let (Some(topic), Some(label)) = (key.topic(), label) {
            let volume = history
                .topic_ratio(topic)
                .map(|ratio| TopicVolume { label, ratio });
            replace_part(
                &mut parts,
                Factor::TopicVolume,
                self.topic_volume(key.kind(), volume),
            );
            if key.grievance() {
                if let Some(count) = history.spike(topic, key.day()) {
                    replace_part(&mut parts, Factor::Spike, Some(self.spike(label, count)));
                }
            }
        }
        *priority = self.finish(parts, priority.p1);
    }

    /// Appends `priority`'s parts and P1-class reason to `out`, for [`Self::decode`].
    pub(crate) fn encode(priority: &Priority, out: &mut Vec<u8>) {
        out.push(match priority.p1 {
            None => 0,
            Some(LevelRule::Risk(c)) => 1 + c as u8,
            Some(_) => 255,
        });
        out.push(priority.parts.len().min(255) as u8);
        for p in priority.parts.iter().take(255) {
            out.push(p.factor as u8);
            out.extend_from_slice(&p.points.to_le_bytes());
            out.extend_from_slice(&(p.reason.len() as u32).to_le_bytes());
            out.extend_from_slice(p.reason.as_bytes());
        }
    }

    /// The priority [`Self::encode`] wrote at the start of `bytes`, and the bytes it took;
    /// `None` if they are not such an encoding.
    pub(crate) fn decode(&self, bytes: &[u8]) -> Option<(Priority, usize)> {
        const FACTORS: [Factor; 10] = [
            Factor::Kind,
            Factor::Negativity,
            Factor::Risk,
            Factor::Value,
            Factor::Channel,
            Factor::Recency,
            Factor::TopicVolume,
            Factor::Repeat,
            Factor::Spike,
            Factor::Untriaged,
        ];
        let p1 = match *bytes.first()? {
            0 => None,
            255 => Some(LevelRule::HighValueChurn),
            c => Some(LevelRule::Risk(*RiskCategory::ALL.get(usize::from(c) - 1)?)),
        };
        let n = usize::from(*bytes.get(1)?);
        let mut at = 2;
        let mut parts = Vec::with_capacity(n);
        for _ in 0..n {
            let factor = *FACTORS.get(usize::from(*bytes.get(at)?))?;
            let points = f32::from_le_bytes(bytes.get(at + 1..at + 5)?.try_into().ok()?);
            let len = u32::from_le_bytes(bytes.get(at + 5..at + 9)?.try_into().ok()?) as usize;
            let reason = std::str::from_utf8(bytes.get(at + 9..at + 9 + len)?).ok()?;
            at += 9 + len;
            parts.push(Part {
                factor,
                points,
                reason: reason.to_owned().into(),
            });
        }
        Some((self.finish(parts, p1), at))
    }

    /// Days in a spike's baseline.
    pub(crate) fn spike_baseline_days(&self) -> u32 {
        self.config.topic.spike_baseline_days
    }
}

/// Sets (or, with `None`, removes) the part of `factor` in `parts`, which stay in [`Factor`]
/// order.
fn replace_part(parts: &mut Vec<Part>, factor: Factor, part: Option<(f32, Cow<'static, str>)>) {
    parts.retain(|p| p.factor != factor);
    if let Some((points, reason)) = part.filter(|(p, _)| *p > 0.0) {
        let at = parts.partition_point(|p| p.factor < factor);
        parts.insert(
            at,
            Part {
                factor,
                points,
                reason,
            },
        );
    }
}

/// The p-value of a topic's day by the spike test (1 when under `spike_min` or not above the
/// baseline's mean).
fn spike_p_value(t: &TopicPoints, count: SpikeCount) -> f64 {
    let days = u64::from(t.spike_baseline_days);
    let (today, baseline) = (u64::from(count.today), u64::from(count.baseline));
    if count.today < t.spike_min || today * days <= baseline {
        1.0
    } else {
        crate::learn::stats::poisson_rate_test(today, baseline, days)
    }
}

/// A topic's negative records on one day, and over the days before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpikeCount {
    /// On the record's day.
    pub today: u32,
    /// Over the baseline days before it.
    pub baseline: u32,
}

/// Counts negative records per topic and day, in input order, for topic spikes in a stream;
/// memory stays bounded by topics × days in the window. Once a record's day is before one
/// already seen, the input is not in time order and it counts no more spikes.
#[derive(Debug, Clone)]
pub struct SpikeTracker {
    window: i64,
    first_day: Option<i64>,
    last_day: Option<i64>,
    records: u64,
    unsorted_at: Option<u64>,
    topics: HashMap<u32, BTreeMap<i64, u32>>,
}

impl SpikeTracker {
    /// With a baseline of `baseline_days` days before each record's day.
    #[must_use]
    pub fn new(baseline_days: u32) -> Self {
        SpikeTracker {
            window: i64::from(baseline_days.max(1)),
            first_day: None,
            last_day: None,
            records: 0,
            unsorted_at: None,
            topics: HashMap::new(),
        }
    }

    /// The number (1-based, among the records counted) of the first record dated before an
    /// earlier one: from it on, no spikes are counted.
    #[must_use]
    pub fn unsorted_at(&self) -> Option<u64> {
        self.unsorted_at
    }

    /// Counts one record of `day` (days since 1970-01-01; `None` when undated): every dated
    /// record extends the stream's history; a negative one in a topic counts for that topic.
    /// Returns the topic's counts when the record is negative, in a topic and dated, the
    /// stream already has dated records from the whole baseline before its day, and the
    /// stream is in time order so far.
    pub fn record(
        &mut self,
        topic: Option<u32>,
        day: Option<i64>,
        negative: bool,
    ) -> Option<SpikeCount> {
        self.records += 1;
        let day = day?;
        if self.last_day.is_some_and(|last| day < last) && self.unsorted_at.is_none() {
            self.unsorted_at = Some(self.records);
            self.topics.clear();
        }
        if self.unsorted_at.is_some() {
            return None;
        }
        self.last_day = Some(day);
        let first = *self.first_day.get_or_insert(day);
        let topic = topic.filter(|_| negative)?;
        let days = self.topics.entry(topic).or_default();
        let today = {
            let n = days.entry(day).or_insert(0);
            *n += 1;
            *n
        };
        let baseline = days.range(day - self.window..day).map(|(_, n)| *n).sum();
        // Keep the window before the newest day.
        if days.len() as i64 > 2 * (self.window + 1) {
            *days = days.split_off(&(day - self.window));
        }
        (first <= day - self.window).then_some(SpikeCount { today, baseline })
    }
}

/// Everything priority counts across the records of a stream, in input order: repeat
/// grievances per customer and topic spikes.
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

/// Counts grievances per customer, in input order, across a stream.
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
        assert!(t.topics[&3].len() <= 2 * 8 + 1);
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
    fn a_day_before_an_earlier_one_stops_spikes_in_a_stream() {
        let mut t = SpikeTracker::new(7);
        for day in 100..110 {
            t.record(Some(1), Some(day), true);
        }
        assert!(t.record(Some(1), Some(110), true).is_some());
        assert_eq!(t.unsorted_at(), None);
        // Record 12 goes back a day: no counts from it on, even in order again.
        assert_eq!(t.record(Some(1), Some(109), true), None);
        assert_eq!(t.unsorted_at(), Some(12));
        assert_eq!(t.record(Some(1), Some(111), true), None);
    }

    fn negative(score: f32) -> Sentiment {
        Sentiment {
            label: crate::sentiment::SentimentLabel::Negative,
            score,
        }
    }

    #[test]
    fn topic_volume_counts_only_above_the_median_topic_and_never_for_praise() {
        let p = prioritizer();
        let record = Record::new("1", "text");
        let score = |kind, ratio: Option<f32>| {
            p.assess(&PriorityInput {
                record: &record,
                kind,
                sentiment: negative(-0.5),
                risks: &[],
                topic: ratio.map(|ratio| TopicVolume {
                    label: "物流 / 太慢",
                    ratio,
                }),
            })
            .points
        };
        let none = score(Kind::Complaint, None);
        assert_eq!(score(Kind::Complaint, Some(0.5)), none);
        assert_eq!(score(Kind::Complaint, Some(1.0)), none);
        assert!((score(Kind::Complaint, Some(1.5)) - none - 4.0).abs() < 1e-4);
        assert!((score(Kind::Complaint, Some(3.0)) - none - 8.0).abs() < 1e-4);
        assert_eq!(score(Kind::Praise, Some(3.0)), score(Kind::Praise, None));
        let mut c = PriorityConfig::default();
        c.topic.volume_full_ratio = 1.0;
        assert!(c.validate().unwrap_err().contains("volume_full_ratio"));
    }

    #[test]
    fn p1_needs_a_p1_class_reason() {
        let p = prioritizer();
        let mut record = Record::new("1", "text");
        record.channel = Some("social".into());
        let assess = |record: &Record, kind, risks: &[(RiskCategory, f32, String)]| {
            p.assess(&PriorityInput {
                record,
                kind,
                sentiment: negative(-1.0),
                risks,
                topic: Some(TopicVolume {
                    label: "t",
                    ratio: 3.0,
                }),
            })
        };
        // complaint 40 + negativity 20 + social 8 + recency 5 + topic 8 = 81: P1's score,
        // held at P2 without a P1-class reason.
        let mut plain = assess(&record, Kind::Complaint, &[]);
        assert!(plain.score >= 75, "{plain:?}");
        assert_eq!((plain.level, plain.rule), (Level::P2, LevelRule::Held));
        // Generic factors on top change the score, never the level.
        p.add_repeats(&mut plain, 3);
        p.add_spike(
            &mut plain,
            "t",
            SpikeCount {
                today: 30,
                baseline: 7,
            },
        );
        assert_eq!(plain.level, Level::P2);
        assert!(plain
            .reasons
            .iter()
            .any(|r| r.starts_with("repeat customer")));
        // A weak risk phrase adds points but is no P1-class reason.
        let weak = assess(
            &record,
            Kind::Complaint,
            &[(RiskCategory::Health, 1.0, "不舒服".into())],
        );
        assert_eq!((weak.level, weak.rule), (Level::P2, LevelRule::Held));
        let health = assess(
            &record,
            Kind::Complaint,
            &[(RiskCategory::Health, 3.0, "食物中毒".into())],
        );
        assert_eq!(health.level, Level::P1);
        assert_eq!(health.rule, LevelRule::Risk(RiskCategory::Health));
        assert_eq!(health.reasons[0], "health: 食物中毒");
        // With a weaker risk of another category, the P1-class one leads the reason.
        let both = assess(
            &record,
            Kind::Complaint,
            &[
                (RiskCategory::Safety, 1.0, "烫".into()),
                (RiskCategory::Health, 3.0, "食物中毒".into()),
            ],
        );
        assert_eq!(both.reasons[0], "health: 食物中毒; safety: 烫");
        // Churn is P1-class only from a high-value customer.
        let churn = [(RiskCategory::Churn, 3.0, "cancel my account".to_owned())];
        assert_eq!(assess(&record, Kind::Complaint, &churn).level, Level::P2);
        record.customer_value = Some(5_000.0);
        let valuable = assess(&record, Kind::Complaint, &churn);
        assert_eq!(
            (valuable.level, valuable.rule),
            (Level::P1, LevelRule::HighValueChurn)
        );
        // A praise is never P1.
        let praise = assess(
            &record,
            Kind::Praise,
            &[(RiskCategory::Safety, 3.0, "fire".into())],
        );
        assert_eq!(praise.rule, LevelRule::Score);
        assert!(praise.level > Level::P1);
    }

    #[test]
    fn priorities_survive_the_spill_encoding() {
        let p = prioritizer();
        let mut record = Record::new("1", "text");
        record.customer_value = Some(2_000.0);
        let mut priority = p.assess(&PriorityInput {
            record: &record,
            kind: Kind::Complaint,
            sentiment: negative(-0.7),
            risks: &[(RiskCategory::Churn, 3.0, "退货退款".into())],
            topic: None,
        });
        p.add_repeats(&mut priority, 2);
        let mut bytes = Vec::new();
        Prioritizer::encode(&priority, &mut bytes);
        bytes.extend_from_slice(b"rest");
        let (back, used) = p.decode(&bytes).unwrap();
        assert_eq!(back, priority);
        assert_eq!(&bytes[used..], b"rest");
        assert!(p.decode(&bytes[..used - 1]).is_none());
    }
}

crate::types::display_as_str!(Level);
