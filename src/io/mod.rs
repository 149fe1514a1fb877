//! Records in: streaming JSONL, CSV and TSV readers, input records and their fields, rejects.

mod format;
mod reader;
mod record;
mod reject;
mod source;

pub use crate::error::{JsonSyntaxError, RejectReason};
pub use format::{is_gzip, InputFormat, OutputFormat};
pub(crate) use reader::{JsonChunk, JsonLine};
pub use reader::{RawBody, RawRecord, RecordReader};
pub(crate) use record::days_from_civil;
pub use record::{Record, Timestamp};
pub use reject::Reject;

use serde_json::{Map, Value};

/// Parses a raw record into a [`Record`], or says why it cannot be analysed.
///
/// `header` is the CSV/TSV header (unused for JSONL).
///
/// # Errors
///
/// [`Reject`]-worthy problems: invalid UTF-8, a NUL byte, malformed JSON, a JSON value that is
/// not an object, and the field errors of [`Record::from_fields`] ([`RejectReason::Field`]).
pub fn parse_record(
    raw: &RawRecord,
    header: Option<&[String]>,
    text_field: &str,
) -> Result<Record, RejectReason> {
    let fields = parse_fields(raw, header)?;
    Record::from_fields(fields, raw.number, text_field).map_err(RejectReason::field)
}

/// The fields of a raw record (a JSON object, or a row named by `header`), or why they cannot
/// be read.
///
/// # Errors
///
/// Invalid UTF-8, a NUL byte, malformed JSON, a JSON value that is not an object, or the
/// reason of a [`RawBody::Invalid`] record.
pub fn parse_fields(
    raw: &RawRecord,
    header: Option<&[String]>,
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
            match serde_json::from_str::<Value>(text) {
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
