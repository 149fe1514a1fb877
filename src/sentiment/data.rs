//! Labelled texts for training and evaluation, read from JSONL, CSV or TSV files.

use std::fmt::Write as _;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde_json::Value;
use sha2::{Digest, Sha256};

use super::SentimentLabel;
use crate::error::{Error, Result};
use crate::learn::{text_of, LabelledRecord, LabelledRecords};

/// One labelled text.
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    /// The text.
    pub text: String,
    /// Its gold label.
    pub label: SentimentLabel,
}

impl Example {
    /// An example.
    pub fn new(text: impl Into<String>, label: SentimentLabel) -> Self {
        Example {
            text: text.into(),
            label,
        }
    }
}

/// How raw label values map to sentiment labels.
///
/// By default `0`, `neg`, `negative` are negative, `1`, `pos`, `positive` are positive, and
/// `neu`, `neutral` are neutral (case-insensitive, surrounding whitespace ignored). Anything
/// else needs an explicit mapping.
///
/// # Examples
///
/// ```
/// use fankui::sentiment::{LabelMap, SentimentLabel};
///
/// let map: LabelMap = "__label__1=negative,__label__2=positive".parse()?;
/// assert_eq!(map.label("__label__2"), Some(SentimentLabel::Positive));
/// assert_eq!(LabelMap::default().label(" 0"), Some(SentimentLabel::Negative));
/// assert_eq!(LabelMap::default().label("5"), None);
/// # Ok::<(), fankui::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LabelMap {
    pairs: Vec<(String, SentimentLabel)>,
}

impl LabelMap {
    /// The label of a raw value: the explicit mapping first, then the defaults.
    #[must_use]
    pub fn label(&self, raw: &str) -> Option<SentimentLabel> {
        let raw = raw.trim();
        if let Some((_, l)) = self.pairs.iter().find(|(k, _)| k == raw) {
            return Some(*l);
        }
        match raw.to_ascii_lowercase().as_str() {
            "0" | "neg" | "negative" => Some(SentimentLabel::Negative),
            "1" | "pos" | "positive" => Some(SentimentLabel::Positive),
            "neu" | "neutral" => Some(SentimentLabel::Neutral),
            _ => None,
        }
    }

    /// The explicit pairs, as given.
    #[must_use]
    pub fn pairs(&self) -> &[(String, SentimentLabel)] {
        &self.pairs
    }
}

impl std::str::FromStr for LabelMap {
    type Err = Error;

    /// `RAW=LABEL,RAW=LABEL,…` with LABEL one of `negative`, `neutral`, `positive`.
    fn from_str(s: &str) -> Result<Self> {
        let bad = |message: String| Error::Config {
            path: None,
            message,
        };
        let mut pairs = Vec::new();
        for pair in s.split(',').filter(|p| !p.trim().is_empty()) {
            let (raw, label) = pair
                .split_once('=')
                .ok_or_else(|| bad(format!("label map entry {pair:?} is not RAW=LABEL")))?;
            let label = SentimentLabel::parse(label.trim()).ok_or_else(|| {
                bad(format!(
                    "label map entry {pair:?}: {label:?} is not negative, neutral or positive"
                ))
            })?;
            pairs.push((raw.trim().to_owned(), label));
        }
        Ok(LabelMap { pairs })
    }
}

/// Which fields of a file hold the text and the label.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelledFields {
    /// Names the text may be under; the first one a record has is used.
    pub text: Vec<String>,
    /// Name of the label field.
    pub label: String,
    /// Raw label values to labels.
    pub labels: LabelMap,
}

/// The examples of one file, with what was skipped and the file's hash.
#[derive(Debug, Clone)]
pub struct LabelledFile {
    /// The file.
    pub path: PathBuf,
    /// SHA-256 of its bytes, lower-case hex.
    pub sha256: String,
    /// The examples, in file order.
    pub examples: Vec<Example>,
    /// Records left out because their text was empty: (record number, line).
    pub empty_texts: Vec<(u64, u64)>,
}

impl LabelledFile {
    /// Reads labelled examples from a JSONL, CSV or TSV file (`.gz` too; the format comes
    /// from the extension).
    ///
    /// Records with an empty or blank text are left out and listed in
    /// [`empty_texts`](Self::empty_texts); everything else must be right.
    ///
    /// # Errors
    ///
    /// The file cannot be read or its format told; a record is malformed, lacks the text or
    /// label field, or has a label the map does not know ([`Error::Field`], naming the record
    /// and the field).
    pub fn read(path: &Path, fields: &LabelledFields) -> Result<Self> {
        let sha256 = sha256_file(path)?;
        let mut records = LabelledRecords::open(path)?;
        let mut examples = Vec::new();
        let mut empty_texts = Vec::new();
        while let Some(LabelledRecord {
            source: record,
            number,
            line,
            fields: map,
        }) = records.next()?
        {
            let Some(text) = text_of(&map, &fields.text, &record)? else {
                empty_texts.push((number, line));
                continue;
            };
            let raw_label = match map.get(&fields.label) {
                None | Some(Value::Null) => {
                    return Err(Error::field(record, &fields.label, "missing"))
                }
                Some(Value::String(s)) => s.clone(),
                Some(Value::Number(n)) => n.to_string(),
                Some(Value::Bool(b)) => b.to_string(),
                Some(_) => return Err(Error::field(record, &fields.label, "is not a value")),
            };
            let label = fields.labels.label(&raw_label).ok_or_else(|| {
                Error::field(
                    record,
                    &fields.label,
                    format!(
                        "unknown label {raw_label:?}; map it with --label-map {}=negative|neutral|positive",
                        raw_label.trim()
                    ),
                )
            })?;
            examples.push(Example::new(text, label));
        }
        Ok(LabelledFile {
            path: path.to_owned(),
            sha256,
            examples,
            empty_texts,
        })
    }
}

/// SHA-256 of a file, lower-case hex.
///
/// # Errors
///
/// The file cannot be read.
pub fn sha256_file(path: &Path) -> Result<String> {
    let io = |e| Error::io(format!("cannot read {}", path.display()), e);
    let mut file = File::open(path).map_err(io)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = file.read(&mut buf).map_err(io)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex(&hasher.finalize()))
}

/// SHA-256 of bytes, lower-case hex.
#[must_use]
pub fn sha256_bytes(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::with_capacity(64), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields() -> LabelledFields {
        LabelledFields {
            text: vec!["review".into(), "text".into()],
            label: "label".into(),
            labels: LabelMap::default(),
        }
    }

    fn write(name: &str, content: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::write(&path, content).unwrap();
        (dir, path)
    }

    #[test]
    fn reads_csv_tsv_jsonl_with_alternative_text_fields() {
        let (_d, csv) = write("a.csv", "label,review\n1,很好\n0,\"太差,退货\"\n1,  \n");
        let f = LabelledFile::read(&csv, &fields()).unwrap();
        assert_eq!(f.examples.len(), 2);
        assert_eq!(
            f.examples[1],
            Example::new("太差,退货", SentimentLabel::Negative)
        );
        assert_eq!(f.empty_texts, vec![(3, 4)]);
        assert_eq!(f.sha256.len(), 64);
        let (_d, tsv) = write("a.tsv", "label\ttext\n    0\tbad\n");
        let f = LabelledFile::read(&tsv, &fields()).unwrap();
        assert_eq!(f.examples[0].label, SentimentLabel::Negative);
        // A TSV text may open with a quote it never closes (ChnSentiCorp has some): the quote
        // is text and the line still ends the row.
        let (_d, tsv) = write(
            "q.tsv",
            "label\ttext\n1\t\"引号开头\n0\t\"a\tb\"\n1\t\"半\"句\n",
        );
        let f = LabelledFile::read(&tsv, &fields()).unwrap();
        let texts: Vec<&str> = f.examples.iter().map(|e| e.text.as_str()).collect();
        assert_eq!(texts, ["\"引号开头", "a\tb", "半句"]);
        let (_d, jsonl) = write("a.jsonl", "{\"text\":\"ok\",\"label\":1}\n");
        assert_eq!(
            LabelledFile::read(&jsonl, &fields())
                .unwrap()
                .examples
                .len(),
            1
        );
    }

    #[test]
    fn errors_name_the_record_and_field() {
        let (_d, path) = write("b.csv", "label,review\n1,好\n7,坏\n");
        let err = LabelledFile::read(&path, &fields())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("b.csv:2") && err.contains("`label`") && err.contains("\"7\""),
            "{err}"
        );
        let (_d, path) = write("c.jsonl", "{\"review\":\"好\"}\n");
        let err = LabelledFile::read(&path, &fields())
            .unwrap_err()
            .to_string();
        assert!(err.contains("c.jsonl:1") && err.contains("label"), "{err}");
        let (_d, path) = write("d.jsonl", "{\"body\":\"好\",\"label\":1}\n");
        let err = LabelledFile::read(&path, &fields())
            .unwrap_err()
            .to_string();
        assert!(err.contains("review|text"), "{err}");
        let (_d, path) = write("e.jsonl", "{\"review\":\"好\",\"label\":1}\n{oops\n");
        let err = LabelledFile::read(&path, &fields()).unwrap_err();
        assert!(
            matches!(
                &err,
                Error::BadRecord {
                    line: 2,
                    reason: crate::io::RejectReason::MalformedJson(_),
                    ..
                }
            ),
            "{err:?}"
        );
        let reason = std::error::Error::source(&err).map(ToString::to_string);
        assert!(err.to_string().contains("e.jsonl: line 2"), "{err}");
        assert!(
            reason.is_some_and(|r| r.starts_with("malformed JSON")),
            "{err:?}"
        );
    }

    #[test]
    fn label_maps() {
        assert!("x=good".parse::<LabelMap>().is_err());
        assert!("x".parse::<LabelMap>().is_err());
        let map: LabelMap = "1=negative, 2=neutral".parse().unwrap();
        assert_eq!(map.label("1"), Some(SentimentLabel::Negative));
        assert_eq!(map.label("2"), Some(SentimentLabel::Neutral));
        assert_eq!(map.label("POSITIVE"), Some(SentimentLabel::Positive));
    }
}
