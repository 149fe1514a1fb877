//! Where complete history keeps analyses between its two passes: memory up to a limit, then
//! an unnamed temporary file, so memory stays flat whatever the input's size.

use std::fs::{File, OpenOptions};
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{Error, Result};

/// Bytes kept in memory before the spill moves to a file.
const MEMORY_LIMIT: usize = 32 << 20;

/// Length-prefixed entries (`u32` little-endian, then the bytes), written once and read back
/// once in order.
pub(crate) struct Spill {
    dir: Option<PathBuf>,
    memory: Vec<u8>,
    file: Option<BufWriter<TempFile>>,
}

impl Spill {
    /// A spill that moves to a file in `dir` (the system's temporary directory when `None`)
    /// past [`MEMORY_LIMIT`].
    pub(crate) fn new(dir: Option<PathBuf>) -> Self {
        Spill {
            dir,
            memory: Vec::new(),
            file: None,
        }
    }

    /// Appends whole entries.
    pub(crate) fn write(&mut self, bytes: &[u8]) -> Result<()> {
        if self.file.is_none() && self.memory.len() + bytes.len() > MEMORY_LIMIT {
            let mut file = BufWriter::with_capacity(1 << 20, TempFile::create(self.dir.take())?);
            file.write_all(&self.memory).map_err(spill_err)?;
            self.memory = Vec::new();
            self.file = Some(file);
        }
        match &mut self.file {
            Some(file) => file.write_all(bytes).map_err(spill_err),
            None => {
                self.memory.extend_from_slice(bytes);
                Ok(())
            }
        }
    }

    /// Reads the entries back, from the first.
    pub(crate) fn into_reader(self) -> Result<SpillReader> {
        let source: Box<dyn Read> = match self.file {
            Some(file) => {
                let mut file = file.into_inner().map_err(|e| spill_err(e.into_error()))?;
                file.file.seek(SeekFrom::Start(0)).map_err(spill_err)?;
                Box::new(BufReader::with_capacity(1 << 20, file))
            }
            None => Box::new(std::io::Cursor::new(self.memory)),
        };
        Ok(SpillReader {
            source,
            entry: Vec::new(),
        })
    }
}

/// Reads a [`Spill`]'s entries in order.
pub(crate) struct SpillReader {
    source: Box<dyn Read>,
    entry: Vec<u8>,
}

impl SpillReader {
    /// Reads up to `max` entries into `arena`, their places into `entries` (both cleared
    /// first); false when there were none left.
    pub(crate) fn next_block(
        &mut self,
        max: usize,
        arena: &mut Vec<u8>,
        entries: &mut Vec<std::ops::Range<usize>>,
    ) -> Result<bool> {
        arena.clear();
        entries.clear();
        while entries.len() < max {
            match self.next_entry()? {
                Some(e) => {
                    let start = arena.len();
                    arena.extend_from_slice(e);
                    entries.push(start..arena.len());
                }
                None => break,
            }
        }
        Ok(!entries.is_empty())
    }

    /// The next entry; `None` after the last.
    pub(crate) fn next_entry(&mut self) -> Result<Option<&[u8]>> {
        let mut len = [0u8; 4];
        match self.source.read_exact(&mut len) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
            Err(e) => return Err(spill_err(e)),
        }
        self.entry.resize(u32::from_le_bytes(len) as usize, 0);
        self.source.read_exact(&mut self.entry).map_err(spill_err)?;
        Ok(Some(&self.entry))
    }
}

fn spill_err(e: std::io::Error) -> Error {
    Error::io("cannot use the temporary file of complete history", e)
}

/// A file only this process sees: on Unix its name is removed as soon as it is created; elsewhere
/// when it is dropped.
struct TempFile {
    file: File,
    path: Option<PathBuf>,
}

impl TempFile {
    fn create(dir: Option<PathBuf>) -> Result<Self> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let dir = dir.unwrap_or_else(std::env::temp_dir);
        let path = dir.join(format!(
            "fankui-history-{}-{}.tmp",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| {
                Error::io(
                    format!("cannot create a temporary file in {}", dir.display()),
                    e,
                )
            })?;
        let path = if cfg!(unix) && std::fs::remove_file(&path).is_ok() {
            None
        } else {
            Some(path)
        };
        Ok(TempFile { file, path })
    }
}

impl Read for TempFile {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.file.read(buf)
    }
}

impl Write for TempFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.file.write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if let Some(path) = &self.path {
            let _ = std::fs::remove_file(path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(n: usize, size: usize) -> Vec<Vec<u8>> {
        (0..n)
            .map(|i| vec![(i % 251) as u8; size + i % 7])
            .collect()
    }

    fn round_trip(entries: &[Vec<u8>]) -> Vec<Vec<u8>> {
        let mut spill = Spill::new(None);
        for e in entries {
            let mut framed = (e.len() as u32).to_le_bytes().to_vec();
            framed.extend_from_slice(e);
            spill.write(&framed).unwrap();
        }
        let mut reader = spill.into_reader().unwrap();
        let mut back = Vec::new();
        while let Some(e) = reader.next_entry().unwrap() {
            back.push(e.to_vec());
        }
        back
    }

    #[test]
    fn entries_come_back_in_order_from_memory_and_from_a_file() {
        let small = entries(100, 10);
        assert_eq!(round_trip(&small), small);
        // 40 MiB: past the memory limit, so through a file.
        let large = entries(40, 1 << 20);
        assert_eq!(round_trip(&large), large);
    }

    #[test]
    fn a_missing_directory_is_a_clear_error() {
        let mut spill = Spill::new(Some(PathBuf::from("/nonexistent/fankui-spill")));
        let err = spill.write(&vec![0u8; MEMORY_LIMIT + 1]).unwrap_err();
        assert!(
            err.to_string().contains("/nonexistent/fankui-spill"),
            "{err}"
        );
    }
}
