//! Hashed features of a tokenised text: words, word bigrams, Chinese character n-grams, with
//! negation marking. Every learned model reads them: the sentiment model and the kind and
//! routing classifiers.
//!
//! A feature is hashed straight to a bucket of a `2^bits` table, so a model is a flat weight
//! array and extraction allocates nothing. The hash is fixed (not seeded per process) and
//! reads bytes little-endian, so a model file gives the same scores on every machine.

use std::collections::HashSet;
use std::hash::BuildHasherDefault;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use super::hash::{hash_word, mix, StableHasher, K};
use crate::types::{Script, TokenKind, Tokens};

/// Which features a linear model reads; stored in the model file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeatureSpec {
    /// log2 of the number of hash buckets.
    pub bits: u8,
    /// Longest Chinese character n-gram (0 for none, at most 4).
    pub char_ngrams: u8,
    /// The characters of multi-character Chinese words as features too (besides the longer
    /// n-grams; a one-character word is a word feature already).
    #[serde(default = "yes")]
    pub char_unigrams: bool,
    /// Word bigrams within a clause.
    pub word_bigrams: bool,
    /// Words after a negator, up to this many and within the clause, are marked negated
    /// (0 for no marking).
    pub negation_scope: u8,
}

impl Default for FeatureSpec {
    fn default() -> Self {
        FeatureSpec {
            bits: 20,
            char_ngrams: 2,
            char_unigrams: true,
            word_bigrams: true,
            negation_scope: 3,
        }
    }
}

fn yes() -> bool {
    true
}

impl FeatureSpec {
    /// Checks the ranges.
    pub(crate) fn validate(&self) -> Result<(), String> {
        if !(10..=26).contains(&self.bits) {
            return Err(format!("bits must be 10–26, found {}", self.bits));
        }
        if self.char_ngrams > 4 {
            return Err(format!(
                "char_ngrams must be 0–4, found {}",
                self.char_ngrams
            ));
        }
        Ok(())
    }

    /// Number of buckets.
    #[must_use]
    pub fn buckets(&self) -> usize {
        1 << self.bits
    }
}

// Namespaces keep a word, its negated form and a character n-gram with the same bytes apart.
const WORD: u64 = 0x9e37_79b9_7f4a_7c15;
const NEGATED: u64 = 0xc2b2_ae3d_27d4_eb4f;
const BIGRAM: u64 = 0x1656_67b1_9e37_79f9;
const CHARS: u64 = 0x27d4_eb2f_1656_67c5;
const NUMBER: u64 = 0x85eb_ca77_c2b2_ae63;

/// The negators of the shipped sentiment lexicon (`models/sentiment/lexicon/*_negators.txt`)
/// plus the `n't` rule: the words whose following words the extractor marks as negated.
#[derive(Debug)]
pub(crate) struct Negators {
    /// Hashes (as [`hash_word`]) of the listed negators: the extractor has the hash already.
    hashes: HashSet<u64, BuildHasherDefault<StableHasher>>,
    /// Bit `hash >> 52` of each negator hash: most words miss it, and skip the set.
    filter: Box<[u64; 64]>,
}

impl Negators {
    /// The shipped lists.
    pub(crate) fn shipped() -> &'static Negators {
        static NEGATORS: OnceLock<Negators> = OnceLock::new();
        NEGATORS.get_or_init(|| {
            let words = [
                include_str!("../../models/sentiment/lexicon/zh_negators.txt"),
                include_str!("../../models/sentiment/lexicon/en_negators.txt"),
            ];
            let hashes: HashSet<u64, _> = words
                .iter()
                .flat_map(|file| file.lines())
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .map(hash_word)
                .collect();
            let mut filter = Box::new([0u64; 64]);
            for &h in &hashes {
                let bit = filter_bit(h);
                filter[bit / 64] |= 1 << (bit % 64);
            }
            Negators { hashes, filter }
        })
    }

    /// Whether the word whose form is `form` and hash `hash` negates what follows.
    #[inline]
    pub(crate) fn contains_hashed(&self, form: &str, hash: u64) -> bool {
        let bit = filter_bit(hash);
        let maybe = self.filter[bit / 64] >> (bit % 64) & 1 == 1;
        (maybe && self.hashes.contains(&hash)) || negates_by_suffix(form)
    }
}

/// The bit of the negator filter (4,096 bits) for a word hash: its top 12 bits.
#[inline]
fn filter_bit(hash: u64) -> usize {
    (hash >> 52) as usize
}

/// `don't`, `isn’t`.
#[inline]
pub(crate) fn negates_by_suffix(form: &str) -> bool {
    // Both suffixes end in `t`: one byte rules out nearly every word.
    form.as_bytes().last() == Some(&b't') && (form.ends_with("n't") || form.ends_with("n’t"))
}

/// Appends the bucket of every feature of `tokens` (with the shipped cue lists for negation
/// marking) to `out`: the text features of every learned model.
pub(crate) fn extract_features(spec: &FeatureSpec, tokens: &Tokens, out: &mut Vec<u32>) {
    extract(spec, tokens, Negators::shipped(), |_, b| out.push(b));
}

/// The features a learned class model reads: the hashed text features of `tokens` plus named
/// extra features (a rule's evidence), each repeated by twice its score (at most 10 times).
pub(crate) fn learned_doc<S: AsRef<str>>(
    spec: &FeatureSpec,
    tokens: &Tokens,
    extras: impl IntoIterator<Item = (S, f32)>,
) -> crate::learn::SparseDoc {
    let mut buckets = Vec::new();
    extract_features(spec, tokens, &mut buckets);
    for (name, score) in extras {
        let n = (2.0 * score).round().clamp(0.0, 10.0) as usize;
        let b = feature_bucket(spec, name.as_ref());
        buckets.extend(std::iter::repeat_n(b, n));
    }
    crate::learn::SparseDoc::from_buckets(buckets)
}

/// The bucket of a named extra feature (a rule's evidence), apart from every text feature.
pub(crate) fn feature_bucket(spec: &FeatureSpec, name: &str) -> u32 {
    const EXTRA: u64 = 0x6c8e_9cf5_7093_2bd5;
    let shift = 64 - u32::from(spec.bits);
    ((hash_word(name) ^ EXTRA).wrapping_mul(K) >> shift) as u32
}

/// Calls `emit` with the index of the token and the bucket of every feature of `tokens`, in
/// order, repeats included. A feature that joins tokens (a bigram, a character n-gram) belongs
/// to its last token.
pub(crate) fn extract(
    spec: &FeatureSpec,
    tokens: &Tokens,
    negators: &Negators,
    mut emit: impl FnMut(usize, u32),
) {
    let shift = 64 - u32::from(spec.bits);
    let at = std::cell::Cell::new(0usize);
    let mut bucket = |h: u64| emit(at.get(), (h.wrapping_mul(K) >> shift) as u32);
    let mut previous: Option<u64> = None;
    let mut negated = 0u8;
    // The last Han characters of the current run, newest first.
    let mut run = [0u64; 3];
    let mut run_len = 0usize;
    let n = usize::from(spec.char_ngrams);
    for (i, token) in tokens.iter().enumerate() {
        at.set(i);
        let form = tokens.form(token);
        match token.kind {
            TokenKind::Word | TokenKind::Emoji | TokenKind::Emoticon => {}
            TokenKind::Number => {
                bucket(NUMBER);
                run_len = 0;
                continue;
            }
            TokenKind::Punct => {
                if matches!(form, "!" | "?") {
                    bucket(mix(WORD, hash_word(form)));
                }
                // Every punctuation mark ends a clause: negation, bigrams, n-grams.
                previous = None;
                negated = 0;
                run_len = 0;
                continue;
            }
            TokenKind::Symbol => continue,
        }
        let h = hash_word(form);
        if spec.negation_scope > 0 && negators.contains_hashed(form, h) {
            bucket(mix(WORD, h));
            negated = spec.negation_scope;
        } else if negated > 0 {
            bucket(mix(NEGATED, h));
            negated -= 1;
        } else {
            bucket(mix(WORD, h));
        }
        if spec.word_bigrams {
            if let Some(p) = previous {
                bucket(mix(mix(BIGRAM, p), h));
            }
            previous = Some(h);
        }
        if n == 0 {
            continue;
        }
        if token.script != Script::Han {
            run_len = 0;
            continue;
        }
        // A one-character word is its own character unigram already.
        // (A character is at most 4 bytes: a longer form has two without decoding any.)
        let unigrams = spec.char_unigrams
            && (form.len() > 4 || (form.len() > 1 && form.chars().nth(1).is_some()));
        // How many earlier characters each character joins in an n-gram.
        let joins = n - 1;
        for c in form.chars() {
            let c = u64::from(c);
            let mut h = mix(CHARS, c);
            if unigrams {
                bucket(h);
            }
            let mut k = 0;
            while k < run_len && k < joins {
                h = mix(h, run[k] ^ ((k as u64 + 1) << 32));
                bucket(h);
                k += 1;
            }
            // Shifted by hand: `copy_within` is a `memmove` call per character.
            run = [c, run[0], run[1]];
            if run_len < 3 {
                run_len += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Engine;

    fn features(spec: &FeatureSpec, text: &str) -> Vec<u32> {
        let engine = Engine::builder().build().unwrap();
        let tokens = engine.segment(text);
        let mut out = Vec::new();
        extract(spec, &tokens, Negators::shipped(), |_, b| out.push(b));
        out
    }

    #[test]
    fn counts_follow_the_spec() {
        let spec = FeatureSpec {
            char_ngrams: 3,
            ..FeatureSpec::default()
        };
        // 不 / 好吃 : 2 words (one negated), 1 bigram, chars: unigrams of 好吃 only (不 is a
        // one-character word), bigrams 不好 好吃, trigram 不好吃.
        assert_eq!(features(&spec, "不好吃").len(), 2 + 1 + 2 + 2 + 1);
        let words_only = FeatureSpec {
            char_ngrams: 0,
            word_bigrams: false,
            ..spec
        };
        assert_eq!(features(&words_only, "不好吃").len(), 2);
        assert!(features(&spec, "不好吃")
            .iter()
            .all(|&b| (b as usize) < spec.buckets()));
    }

    #[test]
    fn negation_changes_the_features_of_what_follows() {
        let spec = FeatureSpec {
            char_ngrams: 0,
            word_bigrams: false,
            ..FeatureSpec::default()
        };
        let plain = features(&spec, "good");
        let negated = features(&spec, "not good");
        assert_eq!(negated.len(), 2);
        assert_ne!(plain[0], negated[1]);
        // The scope ends at punctuation.
        let after = features(&spec, "not bad, good");
        assert_eq!(after[2], plain[0]);
    }

    #[test]
    fn traditional_and_simplified_share_features() {
        let spec = FeatureSpec::default();
        assert_eq!(features(&spec, "質量很好"), features(&spec, "质量很好"));
    }

    #[test]
    fn hashing_is_fixed() {
        // A model file must score the same on every machine and in every build.
        let spec = FeatureSpec::default();
        assert_eq!(features(&spec, "great"), vec![771457]);
    }
}
