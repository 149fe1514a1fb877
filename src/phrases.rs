//! Phrase lists matched over normalised text: the one matcher behind department routing, kind
//! cues and the priority risk lexicon.
//!
//! A pattern is a literal phrase, or two or three parts joined by `…` that must appear in that
//! order within one sentence. Patterns go through the engine's normaliser, so Traditional and
//! full-width spellings match their Simplified, half-width forms. Latin letters match without
//! regard to case and only at word boundaries; a part ending in a letter also matches its
//! plural (`-s`, `-es`), and a trailing `*` makes it a prefix (`refund*` matches `refunded`).
//! Han text matches anywhere.
//!
//! Single-part phrases are resolved leftmost-longest: where two matches overlap, the one that
//! starts first wins, then the longer one, so `服务器` hides the `服务` inside it. Every
//! phrase with the same text as the winning match is reported (one text can belong to several
//! departments).

use std::ops::Range;

use aho_corasick::AhoCorasick;

use crate::segment::Normalizer;

/// One phrase found in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhraseHit {
    /// Index of the phrase in the list it was built from.
    pub phrase: usize,
    /// Byte spans of its parts in the normalised text, in order.
    pub parts: Vec<Range<usize>>,
}

impl PhraseHit {
    /// From the start of the first part to the end of the last.
    #[must_use]
    pub fn span(&self) -> Range<usize> {
        let start = self.parts.first().map_or(0, |p| p.start);
        let end = self.parts.last().map_or(0, |p| p.end);
        start..end
    }
}

#[derive(Debug, Clone)]
struct Part {
    prefix: bool,
    latin_start: bool,
    latin_end: bool,
    /// Phrases made of this part alone.
    single: Vec<usize>,
}

/// A list of phrases with a payload each, compiled into one automaton.
#[derive(Debug, Clone)]
pub struct PhraseSet<T> {
    automaton: AhoCorasick,
    /// The part each pattern of the automaton stands for.
    alias: Vec<usize>,
    parts: Vec<Part>,
    /// Each phrase: its pattern as given, its part ids, its payload.
    phrases: Vec<(String, Vec<usize>, T)>,
    /// Phrases of two or more parts.
    gapped: Vec<usize>,
}

/// The separator of a gapped pattern.
pub const GAP: char = '…';

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric()
}

impl<T> PhraseSet<T> {
    /// Compiles `(pattern, payload)` pairs.
    ///
    /// # Errors
    ///
    /// A message naming the pattern when it is empty, has an empty part or more than three
    /// parts, or has a `*` anywhere but at the end of a part.
    pub fn new(
        phrases: impl IntoIterator<Item = (String, T)>,
        normalizer: &dyn Normalizer,
    ) -> Result<Self, String> {
        let mut texts: Vec<String> = Vec::new();
        let mut alias: Vec<usize> = Vec::new();
        let mut parts: Vec<Part> = Vec::new();
        let mut index = std::collections::HashMap::<(String, bool), usize>::new();
        let mut out = Vec::new();
        let mut gapped = Vec::new();
        for (pattern, payload) in phrases {
            let pieces: Vec<&str> = pattern.split(GAP).map(str::trim).collect();
            if pieces.len() > 3 {
                return Err(format!("`{pattern}`: more than three parts"));
            }
            let mut ids = Vec::with_capacity(pieces.len());
            for piece in &pieces {
                let (body, prefix) = match piece.strip_suffix('*') {
                    Some(b) => (b.trim_end(), true),
                    None => (*piece, false),
                };
                if body.is_empty() {
                    return Err(format!("`{pattern}`: an empty part"));
                }
                if body.contains('*') {
                    return Err(format!("`{pattern}`: `*` only ends a part"));
                }
                let norm = normalizer.normalize(body).text().to_ascii_lowercase();
                let key = (norm, prefix);
                let id = match index.get(&key) {
                    Some(&id) => id,
                    None => {
                        let bytes = key.0.as_bytes();
                        parts.push(Part {
                            prefix,
                            latin_start: bytes.first().is_some_and(|&b| is_word_byte(b)),
                            latin_end: bytes.last().is_some_and(|&b| is_word_byte(b)),
                            single: Vec::new(),
                        });
                        // A typographic apostrophe matches a straight one.
                        if key.0.contains('\'') {
                            texts.push(key.0.replace('\'', "\u{2019}"));
                            alias.push(parts.len() - 1);
                        }
                        texts.push(key.0.clone());
                        alias.push(parts.len() - 1);
                        index.insert(key, parts.len() - 1);
                        parts.len() - 1
                    }
                };
                ids.push(id);
            }
            let phrase = out.len();
            if ids.len() == 1 {
                parts[ids[0]].single.push(phrase);
            } else {
                gapped.push(phrase);
            }
            out.push((pattern, ids, payload));
        }
        let automaton = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(&texts)
            .map_err(|e| format!("the phrase automaton: {e}"))?;
        Ok(PhraseSet {
            automaton,
            alias,
            parts,
            phrases: out,
            gapped,
        })
    }

    /// Number of phrases.
    #[must_use]
    pub fn len(&self) -> usize {
        self.phrases.len()
    }

    /// Whether there are none.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.phrases.is_empty()
    }

    /// The payload of phrase `i`.
    #[must_use]
    pub fn payload(&self, i: usize) -> &T {
        &self.phrases[i].2
    }

    /// The pattern of phrase `i`, as given.
    #[must_use]
    pub fn pattern(&self, i: usize) -> &str {
        &self.phrases[i].0
    }

    /// The end of a part's match at `start..end` after the word-boundary rules, or `None`
    /// when it is not a whole word.
    fn accept(&self, part: &Part, text: &[u8], start: usize, end: usize) -> Option<usize> {
        if part.latin_start && start > 0 && is_word_byte(text[start - 1]) {
            return None;
        }
        if !part.latin_end {
            return Some(end);
        }
        let rest = &text[end..];
        let word_len = rest.iter().take_while(|&&b| is_word_byte(b)).count();
        if word_len == 0 {
            return Some(end);
        }
        if part.prefix {
            return Some(end + word_len);
        }
        let plural = text[end - 1].is_ascii_alphabetic()
            && end - start >= 3
            && (rest[..word_len].eq_ignore_ascii_case(b"s")
                || rest[..word_len].eq_ignore_ascii_case(b"es"));
        plural.then_some(end + word_len)
    }

    /// Appends the phrases found in the normalised `text` to `out`: single-part ones
    /// leftmost-longest, then each gapped one at its first occurrence.
    pub fn find(&self, text: &str, out: &mut Vec<PhraseHit>) {
        let bytes = text.as_bytes();
        let mut raw: Vec<(usize, usize, usize)> = Vec::new();
        for m in self.automaton.find_overlapping_iter(text) {
            let id = self.alias[m.pattern().as_usize()];
            if let Some(end) = self.accept(&self.parts[id], bytes, m.start(), m.end()) {
                raw.push((m.start(), end, id));
            }
        }
        if raw.is_empty() {
            return;
        }
        raw.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)).then(a.2.cmp(&b.2)));
        let mut covered = 0usize;
        for &(start, end, part) in &raw {
            let singles = &self.parts[part].single;
            if singles.is_empty() || start < covered {
                continue;
            }
            covered = end;
            out.extend(singles.iter().map(|&phrase| PhraseHit {
                phrase,
                parts: std::iter::once(start..end).collect(),
            }));
        }
        for &phrase in &self.gapped {
            if let Some(parts) = gapped_match(text, &raw, &self.phrases[phrase].1) {
                out.push(PhraseHit { phrase, parts });
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
fn gapped_match(
    text: &str,
    raw: &[(usize, usize, usize)],
    ids: &[usize],
) -> Option<Vec<Range<usize>>> {
    'first: for &(start, end, part) in raw {
        if part != ids[0] {
            continue;
        }
        let mut parts: Vec<Range<usize>> = std::iter::once(start..end).collect();
        let mut at = end;
        for &want in &ids[1..] {
            let next = raw
                .iter()
                .find(|&&(s, _, p)| p == want && s >= at)
                .map(|&(s, e, _)| s..e);
            match next {
                Some(r) if !text[at..r.start].chars().any(sentence_end) => {
                    at = r.end;
                    parts.push(r);
                }
                _ => continue 'first,
            }
        }
        return Some(parts);
    }
    None
}

/// Words that start with a negating character but do not negate (`不小心烫伤` is a burn).
const NOT_NEGATORS: [&str; 12] = [
    "不小心",
    "不慎",
    "不料",
    "不得不",
    "不仅",
    "不但",
    "不停",
    "不断",
    "不少",
    "不久",
    "没想到",
    "无意",
];

const EN_NEGATORS: [&str; 20] = [
    "not", "no", "never", "without", "nothing", "none", "dont", "didnt", "doesnt", "isnt", "wasnt",
    "werent", "arent", "havent", "hasnt", "hadnt", "wont", "cant", "cannot", "nor",
];

/// Whether the match starting at byte `start` of the normalised `text` is negated: a
/// Chinese negator (不, 没, 无, 未, 别, 非, 勿) among the four characters before it, or an
/// English one among the three words before it, within the same clause.
#[must_use]
pub fn negated(text: &str, start: usize) -> bool {
    let before = &text[..start.min(text.len())];
    let clause_start = before
        .char_indices()
        .rev()
        .find(|&(_, c)| {
            matches!(
                c,
                ',' | '，' | '。' | '.' | '!' | '！' | '?' | '？' | ';' | '；' | '\n' | '、'
            )
        })
        .map_or(0, |(i, c)| i + c.len_utf8());
    let clause = &before[clause_start..];
    // Chinese: the last four characters.
    let tail_start = clause.char_indices().rev().nth(3).map_or(0, |(i, _)| i);
    for (i, c) in clause[tail_start..].char_indices() {
        if matches!(c, '不' | '没' | '无' | '未' | '别' | '非' | '勿') {
            let here = &clause[tail_start + i..];
            if !NOT_NEGATORS.iter().any(|w| here.starts_with(w)) {
                return true;
            }
        }
    }
    // English: the last three words, apostrophes dropped.
    clause
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '\'' || c == '’'))
        .filter(|w| !w.is_empty())
        .rev()
        .take(3)
        .any(|w| {
            let w: String = w
                .chars()
                .filter(|c| c.is_ascii_alphanumeric())
                .map(|c| c.to_ascii_lowercase())
                .collect();
            EN_NEGATORS.contains(&w.as_str())
        })
}

/// Parses a weighted phrase list: one `label<TAB>weight<TAB>pattern` a line, `#` comments
/// and blank lines skipped. `label` is checked by `parse_label`.
///
/// # Errors
///
/// [`crate::Error::Dictionary`] naming `name` and the line: a missing field, an unknown
/// label, or a weight that is not a positive number.
pub fn parse_weighted<L>(
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
        out.push((label, weight, pattern.to_owned()));
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

    #[test]
    fn bad_patterns_are_errors() {
        let normalizer = StandardNormalizer::new(NormalizerConfig::default());
        for bad in ["", "a……b", "a*b", "a…b…c…d"] {
            assert!(
                PhraseSet::new([(bad.to_owned(), ())], &normalizer).is_err(),
                "{bad}"
            );
        }
    }
}
