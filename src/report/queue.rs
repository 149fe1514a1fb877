//! Department queues sorted by priority in constant memory.
//!
//! While the input streams by, each chunk's rows are grouped by department and by priority
//! score (0–100), input order kept within a group, and each group is appended to its
//! department's spill file as one block; only the blocks' places are remembered. At the end
//! each final file is put together block by block, score 100's first, one
//! `copy_file_range(2)` call a block, which copies between files inside the kernel (through a
//! buffer where the kernel refuses). No row is held in memory past its chunk and none passes
//! through the program twice.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::pipeline::parallel::Executor;

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

/// Rows of one batch for the queues: each entry's CSV row lies in `bytes`, its JSON line in
/// the chunk the batch was read from.
#[derive(Debug, Default)]
pub(crate) struct QueueBatch {
    pub bytes: Vec<u8>,
    pub entries: Vec<QueueEntry>,
    /// The departments of the entries, each once.
    pub departments: Vec<Box<str>>,
}

#[derive(Debug)]
pub(crate) struct QueueEntry {
    /// Index into [`QueueBatch::departments`].
    pub department: u32,
    pub score: u8,
    /// In [`QueueBatch::bytes`], line end included.
    pub csv: Range<usize>,
    /// In the chunk's lines, without the line end.
    pub json: Range<usize>,
}

impl QueueBatch {
    /// The index of `department` in this batch's list, added if new (a batch sees few).
    pub(crate) fn department(&mut self, department: &str) -> u32 {
        let at = match self.departments.iter().position(|d| **d == *department) {
            Some(at) => at,
            None => {
                self.departments.push(department.into());
                self.departments.len() - 1
            }
        };
        at as u32
    }
}

/// Scores run 0–100.
const SCORES: usize = 101;

/// One output file in the making.
struct Spill {
    path: PathBuf,
    writer: BufWriter<File>,
    written: u64,
    /// Per score, the spans of the spill that hold its rows, in input order.
    blocks: Vec<Vec<(u64, u64)>>,
}

impl Spill {
    fn create(path: PathBuf) -> Result<Spill> {
        // Read back at the end, so opened for both.
        let file = fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&path)
            .map_err(|e| Error::io(format!("cannot create {}", path.display()), e))?;
        Ok(Spill {
            path,
            writer: BufWriter::with_capacity(1 << 16, file),
            written: 0,
            blocks: vec![Vec::new(); SCORES],
        })
    }

    /// Appends rows of one score (in input order) as one block.
    fn append<'r>(&mut self, score: u8, rows: impl IntoIterator<Item = &'r [u8]>) -> Result<()> {
        let start = self.written;
        for row in rows {
            self.writer
                .write_all(row)
                .map_err(|e| Error::io(format!("cannot write {}", self.path.display()), e))?;
            self.written += row.len() as u64;
        }
        let blocks = &mut self.blocks[usize::from(score.min(100))];
        match blocks.last_mut() {
            Some((at, len)) if *at + *len == start => *len += self.written - start,
            _ if self.written > start => blocks.push((start, self.written - start)),
            _ => {}
        }
        Ok(())
    }

    /// Writes `header` and then the blocks into `target`, highest score first, and removes
    /// the spill.
    fn finish(self, target: &Path, header: &[u8]) -> Result<()> {
        let err = |what: &str, path: &Path, e| Error::io(format!("{what} {}", path.display()), e);
        let Spill {
            path,
            writer,
            blocks,
            ..
        } = self;
        let spill = writer
            .into_inner()
            .map_err(|e| err("cannot write", &path, e.into_error()))?;
        let mut out = File::create(target).map_err(|e| err("cannot create", target, e))?;
        out.write_all(header)
            .map_err(|e| err("cannot write", target, e))?;
        let mut copier = BlockCopier::default();
        for &(at, len) in blocks.iter().rev().flatten() {
            copier.copy(&spill, at, len, &mut out).map_err(|e| {
                let what = format!("cannot copy {} into", path.display());
                err(&what, target, e)
            })?;
        }
        drop(spill);
        fs::remove_file(&path).map_err(|e| err("cannot remove", &path, e))?;
        Ok(())
    }
}

/// Copies spans of a spill to the end of another file: inside the kernel with
/// `copy_file_range(2)` where the files allow it, through a buffer otherwise.
///
/// `std::io::copy` does the kernel copy too, but asks both files for their metadata on every
/// call and needs a seek before each span: four system calls a block where one will do, and a
/// million-record report has tens of thousands of blocks.
#[derive(Default)]
struct BlockCopier {
    /// Set once the kernel copy is refused (another file system, an old kernel).
    buffered: bool,
    buffer: Vec<u8>,
}

impl BlockCopier {
    fn copy(&mut self, from: &File, at: u64, len: u64, to: &mut File) -> std::io::Result<()> {
        let (mut at, mut left) = (at, len);
        #[cfg(target_os = "linux")]
        while left > 0 && !self.buffered {
            match kernel_copy(from, at, left, to) {
                Ok(0) => return Err(std::io::ErrorKind::UnexpectedEof.into()),
                Ok(n) => {
                    at += n;
                    left -= n;
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e)
                    if matches!(
                        e.raw_os_error(),
                        Some(
                            libc::EXDEV
                                | libc::ENOSYS
                                | libc::EINVAL
                                | libc::EOPNOTSUPP
                                | libc::EPERM
                        )
                    ) =>
                {
                    self.buffered = true;
                }
                Err(e) => return Err(e),
            }
        }
        if left == 0 {
            return Ok(());
        }
        use std::os::unix::fs::FileExt;
        self.buffer.resize(1 << 20, 0);
        while left > 0 {
            let n = left.min(self.buffer.len() as u64) as usize;
            from.read_exact_at(&mut self.buffer[..n], at)?;
            to.write_all(&self.buffer[..n])?;
            at += n as u64;
            left -= n as u64;
        }
        Ok(())
    }
}

/// One `copy_file_range(2)` call from `from` at `at` to the current end of `to`; the bytes
/// copied.
#[cfg(target_os = "linux")]
fn kernel_copy(from: &File, at: u64, len: u64, to: &File) -> std::io::Result<u64> {
    use std::os::fd::AsRawFd;
    let mut offset = libc::loff_t::try_from(at).map_err(|_| std::io::ErrorKind::InvalidInput)?;
    let len = usize::try_from(len).unwrap_or(usize::MAX).min(1 << 30);
    // SAFETY: both descriptors are open files borrowed for the call; `offset` is a live local
    // the kernel reads and advances; a null output offset means "at the file's position".
    let n = unsafe {
        libc::copy_file_range(
            from.as_raw_fd(),
            &mut offset,
            to.as_raw_fd(),
            std::ptr::null_mut(),
            len,
            0,
        )
    };
    if n < 0 {
        Err(std::io::Error::last_os_error())
    } else {
        Ok(n as u64)
    }
}

/// One department's two spills.
struct Queue {
    department: Box<str>,
    csv: Spill,
    jsonl: Spill,
    rows: u64,
}

/// The queues of all departments.
pub(crate) struct Queues {
    dir: PathBuf,
    /// Sorted by department.
    queues: Vec<Queue>,
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
            queues: Vec::new(),
            csv_header,
        })
    }

    fn queue(&mut self, department: &str) -> Result<usize> {
        match self
            .queues
            .binary_search_by(|q| (*q.department).cmp(department))
        {
            Ok(at) => Ok(at),
            Err(at) => {
                // Spills are numbered: two ids may share a file name.
                let n = self.queues.len();
                let csv = Spill::create(self.dir.join(format!(".queue-{n}.csv.spill")))?;
                let jsonl = Spill::create(self.dir.join(format!(".queue-{n}.jsonl.spill")))?;
                self.queues.insert(
                    at,
                    Queue {
                        department: department.into(),
                        csv,
                        jsonl,
                        rows: 0,
                    },
                );
                Ok(at)
            }
        }
    }

    /// Adds the rows of consecutive batches (in input order) read from `lines`, one block per
    /// department and score. The more rows a call gets, the larger the blocks.
    pub(crate) fn push(&mut self, batches: &[&QueueBatch], lines: &[u8]) -> Result<()> {
        // (queue, score, batch, entry), grouped by queue and score, input order kept.
        for batch in batches {
            for d in &batch.departments {
                self.queue(d)?;
            }
        }
        // Every queue exists now, so the indices below stay put.
        let mut order: Vec<(u32, u8, u32, u32)> = Vec::new();
        for (b, batch) in batches.iter().enumerate() {
            let queues: Vec<u32> = batch
                .departments
                .iter()
                .map(|d| self.queue(d).map(|q| q as u32))
                .collect::<Result<_>>()?;
            order.extend(
                batch
                    .entries
                    .iter()
                    .enumerate()
                    .map(|(i, e)| (queues[e.department as usize], e.score, b as u32, i as u32)),
            );
        }
        // A counting sort by queue and score: stable, and linear in the rows.
        let slot = |&(q, score, ..): &(u32, u8, u32, u32)| {
            q as usize * SCORES + usize::from(score).min(SCORES - 1)
        };
        let mut starts = vec![0usize; self.queues.len() * SCORES + 1];
        for e in &order {
            starts[slot(e) + 1] += 1;
        }
        for i in 1..starts.len() {
            starts[i] += starts[i - 1];
        }
        let mut sorted = vec![(0, 0, 0, 0); order.len()];
        for e in &order {
            let at = &mut starts[slot(e)];
            sorted[*at] = *e;
            *at += 1;
        }
        for group in sorted.chunk_by(|a, b| (a.0, a.1) == (b.0, b.1)) {
            let (q, score, ..) = group[0];
            let entry = |&(_, _, b, i): &(u32, u8, u32, u32)| {
                let batch = batches[b as usize];
                (batch, &batch.entries[i as usize])
            };
            let queue = &mut self.queues[q as usize];
            queue.csv.append(
                score,
                group
                    .iter()
                    .map(entry)
                    .map(|(b, e)| &b.bytes[e.csv.clone()]),
            )?;
            queue.jsonl.append(
                score,
                group
                    .iter()
                    .map(entry)
                    .flat_map(|(_, e)| [&lines[e.json.clone()], b"\n"]),
            )?;
            queue.rows += group.len() as u64;
        }
        Ok(())
    }

    /// Writes the sorted files, several at once; returns each department's queue length and
    /// file stem.
    pub(crate) fn finish(self, executor: &Executor) -> Result<Vec<(String, String, u64)>> {
        let mut jobs = Vec::new();
        let mut out = Vec::new();
        let mut used = std::collections::HashSet::new();
        for queue in self.queues {
            let mut name = file_name(&queue.department);
            let stem = name.clone();
            let mut k = 1;
            while !used.insert(name.clone()) {
                k += 1;
                name = format!("{stem}-{k}");
            }
            jobs.push((queue.csv, self.dir.join(format!("{name}.csv")), true));
            jobs.push((queue.jsonl, self.dir.join(format!("{name}.jsonl")), false));
            out.push((queue.department.into(), name, queue.rows));
        }
        // The pool lends each job by reference; the slot hands the spill over to its thread.
        let jobs: Vec<std::sync::Mutex<Option<(Spill, PathBuf, bool)>>> = jobs
            .into_iter()
            .map(|j| std::sync::Mutex::new(Some(j)))
            .collect();
        let header = &self.csv_header;
        executor
            .map(&jobs, |job| {
                let taken = job.lock().map(|mut j| j.take()).unwrap_or(None);
                match taken {
                    Some((spill, target, csv)) => {
                        spill.finish(&target, if csv { header } else { b"" })
                    }
                    None => Ok(()),
                }
            })
            .into_iter()
            .collect::<Result<Vec<()>>>()?;
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

    /// A whole number (never quoted).
    pub(crate) fn uint(&mut self, value: u64) -> &mut Self {
        self.begin();
        push_digits(self.out, value);
        self
    }

    /// Thousandths with three decimals, as `format!("{:.3}", v as f64 / 1000.0)` writes them
    /// (never quoted).
    pub(crate) fn milli(&mut self, value: i64) -> &mut Self {
        self.begin();
        if value < 0 {
            self.out.push(b'-');
        }
        let v = value.unsigned_abs();
        push_digits(self.out, v / 1000);
        let frac = v % 1000;
        self.out.extend_from_slice(&[
            b'.',
            b'0' + (frac / 100) as u8,
            b'0' + (frac / 10 % 10) as u8,
            b'0' + (frac % 10) as u8,
        ]);
        self
    }

    /// Ends the record.
    pub(crate) fn end(self) {
        self.out.push(b'\n');
    }

    /// Quotes the field that starts at `start` (the end of the buffer) if it needs it.
    fn quote_from(&mut self, start: usize) {
        let field = &self.out[start..];
        let quote = if field.len() < 64 {
            needs_quotes(field)
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

/// Appends `v` in decimal.
fn push_digits(out: &mut Vec<u8>, mut v: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[at..]);
}

/// Whether a short field holds a comma, quote or line break: eight bytes at a time in a
/// register, each byte compared with all four at once.
fn needs_quotes(field: &[u8]) -> bool {
    const ONES: u64 = u64::from_le_bytes([1; 8]);
    const HIGH: u64 = ONES << 7;
    // Non-zero where a byte of `x` is zero.
    let zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
    let mut words = field.chunks_exact(8);
    for w in &mut words {
        let x = u64::from_le_bytes(w.try_into().expect("eight bytes"));
        let found = zero(x ^ (ONES * u64::from(b',')))
            | zero(x ^ (ONES * u64::from(b'"')))
            | zero(x ^ (ONES * u64::from(b'\n')))
            | zero(x ^ (ONES * u64::from(b'\r')));
        if found != 0 {
            return true;
        }
    }
    words
        .remainder()
        .iter()
        .any(|c| matches!(c, b',' | b'"' | b'\n' | b'\r'))
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
            spill.append(s, [format!("{r}\n").as_bytes()]).unwrap();
        }
        spill.append(50, [b"g\n".as_slice(), b"h\n"]).unwrap();
        let target = dir.path().join("x.csv");
        spill.finish(&target, b"head\n").unwrap();
        assert_eq!(
            fs::read_to_string(&target).unwrap(),
            "head\nd\nb\nf\ng\nh\na\nc\ne\n"
        );
        assert!(!dir.path().join("x.spill").exists());
    }

    #[test]
    fn batches_are_grouped_by_department_and_score() {
        let dir = tempfile::tempdir().unwrap();
        let mut queues = Queues::new(dir.path()).unwrap();
        let batch = |lines: &mut Vec<u8>, rows: &[(&str, u8, &str)]| {
            let mut b = QueueBatch::default();
            for (dept, score, text) in rows {
                let department = b.department(dept);
                let start = b.bytes.len();
                b.bytes.extend_from_slice(format!("{text}\n").as_bytes());
                let at = lines.len();
                lines.extend_from_slice(format!("{{\"t\":\"{text}\"}}").as_bytes());
                b.entries.push(QueueEntry {
                    department,
                    score: *score,
                    csv: start..b.bytes.len(),
                    json: at..lines.len(),
                });
            }
            b
        };
        let mut lines = Vec::new();
        let one = batch(
            &mut lines,
            &[("tech", 5, "a"), ("logistics", 9, "b"), ("tech", 9, "c")],
        );
        let two = batch(&mut lines, &[("tech", 5, "d"), ("billing", 1, "e")]);
        queues.push(&[&one, &two], &lines).unwrap();
        let mut lines = Vec::new();
        let three = batch(&mut lines, &[("tech", 9, "f")]);
        queues.push(&[&three], &lines).unwrap();
        let files = queues
            .finish(&Executor::new(&crate::Parallelism::Threads(2)).unwrap())
            .unwrap();
        let names: Vec<_> = files.iter().map(|f| (f.1.as_str(), f.2)).collect();
        assert_eq!(names, [("billing", 1), ("logistics", 1), ("tech", 4)]);
        let tech = fs::read_to_string(dir.path().join("tech.csv")).unwrap();
        assert_eq!(
            tech.lines().skip(1).collect::<Vec<_>>(),
            ["c", "f", "a", "d"]
        );
        let tech = fs::read_to_string(dir.path().join("tech.jsonl")).unwrap();
        assert!(tech.starts_with("{\"t\":\"c\"}\n{\"t\":\"f\"}\n"));
        assert_eq!(
            fs::read_dir(dir.path()).unwrap().count(),
            6,
            "spills removed"
        );
    }

    #[test]
    fn csv_records_read_back() {
        let mut out = Vec::new();
        csv_record(&mut out, &["a", "b,c", "say \"hi\"\nbye", ""]);
        let mut record = CsvRecord::new(&mut out);
        record
            .joined(["x", "y\"", "z"], ", ")
            .milli(-500)
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
            ["x, y\", z", "-0.500", "", long.as_str()]
        );
    }

    #[test]
    fn numbers_and_quoting_tests_match_the_general_ones() {
        let special = |f: &[u8]| f.iter().any(|c| matches!(c, b',' | b'"' | b'\n' | b'\r'));
        for len in 0..40 {
            for at in 0..=len {
                for c in [b',', b'"', b'\n', b'\r', b'a', 0x80, 0xff] {
                    let mut f = "中文ab".repeat(len).into_bytes();
                    f.truncate(len);
                    if at < len {
                        f[at] = c;
                    }
                    assert_eq!(needs_quotes(&f), special(&f), "{len} {at} {c}");
                }
            }
        }
        for v in [0i64, 1, -1, 7, -59, 999, -1000, 1000, 12_345, -987_654] {
            let mut out = Vec::new();
            CsvRecord::new(&mut out).milli(v).uint(v.unsigned_abs());
            let want = format!("{:.3},{}", v as f64 / 1000.0, v.unsigned_abs());
            assert_eq!(String::from_utf8(out).unwrap(), want);
        }
        let mut out = Vec::new();
        CsvRecord::new(&mut out).uint(u64::MAX);
        assert_eq!(out, u64::MAX.to_string().as_bytes());
    }

    #[test]
    fn file_names_are_safe() {
        assert_eq!(file_name("customer_service"), "customer_service");
        assert_eq!(file_name("../x y"), "___x_y");
        assert_eq!(file_name("客服"), "客服");
    }
}
