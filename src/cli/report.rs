//! `fankui report` and `fankui compare`.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use clap::Args;

use fankui::io::LazyFile;
use fankui::report::compare::{compare_files, compare_split, CompareOptions, Comparison};
use fankui::report::{department_names, write_report, Dimension, Period, ReportOptions, Resolved};
use fankui::route::Taxonomy;
use fankui::Timestamp;

use super::files::open_buffered_input;
use super::parallelism;

#[derive(Debug, Args)]
pub(crate) struct ReportArgs {
    /// Analysed records (`fankui analyze` JSONL output, optionally `.gz`), or `-` for stdin.
    input: PathBuf,
    /// Folder to write `summary.json`, `report.html`, `departments/` and the rejects into.
    #[arg(short, long, value_name = "DIR")]
    output: PathBuf,
    /// Trend period: day, week (ISO, Monday first) or month.
    #[arg(long, default_value = "week", value_name = "PERIOD")]
    period: Period,
    /// Dimensions with their own trend lines (comma-separated): channel, lang, kind,
    /// sentiment, department, topic, product, store.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "channel,department,topic",
        value_name = "DIMS"
    )]
    by: Vec<Dimension>,
    /// Topic ids or keywords the business has fixed (one a line): lists whose feedback it was
    /// in `customers_to_tell.csv`.
    #[arg(long, value_name = "FILE")]
    resolved: Option<PathBuf>,
    /// The field holding the feedback text.
    #[arg(long, default_value = "text", value_name = "NAME")]
    text_field: String,
    /// Survey metrics on fewer answers are flagged as low-count.
    #[arg(long, default_value_t = 30, value_name = "N")]
    min_count: u64,
    /// Spike alerts: earlier complete periods the latest one is compared with.
    #[arg(long, default_value_t = 8, value_name = "N")]
    alert_baseline: u64,
    /// Spike alerts: false discovery rate (p-values adjusted over all spike tests).
    #[arg(long, default_value_t = 0.01, value_name = "P")]
    alert_p: f64,
    /// Spike alerts: least negative records in the latest period.
    #[arg(long, default_value_t = 5, value_name = "N")]
    alert_min: u64,
    /// The configuration the records were analysed with (`fankui.toml`): its
    /// `priority.topic` spike test lists the topic days with a spike [default: priority's
    /// defaults].
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// The report's title.
    #[arg(long, default_value = "Customer feedback report")]
    title: String,
    /// The taxonomy the records were routed with, for the departments' names [default: the
    /// shipped one].
    #[arg(long, value_name = "FILE")]
    taxonomy: Option<PathBuf>,
    /// Where unreadable lines go [default: DIR/rejects.jsonl].
    #[arg(long, value_name = "FILE")]
    rejects: Option<PathBuf>,
    /// Lines longer than this many bytes are rejected.
    #[arg(long, default_value_t = 16 << 20, value_name = "BYTES")]
    max_record_bytes: usize,
    /// Worker threads; 0 = one per core.
    #[arg(long, short = 'j', value_name = "N")]
    threads: Option<usize>,
    /// No summary on stderr.
    #[arg(long, short)]
    quiet: bool,
}

pub(crate) fn report(args: ReportArgs) -> Result<ExitCode> {
    let resolved = match &args.resolved {
        Some(path) => Some(Resolved::parse(
            &std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?,
        )),
        None => None,
    };
    let mut options = ReportOptions {
        period: args.period,
        by: args.by.clone(),
        text_field: args.text_field.clone(),
        min_count: args.min_count,
        alert_baseline: args.alert_baseline,
        alert_p: args.alert_p,
        alert_min: args.alert_min,
        resolved,
        max_record_bytes: args.max_record_bytes,
        rejects: args.rejects.clone(),
        title: args.title.clone(),
        ..ReportOptions::default()
    };
    if let Some(path) = &args.taxonomy {
        options.department_names = department_names(&Taxonomy::from_path(path)?);
    }
    if let Some(path) = &args.config {
        options.topic_spikes = fankui::EngineConfig::from_path(path)?.priority.topic;
    }
    let input = open_buffered_input(&args.input)?;
    let run = write_report(input, &args.output, &options, &parallelism(args.threads))?;
    if !args.quiet {
        let s = &run.summary;
        eprintln!(
            "fankui: read {} lines: {} records, {} rejected; {:.2} s → {}",
            run.read,
            s.input.records,
            s.input.rejected,
            run.seconds,
            args.output.join("report.html").display()
        );
        for f in s.fix_first.iter().take(6) {
            let top = f
                .topics
                .iter()
                .find_map(|t| t.label.clone())
                .or_else(|| f.keywords.first().map(|k| k.term.clone()))
                .unwrap_or_default();
            eprintln!(
                "  {:<18} {:>7} in queue  P1 {:>5}  P2 {:>6}  {}",
                f.department, f.queue, f.p1, f.p2, top
            );
        }
        for a in &s.alerts {
            let partial = if a.partial {
                format!(
                    " (partial: {} of {} days, {:.1} expected)",
                    a.days_covered, a.days, a.expected
                )
            } else {
                String::new()
            };
            eprintln!(
                "  alert: {} {} {}: {} negative in {}{partial} vs {:.1} a period (p = {:.1e}, q = {:.1e})",
                a.dimension,
                a.key,
                a.label.as_deref().unwrap_or(""),
                a.negative,
                a.period,
                a.baseline_mean,
                a.p_value,
                a.q_value
            );
        }
        if !s.topic_spike_days.is_empty() {
            eprintln!(
                "  {} topic days with a spike (summary.json topic_spike_days)",
                s.topic_spike_days.len()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Debug, Args)]
pub(crate) struct CompareArgs {
    /// One file of analysed records, split at `--split-date`.
    #[arg(conflicts_with_all = ["before", "after"], required_unless_present = "before")]
    input: Option<PathBuf>,
    /// Analysed records before the change.
    #[arg(long, requires = "after", value_name = "FILE")]
    before: Option<PathBuf>,
    /// Analysed records after the change.
    #[arg(long, requires = "before", value_name = "FILE")]
    after: Option<PathBuf>,
    /// With one input: records before this date (YYYY-MM-DD) are "before".
    #[arg(long, value_name = "DATE")]
    split_date: Option<String>,
    /// What to compare group by group (comma-separated).
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "topic,department",
        value_name = "DIMS"
    )]
    by: Vec<Dimension>,
    /// Least records per side for a test.
    #[arg(long, default_value_t = 30, value_name = "N")]
    min_count: u64,
    /// False-discovery rate for "significant" (Benjamini–Hochberg).
    #[arg(long, default_value_t = 0.05, value_name = "Q")]
    alpha: f64,
    /// Write the comparison as JSON to this file.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
    /// The field holding the feedback text.
    #[arg(long, default_value = "text", value_name = "NAME")]
    text_field: String,
    /// Where unreadable lines go [default: compare.rejects.jsonl, created only if needed].
    #[arg(long, value_name = "FILE")]
    rejects: Option<PathBuf>,
    /// Worker threads; 0 = one per core.
    #[arg(long, short = 'j', value_name = "N")]
    threads: Option<usize>,
}

pub(crate) fn compare(args: CompareArgs) -> Result<ExitCode> {
    let options = CompareOptions {
        dimensions: args.by.clone(),
        min_count: args.min_count,
        alpha: args.alpha,
        text_field: args.text_field.clone(),
        ..CompareOptions::default()
    };
    let rejects_path = args
        .rejects
        .clone()
        .unwrap_or_else(|| PathBuf::from("compare.rejects.jsonl"));
    let mut rejects = LazyFile::new(&rejects_path);
    let par = parallelism(args.threads);
    let comparison = match (&args.input, &args.before, &args.after) {
        (Some(input), None, None) => {
            let Some(date) = &args.split_date else {
                bail!("with one input, give --split-date YYYY-MM-DD (or use --before and --after)");
            };
            let Some(split) = Timestamp::parse(date) else {
                bail!("--split-date: expected YYYY-MM-DD, found {date:?}");
            };
            compare_split(
                open_buffered_input(input)?,
                split,
                &options,
                &par,
                &mut rejects,
            )?
        }
        (None, Some(before), Some(after)) => {
            if args.split_date.is_some() {
                bail!("--split-date splits one input; with --before and --after leave it out");
            }
            compare_files(
                open_buffered_input(before)?,
                open_buffered_input(after)?,
                &options,
                &par,
                &mut rejects,
            )?
        }
        _ => bail!("give one input with --split-date, or --before FILE --after FILE"),
    };
    rejects
        .finish()
        .with_context(|| format!("cannot write {}", rejects_path.display()))?;
    if let Some(path) = &args.output {
        write_json(path, &comparison)?;
    }
    if args.json {
        let mut out = io::stdout().lock();
        serde_json::to_writer_pretty(&mut out, &comparison)?;
        writeln!(out)?;
    } else {
        print_table(&comparison)?;
    }
    if comparison.rejected > 0 {
        eprintln!(
            "fankui: {} lines were not analysed records (→ {})",
            comparison.rejected,
            rejects_path.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn write_json(path: &Path, c: &Comparison) -> Result<()> {
    let mut w = BufWriter::new(
        File::create(path).with_context(|| format!("cannot create {}", path.display()))?,
    );
    serde_json::to_writer_pretty(&mut w, c)?;
    writeln!(w)?;
    w.flush()
        .with_context(|| format!("cannot write {}", path.display()))
}

fn print_table(c: &Comparison) -> Result<()> {
    let mut out = io::stdout().lock();
    writeln!(
        out,
        "before: {} records{}   after: {} records{}{}",
        c.before.records,
        span(&c.before.first_date, &c.before.last_date),
        c.after.records,
        span(&c.after.first_date, &c.after.last_date),
        if c.undated > 0 {
            format!("   ({} undated left out)", c.undated)
        } else {
            String::new()
        }
    )?;
    writeln!(
        out,
        "{:<11} {:<28} {:>8} {:>8} {:>9} {:>9} {:>9}  verdict",
        "dimension", "group", "n before", "n after", "neg% bef", "neg% aft", "q (neg)"
    )?;
    for ch in std::iter::once(&c.overall).chain(&c.changes) {
        let name = match &ch.label {
            Some(l) => format!("{} {l}", ch.key),
            None if ch.key.is_empty() => "(all)".to_owned(),
            None => ch.key.clone(),
        };
        let name: String = name.chars().take(28).collect();
        writeln!(
            out,
            "{:<11} {:<28} {:>8} {:>8} {:>8.1}% {:>8.1}% {:>9}  {}",
            ch.dimension,
            name,
            ch.before.n,
            ch.after.n,
            100.0 * ch.before.negative_share,
            100.0 * ch.after.negative_share,
            ch.negative
                .as_ref()
                .map_or("–".to_owned(), |t| format!("{:.2e}", t.q_value)),
            ch.verdict
        )?;
    }
    Ok(())
}

fn span(a: &Option<String>, b: &Option<String>) -> String {
    match (a, b) {
        (Some(a), Some(b)) => format!(" ({a} to {b})"),
        _ => String::new(),
    }
}
