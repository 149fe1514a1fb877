//! Department queues sorted by priority in constant memory.
//!
//! While the input streams by, each department's rows go to a spill file in input order, and
//! the bytes of each priority score (0–100) are counted. At the end the final file's layout is
//! known: score 100's rows first, then 99's, and so on. One sequential read of the spill writes
//! every row straight to its place, through one buffered handle per score. Rows of equal score
//! keep input order. No sort, no row held in memory.

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The columns of `departments/<id>.csv`.
pub const QUEUE_COLUMNS: &[&str] = &[
    "priority",
    "level",
    "id",
    "kind",
    "sentiment",
    "sentiment_score",
    "topic",
    "topic_label",
    "evidence",
    "keywords",
    "reasons",
    "customer_id",
    "channel",
    "created_at",
    "product",
    "store",
    "text",
];

/// Rows of one batch for the queues: each entry's CSV row and JSON line lie in `bytes`.
#[derive(Debug, Default)]
pub(crate) struct QueueBatch {
    pub bytes: Vec<u8>,
    pub entries: Vec<QueueEntry>,
}

#[derive(Debug)]
pub(crate) struct QueueEntry {
    pub department: Box<str>,
    pub score: u8,
    pub csv: Range<usize>,
    pub json: Range<usize>,
}

/// One output file in the making.
struct Spill {
    path: PathBuf,
    writer: BufWriter<File>,
    /// Bytes of rows per priority score.
    bytes: [u64; 101],
}

impl Spill {
    fn create(path: PathBuf) -> Result<Spill> {
        let file = File::create(&path)
            .map_err(|e| Error::io(format!("cannot create {}", path.display()), e))?;
        Ok(Spill {
            path,
            writer: BufWriter::with_capacity(1 << 16, file),
            bytes: [0; 101],
        })
    }

    fn push(&mut self, score: u8, row: &[u8]) -> Result<()> {
        let score = score.min(100);
        let len = u32::try_from(row.len()).unwrap_or(u32::MAX);
        let mut head = [0u8; 5];
        head[0] = score;
        head[1..].copy_from_slice(&len.to_le_bytes());
        self.writer
            .write_all(&head)
            .and_then(|()| self.writer.write_all(&row[..len as usize]))
            .map_err(|e| Error::io(format!("cannot write {}", self.path.display()), e))?;
        self.bytes[usize::from(score)] += u64::from(len);
        Ok(())
    }

    /// Writes the rows into `target` (after `header`), highest score first, and removes the
    /// spill.
    fn finish(self, target: &Path, header: &[u8]) -> Result<()> {
        let err = |what: &str, path: &Path, e| Error::io(format!("{what} {}", path.display()), e);
        let Spill {
            path,
            writer,
            bytes,
        } = self;
        writer
            .into_inner()
            .map_err(|e| err("cannot write", &path, e.into_error()))?;
        let mut out = File::create(target).map_err(|e| err("cannot create", target, e))?;
        out.write_all(header)
            .map_err(|e| err("cannot write", target, e))?;
        drop(out);
        let mut writers: Vec<Option<BufWriter<File>>> = (0..=100).map(|_| None).collect();
        let mut offset = header.len() as u64;
        for score in (0..=100usize).rev() {
            if bytes[score] == 0 {
                continue;
            }
            let mut f = OpenOptions::new()
                .write(true)
                .open(target)
                .map_err(|e| err("cannot open", target, e))?;
            f.seek(SeekFrom::Start(offset))
                .map_err(|e| err("cannot write", target, e))?;
            writers[score] = Some(BufWriter::with_capacity(1 << 16, f));
            offset += bytes[score];
        }
        let mut reader = BufReader::with_capacity(
            1 << 20,
            File::open(&path).map_err(|e| err("cannot read", &path, e))?,
        );
        let mut row = Vec::new();
        let mut head = [0u8; 5];
        loop {
            match reader.read_exact(&mut head) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => break,
                Err(e) => return Err(err("cannot read", &path, e)),
            }
            let len = u32::from_le_bytes([head[1], head[2], head[3], head[4]]) as usize;
            row.resize(len, 0);
            reader
                .read_exact(&mut row)
                .map_err(|e| err("cannot read", &path, e))?;
            let w = writers[usize::from(head[0])]
                .as_mut()
                .expect("every score with rows has a writer");
            w.write_all(&row)
                .map_err(|e| err("cannot write", target, e))?;
        }
        for w in writers.into_iter().flatten() {
            w.into_inner()
                .map_err(|e| err("cannot write", target, e.into_error()))?;
        }
        fs::remove_file(&path).map_err(|e| err("cannot remove", &path, e))?;
        Ok(())
    }
}

/// The queues of all departments.
pub(crate) struct Queues {
    dir: PathBuf,
    spills: BTreeMap<Box<str>, (Spill, Spill, u64)>,
    csv_header: Vec<u8>,
}

impl Queues {
    /// Queues written into `dir` (created if missing).
    pub(crate) fn new(dir: &Path) -> Result<Queues> {
        fs::create_dir_all(dir)
            .map_err(|e| Error::io(format!("cannot create {}", dir.display()), e))?;
        let mut csv_header = Vec::new();
        csv_record(&mut csv_header, QUEUE_COLUMNS);
        Ok(Queues {
            dir: dir.to_owned(),
            spills: BTreeMap::new(),
            csv_header,
        })
    }

    pub(crate) fn push(&mut self, batch: &QueueBatch) -> Result<()> {
        for e in &batch.entries {
            if !self.spills.contains_key(&e.department) {
                // Spills are numbered: two ids may share a file name.
                let n = self.spills.len();
                let csv = Spill::create(self.dir.join(format!(".queue-{n}.csv.spill")))?;
                let jsonl = Spill::create(self.dir.join(format!(".queue-{n}.jsonl.spill")))?;
                self.spills.insert(e.department.clone(), (csv, jsonl, 0));
            }
            let (csv, jsonl, n) = self.spills.get_mut(&e.department).expect("inserted");
            csv.push(e.score, &batch.bytes[e.csv.clone()])?;
            jsonl.push(e.score, &batch.bytes[e.json.clone()])?;
            *n += 1;
        }
        Ok(())
    }

    /// Writes the sorted files; returns each department's queue length and file stem.
    pub(crate) fn finish(self) -> Result<Vec<(String, String, u64)>> {
        let mut out = Vec::new();
        let mut used = std::collections::HashSet::new();
        for (department, (csv, jsonl, n)) in self.spills {
            let mut name = file_name(&department);
            let stem = name.clone();
            let mut k = 1;
            while !used.insert(name.clone()) {
                k += 1;
                name = format!("{stem}-{k}");
            }
            csv.finish(&self.dir.join(format!("{name}.csv")), &self.csv_header)?;
            jsonl.finish(&self.dir.join(format!("{name}.jsonl")), b"")?;
            out.push((department.into(), name, n));
        }
        Ok(out)
    }
}

/// A department id as a file name: anything but letters, digits, `-` and `_` becomes `_`.
pub(crate) fn file_name(id: &str) -> String {
    let s: String = id
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if s.is_empty() {
        "_".into()
    } else {
        s
    }
}

/// Appends one CSV record (RFC 4180: a field with a comma, quote or line break is quoted,
/// quotes doubled; `\n` ends the record).
pub(crate) fn csv_record(out: &mut Vec<u8>, fields: &[&str]) {
    let mut record = CsvRecord::new(out);
    for f in fields {
        record.field(f);
    }
    record.end();
}

/// One CSV record built field by field straight into a byte buffer: numbers are formatted and
/// lists joined in place, and a field is quoted after it is written, only if it needs it.
/// Rows are made one at a time in the parallel batches, where a `csv::Writer` per row would
/// allocate its buffer each time.
pub(crate) struct CsvRecord<'o> {
    out: &'o mut Vec<u8>,
    fields: usize,
}

impl<'o> CsvRecord<'o> {
    pub(crate) fn new(out: &'o mut Vec<u8>) -> CsvRecord<'o> {
        CsvRecord { out, fields: 0 }
    }

    fn begin(&mut self) -> usize {
        if self.fields > 0 {
            self.out.push(b',');
        }
        self.fields += 1;
        self.out.len()
    }

    pub(crate) fn field(&mut self, value: &str) -> &mut Self {
        let start = self.begin();
        self.out.extend_from_slice(value.as_bytes());
        self.quote_from(start);
        self
    }

    /// A field of `parts` joined by `separator`.
    pub(crate) fn joined<S: AsRef<str>>(
        &mut self,
        parts: impl IntoIterator<Item = S>,
        separator: &str,
    ) -> &mut Self {
        let start = self.begin();
        for (i, part) in parts.into_iter().enumerate() {
            if i > 0 {
                self.out.extend_from_slice(separator.as_bytes());
            }
            self.out.extend_from_slice(part.as_ref().as_bytes());
        }
        self.quote_from(start);
        self
    }

    /// A field written with `Display`.
    pub(crate) fn display(&mut self, value: impl std::fmt::Display) -> &mut Self {
        let start = self.begin();
        // Writing into a Vec cannot fail.
        let _ = write!(self.out, "{value}");
        self.quote_from(start);
        self
    }

    /// Ends the record.
    pub(crate) fn end(self) {
        self.out.push(b'\n');
    }

    /// Quotes the field that starts at `start` (the end of the buffer) if it needs it.
    fn quote_from(&mut self, start: usize) {
        let field = &self.out[start..];
        let special = |c: &u8| matches!(c, b',' | b'"' | b'\n' | b'\r');
        let quote = if field.len() < 64 {
            field.iter().any(special)
        } else {
            memchr::memchr3(b',', b'"', b'\n', field).is_some()
                || memchr::memchr(b'\r', field).is_some()
        };
        if !quote {
            return;
        }
        let quotes = memchr::memchr_iter(b'"', field).count();
        let old = self.out.len();
        self.out.resize(old + quotes + 2, 0);
        let out = &mut *self.out;
        if quotes == 0 {
            out.copy_within(start..old, start + 1);
        } else {
            // Move the field right from its end, doubling quotes on the way.
            let (mut read, mut write) = (old, old + quotes + 1);
            while read > start {
                read -= 1;
                write -= 1;
                out[write] = out[read];
                if out[read] == b'"' {
                    write -= 1;
                    out[write] = b'"';
                }
            }
        }
        out[start] = b'"';
        let last = out.len() - 1;
        out[last] = b'"';
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_come_out_by_score_then_input_order() {
        let dir = tempfile::tempdir().unwrap();
        let mut spill = Spill::create(dir.path().join("x.spill")).unwrap();
        let rows = [
            (10u8, "a"),
            (90, "b"),
            (10, "c"),
            (100, "d"),
            (0, "e"),
            (90, "f"),
        ];
        for (s, r) in rows {
            spill.push(s, format!("{r}\n").as_bytes()).unwrap();
        }
        let target = dir.path().join("x.csv");
        spill.finish(&target, b"head\n").unwrap();
        assert_eq!(
            fs::read_to_string(&target).unwrap(),
            "head\nd\nb\nf\na\nc\ne\n"
        );
        assert!(!dir.path().join("x.spill").exists());
    }

    #[test]
    fn csv_records_read_back() {
        let mut out = Vec::new();
        csv_record(&mut out, &["a", "b,c", "say \"hi\"\nbye", ""]);
        let mut record = CsvRecord::new(&mut out);
        record
            .joined(["x", "y\"", "z"], ", ")
            .display(-0.5)
            .joined(Vec::<&str>::new(), "|")
            .field(&"long, ".repeat(20));
        record.end();
        let mut r = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(out.as_slice());
        let rec = r.records().next().unwrap().unwrap();
        assert_eq!(
            rec.iter().collect::<Vec<_>>(),
            ["a", "b,c", "say \"hi\"\nbye", ""]
        );
        let rec = r.records().next().unwrap().unwrap();
        let long = "long, ".repeat(20);
        assert_eq!(
            rec.iter().collect::<Vec<_>>(),
            ["x, y\", z", "-0.5", "", long.as_str()]
        );
    }

    #[test]
    fn file_names_are_safe() {
        assert_eq!(file_name("customer_service"), "customer_service");
        assert_eq!(file_name("../x y"), "___x_y");
        assert_eq!(file_name("客服"), "客服");
    }
}
