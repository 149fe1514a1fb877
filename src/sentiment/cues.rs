//! The word lists sentiment rules read: polarity, degree, negation, contrast.
//!
//! The shipped lists live in `models/sentiment/lexicon/` (sources and licences in its README)
//! and are compiled into the library, so a default engine needs no files at run time.

use std::collections::{HashMap, HashSet};
use std::hash::BuildHasherDefault;
use std::sync::OnceLock;

use super::features::WordHasher;

type Map<V> = HashMap<&'static str, V, BuildHasherDefault<WordHasher>>;
type Set = HashSet<&'static str, BuildHasherDefault<WordHasher>>;

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

/// Every cue word, Chinese (Simplified) and English (lower-case).
#[derive(Debug)]
pub(crate) struct Cues {
    polarity: Map<f32>,
    degree: Map<f32>,
    negators: Set,
    contrast: Set,
    concessive: Set,
    longest_polar: usize,
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
            let mut polarity = Map::default();
            for file in [
                lexicon!("zh.tsv"),
                lexicon!("en.tsv"),
                lexicon!("emoji.tsv"),
            ] {
                polarity.extend(scored(file));
            }
            let mut degree = Map::default();
            for file in [lexicon!("zh_degree.tsv"), lexicon!("en_degree.tsv")] {
                degree.extend(scored(file));
            }
            let set =
                |files: [&'static str; 2]| -> Set { files.into_iter().flat_map(words).collect() };
            let longest_polar = polarity.keys().map(|k| k.len()).max().unwrap_or(0);
            Cues {
                negators: set([lexicon!("zh_negators.txt"), lexicon!("en_negators.txt")]),
                contrast: set([lexicon!("zh_contrast.txt"), lexicon!("en_contrast.txt")]),
                concessive: set([lexicon!("zh_concessive.txt"), lexicon!("en_concessive.txt")]),
                polarity,
                degree,
                longest_polar,
            }
        })
    }

    /// The cue a normalised word form carries, if any. Negators and conjunctions win over
    /// polarity (a list entry like `no` is a negator first).
    pub(crate) fn cue(&self, form: &str) -> Option<Cue> {
        if form.len() > self.longest_polar.max(24) {
            return None;
        }
        if self.is_negator(form) {
            return Some(Cue::Negator);
        }
        if self.contrast.contains(form) {
            return Some(Cue::Contrast);
        }
        if self.concessive.contains(form) {
            return Some(Cue::Concessive);
        }
        if let Some(&m) = self.degree.get(form) {
            return Some(Cue::Degree(m));
        }
        self.polarity.get(form).map(|&s| Cue::Polar(s))
    }

    /// Whether `form` negates what follows (`不`, `not`, `don't`).
    pub(crate) fn is_negator(&self, form: &str) -> bool {
        self.negators.contains(form) || form.ends_with("n't") || form.ends_with("n’t")
    }

    /// The polarity of a word, if it has one.
    #[cfg(test)]
    pub(crate) fn polarity(&self, form: &str) -> Option<f32> {
        self.polarity.get(form).copied()
    }
}

/// Lines that are not blank or `#` comments, trimmed.
fn lines(text: &'static str) -> impl Iterator<Item = &'static str> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

fn words(text: &'static str) -> impl Iterator<Item = &'static str> {
    lines(text)
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
