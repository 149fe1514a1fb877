//! The one error type of the library.
//!
//! [`RejectReason`] (re-exported as `fankui::io::RejectReason`) lives here too: a reason can
//! carry an [`Error`] and some errors carry a reason.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::Utf8Error;
use std::sync::Arc;

/// Everything that can go wrong in the library.
///
/// Errors about one input record (a bad field, an empty text) name the record; errors about
/// files name the path and, where there is one, the line. Sources are kept, so `{:#}` (anyhow)
/// or [`std::error::Error::source`] walks the whole chain.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Reading or writing a file or stream failed.
    #[error("{context}")]
    Io {
        /// What was being done, with the path where there is one.
        context: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },

    /// A configuration, taxonomy or model is invalid (a value out of range, a missing or
    /// damaged part); a file that is not TOML, or has an unknown key, is [`Error::Toml`].
    #[error("invalid configuration {}: {message}", show_path(path.as_deref()))]
    Config {
        /// The file, if the configuration came from one.
        path: Option<PathBuf>,
        /// What is wrong, naming the key.
        message: String,
    },

    /// A dictionary, lexicon or word-list file has a bad line.
    #[error("{}:{line}: {message}", path.display())]
    Dictionary {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What is wrong with the line.
        message: String,
    },

    /// A record field is missing or has a value of the wrong type or range.
    #[error("record {record}: field `{field}`: {message}")]
    Field {
        /// The record's id, or its 1-based number when it has no id.
        record: String,
        /// The field name.
        field: String,
        /// What is wrong with it.
        message: String,
    },

    /// A record could not be parsed at all (malformed JSON or CSV, invalid UTF-8, too long).
    #[error("line {line}: {message}")]
    Malformed {
        /// 1-based line number where the record starts.
        line: u64,
        /// What is wrong.
        message: String,
    },

    /// A stream held no record that could be used (all were rejected, or there were none).
    #[error("no analysable record to {task}")]
    NoRecords {
        /// What the records were for.
        task: &'static str,
    },

    /// A TOML file (the engine configuration, a taxonomy) is not valid TOML, has an unknown
    /// key or has a value of the wrong type. The TOML error, with a snippet of the file, is
    /// the source (boxed, for it is large).
    #[error("invalid {what} {}{}", show_path(path.as_deref()), toml_place(*line, near.as_deref()))]
    Toml {
        /// What the file holds (`configuration`, `taxonomy`).
        what: &'static str,
        /// The file, if the text came from one.
        path: Option<PathBuf>,
        /// 1-based line of the error, when the parser gives its place.
        line: Option<usize>,
        /// The key or value at the error, when it is short.
        near: Option<String>,
        /// The underlying error.
        #[source]
        source: Box<toml::de::Error>,
    },

    /// A JSON document (a topic model, the header of a model file) cannot be parsed or
    /// written.
    #[error("{context}{}", json_place(source))]
    Json {
        /// What was being done, with the path where there is one.
        context: String,
        /// The underlying error.
        #[source]
        source: serde_json::Error,
    },

    /// A regular expression of a taxonomy does not compile.
    #[error("invalid configuration {}: taxonomy: department `{department}`: regex {index} does not compile", show_path(path.as_deref()))]
    Regex {
        /// The taxonomy file, if it came from one.
        path: Option<PathBuf>,
        /// The department's id.
        department: String,
        /// 1-based number of the regex within the department.
        index: usize,
        /// The underlying error.
        #[source]
        source: regex::Error,
    },

    /// A phrase of a list (the taxonomy's phrases, the kind cues, the risk lexicon) is
    /// malformed: empty, with an empty part or more than three parts, or a misplaced `*`.
    #[error("{}`{pattern}`: {message}", list_prefix(list, path.as_deref()))]
    Phrase {
        /// The list (`taxonomy`, `kind cues`, `risk lexicon`), or empty when not known.
        list: &'static str,
        /// The file the list came from, if any.
        path: Option<PathBuf>,
        /// The phrase as given.
        pattern: String,
        /// What is wrong with it.
        message: String,
    },

    /// Phrase lists too large for one automaton (over 2^31 states) or one index (over 4 GiB
    /// of patterns).
    #[error("{}{phrases} phrases of {bytes} bytes in all are too many for one automaton", list_prefix(list, path.as_deref()))]
    TooManyPhrases {
        /// The list (`taxonomy`, `kind cues`, `risk lexicon`), or empty when the lists of an
        /// engine are indexed together.
        list: &'static str,
        /// The file the list came from, if any.
        path: Option<PathBuf>,
        /// Number of patterns.
        phrases: usize,
        /// Their bytes, in all.
        bytes: usize,
        /// The automaton's error, when building one failed.
        #[source]
        source: Option<aho_corasick::BuildError>,
    },

    /// The header row of a CSV or TSV input cannot be read.
    #[error("{}line {line}: bad header row", file_prefix(path.as_deref()))]
    BadHeader {
        /// The file, when the input is one.
        path: Option<PathBuf>,
        /// 1-based line where the row starts.
        line: u64,
        /// Why.
        #[source]
        reason: RejectReason,
    },

    /// A record that a task cannot skip (a record of a labelled file) cannot be read.
    #[error("{}line {line}: unreadable record", file_prefix(path.as_deref()))]
    BadRecord {
        /// The file, when the input is one.
        path: Option<PathBuf>,
        /// 1-based line where the record starts.
        line: u64,
        /// Why.
        #[source]
        reason: RejectReason,
    },

    /// A CSV output cannot be written for another reason than I/O (I/O errors are
    /// [`Error::Io`]).
    #[error("{context}")]
    Csv {
        /// What was being done.
        context: String,
        /// The underlying error.
        #[source]
        source: csv::Error,
    },

    /// A thread pool could not be built.
    #[error("cannot build a thread pool of {threads} threads")]
    ThreadPool {
        /// Requested number of threads.
        threads: usize,
        /// The underlying error.
        #[source]
        source: rayon::ThreadPoolBuildError,
    },
}

impl Error {
    /// An I/O error with a description of what was being done.
    pub(crate) fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source,
        }
    }

    /// A field error for record `record`.
    pub(crate) fn field(
        record: impl Into<String>,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Error::Field {
            record: record.into(),
            field: field.into(),
            message: message.into(),
        }
    }

    /// A TOML error of `what` parsed from `text` (read from `path`), placed by line and by
    /// the key or value it points at. An unknown key's error spans its whole table: the key
    /// is then looked for in the table, to name its own line.
    pub(crate) fn toml(
        what: &'static str,
        text: &str,
        path: Option<&Path>,
        source: toml::de::Error,
    ) -> Self {
        let line_at = |at: usize| {
            text.get(..at)
                .map(|before| before.bytes().filter(|&b| b == b'\n').count() + 1)
        };
        let span = source.span().filter(|s| text.get(s.clone()).is_some());
        let unknown = source
            .message()
            .strip_prefix("unknown field `")
            .and_then(|rest| rest.split_once('`'))
            .map(|(key, _)| key.to_owned());
        let (line, near) = match (span, unknown) {
            (Some(span), Some(key)) => {
                let at = key_line(text, span.clone(), &key).unwrap_or(span.start);
                (line_at(at), Some(key))
            }
            (Some(span), None) => {
                let near = text
                    .get(span.clone())
                    .map(str::trim)
                    .filter(|t| !t.is_empty() && t.len() <= 80 && !t.contains('\n'))
                    .map(str::to_owned);
                (line_at(span.start), near)
            }
            (None, key) => (None, key),
        };
        Error::Toml {
            what,
            path: path.map(Path::to_path_buf),
            line,
            near,
            source: Box::new(source),
        }
    }

    /// Names the phrase list of an [`Error::Phrase`] or [`Error::TooManyPhrases`]; other
    /// errors are returned as they are.
    pub(crate) fn in_list(mut self, name: &'static str) -> Self {
        if let Error::Phrase { list, .. } | Error::TooManyPhrases { list, .. } = &mut self {
            *list = name;
        }
        self
    }

    /// Names the file of an [`Error::Phrase`], [`Error::TooManyPhrases`] or [`Error::Regex`]
    /// that has none; other errors are returned as they are.
    pub(crate) fn in_file(mut self, file: Option<&Path>) -> Self {
        if let Error::Phrase { path, .. }
        | Error::TooManyPhrases { path, .. }
        | Error::Regex { path, .. } = &mut self
        {
            if path.is_none() {
                *path = file.map(Path::to_path_buf);
            }
        }
        self
    }

    /// A JSON error with a description of what was being done.
    pub(crate) fn json(context: impl Into<String>, source: serde_json::Error) -> Self {
        Error::Json {
            context: context.into(),
            source,
        }
    }
}

fn show_path(path: Option<&Path>) -> String {
    path.map_or_else(|| "(inline)".to_owned(), |p| p.display().to_string())
}

fn file_prefix(path: Option<&Path>) -> String {
    path.map_or_else(String::new, |p| format!("{}: ", p.display()))
}

fn list_prefix(list: &str, path: Option<&Path>) -> String {
    match (list, path) {
        ("", _) => String::new(),
        (list, None) => format!("{list}: "),
        (list, Some(p)) => format!("{list} {}: ", p.display()),
    }
}

/// Where the line that sets `key` (`key = …`, `key.sub = …`, `[key]`, `[[key]]`) starts
/// within `span` of `text`.
fn key_line(text: &str, span: std::ops::Range<usize>, key: &str) -> Option<usize> {
    let mut at = span.start;
    for line in text.get(span)?.split_inclusive('\n') {
        let rest = line.trim_start().trim_start_matches('[');
        let sets = rest.strip_prefix(key).is_some_and(|after| {
            matches!(after.trim_start().chars().next(), Some('=' | '.' | ']'))
        });
        if sets {
            return Some(at);
        }
        at += line.len();
    }
    None
}

fn toml_place(line: Option<usize>, near: Option<&str>) -> String {
    let mut out = String::new();
    if let Some(line) = line {
        out.push_str(&format!(", line {line}"));
    }
    if let Some(near) = near {
        out.push_str(&format!(", at `{near}`"));
    }
    out
}

fn json_place(source: &serde_json::Error) -> String {
    if source.line() == 0 {
        String::new()
    } else {
        format!(", line {}, column {}", source.line(), source.column())
    }
}

/// The library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why a record was rejected. Its [`Display`](fmt::Display) is the `reason` written to the
/// rejects file; [`source`](std::error::Error::source) gives the underlying error, where
/// there is one (for a JSON or UTF-8 error its message is already part of the reason).
///
/// Underlying errors that are not `Clone` are shared (`Arc`), so a reason can be cloned.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum RejectReason {
    /// The record is not valid UTF-8 (`invalid UTF-8 at column N`, the first bad byte).
    InvalidUtf8(Utf8Error),
    /// The record holds a NUL byte (`NUL byte at column N`).
    Nul {
        /// 1-based byte column.
        column: usize,
    },
    /// The record is not JSON (`malformed JSON: …`).
    MalformedJson(Arc<serde_json::Error>),
    /// A line of analysed output is not JSON, as the report's own scanner found
    /// (`malformed JSON: …`).
    JsonSyntax(JsonSyntaxError),
    /// The record is JSON, but not an object (`expected a JSON object, found an array`).
    NotAnObject {
        /// What it is instead (`an array`, `a string`, `a number`, `a boolean`, `null`).
        found: &'static str,
    },
    /// A CSV or TSV field holds a NUL byte (``field `name`: NUL byte``).
    FieldNul {
        /// The column's name.
        field: String,
    },
    /// A CSV or TSV field is not valid UTF-8 (``field `name`: invalid UTF-8 at byte N``).
    FieldInvalidUtf8 {
        /// The column's name.
        field: String,
        /// The underlying error.
        source: Utf8Error,
    },
    /// A JSONL line is longer than the limit (`line is N bytes, over the limit of M bytes`).
    LineTooLong {
        /// Its length.
        bytes: u64,
        /// The limit.
        limit: usize,
    },
    /// A CSV or TSV record is longer than the limit (`record is over the limit of M bytes`).
    RecordTooLong {
        /// The limit.
        limit: usize,
        /// Whether a quoted field was still open when the limit was reached (the reason then
        /// asks whether a quote is unterminated).
        open_quote: bool,
    },
    /// A quoted CSV field never closed where a field can end
    /// (`unterminated quote opened at line L: …`). The record is the row up to the end of
    /// line L, and reading resumes at line L + 1.
    UnterminatedQuote {
        /// The line where the quote opened.
        line: u64,
        /// What showed it.
        sign: OpenQuote,
    },
    /// A CSV or TSV row does not have as many fields as the header.
    FieldCount {
        /// Fields in the header.
        expected: usize,
        /// Fields in the row.
        found: usize,
    },
    /// A field is missing or has a value of the wrong type or range ([`Error::Field`]);
    /// displayed as that error.
    Field(Arc<Error>),
    /// The record was read, but analysing it (or the caller's function of it) failed;
    /// displayed as that error.
    Analysis(Arc<Error>),
}

/// What showed that a quoted CSV field was left open ([`RejectReason::UnterminatedQuote`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenQuote {
    /// The input ended inside it.
    EndOfInput,
    /// It spanned more lines than a field may (`StreamOptions::max_quoted_lines`).
    Lines(usize),
    /// A quote that would have closed it, on a later line, is followed by text instead of a
    /// delimiter or a line end: the quotes were paired wrongly.
    TextAfterClose {
        /// The line of that quote.
        line: u64,
    },
}

impl fmt::Display for RejectReason {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            RejectReason::InvalidUtf8(e) => {
                write!(f, "invalid UTF-8 at column {}", e.valid_up_to() + 1)
            }
            RejectReason::Nul { column } => write!(f, "NUL byte at column {column}"),
            RejectReason::MalformedJson(e) => write!(f, "malformed JSON: {e}"),
            RejectReason::JsonSyntax(e) => write!(f, "malformed JSON: {e}"),
            RejectReason::NotAnObject { found } => {
                write!(f, "expected a JSON object, found {found}")
            }
            RejectReason::FieldNul { field } => write!(f, "field `{field}`: NUL byte"),
            RejectReason::FieldInvalidUtf8 { field, source } => write!(
                f,
                "field `{field}`: invalid UTF-8 at byte {}",
                source.valid_up_to() + 1
            ),
            RejectReason::LineTooLong { bytes, limit } => {
                write!(f, "line is {bytes} bytes, over the limit of {limit} bytes")
            }
            RejectReason::RecordTooLong { limit, open_quote } => {
                let hint = if *open_quote {
                    " (an unterminated quote?)"
                } else {
                    ""
                };
                write!(f, "record is over the limit of {limit} bytes{hint}")
            }
            RejectReason::UnterminatedQuote { line, sign } => {
                write!(f, "unterminated quote opened at line {line}: ")?;
                match sign {
                    OpenQuote::EndOfInput => f.write_str("the input ends inside it")?,
                    OpenQuote::Lines(n) => write!(f, "still open after {n} lines")?,
                    OpenQuote::TextAfterClose { line } => write!(
                        f,
                        "the quote that would close it on line {line} is followed by text, not a delimiter"
                    )?,
                }
                write!(f, "; reading resumed at line {}", line + 1)
            }
            RejectReason::FieldCount { expected, found } => write!(
                f,
                "expected {expected} fields as in the header, found {found}"
            ),
            RejectReason::Field(e) | RejectReason::Analysis(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for RejectReason {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            RejectReason::InvalidUtf8(e) | RejectReason::FieldInvalidUtf8 { source: e, .. } => {
                Some(e)
            }
            RejectReason::MalformedJson(e) => Some(&**e),
            RejectReason::JsonSyntax(e) => Some(e),
            // Shown as the wrapped error, so its source is theirs.
            RejectReason::Field(e) | RejectReason::Analysis(e) => std::error::Error::source(&**e),
            _ => None,
        }
    }
}

impl RejectReason {
    /// Malformed JSON, as [`RejectReason::MalformedJson`].
    pub(crate) fn json(error: serde_json::Error) -> Self {
        RejectReason::MalformedJson(Arc::new(error))
    }

    /// A field error, as [`RejectReason::Field`].
    pub(crate) fn field(error: Error) -> Self {
        RejectReason::Field(Arc::new(error))
    }

    /// A failed analysis, as [`RejectReason::Analysis`].
    pub(crate) fn analysis(error: Error) -> Self {
        RejectReason::Analysis(Arc::new(error))
    }
}

/// Where a line of analysed output stops being JSON, and what was expected there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonSyntaxError {
    what: &'static str,
    column: usize,
}

impl JsonSyntaxError {
    pub(crate) fn new(what: &'static str, column: usize) -> Self {
        JsonSyntaxError { what, column }
    }

    /// What is wrong, or what was expected (`expected a value`, `unterminated string`, …).
    #[must_use]
    pub fn what(&self) -> &'static str {
        self.what
    }

    /// 1-based byte column.
    #[must_use]
    pub fn column(&self) -> usize {
        self.column
    }
}

impl fmt::Display for JsonSyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{} at column {}", self.what, self.column)
    }
}

impl std::error::Error for JsonSyntaxError {}
