//! Reports over analysed records (the JSONL `fankui analyze` writes): `summary.json`, a
//! self-contained `report.html`, department queues sorted by priority, and the customers to
//! tell when an issue is fixed; and the before/after comparison of [`compare`].
//!
//! One streaming pass: chunks of lines are parsed and counted in parallel into integer
//! tables (`tally.rs`) that merge exactly, so memory stays flat whatever the input size and the
//! figures do not depend on the number of threads.

pub mod compare;
mod html;
mod json;
pub mod period;
mod queue;
mod row;
mod summary;
mod tally;

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fs::{self, File};
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

pub use period::Period;
pub use queue::QUEUE_COLUMNS;
pub use summary::{
    Alert, Breakdown, Csat, CustomersToTell, DepartmentLevels, Figures, Focus, FocusTopic, Group,
    GroupSeries, InputSummary, Keyword, KindCounts, LevelRules, MeanScore, Nps, PeriodFigures,
    PriorityFigures, QueueFile, ReportSummary, RuleCount, SentimentFigures, SummaryOptions,
    TopicSpikeDay, TopicSummary, Trends,
};
pub use tally::{Dimension, Item};

use crate::error::{Error, Result};
use crate::io::{InputFormat, JsonChunk, JsonLine, LazyFile, RecordReader, Reject, RejectReason};
use crate::kind::Kind;
use crate::pipeline::parallel::Executor;
use crate::pipeline::Parallelism;
use crate::route::Taxonomy;
use queue::{QueueBatch, QueueEntry, Queues};
use row::Row;
use tally::{Tally, TallyOptions};

/// How a report is made.
///
/// | Name | Default | Purpose |
/// |---|---|---|
/// | `period` | week | trend period: day, week (ISO, Monday first) or month |
/// | `by` | channel, department, topic | dimensions with their own trend lines |
/// | `text_field` | `text` | the field holding the feedback text |
/// | `min_count` | 30 | survey metrics on fewer answers are flagged `low_count` |
/// | `alert_baseline` | 8 | earlier complete periods a spike is compared with (at least 3 needed; a partial first period is left out) |
/// | `alert_p` | 0.01 | false discovery rate of the spike alerts (Benjamini–Hochberg over all the report's spike tests) |
/// | `alert_min` | 5 | least negative records in the latest period for an alert |
/// | `items` | 5 | highest-priority records shown per department |
/// | `keywords` | 10 | keywords shown per department and topic |
/// | `max_record_bytes` | 16 MiB | longer lines are rejected |
/// | `department_names` | the shipped taxonomy's | display names of department ids |
/// | `topic_spikes` | priority's defaults | the topic-spike test (`priority.topic` of the analysis's configuration) |
#[derive(Debug, Clone)]
pub struct ReportOptions {
    /// Trend period.
    pub period: Period,
    /// Dimensions with their own trend lines.
    pub by: Vec<Dimension>,
    /// The field holding the feedback text.
    pub text_field: String,
    /// Survey metrics on fewer answers are flagged.
    pub min_count: u64,
    /// Spike alerts: earlier complete periods in the baseline.
    pub alert_baseline: u64,
    /// Spike alerts: the false discovery rate; a spike is reported when its p-value, adjusted
    /// over all the spike tests of the report (Benjamini–Hochberg), is under it.
    pub alert_p: f64,
    /// Spike alerts: least negative records in the latest period.
    pub alert_min: u64,
    /// Highest-priority records shown per department.
    pub items: usize,
    /// Keywords shown per department and topic.
    pub keywords: usize,
    /// Topics and keywords the business has fixed: whose feedback to tell.
    pub resolved: Option<Resolved>,
    /// Lines longer than this are rejected.
    pub max_record_bytes: usize,
    /// Where rejected lines go (default `DIR/rejects.jsonl`, written only when a line is
    /// rejected).
    pub rejects: Option<PathBuf>,
    /// The report's title.
    pub title: String,
    /// Display names of department ids (`English · 中文`, see [`department_names`]); ids
    /// without one are shown as they are.
    pub department_names: BTreeMap<String, String>,
    /// The topic-spike test of the priority configuration the records were analysed with
    /// (`priority.topic`): `topic_spike_days` lists the days it finds.
    pub topic_spikes: crate::priority::TopicPoints,
}

/// The shipped taxonomy's names, made once.
fn shipped_department_names() -> BTreeMap<String, String> {
    static NAMES: std::sync::OnceLock<BTreeMap<String, String>> = std::sync::OnceLock::new();
    NAMES
        .get_or_init(|| department_names(&Taxonomy::shipped()))
        .clone()
}

/// Whether [`write_report`] reads `line` (one line of `fankui analyze` output, without its
/// line end) as an analysed record with the text in `text_field`, or the reason it would
/// reject it: for tools that check analysed files, and for fuzzing the report's reader.
///
/// # Examples
///
/// ```
/// use fankui::report::check_line;
///
/// let line = r#"{"id":"1","sentiment":{"label":"neutral","score":0.0},"kind":"other","priority":{"score":0,"level":"P4","reasons":[]},"text":"好"}"#;
/// assert!(check_line(line.as_bytes(), "text").is_ok());
/// let err = check_line(br#"{"id":"2","text":"a\x"}"#, "text").unwrap_err();
/// assert!(err.to_string().contains("escape"), "{err}");
/// ```
///
/// # Errors
///
/// The line is not UTF-8, not a JSON object, or lacks or misshapes an analysis field (the
/// reason names the record and field).
pub fn check_line(line: &[u8], text_field: &str) -> std::result::Result<(), RejectReason> {
    row::Row::parse(line, 1, &row::Layout::new(text_field)).map(|_| ())
}

/// The display names of a taxonomy's departments, `English · 中文` (one of them when the two
/// are the same), by id.
///
/// # Examples
///
/// ```
/// let names = fankui::report::department_names(&fankui::route::Taxonomy::shipped());
/// assert_eq!(names["logistics"], "Logistics · 物流配送");
/// ```
#[must_use]
pub fn department_names(taxonomy: &Taxonomy) -> BTreeMap<String, String> {
    taxonomy
        .departments
        .iter()
        .map(|d| {
            let (en, zh) = (d.name.en.trim(), d.name.zh.trim());
            let name = match (en.is_empty(), zh.is_empty()) {
                (false, false) if en != zh => format!("{en} · {zh}"),
                (true, false) => zh.to_owned(),
                _ => en.to_owned(),
            };
            (d.id.clone(), name)
        })
        .filter(|(_, name)| !name.is_empty())
        .collect()
}

impl Default for ReportOptions {
    fn default() -> Self {
        ReportOptions {
            period: Period::Week,
            by: vec![Dimension::Channel, Dimension::Department, Dimension::Topic],
            text_field: "text".into(),
            min_count: 30,
            alert_baseline: 8,
            alert_p: 0.01,
            alert_min: 5,
            items: 5,
            keywords: 10,
            resolved: None,
            max_record_bytes: 16 << 20,
            rejects: None,
            title: "Customer feedback report".into(),
            department_names: shipped_department_names(),
            topic_spikes: crate::priority::TopicPoints::default(),
        }
    }
}

/// Topics and keywords a business has fixed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Resolved {
    /// Topic ids.
    pub topics: BTreeSet<u32>,
    /// Keywords, matched as substrings of the text (ASCII case ignored).
    pub keywords: Vec<String>,
}

impl Resolved {
    /// Reads a list: one topic id or keyword a line; blank lines and `#` comments are skipped;
    /// `topic:4` or a bare number is a topic id.
    ///
    /// # Examples
    ///
    /// ```
    /// let r = fankui::report::Resolved::parse("# fixed in March\n4\ntopic:7\n包装破损\n");
    /// assert_eq!(r.topics.into_iter().collect::<Vec<_>>(), [4, 7]);
    /// assert_eq!(r.keywords, ["包装破损"]);
    /// ```
    #[must_use]
    pub fn parse(text: &str) -> Resolved {
        let mut r = Resolved::default();
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let id = line.strip_prefix("topic:").unwrap_or(line).trim();
            match id.parse::<u32>() {
                Ok(id) => {
                    r.topics.insert(id);
                }
                Err(_) => r.keywords.push(line.to_lowercase()),
            }
        }
        r
    }

    /// What of this list a record is about, if anything.
    fn matches(&self, row: &Row<'_>) -> Vec<String> {
        let mut out = Vec::new();
        if let Some((id, _)) = &row.topic {
            if self.topics.contains(id) {
                out.push(format!("topic:{id}"));
            }
        }
        if !self.keywords.is_empty() {
            let text = row.text.as_deref().unwrap_or("").to_lowercase();
            for k in &self.keywords {
                if text.contains(k.as_str()) || row.keywords.iter().any(|w| w.to_lowercase() == *k)
                {
                    out.push(k.clone());
                }
            }
        }
        out
    }
}

/// The columns of `customers_to_tell.csv`.
pub const CUSTOMER_COLUMNS: &[&str] = &[
    "customer_id",
    "channel",
    "id",
    "created_at",
    "kind",
    "topic",
    "topic_label",
    "matched",
];

/// What a report run did.
#[derive(Debug, Clone)]
pub struct ReportRun {
    /// The summary (also in `summary.json`).
    pub summary: ReportSummary,
    /// Lines read (records and rejects).
    pub read: u64,
    /// Seconds taken.
    pub seconds: f64,
}

/// Lines parsed per task: fixed, so the figures never depend on the number of threads. Each
/// task's counts are merged into the total on one thread; large tasks make that merge (and
/// setting up the task's tables) rare. Chunks stream through the pool, so a chunk of one
/// task and a small one keeps the threads as busy as many equal tasks would.
const BATCH_LINES: usize = 16384;
/// Lines read per chunk.
const CHUNK_LINES: usize = 4 * BATCH_LINES;
/// Bytes read per chunk at most: with one chunk being read or waiting and
/// [`CHUNKS_IN_FLIGHT`] counted or written, memory stays under a few times this.
const CHUNK_BYTES: usize = 12 << 20;
/// Chunks the pool and the sink work on at once: one more than two threads need so that
/// neither waits for the other.
const CHUNKS_IN_FLIGHT: usize = 3;

/// The outcome of one batch of lines.
#[derive(Default)]
struct BatchOut {
    tally: Tally,
    queue: QueueBatch,
    customers: Vec<u8>,
    customer_ids: Vec<Option<String>>,
}

/// Reads analysed JSONL and calls `sink` for each chunk's batches, in input order, with the
/// parsed rows already folded by `fold` in parallel (the pipeline's streaming driver: a reader
/// thread fills the chunks, handed back by the sink to be filled again, the pool parses and
/// counts the batches, `sink` runs on this thread).
fn scan<R, T, F, S>(
    input: R,
    max_record_bytes: usize,
    text_field: &str,
    parallelism: &Parallelism,
    fold: F,
    mut sink: S,
) -> Result<u64>
where
    R: Read + Send,
    T: Default + Send,
    F: Fn(&mut T, &Row<'_>, &JsonLine, &[u8]) + Sync + Send,
    S: FnMut(&JsonChunk, Vec<(T, Vec<Reject>)>) -> Result<()>,
{
    let executor = Executor::new(parallelism)?;
    let layout = row::Layout::new(text_field);
    let mut reader = RecordReader::new(input, InputFormat::Jsonl, max_record_bytes)?;
    let mut read = 0u64;
    executor.stream(
        |spent: Option<JsonChunk>| {
            let buffer = spent.map(|chunk| chunk.data).unwrap_or_default();
            let chunk = reader.read_json_chunk(CHUNK_LINES, CHUNK_BYTES, buffer)?;
            Ok((!chunk.lines.is_empty()).then_some(chunk))
        },
        CHUNKS_IN_FLIGHT,
        |chunk| chunk.lines.len().div_ceil(BATCH_LINES),
        |chunk, i| {
            let end = chunk.lines.len().min((i + 1) * BATCH_LINES);
            let mut acc = T::default();
            let mut rejects = Vec::new();
            for line in &chunk.lines[i * BATCH_LINES..end] {
                let bytes = &chunk.data[line.range.clone()];
                if let Some(reason) = &line.over_limit {
                    rejects.push(reject(line, reason.clone(), bytes));
                    continue;
                }
                match Row::parse(bytes, line.number, &layout) {
                    Ok(row) => fold(&mut acc, &row, line, bytes),
                    Err(reason) => rejects.push(reject(line, reason, bytes)),
                }
            }
            (acc, rejects)
        },
        |chunk, outs| {
            read += chunk.lines.len() as u64;
            sink(chunk, outs)
        },
    )?;
    Ok(read)
}

fn reject(line: &JsonLine, reason: RejectReason, bytes: &[u8]) -> Reject {
    Reject {
        line: line.line,
        number: line.number,
        reason,
        raw: bytes[..bytes.len().min(1024)].to_vec(),
    }
}

/// Writes a report of the analysed records read from `input` into `dir`: `summary.json`,
/// `report.html`, `departments/<id>.csv` and `.jsonl`, `customers_to_tell.csv` (with
/// [`ReportOptions::resolved`]) and, when a line is rejected, `rejects.jsonl`.
///
/// # Examples
///
/// ```
/// use fankui::pipeline::{write_json_line, OutputOptions, OutputRecord};
/// use fankui::report::{write_report, ReportOptions};
/// use fankui::{Engine, Parallelism, Record};
///
/// let engine = Engine::builder().build()?;
/// let mut analysed = Vec::new();
/// for (id, text) in [("1", "快递三天了还没到，客服也不回复"), ("2", "The app crashes at checkout")] {
///     let record = Record::new(id, text);
///     let analysis = engine.analyze(&record)?;
///     let options = OutputOptions::default();
///     write_json_line(&mut analysed, &OutputRecord { record: &record, analysis: &analysis, options });
/// }
/// let dir = tempfile::tempdir().unwrap();
/// let run = write_report(analysed.as_slice(), dir.path(), &ReportOptions::default(),
///                        &Parallelism::Sequential)?;
/// assert_eq!(run.summary.input.records, 2);
/// assert!(dir.path().join("report.html").exists());
/// assert!(!run.summary.fix_first.is_empty()); // both were routed to a department
/// # Ok::<(), fankui::Error>(())
/// ```
///
/// # Errors
///
/// The input cannot be read or an output cannot be written. Bad lines are not errors: they go
/// to the rejects file and are counted.
pub fn write_report<R: Read + Send>(
    input: R,
    dir: &Path,
    options: &ReportOptions,
    parallelism: &Parallelism,
) -> Result<ReportRun> {
    let started = Instant::now();
    let create = |p: &Path| {
        File::create(p)
            .map(|f| BufWriter::with_capacity(1 << 16, f))
            .map_err(|e| Error::io(format!("cannot create {}", p.display()), e))
    };
    fs::create_dir_all(dir)
        .map_err(|e| Error::io(format!("cannot create {}", dir.display()), e))?;
    let queues_dir = dir.join("departments");
    if queues_dir.exists() {
        // Stale queues of an earlier report would mix with these.
        fs::remove_dir_all(&queues_dir)
            .map_err(|e| Error::io(format!("cannot clear {}", queues_dir.display()), e))?;
    }
    let mut queues = Queues::new(&queues_dir)?;
    // A named rejects file is always written; the default one only when a line is rejected
    // (an old one of an earlier report is removed with the report it described).
    let rejects_path = options
        .rejects
        .clone()
        .unwrap_or_else(|| dir.join("rejects.jsonl"));
    let mut rejects_out = LazyFile::new(&rejects_path);
    if options.rejects.is_some() {
        rejects_out
            .create()
            .map_err(|e| Error::io(format!("cannot create {}", rejects_path.display()), e))?;
    }
    let customers_path = dir.join("customers_to_tell.csv");
    let mut customers_out = match &options.resolved {
        Some(_) => {
            let mut w = create(&customers_path)?;
            let mut header = Vec::new();
            queue::csv_record(&mut header, CUSTOMER_COLUMNS);
            w.write_all(&header)
                .map_err(|e| Error::io(format!("cannot write {}", customers_path.display()), e))?;
            Some(w)
        }
        None => None,
    };
    let tally_options = TallyOptions {
        period: options.period,
        by: options.by.clone(),
        items: options.items,
    };
    let mut tally = Tally::default();
    let mut rejected = 0u64;
    let (mut told_records, mut anonymous) = (0u64, 0u64);
    let mut customers: HashSet<String> = HashSet::new();
    let read = scan(
        input,
        options.max_record_bytes,
        &options.text_field,
        parallelism,
        |out: &mut BatchOut, row, raw, _| {
            out.tally.add(row, raw.number, &tally_options);
            if let Some(dept) = &row.department {
                let csv_start = out.queue.bytes.len();
                queue_row(&mut out.queue.bytes, row);
                let department = out.queue.department(dept);
                out.queue.entries.push(QueueEntry {
                    department,
                    score: row.priority,
                    csv: csv_start..out.queue.bytes.len(),
                    // The JSON line is copied from the chunk, not into the batch.
                    json: raw.range.clone(),
                });
            }
            if let Some(resolved) = &options.resolved {
                if matches!(
                    row.kind,
                    Some(Kind::Complaint | Kind::Suggestion | Kind::Question)
                ) {
                    let matched = resolved.matches(row);
                    if !matched.is_empty() {
                        customer_row(&mut out.customers, row, &matched);
                        out.customer_ids
                            .push(row.customer_id.as_deref().map(str::to_owned));
                    }
                }
            }
        },
        |chunk: &JsonChunk, outs: Vec<(BatchOut, Vec<Reject>)>| {
            for (out, _) in &outs {
                tally.merge(&out.tally, &tally_options);
            }
            let batches: Vec<&QueueBatch> = outs.iter().map(|(out, _)| &out.queue).collect();
            queues.push(&batches, &chunk.data)?;
            for (out, rejects) in outs {
                for r in &rejects {
                    r.write_to(&mut rejects_out).map_err(|e| {
                        Error::io(format!("cannot write {}", rejects_path.display()), e)
                    })?;
                }
                rejected += rejects.len() as u64;
                if let Some(w) = customers_out.as_mut() {
                    w.write_all(&out.customers).map_err(|e| {
                        Error::io(format!("cannot write {}", customers_path.display()), e)
                    })?;
                    for id in out.customer_ids {
                        told_records += 1;
                        match id {
                            Some(id) => {
                                customers.insert(id);
                            }
                            None => anonymous += 1,
                        }
                    }
                }
            }
            Ok(())
        },
    )?;
    rejects_out
        .finish()
        .map_err(|e| Error::io(format!("cannot write {}", rejects_path.display()), e))?;
    if let Some(mut w) = customers_out {
        w.flush()
            .map_err(|e| Error::io(format!("cannot write {}", customers_path.display()), e))?;
    }
    let files = queues.finish(&Executor::new(parallelism)?)?;
    let derive = summary::Derive {
        period: options.period,
        by: options.by.clone(),
        min_count: options.min_count,
        alert_baseline: options.alert_baseline,
        alert_p: options.alert_p,
        alert_min: options.alert_min,
        keywords: options.keywords,
        department_names: options.department_names.clone(),
        topic_spikes: options.topic_spikes,
    };
    let mut summary = summary::build(&tally, rejected, &derive);
    summary.queues = files
        .into_iter()
        .map(|(department, name, rows)| QueueFile {
            department,
            csv: format!("departments/{name}.csv"),
            jsonl: format!("departments/{name}.jsonl"),
            rows,
        })
        .collect();
    if options.resolved.is_some() {
        summary.customers_to_tell = Some(CustomersToTell {
            file: "customers_to_tell.csv".into(),
            records: told_records,
            customers: customers.len() as u64,
            anonymous,
        });
    }
    let json_path = dir.join("summary.json");
    let mut w = create(&json_path)?;
    serde_json::to_writer_pretty(&mut w, &summary)
        .map_err(|e| Error::io(format!("cannot write {}", json_path.display()), e.into()))?;
    w.write_all(b"\n")
        .and_then(|()| w.flush())
        .map_err(|e| Error::io(format!("cannot write {}", json_path.display()), e))?;
    let html_path = dir.join("report.html");
    fs::write(&html_path, html::render(&summary, &options.title))
        .map_err(|e| Error::io(format!("cannot write {}", html_path.display()), e))?;
    Ok(ReportRun {
        summary,
        read,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// Appends one queue CSV row (see [`QUEUE_COLUMNS`]).
fn queue_row(out: &mut Vec<u8>, row: &Row<'_>) {
    let mut record = queue::CsvRecord::new(out);
    record
        .uint(u64::from(row.priority))
        .field(row.level.map_or("", crate::priority::Level::as_str))
        .field(&row.id)
        .field(row.kind.map_or("", Kind::as_str))
        .field(
            row.sentiment
                .map_or("", crate::sentiment::SentimentLabel::as_str),
        )
        .milli(row.score_milli);
    match &row.topic {
        Some((id, label)) => record.uint(u64::from(*id)).field(label),
        None => record.field("").field(""),
    };
    record
        .joined(row.evidence.iter(), " | ")
        .joined(row.keywords.iter(), " | ")
        .joined(row.reasons.iter(), "; ")
        .field(row.customer_id.as_deref().unwrap_or(""))
        .field(row.channel.as_deref().unwrap_or(""))
        .field(row.created_raw.as_deref().unwrap_or(""))
        .field(row.product.as_deref().unwrap_or(""))
        .field(row.store.as_deref().unwrap_or(""))
        .field(row.text.as_deref().unwrap_or(""));
    record.end();
}

/// Appends one `customers_to_tell.csv` row (see [`CUSTOMER_COLUMNS`]).
fn customer_row(out: &mut Vec<u8>, row: &Row<'_>, matched: &[String]) {
    let topic = row
        .topic
        .as_ref()
        .map(|t| t.0.to_string())
        .unwrap_or_default();
    queue::csv_record(
        out,
        &[
            row.customer_id.as_deref().unwrap_or(""),
            row.channel.as_deref().unwrap_or(""),
            &row.id,
            row.created_raw.as_deref().unwrap_or(""),
            row.kind.map_or("", Kind::as_str),
            &topic,
            row.topic.as_ref().map_or("", |t| t.1.as_ref()),
            &matched.join(" | "),
        ],
    );
}
