//! The engine: stages wired together, built once, cloned cheaply, used from many threads.

mod config;
mod output;
pub(crate) mod parallel;
mod stream;
mod topics;

use std::cell::RefCell;
use std::path::PathBuf;
use std::sync::Arc;

pub use config::{EngineConfig, Limits};
pub use output::{
    csv_analysis_columns, csv_row, write_json_line, OutputOptions, OutputRecord, OUTPUT_KEYS,
};
pub use parallel::Parallelism;
pub use stream::{run_stream, scan_stream, StreamOptions, Summary};
pub use topics::{fit_topics, TopicFit};

use crate::error::{Error, Result};
use crate::io::Record;
use crate::keywords::{extract_terms, Keyword, KeywordExtractor, PhraseLexicon, Terms};
use crate::kind::{Kind, KindInput, RuleKind};
use crate::lang::{LanguageDetector, StandardDetector};
use crate::learn::{extract_features, feature_bucket, FeatureSpec};
use crate::learn::{ClassModel, SparseDoc};
use crate::phrases::{PhraseHit, PhraseScan, PhraseScanner};
use crate::priority::{
    day_number, Prioritizer, Priority, PriorityInput, RiskCategory, RiskLexicon, StreamTracker,
    TopicVolume,
};
use crate::route::RuleRouter;
use crate::route::{DepartmentScore, Router, Routing};
use crate::segment::Normalized;
use crate::segment::{Normalizer, Segmenter, StandardNormalizer, UserDict, UserWord};
use crate::sentiment::{Sentiment, SentimentLabel, SentimentModel};
use crate::topics::{TopicDoc, TopicModel};
use crate::types::{ChineseScript, Lang, Tokens};
use parallel::Executor;

/// What the engine found in one record.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Analysis {
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
    rule_kind: Arc<RuleKind>,
    rules: Arc<RuleRouter>,
    lexicon: PhraseLexicon,
    keywords: KeywordExtractor,
    kind_model: Option<Arc<ClassModel>>,
    route_model: Option<Arc<ClassModel>>,
    prioritizer: Prioritizer,
    /// The kind cues, the taxonomy and the risk lexicon in one index (lists [`CUES`],
    /// [`TAXONOMY`], [`RISKS`]), so a record is scanned once for all three.
    phrases: PhraseScanner,
    executor: Executor,
}

/// The lists of [`Inner::phrases`].
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
        let (kind, department, priority) = self.triage(record, &p, topic.as_ref());
        Ok(Analysis {
            id: record.id.clone(),
            lang: p.lang,
            script: p.script,
            tokens: p.tokens,
            sentiment: p.sentiment,
            kind,
            keywords,
            topic,
            department,
            priority,
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
        let terms = p.terms();
        let keywords = self.inner.keywords.keywords(&terms);
        let topic = self.topics.as_ref().and_then(|model| {
            let (id, similarity) = model.assign(&terms)?;
            Some(AssignedTopic {
                id,
                label: model.label(id)?.to_owned(),
                similarity,
            })
        });
        (keywords, topic)
    }

    /// The kind, owner and priority of a prepared record (before repeat grievances).
    fn triage(
        &self,
        record: &Record,
        p: &Prepared<'_>,
        topic: Option<&AssignedTopic>,
    ) -> (Kind, Option<Routing>, Priority) {
        self.with_scan(p, |scan| self.triage_scanned(record, p, scan, topic))
    }

    /// [`triage`](Self::triage) with the record's phrases found.
    fn triage_scanned(
        &self,
        record: &Record,
        p: &Prepared<'_>,
        scan: &PhraseScan,
        topic: Option<&AssignedTopic>,
    ) -> (Kind, Option<Routing>, Priority) {
        let risks = self
            .inner
            .prioritizer
            .risk_lexicon()
            .risks_of(p.norm.text(), &self.hits(p, scan, RISKS));
        let mut kind = match &self.inner.kind_model {
            Some(model) => {
                let doc = self.kind_doc(model.header().features, p, scan);
                model
                    .predict(&doc)
                    .first()
                    .and_then(|&k| Kind::parse(&model.header().classes[k].label))
                    .unwrap_or(Kind::Other)
            }
            None => {
                let rules = &self.inner.rule_kind;
                rules.decide(&rules.scores_of(&p.kind_input(), &self.hits(p, scan, CUES)))
            }
        };
        // An injury, a poisoning, a fraud or a legal threat is a complaint however it is
        // worded.
        if matches!(kind, Kind::Other | Kind::Praise)
            && risks
                .iter()
                .any(|(c, w, _)| *c != RiskCategory::Churn && *w >= 2.0)
        {
            kind = Kind::Complaint;
        }
        let department = if kind.needs_owner() {
            let mut scores = self.department_scores(p, scan);
            self.inner
                .config
                .route
                .select(self.inner.rules.shared_ids(), &mut scores)
        } else {
            None
        };
        let priority = self.inner.prioritizer.assess(&PriorityInput {
            record,
            kind,
            sentiment: p.sentiment,
            risks: &risks,
            topic: topic.and_then(|t| {
                Some(TopicVolume {
                    label: &t.label,
                    negative_share: self.topics.as_ref()?.negative_share(t.id)?,
                })
            }),
        });
        (kind, department, priority)
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
        let sentiment = self.sentiment(&tokens, lang);
        Prepared {
            lexicon: &self.inner.lexicon,
            norm,
            lang,
            script,
            tokens,
            sentiment,
        }
    }

    /// Calls `f` with the kind cues, taxonomy phrases and risk phrases of a prepared record,
    /// found in one scan (into this thread's buffer, so a record costs no allocation).
    fn with_scan<R>(&self, p: &Prepared<'_>, f: impl FnOnce(&PhraseScan) -> R) -> R {
        thread_local! {
            static SCAN: RefCell<PhraseScan> = RefCell::default();
        }
        SCAN.with(|cell| match cell.try_borrow_mut() {
            Ok(mut scan) => {
                self.inner.phrases.scan(p.norm.text(), &mut scan);
                f(&scan)
            }
            // Only if `f` scanned again; not done, but not worth a panic either.
            Err(_) => {
                let mut scan = PhraseScan::default();
                self.inner.phrases.scan(p.norm.text(), &mut scan);
                f(&scan)
            }
        })
    }

    /// The phrases of one of [`Inner::phrases`]' lists in a prepared record's `scan`.
    fn hits(&self, p: &Prepared<'_>, scan: &PhraseScan, list: usize) -> Vec<PhraseHit> {
        let mut hits = Vec::new();
        let text = p.norm.text();
        match list {
            CUES => self
                .inner
                .rule_kind
                .cues()
                .find_in(scan, list, text, &mut hits),
            TAXONOMY => self
                .inner
                .rules
                .phrase_set()
                .find_in(scan, list, text, &mut hits),
            _ => self
                .inner
                .prioritizer
                .risk_lexicon()
                .phrases()
                .find_in(scan, list, text, &mut hits),
        }
        hits
    }

    /// Analyses a batch with the engine's [`Parallelism`]; one result per record, in order.
    /// Repeat complaints from one `customer_id` raise the priority of the later ones, and so
    /// do topic spikes (see [`crate::priority`]).
    #[must_use]
    pub fn analyze_batch(&self, records: &[Record]) -> Vec<Result<Analysis>> {
        let mut results = self.inner.executor.map(records, |r| self.analyze(r));
        let mut tracker = self.stream_tracker();
        for (record, result) in records.iter().zip(&mut results) {
            if let Ok(analysis) = result {
                self.count_stream(&mut tracker, record, analysis);
            }
        }
        results
    }

    /// A tracker for [`count_stream`](Self::count_stream): one per batch or stream.
    #[must_use]
    pub fn stream_tracker(&self) -> StreamTracker {
        StreamTracker::new(&self.inner.prioritizer)
    }

    /// Counts `analysis` in `tracker` and raises its priority by the same customer's earlier
    /// grievances and by a spike of its topic on its day; call in input order.
    pub fn count_stream(
        &self,
        tracker: &mut StreamTracker,
        record: &Record,
        analysis: &mut Analysis,
    ) {
        let prioritizer = &self.inner.prioritizer;
        let grievance = analysis.kind == Kind::Complaint
            || (analysis.kind != Kind::Praise && analysis.sentiment.score < 0.0);
        let earlier = tracker
            .repeats
            .record(record.customer_id.as_deref(), grievance);
        prioritizer.add_repeats(&mut analysis.priority, earlier);
        if let Some(topic) = &analysis.topic {
            let negative = analysis.sentiment.label == SentimentLabel::Negative;
            let day = record.created_at.as_ref().map(day_number);
            if let Some(count) = tracker.spikes.record(Some(topic.id), day, negative) {
                if grievance && prioritizer.is_spike(count) {
                    prioritizer.add_spike(&mut analysis.priority, &topic.label, count);
                }
            }
        } else if let Some(t) = &record.created_at {
            // Undated or topic-less records still tell how far back the stream goes.
            tracker.spikes.record(None, Some(day_number(t)), false);
        }
    }

    /// The owner and secondary owners of `text` (routing without the kind check and without
    /// the fallback), most confident first, as (department id, confidence, evidence
    /// substrings).
    #[must_use]
    pub fn owners(&self, text: &str) -> Vec<(String, f32, Vec<String>)> {
        let p = self.prepare(text);
        let mut scores = self.with_scan(&p, |scan| self.department_scores(&p, scan));
        let n = self.inner.config.route.owners(&mut scores);
        let ids = self.inner.rules.departments();
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
        let mut scores = self.with_scan(&p, |scan| self.department_scores(&p, scan));
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
        self.inner.rules.departments()
    }

    /// The departments' claims: the rules', or with a learned router its probabilities (with
    /// the rules' evidence) for the departments it knows.
    fn department_scores(&self, p: &Prepared<'_>, scan: &PhraseScan) -> Vec<DepartmentScore> {
        let claims = self
            .inner
            .rules
            .claims_of(&p.norm, &self.hits(p, scan, TAXONOMY));
        let Some(model) = &self.inner.route_model else {
            return claims.into_iter().map(|(c, _)| c).collect();
        };
        let probs =
            model.probabilities(&self.route_doc(model.header().features, &p.tokens, &claims));
        let ids = self.inner.rules.departments();
        model
            .header()
            .classes
            .iter()
            .zip(probs)
            .filter_map(|(class, probability)| {
                let department = ids.iter().position(|id| *id == class.label)?;
                let evidence = claims
                    .iter()
                    .find(|(c, _)| c.department == department)
                    .map(|(c, _)| c.evidence.clone())
                    .unwrap_or_default();
                Some(DepartmentScore {
                    department,
                    confidence: probability,
                    evidence,
                })
            })
            .collect()
    }

    /// The features a learned model reads: the hashed text features plus the rules' evidence
    /// as named extra features, each repeated by twice its score (at most 10 times).
    fn learned_doc<S: AsRef<str>>(
        spec: FeatureSpec,
        tokens: &Tokens,
        extras: impl IntoIterator<Item = (S, f32)>,
    ) -> SparseDoc {
        let mut buckets = Vec::new();
        extract_features(&spec, tokens, &mut buckets);
        for (name, score) in extras {
            let n = (2.0 * score).round().clamp(0.0, 10.0) as usize;
            let b = feature_bucket(&spec, name.as_ref());
            buckets.extend(std::iter::repeat_n(b, n));
        }
        SparseDoc::from_buckets(buckets)
    }

    /// A learned kind model's features: the text's and the cue rules' scores.
    fn kind_doc(&self, spec: FeatureSpec, p: &Prepared<'_>, scan: &PhraseScan) -> SparseDoc {
        let s = self
            .inner
            .rule_kind
            .scores_of(&p.kind_input(), &self.hits(p, scan, CUES));
        Self::learned_doc(
            spec,
            &p.tokens,
            [
                ("rule:complaint", s.complaint),
                ("rule:suggestion", s.suggestion),
                ("rule:question", s.question),
                ("rule:praise", s.praise),
            ],
        )
    }

    /// A learned router's features: the text's and the taxonomy's raw department scores.
    fn route_doc(
        &self,
        spec: FeatureSpec,
        tokens: &Tokens,
        claims: &[(DepartmentScore, f32)],
    ) -> SparseDoc {
        let ids = self.inner.rules.departments();
        Self::learned_doc(
            spec,
            tokens,
            claims
                .iter()
                .map(|(c, score)| (format!("rule:{}", ids[c.department]), *score)),
        )
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
            LearnedTask::Kind => self.with_scan(&p, |scan| self.kind_doc(spec, &p, scan)),
            LearnedTask::Route => {
                let claims = self.with_scan(&p, |scan| {
                    self.inner
                        .rules
                        .claims_of(&p.norm, &self.hits(&p, scan, TAXONOMY))
                });
                self.route_doc(spec, &p.tokens, &claims)
            }
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
        let score = self.inner.sentiment.score(tokens, lang).clamp(-1.0, 1.0);
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
}

impl Prepared<'_> {
    fn terms(&self) -> Terms {
        let mut terms = Terms::new();
        extract_terms(&self.tokens, self.lexicon, &mut terms);
        terms
    }

    fn kind_input(&self) -> KindInput<'_> {
        KindInput {
            normalized: &self.norm,
            tokens: &self.tokens,
            lang: self.lang,
            sentiment: self.sentiment,
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

/// Loads a learned model for `task` and checks its labels: kinds, or departments of the
/// taxonomy in use.
fn load_class_model(
    path: &std::path::Path,
    task: LearnedTask,
    departments: Option<&[String]>,
) -> Result<ClassModel> {
    let model = ClassModel::from_path(path)?;
    let fail = |message: String| Error::Config {
        path: Some(path.to_owned()),
        message,
    };
    if model.header().task != task.as_str() {
        return Err(fail(format!(
            "a `{}` model, not a `{}` one",
            model.header().task,
            task.as_str()
        )));
    }
    for class in &model.header().classes {
        let known = match departments {
            None => Kind::parse(&class.label).is_some(),
            Some(ids) => ids.contains(&class.label),
        };
        if !known {
            return Err(fail(format!(
                "its class `{}` is not a {}",
                class.label,
                if departments.is_some() {
                    "department of the taxonomy in use"
                } else {
                    "kind"
                }
            )));
        }
    }
    Ok(model)
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
            || -> Result<_> {
                let sentiment = match self.sentiment {
                    Some(s) => s,
                    None => config.sentiment.build()?,
                };
                let rule_kind = config.kind.build(normalizer.as_ref())?;
                let rules = config.route.build(normalizer.as_ref())?;
                let kind_model = match &config.kind.model {
                    Some(path) => Some(Arc::new(load_class_model(path, LearnedTask::Kind, None)?)),
                    None => None,
                };
                let route_model = match &config.route.model {
                    Some(path) => Some(Arc::new(load_class_model(
                        path,
                        LearnedTask::Route,
                        Some(rules.departments()),
                    )?)),
                    None => None,
                };
                let lexicon = PhraseLexicon::new(
                    rules
                        .phrases()
                        .map(|p| normalizer.normalize(p.trim()).text().to_lowercase()),
                );
                let keywords = KeywordExtractor::new(&config.keywords)?;
                let prioritizer = Prioritizer::new(
                    config.priority.clone(),
                    RiskLexicon::shipped(normalizer.as_ref())?,
                );
                // In the order of CUES, TAXONOMY, RISKS.
                let phrases = PhraseScanner::new(&[
                    rule_kind.cues().list(),
                    rules.phrase_set().list(),
                    prioritizer.risk_lexicon().phrases().list(),
                ])?;
                Ok((
                    sentiment,
                    rule_kind,
                    rules,
                    kind_model,
                    route_model,
                    lexicon,
                    keywords,
                    prioritizer,
                    phrases,
                ))
            },
        );
        let segmenter = segmenter?;
        let (
            sentiment,
            rule_kind,
            rules,
            kind_model,
            route_model,
            lexicon,
            keywords,
            prioritizer,
            phrases,
        ) = others?;
        Ok(Engine {
            inner: Arc::new(Inner {
                detector: Arc::new(StandardDetector::new(config.language)),
                normalizer,
                segmenter,
                sentiment,
                rule_kind,
                rules,
                lexicon,
                keywords,
                kind_model,
                route_model,
                prioritizer,
                phrases,
                executor,
                config,
            }),
            topics: self.topics,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
