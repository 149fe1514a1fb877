//! The one error type of the library.

use std::path::PathBuf;

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

    /// A configuration file could not be parsed or is invalid.
    #[error("invalid configuration {}: {message}", path.as_ref().map_or_else(|| "(inline)".to_owned(), |p| p.display().to_string()))]
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
}

/// The library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
