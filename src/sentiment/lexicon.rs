//! Sentiment from word lists and rules: needs no training.

use super::cues::{Cue, Cues};
use super::SentimentModel;
use crate::types::{Lang, Script, Token, TokenKind, Tokens};

/// How much a negated polarity word keeps, reversed (`不好` is less bad than `坏` is bad).
const NEGATED: f32 = -0.75;
/// Words a negator reaches within its clause.
const NEGATION_SCOPE: u8 = 3;
/// What a contrast conjunction leaves of everything before it, and gives everything after.
const BEFORE_CONTRAST: f32 = 0.5;
const AFTER_CONTRAST: f32 = 1.5;
/// Weight of a concessive clause (虽然…, although …).
const CONCESSIVE: f32 = 0.5;
/// Added per exclamation mark (at most four) in the direction of the sentiment.
const EXCLAMATION: f32 = 0.08;
/// Squashing constant: `score = s / sqrt(s² + ALPHA)`.
const ALPHA: f32 = 1.0;

/// Polarity lexicon with negation scope, degree adverbs, contrast and concession, emoji and
/// emoticons, and exclamation marks.
///
/// Chinese words are looked up whole and, when a word is not in the lists, by the longest list
/// entries inside it (`很好` is `很` + `好`, `不满意` is `不` + `满意`), so the rules do not
/// depend on how the segmenter happened to cut.
///
/// # Examples
///
/// ```
/// use fankui::sentiment::{LexiconModel, SentimentModel};
/// use fankui::{Engine, Lang};
///
/// let engine = Engine::builder().build()?;
/// let model = LexiconModel::shipped();
/// let score = |text: &str| model.score(&engine.segment(text), Lang::Zh);
/// assert!(score("质量很好") > 0.0);
/// assert!(score("质量不好") < 0.0);
/// assert!(score("虽然便宜，但是质量太差了") < 0.0);
/// assert!(score("质量非常好") > score("质量好"));
/// # Ok::<(), fankui::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct LexiconModel {
    cues: &'static Cues,
}

impl LexiconModel {
    /// The model on the lists shipped in `models/sentiment/lexicon/`.
    #[must_use]
    pub fn shipped() -> Self {
        LexiconModel {
            cues: Cues::shipped(),
        }
    }

    /// The raw sum of the rules, before squashing; 0 when no cue word was found.
    pub(crate) fn raw(&self, tokens: &Tokens) -> f32 {
        let mut state = State::default();
        let list = tokens.as_slice();
        let mut phrase = String::new();
        let mut i = 0;
        while i < list.len() {
            let token = &list[i];
            let form = tokens.form(token);
            i += 1;
            match token.kind {
                TokenKind::Punct => {
                    if form == "!" {
                        state.exclamations += 1;
                    }
                    if is_clause_end(form) {
                        state.end_clause();
                    }
                }
                TokenKind::Number | TokenKind::Symbol => state.other_word(),
                TokenKind::Word | TokenKind::Emoji | TokenKind::Emoticon => {
                    if token.script == Script::Latin {
                        if let Some((cue, used)) = self.phrase(tokens, &list[i - 1..], &mut phrase)
                        {
                            state.apply(cue);
                            i += used - 1;
                            continue;
                        }
                    }
                    match self.cues.cue(form) {
                        Some(cue) => state.apply(cue),
                        None if token.script == Script::Han && form.chars().nth(1).is_some() => {
                            self.inside(form, &mut state);
                        }
                        None => state.other_word(),
                    }
                }
            }
        }
        state.finish()
    }

    /// An English phrase of two or three words starting at `rest[0]` that the lists have
    /// (`kind of`, `can't stand`, `in spite of`), longest first, and how many words it takes.
    fn phrase(&self, tokens: &Tokens, rest: &[Token], buf: &mut String) -> Option<(Cue, usize)> {
        for n in [3, 2] {
            let words = rest.get(..n)?;
            if !words
                .iter()
                .all(|t| t.kind == TokenKind::Word && t.script == Script::Latin)
            {
                continue;
            }
            buf.clear();
            for (k, t) in words.iter().enumerate() {
                if k > 0 {
                    buf.push(' ');
                }
                buf.push_str(tokens.form(t));
            }
            if let Some(cue) = self.cues.entry(buf) {
                return Some((cue, n));
            }
        }
        None
    }

    /// Applies the cue words of a Chinese word the lists do not have whole, when it ends in
    /// modifiers and one polarity word (`很好` is `很` + `好`, `价格便宜` is `价格` + `便宜`,
    /// `不太满意` is `不` + `太` + `满意`). Any other word counts as a plain word: `快递` is not
    /// `快` (fast) + `递`.
    fn inside(&self, word: &str, state: &mut State) {
        const MAX_CHARS: usize = 16;
        let mut at = [0usize; MAX_CHARS + 1];
        let mut n = 0;
        for (i, _) in word.char_indices() {
            if n == MAX_CHARS {
                state.other_word();
                return;
            }
            at[n] = i;
            n += 1;
        }
        at[n] = word.len();
        // The longest polarity word ending the word…
        let Some((start, polar)) =
            (1..=n.min(4))
                .rev()
                .find_map(|k| match self.cues.cue(&word[at[n - k]..]) {
                    Some(cue @ Cue::Polar(_)) => Some((n - k, cue)),
                    _ => None,
                })
        else {
            state.other_word();
            return;
        };
        // …and the negators and degree adverbs right before it, read backwards.
        let mut modifiers = [Cue::Negator; 4];
        let mut m = 0;
        let mut end = start;
        while end > 0 && m < modifiers.len() {
            let found = (1..=end.min(2)).rev().find_map(|k| {
                match self.cues.cue(&word[at[end - k]..at[end]]) {
                    Some(cue @ (Cue::Negator | Cue::Degree(_))) => Some((k, cue)),
                    _ => None,
                }
            });
            let Some((k, cue)) = found else { break };
            modifiers[m] = cue;
            m += 1;
            end -= k;
        }
        modifiers[..m].iter().rev().for_each(|&c| state.apply(c));
        state.apply(polar);
    }
}

impl SentimentModel for LexiconModel {
    fn score(&self, tokens: &Tokens, _lang: Lang) -> f32 {
        squash(self.raw(tokens))
    }
}

/// Maps a raw sum to (-1, 1).
pub(crate) fn squash(s: f32) -> f32 {
    s / (s * s + ALPHA).sqrt()
}

fn is_clause_end(form: &str) -> bool {
    matches!(
        form,
        "," | "." | "!" | "?" | ";" | ":" | "。" | "、" | "…" | "~" | "\n"
    )
}

#[derive(Debug)]
struct State {
    total: f32,
    clause: f32,
    clause_weight: f32,
    boost: f32,
    degree: f32,
    negation: u8,
    exclamations: u32,
}

impl Default for State {
    fn default() -> Self {
        State {
            total: 0.0,
            clause: 0.0,
            clause_weight: 1.0,
            boost: 1.0,
            degree: 1.0,
            negation: 0,
            exclamations: 0,
        }
    }
}

impl State {
    fn apply(&mut self, cue: Cue) {
        match cue {
            Cue::Polar(s) => {
                let mut v = s * self.degree;
                if self.negation > 0 {
                    v *= NEGATED;
                    self.negation = 0;
                }
                self.clause += v;
                self.degree = 1.0;
            }
            Cue::Degree(m) => self.degree *= m,
            Cue::Negator => self.negation = NEGATION_SCOPE,
            Cue::Contrast => {
                self.total = (self.total + self.clause * self.clause_weight) * BEFORE_CONTRAST;
                self.clause = 0.0;
                self.clause_weight = 1.0;
                self.boost = AFTER_CONTRAST;
            }
            Cue::Concessive => self.clause_weight = CONCESSIVE,
        }
    }

    fn other_word(&mut self) {
        self.negation = self.negation.saturating_sub(1);
    }

    fn end_clause(&mut self) {
        self.total += self.clause * self.clause_weight * self.boost;
        self.clause = 0.0;
        self.clause_weight = 1.0;
        self.degree = 1.0;
        self.negation = 0;
    }

    fn finish(mut self) -> f32 {
        self.end_clause();
        if self.total != 0.0 {
            self.total += self.total.signum() * EXCLAMATION * self.exclamations.min(4) as f32;
        }
        self.total
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Engine;

    fn score(text: &str) -> f32 {
        let engine = Engine::builder().build().unwrap();
        LexiconModel::shipped().score(&engine.segment(text), Lang::Other)
    }

    #[test]
    fn polarity_negation_degree_chinese() {
        assert!(score("很好") > 0.0);
        assert!(score("不满意") < 0.0);
        assert!(score("非常满意") > score("满意"));
        assert!(score("有点慢") > score("太慢了"));
        assert_eq!(score("今天星期二"), 0.0);
        // Only modifiers + a polarity word are split: 快递 is not 快 (fast) + 递.
        assert_eq!(score("快递"), 0.0);
    }

    #[test]
    fn polarity_negation_degree_english() {
        assert!(score("great service") > 0.0);
        assert!(score("not great") < 0.0);
        assert!(score("very good") > score("good"));
        assert!(score("I don't like it") < 0.0);
        // Phrases: `kind of` weakens, it is not the positive `kind`.
        assert!(score("kind of slow") > score("slow") && score("kind of slow") < 0.0);
        assert!(score("I can't stand this app") < 0.0);
        assert!(score("the parcel arrived on tuesday").abs() < 1e-6);
    }

    #[test]
    fn contrast_weighs_the_later_clause() {
        assert!(score("价格便宜，但是质量很差") < 0.0);
        assert!(score("质量很差，但是价格便宜") > 0.0);
        assert!(score("The screen is nice but the battery is terrible") < 0.0);
        assert!(score("虽然有点贵，质量很好") > 0.0);
    }

    #[test]
    fn emoji_emoticons_and_exclamations() {
        assert!(score("👍") > 0.0);
        assert!(score("😡") < 0.0);
        assert!(score("[怒]") < 0.0);
        assert!(score("great!!!") > score("great"));
        assert!(score("awful!!!") < score("awful"));
    }

    #[test]
    fn traditional_text_scores_like_simplified() {
        assert_eq!(score("質量很差，服務也不好"), score("质量很差，服务也不好"));
    }

    #[test]
    fn scores_stay_in_range() {
        let long = "好".repeat(500) + &"差".repeat(10);
        let s = score(&long);
        assert!(s > 0.0 && s < 1.0, "{s}");
    }
}
