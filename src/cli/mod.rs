//! Command-line interface. Uses only the public library API.
//!
//! Exit codes: 0 success (records may have been rejected: see the summary), 1 error,
//! 2 usage error, 3 `--strict` and at least one record was rejected.

mod analyze;
mod classes;
mod eval;
mod files;
mod report;
mod segment;
mod topics;
mod train;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Args, Parser, Subcommand};

use fankui::{Engine, EngineBuilder, EngineConfig, Parallelism};

/// Customer-feedback analysis for Chinese and English.
#[derive(Debug, Parser)]
#[command(name = "fankui", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Analyse feedback records (JSONL, CSV or TSV; `.gz` too) into one JSON object each.
    Analyze(analyze::AnalyzeArgs),
    /// Segment text lines into words separated by single spaces.
    Segment(segment::SegmentArgs),
    /// Train a model on labelled data.
    #[command(subcommand)]
    Train(train::TrainCommand),
    /// Evaluate a stage against labelled data.
    #[command(subcommand)]
    Eval(eval::EvalCommand),
    /// Topic models: fit one to a batch of records.
    #[command(subcommand)]
    Topics(topics::TopicsCommand),
    /// Report on analysed records: summary.json, report.html, department queues, alerts.
    Report(report::ReportArgs),
    /// Compare analysed records before and after a change, per topic and department.
    Compare(report::CompareArgs),
    /// Print the default configuration (TOML) to start a config file from.
    Config,
    /// Write the default configuration and taxonomy into a folder, for editing.
    Init(classes::InitArgs),
}

/// Options every command that builds an engine takes.
#[derive(Debug, Args)]
pub(crate) struct EngineArgs {
    /// Configuration file (TOML); see `fankui config`.
    #[arg(long, value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,
    /// User dictionary (one word a line, optionally `word freq tag`); may be repeated.
    #[arg(long = "user-dict", value_name = "FILE")]
    user_dicts: Vec<PathBuf>,
}

impl EngineArgs {
    pub(crate) fn build(&self, parallelism: Parallelism) -> Result<Engine> {
        Ok(self.builder(parallelism).build()?)
    }

    pub(crate) fn builder(&self, parallelism: Parallelism) -> EngineBuilder {
        let mut builder = Engine::builder().parallelism(parallelism);
        if let Some(path) = &self.config {
            builder = builder.config_file(path);
        }
        for dict in &self.user_dicts {
            builder = builder.user_dict(dict);
        }
        builder
    }
}

/// `--threads N`: 0 or absent means one per core.
pub(crate) fn parallelism(threads: Option<usize>) -> Parallelism {
    match threads {
        Some(1) => Parallelism::Sequential,
        Some(n) if n > 1 => Parallelism::Threads(n),
        _ => Parallelism::available(),
    }
}

pub(crate) fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Analyze(args) => analyze::run(args),
        Command::Segment(args) => segment::run(args),
        Command::Train(cmd) => train::run(cmd),
        Command::Eval(cmd) => eval::run(cmd),
        Command::Init(args) => classes::init(args),
        Command::Topics(cmd) => topics::run(cmd),
        Command::Report(args) => report::report(args),
        Command::Compare(args) => report::compare(args),
        Command::Config => {
            print!("{}", EngineConfig::default().to_toml());
            Ok(ExitCode::SUCCESS)
        }
    };
    match result {
        Ok(code) => code,
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("fankui: error: {e:#}");
            ExitCode::from(1)
        }
    }
}

/// A closed pipe (`fankui analyze … | head`) is a normal end, not an error.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
