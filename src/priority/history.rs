//! Complete history: what priority counts across every record of a batch or file before it
//! scores any of them, so that no record's priority depends on where it sits.

use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeMap, HashMap};
use std::hash::{Hash, Hasher};

use super::{spike_p_value, SpikeCount, TopicPoints};
use crate::io::Timestamp;
use crate::kind::Kind;
use crate::learn::stats::{benjamini_hochberg, median};

/// The day of an undated grievance, sorted before every date.
const UNDATED: i32 = i32::MIN;

/// What one record tells the batch's history: who sent it and when, whether it is a
/// grievance, and its topic and whether it is negative. Twenty-odd bytes, kept per record
/// between the two passes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HistoryKey {
    /// A 64-bit hash of the `customer_id` (two customers in a batch share one with a chance
    /// of about n²/2⁶⁵).
    customer: Option<u64>,
    day: Option<i32>,
    topic: Option<u32>,
    kind: Kind,
    grievance: bool,
    negative: bool,
}

impl HistoryKey {
    /// The key of a record from `customer_id` and `created_at`, of `kind`, in `topic`, whose
    /// sentiment has `score` and whose label is negative or not.
    #[must_use]
    pub fn new(
        customer_id: Option<&str>,
        created_at: Option<&Timestamp>,
        topic: Option<u32>,
        kind: Kind,
        score: f32,
        negative: bool,
    ) -> Self {
        let customer = customer_id.filter(|s| !s.is_empty()).map(|id| {
            // SipHash with fixed keys: the same hash in every run.
            let mut h = DefaultHasher::new();
            id.hash(&mut h);
            h.finish()
        });
        HistoryKey {
            customer,
            // The date as written, in its own time zone, as reports count days.
            day: created_at.map(|t| {
                t.days_since_epoch()
                    .clamp(i64::from(i32::MIN + 1), i64::from(i32::MAX)) as i32
            }),
            topic,
            kind,
            grievance: is_grievance(kind, score),
            negative,
        }
    }

    /// Whether the record is a grievance: a complaint, or anything but praise with a negative
    /// score.
    #[must_use]
    pub fn grievance(&self) -> bool {
        self.grievance
    }

    /// The record's topic.
    #[must_use]
    pub fn topic(&self) -> Option<u32> {
        self.topic
    }

    /// The record's kind.
    #[must_use]
    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// The record's day (days since 1970-01-01), when dated.
    #[must_use]
    pub fn day(&self) -> Option<i64> {
        self.day.map(i64::from)
    }

    /// The key as 24 bytes, for a spill file.
    pub(crate) fn to_bytes(self) -> [u8; 24] {
        let mut b = [0u8; 24];
        b[..8].copy_from_slice(&self.customer.unwrap_or(0).to_le_bytes());
        b[8..12].copy_from_slice(&self.day.unwrap_or(0).to_le_bytes());
        b[12..16].copy_from_slice(&self.topic.unwrap_or(0).to_le_bytes());
        b[16] = u8::from(self.customer.is_some())
            | u8::from(self.day.is_some()) << 1
            | u8::from(self.topic.is_some()) << 2
            | u8::from(self.grievance) << 3
            | u8::from(self.negative) << 4;
        b[17] = Kind::ALL.iter().position(|&k| k == self.kind).unwrap_or(0) as u8;
        b
    }

    /// The key of [`Self::to_bytes`].
    pub(crate) fn from_bytes(b: &[u8; 24]) -> Self {
        let flag = |bit: u8| b[16] & (1 << bit) != 0;
        let u64_at = |i: usize| u64::from_le_bytes(b[i..i + 8].try_into().unwrap_or([0; 8]));
        let u32_at = |i: usize| u32::from_le_bytes(b[i..i + 4].try_into().unwrap_or([0; 4]));
        HistoryKey {
            customer: flag(0).then(|| u64_at(0)),
            day: flag(1).then(|| u32_at(8) as i32),
            topic: flag(2).then(|| u32_at(12)),
            kind: Kind::ALL
                .get(usize::from(b[17]))
                .copied()
                .unwrap_or(Kind::Other),
            grievance: flag(3),
            negative: flag(4),
        }
    }
}

/// A complaint, or anything but praise with a negative score.
pub(crate) fn is_grievance(kind: Kind, score: f32) -> bool {
    kind == Kind::Complaint || (kind != Kind::Praise && score < 0.0)
}

/// The first pass: counts of every record's [`HistoryKey`]. Memory grows with the batch's
/// grievances from known customers (12 bytes each) and its topics × days.
#[derive(Debug, Clone, Default)]
pub struct HistoryCounts {
    /// (customer, day or [`UNDATED`]) of every grievance from a known customer.
    grievances: Vec<(u64, i32)>,
    /// Negative records per topic and day.
    topic_days: HashMap<(u32, i32), u32>,
    /// Negative records per topic, dated or not.
    topic_negative: HashMap<u32, u64>,
    first_day: Option<i32>,
}

impl HistoryCounts {
    /// Counts one record.
    pub fn add(&mut self, key: &HistoryKey) {
        if let Some(day) = key.day {
            self.first_day = Some(self.first_day.map_or(day, |f| f.min(day)));
        }
        if let (Some(customer), true) = (key.customer, key.grievance) {
            self.grievances.push((customer, key.day.unwrap_or(UNDATED)));
        }
        if let (Some(topic), true) = (key.topic, key.negative) {
            *self.topic_negative.entry(topic).or_insert(0) += 1;
            if let Some(day) = key.day {
                *self.topic_days.entry((topic, day)).or_insert(0) += 1;
            }
        }
    }

    /// The complete history, with `rule`'s spike test, repeats within `window_days`, and the
    /// topic model's `topics` topics (for the median topic's volume).
    #[must_use]
    pub fn finish(mut self, rule: &TopicPoints, window_days: u32, topics: usize) -> History {
        self.grievances.sort_unstable();
        let counts: BTreeMap<(u32, i64), u32> = self
            .topic_days
            .iter()
            .map(|(&(t, d), &n)| ((t, i64::from(d)), n))
            .collect();
        let spikes = match self.first_day {
            Some(first) => spike_days(&counts, i64::from(first), rule)
                .into_iter()
                .map(|s| {
                    (
                        (s.topic, s.day as i32),
                        SpikeCount {
                            today: s.negative,
                            baseline: s.baseline,
                        },
                    )
                })
                .collect(),
            None => HashMap::new(),
        };
        // The median topic's negative records, topics without any counted as 0.
        let median = median(
            (0..topics as u32)
                .map(|t| self.topic_negative.get(&t).copied().unwrap_or(0))
                .collect(),
        );
        History {
            grievances: self.grievances,
            window: window_days.min(i32::MAX as u32) as i32,
            spikes,
            topic_negative: self.topic_negative,
            median,
        }
    }
}

/// The complete history of a batch ([`HistoryCounts::finish`]), which
/// [`Prioritizer::apply_history`](super::Prioritizer::apply_history) scores from.
#[derive(Debug, Clone, Default)]
pub struct History {
    grievances: Vec<(u64, i32)>,
    window: i32,
    spikes: HashMap<(u32, i32), SpikeCount>,
    topic_negative: HashMap<u32, u64>,
    median: f64,
}

impl History {
    /// The other grievances of the customer of `key` (a grievance) within the window around
    /// its date; all of them when it is undated, and undated ones whatever its date.
    #[must_use]
    pub fn repeats(&self, key: &HistoryKey) -> u32 {
        let Some(customer) = key.customer else {
            return 0;
        };
        let lo = self.grievances.partition_point(|e| e.0 < customer);
        let hi = self.grievances.partition_point(|e| e.0 <= customer);
        let mine = &self.grievances[lo..hi];
        let n = match key.day {
            None => mine.len(),
            Some(day) => {
                let undated = mine.partition_point(|e| e.1 == UNDATED);
                let from = mine.partition_point(|e| e.1 < day.saturating_sub(self.window));
                let to = mine.partition_point(|e| e.1 <= day.saturating_add(self.window));
                undated + to.saturating_sub(from.max(undated))
            }
        };
        // The record itself is one of them.
        n.saturating_sub(1) as u32
    }

    /// Topic `topic`'s negative records over the median topic's; `None` when the median
    /// topic has none.
    #[must_use]
    pub fn topic_ratio(&self, topic: u32) -> Option<f32> {
        let n = self.topic_negative.get(&topic).copied().unwrap_or(0);
        (self.median > 0.0).then(|| (n as f64 / self.median) as f32)
    }

    /// The counts of `topic`'s spike on `day`, when that day is one.
    #[must_use]
    pub fn spike(&self, topic: u32, day: Option<i64>) -> Option<SpikeCount> {
        let day = i32::try_from(day?).ok()?;
        self.spikes.get(&(topic, day)).copied()
    }

    /// Topic days with a spike.
    #[must_use]
    pub fn spike_count(&self) -> usize {
        self.spikes.len()
    }
}

/// A topic's day whose negative records spike ([`spike_days`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SpikeDay {
    /// The topic's id.
    pub topic: u32,
    /// The day (days since 1970-01-01, UTC).
    pub day: i64,
    /// The topic's negative records that day.
    pub negative: u32,
    /// Its negative records over the baseline days before.
    pub baseline: u32,
    /// The test's p-value.
    pub p: f64,
    /// The p-value adjusted over all the topic days tested (Benjamini–Hochberg).
    pub q: f64,
}

/// The topic days that spike, from the negative records per (topic, day) of a whole batch
/// whose first dated record is from `first_day`: every topic day with a negative record and
/// dated records from the whole baseline before it is tested (see the
/// [module](super) docs); the p-values are adjusted together and the days whose adjusted value
/// is under `rule.spike_p` are returned, by topic and day. Priority and `fankui report` both
/// use it, so the spike reasons of records and the report's spike list agree.
#[must_use]
pub fn spike_days(
    counts: &BTreeMap<(u32, i64), u32>,
    first_day: i64,
    rule: &TopicPoints,
) -> Vec<SpikeDay> {
    let window = i64::from(rule.spike_baseline_days.max(1));
    let mut tested: Vec<SpikeDay> = Vec::new();
    for (&(topic, day), &negative) in counts {
        if negative == 0 || day - window < first_day {
            continue;
        }
        let baseline: u32 = counts
            .range((topic, day - window)..(topic, day))
            .map(|(_, n)| *n)
            .sum();
        let p = spike_p_value(
            rule,
            SpikeCount {
                today: negative,
                baseline,
            },
        );
        tested.push(SpikeDay {
            topic,
            day,
            negative,
            baseline,
            p,
            q: 1.0,
        });
    }
    let q = benjamini_hochberg(&tested.iter().map(|t| t.p).collect::<Vec<_>>());
    tested
        .into_iter()
        .zip(q)
        .filter(|(t, q)| t.p < 1.0 && *q < rule.spike_p)
        .map(|(t, q)| SpikeDay { q, ..t })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(customer: &str, date: Option<&str>, kind: Kind) -> HistoryKey {
        let t = date.map(|d| Timestamp::parse(d).unwrap());
        HistoryKey::new(Some(customer), t.as_ref(), Some(1), kind, -0.5, true)
    }

    #[test]
    fn keys_round_trip_through_bytes() {
        for k in [
            key("c1", Some("2026-03-01"), Kind::Complaint),
            key("c2", None, Kind::Praise),
            HistoryKey::new(None, None, None, Kind::Question, 0.2, false),
        ] {
            assert_eq!(HistoryKey::from_bytes(&k.to_bytes()), k);
        }
    }

    #[test]
    fn repeats_count_other_grievances_within_the_window_either_side() {
        let mut counts = HistoryCounts::default();
        let keys = [
            key("c1", Some("2026-01-01"), Kind::Complaint),
            key("c1", Some("2026-02-15"), Kind::Complaint),
            key("c1", Some("2026-06-01"), Kind::Complaint),
            key("c1", None, Kind::Complaint),
            key("c1", Some("2026-02-16"), Kind::Praise),
            key("c2", Some("2026-02-15"), Kind::Complaint),
        ];
        for k in &keys {
            counts.add(k);
        }
        let h = counts.finish(&TopicPoints::default(), 90, 0);
        // Jan 1: Feb 15 (45 days later) and the undated one; not Jun 1.
        assert_eq!(h.repeats(&keys[0]), 2);
        assert_eq!(h.repeats(&keys[1]), 2);
        // Jun 1: 106 days after Feb 15; only the undated one.
        assert_eq!(h.repeats(&keys[2]), 1);
        // Undated: every other grievance.
        assert_eq!(h.repeats(&keys[3]), 3);
        assert_eq!(h.repeats(&keys[5]), 0);
        // The same whatever the order they were counted in.
        let mut reversed = HistoryCounts::default();
        for k in keys.iter().rev() {
            reversed.add(k);
        }
        let r = reversed.finish(&TopicPoints::default(), 90, 0);
        for k in &keys[..4] {
            assert_eq!(r.repeats(k), h.repeats(k));
        }
    }

    #[test]
    fn spike_days_adjust_for_every_day_tested() {
        let rule = TopicPoints::default();
        let mut counts = BTreeMap::new();
        // Topic 1: two a day for 60 days, then 14 on day 60.
        for day in 0..60 {
            counts.insert((1, day), 2);
        }
        counts.insert((1, 60), 14);
        // Topic 2: 6 on day 3 after one on day 0: no full baseline yet, not tested.
        counts.insert((2, 0), 1);
        counts.insert((2, 3), 6);
        let days = spike_days(&counts, 0, &rule);
        assert_eq!(days.len(), 1, "{days:?}");
        assert_eq!((days[0].topic, days[0].day), (1, 60));
        assert_eq!((days[0].negative, days[0].baseline), (14, 14));
        assert!(days[0].q >= days[0].p && days[0].q < 0.01);
        // A day that is significant alone (p < 0.01) but not after adjusting over many days.
        let mut many = BTreeMap::new();
        for topic in 0..200 {
            for day in 0..30 {
                many.insert((topic, day), 1);
            }
        }
        many.insert((0, 30), 6);
        let alone = spike_p_value(
            &rule,
            SpikeCount {
                today: 6,
                baseline: 7,
            },
        );
        assert!(alone < 0.01, "{alone}");
        assert!(spike_days(&many, 0, &rule).is_empty());
    }

    #[test]
    fn topic_volume_is_relative_to_the_median_topic() {
        let mut counts = HistoryCounts::default();
        for (topic, n) in [(0u32, 10), (1, 20), (2, 40)] {
            for _ in 0..n {
                counts.add(&HistoryKey::new(
                    None,
                    None,
                    Some(topic),
                    Kind::Complaint,
                    -0.5,
                    true,
                ));
            }
        }
        let h = counts.finish(&TopicPoints::default(), 90, 3);
        assert_eq!(h.topic_ratio(1), Some(1.0));
        assert_eq!(h.topic_ratio(2), Some(2.0));
        assert_eq!(h.topic_ratio(0), Some(0.5));
        // With a fourth topic that has no negative records the median is 15.
        let mut c = HistoryCounts::default();
        c.add(&HistoryKey::new(
            None,
            None,
            Some(2),
            Kind::Complaint,
            -0.5,
            true,
        ));
        assert_eq!(
            c.finish(&TopicPoints::default(), 90, 4).topic_ratio(2),
            None
        );
    }
}
