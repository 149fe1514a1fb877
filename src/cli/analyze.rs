//! `fankui analyze`.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use clap::{Args, ValueEnum};

use fankui::io::{FieldPolicy, LazyFile, OutputFormat};
use fankui::pipeline::OutputOptions;
use fankui::{run_stream, HistoryMode, StreamOptions, Summary, TopicModel};

use super::files::{input_format, open_input, open_output, Format};
use super::{parallelism, EngineArgs};

#[derive(Debug, Args)]
pub(crate) struct AnalyzeArgs {
    /// Input file (`.jsonl`, `.csv`, `.tsv`, optionally `.gz`), or `-` for stdin.
    input: PathBuf,
    /// Output file (`.gz` compresses); stdout when absent or `-`.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Input format; by default from the extension (stdin: jsonl).
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Output format.
    #[arg(long, value_enum, default_value = "jsonl")]
    output_format: OutFormat,
    /// The field holding the feedback text.
    #[arg(long, default_value = "text", value_name = "NAME")]
    text_field: String,
    /// Where unanalysable records go [default: OUTPUT's name with `.rejects.jsonl`, or
    /// `INPUT-NAME.rejects.jsonl` in the current folder when writing to stdout].
    #[arg(long, value_name = "FILE")]
    rejects: Option<PathBuf>,
    /// Records (lines, CSV rows) longer than this many bytes are rejected.
    #[arg(long, default_value_t = 1 << 20, value_name = "BYTES")]
    max_record_bytes: usize,
    /// A quoted CSV field still open after this many lines is taken for an unterminated
    /// quote: its row is rejected up to the end of the quote's line, and reading resumes on
    /// the next line.
    #[arg(long, default_value_t = fankui::io::MAX_QUOTED_LINES, value_name = "LINES")]
    max_quoted_lines: usize,
    /// Reject a record whose optional field (`created_at`, `rating`, …) is invalid [default:
    /// the field is set to null, its value kept under `invalid_fields`, the reason in
    /// `warnings`].
    #[arg(long)]
    strict_fields: bool,
    /// Worker threads; 0 = one per core.
    #[arg(long, short = 'j', value_name = "N")]
    threads: Option<usize>,
    /// Add each record's tokens to the output.
    #[arg(long)]
    tokens: bool,
    /// No progress and no summary on stderr.
    #[arg(long, short)]
    quiet: bool,
    /// Exit with code 3 when any record was rejected.
    #[arg(long)]
    strict: bool,
    /// Assign each record a topic of this model (from `fankui topics fit`).
    #[arg(long, value_name = "FILE", conflicts_with = "discover_topics")]
    topics: Option<PathBuf>,
    /// Fit topics on the input first (a file, read twice), then assign them.
    #[arg(long)]
    discover_topics: bool,
    /// How priority counts repeats, topic volume and spikes across records: `complete`
    /// counts every record first, so no priority depends on the record's place in the input
    /// (the output comes after the whole input is read); `streaming` counts in input order
    /// and writes as it goes [default: complete for a file, streaming for stdin].
    #[arg(long, value_enum, value_name = "MODE")]
    history: Option<HistoryArg>,
    /// Where complete history keeps analyses between its passes [default: the system's
    /// temporary directory].
    #[arg(long, value_name = "DIR")]
    spill_dir: Option<PathBuf>,
    /// Save the topics `--discover-topics` fitted.
    #[arg(long, value_name = "FILE", requires = "discover_topics")]
    save_topics: Option<PathBuf>,
    #[command(flatten)]
    fit: super::topics::FitOptions,
    #[command(flatten)]
    engine: EngineArgs,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum HistoryArg {
    Complete,
    Streaming,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum OutFormat {
    Jsonl,
    Csv,
}

pub(crate) fn run(args: AnalyzeArgs) -> Result<ExitCode> {
    let options = StreamOptions {
        format: input_format(args.format, &args.input)?,
        text_field: args.text_field.clone(),
        max_record_bytes: args.max_record_bytes,
        max_quoted_lines: args.max_quoted_lines,
        fields: if args.strict_fields {
            FieldPolicy::Strict
        } else {
            FieldPolicy::Lenient
        },
        output_format: match args.output_format {
            OutFormat::Jsonl => OutputFormat::Jsonl,
            OutFormat::Csv => OutputFormat::Csv,
        },
        output: OutputOptions {
            tokens: args.tokens,
        },
        history: match args.history {
            Some(HistoryArg::Complete) => HistoryMode::Complete,
            Some(HistoryArg::Streaming) => HistoryMode::Streaming,
            None if args.input == Path::new("-") => HistoryMode::Streaming,
            None => HistoryMode::Complete,
        },
        spill_dir: args.spill_dir.clone(),
        ..StreamOptions::default()
    };
    let mut builder = args.engine.builder(parallelism(args.threads));
    if let Some(path) = &args.topics {
        builder = builder.topic_model(Arc::new(TopicModel::from_path(path)?));
    }
    let mut engine = builder.build()?;
    if args.discover_topics {
        if args.input == Path::new("-") {
            bail!("--discover-topics reads the input twice: give a file, not stdin");
        }
        let started = std::time::Instant::now();
        let (model, _, summary) = super::topics::fit_model(
            &engine,
            &args.input,
            &options,
            None,
            &args.fit.topic_options(),
        )?;
        if let Some(path) = &args.save_topics {
            model.save(path)?;
        }
        if !args.quiet {
            let shown = args
                .save_topics
                .clone()
                .unwrap_or_else(|| "(not saved)".into());
            super::topics::report_fit(&model, &summary, started.elapsed().as_secs_f64(), &shown);
        }
        engine = engine.with_topic_model(Arc::new(model));
    }
    let (input, size) = open_input(&args.input)?;
    let output = open_output(args.output.as_deref())?;
    // A named rejects file is always written; the default one only when there is a reject
    // (an old one of an earlier run is removed: it spoke of an output now replaced).
    let rejects_path = args
        .rejects
        .clone()
        .unwrap_or_else(|| default_rejects(&args.input, args.output.as_deref()));
    let mut rejects = LazyFile::new(&rejects_path);
    if args.rejects.is_some() {
        rejects.create()?;
    }
    let show_progress = !args.quiet && std::io::stderr().is_terminal();
    let mut progress = |s: &Summary| {
        if show_progress {
            let pct = size
                .filter(|&n| n > 0)
                .map(|n| format!("{:5.1}%  ", 100.0 * s.bytes as f64 / n as f64))
                .unwrap_or_default();
            eprint!(
                "\r{pct}{} records  {:.1} MB  {:.0} records/s   ",
                s.read,
                s.bytes as f64 / 1e6,
                s.records_per_second()
            );
        }
    };
    let summary = run_stream(
        &engine,
        input,
        output,
        &mut rejects,
        &options,
        &mut progress,
    )?;
    let written = rejects
        .finish()
        .with_context(|| format!("cannot write {}", rejects_path.display()))?;
    let rejects_shown = if written {
        format!("→ {}", rejects_path.display())
    } else {
        "no rejects file".to_owned()
    };
    if show_progress {
        eprintln!();
    }
    if !args.quiet {
        eprintln!(
            "fankui: read {} records: {} analysed, {} rejected ({rejects_shown}); {} with warnings; {} blank lines skipped; {:.2} s, {:.0} records/s",
            summary.read,
            summary.analysed,
            summary.rejected,
            summary.warned,
            summary.blank_lines,
            summary.seconds,
            summary.records_per_second()
        );
        match summary.history {
            HistoryMode::Complete => eprintln!(
                "fankui: priority history: complete (every record counted first; {} topic days with a spike)",
                summary.spike_days
            ),
            HistoryMode::Streaming => eprintln!(
                "fankui: priority history: streaming (repeats and spikes count only the records before each one)"
            ),
        }
    }
    if let Some(n) = summary.unsorted_at {
        eprintln!(
            "fankui: warning: record {n} is dated before a record above it: the input is not in time order, so no topic-spike points were given from it on (use a file for complete history)"
        );
    }
    Ok(if args.strict && summary.rejected > 0 {
        ExitCode::from(3)
    } else {
        ExitCode::SUCCESS
    })
}

/// `out.jsonl` → `out.rejects.jsonl`; with stdout output, `INPUT-NAME.rejects.jsonl` here.
fn default_rejects(input: &Path, output: Option<&Path>) -> PathBuf {
    let strip = |p: &Path| -> String {
        let name = p
            .file_name()
            .map_or_else(|| "stdin".into(), |n| n.to_string_lossy().into_owned());
        let name = name.strip_suffix(".gz").unwrap_or(&name).to_owned();
        match name.rsplit_once('.') {
            Some((stem, _)) if !stem.is_empty() => stem.to_owned(),
            _ => name,
        }
    };
    match output.filter(|p| *p != Path::new("-")) {
        Some(out) => out.with_file_name(format!("{}.rejects.jsonl", strip(out))),
        None if input == Path::new("-") => PathBuf::from("stdin.rejects.jsonl"),
        None => PathBuf::from(format!("{}.rejects.jsonl", strip(input))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_sit_next_to_the_output() {
        let p = |s: &str| PathBuf::from(s);
        assert_eq!(
            default_rejects(&p("in.csv"), Some(&p("out/a.jsonl"))),
            p("out/a.rejects.jsonl")
        );
        assert_eq!(
            default_rejects(&p("in.csv"), Some(&p("a.jsonl.gz"))),
            p("a.rejects.jsonl")
        );
        assert_eq!(
            default_rejects(&p("data/in.csv.gz"), None),
            p("in.rejects.jsonl")
        );
        assert_eq!(
            default_rejects(&p("-"), Some(&p("-"))),
            p("stdin.rejects.jsonl")
        );
    }
}
