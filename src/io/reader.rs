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
use crate::error::{OpenQuote, RejectReason};

/// How much of an over-long record is kept for the rejects file.
const KEEP_OF_LONG_RECORD: usize = 1024;
/// Lines a quoted CSV field may span, by default, before it is taken for an unterminated
/// quote ([`RecordReader::with_max_quoted_lines`]).
pub const MAX_QUOTED_LINES: usize = 100;
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
    max_quoted_lines: usize,
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
            max_quoted_lines: MAX_QUOTED_LINES,
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

    /// Takes a quoted CSV field still open after `lines` lines for an unterminated quote
    /// (default [`MAX_QUOTED_LINES`]): the row up to the end of the line where the quote
    /// opened is rejected, and reading resumes on the next line.
    #[must_use]
    pub fn with_max_quoted_lines(mut self, lines: usize) -> Self {
        self.max_quoted_lines = lines.max(1);
        self
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
    ///
    /// A quote left open (the input ends inside it, it spans more than `max_quoted_lines`
    /// lines, or the quote that closes it on a later line is followed by text) costs one
    /// record, not the rows after it: the row up to the end of the line where the quote
    /// opened is rejected, and reading resumes on the next line.
    fn read_row(&mut self, delim: u8) -> Result<Option<(u64, RawBody)>> {
        let mut raw = Vec::new();
        let mut size = 0;
        let mut fields: Vec<Vec<u8>> = Vec::new();
        let mut field: Vec<u8> = Vec::new();
        let mut in_quotes = false;
        let mut at_field_start = true;
        let mut field_start = 0;
        let mut start_line = self.line;
        // The line where the open quote opened, and the line ends inside it so far.
        let mut quote_line = 0;
        let mut quoted_lines = 0;
        loop {
            let Some(b) = self.src.next_byte().map_err(read_err)? else {
                if in_quotes {
                    let reason = RejectReason::UnterminatedQuote {
                        line: quote_line,
                        sign: OpenQuote::EndOfInput,
                    };
                    return Ok(Some(self.resume_after_quote(
                        start_line,
                        raw,
                        field_start,
                        quote_line,
                        reason,
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
                let reason = RejectReason::RecordTooLong {
                    limit: self.limit,
                    open_quote: in_quotes,
                };
                if in_quotes && memchr::memchr(b'\n', &raw[field_start..]).is_some() {
                    return Ok(Some(self.resume_after_quote(
                        start_line,
                        raw,
                        field_start,
                        quote_line,
                        reason,
                    )));
                }
                // Resynchronise at the next line: the rest of this physical line is skipped.
                if b != b'\n' {
                    self.src.skip_line().map_err(read_err)?;
                }
                self.line += 1;
                raw.truncate(KEEP_OF_LONG_RECORD);
                return Ok(Some((start_line, RawBody::Invalid { reason, raw })));
            }
            if b != b'\n' || in_quotes {
                raw.push(b);
            }
            if in_quotes {
                if b == b'"' {
                    let next = self.src.peek().map_err(read_err)?;
                    if next == Some(b'"') {
                        self.src.next_byte().map_err(read_err)?;
                        raw.push(b'"');
                        size += 1;
                        field.push(b'"');
                    } else {
                        in_quotes = false;
                        // Text right after a quote that closes a field spanning lines: this
                        // quote was not the closing one, and the one that opened the field
                        // was never closed.
                        let ends_field =
                            matches!(next, None | Some(b'\n' | b'\r')) || next == Some(delim);
                        if quoted_lines > 0 && !ends_field {
                            let reason = RejectReason::UnterminatedQuote {
                                line: quote_line,
                                sign: OpenQuote::TextAfterClose { line: self.line },
                            };
                            return Ok(Some(self.resume_after_quote(
                                start_line,
                                raw,
                                field_start,
                                quote_line,
                                reason,
                            )));
                        }
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
                        quoted_lines += 1;
                        if quoted_lines > self.max_quoted_lines {
                            let reason = RejectReason::UnterminatedQuote {
                                line: quote_line,
                                sign: OpenQuote::Lines(quoted_lines),
                            };
                            return Ok(Some(self.resume_after_quote(
                                start_line,
                                raw,
                                field_start,
                                quote_line,
                                reason,
                            )));
                        }
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
                    quote_line = self.line;
                    quoted_lines = 0;
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

    /// The rejected record of a row whose quote, opened at `quote_line` at `raw[quote..]`,
    /// was left open: the row up to the end of that line. What was read after it is put back,
    /// to be read again from the next line.
    fn resume_after_quote(
        &mut self,
        start_line: u64,
        mut raw: Vec<u8>,
        quote: usize,
        quote_line: u64,
        reason: RejectReason,
    ) -> (u64, RawBody) {
        if let Some(end) = memchr::memchr(b'\n', &raw[quote..]).map(|i| quote + i) {
            self.src.unread(&raw[end + 1..]);
            raw.truncate(end);
            if raw.last() == Some(&b'\r') {
                raw.pop();
            }
            self.line = quote_line + 1;
        }
        raw.truncate(KEEP_OF_LONG_RECORD);
        (start_line, RawBody::Invalid { reason, raw })
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

    /// (line, fields or the reason) of each CSV record.
    fn csv_rows(input: &str, max_quoted_lines: usize) -> Vec<(u64, Result<Vec<String>, String>)> {
        let mut reader = RecordReader::new(input.as_bytes(), InputFormat::Csv, 1 << 20)
            .unwrap()
            .with_max_quoted_lines(max_quoted_lines);
        let mut out = Vec::new();
        while let Some(r) = reader.next_record().unwrap() {
            out.push((
                r.line,
                match r.body {
                    RawBody::Row { fields, .. } => Ok(fields
                        .into_iter()
                        .map(|f| String::from_utf8(f).unwrap())
                        .collect()),
                    RawBody::Invalid { reason, raw } => {
                        Err(format!("{reason} [{}]", String::from_utf8_lossy(&raw)))
                    }
                    RawBody::Json(_) => unreachable!(),
                },
            ));
        }
        out
    }

    fn ok(fields: &[&str]) -> Result<Vec<String>, String> {
        Ok(fields.iter().map(|f| (*f).to_owned()).collect())
    }

    #[test]
    fn an_unterminated_quote_costs_one_record_and_reading_resumes_after_its_line() {
        // A quote that a later quote seems to close, with text after that one.
        let input = "id,text\n1,fine\n2,\"unterminated quote,3\n3,next\n4,\"quoted, ok\"\n5,last\n";
        assert_eq!(
            csv_rows(input, MAX_QUOTED_LINES),
            [
                (2, ok(&["1", "fine"])),
                (
                    3,
                    Err(
                        "unterminated quote opened at line 3: the quote that would close it on \
                         line 5 is followed by text, not a delimiter; reading resumed at line 4 \
                         [2,\"unterminated quote,3]"
                            .into()
                    )
                ),
                (4, ok(&["3", "next"])),
                (5, ok(&["4", "quoted, ok"])),
                (6, ok(&["5", "last"])),
            ]
        );
        // The input ends inside the quote (CRLF line ends).
        let input = "id,text\r\n1,a\r\n2,\"open\r\n3,b\r\n4,c\r\n";
        assert_eq!(
            csv_rows(input, MAX_QUOTED_LINES),
            [
                (2, ok(&["1", "a"])),
                (
                    3,
                    Err(
                        "unterminated quote opened at line 3: the input ends inside it; \
                         reading resumed at line 4 [2,\"open]"
                            .into()
                    )
                ),
                (4, ok(&["3", "b"])),
                (5, ok(&["4", "c"])),
            ]
        );
    }

    #[test]
    fn a_quote_open_past_the_line_limit_is_taken_for_unterminated() {
        let input = "id,text\n1,\"a\nb\nc\nd\"\n2,e\n";
        // Within the limit it is one field over four lines.
        assert_eq!(
            csv_rows(input, 3),
            [(2, ok(&["1", "a\nb\nc\nd"])), (6, ok(&["2", "e"]))]
        );
        // Past it, each line is read again on its own: nothing is merged.
        let rows = csv_rows(input, 2);
        let lines: Vec<u64> = rows.iter().map(|(l, _)| *l).collect();
        assert_eq!(lines, [2, 3, 4, 5, 6]);
        assert_eq!(
            rows[0].1,
            Err(
                "unterminated quote opened at line 2: still open after 3 lines; \
                 reading resumed at line 3 [1,\"a]"
                    .into()
            )
        );
        assert!(rows[1]
            .1
            .as_ref()
            .unwrap_err()
            .starts_with("expected 2 fields"));
        assert_eq!(rows[4], (6, ok(&["2", "e"])));
    }

    #[test]
    fn valid_quoted_fields_over_lines_and_sloppy_quotes_on_one_line_are_kept() {
        let input = "id,text\n1,\"multi\nline \"\"quoted\"\" text\"\n2,\"a\"b\n3,\"x,\ny\",\n";
        assert_eq!(
            csv_rows(input, MAX_QUOTED_LINES),
            [
                (2, ok(&["1", "multi\nline \"quoted\" text"])),
                // Text after a closing quote on the quote's own line stays as it was read.
                (4, ok(&["2", "ab"])),
                (
                    5,
                    Err("expected 2 fields as in the header, found 3 [3,\"x,\ny\",]".into())
                ),
            ]
        );
    }
}
