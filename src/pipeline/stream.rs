//! The streaming batch driver: read a chunk, analyse it in parallel, write it in order.
//! Memory is bounded by the chunk size, whatever the size of the input.

use std::io::{Read, Write};
use std::sync::mpsc;
use std::time::Instant;

use super::output::{csv_analysis_columns, csv_row, write_json_line, OutputOptions, OutputRecord};
use super::{Analysis, Engine};
use crate::error::{Error, Result};
use crate::io::{
    parse_record, raw_bytes, InputFormat, OutputFormat, RawRecord, Record, RecordReader, Reject,
    RejectReason,
};

/// How a stream is read and written.
///
/// | Name | Default | Purpose |
/// |---|---|---|
/// | `format` | `Jsonl` | input format |
/// | `text_field` | `text` | the field holding the feedback text |
/// | `max_record_bytes` | 1048576 | longer records (lines, CSV rows) are rejected |
/// | `output_format` | `Jsonl` | output format |
/// | `output` | no tokens | what the output holds besides the contract fields |
/// | `chunk_records` | 2048 | records analysed together; memory grows with it |
#[derive(Debug, Clone)]
pub struct StreamOptions {
    /// Input format.
    pub format: InputFormat,
    /// Name of the text field.
    pub text_field: String,
    /// Longest record, in bytes.
    pub max_record_bytes: usize,
    /// Output format.
    pub output_format: OutputFormat,
    /// Output contents.
    pub output: OutputOptions,
    /// Records per chunk.
    pub chunk_records: usize,
}

impl Default for StreamOptions {
    fn default() -> Self {
        StreamOptions {
            format: InputFormat::Jsonl,
            text_field: "text".into(),
            max_record_bytes: 1 << 20,
            output_format: OutputFormat::Jsonl,
            output: OutputOptions::default(),
            chunk_records: 2048,
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
    /// Blank lines skipped.
    pub blank_lines: u64,
    /// Input bytes read.
    pub bytes: u64,
    /// Seconds since the start.
    pub seconds: f64,
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

enum Outcome {
    Line(Vec<u8>),
    Row(Vec<String>),
    Reject(RejectReason),
}

pub(crate) struct Chunk {
    pub(crate) records: Vec<RawRecord>,
    blank_lines: u64,
    bytes: u64,
}

/// Bytes of records in a chunk at most, so a dump of long records keeps memory flat too.
const CHUNK_BYTES: usize = 16 << 20;

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
    let mut reader = RecordReader::new(input, options.format, options.max_record_bytes)?;
    let header: Option<Vec<String>> = reader.header().map(<[String]>::to_vec);
    let header = header.as_deref();
    let pass_through = pass_through_columns(header, options);
    let mut writer = Writer {
        sink: Sink::new(output, options, &pass_through)?,
        rejects,
        summary: Summary::default(),
        started,
        progress,
    };
    let chunk_size = options.chunk_records.max(1);
    // Analyse in parallel, count repeat grievances and topic spikes in input order (the only
    // step that looks across records), then serialise in parallel.
    let mut tracker = engine.stream_tracker();
    let mut analyse = |chunk: &Chunk| {
        let mut analysed = engine.map(&chunk.records, |raw| {
            analyse_one(engine, raw, header, options)
        });
        for (record, analysis) in analysed.iter_mut().flatten() {
            engine.count_stream(&mut tracker, record, analysis);
        }
        engine.map(&analysed, |a| match a {
            Ok((record, analysis)) => serialise(record, analysis, &pass_through, options),
            Err(reason) => Outcome::Reject(reason.clone()),
        })
    };

    let (writer, end) = if engine.threads() > 1 {
        // Three stages: a reader thread splits the input, the pool analyses, a writer thread
        // writes; so neither reading nor writing leaves the pool idle.
        std::thread::scope(|scope| -> Result<_> {
            let (read_tx, read_rx) = mpsc::sync_channel::<Result<Chunk>>(2);
            scope.spawn(move || loop {
                let chunk = read_chunk(&mut reader, chunk_size);
                let last = !matches!(&chunk, Ok(c) if !c.records.is_empty());
                if read_tx.send(chunk).is_err() || last {
                    break;
                }
            });
            let (write_tx, write_rx) = mpsc::sync_channel::<(Chunk, Vec<Outcome>)>(2);
            let writing = scope.spawn(move || -> Result<Writer<'_, W, J>> {
                for (chunk, outcomes) in write_rx {
                    writer.write_chunk(&chunk, outcomes)?;
                }
                Ok(writer)
            });
            let mut end = (0, 0);
            for chunk in read_rx.iter() {
                let chunk = match chunk {
                    Ok(c) => c,
                    Err(e) => {
                        drop(write_tx);
                        let _ = writing.join();
                        return Err(e);
                    }
                };
                if chunk.records.is_empty() {
                    end = (chunk.blank_lines, chunk.bytes);
                    break;
                }
                let outcomes = analyse(&chunk);
                if write_tx.send((chunk, outcomes)).is_err() {
                    break; // the writer failed; its error is reported below
                }
            }
            drop(read_rx);
            drop(write_tx);
            let writer = writing
                .join()
                .unwrap_or_else(|p| std::panic::resume_unwind(p))?;
            Ok((writer, end))
        })?
    } else {
        let end = loop {
            let chunk = read_chunk(&mut reader, chunk_size)?;
            if chunk.records.is_empty() {
                break (chunk.blank_lines, chunk.bytes);
            }
            let outcomes = analyse(&chunk);
            writer.write_chunk(&chunk, outcomes)?;
        };
        (writer, end)
    };
    writer.finish(end)
}

/// The writing end: output, rejects, counts, progress.
struct Writer<'p, W: Write, J: Write> {
    sink: Sink<W>,
    rejects: J,
    summary: Summary,
    started: Instant,
    progress: &'p mut (dyn FnMut(&Summary) + Send),
}

impl<W: Write, J: Write> Writer<'_, W, J> {
    fn write_chunk(&mut self, chunk: &Chunk, outcomes: Vec<Outcome>) -> Result<()> {
        for (raw, outcome) in chunk.records.iter().zip(outcomes) {
            self.summary.read += 1;
            match outcome {
                Outcome::Reject(reason) => {
                    self.summary.rejected += 1;
                    Reject {
                        line: raw.line,
                        number: raw.number,
                        reason,
                        raw: raw_bytes(raw).to_vec(),
                    }
                    .write_to(&mut self.rejects)
                    .map_err(|e| Error::io("cannot write the rejects", e))?;
                }
                other => {
                    self.summary.analysed += 1;
                    self.sink.write(other)?;
                }
            }
        }
        self.summary.blank_lines = chunk.blank_lines;
        self.summary.bytes = chunk.bytes;
        self.summary.seconds = self.started.elapsed().as_secs_f64();
        (self.progress)(&self.summary);
        Ok(())
    }

    fn finish(mut self, (blank_lines, bytes): (u64, u64)) -> Result<Summary> {
        self.sink.finish()?;
        self.rejects
            .flush()
            .map_err(|e| Error::io("cannot write the rejects", e))?;
        self.summary.blank_lines = blank_lines;
        self.summary.bytes = bytes;
        self.summary.seconds = self.started.elapsed().as_secs_f64();
        Ok(self.summary)
    }
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

fn analyse_one(
    engine: &Engine,
    raw: &RawRecord,
    header: Option<&[String]>,
    options: &StreamOptions,
) -> std::result::Result<(Record, Analysis), RejectReason> {
    let record = parse_record(raw, header, &options.text_field)?;
    let analysis = engine.analyze(&record).map_err(RejectReason::analysis)?;
    Ok((record, analysis))
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
            let mut line = Vec::with_capacity(record.text.len() * 2 + 64);
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
/// splits the input, the pool maps a chunk while the caller's thread runs `sink` over the
/// previous one.
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
    let mut reader = RecordReader::new(input, options.format, options.max_record_bytes)?;
    let header: Option<Vec<String>> = reader.header().map(<[String]>::to_vec);
    let header = header.as_deref();
    let chunk_size = options.chunk_records.max(1);
    let step = |chunk: Chunk| {
        if chunk.records.is_empty() {
            return Scanned::End(chunk);
        }
        let results = engine.map(&chunk.records, |raw| {
            let record = parse_record(raw, header, &options.text_field)?;
            f(&record).map_err(RejectReason::analysis)
        });
        Scanned::Mapped(chunk, results)
    };
    let mut summary = Summary::default();
    let mut take = |scanned: Scanned<T>| -> Result<()> {
        let chunk = match scanned {
            Scanned::Mapped(chunk, results) => {
                for (raw, result) in chunk.records.iter().zip(results) {
                    summary.read += 1;
                    match result {
                        Ok(t) => {
                            summary.analysed += 1;
                            sink(t);
                        }
                        Err(reason) => {
                            summary.rejected += 1;
                            Reject {
                                line: raw.line,
                                number: raw.number,
                                reason,
                                raw: raw_bytes(raw).to_vec(),
                            }
                            .write_to(&mut rejects)
                            .map_err(|e| Error::io("cannot write the rejects", e))?;
                        }
                    }
                }
                chunk
            }
            Scanned::End(chunk) => chunk,
        };
        summary.blank_lines = chunk.blank_lines;
        summary.bytes = chunk.bytes;
        Ok(())
    };
    if engine.threads() > 1 {
        // A reader thread splits the input, a second thread hands chunks to the pool, and
        // this thread runs the sink: neither reading nor the sink leaves the pool idle.
        std::thread::scope(|scope| -> Result<()> {
            let (read_tx, read_rx) = mpsc::sync_channel::<Result<Chunk>>(2);
            scope.spawn(move || loop {
                let chunk = read_chunk(&mut reader, chunk_size);
                let last = !matches!(&chunk, Ok(c) if !c.records.is_empty());
                if read_tx.send(chunk).is_err() || last {
                    break;
                }
            });
            let (mapped_tx, mapped_rx) = mpsc::sync_channel::<Result<Scanned<T>>>(2);
            let step = &step;
            scope.spawn(move || {
                for chunk in read_rx {
                    let next = chunk.map(step);
                    let last = !matches!(&next, Ok(Scanned::Mapped(..)));
                    if mapped_tx.send(next).is_err() || last {
                        break;
                    }
                }
            });
            // On an error, returning drops the receiver, which stops both threads.
            for next in mapped_rx {
                take(next?)?;
            }
            Ok(())
        })?;
    } else {
        loop {
            let next = step(read_chunk(&mut reader, chunk_size)?);
            let last = matches!(next, Scanned::End(_));
            take(next)?;
            if last {
                break;
            }
        }
    }
    rejects
        .flush()
        .map_err(|e| Error::io("cannot write the rejects", e))?;
    summary.seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}

/// A chunk with each record's result, or the end of the stream (a chunk without records,
/// carrying the final counts).
enum Scanned<T> {
    Mapped(Chunk, Vec<std::result::Result<T, RejectReason>>),
    End(Chunk),
}
