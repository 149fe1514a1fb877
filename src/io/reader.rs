//! Splitting an input stream into raw records, in constant memory.
//!
//! Nothing here parses JSON or checks fields: that happens per record, in parallel. What can
//! only be found while splitting (an over-long record, an unterminated quote, a CSV row with
//! the wrong number of fields) becomes a [`RawBody::Invalid`] record, so it is still counted
//! and written to the rejects.

use std::io::Read;

use super::format::InputFormat;
use super::source::ByteSource;
use crate::error::{Error, Result};

/// How much of an over-long record is kept for the rejects file.
const KEEP_OF_LONG_RECORD: usize = 1024;

/// One record as read, before parsing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawRecord {
    /// 1-based line where the record starts.
    pub line: u64,
    /// 1-based number of the record among the records of the input (blank lines and the CSV
    /// header are not records).
    pub number: u64,
    /// The content.
    pub body: RawBody,
}

/// JSONL lines read together into one buffer (see [`RecordReader::read_json_chunk`]).
#[derive(Debug, Default)]
pub(crate) struct JsonChunk {
    pub data: Vec<u8>,
    pub lines: Vec<JsonLine>,
}

/// One line of a [`JsonChunk`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct JsonLine {
    /// 1-based line in the input.
    pub line: u64,
    /// 1-based number of the record (blank lines are not records).
    pub number: u64,
    /// Where it lies in [`JsonChunk::data`], without its line end (only the first KiB when it
    /// is over the limit).
    pub range: std::ops::Range<usize>,
    /// Why it cannot be read, when it is over the size limit.
    pub over_limit: Option<String>,
}

/// The content of a raw record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RawBody {
    /// A JSONL line, without its line end.
    Json(Vec<u8>),
    /// The fields of a CSV or TSV row, unquoted, and the raw row.
    Row {
        /// Field values, as bytes (UTF-8 is checked later).
        fields: Vec<Vec<u8>>,
        /// The row as it stood in the file.
        raw: Vec<u8>,
    },
    /// A record that could not be split out properly.
    Invalid {
        /// Why.
        reason: String,
        /// The raw bytes (only the first KiB of an over-long record).
        raw: Vec<u8>,
    },
}

/// Reads raw records from JSONL, CSV or TSV input.
pub struct RecordReader<R> {
    src: ByteSource<R>,
    format: InputFormat,
    limit: usize,
    line: u64,
    number: u64,
    header: Option<Vec<String>>,
    blank_lines: u64,
}

impl<R: Read> RecordReader<R> {
    /// A reader of `format` records from `input`; records longer than `limit` bytes are
    /// rejected. For CSV and TSV the header row is read at once.
    ///
    /// # Errors
    ///
    /// The header row of a CSV or TSV input is missing, unreadable or not UTF-8.
    pub fn new(input: R, format: InputFormat, limit: usize) -> Result<Self> {
        let mut reader = RecordReader {
            src: ByteSource::new(input),
            format,
            limit: limit.max(1),
            line: 1,
            number: 0,
            header: None,
            blank_lines: 0,
        };
        if let Some(delim) = format.delimiter() {
            let header = match reader.read_row(delim)? {
                None => {
                    return Err(Error::Malformed {
                        line: 1,
                        message: "the input is empty: expected a header row".into(),
                    })
                }
                Some((_, RawBody::Row { fields, .. })) => fields,
                Some((line, RawBody::Invalid { reason, .. })) => {
                    return Err(Error::Malformed {
                        line,
                        message: format!("bad header row: {reason}"),
                    })
                }
                Some((_, RawBody::Json(_))) => unreachable!("rows are never JSON"),
            };
            let header = header
                .into_iter()
                .enumerate()
                .map(|(i, f)| {
                    String::from_utf8(f)
                        .map(|s| s.trim().to_owned())
                        .map_err(|_| Error::Malformed {
                            line: 1,
                            message: format!("header column {} is not valid UTF-8", i + 1),
                        })
                })
                .collect::<Result<Vec<_>>>()?;
            reader.header = Some(header);
        }
        Ok(reader)
    }

    /// The CSV or TSV header, or `None` for JSONL.
    #[must_use]
    pub fn header(&self) -> Option<&[String]> {
        self.header.as_deref()
    }

    /// Blank lines skipped so far (they are not records).
    #[must_use]
    pub fn blank_lines(&self) -> u64 {
        self.blank_lines
    }

    /// Bytes read so far.
    #[must_use]
    pub fn bytes_read(&self) -> u64 {
        self.src.consumed
    }

    /// The next record, or `None` at the end of input.
    ///
    /// # Errors
    ///
    /// Only when the input itself cannot be read; bad records come back as
    /// [`RawBody::Invalid`].
    pub fn next_record(&mut self) -> Result<Option<RawRecord>> {
        let (line, body) = match self.format.delimiter() {
            None => match self.read_json_line()? {
                None => return Ok(None),
                Some(x) => x,
            },
            Some(delim) => match self.read_row(delim)? {
                None => return Ok(None),
                Some(x) => x,
            },
        };
        self.number += 1;
        Ok(Some(RawRecord {
            line,
            number: self.number,
            body,
        }))
    }

    fn read_json_line(&mut self) -> Result<Option<(u64, RawBody)>> {
        loop {
            let line = self.line;
            let mut buf = Vec::new();
            let Some(len) = self
                .src
                .read_line(&mut buf, self.limit + 1)
                .map_err(read_err)?
            else {
                return Ok(None);
            };
            self.line += 1;
            // The CR of a CRLF line end is not part of the record.
            let crlf = len == self.limit as u64 + 1 && buf.last() == Some(&b'\r');
            if len > self.limit as u64 && !crlf {
                buf.truncate(KEEP_OF_LONG_RECORD);
                return Ok(Some((
                    line,
                    RawBody::Invalid {
                        reason: format!(
                            "line is {len} bytes, over the limit of {} bytes",
                            self.limit
                        ),
                        raw: buf,
                    },
                )));
            }
            if buf.last() == Some(&b'\r') {
                buf.pop();
            }
            if buf.iter().all(u8::is_ascii_whitespace) {
                self.blank_lines += 1;
                continue;
            }
            return Ok(Some((line, RawBody::Json(buf))));
        }
    }

    /// Reads JSONL lines into one buffer until it holds `max_lines` lines or `max_bytes` bytes
    /// (one allocation for many lines instead of one per line); the rules are those of
    /// [`RecordReader::next_record`]. An empty chunk means the end of the input.
    ///
    /// # Errors
    ///
    /// Only when the input itself cannot be read.
    pub(crate) fn read_json_chunk(
        &mut self,
        max_lines: usize,
        max_bytes: usize,
    ) -> Result<JsonChunk> {
        debug_assert!(self.format.delimiter().is_none(), "JSONL only");
        let mut chunk = JsonChunk {
            data: Vec::with_capacity(max_bytes + (64 << 10)),
            lines: Vec::with_capacity(max_lines),
        };
        while chunk.lines.len() < max_lines && chunk.data.len() < max_bytes {
            let line = self.line;
            let start = chunk.data.len();
            let Some(len) = self
                .src
                .read_line(&mut chunk.data, self.limit + 1)
                .map_err(read_err)?
            else {
                break;
            };
            self.line += 1;
            let data = &mut chunk.data;
            let crlf = len == self.limit as u64 + 1 && data.last() == Some(&b'\r');
            let over = len > self.limit as u64 && !crlf;
            if over {
                data.truncate(start + KEEP_OF_LONG_RECORD);
            } else {
                if data.len() > start && data.last() == Some(&b'\r') {
                    data.pop();
                }
                if data[start..].iter().all(u8::is_ascii_whitespace) {
                    data.truncate(start);
                    self.blank_lines += 1;
                    continue;
                }
            }
            self.number += 1;
            chunk.lines.push(JsonLine {
                line,
                number: self.number,
                range: start..data.len(),
                over_limit: over.then(|| {
                    format!(
                        "line is {len} bytes, over the limit of {} bytes",
                        self.limit
                    )
                }),
            });
        }
        Ok(chunk)
    }

    /// Reads one CSV/TSV row (RFC 4180: quoted fields may hold delimiters, quotes as `""`,
    /// and, in CSV, line breaks). Physical lines that are empty between rows are skipped.
    fn read_row(&mut self, delim: u8) -> Result<Option<(u64, RawBody)>> {
        let mut raw = Vec::new();
        let mut size = 0;
        let mut fields: Vec<Vec<u8>> = Vec::new();
        let mut field: Vec<u8> = Vec::new();
        let mut in_quotes = false;
        let mut at_field_start = true;
        let mut field_start = 0;
        let mut start_line = self.line;
        loop {
            let Some(b) = self.src.next_byte().map_err(read_err)? else {
                if in_quotes {
                    fields.push(field);
                    return Ok(Some((
                        start_line,
                        RawBody::Invalid {
                            reason: "unterminated quoted field at the end of the input".into(),
                            raw,
                        },
                    )));
                }
                if raw.is_empty() && fields.is_empty() {
                    return Ok(None);
                }
                fields.push(field);
                break;
            };
            // The line end that closes the row is not part of it.
            if b != b'\n' || in_quotes {
                size += 1;
            }
            // One byte of slack for the CR of a CRLF line end; the exact check is below.
            if size > self.limit + 1 {
                // Resynchronise at the next line: the rest of this physical line is skipped.
                if b != b'\n' {
                    self.src.skip_line().map_err(read_err)?;
                }
                self.line += 1;
                raw.truncate(KEEP_OF_LONG_RECORD);
                let hint = if in_quotes {
                    " (an unterminated quote?)"
                } else {
                    ""
                };
                return Ok(Some((
                    start_line,
                    RawBody::Invalid {
                        reason: format!("record is over the limit of {} bytes{hint}", self.limit),
                        raw,
                    },
                )));
            }
            if b != b'\n' || in_quotes {
                raw.push(b);
            }
            if in_quotes {
                if b == b'"' {
                    if self.src.peek().map_err(read_err)? == Some(b'"') {
                        self.src.next_byte().map_err(read_err)?;
                        raw.push(b'"');
                        size += 1;
                        field.push(b'"');
                    } else {
                        in_quotes = false;
                    }
                } else if b == b'\n' && delim == b'\t' {
                    // TSV quotes protect tabs but not line ends: a quote still open at the
                    // end of the line was text (`"` opening a review), not quoting.
                    raw.pop();
                    field = raw[field_start..].to_vec();
                    if field.last() == Some(&b'\r') {
                        field.pop();
                        raw.pop();
                    }
                    self.line += 1;
                    fields.push(field);
                    break;
                } else {
                    if b == b'\n' {
                        self.line += 1;
                    }
                    field.push(b);
                }
                continue;
            }
            match b {
                b'"' if at_field_start => {
                    field_start = raw.len() - 1;
                    in_quotes = true;
                    at_field_start = false;
                }
                b'\n' => {
                    self.line += 1;
                    if field.last() == Some(&b'\r') {
                        field.pop();
                        raw.pop();
                    }
                    if fields.is_empty() && field.is_empty() && raw.is_empty() {
                        // An empty physical line between rows.
                        self.blank_lines += 1;
                        start_line = self.line;
                        at_field_start = true;
                        continue;
                    }
                    fields.push(field);
                    break;
                }
                _ if b == delim => {
                    fields.push(std::mem::take(&mut field));
                    at_field_start = true;
                }
                _ => {
                    field.push(b);
                    at_field_start = false;
                }
            }
        }
        if raw.len() > self.limit {
            raw.truncate(KEEP_OF_LONG_RECORD);
            return Ok(Some((
                start_line,
                RawBody::Invalid {
                    reason: format!("record is over the limit of {} bytes", self.limit),
                    raw,
                },
            )));
        }
        if let Some(header) = &self.header {
            if fields.len() != header.len() {
                return Ok(Some((
                    start_line,
                    RawBody::Invalid {
                        reason: format!(
                            "expected {} fields as in the header, found {}",
                            header.len(),
                            fields.len()
                        ),
                        raw,
                    },
                )));
            }
        }
        Ok(Some((start_line, RawBody::Row { fields, raw })))
    }
}

fn read_err(e: std::io::Error) -> Error {
    Error::io("cannot read the input", e)
}
