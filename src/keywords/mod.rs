//! Keywords: the words and phrases a record is about.
//!
//! Candidates ([`Terms`]) are a record's content words: words (not numbers, punctuation or
//! emoji) that are not stopwords, of two or more characters. Adjacent words that together form
//! a known phrase are merged into one term first: `售后` + `服务` → `售后服务`, `battery` +
//! `life` → `battery life`. The known phrases are the taxonomy's (every plain phrase of every
//! department; see [`PhraseLexicon`]), so a user's taxonomy teaches the keywords its
//! vocabulary too.
//!
//! [`KeywordExtractor`] ranks a record's terms by one of two methods:
//!
//! - **TF-IDF** (the default): `tf · idf`, `tf` the term's count in the record, `idf` from an
//!   [`IdfTable`]. The shipped table is jieba's own IDF for Chinese and one built from the
//!   English texts of the shared corpora (`models/keywords/build_idf.sh`); a term missing from
//!   the table, merged phrases included, gets the table's median (11.95 for the shipped one),
//!   so rare and specific terms rank first, as in jieba.
//! - **TextRank** (Mihalcea & Tarau 2004): PageRank (damping 0.85, 20 iterations) over the
//!   graph of terms that occur within five terms of each other, edges weighted by the number
//!   of co-occurrences.
//!
//! Ties go to the term that occurs first. Keywords are reported as spans of the original
//! text (their first occurrence), so they are in its script.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::learn::hash::StableBuild as FxBuild;
use crate::segment::is_stopword;
use crate::segment::words::WordTable;
use crate::types::{Script, TokenKind, Tokens};

type FxMap<K, V> = std::collections::HashMap<K, V, FxBuild>;

const IDF_ZH: &str = include_str!("../../models/keywords/idf.zh.tsv");
const IDF_EN: &str = include_str!("../../models/keywords/idf.en.tsv");

/// The IDF the shipped table gives to a term it does not list: jieba's median. The table
/// leaves out words at or above 11.5, which are all close to it.
pub const SHIPPED_DEFAULT_IDF: f32 = 11.95;

/// The candidate terms of one text, in text order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Terms {
    forms: String,
    list: Vec<(u32, u32, Range<usize>)>,
}

impl Terms {
    /// No terms.
    #[must_use]
    pub fn new() -> Self {
        Terms::default()
    }

    /// Removes every term.
    pub fn clear(&mut self) {
        self.forms.clear();
        self.list.clear();
    }

    /// Number of terms (occurrences, not distinct forms).
    #[must_use]
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// Whether there are none.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// Each term's normalised form and its span in the original text.
    pub fn iter(&self) -> impl Iterator<Item = (&str, Range<usize>)> + '_ {
        self.list
            .iter()
            .map(|(a, b, span)| (&self.forms[*a as usize..*b as usize], span.clone()))
    }

    fn push(&mut self, form: &str, span: Range<usize>) {
        let from = self.forms.len() as u32;
        self.forms.push_str(form);
        self.list.push((from, self.forms.len() as u32, span));
    }
}

/// Phrases whose words are merged into one term.
#[derive(Debug, Clone, Default)]
pub struct PhraseLexicon {
    set: WordTable<()>,
    /// Every phrase's leading characters, one to all but the last: a word none of them is
    /// equal to starts no phrase, so no run from it is joined and looked up.
    starts: WordTable<()>,
}

impl PhraseLexicon {
    /// A lexicon of normalised phrases (Simplified, lower-case). Phrases with wildcards or
    /// gaps (`*`, `…`) and single words are ignored.
    #[must_use]
    pub fn new(phrases: impl IntoIterator<Item = String>) -> Self {
        let set: WordTable<()> = phrases
            .into_iter()
            .filter(|p| !p.contains(['*', '…']) && p.chars().count() >= 2)
            .map(|p| (p, ()))
            .collect();
        let starts = set
            .iter()
            .flat_map(|(p, ())| {
                p.char_indices()
                    .skip(1)
                    .map(|(at, _)| (p[..at].to_owned(), ()))
            })
            .collect();
        PhraseLexicon { set, starts }
    }

    /// Number of phrases.
    #[must_use]
    pub fn len(&self) -> usize {
        self.set.len()
    }

    /// Whether there are none.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.set.is_empty()
    }

    fn contains(&self, phrase: &str) -> bool {
        self.set.contains(phrase)
    }

    /// Whether some phrase starts with `word` and goes on.
    fn starts_with(&self, word: &str) -> bool {
        self.starts.contains(word)
    }
}

/// Whether a token with this form, kind and script can be a keyword.
#[must_use]
pub fn is_content(form: &str, kind: TokenKind, script: Script) -> bool {
    kind == TokenKind::Word
        && script != Script::Digit
        && form.chars().nth(1).is_some()
        && !form.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && !is_stopword(form)
}

/// Appends the candidate terms of `tokens` to `out` (cleared first): content words, with
/// runs of two or three adjacent words that form a phrase of `lexicon` merged.
pub fn extract_terms(tokens: &Tokens, lexicon: &PhraseLexicon, out: &mut Terms) {
    out.clear();
    let list = tokens.as_slice();
    let mut joined = String::new();
    let mut i = 0;
    'tokens: while i < list.len() {
        if list[i].kind == TokenKind::Word
            && !lexicon.is_empty()
            && lexicon.starts_with(tokens.form(&list[i]))
        {
            for n in [3, 2] {
                let Some(run) = list.get(i..i + n) else {
                    continue;
                };
                if !run.iter().all(|t| t.kind == TokenKind::Word) {
                    continue;
                }
                joined.clear();
                for (j, t) in run.iter().enumerate() {
                    let latin_join = j > 0
                        && !(t.script == Script::Han && run[j - 1].script == Script::Han)
                        && run[j - 1].end < t.start;
                    if latin_join {
                        joined.push(' ');
                    }
                    joined.push_str(tokens.form(t));
                }
                if lexicon.contains(&joined) {
                    out.push(&joined, run[0].start..run[n - 1].end);
                    i += n;
                    continue 'tokens;
                }
            }
        }
        let t = &list[i];
        let form = tokens.form(t);
        if is_content(form, t.kind, t.script) {
            out.push(form, t.span());
        }
        i += 1;
    }
}

/// Term → IDF.
#[derive(Debug, Clone)]
pub struct IdfTable {
    map: WordTable<f32>,
    default: f32,
}

impl IdfTable {
    /// The shipped table (Chinese and English), built once per process.
    #[must_use]
    pub fn shipped() -> Arc<IdfTable> {
        static SHIPPED: OnceLock<Arc<IdfTable>> = OnceLock::new();
        SHIPPED
            .get_or_init(|| {
                let mut map = WordTable::with_capacity(110_000);
                for text in [IDF_ZH, IDF_EN] {
                    parse_idf(text, &mut map).expect("the shipped IDF tables parse");
                }
                Arc::new(IdfTable {
                    map,
                    default: SHIPPED_DEFAULT_IDF,
                })
            })
            .clone()
    }

    /// A table from a file of `term<TAB>idf` lines (`#` comments); missing terms get the
    /// median.
    ///
    /// # Errors
    ///
    /// The file cannot be read, or a line is not `term<TAB>number` (named by line number).
    pub fn from_path(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
        Self::from_text(&text, path)
    }

    /// A table from the text of such a file; `path` is what errors name.
    ///
    /// # Errors
    ///
    /// A line is not `term<TAB>number` (named by line number).
    pub fn from_text(text: &str, path: &Path) -> Result<Self> {
        let mut map = WordTable::default();
        parse_idf(text, &mut map).map_err(|message| Error::Config {
            path: Some(path.to_owned()),
            message,
        })?;
        Ok(Self::from_map(map))
    }

    /// A table from term → IDF pairs; missing terms get the median.
    #[must_use]
    pub fn from_pairs(pairs: impl IntoIterator<Item = (String, f32)>) -> Self {
        Self::from_map(pairs.into_iter().collect())
    }

    fn from_map(map: WordTable<f32>) -> Self {
        let mut values: Vec<f32> = map.iter().map(|(_, idf)| idf).collect();
        let default = if values.is_empty() {
            1.0
        } else {
            let mid = (values.len() - 1) / 2;
            *values.select_nth_unstable_by(mid, f32::total_cmp).1
        };
        IdfTable { map, default }
    }

    /// The IDF of a normalised term.
    #[must_use]
    pub fn get(&self, term: &str) -> f32 {
        self.map.get(term).unwrap_or(self.default)
    }

    /// What a missing term gets.
    #[must_use]
    pub fn default_idf(&self) -> f32 {
        self.default
    }
}

fn parse_idf(text: &str, map: &mut WordTable<f32>) -> std::result::Result<(), String> {
    for (n, line) in text.lines().enumerate() {
        let line = line.trim_end();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let parsed = line
            .rsplit_once(['\t', ' '])
            .and_then(|(w, v)| Some((w.trim(), v.parse::<f32>().ok()?)))
            .filter(|(w, v)| !w.is_empty() && v.is_finite());
        let Some((word, idf)) = parsed else {
            return Err(format!(
                "line {}: expected `term<TAB>idf`, found `{line}`",
                n + 1
            ));
        };
        map.insert(word, idf);
    }
    Ok(())
}

/// How keywords are ranked.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KeywordMethod {
    /// Term frequency times IDF.
    #[default]
    Tfidf,
    /// TextRank over the record's co-occurrence graph.
    Textrank,
}

impl KeywordMethod {
    /// `tfidf` or `textrank`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            KeywordMethod::Tfidf => "tfidf",
            KeywordMethod::Textrank => "textrank",
        }
    }
}

crate::types::display_as_str!(KeywordMethod);

/// The keyword stage's configuration (`[keywords]`).
///
/// | Name | Default | Purpose |
/// |---|---|---|
/// | `method` | `"tfidf"` | `tfidf` or `textrank` |
/// | `top_k` | 5 | keywords per record (0: none) |
/// | `idf` | shipped | a `term<TAB>idf` file replacing the shipped table |
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct KeywordConfig {
    /// The ranking.
    pub method: KeywordMethod,
    /// How many per record.
    pub top_k: usize,
    /// A custom IDF table.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idf: Option<PathBuf>,
}

impl Default for KeywordConfig {
    fn default() -> Self {
        KeywordConfig {
            method: KeywordMethod::Tfidf,
            top_k: 5,
            idf: None,
        }
    }
}

/// One keyword of a record.
#[derive(Debug, Clone, PartialEq)]
pub struct Keyword {
    /// Its normalised form.
    pub form: String,
    /// Its first occurrence in the original text.
    pub span: Range<usize>,
    /// Its score (TF-IDF or TextRank).
    pub score: f32,
}

/// Ranks a record's terms.
#[derive(Debug, Clone)]
pub struct KeywordExtractor {
    method: KeywordMethod,
    top_k: usize,
    idf: Arc<IdfTable>,
}

impl KeywordExtractor {
    /// An extractor for `config`.
    ///
    /// # Errors
    ///
    /// The custom IDF file cannot be read or parsed.
    pub fn new(config: &KeywordConfig) -> Result<Self> {
        let idf = match &config.idf {
            Some(path) => Arc::new(IdfTable::from_path(path)?),
            None => IdfTable::shipped(),
        };
        Ok(KeywordExtractor {
            method: config.method,
            top_k: config.top_k,
            idf,
        })
    }

    /// The IDF table in use.
    #[must_use]
    pub fn idf(&self) -> &IdfTable {
        &self.idf
    }

    /// The top keywords of `terms`, best first.
    #[must_use]
    pub fn keywords(&self, terms: &Terms) -> Vec<Keyword> {
        if self.top_k == 0 || terms.is_empty() {
            return Vec::new();
        }
        // Distinct forms in order of first occurrence: (form, first span, count, score).
        let mut distinct: Vec<(&str, Range<usize>, f32, f32)> = Vec::with_capacity(terms.len());
        let mut index: FxMap<&str, usize> = FxMap::default();
        index.reserve(terms.len());
        let by_textrank = self.method == KeywordMethod::Textrank;
        let mut position: Vec<usize> = Vec::new();
        for (form, span) in terms.iter() {
            let i = *index.entry(form).or_insert_with(|| {
                distinct.push((form, span, 0.0, 0.0));
                distinct.len() - 1
            });
            distinct[i].2 += 1.0;
            if by_textrank {
                position.push(i);
            }
        }
        match self.method {
            KeywordMethod::Tfidf => {
                for (form, _, tf, score) in &mut distinct {
                    *score = *tf * self.idf.get(form);
                }
            }
            KeywordMethod::Textrank => {
                let scores = textrank(distinct.len(), &position);
                for (entry, score) in distinct.iter_mut().zip(scores) {
                    entry.3 = score;
                }
            }
        }
        // Stable: equal scores keep the order of first occurrence.
        distinct.sort_by(|a, b| b.3.total_cmp(&a.3));
        distinct
            .into_iter()
            .take(self.top_k)
            .map(|(form, span, _, score)| Keyword {
                form: form.to_owned(),
                span,
                score,
            })
            .collect()
    }
}

/// TextRank scores of `n` nodes given the node of each term occurrence in order.
fn textrank(n: usize, sequence: &[usize]) -> Vec<f32> {
    const WINDOW: usize = 5;
    const DAMPING: f32 = 0.85;
    let mut edges: Vec<FxMap<usize, f32>> = vec![FxMap::default(); n];
    for (i, &a) in sequence.iter().enumerate() {
        for &b in sequence.iter().skip(i + 1).take(WINDOW - 1) {
            if a != b {
                *edges[a].entry(b).or_default() += 1.0;
                *edges[b].entry(a).or_default() += 1.0;
            }
        }
    }
    let out_weight: Vec<f32> = edges.iter().map(|e| e.values().sum()).collect();
    let mut score = vec![1.0f32; n];
    for _ in 0..20 {
        let mut next = vec![1.0 - DAMPING; n];
        for (a, neighbours) in edges.iter().enumerate() {
            for (&b, &w) in neighbours {
                next[b] += DAMPING * w / out_weight[a] * score[a];
            }
        }
        score = next;
    }
    score
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Engine;

    fn terms(engine: &Engine, lexicon: &PhraseLexicon, text: &str) -> Vec<String> {
        let tokens = engine.segment(text);
        let mut out = Terms::new();
        extract_terms(&tokens, lexicon, &mut out);
        out.iter().map(|(_, span)| text[span].to_owned()).collect()
    }

    #[test]
    fn content_words_and_merged_phrases() {
        let engine = Engine::builder().build().unwrap();
        let none = PhraseLexicon::default();
        assert_eq!(
            terms(&engine, &none, "The battery life is short, 物流太慢了"),
            ["battery", "life", "short", "物流", "太慢"]
        );
        let lexicon = PhraseLexicon::new(["battery life".to_owned(), "物流太慢".to_owned()]);
        assert_eq!(
            terms(&engine, &lexicon, "The Battery  Life is short, 物流太慢了"),
            ["Battery  Life", "short", "物流太慢"]
        );
        // Traditional text gives Simplified forms and Traditional spans.
        let text = "質量很差";
        let tokens = engine.segment(text);
        let mut out = Terms::new();
        extract_terms(&tokens, &none, &mut out);
        let (form, span) = out.iter().next().unwrap();
        assert_eq!((form, &text[span]), ("质量", "質量"));
    }

    #[test]
    fn tfidf_prefers_repeated_and_rare_terms() {
        let idf = IdfTable::from_pairs([("物流".to_owned(), 7.0), ("质量".to_owned(), 5.0)]);
        assert_eq!(idf.default_idf(), 5.0);
        let extractor = KeywordExtractor {
            method: KeywordMethod::Tfidf,
            top_k: 2,
            idf: Arc::new(idf),
        };
        let mut t = Terms::new();
        t.push("质量", 0..6);
        t.push("物流", 6..12);
        t.push("质量", 12..18);
        t.push("包装", 18..24);
        let k = extractor.keywords(&t);
        assert_eq!(k.len(), 2);
        assert_eq!((k[0].form.as_str(), k[0].span.clone()), ("质量", 0..6));
        assert_eq!(k[1].form, "物流");
    }

    #[test]
    fn textrank_ranks_the_hub_first() {
        // b co-occurs with everything.
        let s = textrank(4, &[0, 1, 2, 1, 3, 1]);
        let best = (0..4).max_by(|&a, &b| s[a].total_cmp(&s[b])).unwrap();
        assert_eq!(best, 1);
    }

    #[test]
    fn idf_files_are_checked() {
        let mut map = WordTable::default();
        assert!(parse_idf("# c\n物流\t7.1\nbattery 6\n", &mut map).is_ok());
        assert_eq!(map.len(), 2);
        let err = parse_idf("物流\n", &mut map).unwrap_err();
        assert!(err.contains("line 1"), "{err}");
        assert!(IdfTable::shipped().get("物流") < SHIPPED_DEFAULT_IDF);
        assert!(IdfTable::shipped().get("battery") < SHIPPED_DEFAULT_IDF);
    }
}
