//! Texts labelled with classes (one label, or a list of them), read from JSONL, CSV or TSV.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::io::{is_gzip, parse_fields, InputFormat, RecordReader};

/// One text with its class labels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassExample {
    /// The text.
    pub text: String,
    /// Its labels after the label map; empty when the record has an empty list.
    pub labels: Vec<String>,
    /// Where it came from (`file:record`).
    pub source: String,
}

/// Reads class-labelled texts. `text_fields` are alternatives (the first one present is
/// used); the label field holds a string, a number or a list of them (a list makes the data
/// multi-label). `label_map` renames raw labels; with a non-empty map, a label it does not
/// know is an error. Records with an empty text are left out and counted.
///
/// # Errors
///
/// The file cannot be read or its format told from the extension; a record is malformed or
/// lacks the text or label field, or has a label the map does not know ([`Error::Field`],
/// naming the record and the field).
pub fn read_class_file(
    path: &Path,
    text_fields: &[String],
    label_field: &str,
    label_map: &BTreeMap<String, String>,
) -> Result<(Vec<ClassExample>, usize)> {
    let mut records = LabelledRecords::open(path)?;
    let mut out = Vec::new();
    let mut empty = 0;
    while let Some(LabelledRecord {
        source,
        fields: map,
        ..
    }) = records.next()?
    {
        let Some(text) = text_of(&map, text_fields, &source)? else {
            empty += 1;
            continue;
        };
        let raw_labels: Vec<String> = match map.get(label_field) {
            None | Some(Value::Null) => return Err(Error::field(source, label_field, "missing")),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| {
                    scalar(v).ok_or_else(|| {
                        Error::field(&source, label_field, "a list item is not a value")
                    })
                })
                .collect::<Result<_>>()?,
            Some(v) => {
                vec![scalar(v)
                    .ok_or_else(|| Error::field(&source, label_field, "is not a value"))?]
            }
        };
        let mut labels = Vec::with_capacity(raw_labels.len());
        for raw_label in raw_labels {
            let label = if label_map.is_empty() {
                raw_label
            } else {
                label_map.get(&raw_label).cloned().ok_or_else(|| {
                    Error::field(
                        &source,
                        label_field,
                        format!("label {raw_label:?} is not in the label map"),
                    )
                })?
            };
            if !labels.contains(&label) {
                labels.push(label);
            }
        }
        out.push(ClassExample {
            text,
            labels,
            source,
        });
    }
    Ok((out, empty))
}

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// One record of a labelled file.
pub(crate) struct LabelledRecord {
    /// `file:number`, for errors.
    pub source: String,
    /// 1-based record number.
    pub number: u64,
    /// Line where it starts.
    pub line: u64,
    /// Its fields.
    pub fields: Map<String, Value>,
}

/// The records of a labelled file, with errors that name the file.
pub(crate) struct LabelledRecords {
    path: std::path::PathBuf,
    reader: RecordReader<Box<dyn Read>>,
    header: Option<Vec<String>>,
}

impl LabelledRecords {
    /// Opens a JSONL, CSV or TSV file (`.gz` too; the format comes from the extension).
    pub(crate) fn open(path: &Path) -> Result<Self> {
        let format = InputFormat::from_path(path).ok_or_else(|| Error::Config {
            path: Some(path.to_owned()),
            message: "cannot tell the format from the extension (expected .jsonl, .csv or .tsv, optionally .gz)".into(),
        })?;
        let file = File::open(path)
            .map_err(|e| Error::io(format!("cannot open {}", path.display()), e))?;
        let input: Box<dyn Read> = if is_gzip(path) {
            Box::new(flate2::read::MultiGzDecoder::new(BufReader::new(file)))
        } else {
            Box::new(BufReader::with_capacity(1 << 20, file))
        };
        let reader =
            RecordReader::new(input, format, MAX_RECORD_BYTES).map_err(|e| in_file(path, e))?;
        let header = reader.header().map(<[String]>::to_vec);
        Ok(LabelledRecords {
            path: path.to_owned(),
            reader,
            header,
        })
    }

    /// The next record.
    pub(crate) fn next(&mut self) -> Result<Option<LabelledRecord>> {
        let Some(raw) = self
            .reader
            .next_record()
            .map_err(|e| in_file(&self.path, e))?
        else {
            return Ok(None);
        };
        let map =
            parse_fields(&raw, self.header.as_deref(), &mut Vec::new()).map_err(|reason| {
                Error::BadRecord {
                    path: Some(self.path.clone()),
                    line: raw.line,
                    reason,
                }
            })?;
        Ok(Some(LabelledRecord {
            source: format!("{}:{}", self.path.display(), raw.number),
            number: raw.number,
            line: raw.line,
            fields: map,
        }))
    }
}

/// Longest record a labelled file may have.
const MAX_RECORD_BYTES: usize = 64 << 20;

fn in_file(path: &Path, e: Error) -> Error {
    match e {
        Error::Malformed { line, message } => Error::Malformed {
            line,
            message: format!("{}: {message}", path.display()),
        },
        Error::BadHeader {
            path: None,
            line,
            reason,
        } => Error::BadHeader {
            path: Some(path.to_owned()),
            line,
            reason,
        },
        e => e,
    }
}

/// The text of a record: the first of `fields` it has; `None` when it is empty or blank.
///
/// # Errors
///
/// [`Error::Field`] naming `source` when it has none of the fields or the text is not a
/// string.
pub(crate) fn text_of(
    map: &Map<String, Value>,
    fields: &[String],
    source: &str,
) -> Result<Option<String>> {
    let Some((name, text)) = fields
        .iter()
        .find_map(|name| map.get(name).map(|v| (name, v)))
    else {
        return Err(Error::field(source, fields.join("|"), "missing"));
    };
    match text {
        Value::String(s) if !s.trim().is_empty() => Ok(Some(s.clone())),
        Value::String(_) | Value::Null => Ok(None),
        _ => Err(Error::field(source, name, "is not a string")),
    }
}
