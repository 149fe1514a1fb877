//! A file that exists only once something is written to it.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use flate2::write::GzEncoder;

use super::is_gzip;

/// A file created on its first write, so that a run with nothing to say in it (no rejects,
/// say) leaves no empty file behind, nor an old one: after [`LazyFile::finish`] the file
/// exists exactly when something was written to it (or [`LazyFile::create`] was called). A
/// path ending in `.gz` is written gzip-compressed.
///
/// # Examples
///
/// ```
/// use std::io::Write;
/// use fankui::io::LazyFile;
///
/// let dir = std::env::temp_dir().join(format!("fankui-lazy-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// std::fs::write(dir.join("quiet.jsonl"), "an earlier run's\n")?;
/// let quiet = LazyFile::new(dir.join("quiet.jsonl"));
/// assert!(!quiet.finish()?, "nothing written, no file");
/// assert!(!dir.join("quiet.jsonl").exists(), "nor the earlier one");
///
/// let mut said = LazyFile::new(dir.join("said.jsonl"));
/// writeln!(said, "{{\"line\":3}}")?;
/// assert!(said.finish()?);
/// assert_eq!(std::fs::read_to_string(dir.join("said.jsonl"))?, "{\"line\":3}\n");
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct LazyFile {
    path: PathBuf,
    out: Option<Out>,
}

enum Out {
    Plain(BufWriter<File>),
    Gz(GzEncoder<BufWriter<File>>),
}

impl Out {
    fn writer(&mut self) -> &mut dyn Write {
        match self {
            Out::Plain(w) => w,
            Out::Gz(w) => w,
        }
    }
}

impl LazyFile {
    /// A file at `path`, not created yet.
    #[must_use]
    pub fn new(path: impl Into<PathBuf>) -> Self {
        LazyFile {
            path: path.into(),
            out: None,
        }
    }

    /// Where the file is, or would be.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether anything was written, so the file exists.
    #[must_use]
    pub fn created(&self) -> bool {
        self.out.is_some()
    }

    /// Flushes and closes the file (ending the gzip stream); returns whether it was created.
    /// When it was not, a file an earlier run left at the path is removed.
    ///
    /// # Errors
    ///
    /// Writing the last bytes failed, or the old file cannot be removed.
    pub fn finish(mut self) -> io::Result<bool> {
        match self.out.take() {
            Some(Out::Plain(mut w)) => w.flush().map(|()| true),
            Some(Out::Gz(w)) => w.finish()?.flush().map(|()| true),
            None => match std::fs::remove_file(&self.path) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => Err(io::Error::new(
                    e.kind(),
                    format!("cannot remove the old {}: {e}", self.path.display()),
                )),
                _ => Ok(false),
            },
        }
    }

    /// Creates the file now, empty, if it is not there yet: for a file the user named, which
    /// should exist after the run whatever is written to it.
    ///
    /// # Errors
    ///
    /// The file cannot be created.
    pub fn create(&mut self) -> io::Result<()> {
        self.open().map(|_| ())
    }

    fn open(&mut self) -> io::Result<&mut dyn Write> {
        if self.out.is_none() {
            let file = File::create(&self.path).map_err(|e| {
                io::Error::new(
                    e.kind(),
                    format!("cannot create {}: {e}", self.path.display()),
                )
            })?;
            let file = BufWriter::with_capacity(1 << 16, file);
            self.out = Some(if is_gzip(&self.path) {
                Out::Gz(GzEncoder::new(file, flate2::Compression::fast()))
            } else {
                Out::Plain(file)
            });
        }
        Ok(self.out.as_mut().expect("opened above").writer())
    }
}

impl Write for LazyFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        self.open()?.write(buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        if buf.is_empty() {
            return Ok(());
        }
        self.open()?.write_all(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.out {
            Some(out) => out.writer().flush(),
            None => Ok(()),
        }
    }
}

impl std::fmt::Debug for LazyFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LazyFile")
            .field("path", &self.path)
            .field("created", &self.created())
            .finish()
    }
}
