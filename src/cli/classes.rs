//! `fankui train kind|route`, `fankui eval kind|route` and `fankui init`.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use clap::Args;
use serde_json::json;

use fankui::eval::{evaluate_classes, ClassPredictor};
use fankui::learn::{read_class_file, ClassDoc, ClassExample, ClassModel, ClassTrainOptions};
use fankui::route::DEFAULT_TAXONOMY;
use fankui::{Engine, EngineConfig, Kind, LearnedTask};

use super::{parallelism, EngineArgs};

/// Labelled data for kind and routing.
#[derive(Debug, Args)]
pub(crate) struct ClassDataArgs {
    /// Labelled data (JSONL, CSV or TSV, `.gz` too); may be repeated.
    #[arg(long = "data", value_name = "FILE", required = true)]
    data: Vec<PathBuf>,
    /// Field holding the text; a comma-separated list means the first one a record has.
    #[arg(long, value_name = "NAME[,NAME…]", default_value = "text")]
    text_field: String,
    /// Field holding the label: a string, or a list of strings for multi-label data (e.g.
    /// several departments).
    #[arg(long, value_name = "NAME", default_value = "label")]
    label_field: String,
    /// Raw labels to labels, e.g. `Bug=complaint,Feature=suggestion`; with a map, every raw
    /// label must be in it.
    #[arg(long, value_name = "RAW=LABEL,…")]
    label_map: Option<String>,
    /// Worker threads (0 = one per core).
    #[arg(short = 'j', long = "threads", value_name = "N")]
    threads: Option<usize>,
    #[command(flatten)]
    engine: EngineArgs,
}

impl ClassDataArgs {
    fn read(&self) -> Result<Vec<ClassExample>> {
        let mut map = BTreeMap::new();
        if let Some(s) = &self.label_map {
            for pair in s.split(',').filter(|p| !p.trim().is_empty()) {
                let Some((raw, label)) = pair.split_once('=') else {
                    bail!("--label-map: `{pair}` is not RAW=LABEL");
                };
                map.insert(raw.trim().to_owned(), label.trim().to_owned());
            }
        }
        let fields: Vec<String> = self
            .text_field
            .split(',')
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect();
        let mut all = Vec::new();
        for path in &self.data {
            let (examples, empty) = read_class_file(path, &fields, &self.label_field, &map)?;
            if empty > 0 {
                eprintln!(
                    "fankui: {}: left out {empty} record(s) with an empty text",
                    path.display()
                );
            }
            if examples.is_empty() {
                bail!("{}: no labelled texts", path.display());
            }
            all.extend(examples);
        }
        Ok(all)
    }

    fn engine(&self) -> Result<Engine> {
        self.engine.build(parallelism(self.threads))
    }
}

/// `fankui train kind|route`.
#[derive(Debug, Args)]
pub(crate) struct TrainClassesArgs {
    #[command(flatten)]
    data: ClassDataArgs,
    /// Seed of every random choice.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// log2 of the number of feature buckets.
    #[arg(long, default_value_t = 18)]
    bits: u8,
    /// Regularisation values to choose from on the held-out share [default: 0.5,2,8,32].
    #[arg(long, value_name = "C,…", value_delimiter = ',')]
    c: Vec<f64>,
    /// Where to write the model; a JSON manifest goes beside it.
    #[arg(short, long, value_name = "MODEL")]
    output: PathBuf,
}

fn learned_task(task: &str) -> LearnedTask {
    if task == "kind" {
        LearnedTask::Kind
    } else {
        LearnedTask::Route
    }
}

pub(crate) fn train(task: &str, args: TrainClassesArgs) -> Result<ExitCode> {
    let started = Instant::now();
    let examples = args.data.read()?;
    let engine = args.data.engine()?;
    if task == "kind" {
        if let Some(bad) = examples
            .iter()
            .flat_map(|e| &e.labels)
            .find(|l| Kind::parse(l).is_none())
        {
            bail!("label `{bad}` is not a kind (complaint, suggestion, praise, question, other); map it with --label-map");
        }
    }
    let multi_label = examples.iter().any(|e| e.labels.len() != 1);
    let mut labels: Vec<String> = examples
        .iter()
        .flat_map(|e| e.labels.iter().cloned())
        .collect();
    labels.sort();
    labels.dedup();
    let mut options = ClassTrainOptions {
        seed: args.seed,
        ..ClassTrainOptions::default()
    };
    options.features.bits = args.bits;
    if !args.c.is_empty() {
        options.c_grid = args.c.clone();
    }
    let docs = featurize(&engine, learned_task(task), &options, &examples, &labels);
    let model = ClassModel::train(task, labels, &docs, multi_label, &options)?;
    model.save(&args.output)?;
    let manifest = json!({
        "type": format!("fankui {task} model"),
        "header": model.header(),
        "data": args.data.data.iter().map(|p| json!({"path": p, "sha256": fankui::sentiment::sha256_file(p).ok()})).collect::<Vec<_>>(),
        "texts": examples.len(),
        "command": std::env::args().collect::<Vec<_>>(),
        "seconds": started.elapsed().as_secs_f64(),
    });
    let manifest_path = args.output.with_extension("json");
    std::fs::write(
        &manifest_path,
        serde_json::to_string_pretty(&manifest)? + "\n",
    )
    .with_context(|| format!("cannot write {}", manifest_path.display()))?;
    eprintln!(
        "fankui: {task} model: {} texts, {} classes{}, C {} → {} ({:.1} s)",
        examples.len(),
        model.header().classes.len(),
        if multi_label { " (multi-label)" } else { "" },
        model.header().c,
        args.output.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}

fn featurize(
    engine: &Engine,
    task: LearnedTask,
    options: &ClassTrainOptions,
    examples: &[ClassExample],
    labels: &[String],
) -> Vec<ClassDoc> {
    let texts: Vec<&str> = examples.iter().map(|e| e.text.as_str()).collect();
    let docs = engine.learned_batch_features(task, options.features, &texts);
    docs.into_iter()
        .zip(examples)
        .map(|(features, e)| ClassDoc {
            features,
            classes: e
                .labels
                .iter()
                .filter_map(|l| labels.iter().position(|x| x == l))
                .collect(),
        })
        .collect()
}

/// `fankui eval kind|route`.
#[derive(Debug, Args)]
pub(crate) struct EvalClassesArgs {
    #[command(flatten)]
    data: ClassDataArgs,
    /// A model from `fankui train kind|route`, or `rules` (the cue lists, or the taxonomy
    /// in use, with no training).
    #[arg(long, value_name = "MODEL", default_value = "rules")]
    model: String,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

pub(crate) fn eval(task: &str, args: EvalClassesArgs) -> Result<ExitCode> {
    let examples = args.data.read()?;
    let engine = args.data.engine()?;
    let learned = if args.model == "rules" {
        None
    } else {
        let m = ClassModel::from_path(std::path::Path::new(&args.model))?;
        if m.header().task != task {
            bail!(
                "{}: a `{}` model, not a `{task}` one",
                args.model,
                m.header().task
            );
        }
        Some(m)
    };
    let predictor = learned
        .as_ref()
        .map_or(ClassPredictor::Rules, ClassPredictor::Learned);
    let s = evaluate_classes(&engine, learned_task(task), predictor, &examples)?;
    let accuracy = s.accuracy;
    let classes: Vec<_> = s
        .classes
        .iter()
        .map(|c| json!({"label": c.label, "precision": c.precision, "recall": c.recall, "f1": c.f1, "support": c.support}))
        .collect();
    let report = json!({
        "task": task,
        "model": args.model,
        "records": examples.len(),
        "accuracy": accuracy,
        "macro_f1": s.macro_f1,
        "micro_f1": s.micro_f1,
        "classes": classes,
    });
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!("{task} ({}) on {} texts", args.model, examples.len());
        println!(
            "exact-match accuracy {:.2}%  macro-F1 {:.2}%  micro-F1 {:.2}%",
            100.0 * accuracy,
            100.0 * s.macro_f1,
            100.0 * s.micro_f1
        );
        println!(
            "{:<20} {:>9} {:>9} {:>9} {:>8}",
            "class", "precision", "recall", "F1", "support"
        );
        for c in &classes {
            println!(
                "{:<20} {:>8.2}% {:>8.2}% {:>8.2}% {:>8}",
                c["label"].as_str().unwrap_or(""),
                100.0 * c["precision"].as_f64().unwrap_or(0.0),
                100.0 * c["recall"].as_f64().unwrap_or(0.0),
                100.0 * c["f1"].as_f64().unwrap_or(0.0),
                c["support"]
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `fankui init`.
#[derive(Debug, Args)]
pub(crate) struct InitArgs {
    /// Folder to write `fankui.toml` and `taxonomy.toml` into.
    #[arg(default_value = ".")]
    dir: PathBuf,
    /// Overwrite files that exist.
    #[arg(long)]
    force: bool,
}

pub(crate) fn init(args: InitArgs) -> Result<ExitCode> {
    std::fs::create_dir_all(&args.dir)
        .with_context(|| format!("cannot create {}", args.dir.display()))?;
    let mut config = EngineConfig::default();
    config.route.taxonomy = Some(PathBuf::from("taxonomy.toml"));
    let files = [
        ("taxonomy.toml", DEFAULT_TAXONOMY.to_owned()),
        (
            "fankui.toml",
            format!(
                "# fankui engine configuration: every key and its default. Use it with --config fankui.toml.\n{}",
                config.to_toml()
            ),
        ),
    ];
    for (name, _) in &files {
        let path = args.dir.join(name);
        if path.exists() && !args.force {
            bail!("{} exists; pass --force to overwrite it", path.display());
        }
    }
    for (name, text) in files {
        let path = args.dir.join(name);
        std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
        eprintln!("fankui: wrote {}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}
