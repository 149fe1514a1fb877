//! `fankui eval …`.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Result;
use clap::{Args, Subcommand};

use fankui::eval::evaluate_segmentation;
use fankui::Parallelism;

use super::files::open_input;
use super::EngineArgs;

#[derive(Debug, Subcommand)]
pub(crate) enum EvalCommand {
    /// Word segmentation against SIGHAN-style gold data (one sentence a line, words separated
    /// by whitespace): precision, recall, F1, out-of-vocabulary recall.
    Segment(SegmentEvalArgs),
}

#[derive(Debug, Args)]
pub(crate) struct SegmentEvalArgs {
    /// Gold segmentation.
    #[arg(long, value_name = "FILE")]
    gold: PathBuf,
    /// Unsegmented input, line by line with the gold [default: the gold with its whitespace removed].
    #[arg(long, value_name = "FILE")]
    input: Option<PathBuf>,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    engine: EngineArgs,
}

pub(crate) fn run(cmd: EvalCommand) -> Result<ExitCode> {
    match cmd {
        EvalCommand::Segment(args) => segment(args),
    }
}

fn lines(path: &Path) -> Result<Box<dyn Iterator<Item = fankui::Result<String>>>> {
    let (reader, _) = open_input(path)?;
    let name = path.display().to_string();
    Ok(Box::new(BufReader::new(reader).lines().map(move |l| {
        l.map_err(|e| fankui::Error::Io {
            context: format!("cannot read {name}"),
            source: e,
        })
    })))
}

fn segment(args: SegmentEvalArgs) -> Result<ExitCode> {
    // One thread, so the speed figure compares with single-threaded tools.
    let engine = args.engine.build(Parallelism::Sequential)?;
    let input = args.input.as_deref().map(lines).transpose()?;
    let s = evaluate_segmentation(&engine, lines(&args.gold)?, input)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&s)?);
    } else {
        let pct = |x: f64| format!("{:.2}", 100.0 * x);
        println!("gold        {}", args.gold.display());
        println!("lines       {}", s.lines);
        println!(
            "words       gold {}  predicted {}  correct {}",
            s.gold_words, s.predicted_words, s.correct
        );
        println!("precision   {}%", pct(s.precision));
        println!("recall      {}%", pct(s.recall));
        println!("F1          {}%", pct(s.f1));
        println!(
            "OOV recall  {}%  ({} of {} out-of-vocabulary words)",
            pct(s.oov_recall),
            s.oov_correct,
            s.oov_words
        );
        println!("speed       {:.0} chars/s (one thread)", s.chars_per_second);
    }
    Ok(ExitCode::SUCCESS)
}
