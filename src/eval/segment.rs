//! Word segmentation scored against SIGHAN-style gold data (one sentence a line, words
//! separated by whitespace).
//!
//! Words are compared as character intervals of the sentence with its whitespace removed;
//! precision, recall and F1 are micro-averaged over all words. Out-of-vocabulary recall is the
//! recall of the gold words with a letter or digit whose normalised form is not in the
//! segmenter's dictionary (punctuation is left out: it is never in a dictionary and almost
//! always right, so counting it would hide how unknown words fare).

use std::time::Instant;

use serde::Serialize;

use crate::error::{Error, Result};
use crate::pipeline::Engine;

/// Segmentation scores.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct SegmentScores {
    /// Sentences scored.
    pub lines: u64,
    /// Words in the gold data.
    pub gold_words: u64,
    /// Words predicted.
    pub predicted_words: u64,
    /// Predicted words that match a gold word exactly.
    pub correct: u64,
    /// `correct / predicted_words`.
    pub precision: f64,
    /// `correct / gold_words`.
    pub recall: f64,
    /// Harmonic mean of precision and recall.
    pub f1: f64,
    /// Gold words out of the dictionary.
    pub oov_words: u64,
    /// Of those, found exactly.
    pub oov_correct: u64,
    /// `oov_correct / oov_words`.
    pub oov_recall: f64,
    /// Characters segmented per second (segmentation time only, on one thread).
    pub chars_per_second: f64,
}

/// Scores `engine`'s segmentation against `gold` lines. When `input` is given, its lines are
/// segmented instead of the gold with whitespace removed; each must equal that text once its
/// own whitespace is removed.
///
/// # Examples
///
/// ```
/// use fankui::{Engine, eval::evaluate_segmentation};
///
/// let engine = Engine::builder().build()?;
/// let gold = ["物流 太 慢 了", "服务 态度 很 好"];
/// let scores = evaluate_segmentation(&engine, gold.iter().map(|s| Ok(s.to_string())), None)?;
/// assert_eq!(scores.gold_words, 8);
/// assert!(scores.f1 > 0.5);
/// # Ok::<(), fankui::Error>(())
/// ```
///
/// # Errors
///
/// A line of `input` that does not match its gold line, or an error from the line iterators.
pub fn evaluate_segmentation(
    engine: &Engine,
    gold: impl Iterator<Item = Result<String>>,
    mut input: Option<Box<dyn Iterator<Item = Result<String>>>>,
) -> Result<SegmentScores> {
    let mut s = SegmentScores::default();
    let mut chars = 0u64;
    let mut seconds = 0.0;
    for (i, gold_line) in gold.enumerate() {
        let gold_line = gold_line?;
        let joined: String = gold_line.split_whitespace().collect();
        let text = match input.as_mut() {
            None => joined.clone(),
            Some(it) => {
                let line = it.next().ok_or_else(|| Error::Malformed {
                    line: i as u64 + 1,
                    message: "the input has fewer lines than the gold data".into(),
                })??;
                let squeezed: String = line.split_whitespace().collect();
                if squeezed != joined {
                    return Err(Error::Malformed {
                        line: i as u64 + 1,
                        message: "input line differs from the gold line (whitespace aside)".into(),
                    });
                }
                line
            }
        };
        if joined.is_empty() {
            continue;
        }
        s.lines += 1;
        chars += joined.chars().count() as u64;

        // Gold intervals, in characters of the whitespace-free text.
        let mut gold_spans = Vec::new();
        let mut at = 0usize;
        for word in gold_line.split_whitespace() {
            let n = word.chars().count();
            let oov = word.chars().any(char::is_alphanumeric) && !engine.has_word(word);
            gold_spans.push((at, at + n, oov));
            at += n;
        }

        let started = Instant::now();
        let tokens = engine.segment(&text);
        seconds += started.elapsed().as_secs_f64();

        // Byte offset in `text` → character index among its non-whitespace characters.
        let mut index = vec![0usize; text.len() + 1];
        let mut k = 0;
        for (b, c) in text.char_indices() {
            index[b] = k;
            if !c.is_whitespace() {
                k += 1;
            }
        }
        index[text.len()] = k;
        let predicted: std::collections::HashSet<(usize, usize)> = tokens
            .iter()
            .map(|t| (index[t.start], index[t.end]))
            .filter(|(a, b)| a < b)
            .collect();

        s.gold_words += gold_spans.len() as u64;
        s.predicted_words += predicted.len() as u64;
        for &(a, b, oov) in &gold_spans {
            let hit = predicted.contains(&(a, b));
            s.correct += u64::from(hit);
            if oov {
                s.oov_words += 1;
                s.oov_correct += u64::from(hit);
            }
        }
    }
    let ratio = |a: u64, b: u64| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    s.precision = ratio(s.correct, s.predicted_words);
    s.recall = ratio(s.correct, s.gold_words);
    s.f1 = if s.precision + s.recall > 0.0 {
        2.0 * s.precision * s.recall / (s.precision + s.recall)
    } else {
        0.0
    };
    s.oov_recall = ratio(s.oov_correct, s.oov_words);
    s.chars_per_second = if seconds > 0.0 {
        chars as f64 / seconds
    } else {
        0.0
    };
    Ok(s)
}
