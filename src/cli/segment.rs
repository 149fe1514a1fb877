//! `fankui segment`.

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Args;

use super::files::{open_input, open_output};
use super::{parallelism, EngineArgs};

#[derive(Debug, Args)]
pub(crate) struct SegmentArgs {
    /// Input text file (`.gz` too); stdin when absent or `-`.
    input: Option<PathBuf>,
    /// Output file; stdout when absent or `-`.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Worker threads; 0 = one per core.
    #[arg(long, short = 'j', value_name = "N")]
    threads: Option<usize>,
    #[command(flatten)]
    engine: EngineArgs,
}

const CHUNK: usize = 4096;

pub(crate) fn run(args: SegmentArgs) -> Result<ExitCode> {
    let engine = args.engine.build(parallelism(args.threads))?;
    let input = args.input.unwrap_or_else(|| PathBuf::from("-"));
    let (reader, _) = open_input(&input)?;
    let mut reader = BufReader::new(reader);
    let mut out = open_output(args.output.as_deref())?;
    let mut lines: Vec<String> = Vec::with_capacity(CHUNK);
    let mut buf = Vec::new();
    let mut line_no = 0u64;
    loop {
        buf.clear();
        let n = reader
            .read_until(b'\n', &mut buf)
            .with_context(|| format!("cannot read {}", input.display()))?;
        if n > 0 {
            line_no += 1;
            while matches!(buf.last(), Some(b'\n' | b'\r')) {
                buf.pop();
            }
            if line_no == 1 && buf.starts_with(b"\xEF\xBB\xBF") {
                buf.drain(..3);
            }
            let line = match String::from_utf8(std::mem::take(&mut buf)) {
                Ok(s) => s,
                Err(e) => {
                    eprintln!("fankui: line {line_no}: invalid UTF-8, replaced with U+FFFD");
                    String::from_utf8_lossy(e.as_bytes()).into_owned()
                }
            };
            lines.push(line);
        }
        if lines.len() >= CHUNK || (n == 0 && !lines.is_empty()) {
            let segmented = engine_map(&engine, &lines);
            for words in segmented {
                out.write_all(words.as_bytes())?;
                out.write_all(b"\n")?;
            }
            lines.clear();
        }
        if n == 0 {
            break;
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn engine_map(engine: &fankui::Engine, lines: &[String]) -> Vec<String> {
    engine
        .segment_batch(lines)
        .iter()
        .zip(lines)
        .map(|(tokens, line)| {
            let words: Vec<&str> = tokens.iter().map(|t| &line[t.span()]).collect();
            words.join(" ")
        })
        .collect()
}
