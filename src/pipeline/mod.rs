//! The engine: stages wired together, built once, cloned cheaply, used from many threads.

mod aspects;
mod config;
mod json;
mod output;
pub(crate) mod parallel;
mod spill;
mod stream;
mod topics;

use std::cell::RefCell;
use std::path::PathBuf;
use std::sync::Arc;

pub use aspects::Aspect;
pub use config::{EngineConfig, Limits};
pub use output::{
    csv_analysis_columns, csv_row, write_json_line, OutputOptions, OutputRecord, OUTPUT_KEYS,
};
pub use parallel::Parallelism;
pub use stream::{run_stream, scan_stream, HistoryMode, StreamOptions, Summary};
pub use topics::{fit_topics, TopicFit};

use crate::error::{Error, Result};
use crate::io::{Record, Timestamp};
use crate::keywords::{extract_terms, Keyword, KeywordExtractor, PhraseLexicon, Terms};
use crate::kind::{Kind, KindInput, KindModel, LearnedKind, RuleKind};
use crate::lang::{LanguageDetector, StandardDetector};
use crate::learn::{ClassModel, FeatureSpec, SparseDoc};
use crate::phrases::{PhraseHit, PhraseScan, PhraseScanner, PhraseSet};
use crate::priority::{
    History, HistoryCounts, HistoryKey, Prioritizer, Priority, PriorityInput, RiskLexicon,
    StreamTracker, TopicVolume,
};
use crate::route::{
    DepartmentScore, LearnedRouter, RouteInput, Router, Routing, RuleRouter, Taxonomy,
};
use crate::segment::{split_clauses, Clause, Normalized};
use crate::segment::{Normalizer, Segmenter, StandardNormalizer, UserDict, UserWord};
use crate::sentiment::{Sentiment, SentimentLabel, SentimentModel};
use crate::topics::{TopicDoc, TopicModel};
use crate::types::{ChineseScript, Lang, Tokens};
use aspects::actionability;
use parallel::Executor;

/// What the engine found in one record. Serialised (serde), it is the documented output
/// object without the input's other fields.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Analysis {
    /// The record's id.
    pub id: String,
    /// The record's text, which keywords and evidence are spans of.
    pub text: String,
    /// Its language.
    pub lang: Lang,
    /// Its Chinese script, when it has Chinese.
    pub script: Option<ChineseScript>,
    /// Its tokens, as spans of the record's text.
    pub tokens: Tokens,
    /// Its sentiment.
    pub sentiment: Sentiment,
    /// Complaint, suggestion, praise, question or other.
    pub kind: Kind,
    /// Its keywords, best first.
    pub keywords: Vec<Keyword>,
    /// Its topic, when the engine has a topic model and the record is not an outlier.
    pub topic: Option<AssignedTopic>,
    /// The owning department; `None` for praise and other feedback nobody needs to act on.
    pub department: Option<Routing>,
    /// Its priority. Within a batch or stream, a complaint's priority counts the same
    /// customer's earlier complaints.
    pub priority: Priority,
    /// Its clauses that carry an opinion or a request, in text order.
    pub aspects: Vec<Aspect>,
    /// Whether it is a complaint that also praises.
    pub mixed: bool,
}

/// What triage decides about a record.
struct Triage {
    kind: Kind,
    department: Option<Routing>,
    priority: Priority,
    aspects: Vec<Aspect>,
}

/// What the engine found in one record's text alone ([`Engine::analyze_text`]): an
/// [`Analysis`] without kind, department and priority.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct TextAnalysis {
    /// The record's id.
    pub id: String,
    /// Its language.
    pub lang: Lang,
    /// Its Chinese script, when it has Chinese.
    pub script: Option<ChineseScript>,
    /// Its tokens, as spans of the record's text.
    pub tokens: Tokens,
    /// Its sentiment.
    pub sentiment: Sentiment,
    /// Its keywords, best first.
    pub keywords: Vec<Keyword>,
    /// Its topic, when the engine has a topic model and the record is not an outlier.
    pub topic: Option<AssignedTopic>,
}

/// A record's topic.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct AssignedTopic {
    /// The topic's id in the model.
    pub id: u32,
    /// Its label.
    pub label: String,
    /// The record's cosine similarity to the topic's centroid.
    pub similarity: f32,
}

/// The analysis engine.
///
/// Build it once with [`Engine::builder`]; clones share every table, so hand a clone to each
/// thread or task. It never panics on input data: a record it cannot analyse is an error for
/// that record alone.
///
/// # Examples
///
/// ```
/// use fankui::{Engine, Lang, Record};
///
/// let engine = Engine::builder().build()?;
/// let analysis = engine.analyze(&Record::new("1", "物流太慢了，客服也不理人"))?;
/// assert_eq!(analysis.lang, Lang::Zh);
/// assert_eq!(analysis.tokens.len(), 8);
///
/// let results = engine.analyze_batch(&[Record::new("a", "Still waiting for my parcel"), Record::new("b", " ")]);
/// assert!(results[0].is_ok());
/// assert!(results[1].is_err()); // an empty text is that record's error, not the batch's
/// # Ok::<(), fankui::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Engine {
    inner: Arc<Inner>,
    /// Outside `inner`, so a model fitted with this engine can be added without a rebuild.
    topics: Option<Arc<TopicModel>>,
}

#[derive(Debug)]
struct Inner {
    config: EngineConfig,
    normalizer: Arc<dyn Normalizer>,
    detector: Arc<dyn LanguageDetector>,
    segmenter: Arc<dyn Segmenter>,
    sentiment: Arc<dyn SentimentModel>,
    kind: Arc<dyn KindModel>,
    router: Arc<dyn Router>,
    /// The router's department ids, shared by the routings that name them.
    department_ids: Vec<Arc<str>>,
    /// The learned router tried before `route.fallback` (`route.fallback_model`).
    fallback_router: Option<LearnedRouter>,
    /// The configured rules, whose scores learned models read as features (training too).
    rule_kind: Arc<RuleKind>,
    rules: Arc<RuleRouter>,
    lexicon: PhraseLexicon,
    keywords: KeywordExtractor,
    prioritizer: Prioritizer,
    /// The kind model's cues, the router's phrases and the risk lexicon in one index (lists
    /// [`CUES`], [`TAXONOMY`], [`RISKS`]), so a record is scanned once for all three.
    phrases: PhraseScanner,
    executor: Executor,
}

/// The lists of [`Inner::phrases`].
/// The priority reason of a record in no language the models read.
const NOT_TRIAGED: &str = "not triaged: no word in a language the models read (zh, en)";
const CUES: usize = 0;
const TAXONOMY: usize = 1;
const RISKS: usize = 2;

impl Engine {
    /// A builder with the default configuration.
    pub fn builder() -> EngineBuilder {
        EngineBuilder::default()
    }

    /// Analyses one record.
    ///
    /// # Errors
    ///
    /// [`Error::Field`] when the text is empty or longer than `limits.max_text_bytes`.
    pub fn analyze(&self, record: &Record) -> Result<Analysis> {
        self.check_text(record)?;
        let p = self.prepare(&record.text);
        let (keywords, topic) = self.describe(&p);
        let Triage {
            kind,
            department,
            priority,
            aspects,
        } = self.triage(record, &p, topic.as_ref());
        let mixed = kind == Kind::Complaint && aspects.iter().any(|a| a.kind == Kind::Praise);
        Ok(Analysis {
            id: record.id.clone(),
            text: record.text.clone(),
            lang: p.lang,
            script: p.script,
            tokens: p.tokens,
            sentiment: p.sentiment,
            kind,
            keywords,
            topic,
            department,
            priority,
            aspects,
            mixed,
        })
    }

    /// Analyses what one record's text says: [`analyze`](Self::analyze) without kind,
    /// routing and priority, which also read the taxonomy, the kind cues, the risk lexicon
    /// and the record's other fields. For services that want only language, tokens,
    /// sentiment, keywords and topic.
    ///
    /// # Examples
    ///
    /// ```
    /// use fankui::{Engine, Record, SentimentLabel};
    ///
    /// let engine = Engine::builder().build()?;
    /// let text = engine.analyze_text(&Record::new("1", "物流太慢了，客服也不理人"))?;
    /// assert_eq!(text.sentiment.label, SentimentLabel::Negative);
    /// # Ok::<(), fankui::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`analyze`](Self::analyze): an empty or over-long text.
    pub fn analyze_text(&self, record: &Record) -> Result<TextAnalysis> {
        self.check_text(record)?;
        let p = self.prepare(&record.text);
        let (keywords, topic) = self.describe(&p);
        Ok(TextAnalysis {
            id: record.id.clone(),
            lang: p.lang,
            script: p.script,
            tokens: p.tokens,
            sentiment: p.sentiment,
            keywords,
            topic,
        })
    }

    /// The keywords and topic of a prepared record.
    fn describe(&self, p: &Prepared<'_>) -> (Vec<Keyword>, Option<AssignedTopic>) {
        thread_local! {
            static TERMS: RefCell<Terms> = RefCell::default();
        }
        with_scratch(&TERMS, |terms| {
            extract_terms(&p.tokens, p.lexicon, terms);
            let keywords = self.inner.keywords.keywords(terms);
            // A topic model is fitted on the languages the engine reads.
            let topics = self.topics.as_ref().filter(|_| p.lang != Lang::Other);
            let topic = topics.and_then(|model| {
                let (id, similarity) = model.assign(terms)?;
                Some(AssignedTopic {
                    id,
                    label: model.label(id)?.to_owned(),
                    similarity,
                })
            });
            (keywords, topic)
        })
    }

    /// The kind, owner, priority and aspects of a prepared record (before repeat grievances).
    ///
    /// A text in no language the models read (`lang: other`: another language, or no letters
    /// at all) is not triaged: kind `other`, no owner, no aspects, and a priority of 0 that
    /// says why. The zh/en cue lists would only find accidents in it.
    fn triage(&self, record: &Record, p: &Prepared<'_>, topic: Option<&AssignedTopic>) -> Triage {
        if p.lang == Lang::Other {
            return Triage {
                kind: Kind::Other,
                department: None,
                priority: self.inner.prioritizer.untriaged(NOT_TRIAGED),
                aspects: Vec::new(),
            };
        }
        self.with_scan(p, |scan| self.triage_scanned(record, p, scan, topic))
    }

    /// [`triage`](Self::triage) with the record's phrases found.
    ///
    /// The record's kind is the most actionable of the kind of its whole text and the kinds of
    /// its clauses; with more than one clause, its owner comes from its clauses
    /// ([`owner_of`](Self::owner_of)) and its priority reads the leading clause's sentiment
    /// when that is more negative than the whole text's.
    fn triage_scanned(
        &self,
        record: &Record,
        p: &Prepared<'_>,
        scan: &PhraseScan,
        topic: Option<&AssignedTopic>,
    ) -> Triage {
        let risks = self.inner.prioritizer.risk_lexicon().risks_of(
            p.norm.text(),
            &self.hits(p, scan, RISKS).unwrap_or_default(),
        );
        let mut cues = self.hits(p, scan, CUES);
        let mut taxonomy = self.hits(p, scan, TAXONOMY);
        let mut kind = self.inner.kind.kind(&p.kind_input(cues.as_deref()));
        // An injury, a poisoning, a fraud, a complaint to a regulator or a valuable customer
        // leaving is a complaint however it is worded and whatever the sentiment says.
        if kind != Kind::Complaint
            && self
                .inner
                .prioritizer
                .p1_reason(&risks, record.customer_value)
                .is_some()
        {
            kind = Kind::Complaint;
        }
        let mut sentiment = p.sentiment;
        let (mut department, aspects, lead) = if p.clauses.len() > 1 {
            // Sorted by where they start, so a clause's hits are a slice.
            for hits in [&mut cues, &mut taxonomy].into_iter().flatten() {
                hits.sort_by_key(|h| h.span().start);
            }
            let aspects = self.clause_aspects(p, cues.as_deref(), taxonomy.as_deref());
            if let Some(k) = aspects
                .iter()
                .map(|a| a.kind)
                .min_by_key(|&k| actionability(k))
            {
                if actionability(k) < actionability(kind) {
                    kind = k;
                }
            }
            let (department, lead) = if kind.needs_owner() {
                let (department, lead) = self.owner_of(&aspects, kind);
                if let Some(lead) = lead {
                    if aspects[lead].sentiment.score < sentiment.score {
                        sentiment = aspects[lead].sentiment;
                    }
                }
                (department, lead)
            } else {
                (None, None)
            };
            (department, aspects, lead)
        } else {
            let mut scores = self.department_scores(p, taxonomy.as_deref());
            let department = if kind.needs_owner() {
                self.inner
                    .config
                    .route
                    .select(&self.inner.department_ids, &mut scores)
            } else {
                None
            };
            // The one clause's department is the record's owner when the rules placed it.
            let aspects: Vec<Aspect> = p
                .clauses
                .first()
                .map(|c| match department.as_ref().filter(|d| !d.fallback) {
                    Some(d) => Aspect {
                        span: c.span.clone(),
                        kind,
                        sentiment: p.sentiment,
                        department: Some(Arc::clone(&d.id)),
                        confidence: d.confidence,
                        evidence: d.evidence.clone(),
                    },
                    None => self.aspect(c.span.clone(), kind, p.sentiment, &mut scores),
                })
                .filter(Aspect::says_something)
                .into_iter()
                .collect();
            let lead = (!aspects.is_empty()).then_some(0);
            (department, aspects, lead)
        };
        if department.as_ref().is_some_and(|d| d.fallback) {
            let lead = lead.map(|l| &aspects[l]);
            if let Some(learned) = self.learned_owner(p, lead, taxonomy.as_deref()) {
                department = Some(learned);
            }
        }
        let priority = self.inner.prioritizer.assess(&PriorityInput {
            record,
            kind,
            sentiment,
            risks: &risks,
            topic: topic.and_then(|t| {
                Some(TopicVolume {
                    label: &t.label,
                    ratio: self.topics.as_ref()?.negative_ratio(t.id)?,
                })
            }),
        });
        Triage {
            kind,
            department,
            priority,
            aspects,
        }
    }

    /// An empty or over-long text is the record's error.
    fn check_text(&self, record: &Record) -> Result<()> {
        let text = record.text.as_str();
        if text.trim().is_empty() {
            return Err(Error::field(record.id.clone(), "text", "is empty"));
        }
        let limit = self.inner.config.limits.max_text_bytes;
        if text.len() > limit {
            return Err(Error::field(
                record.id.clone(),
                "text",
                format!("is {} bytes, over the limit of {limit}", text.len()),
            ));
        }
        Ok(())
    }

    /// Normalises, detects, segments and scores sentiment: what every later stage reads.
    fn prepare<'t>(&'t self, text: &'t str) -> Prepared<'t> {
        let norm = self.inner.normalizer.normalize(text);
        let (lang, script) = self.inner.detector.detect(&norm);
        let mut tokens = Tokens::new();
        self.inner.segmenter.segment(&norm, &mut tokens);
        tokens.fill_gaps(text);
        let mut clauses = Vec::new();
        split_clauses(text, &tokens, &mut clauses);
        let mut clause_scores = Vec::new();
        let sentiment = if lang == Lang::Other {
            // No model reads this language: no opinion is claimed for it.
            self.sentiment_of(0.0)
        } else if clauses.len() > 1 {
            clause_scores.reserve_exact(clauses.len());
            let score =
                self.inner
                    .sentiment
                    .score_clauses(&tokens, lang, &clauses, &mut clause_scores);
            self.sentiment_of(score)
        } else {
            self.sentiment(&tokens, lang)
        };
        Prepared {
            lexicon: &self.inner.lexicon,
            norm,
            lang,
            script,
            tokens,
            sentiment,
            clauses,
            clause_scores,
        }
    }

    /// Calls `f` with the kind cues, taxonomy phrases and risk phrases of a prepared record,
    /// found in one scan (into this thread's buffer, so a record costs no allocation).
    fn with_scan<R>(&self, p: &Prepared<'_>, f: impl FnOnce(&PhraseScan) -> R) -> R {
        thread_local! {
            static SCAN: RefCell<PhraseScan> = RefCell::default();
        }
        with_scratch(&SCAN, |scan| {
            self.inner.phrases.scan(p.norm.text(), scan);
            f(scan)
        })
    }

    /// The phrases of one of [`Inner::phrases`]' lists in a prepared record's `scan`;
    /// `None` when the stage reads no phrase list.
    fn hits(&self, p: &Prepared<'_>, scan: &PhraseScan, list: usize) -> Option<Vec<PhraseHit>> {
        let phrases = match list {
            CUES => self.inner.kind.phrases()?,
            TAXONOMY => self.inner.router.phrases()?,
            _ => self.inner.prioritizer.risk_lexicon().phrases().list(),
        };
        let mut hits = Vec::new();
        phrases.find_in(scan, list, p.norm.text(), &mut hits);
        Some(hits)
    }

    /// Analyses a batch with the engine's [`Parallelism`]; one result per record, in order.
    /// Priority counts the batch's complete history (see [`crate::priority`]): the same
    /// customer's other grievances, the topics' volume in the batch and their spikes; a
    /// record's priority does not depend on its place in the batch.
    #[must_use]
    pub fn analyze_batch(&self, records: &[Record]) -> Vec<Result<Analysis>> {
        let mut results = self.inner.executor.map(records, |r| self.analyze(r));
        let mut counts = HistoryCounts::default();
        let keys: Vec<Option<HistoryKey>> = records
            .iter()
            .zip(&results)
            .map(|(record, result)| {
                let key = self.history_key(record, result.as_ref().ok()?);
                counts.add(&key);
                Some(key)
            })
            .collect();
        let history = self.finish_history(counts);
        for (key, result) in keys.iter().zip(&mut results) {
            if let (Some(key), Ok(analysis)) = (key, result) {
                self.apply_history(&history, key, &mut analysis.priority);
            }
        }
        results
    }

    /// What `analysis` of `record` tells the batch's complete history.
    #[must_use]
    pub fn history_key(&self, record: &Record, analysis: &Analysis) -> HistoryKey {
        HistoryKey::new(
            record.customer_id.as_deref(),
            record.created_at.as_ref(),
            analysis.topic.as_ref().map(|t| t.id),
            analysis.kind,
            analysis.sentiment.score,
            analysis.sentiment.label == SentimentLabel::Negative,
        )
    }

    /// The complete history from the counts of every record of a batch.
    #[must_use]
    pub fn finish_history(&self, counts: HistoryCounts) -> History {
        let config = self.inner.prioritizer.config();
        counts.finish(
            &config.topic,
            config.repeat.window_days,
            self.topics.as_ref().map_or(0, |t| t.topic_count()),
        )
    }

    /// Scores `priority`, of the record of `key`, from the batch's complete `history`
    /// ([`Prioritizer::apply_history`]).
    pub fn apply_history(&self, history: &History, key: &HistoryKey, priority: &mut Priority) {
        let label = key.topic().and_then(|t| self.topics.as_ref()?.label(t));
        self.inner
            .prioritizer
            .apply_history(history, key, label, priority);
    }

    /// A tracker for [`count_stream`](Self::count_stream): one per stream.
    #[must_use]
    pub fn stream_tracker(&self) -> StreamTracker {
        StreamTracker::new(&self.inner.prioritizer)
    }

    /// Counts `analysis` in `tracker` and raises its priority by the same customer's earlier
    /// grievances and by a spike of its topic on its day: the streaming history, for input
    /// read once; call in input order.
    pub fn count_stream(
        &self,
        tracker: &mut StreamTracker,
        record: &Record,
        analysis: &mut Analysis,
    ) {
        let prioritizer = &self.inner.prioritizer;
        let grievance = crate::priority::is_grievance(analysis.kind, analysis.sentiment.score);
        let earlier = tracker
            .repeats
            .record(record.customer_id.as_deref(), grievance);
        if earlier > 0 {
            prioritizer.add_repeats(&mut analysis.priority, earlier);
        }
        // Every record counts: undated or topic-less ones still tell how far back the stream
        // goes and where it stops being in time order.
        let topic = analysis.topic.as_ref();
        let negative = analysis.sentiment.label == SentimentLabel::Negative;
        let day = record.created_at.as_ref().map(Timestamp::days_since_epoch);
        if let Some(count) = tracker.spikes.record(topic.map(|t| t.id), day, negative) {
            if let Some(topic) = topic.filter(|_| grievance && prioritizer.is_spike(count)) {
                prioritizer.add_spike(&mut analysis.priority, &topic.label, count);
            }
        }
    }

    /// The owner and secondary owners of `text` (routing without the kind check and without
    /// the fallback), most confident first, as (department id, confidence, evidence
    /// substrings).
    #[must_use]
    pub fn owners(&self, text: &str) -> Vec<(String, f32, Vec<String>)> {
        let p = self.prepare(text);
        let mut scores = self.with_scan(&p, |scan| {
            self.department_scores(&p, self.hits(&p, scan, TAXONOMY).as_deref())
        });
        let n = self.inner.config.route.owners(&mut scores);
        let ids = self.inner.router.departments();
        scores
            .into_iter()
            .take(n)
            .map(|s| {
                let evidence = s
                    .evidence
                    .iter()
                    .map(|r| text[r.clone()].to_owned())
                    .collect();
                (ids[s.department].clone(), s.confidence, evidence)
            })
            .collect()
    }

    /// What topic fitting keeps of a record: its terms, text, sentiment and the routing
    /// rules' owner (without the kind check).
    ///
    /// # Errors
    ///
    /// As [`analyze`](Self::analyze): an empty or over-long text.
    pub fn topic_doc(&self, record: &Record) -> Result<TopicDoc> {
        let text = record.text.as_str();
        self.check_text(record)?;
        let p = self.prepare(text);
        let mut scores = self.with_scan(&p, |scan| {
            self.department_scores(&p, self.hits(&p, scan, TAXONOMY).as_deref())
        });
        let department = match self.inner.config.route.owners(&mut scores) {
            0 => None,
            _ => Some(scores[0].department),
        };
        Ok(TopicDoc {
            terms: p.terms(),
            text: text.to_owned(),
            sentiment: p.sentiment.label,
            department,
        })
    }

    /// The topic model in use, if any.
    #[must_use]
    pub fn topic_model(&self) -> Option<&TopicModel> {
        self.topics.as_deref()
    }

    /// This engine (sharing every table) assigning topics of `model`.
    #[must_use]
    pub fn with_topic_model(&self, model: Arc<TopicModel>) -> Engine {
        Engine {
            inner: Arc::clone(&self.inner),
            topics: Some(model),
        }
    }

    /// The candidate keyword terms of `tokens`: content words, taxonomy phrases merged.
    #[must_use]
    pub fn terms(&self, tokens: &Tokens) -> Terms {
        let mut terms = Terms::new();
        extract_terms(tokens, &self.inner.lexicon, &mut terms);
        terms
    }

    /// The department ids of the taxonomy in use.
    #[must_use]
    pub fn departments(&self) -> &[String] {
        self.inner.router.departments()
    }

    /// The departments' claims on a prepared record, by the engine's router.
    fn department_scores(
        &self,
        p: &Prepared<'_>,
        hits: Option<&[PhraseHit]>,
    ) -> Vec<DepartmentScore> {
        let input = RouteInput {
            normalized: &p.norm,
            span: 0..p.norm.text().len(),
            tokens: &p.tokens,
            lang: p.lang,
            phrases: hits,
        };
        let mut scores = Vec::new();
        self.inner.router.route(&input, &mut scores);
        scores
    }

    /// The features of `text` for a learned model of `task` (what training sees).
    #[must_use]
    pub fn learned_text_features(
        &self,
        task: LearnedTask,
        spec: FeatureSpec,
        text: &str,
    ) -> SparseDoc {
        let p = self.prepare(text);
        match task {
            LearnedTask::Kind => {
                LearnedKind::features(&self.inner.rule_kind, &spec, &p.kind_input(None))
            }
            LearnedTask::Route => LearnedRouter::features(
                &self.inner.rules,
                &spec,
                &RouteInput {
                    normalized: &p.norm,
                    span: 0..p.norm.text().len(),
                    tokens: &p.tokens,
                    lang: p.lang,
                    phrases: None,
                },
            ),
        }
    }

    /// [`learned_text_features`](Self::learned_text_features) of each text, with the
    /// engine's [`Parallelism`]; in order.
    #[must_use]
    pub fn learned_batch_features<S: AsRef<str> + Sync>(
        &self,
        task: LearnedTask,
        spec: FeatureSpec,
        texts: &[S],
    ) -> Vec<SparseDoc> {
        self.inner.executor.map(texts, |t| {
            self.learned_text_features(task, spec, t.as_ref())
        })
    }

    /// The tokens of `text` (normalised, segmented; spans into `text`).
    #[must_use]
    pub fn segment(&self, text: &str) -> Tokens {
        let norm = self.inner.normalizer.normalize(text);
        let mut tokens = Tokens::new();
        self.inner.segmenter.segment(&norm, &mut tokens);
        tokens.fill_gaps(text);
        tokens
    }

    /// The tokens of each text, with the engine's [`Parallelism`]; in order.
    #[must_use]
    pub fn segment_batch<S: AsRef<str> + Sync>(&self, texts: &[S]) -> Vec<Tokens> {
        self.inner.executor.map(texts, |t| self.segment(t.as_ref()))
    }

    /// The sentiment of a text from its tokens and language, with the configured neutral band.
    #[must_use]
    pub fn sentiment(&self, tokens: &Tokens, lang: Lang) -> Sentiment {
        if lang == Lang::Other {
            return self.sentiment_of(0.0);
        }
        self.sentiment_of(self.inner.sentiment.score(tokens, lang))
    }

    /// A model's score, kept in [-1, 1], with its label.
    fn sentiment_of(&self, score: f32) -> Sentiment {
        let score = score.clamp(-1.0, 1.0);
        let score = if score.is_nan() { 0.0 } else { score };
        Sentiment {
            label: SentimentLabel::from_score(score, self.inner.config.sentiment.neutral_band()),
            score,
        }
    }

    /// The language and Chinese script of `text`.
    #[must_use]
    pub fn detect(&self, text: &str) -> (Lang, Option<ChineseScript>) {
        self.inner
            .detector
            .detect(&self.inner.normalizer.normalize(text))
    }

    /// Whether the segmenter's dictionary has `word` (after normalisation).
    #[must_use]
    pub fn has_word(&self, word: &str) -> bool {
        self.inner
            .segmenter
            .has_word(self.inner.normalizer.normalize(word).text())
    }

    /// The configuration the engine was built from.
    #[must_use]
    pub fn config(&self) -> &EngineConfig {
        &self.inner.config
    }

    /// Number of threads a batch runs on.
    #[must_use]
    pub fn threads(&self) -> usize {
        self.inner.executor.threads()
    }

    /// Runs `f` over `0..n` with the engine's [`Parallelism`]; the results in order.
    pub fn map_indices<R: Send>(&self, n: usize, f: &(dyn Fn(usize) -> R + Sync)) -> Vec<R> {
        let indices: Vec<usize> = (0..n).collect();
        self.inner.executor.map(&indices, |&i| f(i))
    }

    /// The normalised text (Simplified, half-width, lower-case) that phrase lists and topic
    /// metrics match against.
    #[must_use]
    pub fn normalize(&self, text: &str) -> String {
        self.inner.normalizer.normalize(text).text().to_lowercase()
    }

    pub(crate) fn map<T: Sync, R: Send>(
        &self,
        items: &[T],
        f: impl Fn(&T) -> R + Sync + Send,
    ) -> Vec<R> {
        self.inner.executor.map(items, f)
    }
}

/// A record normalised, segmented and scored for sentiment.
struct Prepared<'t> {
    lexicon: &'t PhraseLexicon,
    norm: Normalized<'t>,
    lang: Lang,
    script: Option<ChineseScript>,
    tokens: Tokens,
    sentiment: Sentiment,
    clauses: Vec<Clause>,
    /// The sentiment score of each clause; empty when there is only one.
    clause_scores: Vec<f32>,
}

/// Calls `f` with this thread's buffer in `key`, reused from record to record so that a
/// record costs no allocation once the buffer has grown; with a fresh one if `f` reached the
/// same buffer again (not done, but not worth a panic either).
fn with_scratch<T: Default + 'static, R>(
    key: &'static std::thread::LocalKey<RefCell<T>>,
    f: impl FnOnce(&mut T) -> R,
) -> R {
    key.with(|cell| match cell.try_borrow_mut() {
        Ok(mut scratch) => f(&mut scratch),
        Err(_) => f(&mut T::default()),
    })
}

impl Prepared<'_> {
    fn terms(&self) -> Terms {
        let mut terms = Terms::new();
        extract_terms(&self.tokens, self.lexicon, &mut terms);
        terms
    }

    fn kind_input<'a>(&'a self, cues: Option<&'a [PhraseHit]>) -> KindInput<'a> {
        KindInput {
            normalized: &self.norm,
            span: 0..self.norm.text().len(),
            tokens: &self.tokens,
            lang: self.lang,
            sentiment: self.sentiment,
            cues,
        }
    }
}

/// What a learned class model predicts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LearnedTask {
    /// Kinds (`fankui train kind`).
    Kind,
    /// Departments (`fankui train route`).
    Route,
}

impl LearnedTask {
    /// `kind` or `route`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            LearnedTask::Kind => "kind",
            LearnedTask::Route => "route",
        }
    }
}

/// A model's error, naming the file it came from.
fn at_path(error: Error, path: &std::path::Path) -> Error {
    match error {
        Error::Config {
            path: None,
            message,
        } => Error::Config {
            path: Some(path.to_owned()),
            message,
        },
        other => other,
    }
}

/// Builds an [`Engine`]; all checks happen in [`build`](Self::build).
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct EngineBuilder {
    config: EngineConfig,
    config_path: Option<PathBuf>,
    user_dicts: Vec<PathBuf>,
    user_words: Vec<UserWord>,
    parallelism: Parallelism,
    segmenter: Option<Arc<dyn Segmenter>>,
    sentiment: Option<Arc<dyn SentimentModel>>,
    kind: Option<Arc<dyn KindModel>>,
    router: Option<Arc<dyn Router>>,
    learned_kind: Option<ClassModel>,
    learned_router: Option<ClassModel>,
    taxonomy: Option<Taxonomy>,
    topics: Option<Arc<TopicModel>>,
}

impl EngineBuilder {
    /// Uses `config` (replacing any set before).
    pub fn config(mut self, config: EngineConfig) -> Self {
        self.config = config;
        self
    }

    /// Reads the configuration from a TOML file at build time.
    pub fn config_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.config_path = Some(path.into());
        self
    }

    /// Adds a user dictionary file (jieba format, see [`UserDict`]).
    pub fn user_dict(mut self, path: impl Into<PathBuf>) -> Self {
        self.user_dicts.push(path.into());
        self
    }

    /// Adds words the segmenter must keep whole.
    pub fn user_words<I, W>(mut self, words: I) -> Self
    where
        I: IntoIterator<Item = W>,
        W: Into<String>,
    {
        self.user_words
            .extend(words.into_iter().map(|w| UserWord::new(w)));
        self
    }

    /// How batches are spread over threads.
    pub fn parallelism(mut self, parallelism: Parallelism) -> Self {
        self.parallelism = parallelism;
        self
    }

    /// Uses a segmenter of your own instead of the configured one.
    pub fn segmenter(mut self, segmenter: Arc<dyn Segmenter>) -> Self {
        self.segmenter = Some(segmenter);
        self
    }

    /// Uses a sentiment model of your own instead of the configured one.
    pub fn sentiment_model(mut self, model: Arc<dyn SentimentModel>) -> Self {
        self.sentiment = Some(model);
        self
    }

    /// Uses a kind model of your own instead of the configured one.
    pub fn kind_model(mut self, model: Arc<dyn KindModel>) -> Self {
        self.kind = Some(model);
        self
    }

    /// Uses a router of your own instead of the configured one.
    pub fn router(mut self, router: Arc<dyn Router>) -> Self {
        self.router = Some(router);
        self
    }

    /// Decides kinds with a learned model (from `fankui train kind`, or
    /// [`ClassModel::train`]) over the configured rules' scores, instead of `kind.model`.
    pub fn learned_kind(mut self, model: ClassModel) -> Self {
        self.learned_kind = Some(model);
        self
    }

    /// Routes with a learned model (from `fankui train route`, or [`ClassModel::train`])
    /// over the taxonomy rules' scores, instead of `route.model`.
    pub fn learned_router(mut self, model: ClassModel) -> Self {
        self.learned_router = Some(model);
        self
    }

    /// Routes by `taxonomy` instead of `route.taxonomy` (the shipped one by default).
    ///
    /// # Examples
    ///
    /// ```
    /// use fankui::route::Taxonomy;
    /// use fankui::{Engine, Record};
    ///
    /// let mut taxonomy = Taxonomy::shipped();
    /// taxonomy.departments.retain(|d| d.id != "marketing");
    /// let engine = Engine::builder().taxonomy(taxonomy).build()?;
    /// assert!(!engine.departments().iter().any(|d| d == "marketing"));
    /// # Ok::<(), fankui::Error>(())
    /// ```
    pub fn taxonomy(mut self, taxonomy: Taxonomy) -> Self {
        self.taxonomy = Some(taxonomy);
        self
    }

    /// Assigns each record a topic of `model` (see [`crate::topics`]).
    pub fn topic_model(mut self, model: Arc<TopicModel>) -> Self {
        self.topics = Some(model);
        self
    }

    /// Builds the engine: reads the configuration file and dictionaries, checks every value.
    ///
    /// # Errors
    ///
    /// A configuration or dictionary file that cannot be read or is invalid, an out-of-range
    /// value, or a thread pool that cannot be started.
    pub fn build(self) -> Result<Engine> {
        let mut config = match &self.config_path {
            Some(path) => EngineConfig::from_path(path)?,
            None => self.config,
        };
        config.validate()?;
        let mut words = self.user_words;
        match config.segment.user_dicts_mut() {
            Some(user_dicts) => user_dicts.extend(self.user_dicts.iter().cloned()),
            None => {
                // No dictionary to put them in; still check the files.
                for path in &self.user_dicts {
                    words.extend(UserDict::from_path(path)?.into_words());
                }
            }
        }
        let normalizer: Arc<dyn Normalizer> = Arc::new(StandardNormalizer::new(config.normalize));
        let executor = Executor::new(&self.parallelism)?;
        // Loading jieba's dictionary is half of the start-up; with threads to spare, the other
        // tables are built meanwhile.
        let (segmenter, others) = executor.join(
            || match self.segmenter {
                Some(s) => Ok(s),
                None => config.segment.build(normalizer.as_ref(), &words),
            },
            || -> Result<Stages> {
                let sentiment = match self.sentiment {
                    Some(s) => s,
                    None => config.sentiment.build()?,
                };
                let rule_kind = config.kind.build(normalizer.as_ref())?;
                let rules = match &self.taxonomy {
                    Some(taxonomy) => config.route.build_with(taxonomy, normalizer.as_ref())?,
                    None => config.route.build(normalizer.as_ref())?,
                };
                let kind: Arc<dyn KindModel> = stage(
                    self.kind,
                    self.learned_kind,
                    config.kind.model.as_deref(),
                    |m| Ok(Arc::new(LearnedKind::new(m, Arc::clone(&rule_kind))?)),
                    || Arc::clone(&rule_kind) as Arc<dyn KindModel>,
                )?;
                let own_router = self.router.is_some();
                let router: Arc<dyn Router> = stage(
                    self.router,
                    self.learned_router,
                    config.route.model.as_deref(),
                    |m| Ok(Arc::new(LearnedRouter::new(m, Arc::clone(&rules))?)),
                    || Arc::clone(&rules) as Arc<dyn Router>,
                )?;
                let fallback_router = match &config.route.fallback_model {
                    Some(path) if path.as_os_str().is_empty() => None,
                    Some(path) => Some(
                        ClassModel::from_path(path)
                            .and_then(|m| LearnedRouter::new(m, Arc::clone(&rules)))
                            .map_err(|e| at_path(e, path))?,
                    ),
                    // The shipped model reads the shipped taxonomy's scores, and places
                    // records among its departments.
                    None if !own_router
                        && self.taxonomy.is_none()
                        && config.route.taxonomy.is_none() =>
                    {
                        Some(LearnedRouter::shipped_fallback(Arc::clone(&rules))?)
                    }
                    None => None,
                };
                let fallback = &config.route.fallback;
                if !fallback.is_empty() && !router.departments().contains(fallback) {
                    return Err(Error::Config {
                        path: None,
                        message: format!(
                            "route.fallback `{fallback}` is not a department of the router in use"
                        ),
                    });
                }
                let lexicon = PhraseLexicon::new(
                    rules
                        .phrase_texts()
                        .map(|p| normalizer.normalize(p.trim()).text().to_lowercase()),
                );
                let keywords = KeywordExtractor::new(&config.keywords)?;
                let prioritizer = Prioritizer::new(
                    config.priority.clone(),
                    RiskLexicon::shipped(normalizer.as_ref())?,
                );
                // In the order of CUES, TAXONOMY, RISKS; a stage without phrases scans none.
                let none = PhraseSet::<()>::new(Vec::new(), normalizer.as_ref())?;
                let phrases = PhraseScanner::new(&[
                    kind.phrases().unwrap_or(none.list()),
                    router.phrases().unwrap_or(none.list()),
                    prioritizer.risk_lexicon().phrases().list(),
                ])?;
                Ok(Stages {
                    sentiment,
                    kind,
                    router,
                    fallback_router,
                    rule_kind,
                    rules,
                    lexicon,
                    keywords,
                    prioritizer,
                    phrases,
                })
            },
        );
        let segmenter = segmenter?;
        let s = others?;
        Ok(Engine {
            inner: Arc::new(Inner {
                detector: Arc::new(StandardDetector::new(config.language)),
                normalizer,
                segmenter,
                sentiment: s.sentiment,
                department_ids: s
                    .router
                    .departments()
                    .iter()
                    .map(|d| Arc::from(d.as_str()))
                    .collect(),
                kind: s.kind,
                router: s.router,
                fallback_router: s.fallback_router,
                rule_kind: s.rule_kind,
                rules: s.rules,
                lexicon: s.lexicon,
                keywords: s.keywords,
                prioritizer: s.prioritizer,
                phrases: s.phrases,
                executor,
                config,
            }),
            topics: self.topics,
        })
    }
}

/// A stage: the one given to the builder, else a learned model given to it, else the learned
/// model of the configuration's path, else the rules.
fn stage<T: ?Sized>(
    given: Option<Arc<T>>,
    learned: Option<ClassModel>,
    path: Option<&std::path::Path>,
    wrap: impl FnOnce(ClassModel) -> Result<Arc<T>>,
    rules: impl FnOnce() -> Arc<T>,
) -> Result<Arc<T>> {
    match (given, learned, path) {
        (Some(stage), _, _) => Ok(stage),
        (None, Some(model), _) => wrap(model),
        (None, None, Some(path)) => ClassModel::from_path(path)
            .and_then(wrap)
            .map_err(|e| at_path(e, path)),
        (None, None, None) => Ok(rules()),
    }
}

/// The stages [`EngineBuilder::build`] makes while jieba's dictionary loads.
struct Stages {
    sentiment: Arc<dyn SentimentModel>,
    kind: Arc<dyn KindModel>,
    router: Arc<dyn Router>,
    fallback_router: Option<LearnedRouter>,
    rule_kind: Arc<RuleKind>,
    rules: Arc<RuleRouter>,
    lexicon: PhraseLexicon,
    keywords: KeywordExtractor,
    prioritizer: Prioritizer,
    phrases: PhraseScanner,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Routes everything that mentions a number to `tech`, and reads no phrase list.
    #[derive(Debug)]
    struct DigitsToTech(Vec<String>);

    impl Router for DigitsToTech {
        fn departments(&self) -> &[String] {
            &self.0
        }

        fn route(&self, input: &RouteInput<'_>, out: &mut Vec<DepartmentScore>) {
            assert!(
                input.phrases.is_none(),
                "a router without phrases gets none"
            );
            if let Some(t) = input
                .tokens
                .iter()
                .find(|t| t.kind == crate::types::TokenKind::Number)
            {
                out.push(DepartmentScore {
                    department: 0,
                    confidence: 0.9,
                    evidence: vec![t.span()],
                });
            }
        }
    }

    /// Calls every record a question.
    #[derive(Debug)]
    struct AlwaysQuestion;

    impl KindModel for AlwaysQuestion {
        fn kind(&self, input: &KindInput<'_>) -> Kind {
            assert!(
                input.cues.is_none(),
                "a kind model without phrases gets none"
            );
            Kind::Question
        }
    }

    #[test]
    fn a_custom_kind_model_and_router_decide() {
        let router = Arc::new(DigitsToTech(vec!["tech".into()]));
        // The default fallback, customer_service, is none of this router's departments.
        let err = Engine::builder()
            .router(router.clone())
            .build()
            .unwrap_err();
        assert!(
            err.to_string()
                .contains("route.fallback `customer_service`"),
            "{err}"
        );
        let mut config = EngineConfig::default();
        config.route.fallback = "tech".into();
        let engine = Engine::builder()
            .config(config)
            .kind_model(Arc::new(AlwaysQuestion))
            .router(router)
            .build()
            .unwrap();
        assert_eq!(engine.departments(), ["tech"]);
        let text = "订单 67890 还没到";
        let a = engine.analyze(&Record::new("1", text)).unwrap();
        assert_eq!(a.kind, Kind::Question);
        let d = a.department.expect("routed");
        assert_eq!(&*d.id, "tech");
        assert_eq!(&text[d.evidence[0].clone()], "67890");
        // Nothing to route: the fallback.
        let b = engine.analyze(&Record::new("2", "还没到")).unwrap();
        let d = b.department.expect("the fallback");
        assert_eq!((&*d.id, d.confidence), ("tech", 0.0));
    }

    #[test]
    fn analysis_serialises_as_the_output_object_without_input_fields() {
        let engine = Engine::builder().build().unwrap();
        let record = Record::new("9", "客服态度很差，退款一直不到账");
        let a = engine.analyze(&record).unwrap();
        let mut line = Vec::new();
        write_json_line(
            &mut line,
            &OutputRecord {
                record: &record,
                analysis: &a,
                options: OutputOptions::default(),
            },
        );
        let own = serde_json::to_string(&a).unwrap() + "\n";
        assert_eq!(own.as_bytes(), line.as_slice());
    }

    #[test]
    fn engine_is_send_sync_clone() {
        fn check<T: Send + Sync + Clone + 'static>() {}
        check::<Engine>();
    }

    #[test]
    fn user_words_are_kept_whole() {
        let text = "小米手环很好用";
        let plain = Engine::builder().build().unwrap();
        let custom = Engine::builder().user_words(["小米手环"]).build().unwrap();
        let first = |e: &Engine| {
            let t = e.segment(text);
            text[t.as_slice()[0].span()].to_owned()
        };
        assert_ne!(first(&plain), "小米手环");
        assert_eq!(first(&custom), "小米手环");
    }

    #[test]
    fn traditional_user_words_match_traditional_text() {
        let text = "這個藍芽耳機很好";
        let engine = Engine::builder().user_words(["藍芽耳機"]).build().unwrap();
        let t = engine.segment(text);
        let words: Vec<_> = t.iter().map(|t| &text[t.span()]).collect();
        assert!(words.contains(&"藍芽耳機"), "{words:?}");
    }

    #[test]
    fn over_long_text_is_a_field_error() {
        let mut config = EngineConfig::default();
        config.limits.max_text_bytes = 10;
        let engine = Engine::builder().config(config).build().unwrap();
        let err = engine
            .analyze(&Record::new("r9", "这是一条很长的评论"))
            .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("record r9: field `text`: is 27 bytes"),
            "{err}"
        );
    }
}

crate::types::display_as_str!(LearnedTask);
