//! `fankui topics fit`, `fankui eval topics`, and the corpus reading `analyze
//! --discover-topics` shares.

use std::io::sink;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};
use serde::Deserialize;
use serde_json::Value;

use fankui::pipeline::fit_topics;
use fankui::topics::eval::{evaluate, TopicScores};
use fankui::topics::{TopicModel, TopicOptions};
use fankui::{scan_stream, Engine, StreamOptions, Summary};

use super::files::{input_format, open_input, open_output, Format};
use super::{parallelism, EngineArgs};

#[derive(Debug, Subcommand)]
pub(crate) enum TopicsCommand {
    /// Fit topics to a batch of records and save the model (JSON): labels, keywords with
    /// weights, centroids, and each topic's size, sentiment mix, departments and examples.
    Fit(FitArgs),
}

/// The input options of commands that read records.
#[derive(Debug, Args)]
pub(crate) struct InputArgs {
    /// Input format; by default from the extension (stdin: jsonl).
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// The field holding the feedback text.
    #[arg(long, default_value = "text", value_name = "NAME")]
    text_field: String,
    /// Records (lines, CSV rows) longer than this many bytes are rejected.
    #[arg(long, default_value_t = 1 << 20, value_name = "BYTES")]
    max_record_bytes: usize,
}

impl InputArgs {
    pub(crate) fn stream_options(&self, input: &Path) -> Result<StreamOptions> {
        Ok(StreamOptions {
            format: input_format(self.format, input)?,
            text_field: self.text_field.clone(),
            max_record_bytes: self.max_record_bytes,
            ..StreamOptions::default()
        })
    }
}

/// The options of a topic fit.
#[derive(Debug, Args)]
pub(crate) struct FitOptions {
    /// Number of topics; 0 chooses it (6–30) by coherence × diversity on a sample.
    #[arg(long, default_value_t = 0)]
    k: usize,
    /// Seed of k-means and of the sample that chooses k.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Most terms clustered.
    #[arg(long, default_value_t = 5000, value_name = "N")]
    vocabulary: usize,
    /// Fewest records a term must occur in.
    #[arg(long, default_value_t = 5, value_name = "N")]
    min_df: usize,
    /// Largest share of records a term may occur in.
    #[arg(long, default_value_t = 0.4, value_name = "SHARE")]
    max_df: f32,
    /// Lowest cosine similarity for a record to join a topic.
    #[arg(long, default_value_t = 0.0, value_name = "COS")]
    min_similarity: f32,
    /// Keep opinion words (不错, 失望, great …) in the vocabulary.
    #[arg(long)]
    keep_opinion_words: bool,
    /// Weight terms by batch IDF alone (not also by their general specificity).
    #[arg(long)]
    no_specificity: bool,
}

impl FitOptions {
    pub(crate) fn topic_options(&self) -> TopicOptions {
        TopicOptions {
            k: self.k,
            seed: self.seed,
            vocabulary: self.vocabulary,
            min_df: self.min_df,
            max_df: self.max_df,
            min_similarity: self.min_similarity,
            exclude_opinion: !self.keep_opinion_words,
            specificity: !self.no_specificity,
        }
    }
}

#[derive(Debug, Args)]
pub(crate) struct FitArgs {
    /// Records (`.jsonl`, `.csv`, `.tsv`, optionally `.gz`), or `-` for stdin.
    input: PathBuf,
    /// Where the model goes.
    #[arg(short, long, value_name = "FILE")]
    output: PathBuf,
    /// Where unusable records go [default: none are kept, only counted].
    #[arg(long, value_name = "FILE")]
    rejects: Option<PathBuf>,
    #[command(flatten)]
    input_args: InputArgs,
    #[command(flatten)]
    fit: FitOptions,
    /// Worker threads; 0 = one per core.
    #[arg(long, short = 'j', value_name = "N")]
    threads: Option<usize>,
    /// No summary on stderr.
    #[arg(long, short)]
    quiet: bool,
    #[command(flatten)]
    engine: EngineArgs,
}

pub(crate) fn run(cmd: TopicsCommand) -> Result<ExitCode> {
    match cmd {
        TopicsCommand::Fit(args) => fit(args),
    }
}

fn fit(args: FitArgs) -> Result<ExitCode> {
    let engine = args.engine.build(parallelism(args.threads))?;
    let options = args.input_args.stream_options(&args.input)?;
    let started = Instant::now();
    let (model, _, summary) = fit_model(
        &engine,
        &args.input,
        &options,
        args.rejects.as_deref(),
        &args.fit.topic_options(),
    )?;
    model.save(&args.output)?;
    if !args.quiet {
        report_fit(
            &model,
            &summary,
            started.elapsed().as_secs_f64(),
            &args.output,
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Reads `input` and fits a model; returns it, each used record's topic, and the reading
/// summary.
pub(crate) fn fit_model(
    engine: &Engine,
    input: &Path,
    options: &StreamOptions,
    rejects: Option<&Path>,
    topic_options: &TopicOptions,
) -> Result<(TopicModel, Vec<Option<u32>>, Summary)> {
    let (reader, _) = open_input(input)?;
    let rejects: Box<dyn std::io::Write> = match rejects {
        Some(path) => open_output(Some(path))?,
        None => Box::new(sink()),
    };
    let fit = fit_topics(engine, reader, rejects, options, topic_options)
        .with_context(|| input.display().to_string())?;
    Ok((fit.model, fit.assigned, fit.summary))
}

pub(crate) fn report_fit(model: &TopicModel, summary: &Summary, seconds: f64, path: &Path) {
    eprintln!(
        "fankui: {} topics from {} records ({} outliers, {:.1}%; {} records rejected) in {:.2} s → {}",
        model.topics.len(),
        model.documents,
        model.outliers,
        100.0 * model.outliers as f64 / model.documents.max(1) as f64,
        summary.rejected,
        seconds,
        path.display()
    );
    for t in &model.topics {
        eprintln!("  {:>3}  {:>6}  {}", t.id, t.size, t.label);
    }
}

#[derive(Debug, Args)]
pub(crate) struct EvalTopicsArgs {
    /// Records to score on (`.jsonl`, `.csv`, `.tsv`).
    #[arg(long, value_name = "FILE")]
    data: PathBuf,
    /// A model from `fankui topics fit`; the records are assigned with it.
    #[arg(long, value_name = "FILE", required_unless_present_any = ["listing", "fit"])]
    model: Option<PathBuf>,
    /// Another tool's topics: JSON with `topics[].keywords` and one entry per record in
    /// `assignments` (a topic index, or -1 for none).
    #[arg(long, value_name = "FILE", conflicts_with = "model")]
    listing: Option<PathBuf>,
    /// Fit on the data itself (with the fit options) and score that.
    #[arg(long, conflicts_with_all = ["model", "listing"])]
    fit: bool,
    /// Save the model fitted with `--fit`.
    #[arg(long, value_name = "FILE", requires = "fit")]
    save: Option<PathBuf>,
    /// A label field to score purity and NMI against.
    #[arg(long, value_name = "NAME")]
    label_field: Option<String>,
    #[command(flatten)]
    input_args: InputArgs,
    #[command(flatten)]
    fit_options: FitOptions,
    /// Worker threads; 0 = one per core.
    #[arg(long, short = 'j', value_name = "N")]
    threads: Option<usize>,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    engine: EngineArgs,
}

#[derive(Deserialize)]
struct Listing {
    topics: Vec<ListedTopic>,
    assignments: Vec<i64>,
}

#[derive(Deserialize)]
struct ListedTopic {
    keywords: Vec<String>,
}

pub(crate) fn eval(args: EvalTopicsArgs) -> Result<ExitCode> {
    let engine = args.engine.build(parallelism(args.threads))?;
    let options = args.input_args.stream_options(&args.data)?;
    let started = Instant::now();
    let (model, fitted) = if args.fit {
        let (model, assigned, _) = fit_model(
            &engine,
            &args.data,
            &options,
            None,
            &args.fit_options.topic_options(),
        )?;
        if let Some(path) = &args.save {
            model.save(path)?;
        }
        (Some(Arc::new(model)), Some(assigned))
    } else {
        let model = args
            .model
            .as_deref()
            .map(TopicModel::from_path)
            .transpose()?
            .map(Arc::new);
        (model, None)
    };
    let fit_seconds = started.elapsed().as_secs_f64();

    // The records: normalised text, label, and the model's topic.
    let label_field = args.label_field.clone();
    let (reader, _) = open_input(&args.data)?;
    let mut texts = Vec::new();
    let mut labels = Vec::new();
    let mut assigned = Vec::new();
    let scored = model.clone();
    let summary = scan_stream(
        &engine,
        reader,
        sink(),
        &options,
        |record| {
            let label = match &label_field {
                None => None,
                Some(name) => Some(match record.fields.get(name) {
                    Some(Value::String(s)) => s.clone(),
                    Some(Value::Null) | None => {
                        return Err(fankui::Error::Field {
                            record: record.id.clone(),
                            field: name.clone(),
                            message: "is missing".into(),
                        })
                    }
                    Some(other) => other.to_string(),
                }),
            };
            let topic = scored
                .as_ref()
                .and_then(|m| m.assign(&engine.terms(&engine.segment(&record.text))))
                .map(|(t, _)| t);
            Ok((engine.normalize(&record.text), label, topic))
        },
        &mut |(text, label, topic)| {
            texts.push(text);
            if let Some(l) = label {
                labels.push(l);
            }
            assigned.push(topic);
        },
    )?;
    if summary.rejected > 0 {
        bail!(
            "{}: {} of {} records cannot be scored (empty text or missing label); fix or drop them",
            args.data.display(),
            summary.rejected,
            summary.read
        );
    }
    let keywords: Vec<Vec<String>> = match (&model, &args.listing) {
        (Some(m), _) => m
            .topics
            .iter()
            .map(|t| t.keywords.iter().map(|k| k.term.clone()).collect())
            .collect(),
        (None, Some(path)) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            let listing: Listing = serde_json::from_str(&text)
                .with_context(|| format!("{}: not a topic listing", path.display()))?;
            if listing.assignments.len() != texts.len() {
                bail!(
                    "{}: {} assignments for {} records",
                    path.display(),
                    listing.assignments.len(),
                    texts.len()
                );
            }
            let k = listing.topics.len() as i64;
            assigned = listing
                .assignments
                .iter()
                .map(|&a| match a {
                    -1 => Ok(None),
                    a if (0..k).contains(&a) => Ok(Some(a as u32)),
                    a => bail!("{}: assignment {a} is not a topic", path.display()),
                })
                .collect::<Result<_>>()?;
            listing
                .topics
                .iter()
                .map(|t| t.keywords.iter().map(|k| engine.normalize(k)).collect())
                .collect()
        }
        (None, None) => unreachable!("clap requires --model, --listing or --fit"),
    };
    if let Some(fitted) = fitted {
        // The fit's own assignment and the model's agree (the fit assigns with the saved
        // centroids); a mismatch would be a bug worth failing loudly on.
        if fitted != assigned {
            bail!("internal: the fitted assignment differs from the model's");
        }
    }
    let scores = evaluate(
        &texts,
        &keywords,
        &assigned,
        args.label_field.as_ref().map(|_| labels.as_slice()),
    );
    print_scores(&args, &scores, model.as_deref(), fit_seconds)?;
    Ok(ExitCode::SUCCESS)
}

fn print_scores(
    args: &EvalTopicsArgs,
    s: &TopicScores,
    model: Option<&TopicModel>,
    fit_seconds: f64,
) -> Result<()> {
    if args.json {
        let mut v = serde_json::to_value(s)?;
        if args.fit {
            v["fit_seconds"] = serde_json::json!(fit_seconds);
        }
        if let Some(m) = model {
            v["k_scores"] = serde_json::to_value(&m.k_scores)?;
        }
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(());
    }
    let opt = |x: Option<f64>| x.map_or("-".to_owned(), |v| format!("{v:.4}"));
    println!("data        {}", args.data.display());
    println!("documents   {}", s.documents);
    println!("topics      {}", s.topics);
    println!(
        "NPMI        {:.4}  (top 10 keywords, document co-occurrence)",
        s.npmi
    );
    println!(
        "diversity   {:.4}  (unique share of the top 25)",
        s.diversity
    );
    println!("outliers    {:.4}", s.outliers);
    println!("purity      {}", opt(s.purity));
    println!("NMI         {}", opt(s.nmi));
    if let Some(m) = model {
        for (t, npmi) in m.topics.iter().zip(&s.topic_npmi) {
            println!("  {:>3} {:>7} {:+.3}  {}", t.id, t.size, npmi, t.label);
        }
    }
    Ok(())
}
