//! Phrase lists matched over normalised text: the one matcher behind department routing, kind
//! cues and the priority risk lexicon.
//!
//! A pattern is a literal phrase, or two or three parts joined by `…` that must appear in that
//! order within one sentence. Patterns go through the engine's normaliser, so Traditional and
//! full-width spellings match their Simplified, half-width forms. Latin letters match without
//! regard to case and only at word boundaries; a part ending in a letter also matches its
//! plural (`-s`, `-es`), and a trailing `*` makes it a prefix (`refund*` matches `refunded`).
//! Han text matches anywhere. In a weighted list ([`parse_weighted`]), `{a|b}` in a pattern
//! stands for each alternative in turn: `{孩子|宝宝}…摔倒` is `孩子…摔倒` and `宝宝…摔倒`.
//!
//! Single-part phrases are resolved leftmost-longest: where two matches overlap, the one that
//! starts first wins, then the longer one, so `服务器` hides the `服务` inside it. Every
//! phrase with the same text as the winning match is reported (one text can belong to several
//! departments).
//!
//! An engine matches its three lists (kind cues, taxonomy, risk lexicon) with one
//! [`PhraseScanner`]: one index over the distinct parts of all of them, so each text is
//! scanned once, and each list then resolves its own part matches as if it had been searched
//! alone. A gapped pattern is only tried when its first part was found.

use std::ops::Range;
use std::sync::OnceLock;

use aho_corasick::AhoCorasick;

use crate::error::{Error, Result};
use crate::segment::Normalizer;

mod negation;
mod scanner;

pub use negation::negated;
pub use scanner::{PhraseScan, PhraseScanner};

/// Most parts a pattern may have.
const MAX_PARTS: usize = 3;

/// One phrase found in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhraseHit {
    /// Index of the phrase in the list it was built from.
    pub phrase: usize,
    /// Byte spans of its parts in the normalised text (the first `len` are used).
    spans: [Range<usize>; MAX_PARTS],
    len: u8,
}

impl PhraseHit {
    fn new(phrase: usize, parts: &[Range<usize>]) -> Self {
        let mut spans = [0..0, 0..0, 0..0];
        for (slot, part) in spans.iter_mut().zip(parts) {
            *slot = part.clone();
        }
        PhraseHit {
            phrase,
            spans,
            len: parts.len().min(MAX_PARTS) as u8,
        }
    }

    /// Byte spans of its parts in the normalised text, in order.
    #[must_use]
    pub fn parts(&self) -> &[Range<usize>] {
        &self.spans[..usize::from(self.len)]
    }

    /// From the start of the first part to the end of the last.
    #[must_use]
    pub fn span(&self) -> Range<usize> {
        let parts = self.parts();
        let start = parts.first().map_or(0, |p| p.start);
        let end = parts.last().map_or(0, |p| p.end);
        start..end
    }
}

/// How a part's match must sit among the text's letters and digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Boundary {
    prefix: bool,
    latin_start: bool,
    latin_end: bool,
}

impl Boundary {
    fn of(norm: &str, prefix: bool) -> Self {
        let bytes = norm.as_bytes();
        Boundary {
            prefix,
            latin_start: bytes.first().is_some_and(|&b| is_word_byte(b)),
            latin_end: bytes.last().is_some_and(|&b| is_word_byte(b)),
        }
    }

    /// The end of a match at `start..end` after the word-boundary rules, or `None` when it
    /// is not a whole word.
    fn accept(self, text: &[u8], start: usize, end: usize) -> Option<usize> {
        if self.latin_start && start > 0 && is_word_byte(text[start - 1]) {
            return None;
        }
        if !self.latin_end {
            return Some(end);
        }
        let rest = &text[end..];
        let word_len = rest.iter().take_while(|&&b| is_word_byte(b)).count();
        if word_len == 0 {
            return Some(end);
        }
        if self.prefix {
            return Some(end + word_len);
        }
        let plural = text[end - 1].is_ascii_alphabetic()
            && end - start >= 3
            && (rest[..word_len].eq_ignore_ascii_case(b"s")
                || rest[..word_len].eq_ignore_ascii_case(b"es"));
        plural.then_some(end + word_len)
    }
}

#[derive(Debug, Clone)]
struct Part {
    boundary: Boundary,
    /// Phrases made of this part alone.
    single: Vec<usize>,
    /// Phrases of two or more parts that start with this one.
    first_of: Vec<usize>,
}

/// A part found in a text: the list it belongs to (in a [`PhraseScan`]), its span (after
/// the word-boundary rules) and its id; ordered as [`PhraseList::resolve`] needs them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct PartMatch {
    list: usize,
    start: usize,
    /// Sorted longest first.
    end: std::cmp::Reverse<usize>,
    part: usize,
}

/// The phrases of a list without their payloads: what is matched.
#[derive(Debug, Clone)]
pub struct PhraseList {
    /// The automaton's patterns (normalised text, lower-case) and the part each stands for.
    patterns: Vec<(String, usize)>,
    parts: Vec<Part>,
    /// Each phrase: its pattern as given and its part ids.
    phrases: Vec<(String, Vec<usize>)>,
    /// Its own automaton, built the first time the list is searched alone (an engine scans
    /// all its lists with one [`PhraseScanner`] instead), or at once for a list over
    /// [`LAZY_AUTOMATON_BYTES`]. `None` only if building it failed, which cannot happen then.
    automaton: OnceLock<Option<Automaton>>,
}

/// Bytes of patterns up to which a list's automaton is built lazily, by the first
/// [`PhraseSet::find`]. A larger list builds it in [`PhraseSet::new`], so that a list too
/// large for one automaton is an error there rather than a failure in `find`.
///
/// Up to this, building cannot fail: aho-corasick gives up past 2^31 − 2 states, transitions
/// or match entries. The automaton has one pattern per distinct text, so 2^20 bytes make at
/// most 2^20 + 4 states, 2^21 + 1,024 sparse transitions (both cases of an ASCII letter, and
/// full start and dead states), 257 dense ones for each of the at most 65,793 states under
/// three bytes deep, and at most 1,447 matches a state (the patterns that are suffixes of a
/// state's text have distinct lengths, and 1,448 distinct lengths take over 2^20 bytes):
/// under 1.6 · 10^9 match entries, the largest count.
const LAZY_AUTOMATON_BYTES: usize = 1 << 20;

/// An automaton over the distinct texts of a list's patterns.
#[derive(Debug, Clone)]
struct Automaton {
    searcher: AhoCorasick,
    /// The parts each of its patterns stands for.
    parts: Vec<Vec<usize>>,
}

impl Automaton {
    fn new(patterns: &[(String, usize)]) -> std::result::Result<Self, aho_corasick::BuildError> {
        let mut index = std::collections::HashMap::<&str, usize>::new();
        let mut texts: Vec<&str> = Vec::new();
        let mut parts: Vec<Vec<usize>> = Vec::new();
        for (text, part) in patterns {
            let n = *index.entry(text).or_insert_with(|| {
                texts.push(text);
                parts.push(Vec::new());
                texts.len() - 1
            });
            parts[n].push(*part);
        }
        let searcher = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(texts)?;
        Ok(Automaton { searcher, parts })
    }
}

/// A list of phrases with a payload each, matched alone ([`find`](Self::find)) or with
/// other sets in one scan ([`PhraseScanner`], [`find_in`](Self::find_in)).
#[derive(Debug, Clone)]
pub struct PhraseSet<T> {
    list: PhraseList,
    payloads: Vec<T>,
}

/// The separator of a gapped pattern.
pub const GAP: char = '…';

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric()
}

impl<T> PhraseSet<T> {
    /// Compiles `(pattern, payload)` pairs. A list of over a MiB of patterns also builds its
    /// automaton here, so that [`find`](Self::find) cannot fail later.
    ///
    /// # Errors
    ///
    /// [`Error::Phrase`] naming the pattern when it is empty, has an empty part or more than
    /// three parts, or has a `*` anywhere but at the end of a part;
    /// [`Error::TooManyPhrases`] when the list is too large for one automaton.
    pub fn new(
        phrases: impl IntoIterator<Item = (String, T)>,
        normalizer: &dyn Normalizer,
    ) -> Result<Self> {
        let bad = |pattern: &str, message: &str| Error::Phrase {
            list: "",
            path: None,
            pattern: pattern.to_owned(),
            message: message.to_owned(),
        };
        let mut patterns: Vec<(String, usize)> = Vec::new();
        let mut parts: Vec<Part> = Vec::new();
        let mut index = std::collections::HashMap::<(String, bool), usize>::new();
        let mut out = Vec::new();
        let mut payloads = Vec::new();
        for (pattern, payload) in phrases {
            let pieces: Vec<&str> = pattern.split(GAP).map(str::trim).collect();
            if pieces.len() > MAX_PARTS {
                return Err(bad(&pattern, "more than three parts"));
            }
            let mut ids = Vec::with_capacity(pieces.len());
            for piece in &pieces {
                let (body, prefix) = match piece.strip_suffix('*') {
                    Some(b) => (b.trim_end(), true),
                    None => (*piece, false),
                };
                if body.is_empty() {
                    return Err(bad(&pattern, "an empty part"));
                }
                if body.contains('*') {
                    return Err(bad(&pattern, "`*` only ends a part"));
                }
                let norm = normalizer.normalize(body).text().to_ascii_lowercase();
                let key = (norm, prefix);
                let id = match index.get(&key) {
                    Some(&id) => id,
                    None => {
                        let id = parts.len();
                        parts.push(Part {
                            boundary: Boundary::of(&key.0, prefix),
                            single: Vec::new(),
                            first_of: Vec::new(),
                        });
                        // A typographic apostrophe matches a straight one.
                        if key.0.contains('\'') {
                            patterns.push((key.0.replace('\'', "\u{2019}"), id));
                        }
                        patterns.push((key.0.clone(), id));
                        index.insert(key, id);
                        id
                    }
                };
                ids.push(id);
            }
            let phrase = out.len();
            if ids.len() == 1 {
                parts[ids[0]].single.push(phrase);
            } else {
                parts[ids[0]].first_of.push(phrase);
            }
            out.push((pattern, ids));
            payloads.push(payload);
        }
        let bytes: usize = patterns.iter().map(|(p, _)| p.len()).sum();
        let automaton = if bytes > LAZY_AUTOMATON_BYTES {
            let built = Automaton::new(&patterns).map_err(|e| Error::TooManyPhrases {
                list: "",
                path: None,
                phrases: patterns.len(),
                bytes,
                source: Some(e),
            })?;
            OnceLock::from(Some(built))
        } else {
            OnceLock::new()
        };
        Ok(PhraseSet {
            list: PhraseList {
                patterns,
                parts,
                phrases: out,
                automaton,
            },
            payloads,
        })
    }

    /// Number of phrases.
    #[must_use]
    pub fn len(&self) -> usize {
        self.list.phrases.len()
    }

    /// Whether there are none.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.list.phrases.is_empty()
    }

    /// The payload of phrase `i`.
    ///
    /// # Panics
    ///
    /// When `i` is not below [`len`](Self::len).
    #[must_use]
    pub fn payload(&self, i: usize) -> &T {
        &self.payloads[i]
    }

    /// The pattern of phrase `i`, as given.
    ///
    /// # Panics
    ///
    /// When `i` is not below [`len`](Self::len).
    #[must_use]
    pub fn pattern(&self, i: usize) -> &str {
        &self.list.phrases[i].0
    }

    /// The phrases without their payloads, for a [`PhraseScanner`].
    #[must_use]
    pub fn list(&self) -> &PhraseList {
        &self.list
    }

    /// Appends the phrases found in the normalised `text` to `out`: single-part ones
    /// leftmost-longest, then each gapped one at its first occurrence.
    ///
    /// The first call builds the set's automaton unless [`new`](Self::new) did (an engine
    /// scans all its sets with one [`PhraseScanner`] and never builds it).
    pub fn find(&self, text: &str, out: &mut Vec<PhraseHit>) {
        let list = &self.list;
        let automaton = list
            .automaton
            .get_or_init(|| Automaton::new(&list.patterns).ok());
        // Only a list too large for an automaton has none, and `new` refuses those (see
        // `LAZY_AUTOMATON_BYTES`); were it to happen, nothing is found rather than a panic.
        let Some(automaton) = automaton else {
            return;
        };
        let bytes = text.as_bytes();
        let mut raw: Vec<PartMatch> = Vec::new();
        for m in automaton.searcher.find_overlapping_iter(text) {
            for &part in &automaton.parts[m.pattern().as_usize()] {
                if let Some(end) = list.parts[part].boundary.accept(bytes, m.start(), m.end()) {
                    raw.push(PartMatch {
                        list: 0,
                        start: m.start(),
                        end: std::cmp::Reverse(end),
                        part,
                    });
                }
            }
        }
        raw.sort_unstable();
        list.resolve(text, &raw, out);
    }

    /// [`find`](Self::find) from a scan of `text` by a [`PhraseScanner`] that was built with
    /// this set's list as its list `set`. With a scan of another text or by another scanner
    /// the hits mean nothing, but nothing panics.
    pub fn find_in(&self, scan: &PhraseScan, set: usize, text: &str, out: &mut Vec<PhraseHit>) {
        self.list.resolve(text, scan.of(set), out);
    }
}

impl PhraseList {
    /// Appends the phrases of this list found by `scan` (made by a [`PhraseScanner`] in which
    /// this list is list `set`) in the normalised `text` to `out`, as [`PhraseSet::find_in`].
    pub fn find_in(&self, scan: &PhraseScan, set: usize, text: &str, out: &mut Vec<PhraseHit>) {
        self.resolve(text, scan.of(set), out);
    }

    /// Appends the phrases of the part matches `raw` (sorted) to `out`: single-part ones
    /// leftmost-longest, then each gapped one at its first occurrence, in phrase order.
    fn resolve(&self, text: &str, raw: &[PartMatch], out: &mut Vec<PhraseHit>) {
        let mut covered = 0usize;
        let mut gapped: Vec<usize> = Vec::new();
        for m in raw {
            let Some(part) = self.parts.get(m.part) else {
                continue;
            };
            gapped.extend_from_slice(&part.first_of);
            if part.single.is_empty() || m.start < covered {
                continue;
            }
            covered = m.end.0;
            let span = m.start..m.end.0;
            out.extend(
                part.single
                    .iter()
                    .map(|&p| PhraseHit::new(p, std::slice::from_ref(&span))),
            );
        }
        if gapped.is_empty() {
            return;
        }
        gapped.sort_unstable();
        gapped.dedup();
        for phrase in gapped {
            if let Some(hit) = gapped_match(text, raw, phrase, &self.phrases[phrase].1) {
                out.push(hit);
            }
        }
    }
}

/// Ends a sentence for gapped patterns.
fn sentence_end(c: char) -> bool {
    matches!(c, '。' | '！' | '？' | '!' | '?' | '.' | ';' | '；' | '\n')
}

/// The first occurrence of `ids` in order within one sentence, given all part matches
/// sorted by start.
fn gapped_match(text: &str, raw: &[PartMatch], phrase: usize, ids: &[usize]) -> Option<PhraseHit> {
    'first: for m in raw {
        if m.part != ids[0] {
            continue;
        }
        let mut parts = [m.start..m.end.0, 0..0, 0..0];
        let mut at = m.end.0;
        for (i, &want) in ids.iter().enumerate().skip(1) {
            let next = raw
                .iter()
                .find(|n| n.part == want && n.start >= at)
                .map(|n| n.start..n.end.0);
            match next {
                Some(r)
                    if text
                        .get(at..r.start)
                        .is_some_and(|gap| !gap.chars().any(sentence_end)) =>
                {
                    at = r.end;
                    parts[i] = r;
                }
                _ => continue 'first,
            }
        }
        return Some(PhraseHit::new(phrase, &parts[..ids.len()]));
    }
    None
}

/// Most patterns one line of a weighted list may expand to.
const MAX_EXPANSIONS: usize = 4096;

/// The patterns a weighted list's pattern stands for: each `{a|b|…}` group is replaced by
/// each of its alternatives in turn (an alternative may be empty), so
/// `{孩子|宝宝}…摔{倒|下来}` stands for four patterns. Groups do not nest.
///
/// # Errors
///
/// A message when a brace is unmatched, a group nests, or the pattern expands to more than
/// [`MAX_EXPANSIONS`] patterns.
fn expand_alternatives(pattern: &str) -> std::result::Result<Vec<String>, String> {
    let mut out = vec![String::new()];
    let mut rest = pattern;
    while !rest.is_empty() {
        let Some(open) = rest.find(['{', '}']) else {
            out.iter_mut().for_each(|p| p.push_str(rest));
            break;
        };
        if rest[open..].starts_with('}') {
            return Err("a `}` without its `{`".into());
        }
        let head = &rest[..open];
        let after = &rest[open + 1..];
        let close = after
            .find(['{', '}'])
            .filter(|&i| after[i..].starts_with('}'))
            .ok_or("a `{` without its `}`, or groups that nest")?;
        let alternatives: Vec<&str> = after[..close].split('|').collect();
        if out.len() * alternatives.len() > MAX_EXPANSIONS {
            return Err(format!("more than {MAX_EXPANSIONS} patterns"));
        }
        out = out
            .iter()
            .flat_map(|p| alternatives.iter().map(move |a| format!("{p}{head}{a}")))
            .collect();
        rest = &after[close + 1..];
    }
    Ok(out)
}

/// Parses a weighted phrase list: one `label<TAB>weight<TAB>pattern` a line, `#` comments
/// and blank lines skipped. `label` is checked by `parse_label`. A pattern may hold
/// alternatives in braces, `{a|b}` (an alternative may be empty, groups do not nest): the
/// line then stands for one pattern per choice, all with its label and weight.
///
/// # Errors
///
/// [`crate::Error::Dictionary`] naming `name` and the line: a missing field, an unknown
/// label, a weight that is not a positive number, or unbalanced or nested braces.
pub fn parse_weighted<L: Clone>(
    text: &str,
    name: &str,
    parse_label: impl Fn(&str) -> Option<L>,
) -> crate::Result<Vec<(L, f32, String)>> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        let fail = |message: String| crate::Error::Dictionary {
            path: name.into(),
            line: n + 1,
            message,
        };
        let mut fields = line.split('\t');
        let (Some(label), Some(weight), Some(pattern), None) =
            (fields.next(), fields.next(), fields.next(), fields.next())
        else {
            return Err(fail("expected label<TAB>weight<TAB>pattern".into()));
        };
        let label =
            parse_label(label.trim()).ok_or_else(|| fail(format!("unknown label `{label}`")))?;
        let weight: f32 = weight
            .trim()
            .parse()
            .ok()
            .filter(|w: &f32| *w > 0.0 && w.is_finite())
            .ok_or_else(|| fail(format!("weight `{weight}` is not a positive number")))?;
        let pattern = pattern.trim();
        if pattern.is_empty() {
            return Err(fail("empty pattern".into()));
        }
        for p in expand_alternatives(pattern).map_err(fail)? {
            out.push((label.clone(), weight, p));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::segment::{NormalizerConfig, StandardNormalizer};

    fn set(patterns: &[&str]) -> PhraseSet<usize> {
        let normalizer = StandardNormalizer::new(NormalizerConfig::default());
        PhraseSet::new(
            patterns
                .iter()
                .enumerate()
                .map(|(i, p)| ((*p).to_owned(), i)),
            &normalizer,
        )
        .unwrap()
    }

    fn found(set: &PhraseSet<usize>, text: &str) -> Vec<(String, String)> {
        let mut hits = Vec::new();
        set.find(text, &mut hits);
        hits.iter()
            .map(|h| (set.pattern(h.phrase).to_owned(), text[h.span()].to_owned()))
            .collect()
    }

    #[test]
    fn longest_match_wins_and_words_have_boundaries() {
        let s = set(&["服务", "服务器", "app", "refund*", "delay", "can't log in"]);
        assert_eq!(found(&s, "I can’t log in").len(), 1);
        assert_eq!(
            found(&s, "服务器又崩了"),
            [("服务器".into(), "服务器".into())]
        );
        assert!(found(&s, "Happy with it").is_empty());
        assert_eq!(found(&s, "The APP froze")[0].1, "APP");
        assert_eq!(found(&s, "refunded twice")[0].1, "refunded");
        assert_eq!(found(&s, "two delays")[0].1, "delays");
        assert!(found(&s, "delayed").is_empty());
    }

    #[test]
    fn traditional_and_full_width_patterns_match() {
        let s = set(&["服務態度", "ＷＩＦＩ"]);
        let normalizer = StandardNormalizer::new(NormalizerConfig::default());
        let norm = normalizer.normalize("服務態度差，wifi也慢");
        let hits = found(&s, norm.text());
        assert_eq!(hits.len(), 2, "{hits:?}");
    }

    #[test]
    fn gapped_patterns_stay_in_one_sentence() {
        let s = set(&["要是…就好了", "would be…if"]);
        assert_eq!(found(&s, "要是有中文版就好了").len(), 1);
        assert!(found(&s, "要是下雨。就好了").is_empty());
        assert_eq!(found(&s, "It would be great if it synced").len(), 1);
    }

    #[test]
    fn one_text_in_two_lists_is_reported_twice() {
        let s = set(&["退货", "退货"]);
        assert_eq!(found(&s, "申请退货").len(), 2);
    }

    #[test]
    fn negation_is_clause_local() {
        let t = "没有起火";
        assert!(negated(t, t.find("起火").unwrap()));
        let t = "不小心被烫伤";
        assert!(!negated(t, t.find("烫伤").unwrap()));
        let t = "虽然不贵，但是起火了";
        assert!(!negated(t, t.find("起火").unwrap()));
        let t = "I would not recommend it";
        assert!(negated(t, t.find("recommend").unwrap()));
        let t = "it didn't catch fire";
        assert!(negated(t, t.find("catch").unwrap()));
        assert!(!negated("it caught fire", 3));
    }

    /// Pseudo-random texts made of pattern pieces, separators and filler.
    fn texts(pieces: &[&str], n: usize) -> Vec<String> {
        let filler = [
            "", " ", "，", "。", "?", "s", "es", "ing", "很", "了", "x", "A", "’", "'",
        ];
        let mut state = 42u64;
        let mut next = |m: usize| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 33) as usize % m
        };
        (0..n)
            .map(|_| {
                let mut t = String::new();
                for _ in 0..next(12) {
                    t.push_str(pieces[next(pieces.len())]);
                    t.push_str(filler[next(filler.len())]);
                }
                t
            })
            .collect()
    }

    #[test]
    fn one_scan_finds_what_each_set_finds_alone() {
        let lists: [&[&str]; 3] = [
            &[
                "服务",
                "服务器",
                "退款",
                "要是…就好了",
                "would be…if",
                "can't log in",
                "app",
            ],
            &[
                "服务",
                "退款",
                "refund*",
                "refund",
                "delay",
                "服务…太差",
                "a…b…c",
                "APP",
            ],
            &["起火", "服务器", "can’t log in", "would be", "if", "delays"],
        ];
        let sets = lists.map(set);
        let scanner =
            PhraseScanner::new(&[sets[0].list(), sets[1].list(), sets[2].list()]).unwrap();
        let pieces: Vec<&str> = lists
            .iter()
            .flat_map(|l| l.iter().flat_map(|p| p.split(GAP)))
            .chain([
                "服务器又崩了",
                "would be great",
                "b",
                "c",
                "refunded",
                "太差",
            ])
            .map(|p| p.trim_end_matches('*'))
            .collect();
        let mut scan = PhraseScan::default();
        let mut found_any = 0;
        for text in texts(&pieces, 2000) {
            scanner.scan(&text, &mut scan);
            for (i, set) in sets.iter().enumerate() {
                let (mut alone, mut shared) = (Vec::new(), Vec::new());
                set.find(&text, &mut alone);
                set.find_in(&scan, i, &text, &mut shared);
                assert_eq!(alone, shared, "list {i}, text {text:?}");
                found_any += alone.len();
            }
        }
        assert!(found_any > 2000, "{found_any}");
    }

    #[test]
    fn braces_stand_for_each_alternative() {
        assert_eq!(expand_alternatives("起火").unwrap(), ["起火"]);
        assert_eq!(
            expand_alternatives("{孩子|宝宝}…摔{倒|下来}").unwrap(),
            ["孩子…摔倒", "孩子…摔下来", "宝宝…摔倒", "宝宝…摔下来"]
        );
        assert_eq!(
            expand_alternatives("手{被|}划伤").unwrap(),
            ["手被划伤", "手划伤"]
        );
        assert_eq!(
            expand_alternatives("{son|kid} fell {off|down}").unwrap(),
            [
                "son fell off",
                "son fell down",
                "kid fell off",
                "kid fell down"
            ]
        );
        for bad in ["a{b", "a}b", "{a|{b}}", "{a}}", "{{a}"] {
            assert!(expand_alternatives(bad).is_err(), "{bad}");
        }
        let huge = "{a|b|c|d|e|f|g|h}".repeat(5);
        assert!(expand_alternatives(&huge).is_err());
    }

    #[test]
    fn weighted_lines_expand_with_their_label_and_weight() {
        let text = "# comment\nx\t2\t{孩子|老人}…摔倒\ny\t1\t冒烟\n";
        let parsed = parse_weighted(text, "t.tsv", |s| Some(s.to_owned())).unwrap();
        assert_eq!(
            parsed,
            [
                ("x".to_owned(), 2.0, "孩子…摔倒".to_owned()),
                ("x".to_owned(), 2.0, "老人…摔倒".to_owned()),
                ("y".to_owned(), 1.0, "冒烟".to_owned()),
            ]
        );
        let err = parse_weighted("x\t2\t{a|b\n", "t.tsv", |s| Some(s.to_owned())).unwrap_err();
        assert!(
            matches!(&err, crate::Error::Dictionary { line: 1, .. }),
            "{err:?}"
        );
    }

    #[test]
    fn bad_patterns_are_errors() {
        let normalizer = StandardNormalizer::new(NormalizerConfig::default());
        for bad in ["", "a……b", "a*b", "a…b…c…d"] {
            let err = PhraseSet::new([(bad.to_owned(), ())], &normalizer).unwrap_err();
            assert!(
                matches!(&err, Error::Phrase { pattern, .. } if pattern == bad),
                "{bad}: {err:?}"
            );
        }
        let err = PhraseSet::new([("a*b".to_owned(), ())], &normalizer)
            .unwrap_err()
            .in_list("taxonomy")
            .in_file(Some(std::path::Path::new("t.toml")));
        assert_eq!(
            err.to_string(),
            "taxonomy t.toml: `a*b`: `*` only ends a part"
        );
    }

    #[test]
    fn phrase_list_too_large_for_one_automaton_fails_in_new_not_in_find() {
        // A list past the lazy limit has its automaton built by `new`, where a failure is an
        // error (a list that really is too large takes gigabytes, too much for a test).
        let normalizer = StandardNormalizer::new(NormalizerConfig::default());
        let n = LAZY_AUTOMATON_BYTES / 16 + 1000;
        let large =
            PhraseSet::new((0..n).map(|i| (format!("phrase{i:010}"), i)), &normalizer).unwrap();
        assert!(large.list.automaton.get().is_some_and(Option::is_some));
        assert_eq!(found(&large, "a phrase0000012345 here").len(), 1);
        // A small list builds it on first use.
        let small = set(&["服务", "app"]);
        assert!(small.list.automaton.get().is_none());
        assert_eq!(found(&small, "the app").len(), 1);
        // Without an automaton, `find` finds nothing rather than panicking.
        let none = set(&["服务", "app"]);
        none.list.automaton.set(None).unwrap();
        assert!(found(&none, "the app").is_empty());
        // The error names the list and its size.
        let err = Error::TooManyPhrases {
            list: "",
            path: None,
            phrases: 3,
            bytes: 12,
            source: None,
        }
        .in_list("taxonomy");
        assert_eq!(
            err.to_string(),
            "taxonomy: 3 phrases of 12 bytes in all are too many for one automaton"
        );
    }
}
