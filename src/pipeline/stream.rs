//! Streams of records: read a chunk, analyse it in parallel, write it in order, on the crate's
//! one streaming driver (`Executor::stream`). Memory is bounded by the chunk size, whatever
//! the size of the input.

use std::io::{Read, Write};
use std::ops::Range;
use std::path::PathBuf;
use std::time::Instant;

use super::output::{
    csv_analysis_columns, csv_row, json_line_capacity, priority_cells, write_json_line,
    write_priority_json, OutputOptions, OutputRecord, PRIORITY_CELL,
};
use super::spill::Spill;
use super::{Analysis, Engine};
use crate::error::{Error, Result};
use crate::io::{
    parse_record, raw_bytes, FieldPolicy, InputFormat, OutputFormat, RawRecord, Record,
    RecordReader, Reject, RejectReason,
};
use crate::priority::{HistoryCounts, HistoryKey, Prioritizer, Priority};

/// How a stream is read and written.
///
/// | Name | Default | Purpose |
/// |---|---|---|
/// | `format` | `Jsonl` | input format |
/// | `text_field` | `text` | the field holding the feedback text |
/// | `max_record_bytes` | 1048576 | longer records (lines, CSV rows) are rejected |
/// | `max_quoted_lines` | 100 | a CSV quoted field still open after this many lines is taken for an unterminated quote |
/// | `fields` | `Lenient` | what an invalid optional field costs ([`FieldPolicy`]) |
/// | `output_format` | `Jsonl` | output format |
/// | `output` | no tokens | what the output holds besides the contract fields |
/// | `chunk_records` | 2048 | records analysed together; memory grows with it |
/// | `history` | `Complete` | how priority counts across records ([`HistoryMode`]) |
/// | `spill_dir` | the system's temporary directory | where complete history keeps analyses between its passes |
#[derive(Debug, Clone)]
pub struct StreamOptions {
    /// Input format.
    pub format: InputFormat,
    /// Name of the text field.
    pub text_field: String,
    /// Longest record, in bytes.
    pub max_record_bytes: usize,
    /// Most lines a quoted CSV field may span before it is taken for an unterminated quote.
    pub max_quoted_lines: usize,
    /// What an invalid optional field costs.
    pub fields: FieldPolicy,
    /// Output format.
    pub output_format: OutputFormat,
    /// Output contents.
    pub output: OutputOptions,
    /// Records per chunk.
    pub chunk_records: usize,
    /// How priority counts across records.
    pub history: HistoryMode,
    /// Where complete history keeps the analyses between its passes, past the first
    /// 32 MiB; `None` for the system's temporary directory.
    pub spill_dir: Option<PathBuf>,
}

/// How priority counts repeats, topic volume and spikes across a stream (see
/// [`crate::priority`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum HistoryMode {
    /// Two passes: every record is analysed and counted, then scored from the complete counts
    /// and written; a record's priority does not depend on its place in the input. The
    /// analyses wait in memory (up to 32 MiB) and then in a temporary file, and nothing is
    /// written before the input ends.
    #[default]
    Complete,
    /// One pass, counting in input order: each chunk is written once analysed, and a
    /// record's repeats and spikes count only the records before it.
    Streaming,
}

impl HistoryMode {
    /// `complete` or `streaming`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            HistoryMode::Complete => "complete",
            HistoryMode::Streaming => "streaming",
        }
    }
}

impl Default for StreamOptions {
    fn default() -> Self {
        StreamOptions {
            format: InputFormat::Jsonl,
            text_field: "text".into(),
            max_record_bytes: 1 << 20,
            max_quoted_lines: crate::io::MAX_QUOTED_LINES,
            fields: FieldPolicy::Lenient,
            output_format: OutputFormat::Jsonl,
            output: OutputOptions::default(),
            chunk_records: 2048,
            history: HistoryMode::default(),
            spill_dir: None,
        }
    }
}

/// What a run did. `read == analysed + rejected`, always.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Summary {
    /// Records read (blank lines and the CSV header are not records).
    pub read: u64,
    /// Records analysed and written to the output.
    pub analysed: u64,
    /// Records written to the rejects.
    pub rejected: u64,
    /// Records analysed with warnings (an optional field set aside, a lone surrogate
    /// replaced).
    pub warned: u64,
    /// Blank lines skipped.
    pub blank_lines: u64,
    /// Input bytes read.
    pub bytes: u64,
    /// Seconds since the start.
    pub seconds: f64,
    /// How priority counted across records.
    pub history: HistoryMode,
    /// Streaming history: the first record (1-based, among those analysed) dated before an
    /// earlier one, from which topic spikes were no longer counted.
    pub unsorted_at: Option<u64>,
    /// Complete history: the topic days with a spike.
    pub spike_days: u64,
}

impl Summary {
    /// Records per second.
    #[must_use]
    pub fn records_per_second(&self) -> f64 {
        if self.seconds > 0.0 {
            self.read as f64 / self.seconds
        } else {
            0.0
        }
    }
}

/// A serialised analysis.
enum Outcome {
    Line(Vec<u8>),
    Row(Vec<String>),
}

struct Chunk {
    records: Vec<RawRecord>,
    blank_lines: u64,
    bytes: u64,
}

/// Bytes of records in a chunk at most, so a dump of long records keeps memory flat too.
const CHUNK_BYTES: usize = 16 << 20;
/// Records a task of the pool works on: enough that starting a task costs little next to its
/// work, few enough that the threads finish a stream together.
const TASK_RECORDS: usize = 64;
/// Chunks in flight: the pool analyses one while the sink counts and serialises the one
/// before. More would hold more analyses in memory (the serialisation of a chunk waits for
/// the tasks already queued) without keeping the threads busier.
const CHUNKS_IN_FLIGHT: usize = 2;

/// Analyses every record of `input` with `engine`, writing analyses to `output` in input
/// order and unanalysable records to `rejects` (one JSON line each: line, record number,
/// reason, raw text). `progress` is called after every chunk.
///
/// # Examples
///
/// ```
/// use fankui::{Engine, StreamOptions, run_stream};
///
/// let engine = Engine::builder().build()?;
/// let input = "{\"id\":\"1\",\"text\":\"物流太慢了\"}\n{\"text\":\"\"}\nnot json\n";
/// let (mut out, mut rejects) = (Vec::new(), Vec::new());
/// let summary = run_stream(&engine, input.as_bytes(), &mut out, &mut rejects,
///                          &StreamOptions::default(), &mut |_| {})?;
/// assert_eq!((summary.read, summary.analysed, summary.rejected), (3, 1, 2));
/// assert!(String::from_utf8(out).unwrap().starts_with(r#"{"id":"1","lang":"zh""#));
/// # Ok::<(), fankui::Error>(())
/// ```
///
/// # Errors
///
/// Only for the stream as a whole: the input cannot be read, the output cannot be written,
/// or a CSV input has no usable header. Bad records never end the run.
pub fn run_stream<R, W, J>(
    engine: &Engine,
    input: R,
    output: W,
    rejects: J,
    options: &StreamOptions,
    progress: &mut (dyn FnMut(&Summary) + Send),
) -> Result<Summary>
where
    R: Read + Send,
    W: Write + Send,
    J: Write + Send,
{
    let started = Instant::now();
    let mut reader = RecordReader::new(input, options.format, options.max_record_bytes)?
        .with_max_quoted_lines(options.max_quoted_lines);
    let pass_through = pass_through_columns(reader.header(), options);
    let mut sink = Sink::new(output, options, &pass_through)?;
    let mut rejects = rejects;
    let summary = match options.history {
        HistoryMode::Streaming => stream_pass(
            engine,
            &mut reader,
            &mut sink,
            &mut rejects,
            options,
            &pass_through,
            progress,
        ),
        HistoryMode::Complete => complete_passes(
            engine,
            &mut reader,
            &mut sink,
            &mut rejects,
            options,
            &pass_through,
            progress,
        ),
    };
    let summary = summary?;
    sink.finish()?;
    rejects
        .flush()
        .map_err(|e| Error::io("cannot write the rejects", e))?;
    Ok(Summary {
        seconds: started.elapsed().as_secs_f64(),
        history: options.history,
        ..summary
    })
}

/// Streaming history: each chunk is counted in input order and written.
fn stream_pass<R, W, J>(
    engine: &Engine,
    reader: &mut RecordReader<R>,
    sink: &mut Sink<W>,
    rejects: &mut J,
    options: &StreamOptions,
    pass_through: &[String],
    progress: &mut (dyn FnMut(&Summary) + Send),
) -> Result<Summary>
where
    R: Read + Send,
    W: Write + Send,
    J: Write + Send,
{
    // Records are parsed and analysed in parallel; repeat grievances and topic spikes are
    // counted in input order (the only step that looks across records), then the chunk's
    // analyses are serialised in parallel and written in order. The serialising threads take
    // the analyses and drop them: dropped on this thread, every one of them would be freed
    // into the workers' allocator arenas while the workers allocate, which contends more.
    let mut tracker = engine.stream_tracker();
    let summary = stream_records(
        engine,
        reader,
        rejects,
        options,
        |record| {
            let analysis = engine.analyze(&record)?;
            Ok((record, analysis))
        },
        |mut analysed: Vec<(Record, Analysis)>| {
            for (record, analysis) in &mut analysed {
                engine.count_stream(&mut tracker, record, analysis);
            }
            let outcomes = engine
                .inner
                .executor
                .map_owned(analysed, |(record, analysis)| {
                    serialise(&record, &analysis, pass_through, options)
                });
            outcomes.into_iter().try_for_each(|o| sink.write(o))
        },
        progress,
    )?;
    Ok(Summary {
        unsorted_at: tracker.spikes.unsorted_at(),
        ..summary
    })
}

/// Complete history: the first pass analyses, counts and spills every record; the second
/// scores each from the complete counts and writes it. When the first pass fails (the input
/// cannot be read), the records analysed before the failure are still written, from the
/// history of those records, and the failure is returned.
fn complete_passes<R, W, J>(
    engine: &Engine,
    reader: &mut RecordReader<R>,
    sink: &mut Sink<W>,
    rejects: &mut J,
    options: &StreamOptions,
    pass_through: &[String],
    progress: &mut (dyn FnMut(&Summary) + Send),
) -> Result<Summary>
where
    R: Read + Send,
    W: Write + Send,
    J: Write + Send,
{
    let mut counts = HistoryCounts::default();
    let mut spill = Spill::new(options.spill_dir.clone());
    let first = stream_records(
        engine,
        reader,
        rejects,
        options,
        |record| {
            let analysis = engine.analyze(&record)?;
            let key = engine.history_key(&record, &analysis);
            let out = OutputRecord {
                record: &record,
                analysis: &analysis,
                options: options.output,
            };
            // The entry as the spill holds it, its length first, serialised in place.
            let mut entry = Vec::with_capacity(match options.output_format {
                OutputFormat::Jsonl => 160 + json_line_capacity(&out),
                OutputFormat::Csv => record.text.len() * 2 + 256,
            });
            entry.extend_from_slice(&[0; 4]);
            entry.extend_from_slice(&key.to_bytes());
            Prioritizer::encode(&analysis.priority, &mut entry);
            match options.output_format {
                OutputFormat::Jsonl => {
                    entry.push(0);
                    let at = entry.len();
                    entry.extend_from_slice(&[0; 8]);
                    write_json_line(&mut entry, &out);
                    let range = priority_range(&entry[at + 8..], &analysis.priority);
                    entry[at..at + 4].copy_from_slice(&(range.start as u32).to_le_bytes());
                    entry[at + 4..at + 8].copy_from_slice(&(range.end as u32).to_le_bytes());
                }
                OutputFormat::Csv => {
                    entry.push(1);
                    encode_cells(&csv_row(&out, pass_through), &mut entry);
                }
            }
            let len = (entry.len() - 4) as u32;
            entry[..4].copy_from_slice(&len.to_le_bytes());
            Ok((key, entry))
        },
        |entries: Vec<(HistoryKey, Vec<u8>)>| {
            for (key, entry) in entries {
                counts.add(&key);
                spill.write(&entry)?;
            }
            Ok(())
        },
        progress,
    );
    let history = engine.finish_history(counts);
    // The second pass: blocks of entries scored and serialised in parallel, written in order.
    let second = (|| {
        let mut entries = spill.into_reader()?;
        let prioritizer = &engine.inner.prioritizer;
        let (mut arena, mut ranges) = (Vec::new(), Vec::new());
        while entries.next_block(options.chunk_records.max(1), &mut arena, &mut ranges)? {
            let outcomes = engine.inner.executor.map(&ranges, |r| {
                let (key, mut priority, outcome) = decode_entry(prioritizer, &arena[r.clone()])?;
                engine.apply_history(&history, &key, &mut priority);
                Some(finish_outcome(outcome, &priority))
            });
            for outcome in outcomes {
                let outcome = outcome.ok_or_else(|| {
                    Error::io(
                        "cannot read back the temporary file of complete history",
                        std::io::ErrorKind::InvalidData.into(),
                    )
                })?;
                sink.write(outcome)?;
            }
        }
        Ok(())
    })();
    let summary = first?;
    second?;
    Ok(Summary {
        spike_days: history.spike_count() as u64,
        ..summary
    })
}

/// The cells of a CSV row in a spill entry: their number, then each one's length and bytes.
/// (A spill entry holds, after the history key and the priority, `0`, the byte range of the
/// priority in the JSON line and the line; or `1` and the row's cells.)
fn encode_cells(cells: &[String], out: &mut Vec<u8>) {
    out.extend_from_slice(&(cells.len() as u32).to_le_bytes());
    for c in cells {
        out.extend_from_slice(&(c.len() as u32).to_le_bytes());
        out.extend_from_slice(c.as_bytes());
    }
}

/// A serialised analysis read back from a spill entry.
enum Spilled<'a> {
    Line {
        line: &'a [u8],
        priority: Range<usize>,
    },
    Row(Vec<String>),
}

fn decode_entry<'a>(
    prioritizer: &Prioritizer,
    entry: &'a [u8],
) -> Option<(HistoryKey, Priority, Spilled<'a>)> {
    let key = HistoryKey::from_bytes(entry.get(..24)?.try_into().ok()?);
    let (priority, used) = prioritizer.decode(entry.get(24..)?)?;
    let rest = entry.get(24 + used..)?;
    let u32_at = |b: &[u8], i: usize| -> Option<usize> {
        Some(u32::from_le_bytes(b.get(i..i + 4)?.try_into().ok()?) as usize)
    };
    let outcome = match *rest.first()? {
        0 => {
            let (start, end) = (u32_at(rest, 1)?, u32_at(rest, 5)?);
            let line = rest.get(9..)?;
            if start > end || end > line.len() {
                return None;
            }
            Spilled::Line {
                line,
                priority: start..end,
            }
        }
        _ => {
            let n = u32_at(rest, 1)?;
            let mut at = 5;
            let mut cells = Vec::with_capacity(n.min(1 << 16));
            for _ in 0..n {
                let len = u32_at(rest, at)?;
                cells.push(
                    std::str::from_utf8(rest.get(at + 4..at + 4 + len)?)
                        .ok()?
                        .to_owned(),
                );
                at += 4 + len;
            }
            Spilled::Row(cells)
        }
    };
    Some((key, priority, outcome))
}

/// The spilled analysis with its final `priority`.
fn finish_outcome(outcome: Spilled<'_>, priority: &Priority) -> Outcome {
    match outcome {
        Spilled::Line { line, priority: at } => {
            if at.is_empty() {
                return Outcome::Line(line.to_vec());
            }
            let mut out = Vec::with_capacity(line.len() + 64);
            out.extend_from_slice(&line[..at.start]);
            write_priority_json(&mut out, priority);
            out.extend_from_slice(&line[at.end..]);
            Outcome::Line(out)
        }
        Spilled::Row(mut cells) => {
            for (cell, value) in cells[PRIORITY_CELL..]
                .iter_mut()
                .zip(priority_cells(priority))
            {
                *cell = value;
            }
            Outcome::Row(cells)
        }
    }
}

/// The byte range of `priority` in a serialised line (an empty one, so that nothing is
/// replaced, if it is not there). The analysis keys come before the input's fields, and a
/// key's quotes are the only unescaped ones in a line, so the first `"priority":{"score":`
/// is the analysis's own.
fn priority_range(line: &[u8], priority: &Priority) -> Range<usize> {
    const KEY: &[u8] = b"\"priority\":";
    let mut value = Vec::with_capacity(96);
    write_priority_json(&mut value, priority);
    memchr::memmem::find(line, b"\"priority\":{\"score\":")
        .map(|i| i + KEY.len())
        .filter(|&start| line[start..].starts_with(&value))
        .map_or(0..0, |start| start..start + value.len())
}

/// Streams the records of `reader` through the engine's pool (`Executor::stream`): `f` of
/// each parsed record in parallel, then `sink` of each chunk's results in input order on the
/// caller's thread; records that cannot be parsed, or for which `f` fails, go to `rejects`,
/// so every record ends in exactly one of the two. `progress` is called after every chunk.
fn stream_records<R, J, T>(
    engine: &Engine,
    reader: &mut RecordReader<R>,
    rejects: &mut J,
    options: &StreamOptions,
    f: impl Fn(Record) -> Result<T> + Sync,
    mut sink: impl FnMut(Vec<T>) -> Result<()>,
    progress: &mut dyn FnMut(&Summary),
) -> Result<Summary>
where
    R: Read + Send,
    J: Write,
    T: Send,
{
    let started = Instant::now();
    let header: Option<Vec<String>> = reader.header().map(<[String]>::to_vec);
    let header = header.as_deref();
    let chunk_size = options.chunk_records.max(1);
    let mut summary = Summary::default();
    engine.inner.executor.stream(
        |_| {
            let chunk = read_chunk(reader, chunk_size)?;
            Ok((!chunk.records.is_empty()).then_some(chunk))
        },
        CHUNKS_IN_FLIGHT,
        |chunk| chunk.records.len().div_ceil(TASK_RECORDS),
        |chunk, i| {
            let end = chunk.records.len().min((i + 1) * TASK_RECORDS);
            chunk.records[i * TASK_RECORDS..end]
                .iter()
                .map(|raw| {
                    let record = parse_record(raw, header, &options.text_field, options.fields)?;
                    let warned = !record.warnings.is_empty();
                    f(record)
                        .map(|t| (t, warned))
                        .map_err(RejectReason::analysis)
                })
                .collect::<Vec<std::result::Result<(T, bool), RejectReason>>>()
        },
        |chunk, results| {
            let mut kept = Vec::with_capacity(chunk.records.len());
            for (raw, result) in chunk.records.iter().zip(results.into_iter().flatten()) {
                match result {
                    Ok((t, warned)) => {
                        summary.warned += u64::from(warned);
                        kept.push(t);
                    }
                    Err(reason) => {
                        summary.rejected += 1;
                        Reject {
                            line: raw.line,
                            number: raw.number,
                            reason,
                            raw: raw_bytes(raw).to_vec(),
                        }
                        .write_to(&mut *rejects)
                        .map_err(|e| Error::io("cannot write the rejects", e))?;
                    }
                }
            }
            summary.read += chunk.records.len() as u64;
            summary.analysed += kept.len() as u64;
            sink(kept)?;
            summary.blank_lines = chunk.blank_lines;
            summary.bytes = chunk.bytes;
            summary.seconds = started.elapsed().as_secs_f64();
            progress(&summary);
            Ok(())
        },
    )?;
    summary.blank_lines = reader.blank_lines();
    summary.bytes = reader.bytes_read();
    Ok(summary)
}

/// The next `size` records, or fewer when they reach [`CHUNK_BYTES`]; none at the end.
fn read_chunk<R: Read>(reader: &mut RecordReader<R>, size: usize) -> Result<Chunk> {
    let mut records = Vec::with_capacity(size);
    let mut bytes = 0usize;
    while records.len() < size && bytes < CHUNK_BYTES {
        match reader.next_record()? {
            Some(r) => {
                bytes += crate::io::raw_bytes(&r).len();
                records.push(r);
            }
            None => break,
        }
    }
    Ok(Chunk {
        records,
        blank_lines: reader.blank_lines(),
        bytes: reader.bytes_read(),
    })
}

fn serialise(
    record: &Record,
    analysis: &Analysis,
    pass_through: &[String],
    options: &StreamOptions,
) -> Outcome {
    let out = OutputRecord {
        record,
        analysis,
        options: options.output,
    };
    match options.output_format {
        OutputFormat::Jsonl => {
            let mut line = Vec::with_capacity(json_line_capacity(&out));
            write_json_line(&mut line, &out);
            Outcome::Line(line)
        }
        OutputFormat::Csv => Outcome::Row(csv_row(&out, pass_through)),
    }
}

/// The input columns a CSV output repeats: every input column but `id` for CSV/TSV input,
/// the text field for JSONL (whose fields differ from record to record).
fn pass_through_columns(header: Option<&[String]>, options: &StreamOptions) -> Vec<String> {
    match header {
        Some(h) => h.iter().filter(|c| c.as_str() != "id").cloned().collect(),
        None => vec![options.text_field.clone()],
    }
}

enum Sink<W: Write> {
    Jsonl(std::io::BufWriter<W>),
    Csv(Box<csv::Writer<W>>),
}

impl<W: Write> Sink<W> {
    fn new(output: W, options: &StreamOptions, pass_through: &[String]) -> Result<Self> {
        Ok(match options.output_format {
            OutputFormat::Jsonl => Sink::Jsonl(std::io::BufWriter::with_capacity(1 << 20, output)),
            OutputFormat::Csv => {
                let mut w = csv::Writer::from_writer(output);
                let mut cols: Vec<String> = csv_analysis_columns(options.output)
                    .into_iter()
                    .map(str::to_owned)
                    .collect();
                // Input columns named like analysis columns are renamed, as in JSONL output.
                cols.extend(pass_through.iter().map(|c| {
                    if super::OUTPUT_KEYS.contains(&c.as_str()) {
                        format!("input_{c}")
                    } else {
                        c.clone()
                    }
                }));
                w.write_record(&cols).map_err(csv_err)?;
                Sink::Csv(Box::new(w))
            }
        })
    }

    fn write(&mut self, outcome: Outcome) -> Result<()> {
        match (self, outcome) {
            (Sink::Jsonl(w), Outcome::Line(line)) => w.write_all(&line).map_err(write_err),
            (Sink::Csv(w), Outcome::Row(row)) => w.write_record(&row).map_err(csv_err),
            _ => Ok(()),
        }
    }

    fn finish(self) -> Result<()> {
        match self {
            Sink::Jsonl(mut w) => w.flush().map_err(write_err),
            Sink::Csv(mut w) => w.flush().map_err(write_err),
        }
    }
}

fn write_err(e: std::io::Error) -> Error {
    Error::io("cannot write the output", e)
}

fn csv_err(e: csv::Error) -> Error {
    if !e.is_io_error() {
        return Error::Csv {
            context: "cannot write the output".into(),
            source: e,
        };
    }
    match e.into_kind() {
        csv::ErrorKind::Io(e) => write_err(e),
        // `is_io_error` said it is one.
        _ => write_err(std::io::ErrorKind::Other.into()),
    }
}

/// Reads every record of `input` and hands `f` of each (run in parallel, chunk by chunk) to
/// `sink` in input order; records that cannot be parsed, or for which `f` fails, go to
/// `rejects` as in [`run_stream`].
///
/// With more than one thread, reading, the parallel `f` and `sink` overlap: a reader thread
/// splits the input, the pool maps the next chunks while the caller's thread runs `sink` over
/// the results of the chunks before them.
///
/// # Examples
///
/// ```
/// use fankui::{scan_stream, Engine, StreamOptions};
///
/// let engine = Engine::builder().build()?;
/// let input = "{\"text\":\"物流太慢了\"}\n{\"text\":\"\"}\n{\"text\":\"屏幕碎了\"}\n";
/// let mut lengths = Vec::new();
/// let summary = scan_stream(&engine, input.as_bytes(), std::io::sink(), &StreamOptions::default(),
///                           |record| Ok(record.text.chars().count()), &mut |n| lengths.push(n))?;
/// assert_eq!((summary.analysed, summary.rejected), (2, 1));
/// assert_eq!(lengths, [5, 4]);
/// # Ok::<(), fankui::Error>(())
/// ```
///
/// # Errors
///
/// Only for the stream as a whole, as [`run_stream`].
pub fn scan_stream<R, J, T, F>(
    engine: &Engine,
    input: R,
    mut rejects: J,
    options: &StreamOptions,
    f: F,
    sink: &mut dyn FnMut(T),
) -> Result<Summary>
where
    R: Read + Send,
    J: Write,
    T: Send,
    F: Fn(&Record) -> Result<T> + Sync + Send,
{
    let started = Instant::now();
    let mut reader = RecordReader::new(input, options.format, options.max_record_bytes)?
        .with_max_quoted_lines(options.max_quoted_lines);
    let summary = stream_records(
        engine,
        &mut reader,
        &mut rejects,
        options,
        |record| f(&record),
        |results| {
            results.into_iter().for_each(&mut *sink);
            Ok(())
        },
        &mut |_| {},
    )?;
    rejects
        .flush()
        .map_err(|e| Error::io("cannot write the rejects", e))?;
    Ok(Summary {
        seconds: started.elapsed().as_secs_f64(),
        ..summary
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::Parallelism;

    /// Records with a customer who complains again (so the in-order count matters), empty
    /// texts and lines that are not JSON.
    fn input(records: usize) -> String {
        let mut s = String::new();
        for i in 0..records {
            let text = [
                "快递三天了还没到",
                "The screen cracked after a week",
                "很好用",
                "",
            ][i % 4];
            s.push_str(&format!(
                "{{\"id\":\"{i}\",\"customer_id\":\"c{}\",\"text\":\"{text}\"}}\n",
                i % 5
            ));
            if i % 13 == 5 {
                s.push_str("not json\n\n");
            }
        }
        s
    }

    fn engine(parallelism: Parallelism) -> Engine {
        Engine::builder().parallelism(parallelism).build().unwrap()
    }

    #[test]
    fn output_and_rejects_are_the_same_whatever_the_threads_and_chunks() {
        let input = input(300);
        let run = |engine: &Engine, chunk_records| {
            let options = StreamOptions {
                chunk_records,
                ..StreamOptions::default()
            };
            let (mut out, mut rejects) = (Vec::new(), Vec::new());
            let mut chunks = 0;
            let summary = run_stream(
                engine,
                input.as_bytes(),
                &mut out,
                &mut rejects,
                &options,
                &mut |_| chunks += 1,
            )
            .unwrap();
            let counts = (summary.read, summary.analysed, summary.rejected);
            (out, rejects, counts, summary.blank_lines, chunks)
        };
        let (out, rejects, counts, blank, chunks) = run(&engine(Parallelism::Sequential), 2048);
        assert_eq!(counts, (323, 225, 98));
        assert_eq!((blank, chunks), (23, 1));
        assert_eq!(out.split(|&b| b == b'\n').count(), 226);
        for (threads, chunk_records) in [(2, 1), (2, 7), (3, 64), (3, 1000)] {
            let got = run(&engine(Parallelism::Threads(threads)), chunk_records);
            assert_eq!(got.0, out, "{threads} threads, chunks of {chunk_records}");
            assert_eq!(got.1, rejects);
            assert_eq!((got.2, got.3), (counts, blank));
            assert_eq!(got.4, 323usize.div_ceil(chunk_records));
        }
    }

    /// Dated records of a few customers, one complaint in four a repeat.
    fn dated(records: usize) -> Vec<String> {
        (0..records)
            .map(|i| {
                let text = ["快递三天了还没到", "The screen cracked after a week", "很好用"][i % 3];
                format!(
                    "{{\"id\":\"{i}\",\"customer_id\":\"c{}\",\"created_at\":\"2026-03-{:02}\",\"text\":\"{text}\"}}\n",
                    i % 7,
                    1 + i % 28
                )
            })
            .collect()
    }

    fn priorities(out: &[u8]) -> std::collections::BTreeMap<String, serde_json::Value> {
        String::from_utf8_lossy(out)
            .lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).unwrap();
                (v["id"].as_str().unwrap().to_owned(), v["priority"].clone())
            })
            .collect()
    }

    #[test]
    fn complete_history_gives_every_record_the_same_priority_in_any_order() {
        let lines = dated(400);
        let forward: String = lines.concat();
        let backward: String = lines.iter().rev().cloned().collect();
        let run = |input: &str, history, format| {
            let options = StreamOptions {
                chunk_records: 50,
                history,
                output_format: format,
                ..StreamOptions::default()
            };
            let mut out = Vec::new();
            let summary = run_stream(
                &engine(Parallelism::Threads(2)),
                input.as_bytes(),
                &mut out,
                std::io::sink(),
                &options,
                &mut |_| {},
            )
            .unwrap();
            assert_eq!(summary.history, history);
            out
        };
        let complete = priorities(&run(&forward, HistoryMode::Complete, OutputFormat::Jsonl));
        assert_eq!(
            complete,
            priorities(&run(&backward, HistoryMode::Complete, OutputFormat::Jsonl))
        );
        // Customer c0's complaints within 90 days of each other count as repeats.
        let reasons = complete["0"]["reasons"].to_string();
        assert!(reasons.contains("repeat customer"), "{reasons}");
        // Streaming history counts in input order: the first and the last complaint of a
        // customer differ, and reversing the input swaps them.
        let streaming = priorities(&run(&forward, HistoryMode::Streaming, OutputFormat::Jsonl));
        assert_ne!(streaming["0"], streaming["399"]);
        assert_ne!(
            streaming,
            priorities(&run(&backward, HistoryMode::Streaming, OutputFormat::Jsonl))
        );
        // CSV rows get the same priorities as JSON lines.
        let csv = run(&forward, HistoryMode::Complete, OutputFormat::Csv);
        let mut reader = csv::Reader::from_reader(&csv[..]);
        for row in reader.records() {
            let row = row.unwrap();
            let p = &complete[&row[0]];
            assert_eq!(row[PRIORITY_CELL], p["score"].to_string());
            assert_eq!(&row[PRIORITY_CELL + 1], p["level"].as_str().unwrap());
            assert_eq!(&row[PRIORITY_CELL + 2], p["rule"].as_str().unwrap());
        }
    }

    /// Accepts `room` bytes, then fails.
    struct Full {
        room: usize,
    }

    impl Write for Full {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            if buf.len() > self.room {
                return Err(std::io::Error::other("disk full"));
            }
            self.room -= buf.len();
            Ok(buf.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// Counts the bytes read from it.
    struct Counted<'a> {
        data: &'a [u8],
        read: &'a std::sync::atomic::AtomicUsize,
    }

    impl Read for Counted<'_> {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            let n = self.data.read(out)?;
            self.read.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
            Ok(n)
        }
    }

    #[test]
    fn a_failing_output_stops_the_stream_and_is_returned() {
        let input = input(20_000);
        for parallelism in [Parallelism::Sequential, Parallelism::Threads(2)] {
            // Complete history writes after the whole input: the error comes then.
            let error = run_stream(
                &engine(parallelism.clone()),
                input.as_bytes(),
                Full { room: 0 },
                std::io::sink(),
                &StreamOptions::default(),
                &mut |_| {},
            )
            .expect_err("the output is full")
            .to_string();
            assert!(error.contains("cannot write the output"), "{error}");
            let read = std::sync::atomic::AtomicUsize::new(0);
            let counted = Counted {
                data: input.as_bytes(),
                read: &read,
            };
            let options = StreamOptions {
                chunk_records: 100,
                history: HistoryMode::Streaming,
                ..StreamOptions::default()
            };
            let outcome = run_stream(
                &engine(parallelism),
                counted,
                Full { room: 0 },
                std::io::sink(),
                &options,
                &mut |_| {},
            );
            let error = outcome.expect_err("the output is full").to_string();
            assert!(error.contains("cannot write the output"), "{error}");
            // The output buffer fills after a few thousand records; the reader stops a few
            // chunks after that, far from the end.
            let read = read.load(std::sync::atomic::Ordering::Relaxed);
            assert!(
                read < input.len() / 2,
                "{read} of {} bytes read",
                input.len()
            );
        }
    }

    /// Hands out `data`, then fails.
    struct Broken<'a> {
        data: &'a [u8],
    }

    impl Read for Broken<'_> {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            match self.data.read(out)? {
                0 => Err(std::io::Error::other("connection reset")),
                n => Ok(n),
            }
        }
    }

    #[test]
    fn a_read_error_is_returned_after_the_records_read_before_it() {
        let input = input(500);
        let whole = input.rfind("\n{").unwrap() + 1;
        // Chunks of 16 records: the chunk the error breaks is lost, every chunk before it
        // is written (none is lost in flight).
        let records: Vec<&str> = input[..whole].lines().filter(|l| !l.is_empty()).collect();
        let written = records[..records.len() / 16 * 16]
            .iter()
            .filter(|l| l.starts_with('{') && !l.ends_with("\"\"}"))
            .count();
        for (parallelism, history) in [
            (Parallelism::Sequential, HistoryMode::Streaming),
            (Parallelism::Threads(2), HistoryMode::Streaming),
            (Parallelism::Sequential, HistoryMode::Complete),
            (Parallelism::Threads(2), HistoryMode::Complete),
        ] {
            let engine = engine(parallelism);
            let options = StreamOptions {
                chunk_records: 16,
                history,
                ..StreamOptions::default()
            };
            let mut out = Vec::new();
            let outcome = run_stream(
                &engine,
                Broken {
                    data: &input.as_bytes()[..whole],
                },
                &mut out,
                std::io::sink(),
                &options,
                &mut |_| {},
            );
            let error = outcome.expect_err("the input breaks").to_string();
            assert!(error.contains("cannot read the input"), "{error}");
            assert_eq!(out.split(|&b| b == b'\n').count() - 1, written);
        }
    }

    #[test]
    fn scan_stream_hands_every_record_over_in_order() {
        let input = input(300);
        for parallelism in [Parallelism::Sequential, Parallelism::Threads(3)] {
            let engine = engine(parallelism);
            let options = StreamOptions {
                chunk_records: 9,
                ..StreamOptions::default()
            };
            let mut ids = Vec::new();
            let mut rejects = Vec::new();
            let summary = scan_stream(
                &engine,
                input.as_bytes(),
                &mut rejects,
                &options,
                |record| Ok(record.id.clone()),
                &mut |id| ids.push(id),
            )
            .unwrap();
            assert_eq!(
                (summary.read, summary.analysed, summary.rejected),
                (323, 225, 98)
            );
            let expected: Vec<String> = (0..300)
                .filter(|i| i % 4 != 3)
                .map(|i| i.to_string())
                .collect();
            assert_eq!(ids, expected);
            let rejected = String::from_utf8(rejects).unwrap();
            assert_eq!(rejected.lines().count(), 98);
        }
    }
}
