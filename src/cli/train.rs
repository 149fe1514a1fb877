//! `fankui train …`, and the labelled-data options `eval` shares.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};
use serde_json::json;

use fankui::eval::{evaluate_sentiment, SentimentScores};
use fankui::sentiment::{
    sha256_bytes, train, Example, FeatureSpec, LabelMap, LabelledFields, LabelledFile,
    LexiconModel, TrainOptions, TrainReport, FORMAT_VERSION,
};
use fankui::Engine;

use super::{parallelism, EngineArgs};

#[derive(Debug, Subcommand)]
pub(crate) enum TrainCommand {
    /// A linear sentiment model (hashed word, bigram and character n-gram features; NB-weighted
    /// logistic regression), written as MODEL plus a JSON manifest beside it.
    Sentiment(TrainSentimentArgs),
    /// A kind model (complaint, suggestion, praise, question, other): one-vs-rest logistic
    /// regression over the text features and the cue rules' scores.
    Kind(super::classes::TrainClassesArgs),
    /// A learned router: one-vs-rest logistic regression over the text features and the
    /// taxonomy's phrase scores; labels are department ids (a list per text for multi-label).
    Route(super::classes::TrainClassesArgs),
}

/// Where labelled texts are and how to read them.
#[derive(Debug, Args)]
pub(crate) struct DataArgs {
    /// Labelled data (JSONL, CSV or TSV, `.gz` too); may be repeated.
    #[arg(long = "data", value_name = "FILE", required = true)]
    pub(crate) data: Vec<PathBuf>,
    /// Field holding the text; a comma-separated list means the first one a record has.
    #[arg(long, value_name = "NAME[,NAME…]", default_value = "text")]
    pub(crate) text_field: String,
    /// Field holding the label.
    #[arg(long, value_name = "NAME", default_value = "label")]
    pub(crate) label_field: String,
    /// Raw label values to labels, e.g. `__label__1=negative,__label__2=positive`
    /// [default: 0/neg/negative, 1/pos/positive, neu/neutral].
    #[arg(long, value_name = "RAW=LABEL,…")]
    pub(crate) label_map: Option<String>,
    /// Worker threads (0 = one per core).
    #[arg(short = 'j', long = "threads", value_name = "N")]
    pub(crate) threads: Option<usize>,
    #[command(flatten)]
    pub(crate) engine: EngineArgs,
}

impl DataArgs {
    pub(crate) fn fields(&self) -> Result<LabelledFields> {
        let labels = match &self.label_map {
            Some(s) => s.parse::<LabelMap>()?,
            None => LabelMap::default(),
        };
        Ok(LabelledFields {
            text: self
                .text_field
                .split(',')
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect(),
            label: self.label_field.clone(),
            labels,
        })
    }

    /// Reads every file; reports left-out empty texts on stderr.
    pub(crate) fn read(&self, paths: &[PathBuf]) -> Result<Vec<LabelledFile>> {
        let fields = self.fields()?;
        paths
            .iter()
            .map(|p| {
                let file = LabelledFile::read(p, &fields)?;
                if !file.empty_texts.is_empty() {
                    let lines: Vec<String> = file
                        .empty_texts
                        .iter()
                        .take(5)
                        .map(|(_, l)| l.to_string())
                        .collect();
                    eprintln!(
                        "fankui: {}: left out {} record(s) with an empty text (line {}{})",
                        p.display(),
                        file.empty_texts.len(),
                        lines.join(", "),
                        if file.empty_texts.len() > 5 {
                            ", …"
                        } else {
                            ""
                        }
                    );
                }
                if file.examples.is_empty() {
                    bail!("{}: no labelled texts", p.display());
                }
                Ok(file)
            })
            .collect()
    }

    /// The engine that reads and segments the texts. Its own sentiment model is never asked
    /// (the model under training or evaluation is), so it gets the lexicon: a shipped model
    /// file that an older build wrote must not stop its own retraining.
    pub(crate) fn engine(&self) -> Result<Engine> {
        Ok(self
            .engine
            .builder(parallelism(self.threads))
            .sentiment_model(Arc::new(LexiconModel::shipped()))
            .build()?)
    }
}

/// Settings of the trainer.
#[derive(Debug, Args)]
pub(crate) struct TrainerArgs {
    /// Seed of every random choice.
    #[arg(long, default_value_t = 42)]
    pub(crate) seed: u64,
    /// log2 of the number of feature buckets.
    #[arg(long, default_value_t = FeatureSpec::default().bits)]
    bits: u8,
    /// Longest Chinese character n-gram (0–4).
    #[arg(long, default_value_t = FeatureSpec::default().char_ngrams)]
    char_ngrams: u8,
    /// Leave out the characters of multi-character Chinese words (keep the longer n-grams).
    #[arg(long)]
    no_char_unigrams: bool,
    /// Leave out word bigrams.
    #[arg(long)]
    no_word_bigrams: bool,
    /// Words marked negated after a negator (0 = no marking).
    #[arg(long, default_value_t = FeatureSpec::default().negation_scope)]
    negation_scope: u8,
    /// Inverse regularisation strengths to choose from.
    #[arg(long = "c", value_name = "C,…", value_delimiter = ',', default_values_t = TrainOptions::default().c_grid)]
    c_grid: Vec<f64>,
    /// NB weighting: `on`, `off` or `auto` (chosen on held-out data).
    #[arg(long, value_name = "on|off|auto", default_value = "on")]
    nb: String,
    /// Share of the training data held out to choose settings when there is no `--dev`.
    #[arg(long, default_value_t = TrainOptions::default().holdout)]
    holdout: f64,
    /// Most passes of the solver over the data.
    #[arg(long, default_value_t = TrainOptions::default().max_passes)]
    max_passes: u32,
    /// Solver tolerance (largest projected gradient left).
    #[arg(long, default_value_t = TrainOptions::default().tolerance)]
    tolerance: f64,
}

impl TrainerArgs {
    pub(crate) fn options(&self) -> Result<TrainOptions> {
        let nb = match self.nb.as_str() {
            "on" => Some(true),
            "off" => Some(false),
            "auto" => None,
            other => bail!("--nb must be on, off or auto, found {other:?}"),
        };
        Ok(TrainOptions {
            features: FeatureSpec {
                bits: self.bits,
                char_ngrams: self.char_ngrams,
                char_unigrams: !self.no_char_unigrams,
                word_bigrams: !self.no_word_bigrams,
                negation_scope: self.negation_scope,
            },
            seed: self.seed,
            c_grid: self.c_grid.clone(),
            nb,
            holdout: self.holdout,
            max_passes: self.max_passes,
            tolerance: self.tolerance,
        })
    }
}

#[derive(Debug, Args)]
pub(crate) struct TrainSentimentArgs {
    #[command(flatten)]
    data: DataArgs,
    /// Development data (same fields) to choose settings and calibrate on; without it a
    /// held-out share of the training data is used and the model is refitted on all of it.
    #[arg(long, value_name = "FILE")]
    dev: Option<PathBuf>,
    #[command(flatten)]
    trainer: TrainerArgs,
    /// The model file to write; its manifest goes beside it with the extension `.json`.
    #[arg(short, long, value_name = "MODEL")]
    output: PathBuf,
    /// Print the manifest instead of a summary.
    #[arg(long)]
    json: bool,
}

pub(crate) fn run(cmd: TrainCommand) -> Result<ExitCode> {
    match cmd {
        TrainCommand::Sentiment(args) => sentiment(args),
        TrainCommand::Kind(args) => super::classes::train("kind", args),
        TrainCommand::Route(args) => super::classes::train("route", args),
    }
}

fn sentiment(args: TrainSentimentArgs) -> Result<ExitCode> {
    let manifest_path = args.output.with_extension("json");
    if manifest_path == args.output {
        bail!("the model file must not end in .json: its manifest is written there");
    }
    let started = Instant::now();
    let options = args.trainer.options()?;
    let engine = args.data.engine()?;
    let files = args.data.read(&args.data.data)?;
    let dev = args
        .dev
        .as_ref()
        .map(|d| args.data.read(std::slice::from_ref(d)))
        .transpose()?;
    let examples: Vec<Example> = files.iter().flat_map(|f| f.examples.clone()).collect();
    let dev_examples: Option<Vec<Example>> = dev
        .as_ref()
        .map(|d| d.iter().flat_map(|f| f.examples.clone()).collect());
    let read_seconds = started.elapsed().as_secs_f64();

    let (model, report) = train(&engine, &examples, dev_examples.as_deref(), &options)?;
    let dev_scores = dev_examples
        .as_ref()
        .map(|d| evaluate_sentiment(&engine, &model, d, 0.0));
    let bytes = model.to_bytes();
    std::fs::write(&args.output, &bytes)
        .with_context(|| format!("cannot write {}", args.output.display()))?;
    let seconds = started.elapsed().as_secs_f64();

    let describe = |f: &LabelledFile| {
        json!({
            "path": f.path,
            "sha256": f.sha256,
            "examples": f.examples.len(),
            "empty_texts_left_out": f.empty_texts.len(),
        })
    };
    let manifest = json!({
        "type": "fankui-sentiment-linear",
        "format_version": FORMAT_VERSION,
        "fankui_version": env!("CARGO_PKG_VERSION"),
        "model": {
            "file": args.output.file_name().map(|n| n.to_string_lossy().into_owned()),
            "sha256": sha256_bytes(&bytes),
            "bytes": bytes.len(),
            "header": model.header(),
        },
        "command": command_line(),
        "training": {
            "data": files.iter().map(describe).collect::<Vec<_>>(),
            "dev": dev.as_ref().map(|d| d.iter().map(describe).collect::<Vec<_>>()),
            "text_field": args.data.text_field,
            "label_field": args.data.label_field,
            "label_map": args.data.label_map,
            "options": options,
        },
        "selection": report,
        "metrics": { "dev": dev_scores },
        "seconds": { "read": read_seconds, "total": seconds },
    });
    let text = serde_json::to_string_pretty(&manifest)? + "\n";
    std::fs::write(&manifest_path, &text)
        .with_context(|| format!("cannot write {}", manifest_path.display()))?;

    if args.json {
        print!("{text}");
    } else {
        print_summary(
            &report,
            dev_scores.as_ref(),
            &args.output,
            &manifest_path,
            seconds,
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn print_summary(
    report: &TrainReport,
    dev: Option<&SentimentScores>,
    model: &Path,
    manifest: &Path,
    seconds: f64,
) {
    let c = report.train_counts;
    println!(
        "trained on   {} texts ({} negative, {} neutral, {} positive)",
        c.negative + c.neutral + c.positive,
        c.negative,
        c.neutral,
        c.positive
    );
    let s = report.selection_counts;
    println!(
        "selection    {} texts from {}",
        s.negative + s.neutral + s.positive,
        report.selection_source
    );
    for cand in &report.candidates {
        println!(
            "  C {:<6} NB {:<3}  accuracy {:.2}%  ({} passes){}",
            cand.c,
            if cand.nb { "on" } else { "off" },
            100.0 * cand.accuracy,
            cand.passes,
            if *cand == report.chosen {
                "  <- chosen"
            } else {
                ""
            }
        );
    }
    println!(
        "calibration  p = σ({:.3}·z + {:.3}){}",
        report.calibration.a,
        report.calibration.b,
        report
            .neutral_band
            .map(|b| format!("; neutral band {b:.2}"))
            .unwrap_or_default()
    );
    if let Some(d) = dev {
        println!(
            "dev          accuracy {:.2}%  macro-F1 {:.2}%",
            100.0 * d.accuracy,
            100.0 * d.macro_f1
        );
    }
    println!(
        "time         {seconds:.1} s (features {:.1} s, solver {:.1} s)",
        report.feature_seconds, report.solver_seconds
    );
    println!("model        {}", model.display());
    println!("manifest     {}", manifest.display());
}

/// The command line as typed, for the manifest.
fn command_line() -> String {
    std::env::args()
        .enumerate()
        .map(|(i, a)| {
            let a = if i == 0 { "fankui".to_owned() } else { a };
            if a.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_./=,:".contains(c))
            {
                a
            } else {
                format!("'{}'", a.replace('\'', r"'\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}
