//! `fankui eval …`.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Result;
use clap::{Args, Subcommand};

use fankui::eval::{
    cross_validate_sentiment, evaluate_segmentation, evaluate_sentiment, SentimentScores,
};
use fankui::sentiment::{Example, LexiconModel, LinearModel, SentimentModel, DEFAULT_NEUTRAL_BAND};
use fankui::{Parallelism, SentimentLabel};

use super::files::open_input;
use super::train::{DataArgs, TrainerArgs};
use super::EngineArgs;

#[derive(Debug, Subcommand)]
pub(crate) enum EvalCommand {
    /// Word segmentation against SIGHAN-style gold data (one sentence a line, words separated
    /// by whitespace): precision, recall, F1, out-of-vocabulary recall.
    Segment(SegmentEvalArgs),
    /// Sentiment against labelled texts: accuracy, macro-F1, per-class precision, recall and
    /// F1, confusion matrix. With `--cv K`, k-fold cross-validation of the trainer instead.
    Sentiment(SentimentEvalArgs),
    /// Kind against labelled texts (`--model rules` or a model from `fankui train kind`):
    /// per-class precision, recall and F1, macro- and micro-F1.
    Kind(super::classes::EvalClassesArgs),
    /// Routing against labelled texts (`--model rules`: the taxonomy in use; or a model from
    /// `fankui train route`); a list label is a multi-label gold set.
    Route(super::classes::EvalClassesArgs),
    /// Topics (a model from `fankui topics fit`, another tool's listing, or a fit on the data
    /// itself): NPMI coherence, diversity, outlier share, and purity and NMI against a label.
    Topics(super::topics::EvalTopicsArgs),
}

#[derive(Debug, Args)]
pub(crate) struct SentimentEvalArgs {
    #[command(flatten)]
    data: DataArgs,
    /// The model: a file from `fankui train sentiment`, `default` (the shipped model) or
    /// `lexicon` (the lexicon and rules alone).
    #[arg(
        long,
        value_name = "MODEL",
        default_value = "default",
        conflicts_with = "cv"
    )]
    model: String,
    /// Cross-validate the trainer with K stratified folds instead of scoring a model.
    #[arg(long, value_name = "K", value_parser = clap::value_parser!(u16).range(2..=100))]
    cv: Option<u16>,
    /// Neutral band [default: 0 when the gold labels have no neutral (a positive/negative
    /// decision), else the model's fitted band or the engine's default].
    #[arg(long, value_name = "B")]
    neutral_band: Option<f32>,
    #[command(flatten)]
    trainer: TrainerArgs,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
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
        EvalCommand::Sentiment(args) => sentiment(args),
        EvalCommand::Kind(args) => super::classes::eval("kind", args),
        EvalCommand::Route(args) => super::classes::eval("route", args),
        EvalCommand::Topics(args) => super::topics::eval(args),
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

fn sentiment(args: SentimentEvalArgs) -> Result<ExitCode> {
    let engine = args.data.engine()?;
    let files = args.data.read(&args.data.data)?;
    let examples: Vec<Example> = files.into_iter().flat_map(|f| f.examples).collect();
    let has_neutral = examples.iter().any(|e| e.label == SentimentLabel::Neutral);
    let band = |fitted: Option<f32>| match args.neutral_band {
        Some(b) => b,
        None if !has_neutral => 0.0,
        None => fitted.unwrap_or(DEFAULT_NEUTRAL_BAND),
    };
    if let Some(k) = args.cv {
        let options = args.trainer.options()?;
        let cv =
            cross_validate_sentiment(&engine, &examples, usize::from(k), band(None), &options)?;
        if args.json {
            println!("{}", serde_json::to_string_pretty(&cv)?);
        } else {
            println!(
                "data        {} texts, {k}-fold stratified, seed {}",
                examples.len(),
                cv.seed
            );
            for (i, f) in cv.folds.iter().enumerate() {
                println!(
                    "fold {:<2}     accuracy {:.2}%  macro-F1 {:.2}%  ({} texts)",
                    i + 1,
                    100.0 * f.accuracy,
                    100.0 * f.macro_f1,
                    f.records
                );
            }
            println!(
                "mean        accuracy {:.2}% ± {:.2}  macro-F1 {:.2}%",
                100.0 * cv.mean_accuracy,
                100.0 * cv.sd_accuracy,
                100.0 * cv.mean_macro_f1
            );
            println!("pooled:");
            print_scores(&cv.pooled);
        }
        return Ok(ExitCode::SUCCESS);
    }
    // The model, read once, and the neutral band it was fitted with, if any.
    let (model, fitted): (Box<dyn SentimentModel>, Option<f32>) = match args.model.as_str() {
        "lexicon" => (Box::new(LexiconModel::shipped()), None),
        name => {
            let linear = if name == "default" {
                LinearModel::shipped()?
            } else {
                LinearModel::from_path(name.as_ref())?
            };
            let fitted = linear.header().neutral_band;
            (Box::new(linear), fitted)
        }
    };
    let band = band(fitted);
    let scores = evaluate_sentiment(&engine, model.as_ref(), &examples, band);
    if args.json {
        let mut value = serde_json::to_value(&scores)?;
        value["model"] = args.model.clone().into();
        value["neutral_band"] = f64::from(band).into();
        println!("{}", serde_json::to_string_pretty(&value)?);
    } else {
        println!("model       {}", args.model);
        println!("data        {} texts", examples.len());
        println!("neutral     band {band}");
        print_scores(&scores);
    }
    Ok(ExitCode::SUCCESS)
}

fn print_scores(s: &SentimentScores) {
    println!("accuracy    {:.2}%", 100.0 * s.accuracy);
    println!("macro-F1    {:.2}%", 100.0 * s.macro_f1);
    println!("class       precision  recall     F1         support");
    for c in &s.classes {
        println!(
            "{:<11} {:>8.2}%  {:>8.2}%  {:>8.2}%  {:>8}",
            c.label.as_str(),
            100.0 * c.precision,
            100.0 * c.recall,
            100.0 * c.f1,
            c.support
        );
    }
    println!("confusion   (rows gold, columns predicted)");
    print!("{:<11}", "");
    for l in &s.confusion.labels {
        print!(" {:>9}", l.as_str());
    }
    println!();
    for (l, row) in s.confusion.labels.iter().zip(&s.confusion.matrix) {
        print!("{:<11}", l.as_str());
        for n in row {
            print!(" {n:>9}");
        }
        println!();
    }
}
