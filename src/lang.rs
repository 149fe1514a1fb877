//! Language and script detection per record.
//!
//! whatlang alone misreads short and mixed Chinese–English text, so the decision is made from
//! character counts: Han characters weigh as several Latin letters (a Han character carries
//! about as much as a short English word's letters), kana or Hangul mean Japanese or Korean,
//! and whatlang only decides whether a long Latin-script text is English.

use serde::{Deserialize, Serialize};

use crate::segment::{is_han, Normalized};
use crate::types::{ChineseScript, Lang};

/// The language-detection stage.
pub trait LanguageDetector: Send + Sync + std::fmt::Debug {
    /// The language of `text` and, when it has Chinese, its script.
    fn detect(&self, text: &Normalized<'_>) -> (Lang, Option<ChineseScript>);
}

/// Thresholds of the built-in detector.
///
/// | Name | Default | Purpose | Range |
/// |---|---|---|---|
/// | `han_weight` | 3.0 | how many Latin letters one Han character counts as | > 0 |
/// | `zh_share` | 0.55 | weighted Han share at or above which a text is `zh` | 0–1 |
/// | `mixed_share` | 0.2 | weighted Han share at or above which a Latin text is `mixed` | 0–`zh_share` |
/// | `hant_share` | 0.05 | share of Han characters that must be Traditional for `hant` | 0–1 |
/// | `whatlang_min_letters` | 40 | Latin letters needed before whatlang may call a text not English | ≥ 0 |
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LanguageConfig {
    /// Latin letters per Han character.
    pub han_weight: f64,
    /// Weighted Han share for `zh`.
    pub zh_share: f64,
    /// Weighted Han share for `mixed`.
    pub mixed_share: f64,
    /// Traditional share of Han characters for `hant`.
    pub hant_share: f64,
    /// Latin letters before whatlang is asked.
    pub whatlang_min_letters: usize,
}

impl Default for LanguageConfig {
    fn default() -> Self {
        LanguageConfig {
            han_weight: 3.0,
            zh_share: 0.55,
            mixed_share: 0.2,
            hant_share: 0.05,
            whatlang_min_letters: 40,
        }
    }
}

impl LanguageConfig {
    /// Checks the ranges in the table above.
    pub(crate) fn validate(&self) -> Result<(), String> {
        let share = |v: f64| (0.0..=1.0).contains(&v);
        if !(self.han_weight > 0.0 && self.han_weight.is_finite()) {
            return Err(format!(
                "language.han_weight must be > 0, got {}",
                self.han_weight
            ));
        }
        if !share(self.zh_share) || !share(self.hant_share) {
            return Err("language.zh_share and language.hant_share must lie in 0–1".into());
        }
        if !(0.0..=self.zh_share).contains(&self.mixed_share) {
            return Err(format!(
                "language.mixed_share must lie in 0–zh_share ({}), got {}",
                self.zh_share, self.mixed_share
            ));
        }
        Ok(())
    }
}

/// The built-in detector (see the module docs).
///
/// # Examples
///
/// ```
/// use fankui::{Lang, ChineseScript};
///
/// let engine = fankui::Engine::builder().build()?;
/// assert_eq!(engine.detect("物流太慢了"), (Lang::Zh, Some(ChineseScript::Hans)));
/// assert_eq!(engine.detect("iPhone很好用"), (Lang::Zh, Some(ChineseScript::Hans)));
/// assert_eq!(engine.detect("服務態度很差"), (Lang::Zh, Some(ChineseScript::Hant)));
/// assert_eq!(engine.detect("The delivery was slow, 物流太慢了"), (Lang::Mixed, Some(ChineseScript::Hans)));
/// assert_eq!(engine.detect("Still waiting for my parcel"), (Lang::En, None));
/// assert_eq!(engine.detect("👍👍"), (Lang::Other, None));
/// # Ok::<(), fankui::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct StandardDetector {
    config: LanguageConfig,
}

impl StandardDetector {
    /// A detector with thresholds `config`.
    #[must_use]
    pub fn new(config: LanguageConfig) -> Self {
        StandardDetector { config }
    }
}

/// Whether at least one word in eight (and at least two) is a common English function word.
fn looks_english(text: &str) -> bool {
    let (mut words, mut common) = (0usize, 0usize);
    for word in text
        .split(|c: char| !c.is_ascii_alphabetic() && c != '\'')
        .filter(|w| !w.is_empty())
    {
        words += 1;
        let lower = word.to_ascii_lowercase();
        if matches!(
            lower.as_str(),
            "the"
                | "a"
                | "an"
                | "and"
                | "or"
                | "but"
                | "to"
                | "of"
                | "in"
                | "on"
                | "for"
                | "with"
                | "at"
                | "by"
                | "from"
                | "is"
                | "are"
                | "was"
                | "were"
                | "be"
                | "been"
                | "it"
                | "it's"
                | "this"
                | "that"
                | "i"
                | "i'm"
                | "my"
                | "me"
                | "you"
                | "your"
                | "we"
                | "our"
                | "they"
                | "he"
                | "she"
                | "not"
                | "no"
                | "don't"
                | "didn't"
                | "have"
                | "has"
                | "had"
                | "do"
                | "does"
                | "did"
                | "will"
                | "would"
                | "can"
                | "very"
                | "so"
                | "just"
                | "all"
                | "what"
                | "when"
                | "how"
                | "if"
                | "there"
        ) {
            common += 1;
        }
    }
    common >= 2 && common * 8 >= words
}

#[derive(Default)]
struct Counts {
    han: usize,
    latin: usize,
    kana: usize,
    hangul: usize,
    other: usize,
}

impl LanguageDetector for StandardDetector {
    fn detect(&self, text: &Normalized<'_>) -> (Lang, Option<ChineseScript>) {
        let mut n = Counts::default();
        for c in text.text().chars() {
            if is_han(c) {
                n.han += 1;
            } else if c.is_ascii() {
                n.latin += usize::from(c.is_ascii_alphabetic());
            } else if matches!(c as u32, 0x3000..=0x303F | 0xFF00..=0xFF65) || !c.is_alphabetic() {
                // CJK and full-width punctuation (full-width letters are already ASCII).
                continue;
            } else {
                match c as u32 {
                    0xC0..=0x24F | 0x1E00..=0x1EFF => n.latin += 1,
                    0x3040..=0x30FF | 0x31F0..=0x31FF => n.kana += 1,
                    0xAC00..=0xD7AF | 0x1100..=0x11FF | 0x3130..=0x318F => n.hangul += 1,
                    _ => n.other += 1,
                }
            }
        }
        let cfg = &self.config;
        let script = (n.han > 0).then(|| {
            let hant = text.traditional_chars() as f64 >= cfg.hant_share * n.han as f64
                && text.traditional_chars() > 0;
            if hant {
                ChineseScript::Hant
            } else {
                ChineseScript::Hans
            }
        });
        let letters = n.han + n.latin + n.kana + n.hangul + n.other;
        if letters == 0 {
            return (Lang::Other, None);
        }
        // Japanese mixes kana into Han text; Korean is Hangul.
        if n.kana * 5 >= n.han + n.kana && n.kana > 0 || n.hangul * 2 >= letters {
            return (Lang::Other, None);
        }
        let zh = n.han as f64 * cfg.han_weight;
        let share = zh / (zh + n.latin as f64 + n.other as f64 + n.hangul as f64 + n.kana as f64);
        if n.han > 0 && share >= cfg.zh_share {
            return (Lang::Zh, script);
        }
        if n.latin < n.other + n.hangul + n.kana {
            return (Lang::Other, None);
        }
        let zh_vs_en = zh / (zh + n.latin as f64);
        if n.han > 0 && zh_vs_en >= cfg.mixed_share {
            return (Lang::Mixed, script);
        }
        // Common English words settle most texts; whatlang (slow: trigram profiles of 60+
        // languages) is only asked about long Latin texts without them.
        if n.latin >= cfg.whatlang_min_letters && !looks_english(text.text()) {
            if let Some(info) = whatlang::detect(text.text()) {
                if info.is_reliable() && info.lang() != whatlang::Lang::Eng {
                    return (Lang::Other, script);
                }
            }
        }
        (Lang::En, script.filter(|_| n.han > 0))
    }
}
