//! Topics: keyword-labelled clusters of feedback, fitted over a batch and saved for
//! assigning one record at a time.
//!
//! # Fitting ([`TopicCorpus`] → [`TopicModel::fit`])
//!
//! 1. Every record's candidate terms ([`crate::keywords::Terms`]: content words, taxonomy
//!    phrases merged) are counted. The vocabulary is the `vocabulary` terms with the highest
//!    document frequency among those in at least `min_df` records (and at least 0.02% of
//!    them) and in at most `max_df` of them.
//! 2. Each record becomes a unit-length TF-IDF vector: `(1 + ln tf) · idf`,
//!    `idf = ln((1 + N) / (1 + df)) + 1`.
//! 3. Spherical k-means (cosine similarity, k-means++ seeding from `seed`, at most 30
//!    rounds) clusters the vectors. With `k = 0` the number of topics is chosen first: each
//!    candidate k is fitted on a sample of at most 20,000 records and scored by the NPMI
//!    coherence of its topics' top 10 terms times the diversity of their top 25 (see
//!    [`eval`]), both over that sample; the best k wins, the smaller on a tie.
//! 4. The centroids, every term of positive weight, are the saved model, and the fit's own
//!    assignment is made with it, exactly as later records are assigned.
//! 5. A record whose best cosine is below `min_similarity` (default 0: any shared term
//!    joins), or that has no vocabulary term,
//!    is an outlier (no topic).
//! 6. Topics are numbered by size, largest first, and labelled by the original-script
//!    surfaces of their three heaviest terms. Each carries its 25 keywords with weights, its
//!    size and share, sentiment mix, top departments (the routing rules' owner of each
//!    record) and the three records nearest its centroid.
//!
//! Records are turned into [`CountedDoc`]s (terms counted and hashed) wherever they are
//! analysed, in parallel; the corpus adds them in input order, so term ids are the order of
//! first occurrence. Everything else but step 3's assignment passes (which `map` may run in
//! parallel) is sequential, so the same records and seed give the same topics, whatever the
//! number of threads.

pub mod eval;
mod kmeans;

use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::keywords::{Terms, SHIPPED_DEFAULT_IDF};
use crate::learn::hash::{StableBuild as FxBuild, StableHasher};
use crate::learn::SplitMix64;
use crate::sentiment::{is_opinion_word, SentimentLabel};
use kmeans::{spherical_kmeans, SparseRows};

type FxMap<K, V> = HashMap<K, V, FxBuild>;

/// The file format name of a saved topic model.
pub const FORMAT: &str = "fankui-topics";
/// Its version.
pub const FORMAT_VERSION: u32 = 1;

/// Keywords kept per topic.
const TOPIC_KEYWORDS: usize = 25;
/// Records sampled to choose k.
const K_SAMPLE: usize = 20_000;
/// The candidates for k.
const K_GRID: [usize; 8] = [6, 8, 10, 12, 15, 20, 25, 30];

/// How topics are fitted.
///
/// | Name | Default | Purpose |
/// |---|---|---|
/// | `k` | 0 | number of topics; 0 chooses it (6–30) |
/// | `seed` | 42 | seeding of k-means and of the sample that chooses k |
/// | `vocabulary` | 5000 | most terms clustered |
/// | `min_df` | 5 | fewest records a term must occur in |
/// | `max_df` | 0.4 | largest share of records a term may occur in |
/// | `min_similarity` | 0 | lowest cosine for a record to join a topic (0: any shared term) |
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TopicOptions {
    /// Number of topics (0: automatic).
    pub k: usize,
    /// Seed.
    pub seed: u64,
    /// Vocabulary size.
    pub vocabulary: usize,
    /// Minimum document frequency.
    pub min_df: usize,
    /// Maximum document share.
    pub max_df: f32,
    /// Minimum cosine to a centroid.
    pub min_similarity: f32,
    /// Leave opinion words (sentiment lexicon) out of the vocabulary.
    pub exclude_opinion: bool,
    /// Weight terms by their general specificity too (shipped IDF / its maximum).
    pub specificity: bool,
}

impl Default for TopicOptions {
    fn default() -> Self {
        TopicOptions {
            k: 0,
            seed: 42,
            vocabulary: 5000,
            min_df: 5,
            max_df: 0.4,
            min_similarity: 0.0,
            exclude_opinion: true,
            specificity: true,
        }
    }
}

/// What the fitter keeps of one record.
#[derive(Debug, Clone)]
pub struct TopicDoc {
    /// Its candidate terms.
    pub terms: Terms,
    /// Its original text.
    pub text: String,
    /// Its sentiment label.
    pub sentiment: SentimentLabel,
    /// The department the routing rules would give it, as an index into the engine's
    /// departments.
    pub department: Option<usize>,
}

/// A [`TopicDoc`] with its terms counted and hashed, so that adding it to a
/// [`TopicCorpus`] is integer work: made where records are analysed (in parallel), added
/// in input order.
#[derive(Debug, Clone)]
pub struct CountedDoc {
    /// Distinct terms in order of first occurrence.
    terms: Vec<CountedTerm>,
    /// Their forms, one after the other.
    forms: String,
    /// Occurrences whose original surface differs from the form: (index into `terms`,
    /// surface, count).
    surfaces: Vec<(u32, String, u32)>,
    text: String,
    sentiment: SentimentLabel,
    department: Option<u16>,
}

#[derive(Debug, Clone, Copy)]
struct CountedTerm {
    hash: u64,
    count: u32,
    /// End of the form in `forms`.
    end: u32,
}

/// Distinct terms a record may have before they are found through a table rather than by
/// scanning the list.
const SCAN_TERMS: usize = 32;

impl From<TopicDoc> for CountedDoc {
    fn from(doc: TopicDoc) -> Self {
        let mut terms: Vec<CountedTerm> = Vec::new();
        let mut distinct: Vec<&str> = Vec::new();
        let mut surfaces: Vec<(u32, String, u32)> = Vec::new();
        // Only records with many terms get a table; most have a handful.
        let mut table: FxMap<&str, usize> = FxMap::default();
        for (form, span) in doc.terms.iter() {
            let hash = term_hash(form);
            let found = if distinct.len() < SCAN_TERMS {
                (0..terms.len()).find(|&i| terms[i].hash == hash && distinct[i] == form)
            } else {
                if table.is_empty() {
                    table.extend(distinct.iter().enumerate().map(|(i, &f)| (f, i)));
                }
                table.get(form).copied()
            };
            let i = found.unwrap_or_else(|| {
                terms.push(CountedTerm {
                    hash,
                    count: 0,
                    end: 0,
                });
                distinct.push(form);
                if !table.is_empty() {
                    table.insert(form, terms.len() - 1);
                }
                terms.len() - 1
            });
            terms[i].count += 1;
            let surface = doc.text.get(span).unwrap_or(form);
            if surface != form {
                match surfaces
                    .iter_mut()
                    .find(|(t, s, _)| *t as usize == i && s == surface)
                {
                    Some(e) => e.2 += 1,
                    None => surfaces.push((i as u32, surface.to_owned(), 1)),
                }
            }
        }
        let mut forms = String::with_capacity(distinct.iter().map(|f| f.len()).sum());
        for (t, f) in terms.iter_mut().zip(&distinct) {
            forms.push_str(f);
            t.end = forms.len() as u32;
        }
        CountedDoc {
            terms,
            forms,
            surfaces,
            text: doc.text,
            sentiment: doc.sentiment,
            department: doc.department.and_then(|d| u16::try_from(d).ok()),
        }
    }
}

/// A term's hash: the fixed hash of its bytes with MurmurHash3's finaliser, so that every bit
/// depends on every byte (the corpus's table uses it as is).
fn term_hash(form: &str) -> u64 {
    let mut h = StableHasher::default();
    h.write(form.as_bytes());
    h.write_usize(form.len());
    let mut x = h.finish();
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    x = x.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    x ^ (x >> 33)
}

/// A hasher for keys that are hashes already.
#[derive(Default)]
struct Prehashed(u64);

impl Hasher for Prehashed {
    fn write(&mut self, _: &[u8]) {
        unreachable!("only u64 keys")
    }

    fn write_u64(&mut self, h: u64) {
        self.0 = h;
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// Records collected for fitting: interned terms, counts and what the summaries need.
#[derive(Debug, Default)]
pub struct TopicCorpus {
    /// Term hash → the first term with it.
    by_hash: HashMap<u64, u32, BuildHasherDefault<Prehashed>>,
    /// Terms whose hash an earlier term has (none, in practice; but they stay distinct).
    collided: FxMap<String, u32>,
    /// Terms in order of first occurrence.
    terms: Vec<String>,
    df: Vec<u32>,
    /// Occurrences of each term.
    occurrences: Vec<u64>,
    /// The surfaces of a term that differ from its form, with their counts (the form
    /// itself counts the other occurrences).
    surfaces: FxMap<u32, Vec<(String, u64)>>,
    /// (term, count) of each record, in order of first occurrence, flat.
    doc_terms: Vec<(u32, u32)>,
    doc_offsets: Vec<usize>,
    texts: String,
    text_offsets: Vec<usize>,
    sentiment: Vec<SentimentLabel>,
    department: Vec<Option<u16>>,
}

impl TopicCorpus {
    /// An empty corpus.
    #[must_use]
    pub fn new() -> Self {
        TopicCorpus {
            doc_offsets: vec![0],
            text_offsets: vec![0],
            ..Default::default()
        }
    }

    /// Number of records.
    #[must_use]
    pub fn len(&self) -> usize {
        self.doc_offsets.len() - 1
    }

    /// Whether there are none.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Adds a record.
    pub fn push(&mut self, doc: &TopicDoc) {
        self.add(CountedDoc::from(doc.clone()));
    }

    /// Adds a counted record: a table probe per distinct term, no string hashing.
    pub fn add(&mut self, doc: CountedDoc) {
        let base = self.doc_terms.len();
        let mut start = 0;
        for t in &doc.terms {
            let id = self.intern(&doc.forms[start..t.end as usize], t.hash);
            start = t.end as usize;
            self.df[id as usize] += 1;
            self.occurrences[id as usize] += u64::from(t.count);
            self.doc_terms.push((id, t.count));
        }
        for (i, surface, count) in doc.surfaces {
            let id = self.doc_terms[base + i as usize].0;
            let seen = self.surfaces.entry(id).or_default();
            match seen.iter_mut().find(|(s, _)| *s == surface) {
                Some(e) => e.1 += u64::from(count),
                None => seen.push((surface, u64::from(count))),
            }
        }
        self.doc_offsets.push(self.doc_terms.len());
        self.texts.push_str(&doc.text);
        self.text_offsets.push(self.texts.len());
        self.sentiment.push(doc.sentiment);
        self.department.push(doc.department);
    }

    /// The id of `form` (whose hash is `hash`), added if new.
    fn intern(&mut self, form: &str, hash: u64) -> u32 {
        let next = self.terms.len() as u32;
        let id = match self.by_hash.entry(hash) {
            Entry::Occupied(e) => {
                let id = *e.get();
                if self.terms[id as usize] == form {
                    return id;
                }
                match self.collided.get(form) {
                    Some(&id) => return id,
                    None => {
                        self.collided.insert(form.to_owned(), next);
                        next
                    }
                }
            }
            Entry::Vacant(e) => *e.insert(next),
        };
        self.terms.push(form.to_owned());
        self.df.push(0);
        self.occurrences.push(0);
        id
    }

    fn doc(&self, i: usize) -> &[(u32, u32)] {
        &self.doc_terms[self.doc_offsets[i]..self.doc_offsets[i + 1]]
    }

    fn text(&self, i: usize) -> &str {
        &self.texts[self.text_offsets[i]..self.text_offsets[i + 1]]
    }

    /// The most frequent original surface of a term (the smallest on a tie).
    fn surface(&self, term: u32) -> &str {
        let form = self.terms[term as usize].as_str();
        let others = self.surfaces.get(&term).map_or(&[][..], Vec::as_slice);
        let as_form = self.occurrences[term as usize] - others.iter().map(|s| s.1).sum::<u64>();
        others
            .iter()
            .map(|(s, c)| (s.as_str(), *c))
            .chain((as_form > 0).then_some((form, as_form)))
            .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(a.0)))
            .map_or(form, |(s, _)| s)
    }
}

/// One keyword of a topic.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopicKeyword {
    /// Normalised form (what records are matched on).
    pub term: String,
    /// The most frequent original form.
    pub surface: String,
    /// Its weight in the centroid.
    pub weight: f32,
}

/// Sentiment counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SentimentMix {
    /// Negative records.
    pub negative: u64,
    /// Neutral records.
    pub neutral: u64,
    /// Positive records.
    pub positive: u64,
}

/// A department's share of a topic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DepartmentCount {
    /// Department id.
    pub id: String,
    /// Records it owns.
    pub records: u64,
}

/// One topic.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Topic {
    /// Its id (0 is the largest).
    pub id: u32,
    /// Its label: the surfaces of its top three keywords.
    pub label: String,
    /// Its keywords, heaviest first.
    pub keywords: Vec<TopicKeyword>,
    /// Records assigned in the fit.
    pub size: u64,
    /// Their share of all records.
    pub share: f32,
    /// Their sentiment.
    pub sentiment: SentimentMix,
    /// The owners of its records, most first (at most five).
    pub departments: Vec<DepartmentCount>,
    /// The records nearest the centroid.
    pub examples: Vec<String>,
    /// The centroid: (vocabulary index, weight), heaviest first.
    pub centroid: Vec<(u32, f32)>,
}

/// A vocabulary entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VocabularyTerm {
    /// Normalised form.
    pub term: String,
    /// Its IDF.
    pub idf: f32,
}

/// A fitted topic model; saved as JSON.
///
/// # Examples
///
/// ```
/// use fankui::topics::{TopicCorpus, TopicDoc, TopicModel, TopicOptions};
/// use fankui::{Engine, SentimentLabel};
///
/// let engine = Engine::builder().build()?;
/// let texts = ["快递还没到", "等快递等了一周", "快递一直没更新", "屏幕有划痕", "屏幕碎了", "屏幕有坏点"];
/// let mut corpus = TopicCorpus::new();
/// for text in texts {
///     let terms = engine.terms(&engine.segment(text));
///     corpus.push(&TopicDoc { terms, text: text.into(), sentiment: SentimentLabel::Neutral, department: None });
/// }
/// let options = TopicOptions { k: 2, min_df: 2, max_df: 0.9, ..TopicOptions::default() };
/// let (model, assigned) = TopicModel::fit(&corpus, &options, engine.departments(), &|n, f| (0..n).map(f).collect());
/// assert_eq!(model.topics.len(), 2);
/// assert_eq!(assigned[0], assigned[1]);
/// assert_ne!(assigned[0], assigned[3]);
/// let t = model.assign(&engine.terms(&engine.segment("快递到哪了"))).unwrap();
/// assert_eq!(Some(t.0), assigned[0]);
/// # Ok::<(), fankui::Error>(())
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TopicModel {
    /// Always [`FORMAT`].
    pub format: String,
    /// [`FORMAT_VERSION`].
    pub version: u32,
    /// The options it was fitted with (`k` as chosen).
    pub options: TopicOptions,
    /// Records it was fitted on.
    pub documents: u64,
    /// Of which outliers.
    pub outliers: u64,
    /// The k candidates tried and their scores (coherence × diversity), when k was chosen.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub k_scores: Vec<(usize, f32)>,
    /// The terms the centroids use.
    pub vocabulary: Vec<VocabularyTerm>,
    /// The topics, largest first.
    pub topics: Vec<Topic>,
    #[serde(skip)]
    lookup: Lookup,
}

/// Assignment tables built from the saved fields.
#[derive(Debug, Clone, Default)]
struct Lookup {
    index: FxMap<String, u32>,
    /// Per vocabulary term: (topic, weight).
    postings: Vec<Vec<(u32, f32)>>,
    /// The median topic's negative records, on first use ([`TopicModel::negative_ratio`]).
    median_negative: std::sync::OnceLock<f64>,
}

/// Runs `f` over `0..n` and returns the results in order (possibly in parallel).
pub type IndexMap<'a> = dyn Fn(usize, &(dyn Fn(usize) -> Option<(u32, f32)> + Sync)) -> Vec<Option<(u32, f32)>>
    + Sync
    + 'a;

impl TopicModel {
    /// Fits topics to `corpus`; returns the model and each record's topic (`None`: outlier).
    /// `departments` names the department indices of the records; `map` runs the assignment
    /// passes (see [`IndexMap`]).
    #[must_use]
    pub fn fit(
        corpus: &TopicCorpus,
        options: &TopicOptions,
        departments: &[String],
        map: &IndexMap<'_>,
    ) -> (TopicModel, Vec<Option<u32>>) {
        let n = corpus.len();
        let vocab = select_vocabulary(corpus, options);
        let general = crate::keywords::IdfTable::shipped();
        let idf: Vec<f32> = vocab
            .iter()
            .map(|&t| {
                let batch = ((1.0 + n as f32) / (1.0 + corpus.df[t as usize] as f32)).ln() + 1.0;
                if options.specificity {
                    let term = &corpus.terms[t as usize];
                    batch * (general.get(term) / SHIPPED_DEFAULT_IDF).min(1.0)
                } else {
                    batch
                }
            })
            .collect();
        let mut column: FxMap<u32, u32> = FxMap::default();
        for (j, &t) in vocab.iter().enumerate() {
            column.insert(t, j as u32);
        }
        let rows = doc_vectors(corpus, &column, &idf, 0..n);
        let dim = vocab.len().max(1);
        let sub_map = |idx: &[usize],
                       f: &(dyn Fn(usize) -> Option<(u32, f32)> + Sync)|
         -> Vec<Option<(u32, f32)>> { map(idx.len(), &|i| f(idx[i])) };

        let mut options = options.clone();
        let mut k_scores = Vec::new();
        // (With no record to cluster there is no k to choose, and no topic.)
        let clusterable = (0..n).any(|i| !rows.is_empty_row(i));
        if options.k == 0 && clusterable {
            let mut sample: Vec<usize> = (0..n).collect();
            if n > K_SAMPLE {
                SplitMix64(options.seed ^ 0x5EED).shuffle(&mut sample);
                sample.truncate(K_SAMPLE);
                sample.sort_unstable();
            }
            let sub = doc_vectors(corpus, &column, &idf, sample.iter().copied());
            let mut best = (0, f32::NEG_INFINITY);
            for k in K_GRID {
                let c = spherical_kmeans(&sub, dim, k, options.seed, 30, &sub_map);
                let tops: Vec<Vec<u32>> = (0..c.k)
                    .map(|t| top_columns(c.row(t), TOPIC_KEYWORDS))
                    .collect();
                let score =
                    eval::npmi_rows(&sub, &tops, 10) * eval::diversity(&tops, TOPIC_KEYWORDS);
                k_scores.push((k, score));
                if score > best.1 {
                    best = (k, score);
                }
            }
            options.k = best.0;
        }
        let fitted = spherical_kmeans(&rows, dim, options.k, options.seed, 30, &sub_map);

        // The saved centroids are the fitted ones, every term of positive weight, heaviest
        // first; so a record is assigned by the same nearest-centroid rule k-means used. (Cut
        // to their 300 heaviest terms, they left records sharing only rarer terms with every
        // topic without one: 2.2% of the 1M-record dump, 0.6% of the 20k sample.)
        let k = fitted.k;
        let kept: Vec<Vec<(u32, f32)>> = (0..k)
            .map(|t| {
                let row = fitted.row(t);
                top_columns(row, row.len())
                    .into_iter()
                    .map(|j| (j, row[j as usize]))
                    .collect()
            })
            .collect();
        // The saved model's vocabulary: the terms some centroid has.
        let mut used: Vec<u32> = kept.iter().flatten().map(|&(j, _)| j).collect();
        used.sort_unstable();
        used.dedup();
        let mut new_index = vec![u32::MAX; dim];
        let mut to_model: FxMap<u32, u32> = FxMap::default();
        for (i, &j) in used.iter().enumerate() {
            new_index[j as usize] = i as u32;
            to_model.insert(vocab[j as usize], i as u32);
        }
        let vocabulary: Vec<VocabularyTerm> = used
            .iter()
            .map(|&j| VocabularyTerm {
                term: corpus.terms[vocab[j as usize] as usize].clone(),
                idf: idf[j as usize],
            })
            .collect();
        let mut topics: Vec<Topic> = kept
            .into_iter()
            .enumerate()
            .map(|(c, centroid)| Topic {
                id: c as u32,
                label: String::new(),
                keywords: Vec::new(),
                size: 0,
                share: 0.0,
                sentiment: SentimentMix::default(),
                departments: Vec::new(),
                examples: Vec::new(),
                centroid: centroid
                    .into_iter()
                    .map(|(j, w)| (new_index[j as usize], w))
                    .collect(),
            })
            .collect();

        // Assign with the saved model itself, so a later `assign` of the same record agrees.
        let all: Vec<usize> = (0..n).collect();
        let assign_all = |model: &TopicModel| {
            sub_map(&all, &|i| {
                let tf = corpus
                    .doc(i)
                    .iter()
                    .filter_map(|&(t, c)| Some((*to_model.get(&t)?, c as f32)))
                    .collect();
                model.assign_counts(tf)
            })
        };
        let mut model = TopicModel {
            format: FORMAT.to_owned(),
            version: FORMAT_VERSION,
            options,
            documents: n as u64,
            outliers: 0,
            k_scores,
            vocabulary,
            topics: std::mem::take(&mut topics),
            lookup: Lookup::default(),
        };
        model.build_lookup();
        let first = assign_all(&model);
        // Number topics by size, largest first, and assign again with the final numbering.
        let mut sizes = vec![0u64; k];
        for (c, _) in first.iter().flatten() {
            sizes[*c as usize] += 1;
        }
        let mut order: Vec<usize> = (0..k).collect();
        order.sort_by(|&a, &b| sizes[b].cmp(&sizes[a]).then(a.cmp(&b)));
        let mut old: Vec<Option<Topic>> = model.topics.drain(..).map(Some).collect();
        for (r, &c) in order.iter().enumerate() {
            let mut t = old[c].take().expect("each topic once");
            t.id = r as u32;
            model.topics.push(t);
        }
        model.build_lookup();
        let assign = assign_all(&model);
        let assigned: Vec<Option<u32>> = assign.iter().map(|a| a.map(|(c, _)| c)).collect();

        // Summaries.
        let mut members: Vec<Vec<(f32, usize)>> = vec![Vec::new(); k];
        for (i, a) in assign.iter().enumerate() {
            if let Some((c, s)) = a {
                members[*c as usize].push((*s, i));
            }
        }
        for (topic, mut nearest) in model.topics.iter_mut().zip(members) {
            topic.keywords = topic
                .centroid
                .iter()
                .take(TOPIC_KEYWORDS)
                .map(|&(j, weight)| {
                    let t = vocab[used[j as usize] as usize];
                    TopicKeyword {
                        term: corpus.terms[t as usize].clone(),
                        surface: corpus.surface(t).to_owned(),
                        weight,
                    }
                })
                .collect();
            topic.label = topic
                .keywords
                .iter()
                .take(3)
                .map(|k| k.surface.as_str())
                .collect::<Vec<_>>()
                .join(" / ");
            topic.size = nearest.len() as u64;
            topic.share = if n == 0 {
                0.0
            } else {
                nearest.len() as f32 / n as f32
            };
            let mut owners: FxMap<u16, u64> = FxMap::default();
            for &(_, i) in &nearest {
                match corpus.sentiment[i] {
                    SentimentLabel::Negative => topic.sentiment.negative += 1,
                    SentimentLabel::Neutral => topic.sentiment.neutral += 1,
                    SentimentLabel::Positive => topic.sentiment.positive += 1,
                }
                if let Some(d) = corpus.department[i] {
                    *owners.entry(d).or_default() += 1;
                }
            }
            let mut owners: Vec<(u16, u64)> = owners.into_iter().collect();
            owners.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            topic.departments = owners
                .into_iter()
                .take(5)
                .filter_map(|(d, records)| {
                    Some(DepartmentCount {
                        id: departments.get(d as usize)?.clone(),
                        records,
                    })
                })
                .collect();
            nearest.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
            for &(_, i) in &nearest {
                let text = corpus.text(i).trim();
                if !topic.examples.iter().any(|e| e == text) {
                    topic.examples.push(text.to_owned());
                }
                if topic.examples.len() == 3 {
                    break;
                }
            }
        }
        model.outliers = assigned.iter().filter(|a| a.is_none()).count() as u64;
        (model, assigned)
    }

    fn build_lookup(&mut self) {
        let mut index = FxMap::default();
        for (i, v) in self.vocabulary.iter().enumerate() {
            index.insert(v.term.clone(), i as u32);
        }
        let mut postings = vec![Vec::new(); self.vocabulary.len()];
        for t in &self.topics {
            for &(j, w) in &t.centroid {
                if let Some(p) = postings.get_mut(j as usize) {
                    p.push((t.id, w));
                }
            }
        }
        self.lookup = Lookup {
            index,
            postings,
            median_negative: std::sync::OnceLock::new(),
        };
    }

    /// The topic of a record from its terms, with the cosine; `None` when it is an outlier.
    #[must_use]
    pub fn assign(&self, terms: &Terms) -> Option<(u32, f32)> {
        let mut tf: Vec<(u32, f32)> = Vec::new();
        for (form, _) in terms.iter() {
            if let Some(&j) = self.lookup.index.get(form) {
                match tf.iter_mut().find(|(t, _)| *t == j) {
                    Some(e) => e.1 += 1.0,
                    None => tf.push((j, 1.0)),
                }
            }
        }
        self.assign_counts(tf)
    }

    /// The topic of a record from its (vocabulary index, count) pairs in order of first
    /// occurrence.
    fn assign_counts(&self, mut tf: Vec<(u32, f32)>) -> Option<(u32, f32)> {
        if tf.is_empty() {
            return None;
        }
        let mut norm = 0.0f32;
        for (j, w) in &mut tf {
            *w = (1.0 + w.ln()) * self.vocabulary[*j as usize].idf;
            norm += *w * *w;
        }
        let norm = norm.sqrt();
        let mut scores = vec![0.0f32; self.topics.len()];
        for (j, w) in &tf {
            for &(t, c) in &self.lookup.postings[*j as usize] {
                scores[t as usize] += c * w / norm;
            }
        }
        let (best, score) = scores
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(b.1).then(b.0.cmp(&a.0)))?;
        (*score >= self.options.min_similarity).then_some((best as u32, *score))
    }

    /// Topic `id`'s negative records as a share of all records of the fit (outliers
    /// included): how much of the feedback is a complaint about it.
    #[must_use]
    pub fn negative_share(&self, id: u32) -> Option<f32> {
        let topic = self.topics.get(id as usize)?;
        Some(if self.documents == 0 {
            0.0
        } else {
            (topic.sentiment.negative as f64 / self.documents as f64) as f32
        })
    }

    /// Topic `id`'s negative records in the fit over those of the median topic; `None` when
    /// the median topic has none.
    #[must_use]
    pub fn negative_ratio(&self, id: u32) -> Option<f32> {
        let topic = self.topics.get(id as usize)?;
        // Once per model, not per record.
        let median = *self.lookup.median_negative.get_or_init(|| {
            crate::learn::stats::median(self.topics.iter().map(|t| t.sentiment.negative).collect())
        });
        (median > 0.0).then(|| (topic.sentiment.negative as f64 / median) as f32)
    }

    /// The number of topics.
    #[must_use]
    pub fn topic_count(&self) -> usize {
        self.topics.len()
    }

    /// The label of topic `id`.
    #[must_use]
    pub fn label(&self, id: u32) -> Option<&str> {
        self.topics.get(id as usize).map(|t| t.label.as_str())
    }

    /// Reads a saved model.
    ///
    /// # Errors
    ///
    /// The file cannot be read ([`Error::Io`]), is not JSON of a topic model ([`Error::Json`]),
    /// is not of this format version or refers to vocabulary entries it does not have
    /// ([`Error::Config`]).
    pub fn from_path(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
        Self::from_json(&text, path)
    }

    /// Reads a model from the text of a saved one; `path` is what errors name.
    ///
    /// # Errors
    ///
    /// As [`TopicModel::from_path`], but for reading.
    pub fn from_json(text: &str, path: &Path) -> Result<Self> {
        let fail = |message: String| Error::Config {
            path: Some(path.to_owned()),
            message,
        };
        let mut model: TopicModel = serde_json::from_str(text)
            .map_err(|e| Error::json(format!("not a topic model: {}", path.display()), e))?;
        if model.format != FORMAT || model.version != FORMAT_VERSION {
            return Err(fail(format!(
                "format `{}` version {}, expected `{FORMAT}` version {FORMAT_VERSION}",
                model.format, model.version
            )));
        }
        let v = model.vocabulary.len() as u32;
        for (i, t) in model.topics.iter().enumerate() {
            if t.id as usize != i {
                return Err(fail(format!("topic {i} has id {}", t.id)));
            }
            if let Some((j, _)) = t.centroid.iter().find(|(j, _)| *j >= v) {
                return Err(fail(format!(
                    "topic {i}: vocabulary index {j}, but the vocabulary has {v} terms"
                )));
            }
        }
        model.build_lookup();
        Ok(model)
    }

    /// Writes the model as JSON.
    ///
    /// # Errors
    ///
    /// The model cannot be serialised ([`Error::Json`]) or the file cannot be written
    /// ([`Error::Io`]).
    pub fn save(&self, path: &Path) -> Result<()> {
        let json = serde_json::to_string_pretty(self)
            .map_err(|e| Error::json(format!("cannot write topic model {}", path.display()), e))?;
        std::fs::write(path, json + "\n")
            .map_err(|e| Error::io(format!("writing {}", path.display()), e))
    }
}

/// The vocabulary: corpus term ids by document frequency.
fn select_vocabulary(corpus: &TopicCorpus, options: &TopicOptions) -> Vec<u32> {
    let n = corpus.len();
    // Document frequencies are `u32`s: a larger `min_df` saturates rather than wraps.
    let min_df = u32::try_from(options.min_df.max(n / 5000).max(1)).unwrap_or(u32::MAX);
    let max_df = ((options.max_df.clamp(0.0, 1.0) * n as f32).floor() as u32).max(1);
    let mut vocab: Vec<u32> = (0..corpus.terms.len() as u32)
        .filter(|&t| (min_df..=max_df).contains(&corpus.df[t as usize]))
        .filter(|&t| !(options.exclude_opinion && is_opinion_word(&corpus.terms[t as usize])))
        .collect();
    vocab.sort_by(|&a, &b| {
        corpus.df[b as usize]
            .cmp(&corpus.df[a as usize])
            .then_with(|| corpus.terms[a as usize].cmp(&corpus.terms[b as usize]))
    });
    vocab.truncate(options.vocabulary.max(1));
    vocab
}

/// Unit TF-IDF vectors of records `which`.
fn doc_vectors(
    corpus: &TopicCorpus,
    column: &FxMap<u32, u32>,
    idf: &[f32],
    which: impl Iterator<Item = usize>,
) -> SparseRows {
    let mut rows = SparseRows::new();
    let mut row: Vec<(u32, f32)> = Vec::new();
    for i in which {
        row.clear();
        for &(t, c) in corpus.doc(i) {
            if let Some(&j) = column.get(&t) {
                row.push((j, (1.0 + (c as f32).ln()) * idf[j as usize]));
            }
        }
        row.sort_unstable_by_key(|e| e.0);
        let norm = row.iter().map(|(_, w)| w * w).sum::<f32>().sqrt();
        rows.push(row.iter().map(|&(j, w)| (j, w / norm)));
    }
    rows
}

/// The indices of the `n` largest positive entries, largest first.
fn top_columns(row: &[f32], n: usize) -> Vec<u32> {
    let mut idx: Vec<u32> = (0..row.len() as u32)
        .filter(|&j| row[j as usize] > 0.0)
        .collect();
    idx.sort_by(|&a, &b| row[b as usize].total_cmp(&row[a as usize]).then(a.cmp(&b)));
    idx.truncate(n);
    idx
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(engine: &crate::Engine, text: &str) -> TopicDoc {
        TopicDoc {
            terms: engine.terms(&engine.segment(text)),
            text: text.to_owned(),
            sentiment: SentimentLabel::Neutral,
            department: None,
        }
    }

    #[test]
    fn terms_sharing_a_hash_stay_distinct() {
        let mut corpus = TopicCorpus::new();
        let a = corpus.intern("快递", 7);
        let b = corpus.intern("屏幕", 7);
        let c = corpus.intern("电池", 8);
        assert_eq!((a, b, c), (0, 1, 2));
        assert_eq!(corpus.intern("屏幕", 7), 1);
        assert_eq!(corpus.intern("快递", 7), 0);
        assert_eq!(corpus.terms, ["快递", "屏幕", "电池"]);
    }

    #[test]
    fn long_records_count_like_short_ones() {
        let engine = crate::Engine::builder().build().unwrap();
        let words: Vec<String> = (0..80).map(|i| format!("word{i}x")).collect();
        // Every word three times, in three passes: past the scanning limit, into the table.
        let text = [words.join(" "), words.join(" "), words.join(" ")].join(" ");
        let counted = CountedDoc::from(doc(&engine, &text));
        assert_eq!(counted.terms.len(), 80);
        assert!(counted.terms.iter().all(|t| t.count == 3));
        let mut start = 0;
        for (t, w) in counted.terms.iter().zip(&words) {
            assert_eq!(&counted.forms[start..t.end as usize], w);
            assert_eq!(t.hash, term_hash(w));
            start = t.end as usize;
        }
    }

    #[test]
    fn the_most_frequent_surface_labels_a_term() {
        let engine = crate::Engine::builder().build().unwrap();
        let mut corpus = TopicCorpus::new();
        for text in [
            "iPhone battery",
            "iPhone screen",
            "iphone case",
            "IPHONE battery",
        ] {
            corpus.push(&doc(&engine, text));
        }
        let id = corpus.terms.iter().position(|t| t == "iphone").unwrap() as u32;
        assert_eq!(corpus.occurrences[id as usize], 4);
        assert_eq!(corpus.surface(id), "iPhone");
        corpus.push(&doc(&engine, "iphone iphone"));
        assert_eq!(corpus.surface(id), "iphone");
        let battery = corpus.terms.iter().position(|t| t == "battery").unwrap() as u32;
        assert_eq!(corpus.surface(battery), "battery");
    }
}
