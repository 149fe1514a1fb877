//! The engine's configuration file.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::keywords::KeywordConfig;
use crate::kind::KindConfig;
use crate::lang::LanguageConfig;
use crate::priority::PriorityConfig;
use crate::route::RouteConfig;
use crate::segment::{NormalizerConfig, SegmenterConfig};
use crate::sentiment::SentimentConfig;

/// Everything an engine is built from; one TOML file, every key optional.
///
/// Unknown keys are errors, so a typo never silently falls back to a default.
///
/// # Examples
///
/// ```
/// use fankui::EngineConfig;
///
/// let config = EngineConfig::from_toml_str(r#"
///     [segment]
///     type = "mixed"
///     user_dicts = []
///     [limits]
///     max_text_bytes = 65536
/// "#)?;
/// assert_eq!(config.limits.max_text_bytes, 65536);
/// assert!(EngineConfig::from_toml_str("[segment]\ntyep = \"mixed\"").is_err());
/// # Ok::<(), fankui::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EngineConfig {
    /// Normalisation.
    pub normalize: NormalizerConfig,
    /// Language detection.
    pub language: LanguageConfig,
    /// Segmentation.
    pub segment: SegmenterConfig,
    /// Sentiment.
    pub sentiment: SentimentConfig,
    /// Kind (complaint, suggestion, …).
    pub kind: KindConfig,
    /// Keywords.
    pub keywords: KeywordConfig,
    /// Department routing.
    pub route: RouteConfig,
    /// Priority.
    pub priority: PriorityConfig,
    /// Limits on input.
    pub limits: Limits,
}

/// Limits on what one record may be.
///
/// | Name | Default | Purpose | Range |
/// |---|---|---|---|
/// | `max_text_bytes` | 1048576 | longest text analysed, in bytes | 1 – 4294967295 |
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Longest text, in bytes.
    pub max_text_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_text_bytes: 1 << 20,
        }
    }
}

impl EngineConfig {
    /// Parses TOML.
    ///
    /// # Errors
    ///
    /// [`Error::Toml`] for a syntax error, an unknown key or a value of the wrong type,
    /// naming the line and the key or value.
    pub fn from_toml_str(text: &str) -> Result<Self> {
        toml::from_str(text).map_err(|e| Error::toml("configuration", text, None, e))
    }

    /// Reads and parses a TOML file. Relative paths inside it (user dictionaries) are taken
    /// relative to the file's folder.
    ///
    /// # Errors
    ///
    /// The file cannot be read, or as [`from_toml_str`](Self::from_toml_str).
    pub fn from_path(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::io(format!("cannot read config {}", path.display()), e))?;
        let mut config: EngineConfig = toml::from_str(&text)
            .map_err(|e| Error::toml("configuration", &text, Some(path), e))?;
        if let Some(dir) = path.parent() {
            config.segment.resolve_paths(dir);
            config.sentiment.resolve_paths(dir);
            config.kind.resolve_paths(dir);
            config.route.resolve_paths(dir);
        }
        Ok(config)
    }

    /// The configuration as TOML.
    #[must_use]
    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).unwrap_or_default()
    }

    /// Checks values whose ranges the types cannot express.
    pub(crate) fn validate(&self) -> Result<()> {
        let fail = |message: String| Error::Config {
            path: None,
            message,
        };
        self.language.validate().map_err(fail)?;
        self.sentiment.validate().map_err(fail)?;
        self.kind.validate().map_err(fail)?;
        self.route.validate().map_err(fail)?;
        self.priority.validate().map_err(fail)?;
        if self.limits.max_text_bytes == 0 {
            return Err(fail("limits.max_text_bytes must be at least 1".into()));
        }
        // Token spans are 32-bit offsets.
        if u32::try_from(self.limits.max_text_bytes).is_err() {
            return Err(fail(format!(
                "limits.max_text_bytes must be at most {}, found {}",
                u32::MAX,
                self.limits.max_text_bytes
            )));
        }
        Ok(())
    }
}

impl SegmenterConfig {
    fn resolve_paths(&mut self, base: &Path) {
        if let Some(user_dicts) = self.user_dicts_mut() {
            for p in user_dicts {
                if p.is_relative() {
                    *p = base.join(&*p);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_round_trips() {
        let config = EngineConfig::default();
        let text = config.to_toml();
        assert_eq!(EngineConfig::from_toml_str(&text).unwrap(), config);
    }

    #[test]
    fn unknown_keys_are_errors() {
        let err =
            EngineConfig::from_toml_str("[segment]\ntype = \"mixed\"\nhmmm = true\n").unwrap_err();
        assert!(err.to_string().contains("hmmm"), "{err}");
        let err = EngineConfig::from_toml_str("[segmnt]\n").unwrap_err();
        assert!(err.to_string().contains("segmnt"), "{err}");
        let err = EngineConfig::from_toml_str("[segment]\ntype = \"bpe\"\n").unwrap_err();
        assert!(err.to_string().contains("bpe"), "{err}");
    }

    #[test]
    fn toml_errors_keep_their_source_and_name_the_line() {
        use std::error::Error as _;
        let err =
            EngineConfig::from_toml_str("[limits]\n\nmax_text_bytes = \"many\"\n").unwrap_err();
        assert!(matches!(err, Error::Toml { line: Some(3), .. }), "{err:?}");
        assert_eq!(
            err.to_string(),
            "invalid configuration (inline), line 3, at `\"many\"`"
        );
        let source = err.source().expect("a source");
        assert!(source.downcast_ref::<Box<toml::de::Error>>().is_some());
        assert!(source.to_string().contains("max_text_bytes"), "{source}");
    }

    #[test]
    fn every_segmenter_round_trips() {
        for text in [
            "[segment]\ntype = \"jieba\"\nhmm = false\n",
            "[segment]\ntype = \"unicode\"\nstem = true\n",
            "[segment]\ntype = \"mixed\"\nuser_dicts = [\"a.dict\"]\nlowercase = false\n",
            "[sentiment]\ntype = \"lexicon\"\nneutral_band = 0.1\n",
            "[sentiment]\ntype = \"linear\"\nmodel = \"m.fks\"\n",
            "[kind]\nthreshold = 2.0\n[route]\nfallback = \"\"\nmin_confidence = 0.5\n",
            "[priority]\nnegativity = 10.0\n[priority.channel]\napp = 3.0\n[priority.recency]\nreference_date = \"2026-01-31\"\n",
        ] {
            let config = EngineConfig::from_toml_str(text).unwrap();
            assert_eq!(
                EngineConfig::from_toml_str(&config.to_toml()).unwrap(),
                config
            );
        }
    }
}
