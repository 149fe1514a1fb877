//! The word lists sentiment rules read: polarity, degree, negation, contrast.
//!
//! The shipped lists live in `models/sentiment/lexicon/` (sources and licences in its README)
//! and are compiled into the library, so a default engine needs no files at run time.

use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::sync::OnceLock;

use crate::learn::hash::StableHasher;
use crate::learn::negates_by_suffix;

type Map<V> = HashMap<&'static str, V, BuildHasherDefault<StableHasher>>;

/// What a word does to the sentiment of the words around it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Cue {
    /// A polarity word, with its score in [-1, 1].
    Polar(f32),
    /// A degree adverb multiplying the next polarity word.
    Degree(f32),
    /// A negator flipping the polarity words after it in its clause.
    Negator,
    /// A contrast conjunction: what follows weighs more (但是, but).
    Contrast,
    /// A concessive conjunction: its own clause weighs less (虽然, although).
    Concessive,
}

/// Every cue word, Chinese (Simplified) and English (lower-case), in one table.
#[derive(Debug)]
pub(crate) struct Cues {
    cues: Map<Cue>,
    longest: usize,
}

macro_rules! lexicon {
    ($file:literal) => {
        include_str!(concat!("../../models/sentiment/lexicon/", $file))
    };
}

impl Cues {
    /// The shipped lists.
    pub(crate) fn shipped() -> &'static Cues {
        static CUES: OnceLock<Cues> = OnceLock::new();
        CUES.get_or_init(|| {
            let mut cues = Map::default();
            // Later lists win: a word that is a negator and has a polarity (`no`) is a negator.
            for file in [
                lexicon!("zh.tsv"),
                lexicon!("en.tsv"),
                lexicon!("emoji.tsv"),
            ] {
                cues.extend(scored(file).map(|(w, s)| (w, Cue::Polar(s))));
            }
            for file in [lexicon!("zh_degree.tsv"), lexicon!("en_degree.tsv")] {
                cues.extend(scored(file).map(|(w, m)| (w, Cue::Degree(m))));
            }
            let lists = [
                (lexicon!("zh_concessive.txt"), Cue::Concessive),
                (lexicon!("en_concessive.txt"), Cue::Concessive),
                (lexicon!("zh_contrast.txt"), Cue::Contrast),
                (lexicon!("en_contrast.txt"), Cue::Contrast),
                (lexicon!("zh_negators.txt"), Cue::Negator),
                (lexicon!("en_negators.txt"), Cue::Negator),
            ];
            for (file, cue) in lists {
                cues.extend(lines(file).map(|w| (w, cue)));
            }
            let longest = cues.keys().map(|k| k.len()).max().unwrap_or(0);
            Cues { cues, longest }
        })
    }

    /// The cue a normalised word form carries, if any.
    pub(crate) fn cue(&self, form: &str) -> Option<Cue> {
        if form.len() > self.longest {
            return None;
        }
        match self.cues.get(form) {
            Some(&cue) => Some(cue),
            None if negates_by_suffix(form) => Some(Cue::Negator),
            None => None,
        }
    }

    /// The cue of a list entry (a word or a phrase), without the `n't` rule.
    pub(crate) fn entry(&self, form: &str) -> Option<Cue> {
        self.cues.get(form).copied()
    }

    /// The polarity of a word, if it has one.
    #[cfg(test)]
    pub(crate) fn polarity(&self, form: &str) -> Option<f32> {
        match self.cues.get(form) {
            Some(Cue::Polar(s)) => Some(*s),
            _ => None,
        }
    }
}

/// Lines that are not blank or `#` comments, trimmed.
fn lines(text: &'static str) -> impl Iterator<Item = &'static str> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

/// `word<TAB>number` lines; a line whose number does not parse is skipped (the shipped files
/// are checked by a test).
fn scored(text: &'static str) -> impl Iterator<Item = (&'static str, f32)> {
    lines(text).filter_map(|l| {
        let (word, score) = l.rsplit_once('\t')?;
        Some((word.trim(), score.trim().parse().ok()?))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_files_parse_completely() {
        for file in [
            lexicon!("zh.tsv"),
            lexicon!("en.tsv"),
            lexicon!("emoji.tsv"),
            lexicon!("zh_degree.tsv"),
            lexicon!("en_degree.tsv"),
        ] {
            assert_eq!(lines(file).count(), scored(file).count());
            for (word, score) in scored(file) {
                assert!(!word.is_empty());
                assert!(
                    score.is_finite() && (-1.0..=3.0).contains(&score),
                    "{word} {score}"
                );
            }
        }
    }

    #[test]
    fn cues_of_both_languages() {
        let cues = Cues::shipped();
        assert_eq!(cues.cue("不"), Some(Cue::Negator));
        assert_eq!(cues.cue("don't"), Some(Cue::Negator));
        assert_eq!(cues.cue("但是"), Some(Cue::Contrast));
        assert_eq!(cues.cue("but"), Some(Cue::Contrast));
        assert_eq!(cues.cue("虽然"), Some(Cue::Concessive));
        assert!(matches!(cues.cue("非常"), Some(Cue::Degree(m)) if m > 1.0));
        assert!(matches!(cues.cue("slightly"), Some(Cue::Degree(m)) if m < 1.0));
        assert!(cues.polarity("好").unwrap() > 0.0);
        assert!(cues.polarity("糟糕").unwrap() < 0.0);
        assert!(cues.polarity("great").unwrap() > 0.0);
        assert!(cues.polarity("terrible").unwrap() < 0.0);
        assert!(cues.polarity("😡").unwrap() < 0.0);
    }
}
