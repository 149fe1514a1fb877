//! User dictionaries: words the Chinese segmenter must know, per engine.

use std::path::Path;

use crate::error::{Error, Result};

/// Highest frequency a user word may have (jieba adds them up; the default dictionary's
/// total is about 60 million).
pub(crate) const MAX_USER_FREQ: usize = u32::MAX as usize;

/// One user word: the word, and optionally jieba's frequency and part-of-speech tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserWord {
    /// The word, in any script (it is normalised before use).
    pub word: String,
    /// Frequency; `None` lets jieba pick one that keeps the word whole.
    pub freq: Option<usize>,
    /// Part-of-speech tag.
    pub tag: Option<String>,
}

impl UserWord {
    /// A word with no frequency or tag.
    #[must_use]
    pub fn new(word: impl Into<String>) -> Self {
        UserWord {
            word: word.into(),
            freq: None,
            tag: None,
        }
    }
}

/// A user dictionary in jieba's format: one entry a line, `word [freq] [tag]`, separated by
/// whitespace; blank lines and lines starting with `#` are skipped.
///
/// # Examples
///
/// ```
/// use fankui::segment::UserDict;
///
/// let dict = UserDict::parse("京东物流 1000 nz\n# comment\n\n小米手环\n", "brands.dict")?;
/// assert_eq!(dict.words().len(), 2);
/// assert_eq!(dict.words()[0].freq, Some(1000));
/// # Ok::<(), fankui::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserDict {
    words: Vec<UserWord>,
}

impl UserDict {
    /// Reads a dictionary file.
    ///
    /// # Errors
    ///
    /// The file cannot be read, or a line has a frequency that is not a whole number (or is
    /// over 4294967295) or more than three fields ([`Error::Dictionary`] names the path and line).
    pub fn from_path(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::io(format!("cannot read user dictionary {}", path.display()), e))?;
        Self::parse(&text, path)
    }

    /// Parses dictionary text; `path` only names it in errors.
    ///
    /// # Errors
    ///
    /// As [`from_path`](Self::from_path), for the parsing part.
    pub fn parse(text: &str, path: impl AsRef<Path>) -> Result<Self> {
        let mut words = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim_start_matches('\u{FEFF}').trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let bad = |message: String| Error::Dictionary {
                path: path.as_ref().to_owned(),
                line: i + 1,
                message,
            };
            let mut fields = line.split_whitespace();
            let word = fields.next().unwrap_or_default().to_owned();
            let freq = match fields.next() {
                None => None,
                Some(f) => Some(
                    f.parse::<usize>()
                        .map_err(|_| {
                            bad(format!("frequency `{f}` of `{word}` is not a whole number"))
                        })
                        .and_then(|n| {
                            if n <= MAX_USER_FREQ {
                                Ok(n)
                            } else {
                                Err(bad(format!(
                                    "frequency `{f}` of `{word}` is over {MAX_USER_FREQ}"
                                )))
                            }
                        })?,
                ),
            };
            let tag = fields.next().map(str::to_owned);
            if let Some(extra) = fields.next() {
                return Err(bad(format!(
                    "unexpected `{extra}`: expected `word [freq] [tag]`"
                )));
            }
            words.push(UserWord { word, freq, tag });
        }
        Ok(UserDict { words })
    }

    /// The entries in file order.
    #[must_use]
    pub fn words(&self) -> &[UserWord] {
        &self.words
    }

    /// The entries, by value.
    #[must_use]
    pub fn into_words(self) -> Vec<UserWord> {
        self.words
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_frequency_names_the_line() {
        let err = UserDict::parse("好评 10\n差评 lots\n", "my.dict").unwrap_err();
        assert_eq!(
            err.to_string(),
            "my.dict:2: frequency `lots` of `差评` is not a whole number"
        );
    }

    #[test]
    fn huge_user_frequency_is_an_error_not_an_overflow() {
        let err = UserDict::parse("好评 10\n差评 18446744073709551615\n", "my.dict").unwrap_err();
        assert_eq!(
            err.to_string(),
            "my.dict:2: frequency `18446744073709551615` of `差评` is over 4294967295"
        );
        let dict = UserDict::parse("好评 4294967295\n", "my.dict").unwrap();
        assert_eq!(dict.words()[0].freq, Some(MAX_USER_FREQ));
    }

    #[test]
    fn too_many_fields() {
        let err = UserDict::parse("a 1 n x\n", "d").unwrap_err();
        assert!(err.to_string().contains("d:1: unexpected `x`"), "{err}");
    }
}
