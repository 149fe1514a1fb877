//! Opening inputs and outputs: `-` for stdin/stdout, `.gz` transparently.

use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::Path;

use anyhow::{bail, Context, Result};
use clap::ValueEnum;
use flate2::read::MultiGzDecoder;
use flate2::write::GzEncoder;

use fankui::io::{is_gzip, InputFormat};

/// Opens `path` for reading (`-` is stdin); returns the reader and the file size if known.
pub(crate) fn open_input(path: &Path) -> Result<(Box<dyn Read + Send>, Option<u64>)> {
    if path == Path::new("-") {
        return Ok((Box::new(io::stdin()), None));
    }
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let size = file.metadata().ok().map(|m| m.len());
    let reader = BufReader::with_capacity(1 << 20, file);
    Ok(if is_gzip(path) {
        (Box::new(MultiGzDecoder::new(reader)), None)
    } else {
        (Box::new(reader), size)
    })
}

/// Opens `path` like [`open_input`] for a reader with its own buffer (the report's record
/// reader): a plain file is read straight into that buffer, not copied through a second one.
pub(crate) fn open_buffered_input(path: &Path) -> Result<Box<dyn Read + Send>> {
    if path == Path::new("-") || is_gzip(path) {
        return Ok(open_input(path)?.0);
    }
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    Ok(Box::new(file))
}

/// Opens `path` for writing (`-` or `None` is stdout).
pub(crate) fn open_output(path: Option<&Path>) -> Result<Box<dyn Write + Send>> {
    let Some(path) = path.filter(|p| *p != Path::new("-")) else {
        return Ok(Box::new(BufWriter::with_capacity(1 << 20, io::stdout())));
    };
    let file = File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    let writer = BufWriter::with_capacity(1 << 20, file);
    Ok(if is_gzip(path) {
        Box::new(GzEncoder::new(writer, flate2::Compression::fast()))
    } else {
        Box::new(writer)
    })
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum Format {
    Jsonl,
    Csv,
    Tsv,
}

/// The input format: as given, else from the extension (stdin: JSONL).
pub(crate) fn input_format(format: Option<Format>, input: &Path) -> Result<InputFormat> {
    Ok(match format {
        Some(Format::Jsonl) => InputFormat::Jsonl,
        Some(Format::Csv) => InputFormat::Csv,
        Some(Format::Tsv) => InputFormat::Tsv,
        None if input == Path::new("-") => InputFormat::Jsonl,
        None => match InputFormat::from_path(input) {
            Some(f) => f,
            None => bail!(
                "cannot tell the format of {} from its extension: use --format jsonl|csv|tsv",
                input.display()
            ),
        },
    })
}
