//! Language and script detection per record.
//!
//! whatlang alone misreads short and mixed Chinese–English text, so the decision is made from
//! character counts: Han characters weigh as several Latin letters (a Han character carries
//! about as much as a short English word's letters), kana or Hangul mean Japanese or Korean,
//! and whatlang only decides whether a long Latin-script text is English.

use serde::{Deserialize, Serialize};

use crate::segment::{is_han, Normalized};
use crate::types::{ChineseScript, Lang};

mod standard;

pub use standard::StandardDetector;

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
