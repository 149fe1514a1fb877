//! Streaming aggregation: every figure of a report is an integer count or sum, so a tally of
//! any batch merges with any other exactly, in any order, and memory grows only with the
//! number of distinct groups and periods, never with the number of records.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::Serialize;

use super::period::Period;
use super::row::Row;
use crate::kind::Kind;
use crate::priority::Level;
use crate::sentiment::SentimentLabel;

/// A map keyed by group names; `entry_ref` looks a key up once and allocates only when it is
/// new.
pub(crate) type Map<V> = hashbrown::HashMap<Box<str>, V>;

/// What records can be grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    /// The input's `channel`.
    Channel,
    /// The detected language.
    Lang,
    /// Complaint, suggestion, praise, question, other.
    Kind,
    /// Negative, neutral, positive.
    Sentiment,
    /// The owning department.
    Department,
    /// The topic id.
    Topic,
    /// The input's `product`.
    Product,
    /// The input's `store`.
    Store,
}

impl Dimension {
    /// All of them, in output order.
    pub const ALL: [Dimension; 8] = [
        Dimension::Channel,
        Dimension::Lang,
        Dimension::Kind,
        Dimension::Sentiment,
        Dimension::Department,
        Dimension::Topic,
        Dimension::Product,
        Dimension::Store,
    ];

    /// The name used in options and output.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Dimension::Channel => "channel",
            Dimension::Lang => "lang",
            Dimension::Kind => "kind",
            Dimension::Sentiment => "sentiment",
            Dimension::Department => "department",
            Dimension::Topic => "topic",
            Dimension::Product => "product",
            Dimension::Store => "store",
        }
    }

    /// This record's key in this dimension, or `None` when it has none (no channel, no topic,
    /// not routed, …).
    pub(crate) fn key<'r>(self, row: &'r Row<'_>) -> Option<std::borrow::Cow<'r, str>> {
        use std::borrow::Cow;
        match self {
            Dimension::Channel => row.channel.as_deref().map(Cow::Borrowed),
            Dimension::Lang => row.lang.as_deref().map(Cow::Borrowed),
            Dimension::Kind => row.kind.map(|k| Cow::Borrowed(k.as_str())),
            Dimension::Sentiment => row.sentiment.map(|s| Cow::Borrowed(s.as_str())),
            Dimension::Department => row.department.as_deref().map(Cow::Borrowed),
            Dimension::Topic => row.topic.as_ref().map(|t| topic_key(t.0)),
            Dimension::Product => row.product.as_deref().map(Cow::Borrowed),
            Dimension::Store => row.store.as_deref().map(Cow::Borrowed),
        }
    }
}

/// A topic id as a group key; the small ids every model has are made once, not per record.
fn topic_key(id: u32) -> std::borrow::Cow<'static, str> {
    static SMALL: std::sync::OnceLock<Vec<Box<str>>> = std::sync::OnceLock::new();
    let small = SMALL.get_or_init(|| (0..1024u32).map(|i| i.to_string().into()).collect());
    match small.get(id as usize) {
        Some(s) => std::borrow::Cow::Borrowed(s),
        None => std::borrow::Cow::Owned(id.to_string()),
    }
}

impl std::str::FromStr for Dimension {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        Dimension::ALL
            .into_iter()
            .find(|d| d.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "unknown dimension {s:?}: expected one of {}",
                    Dimension::ALL.map(Dimension::as_str).join(", ")
                )
            })
    }
}

/// The counts of one group (or one group in one period).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Cell {
    pub n: u64,
    /// Negative, neutral, positive.
    pub sentiment: [u64; 3],
    /// Sum of sentiment scores, in thousandths.
    pub score_milli: i64,
    /// In the order of [`KINDS`].
    pub kind: [u64; 5],
    /// P1 … P4.
    pub level: [u64; 4],
    pub priority_sum: u64,
    /// Answers 0–10.
    pub nps: [u64; 11],
    /// Answers 1–5.
    pub csat: [u64; 5],
    /// Answers 1–7.
    pub ces: [u64; 7],
    /// Stars 1–5.
    pub rating: [u64; 5],
}

/// The kinds in the order of [`Cell::kind`].
pub(crate) const KINDS: [Kind; 5] = [
    Kind::Complaint,
    Kind::Suggestion,
    Kind::Question,
    Kind::Praise,
    Kind::Other,
];

fn kind_index(k: Kind) -> usize {
    KINDS.iter().position(|x| *x == k).unwrap_or(4)
}

pub(crate) fn level_index(l: Level) -> usize {
    match l {
        Level::P1 => 0,
        Level::P2 => 1,
        Level::P3 => 2,
        Level::P4 => 3,
    }
}

fn sentiment_index(s: SentimentLabel) -> usize {
    match s {
        SentimentLabel::Negative => 0,
        SentimentLabel::Neutral => 1,
        SentimentLabel::Positive => 2,
    }
}

impl Cell {
    pub(crate) fn add(&mut self, row: &Row<'_>) {
        self.n += 1;
        if let Some(s) = row.sentiment {
            self.sentiment[sentiment_index(s)] += 1;
        }
        self.score_milli += row.score_milli;
        if let Some(k) = row.kind {
            self.kind[kind_index(k)] += 1;
        }
        if let Some(l) = row.level {
            self.level[level_index(l)] += 1;
        }
        self.priority_sum += u64::from(row.priority);
        if let Some(v) = row.nps {
            self.nps[usize::from(v)] += 1;
        }
        if let Some(v) = row.csat {
            self.csat[usize::from(v) - 1] += 1;
        }
        if let Some(v) = row.ces {
            self.ces[usize::from(v) - 1] += 1;
        }
        if let Some(v) = row.rating {
            self.rating[usize::from(v) - 1] += 1;
        }
    }

    pub(crate) fn merge(&mut self, o: &Cell) {
        fn add<const N: usize>(a: &mut [u64; N], b: &[u64; N]) {
            for (x, y) in a.iter_mut().zip(b) {
                *x += y;
            }
        }
        self.n += o.n;
        add(&mut self.sentiment, &o.sentiment);
        self.score_milli += o.score_milli;
        add(&mut self.kind, &o.kind);
        add(&mut self.level, &o.level);
        self.priority_sum += o.priority_sum;
        add(&mut self.nps, &o.nps);
        add(&mut self.csat, &o.csat);
        add(&mut self.ces, &o.ces);
        add(&mut self.rating, &o.rating);
    }
}

/// Approximate top terms of a stream in bounded memory (Misra–Gries with lazy pruning): exact
/// while fewer than `capacity` distinct terms were seen; otherwise every count is low by at most
/// `seen / capacity`, and every term more frequent than that is kept.
///
/// The terms live in one arena string and the table holds their places with their hashes, so a
/// new term costs a copy of its bytes, not an allocation, and merging a counter does not hash
/// again. A merge prunes only after every term is in, so its outcome does not depend on the
/// order of the table.
#[derive(Debug, Clone, Default)]
pub(crate) struct TopTerms {
    table: hashbrown::HashTable<TermCount>,
    arena: String,
}

#[derive(Debug, Clone, Copy)]
struct TermCount {
    hash: u64,
    start: u32,
    len: u32,
    count: u64,
}

impl TermCount {
    fn term<'a>(&self, arena: &'a str) -> &'a str {
        &arena[self.start as usize..(self.start + self.len) as usize]
    }
}

/// Distinct terms kept per counter.
const TERMS_CAPACITY: usize = 1000;

fn hash_term(term: &str) -> u64 {
    use std::hash::BuildHasher;
    foldhash::fast::FixedState::with_seed(0x6661_6e6b_7569).hash_one(term)
}

/// Where a term of `len` bytes goes in an arena of `arena` bytes, as `u32`s: `None` when its
/// end would be past `u32::MAX`. Every term placed ends within it, so the arena stays under 4
/// GiB and a pruned (compacted) arena does too.
fn arena_place(arena: usize, len: usize) -> Option<(u32, u32)> {
    let start = u32::try_from(arena).ok()?;
    let len = u32::try_from(len).ok()?;
    start.checked_add(len)?;
    Some((start, len))
}

impl TopTerms {
    #[cfg(test)]
    fn add(&mut self, term: &str, by: u64) {
        self.add_with_hash(hash_term(term), term, by);
    }

    /// [`TopTerms::add`] with the term's [`hash_term`] already made (a record's keywords go
    /// into several counters).
    fn add_with_hash(&mut self, hash: u64, term: &str, by: u64) {
        self.add_hashed(hash, term, by);
        if self.table.len() > 2 * TERMS_CAPACITY {
            self.prune();
        }
    }

    fn add_hashed(&mut self, hash: u64, term: &str, by: u64) {
        let TopTerms { table, arena } = self;
        let entry = table.entry(
            hash,
            |e| e.hash == hash && e.term(arena) == term,
            |e| e.hash,
        );
        match entry {
            hashbrown::hash_table::Entry::Occupied(mut o) => o.get_mut().count += by,
            hashbrown::hash_table::Entry::Vacant(v) => {
                // A term that would take the arena past 4 GiB is not counted: terms are
                // keywords, and a prune keeps at most 2 × capacity of them between compactions.
                let Some((start, len)) = arena_place(arena.len(), term.len()) else {
                    return;
                };
                arena.push_str(term);
                v.insert(TermCount {
                    hash,
                    start,
                    len,
                    count: by,
                });
            }
        }
    }

    pub(crate) fn merge(&mut self, other: &TopTerms) {
        for e in &other.table {
            self.add_hashed(e.hash, e.term(&other.arena), e.count);
        }
        if self.table.len() > 2 * TERMS_CAPACITY {
            self.prune();
        }
    }

    /// Subtracts the count of the (capacity+1)-th term from all, drops those left at zero and
    /// compacts the arena.
    fn prune(&mut self) {
        let mut values: Vec<u64> = self.table.iter().map(|e| e.count).collect();
        let cut = *values
            .select_nth_unstable_by(TERMS_CAPACITY, |a, b| b.cmp(a))
            .1;
        let TopTerms { table, arena } = self;
        let mut kept = String::with_capacity(arena.len() / 2);
        table.retain(|e| {
            e.count = e.count.saturating_sub(cut);
            if e.count == 0 {
                return false;
            }
            // Lossless: `kept` holds some of the terms of the arena, which is under 4 GiB.
            let start = kept.len() as u32;
            kept.push_str(e.term(arena));
            e.start = start;
            true
        });
        *arena = kept;
    }

    /// The `k` most frequent, most frequent first, ties by term.
    pub(crate) fn top(&self, k: usize) -> Vec<(String, u64)> {
        let mut v: Vec<(&str, u64)> = self
            .table
            .iter()
            .map(|e| (e.term(&self.arena), e.count))
            .collect();
        v.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        v.into_iter()
            .take(k)
            .map(|(t, c)| (t.to_owned(), c))
            .collect()
    }
}

/// The rules (`priority.rule`) that set a level, kept whatever else a file holds: the
/// P1-class categories, the score, and [`UNKNOWN_RULE`].
const KNOWN_RULES: [&str; 11] = [
    "safety",
    "health",
    "legal",
    "regulator",
    "media",
    "fraud",
    "privacy",
    "high-value churn",
    "score",
    "score (no P1-class reason)",
    UNKNOWN_RULE,
];

/// The rule of a record without one (output written before `priority.rule` existed).
pub(crate) const UNKNOWN_RULE: &str = "unknown";

/// Distinct rules counted per level and department; the records of others are counted
/// together.
pub(crate) const RULES_KEPT: usize = 16;

/// The order in which rules are kept: the known ones first, then the others by hash. It does
/// not depend on the counts, which is what makes [`RuleCounts`] merge exactly.
fn rule_rank(rule: &str) -> (usize, u64, &str) {
    match KNOWN_RULES.iter().position(|k| *k == rule) {
        Some(i) => (i, 0, rule),
        None => (KNOWN_RULES.len(), hash_term(rule), rule),
    }
}

/// Records per rule that set one priority level, in bounded memory: the [`RULES_KEPT`] first
/// rules in the order of [`rule_rank`] are counted one by one, the records of any other rule in
/// `other`.
///
/// Exact under merging in any grouping: a rule among the kept ones of the whole stream is among
/// the kept ones of any part that has it (the order is fixed, and a part has no more rules than
/// the whole), so it is never folded into `other` on the way.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct RuleCounts {
    rules: Vec<(Box<str>, u64)>,
    other: u64,
}

impl RuleCounts {
    pub(crate) fn add(&mut self, rule: &str, by: u64) {
        if let Some(e) = self.rules.iter_mut().find(|e| *e.0 == *rule) {
            e.1 += by;
            return;
        }
        self.rules.push((rule.into(), by));
        if self.rules.len() > RULES_KEPT {
            let last = (0..self.rules.len())
                .max_by(|&a, &b| rule_rank(&self.rules[a].0).cmp(&rule_rank(&self.rules[b].0)))
                .unwrap_or(0);
            self.other += self.rules.swap_remove(last).1;
        }
    }

    pub(crate) fn merge(&mut self, o: &RuleCounts) {
        for (rule, n) in &o.rules {
            self.add(rule, *n);
        }
        self.other += o.other;
    }

    /// The rules, most records first (ties by name), and the records of the rules not kept.
    pub(crate) fn sorted(&self) -> (Vec<(&str, u64)>, u64) {
        let mut v: Vec<(&str, u64)> = self.rules.iter().map(|(r, n)| (&**r, *n)).collect();
        v.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        (v, self.other)
    }
}

/// One record shown as an example or at the top of a queue.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Item {
    /// The record's id.
    pub id: String,
    /// Priority score, 0–100.
    pub priority: u8,
    /// `P1` … `P4`.
    pub level: &'static str,
    /// Kind.
    pub kind: &'static str,
    /// Sentiment label.
    pub sentiment: &'static str,
    /// Topic label.
    pub topic: Option<String>,
    /// Department.
    pub department: Option<String>,
    /// The routing evidence.
    pub evidence: Vec<String>,
    /// Why the priority.
    pub reasons: Vec<String>,
    /// Channel.
    pub channel: Option<String>,
    /// Customer.
    pub customer_id: Option<String>,
    /// The text, cut to 280 characters.
    pub text: String,
    #[serde(skip)]
    pub(crate) seq: u64,
    /// Hash of the whole text (the shown one may be cut), which tells texts apart.
    #[serde(skip)]
    text_hash: u64,
}

/// Characters of text kept in an [`Item`].
const ITEM_TEXT_CHARS: usize = 280;

impl Item {
    pub(crate) fn from_row(row: &Row<'_>, seq: u64) -> Item {
        let text = row.text.as_deref().unwrap_or("");
        let text_hash = hash_term(text);
        let text = match text.char_indices().nth(ITEM_TEXT_CHARS) {
            Some((at, _)) => format!("{}…", &text[..at]),
            None => text.to_owned(),
        };
        Item {
            id: row.id.to_string(),
            priority: row.priority,
            level: row.level.map_or("P4", Level::as_str),
            kind: row.kind.map_or("other", Kind::as_str),
            sentiment: row.sentiment.map_or("neutral", SentimentLabel::as_str),
            topic: row.topic.as_ref().map(|t| t.1.to_string()),
            department: row.department.as_deref().map(str::to_owned),
            evidence: row.evidence.iter().map(Cow::into_owned).collect(),
            reasons: row.reasons.iter().map(Cow::into_owned).collect(),
            channel: row.channel.as_deref().map(str::to_owned),
            customer_id: row.customer_id.as_deref().map(str::to_owned),
            text,
            seq,
            text_hash,
        }
    }
}

/// The `k` highest-priority records of a stream with different texts (earlier records first on
/// ties): a text posted many times is shown once, by its best record.
///
/// Exact under merging in any grouping: a text among the `k` best of the whole stream is
/// among the `k` best of any part that holds its best record, since every text ranked above
/// it there ranks above it in the whole too.
#[derive(Debug, Clone, Default)]
pub(crate) struct TopItems {
    items: Vec<Item>,
}

impl TopItems {
    fn better(priority: u8, seq: u64, than: &Item) -> bool {
        (priority, std::cmp::Reverse(seq)) > (than.priority, std::cmp::Reverse(than.seq))
    }

    pub(crate) fn offer(&mut self, row: &Row<'_>, seq: u64, k: usize) {
        // Most records lose to the worst kept one and are not looked at further.
        if self.items.len() >= k {
            match self.worst() {
                Some(w) if Self::better(row.priority, seq, &self.items[w]) => {}
                _ => return,
            }
        }
        self.insert(Item::from_row(row, seq), k);
    }

    /// Keeps `item` if it is among the `k` best texts: in place of the same text's record
    /// when it is better than that one, else in place of the worst.
    fn insert(&mut self, item: Item, k: usize) {
        if let Some(same) = self
            .items
            .iter()
            .position(|i| i.text_hash == item.text_hash)
        {
            if Self::better(item.priority, item.seq, &self.items[same]) {
                self.items[same] = item;
            }
            return;
        }
        if self.items.len() < k {
            self.items.push(item);
        } else if let Some(w) = self.worst() {
            if Self::better(item.priority, item.seq, &self.items[w]) {
                self.items[w] = item;
            }
        }
    }

    fn worst(&self) -> Option<usize> {
        (0..self.items.len()).min_by(|&a, &b| {
            let (x, y) = (&self.items[a], &self.items[b]);
            (x.priority, std::cmp::Reverse(x.seq)).cmp(&(y.priority, std::cmp::Reverse(y.seq)))
        })
    }

    pub(crate) fn merge(&mut self, other: &TopItems, k: usize) {
        for item in &other.items {
            self.insert(item.clone(), k);
        }
    }

    /// Best first.
    pub(crate) fn sorted(&self) -> Vec<Item> {
        let mut v = self.items.clone();
        v.sort_by(|a, b| b.priority.cmp(&a.priority).then(a.seq.cmp(&b.seq)));
        v
    }
}

/// Per-group counts over time.
pub(crate) type Series = BTreeMap<i64, Cell>;

/// Everything a report counts.
#[derive(Debug, Clone, Default)]
pub(crate) struct Tally {
    pub overall: Cell,
    /// Per dimension (indexed like [`Dimension::ALL`]); records without a key are not counted.
    pub groups: [Map<Cell>; 8],
    /// Records with no key, per dimension.
    pub missing: [u64; 8],
    pub trend: Series,
    /// Per dimension in `by`, per key.
    pub trends: [Map<Series>; 8],
    pub undated: u64,
    /// Department → topic id (or "" for no topic) → counts, for routed records.
    pub department_topics: Map<Map<Cell>>,
    pub topic_labels: BTreeMap<u32, Box<str>>,
    /// Keywords of complaints and suggestions: overall, per department, per topic.
    pub keywords: TopTerms,
    pub department_keywords: Map<TopTerms>,
    pub topic_keywords: Map<TopTerms>,
    /// Highest-priority routed records per department.
    pub department_items: Map<TopItems>,
    /// Highest-priority records per topic.
    pub topic_items: Map<TopItems>,
    /// Per department, its aspects (clauses naming it) of each kind, in the order of
    /// [`KINDS`]: the praise of a team whose records went elsewhere is counted here.
    pub department_aspects: Map<[u64; 5]>,
    /// The department unassigned records were sent to (the first seen).
    pub fallback_to: Option<Box<str>>,
    /// Per department, per level (P1 … P4), the rules that set the level of its records.
    pub department_rules: Map<[RuleCounts; 4]>,
    /// The first and the last day with a dated record, in days since 1970-01-01 of the date as
    /// written (the day [`Period::key`] puts it in): which periods the data cover only in part.
    pub first_day: Option<i64>,
    /// See [`Tally::first_day`].
    pub last_day: Option<i64>,
    /// Negative records per topic and day (days since 1970-01-01 of the date as written), for
    /// the topic spike days priority gives points for.
    pub topic_days: BTreeMap<(u32, i64), u32>,
}

/// Keywords of a record counted in the keyword tables.
const KEYWORDS_PER_RECORD: usize = 3;

/// What a tally collects.
#[derive(Debug, Clone)]
pub(crate) struct TallyOptions {
    pub period: Period,
    pub by: Vec<Dimension>,
    pub items: usize,
}

fn index(d: Dimension) -> usize {
    Dimension::ALL.iter().position(|x| *x == d).unwrap_or(0)
}

fn cell<'m>(map: &'m mut Map<Cell>, key: &str) -> &'m mut Cell {
    map.entry_ref(key).or_default()
}

fn entry<'m, T: Default>(map: &'m mut Map<T>, key: &str) -> &'m mut T {
    map.entry_ref(key).or_default()
}

impl Tally {
    /// Counts one record; `seq` is its 1-based number in the input.
    pub(crate) fn add(&mut self, row: &Row<'_>, seq: u64, options: &TallyOptions) {
        self.overall.add(row);
        let keys = Dimension::ALL.map(|d| d.key(row));
        for (i, key) in keys.iter().enumerate() {
            match key {
                Some(key) => cell(&mut self.groups[i], key).add(row),
                None => self.missing[i] += 1,
            }
        }
        match row.created_at {
            Some(t) => {
                let day = t.days_since_epoch();
                if let (Some((topic, _)), Some(SentimentLabel::Negative)) =
                    (&row.topic, row.sentiment)
                {
                    *self.topic_days.entry((*topic, day)).or_insert(0) += 1;
                }
                self.first_day = Some(self.first_day.map_or(day, |d| d.min(day)));
                self.last_day = Some(self.last_day.map_or(day, |d| d.max(day)));
                let p = options.period.key(&t);
                self.trend.entry(p).or_default().add(row);
                for &d in &options.by {
                    if let Some(key) = &keys[index(d)] {
                        entry(&mut self.trends[index(d)], key)
                            .entry(p)
                            .or_default()
                            .add(row);
                    }
                }
            }
            None => self.undated += 1,
        }
        let topic_key = keys[index(Dimension::Topic)].as_deref();
        if let Some((id, label)) = &row.topic {
            if !self.topic_labels.contains_key(id) {
                self.topic_labels.insert(*id, label.as_ref().into());
            }
        }
        if let Some(dept) = &row.department {
            let topics = entry(&mut self.department_topics, dept);
            cell(topics, topic_key.unwrap_or("")).add(row);
            entry(&mut self.department_items, dept).offer(row, seq, options.items);
            if let Some(level) = row.level {
                entry(&mut self.department_rules, dept)[level_index(level)]
                    .add(row.rule.as_deref().unwrap_or(UNKNOWN_RULE), 1);
            }
        }
        if let Some(topic) = topic_key {
            entry(&mut self.topic_items, topic).offer(row, seq, 3);
        }
        for (kind, department) in &row.aspects {
            if let Some(d) = department {
                entry(&mut self.department_aspects, d)[kind_index(*kind)] += 1;
            }
        }
        if self.fallback_to.is_none() {
            self.fallback_to = row.fallback_to.as_deref().map(Into::into);
        }
        // A record's keywords come best first; its top three say what it is about. Each is
        // hashed once for the counters it goes into.
        let problem = matches!(row.kind, Some(Kind::Complaint | Kind::Suggestion));
        if !problem && topic_key.is_none() {
            return;
        }
        let mut keywords: [(u64, Cow<'_, str>); KEYWORDS_PER_RECORD] = Default::default();
        let mut n = 0;
        for (slot, k) in keywords.iter_mut().zip(row.keywords.iter()) {
            *slot = (hash_term(&k), k);
            n += 1;
        }
        let keywords = &keywords[..n];
        if problem {
            for (h, k) in keywords {
                self.keywords.add_with_hash(*h, k, 1);
            }
            if let Some(dept) = &row.department {
                let counter = entry(&mut self.department_keywords, dept);
                for (h, k) in keywords {
                    counter.add_with_hash(*h, k, 1);
                }
            }
        }
        if let Some(topic) = topic_key {
            let counter = entry(&mut self.topic_keywords, topic);
            for (h, k) in keywords {
                counter.add_with_hash(*h, k, 1);
            }
        }
    }

    /// Adds another tally (of later records) into this one.
    pub(crate) fn merge(&mut self, o: &Tally, options: &TallyOptions) {
        self.overall.merge(&o.overall);
        for i in 0..8 {
            for (k, c) in &o.groups[i] {
                cell(&mut self.groups[i], k).merge(c);
            }
            self.missing[i] += o.missing[i];
            for (k, series) in &o.trends[i] {
                merge_series(entry(&mut self.trends[i], k), series);
            }
        }
        merge_series(&mut self.trend, &o.trend);
        self.undated += o.undated;
        for (d, topics) in &o.department_topics {
            let mine = entry(&mut self.department_topics, d);
            for (t, c) in topics {
                cell(mine, t).merge(c);
            }
        }
        for (id, label) in &o.topic_labels {
            self.topic_labels
                .entry(*id)
                .or_insert_with(|| label.clone());
        }
        self.keywords.merge(&o.keywords);
        for (k, t) in &o.department_keywords {
            entry(&mut self.department_keywords, k).merge(t);
        }
        for (k, t) in &o.topic_keywords {
            entry(&mut self.topic_keywords, k).merge(t);
        }
        for (k, t) in &o.department_items {
            entry(&mut self.department_items, k).merge(t, options.items);
        }
        for (k, t) in &o.topic_items {
            entry(&mut self.topic_items, k).merge(t, 3);
        }
        for (d, counts) in &o.department_aspects {
            let mine = entry(&mut self.department_aspects, d);
            for (x, y) in mine.iter_mut().zip(counts) {
                *x += y;
            }
        }
        if self.fallback_to.is_none() {
            self.fallback_to.clone_from(&o.fallback_to);
        }
        for (d, levels) in &o.department_rules {
            let mine = entry(&mut self.department_rules, d);
            for (x, y) in mine.iter_mut().zip(levels) {
                x.merge(y);
            }
        }
        for (k, n) in &o.topic_days {
            *self.topic_days.entry(*k).or_insert(0) += n;
        }
        self.first_day = match (self.first_day, o.first_day) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.last_day = match (self.last_day, o.last_day) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
    }

    pub(crate) fn group(&self, d: Dimension) -> &Map<Cell> {
        &self.groups[index(d)]
    }

    pub(crate) fn missing(&self, d: Dimension) -> u64 {
        self.missing[index(d)]
    }

    pub(crate) fn trends(&self, d: Dimension) -> &Map<Series> {
        &self.trends[index(d)]
    }
}

fn merge_series(into: &mut Series, from: &Series) {
    for (p, c) in from {
        into.entry(*p).or_default().merge(c);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn term_arena_past_4_gib_skips_the_term_instead_of_panicking() {
        let max = u32::MAX as usize;
        assert_eq!(arena_place(0, 5), Some((0, 5)));
        assert_eq!(arena_place(max - 5, 5), Some((u32::MAX - 5, 5)));
        assert_eq!(arena_place(max - 5, 6), None);
        assert_eq!(arena_place(max + 1, 0), None);
        assert_eq!(arena_place(0, max + 1), None);
        assert_eq!(arena_place(usize::MAX, usize::MAX), None);
    }

    #[test]
    fn top_terms_are_exact_below_capacity_and_keep_the_heavy_ones_above() {
        let mut t = TopTerms::default();
        for i in 0..10_000u64 {
            t.add(&format!("rare{i}"), 1);
            if i % 3 == 0 {
                t.add("heavy", 1);
            }
            if i % 7 == 0 {
                t.add("medium", 1);
            }
        }
        let top = t.top(2);
        assert_eq!(top[0].0, "heavy");
        assert_eq!(top[1].0, "medium");
        // Low by at most seen / capacity.
        assert!(top[0].1 <= 3334 && top[0].1 + 15_000 / TERMS_CAPACITY as u64 >= 3334);
        let mut small = TopTerms::default();
        for w in ["a", "b", "a", "c", "a", "b"] {
            small.add(w, 1);
        }
        assert_eq!(
            small.top(5),
            vec![("a".into(), 3), ("b".into(), 2), ("c".into(), 1)]
        );
    }

    #[test]
    fn top_items_keep_the_best_record_of_each_text_whatever_the_batches() {
        // 400 records, priorities from a fixed generator; those of 90 and more are three
        // texts posted again and again, the rest 25 others.
        let mut x = 7u64;
        let records: Vec<(u8, String)> = (0..400)
            .map(|_| {
                x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                let p = (x >> 33) as u8 % 40 + 60;
                let text = if p >= 90 {
                    format!("hot {}", p % 3)
                } else {
                    format!("text {}", (x >> 45) % 25)
                };
                (p, text)
            })
            .collect();
        let k = 5;
        // By hand: each text's best record (highest priority, then earliest), the k best.
        let mut best: BTreeMap<&str, (u8, u64)> = BTreeMap::new();
        for (i, (p, t)) in records.iter().enumerate() {
            let seq = i as u64 + 1;
            let e = best.entry(t).or_insert((*p, seq));
            if (*p, std::cmp::Reverse(seq)) > (e.0, std::cmp::Reverse(e.1)) {
                *e = (*p, seq);
            }
        }
        let mut want: Vec<(u8, u64)> = best.into_values().collect();
        want.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        want.truncate(k);
        assert!(want[3].0 < 90, "three hot texts, then others: {want:?}");
        for batch in [1, 3, 17, 64, 400] {
            let mut total = TopItems::default();
            for (b, part) in records.chunks(batch).enumerate() {
                let mut top = TopItems::default();
                for (i, (p, t)) in part.iter().enumerate() {
                    let row = Row {
                        priority: *p,
                        text: Some(Cow::Borrowed(t)),
                        ..Row::default()
                    };
                    top.offer(&row, (b * batch + i) as u64 + 1, k);
                }
                total.merge(&top, k);
            }
            let got: Vec<(u8, u64)> = total.sorted().iter().map(|i| (i.priority, i.seq)).collect();
            assert_eq!(got, want, "batches of {batch}");
        }
    }

    #[test]
    fn top_items_tell_long_texts_apart_by_their_whole_text() {
        let head = "慢".repeat(ITEM_TEXT_CHARS);
        let texts = [
            format!("{head}一"),
            format!("{head}二"),
            format!("{head}一"),
        ];
        let mut top = TopItems::default();
        for (i, t) in texts.iter().enumerate() {
            let row = Row {
                priority: 80 - i as u8,
                text: Some(Cow::Borrowed(t)),
                ..Row::default()
            };
            top.offer(&row, i as u64 + 1, 5);
        }
        let got = top.sorted();
        // Both shown texts are the same cut, yet they are two texts; the repeat is one.
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].text, got[1].text);
        assert!(got[0].text.ends_with('…'));
        assert_eq!((got[0].seq, got[1].seq), (1, 2));
    }

    #[test]
    fn rule_counts_keep_the_known_rules_and_merge_exactly_in_any_grouping() {
        // Three known rules, 80 records each, among 16 made-up ones, 15 each: 19 in all.
        let mut stream: Vec<String> = Vec::new();
        for i in 0..400u64 {
            stream.push(match i % 5 {
                0 => "health".into(),
                1 => "score".into(),
                2 => UNKNOWN_RULE.into(),
                _ => format!("made-up {}", i % 40),
            });
        }
        let mut whole = RuleCounts::default();
        for r in &stream {
            whole.add(r, 1);
        }
        let (rules, other) = whole.sorted();
        assert_eq!(rules.len(), RULES_KEPT);
        assert_eq!(rules.iter().map(|r| r.1).sum::<u64>() + other, 400);
        for known in ["health", "score", UNKNOWN_RULE] {
            assert!(rules.contains(&(known, 80)), "{known}: {rules:?}");
        }
        // The same counts from any batches, merged in any order.
        for batch in [1, 7, 33, 400] {
            let parts: Vec<RuleCounts> = stream
                .chunks(batch)
                .map(|part| {
                    let mut c = RuleCounts::default();
                    for r in part {
                        c.add(r, 1);
                    }
                    c
                })
                .collect();
            for reverse in [false, true] {
                let mut merged = RuleCounts::default();
                let order: Vec<&RuleCounts> = if reverse {
                    parts.iter().rev().collect()
                } else {
                    parts.iter().collect()
                };
                for p in order {
                    merged.merge(p);
                }
                assert_eq!(merged.sorted(), whole.sorted(), "batches of {batch}");
            }
        }
        // Under the cap, every rule is counted.
        let mut few = RuleCounts::default();
        for r in ["health", "safety", "health", "odd one"] {
            few.add(r, 1);
        }
        assert_eq!(
            few.sorted(),
            (vec![("health", 2), ("odd one", 1), ("safety", 1)], 0)
        );
    }

    #[test]
    fn a_tally_knows_its_first_and_last_dated_day_whatever_the_batches() {
        let options = TallyOptions {
            period: Period::Week,
            by: Vec::new(),
            items: 1,
        };
        let days = [
            "2026-03-05",
            "2026-02-27",
            "",
            "2026-03-19T23:30:00+08:00",
            "2026-03-01",
        ];
        let rows: Vec<Row<'_>> = days
            .iter()
            .map(|d| Row {
                created_at: crate::io::Timestamp::parse(d),
                level: Some(Level::P2),
                department: Some(Cow::Borrowed("logistics")),
                ..Row::default()
            })
            .collect();
        let day = |s: &str| crate::io::Timestamp::parse(s).unwrap().days_since_epoch();
        for batch in 1..=rows.len() {
            let mut total = Tally::default();
            for part in rows.chunks(batch).rev() {
                let mut t = Tally::default();
                for r in part {
                    t.add(r, 1, &options);
                }
                total.merge(&t, &options);
            }
            // The date as written, as the periods have it: 03-19 in its own time zone.
            assert_eq!(total.first_day, Some(day("2026-02-27")), "{batch}");
            assert_eq!(total.last_day, Some(day("2026-03-19")), "{batch}");
            assert_eq!(total.undated, 1);
            let (rules, other) = total.department_rules["logistics"][1].sorted();
            assert_eq!((rules, other), (vec![(UNKNOWN_RULE, 5)], 0));
        }
        assert_eq!(Tally::default().first_day, None);
    }

    #[test]
    fn a_merge_does_not_depend_on_the_order_of_the_merged_table() {
        let terms: Vec<(String, u64)> = (0..1800u64)
            .map(|i| (format!("t{}", (i * 7) % 1500), 1 + i % 3))
            .collect();
        let mut forward = TopTerms::default();
        let mut backward = TopTerms::default();
        for (t, c) in &terms {
            forward.add(t, *c);
        }
        for (t, c) in terms.iter().rev() {
            backward.add(t, *c);
        }
        let mut base = TopTerms::default();
        for i in 0..1500u64 {
            base.add(&format!("t{}", i * 3 % 1700), 2);
        }
        let (mut x, mut y) = (base.clone(), base);
        x.merge(&forward);
        y.merge(&backward);
        assert_eq!(x.top(3000), y.top(3000));
        assert!(x.table.len() <= 2 * TERMS_CAPACITY);
    }
}

crate::types::display_as_str!(Dimension);
