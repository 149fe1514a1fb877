//! Splitting an input stream into raw records, in constant memory.
//!
//! Nothing here parses JSON or checks fields: that happens per record, in parallel. What can
//! only be found while splitting (an over-long record, an unterminated quote, a CSV row with
//! the wrong number of fields) becomes a [`RawBody::Invalid`] record, so it is still counted
//! and written to the rejects.

use std::io::Read;

use super::format::InputFormat;
use super::source::ByteSource;
use crate::error::RejectReason;
use crate::error::{Error, Result};

/// How much of an over-long record is kept for the rejects file.
const KEEP_OF_LONG_RECORD: usize = 1024;
/// Bytes asked for per read by [`RecordReader::read_json_chunk`].
const READ_BLOCK: usize = 256 * 1024;

/// One record as read, before parsing.
#[derive(Debug, Clone)]
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
#[derive(Debug, Clone)]
pub(crate) struct JsonLine {
    /// 1-based line in the input.
    pub line: u64,
    /// 1-based number of the record (blank lines are not records).
    pub number: u64,
    /// Where it lies in [`JsonChunk::data`], without its line end (only the first KiB when it
    /// is over the limit).
    pub range: std::ops::Range<usize>,
    /// Why it cannot be read, when it is over the size limit.
    pub over_limit: Option<RejectReason>,
}

/// The content of a raw record.
#[derive(Debug, Clone)]
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
        reason: RejectReason,
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
                    return Err(Error::BadHeader {
                        path: None,
                        line,
                        reason,
                    })
                }
                // `read_row` makes rows and invalid records only.
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
                        reason: RejectReason::LineTooLong {
                            bytes: len,
                            limit: self.limit,
                        },
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
    /// of them; the rules are those of [`RecordReader::next_record`]. An empty chunk means the
    /// end of the input.
    ///
    /// The input is read straight into the chunk's buffer and the lines are found where they
    /// lie, so their bytes are copied once, by the system call. `buffer` is the buffer of an
    /// earlier chunk to fill again (its pages are already mapped), or empty.
    ///
    /// # Errors
    ///
    /// Only when the input itself cannot be read.
    pub(crate) fn read_json_chunk(
        &mut self,
        max_lines: usize,
        max_bytes: usize,
        buffer: Vec<u8>,
    ) -> Result<JsonChunk> {
        debug_assert!(self.format.delimiter().is_none(), "JSONL only");
        let mut chunk = JsonChunk {
            data: buffer,
            lines: Vec::with_capacity(max_lines),
        };
        // The lines, a read and one long line fit without growing.
        let room = max_bytes + 2 * READ_BLOCK;
        if chunk.data.len() < room {
            chunk.data.resize(room, 0);
        }
        // The line being read starts at `start`; bytes are read up to `filled`; the lines
        // taken span `kept` bytes.
        let (mut start, mut filled, mut kept, mut scanned) = (0, 0, 0, 0);
        let full = |chunk: &JsonChunk, kept| chunk.lines.len() >= max_lines || kept >= max_bytes;
        loop {
            while let Some(i) = memchr::memchr(b'\n', &chunk.data[scanned..filled]) {
                let end = scanned + i;
                kept += self.take_json_line(&mut chunk, start..end, None);
                (start, scanned) = (end + 1, end + 1);
                if full(&chunk, kept) {
                    self.src.unread(&chunk.data[start..filled]);
                    chunk.data.truncate(start);
                    return Ok(chunk);
                }
            }
            scanned = filled;
            if filled - start > self.limit + 1 {
                // Over the limit already: keep the head, count the rest without keeping it.
                let rest = self
                    .src
                    .read_line(&mut Vec::new(), 0)
                    .map_err(read_err)?
                    .unwrap_or(0);
                let len = (filled - start) as u64 + rest;
                let head = self.take_json_line(&mut chunk, start..filled, Some(len));
                kept += head;
                // Only the head is kept: the room after it is free again.
                (start, filled, scanned) = (start + head, start + head, start + head);
                if full(&chunk, kept) {
                    chunk.data.truncate(start);
                    return Ok(chunk);
                }
            }
            if chunk.data.len() < filled + READ_BLOCK {
                chunk.data.resize(filled + READ_BLOCK, 0);
            }
            let n = self
                .src
                .read_into(&mut chunk.data[filled..filled + READ_BLOCK])
                .map_err(read_err)?;
            if n == 0 {
                if start < filled {
                    self.take_json_line(&mut chunk, start..filled, None);
                }
                chunk.data.truncate(filled);
                return Ok(chunk);
            }
            filled += n;
        }
    }

    /// Takes the line at `raw` in the chunk's buffer (without its `\n`) into `chunk`, unless
    /// it is blank; `over` is the full length of a line already known to be over the limit,
    /// of which only the head was read. Returns the bytes the record spans.
    fn take_json_line(
        &mut self,
        chunk: &mut JsonChunk,
        raw: std::ops::Range<usize>,
        over: Option<u64>,
    ) -> usize {
        let line = self.line;
        self.line += 1;
        let start = raw.start;
        let raw = &chunk.data[raw];
        // The CR of a CRLF line end is not part of the record.
        let content = raw.strip_suffix(b"\r").unwrap_or(raw);
        let is_over = over.is_some() || content.len() > self.limit;
        let range = if is_over {
            start..start + raw.len().min(self.limit + 1).min(KEEP_OF_LONG_RECORD)
        } else if content.iter().all(u8::is_ascii_whitespace) {
            self.blank_lines += 1;
            return 0;
        } else {
            start..start + content.len()
        };
        let over_limit = is_over.then(|| RejectReason::LineTooLong {
            bytes: over.unwrap_or(raw.len() as u64),
            limit: self.limit,
        });
        self.number += 1;
        let spans = range.len();
        chunk.lines.push(JsonLine {
            line,
            number: self.number,
            range,
            over_limit,
        });
        spans
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
                            reason: RejectReason::UnterminatedQuote,
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
                return Ok(Some((
                    start_line,
                    RawBody::Invalid {
                        reason: RejectReason::RecordTooLong {
                            limit: self.limit,
                            open_quote: in_quotes,
                        },
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
                    reason: RejectReason::RecordTooLong {
                        limit: self.limit,
                        open_quote: false,
                    },
                    raw,
                },
            )));
        }
        if let Some(header) = &self.header {
            if fields.len() != header.len() {
                return Ok(Some((
                    start_line,
                    RawBody::Invalid {
                        reason: RejectReason::FieldCount {
                            expected: header.len(),
                            found: fields.len(),
                        },
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that hands out at most `step` bytes a call, to put every boundary in a
    /// different place.
    struct Trickle<'a> {
        data: &'a [u8],
        step: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            let n = out.len().min(self.step).min(self.data.len());
            out[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }

    /// (line, number, bytes, over-limit reason) of each record.
    type Seen = Vec<(u64, u64, Vec<u8>, Option<String>)>;

    /// The records read one at a time, and the blank lines.
    fn one_by_one(input: &[u8], limit: usize) -> (Seen, u64) {
        let mut reader = RecordReader::new(input, InputFormat::Jsonl, limit).unwrap();
        let mut out = Vec::new();
        while let Some(r) = reader.next_record().unwrap() {
            out.push(match r.body {
                RawBody::Json(bytes) => (r.line, r.number, bytes, None),
                RawBody::Invalid { reason, raw } => {
                    (r.line, r.number, raw, Some(reason.to_string()))
                }
                RawBody::Row { .. } => unreachable!(),
            });
        }
        (out, reader.blank_lines())
    }

    fn chunked(
        input: &[u8],
        limit: usize,
        step: usize,
        max_lines: usize,
        max_bytes: usize,
    ) -> (Seen, u64) {
        let trickle = Trickle { data: input, step };
        let mut reader = RecordReader::new(trickle, InputFormat::Jsonl, limit).unwrap();
        let mut out = Vec::new();
        let mut buffer = Vec::new();
        loop {
            let chunk = reader
                .read_json_chunk(max_lines, max_bytes, buffer)
                .unwrap();
            if chunk.lines.is_empty() {
                break;
            }
            assert!(chunk.lines.len() <= max_lines);
            for l in &chunk.lines {
                let bytes = chunk.data[l.range.clone()].to_vec();
                let reason = l.over_limit.as_ref().map(ToString::to_string);
                out.push((l.line, l.number, bytes, reason));
            }
            buffer = chunk.data;
        }
        (out, reader.blank_lines())
    }

    #[test]
    fn chunks_hold_the_records_that_reading_one_by_one_gives() {
        let long = "x".repeat(40);
        let mut input = String::from("\u{feff}{\"a\":1}\r\n\n   \r\n{\"b\":2}\n");
        input.push_str(&format!("{{\"c\":\"{long}\"}}\n{long}{long}{long}\r\n"));
        input.push_str("{\"d\":\"0123456789\"}\r\n{\"e\":\"012345678\"}\n\t\n");
        input.push_str(&"y".repeat(300));
        input.push_str("\n{\"f\":\"last, with no line end\"}");
        let input = input.as_bytes();
        // 17 bytes of content with a CR after them: just at a limit of 17, over one of 16.
        for limit in [16, 17, 60, 1 << 20] {
            let expected = one_by_one(input, limit);
            assert!(expected.0.len() >= 6, "{limit}: {:?}", expected.0.len());
            for step in [1, 2, 3, 7, 64, 1 << 20] {
                for (max_lines, max_bytes) in [(1, 1 << 20), (2, 1 << 20), (100, 30), (100, 1)] {
                    assert_eq!(
                        chunked(input, limit, step, max_lines, max_bytes),
                        expected,
                        "limit {limit}, reads of {step}, chunks of {max_lines} lines or {max_bytes} bytes"
                    );
                }
            }
        }
    }

    #[test]
    fn a_line_over_the_limit_keeps_its_head_and_its_length() {
        let input = format!("{}\n{{\"ok\":1}}\n", "z".repeat(5000));
        let (records, _) = chunked(input.as_bytes(), 3000, 100, 10, 1 << 20);
        assert_eq!(records.len(), 2);
        assert_eq!(records[0].2, vec![b'z'; KEEP_OF_LONG_RECORD]);
        assert_eq!(
            records[0].3.as_deref(),
            Some("line is 5000 bytes, over the limit of 3000 bytes")
        );
        assert_eq!(records[1], (2, 2, b"{\"ok\":1}".to_vec(), None));
    }
}
