//! The department taxonomy: which team owns what, as weighted phrases in Chinese and English.
//!
//! ```toml
//! [[department]]
//! id = "logistics"                              # stable id, written to the output
//! name = { zh = "物流配送", en = "Logistics" }
//! owns = "delivery and its speed, shipping, packaging"   # optional
//!
//! [[department.terms]]                          # any number of groups, one weight each
//! weight = 3.0                                  # > 0; 3 decisive, 1 ordinary, 0.5 a hint
//! zh = ["快递员", "物流信息"]                   # substrings (Traditional is fine)
//! en = ["tracking number", "courier*"]          # whole words; plurals match; `*` = prefix
//!
//! [department.negative]                         # phrases that hide this department's
//! zh = ["服务器"]                               # matches inside them
//! en = []
//!
//! [[department.regex]]                          # optional, over the normalised text
//! pattern = '(?i)\border\s+#?\d{6,}'
//! weight = 1.0
//! ```
//!
//! Phrases follow the rules of [`crate::phrases`]: `…` joins parts that must appear in order
//! in one sentence. A phrase may belong to several departments, but only once to each.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The default taxonomy, `models/taxonomy/default.toml`.
pub const DEFAULT_TAXONOMY: &str = include_str!("../../models/taxonomy/default.toml");

/// A whole taxonomy file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Taxonomy {
    /// The departments, in order of precedence for ties.
    #[serde(rename = "department")]
    pub departments: Vec<Department>,
}

/// One department.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Department {
    /// Stable id.
    pub id: String,
    /// Display names.
    pub name: Names,
    /// What it owns, in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owns: Option<String>,
    /// Weighted phrase groups.
    #[serde(default)]
    pub terms: Vec<TermGroup>,
    /// Phrases that hide this department's matches inside them.
    #[serde(default)]
    pub negative: Phrases,
    /// Regular expressions over the normalised text.
    #[serde(default)]
    pub regex: Vec<RegexTerm>,
}

/// Names in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Names {
    /// Chinese.
    pub zh: String,
    /// English.
    pub en: String,
}

/// Phrases with one weight.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TermGroup {
    /// Weight of each phrase.
    pub weight: f32,
    /// Chinese phrases.
    #[serde(default)]
    pub zh: Vec<String>,
    /// English phrases.
    #[serde(default)]
    pub en: Vec<String>,
}

/// Phrases in both languages.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Phrases {
    /// Chinese phrases.
    #[serde(default)]
    pub zh: Vec<String>,
    /// English phrases.
    #[serde(default)]
    pub en: Vec<String>,
}

/// A weighted regular expression.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegexTerm {
    /// The pattern (Rust `regex` syntax).
    pub pattern: String,
    /// Its weight.
    pub weight: f32,
}

impl Taxonomy {
    /// The default taxonomy.
    ///
    /// # Panics
    ///
    /// Never: a test checks the shipped file.
    #[must_use]
    pub fn shipped() -> Self {
        Self::from_toml_str(DEFAULT_TAXONOMY, None).expect("the shipped taxonomy is valid")
    }

    /// Reads and checks a taxonomy file.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when it cannot be read, otherwise as
    /// [`from_toml_str`](Self::from_toml_str).
    pub fn from_path(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::io(format!("cannot read taxonomy {}", path.display()), e))?;
        Self::from_toml_str(&text, Some(path))
    }

    /// Parses and checks a taxonomy.
    ///
    /// # Errors
    ///
    /// [`Error::Toml`] for a TOML error or an unknown key (with its line); [`Error::Config`]
    /// for no departments, a duplicate or empty id, a department without phrases, a weight
    /// that is not a positive number, an empty phrase or a phrase twice in one department;
    /// [`Error::Regex`] for a regex that does not compile.
    pub fn from_toml_str(text: &str, path: Option<&Path>) -> Result<Self> {
        let taxonomy: Taxonomy =
            toml::from_str(text).map_err(|e| Error::toml("taxonomy", text, path, e))?;
        taxonomy.check(path)?;
        Ok(taxonomy)
    }

    fn check(&self, path: Option<&Path>) -> Result<()> {
        self.check_phrases().map_err(|message| Error::Config {
            path: path.map(PathBuf::from),
            message: format!("taxonomy: {message}"),
        })?;
        for d in &self.departments {
            for (i, r) in d.regex.iter().enumerate() {
                if let Err(source) = regex::Regex::new(&r.pattern) {
                    return Err(Error::Regex {
                        path: path.map(PathBuf::from),
                        department: d.id.clone(),
                        index: i + 1,
                        source,
                    });
                }
            }
        }
        Ok(())
    }

    /// Checks everything but whether the regexes compile.
    fn check_phrases(&self) -> std::result::Result<(), String> {
        if self.departments.is_empty() {
            return Err("no [[department]]".into());
        }
        let mut ids = HashSet::new();
        for (n, d) in self.departments.iter().enumerate() {
            let at = format!("department {} (`{}`)", n + 1, d.id);
            if d.id.trim().is_empty() || d.id.chars().any(char::is_whitespace) {
                return Err(format!("{at}: the id must be a non-empty word"));
            }
            if !ids.insert(d.id.as_str()) {
                return Err(format!("{at}: duplicate id `{}`", d.id));
            }
            let phrases: usize = d.terms.iter().map(|g| g.zh.len() + g.en.len()).sum();
            if phrases == 0 && d.regex.is_empty() {
                return Err(format!("{at}: no terms and no regex"));
            }
            let mut seen = HashSet::new();
            for (g, group) in d.terms.iter().enumerate() {
                let place = format!("{at}: terms group {}", g + 1);
                if !(group.weight > 0.0 && group.weight.is_finite()) {
                    return Err(format!(
                        "{place}: weight must be a positive number, found {}",
                        group.weight
                    ));
                }
                for (lang, list) in [("zh", &group.zh), ("en", &group.en)] {
                    for (i, p) in list.iter().enumerate() {
                        let p = p.trim();
                        if p.is_empty() {
                            return Err(format!("{place}: {lang}[{}] is empty", i + 1));
                        }
                        if !seen.insert(p.to_lowercase()) {
                            return Err(format!("{place}: `{p}` is listed twice in `{}`", d.id));
                        }
                    }
                }
            }
            for (lang, list) in [("zh", &d.negative.zh), ("en", &d.negative.en)] {
                if let Some(i) = list.iter().position(|p| p.trim().is_empty()) {
                    return Err(format!("{at}: negative.{lang}[{}] is empty", i + 1));
                }
            }
            for (i, r) in d.regex.iter().enumerate() {
                if !(r.weight > 0.0 && r.weight.is_finite()) {
                    return Err(format!(
                        "{at}: regex {}: weight must be a positive number, found {}",
                        i + 1,
                        r.weight
                    ));
                }
            }
        }
        Ok(())
    }

    /// The department with id `id`.
    #[must_use]
    pub fn department(&self, id: &str) -> Option<&Department> {
        self.departments.iter().find(|d| d.id == id)
    }

    /// Number of phrases (positive ones) over all departments.
    #[must_use]
    pub fn phrase_count(&self) -> usize {
        self.departments
            .iter()
            .flat_map(|d| &d.terms)
            .map(|g| g.zh.len() + g.en.len())
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINI: &str = r#"
[[department]]
id = "logistics"
name = { zh = "物流", en = "Logistics" }
[[department.terms]]
weight = 2.0
zh = ["快递"]
en = ["courier"]
"#;

    #[test]
    fn shipped_taxonomy_is_valid_and_covers_the_default_ids() {
        let t = Taxonomy::shipped();
        for id in [
            "product",
            "customer_service",
            "logistics",
            "marketing",
            "retail",
            "tech",
        ] {
            assert!(t.department(id).is_some(), "{id}");
        }
    }

    #[test]
    fn broken_taxonomies_name_the_place() {
        let cases = [
            (
                MINI.replace("weight = 2.0", "weight = 2.0\nwieght = 1"),
                "wieght",
            ),
            (format!("{MINI}{MINI}"), "duplicate id `logistics`"),
            (
                MINI.replace("[\"快递\"]", "[\"快递\", \"快递\"]"),
                "listed twice",
            ),
            (
                MINI.replace("weight = 2.0", "weight = -1.0"),
                "weight must be a positive",
            ),
            (
                MINI.replace("zh = [\"快递\"]\nen = [\"courier\"]", ""),
                "department 1 (`logistics`): no terms",
            ),
            (
                format!("{MINI}[[department.regex]]\npattern = '(unclosed'\nweight = 1.0\n"),
                "regex 1",
            ),
            (String::new(), "department"),
        ];
        for (text, want) in cases {
            let err = Taxonomy::from_toml_str(&text, Some(Path::new("t.toml"))).unwrap_err();
            let msg = format!("{err}{}", sources(&err));
            assert!(msg.contains(want), "{want}: {msg}");
            assert!(err.to_string().contains("t.toml"), "{msg}");
        }
    }

    /// The messages of an error's sources, each after `: `.
    fn sources(err: &dyn std::error::Error) -> String {
        let mut out = String::new();
        let mut next = err.source();
        while let Some(e) = next {
            out.push_str(&format!(": {e}"));
            next = e.source();
        }
        out
    }

    #[test]
    fn underlying_errors_are_sources() {
        use std::error::Error as _;
        let text = MINI.replace("weight = 2.0", "weight = 2.0\nwieght = 1");
        let err = Taxonomy::from_toml_str(&text, Some(Path::new("t.toml"))).unwrap_err();
        assert!(
            matches!(&err, Error::Toml { what: "taxonomy", line: Some(7), near: Some(k), .. } if k == "wieght"),
            "{err:?}"
        );
        assert!(err.source().unwrap().is::<Box<toml::de::Error>>());
        let text = format!("{MINI}[[department.regex]]\npattern = '(unclosed'\nweight = 1.0\n");
        let err = Taxonomy::from_toml_str(&text, Some(Path::new("t.toml"))).unwrap_err();
        assert!(
            matches!(&err, Error::Regex { department, index: 1, .. } if department == "logistics"),
            "{err:?}"
        );
        assert!(err.source().unwrap().is::<regex::Error>());
    }
}
