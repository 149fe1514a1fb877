//! Records in: streaming JSONL, CSV and TSV readers, input records and their fields, rejects.

mod format;
mod lazy;
mod reader;
mod record;
mod reject;
mod source;
mod surrogates;

pub use crate::error::{JsonSyntaxError, OpenQuote, RejectReason};
pub use format::{is_gzip, InputFormat, OutputFormat};
pub use lazy::LazyFile;
pub(crate) use reader::{JsonChunk, JsonLine};
pub use reader::{RawBody, RawRecord, RecordReader, MAX_QUOTED_LINES};
pub(crate) use record::days_from_civil;
pub use record::{FieldPolicy, FieldWarning, Record, Timestamp};
pub use reject::Reject;

use serde_json::{Map, Value};

/// Parses a raw record into a [`Record`], or says why it cannot be analysed.
///
/// `header` is the CSV/TSV header (unused for JSONL); `policy` says what an invalid optional
/// field costs. Lone surrogate escapes in a JSON line become U+FFFD, with a warning.
///
/// # Errors
///
/// [`Reject`]-worthy problems: invalid UTF-8, a NUL byte, malformed JSON, a JSON value that is
/// not an object, and the field errors of [`Record::from_fields`] ([`RejectReason::Field`]).
pub fn parse_record(
    raw: &RawRecord,
    header: Option<&[String]>,
    text_field: &str,
    policy: FieldPolicy,
) -> Result<Record, RejectReason> {
    let mut warnings = Vec::new();
    let fields = parse_fields(raw, header, &mut warnings)?;
    let mut record =
        Record::from_fields(fields, raw.number, text_field, policy).map_err(RejectReason::field)?;
    if !warnings.is_empty() {
        warnings.append(&mut record.warnings);
        record.warnings = warnings;
    }
    Ok(record)
}

/// The fields of a raw record (a JSON object, or a row named by `header`), or why they cannot
/// be read.
///
/// A lone surrogate escape in a JSON line becomes U+FFFD, with a warning in `warnings`.
///
/// # Errors
///
/// Invalid UTF-8, a NUL byte, malformed JSON, a JSON value that is not an object, or the
/// reason of a [`RawBody::Invalid`] record.
pub fn parse_fields(
    raw: &RawRecord,
    header: Option<&[String]>,
    warnings: &mut Vec<FieldWarning>,
) -> Result<Map<String, Value>, RejectReason> {
    Ok(match &raw.body {
        RawBody::Invalid { reason, .. } => return Err(reason.clone()),
        RawBody::Json(bytes) => {
            if let Some(at) = memchr::memchr(0, bytes) {
                return Err(RejectReason::Nul { column: at + 1 });
            }
            // The SIMD check first; the standard one only to say where the bad byte is.
            let text = match simdutf8::basic::from_utf8(bytes) {
                Ok(text) => text,
                Err(_) => std::str::from_utf8(bytes).map_err(RejectReason::InvalidUtf8)?,
            };
            let parsed = serde_json::from_str::<Value>(text).or_else(|e| {
                // A lone surrogate escape is the one error that is repaired, not rejected.
                match surrogates::repair(text) {
                    Some((json, mut noted)) => {
                        let value = serde_json::from_str::<Value>(&json).map_err(|_| e)?;
                        warnings.append(&mut noted);
                        Ok(value)
                    }
                    None => Err(e),
                }
            });
            match parsed {
                Ok(Value::Object(map)) => map,
                Ok(other) => {
                    return Err(RejectReason::NotAnObject {
                        found: match other {
                            Value::Array(_) => "an array",
                            Value::String(_) => "a string",
                            Value::Number(_) => "a number",
                            Value::Bool(_) => "a boolean",
                            _ => "null",
                        },
                    })
                }
                Err(e) => return Err(RejectReason::json(e)),
            }
        }
        RawBody::Row { fields, .. } => {
            let header = header.unwrap_or_default();
            let mut map = Map::with_capacity(fields.len());
            for (name, value) in header.iter().zip(fields) {
                if value.contains(&0) {
                    return Err(RejectReason::FieldNul {
                        field: name.clone(),
                    });
                }
                let value = std::str::from_utf8(value).map_err(|source| {
                    RejectReason::FieldInvalidUtf8 {
                        field: name.clone(),
                        source,
                    }
                })?;
                map.insert(name.clone(), Value::String(value.to_owned()));
            }
            map
        }
    })
}

/// The raw bytes of a record, for the rejects file.
#[must_use]
pub fn raw_bytes(raw: &RawRecord) -> &[u8] {
    match &raw.body {
        RawBody::Json(b) => b,
        RawBody::Row { raw, .. } | RawBody::Invalid { raw, .. } => raw,
    }
}
