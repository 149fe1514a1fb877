//! Input and output formats.

use std::path::Path;

use serde::{Deserialize, Serialize};

/// The format of an input file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InputFormat {
    /// One JSON object a line.
    Jsonl,
    /// Comma-separated values with a header row (RFC 4180 quoting).
    Csv,
    /// Tab-separated values with a header row (same quoting rules as CSV).
    Tsv,
}

impl InputFormat {
    /// The format a path's extension names (`.jsonl`, `.json`, `.ndjson`, `.csv`, `.tsv`,
    /// optionally followed by `.gz`), or `None`.
    ///
    /// # Examples
    ///
    /// ```
    /// use fankui::io::InputFormat;
    /// use std::path::Path;
    ///
    /// assert_eq!(InputFormat::from_path(Path::new("dump.csv.gz")), Some(InputFormat::Csv));
    /// assert_eq!(InputFormat::from_path(Path::new("reviews.jsonl")), Some(InputFormat::Jsonl));
    /// assert_eq!(InputFormat::from_path(Path::new("notes.txt")), None);
    /// ```
    #[must_use]
    pub fn from_path(path: &Path) -> Option<Self> {
        let name = path.file_name()?.to_str()?.to_ascii_lowercase();
        let name = name.strip_suffix(".gz").unwrap_or(&name);
        let ext = name.rsplit_once('.')?.1;
        match ext {
            "jsonl" | "json" | "ndjson" => Some(InputFormat::Jsonl),
            "csv" => Some(InputFormat::Csv),
            "tsv" | "tab" => Some(InputFormat::Tsv),
            _ => None,
        }
    }

    /// The field delimiter of CSV-like formats.
    #[must_use]
    pub fn delimiter(self) -> Option<u8> {
        match self {
            InputFormat::Jsonl => None,
            InputFormat::Csv => Some(b','),
            InputFormat::Tsv => Some(b'\t'),
        }
    }
}

/// The format of the analysed output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OutputFormat {
    /// One JSON object a line (the contract format).
    #[default]
    Jsonl,
    /// CSV with a header row; nested fields are flattened.
    Csv,
}

impl OutputFormat {
    /// `jsonl` or `csv`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            OutputFormat::Jsonl => "jsonl",
            OutputFormat::Csv => "csv",
        }
    }
}

impl InputFormat {
    /// `jsonl`, `csv` or `tsv`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            InputFormat::Jsonl => "jsonl",
            InputFormat::Csv => "csv",
            InputFormat::Tsv => "tsv",
        }
    }
}

crate::types::display_as_str!(InputFormat, OutputFormat);

/// Whether a path names gzip data.
#[must_use]
pub fn is_gzip(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("gz"))
}
