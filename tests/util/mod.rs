//! A small harness for running the real `fankui` binary on files in a temporary directory
//! (after ripgrep's `tests/util.rs`).

use std::fmt;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;

use serde_json::Value;

/// The binary under test, as Cargo built it for this test run.
pub const FANKUI: &str = env!("CARGO_BIN_EXE_fankui");

/// A temporary working directory, removed when dropped.
pub struct Dir {
    tmp: tempfile::TempDir,
}

impl Dir {
    pub fn new() -> Dir {
        let tmp = tempfile::Builder::new()
            .prefix("fankui-cli-")
            .tempdir()
            .expect("cannot create a temporary directory");
        Dir { tmp }
    }

    pub fn path(&self) -> &Path {
        self.tmp.path()
    }

    pub fn join(&self, name: &str) -> PathBuf {
        self.path().join(name)
    }

    /// Writes `contents` to `name` in this directory and returns its path.
    pub fn create(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.join(name);
        fs::write(&path, contents).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        path
    }

    pub fn read_bytes(&self, name: &str) -> Vec<u8> {
        let path = self.join(name);
        fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    /// The file as UTF-8 (the outputs of `fankui` always are).
    pub fn read(&self, name: &str) -> String {
        String::from_utf8(self.read_bytes(name))
            .unwrap_or_else(|e| panic!("{name} is not UTF-8: {e}"))
    }

    /// A JSONL file, one value a line.
    pub fn read_jsonl(&self, name: &str) -> Vec<Value> {
        parse_jsonl(&self.read(name))
    }

    /// `fankui` with this directory as its working directory, so default output files land
    /// here and relative paths name files here.
    pub fn command(&self) -> TestCommand {
        let mut cmd = Command::new(FANKUI);
        cmd.current_dir(self.path());
        TestCommand { cmd }
    }
}

/// A `fankui` invocation being put together.
pub struct TestCommand {
    cmd: Command,
}

impl TestCommand {
    pub fn arg(&mut self, arg: impl AsRef<std::ffi::OsStr>) -> &mut TestCommand {
        self.cmd.arg(arg);
        self
    }

    pub fn args<I, A>(&mut self, args: I) -> &mut TestCommand
    where
        I: IntoIterator<Item = A>,
        A: AsRef<std::ffi::OsStr>,
    {
        self.cmd.args(args);
        self
    }

    /// Runs to completion with an empty stdin.
    pub fn run(&mut self) -> Output {
        self.run_with_stdin(b"")
    }

    /// Runs to completion with `input` on stdin.
    pub fn run_with_stdin(&mut self, input: &[u8]) -> Output {
        let mut child = self
            .cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {FANKUI}: {e}"));
        // Feed stdin from another thread: a large input and a large output would otherwise
        // deadlock on full pipes.
        let mut stdin = child.stdin.take().expect("stdin is piped");
        let input = input.to_vec();
        let feeder = thread::spawn(move || {
            // The process may legitimately stop reading early (e.g. a usage error).
            let _ = stdin.write_all(&input);
        });
        let out = child.wait_with_output().expect("cannot wait for fankui");
        feeder.join().expect("stdin feeder panicked");
        Output {
            command: format!("{:?}", self.cmd),
            code: out.status.code(),
            stdout: out.stdout,
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Starts the process with stdout and stderr piped and stdin closed, for tests that
    /// drive the pipes themselves.
    pub fn spawn(&mut self) -> Child {
        self.cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {FANKUI}: {e}"))
    }
}

/// What a finished run left behind.
pub struct Output {
    pub command: String,
    /// `None` when killed by a signal.
    pub code: Option<i32>,
    pub stdout: Vec<u8>,
    pub stderr: String,
}

impl Output {
    /// Panics, showing the whole run, unless the exit code is `code`.
    #[track_caller]
    pub fn expect_code(&self, code: i32) -> &Output {
        assert_eq!(self.code, Some(code), "unexpected exit code\n{self}");
        self
    }

    #[track_caller]
    pub fn expect_success(&self) -> &Output {
        self.expect_code(0)
    }

    pub fn stdout_str(&self) -> &str {
        std::str::from_utf8(&self.stdout).expect("stdout is not UTF-8")
    }

    /// The counts of the `fankui: read … records` line `analyze` prints on stderr.
    #[track_caller]
    pub fn summary(&self) -> Summary {
        Summary::parse(&self.stderr).unwrap_or_else(|| panic!("no summary line\n{self}"))
    }

    /// The records analysed with warnings, as the summary line gives them (`…; N with
    /// warnings; …`).
    pub fn warned(&self) -> u64 {
        self.stderr
            .split("; ")
            .find_map(|part| part.strip_suffix(" with warnings"))
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no warnings count in the summary\n{self}"))
    }
}

impl fmt::Display for Output {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Enough of stdout to see what went wrong, not a whole generated dump.
        const SHOW: usize = 4000;
        let stdout = String::from_utf8_lossy(&self.stdout);
        let cut = stdout
            .char_indices()
            .nth(SHOW)
            .map_or(stdout.len(), |(i, _)| i);
        let more = if cut < stdout.len() { "\n[…]" } else { "" };
        write!(
            f,
            "command: {}\nexit code: {:?}\n--- stdout ---\n{}{more}\n--- stderr ---\n{}",
            self.command,
            self.code,
            &stdout[..cut],
            self.stderr
        )
    }
}

/// The record counts of a run, as its stderr reports them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    pub read: u64,
    pub analysed: u64,
    pub rejected: u64,
    pub blank_lines: u64,
}

impl Summary {
    /// Parses `fankui: read R records: A analysed, J rejected (→ PATH); B blank lines skipped; …`.
    fn parse(stderr: &str) -> Option<Summary> {
        let line = stderr
            .lines()
            .find_map(|l| l.strip_prefix("fankui: read "))?;
        let (read, rest) = line.split_once(" records: ")?;
        let (analysed, rest) = rest.split_once(" analysed, ")?;
        let (rejected, rest) = rest.split_once(" rejected")?;
        let (before_blank, _) = rest.split_once(" blank lines skipped")?;
        let blank = before_blank.rsplit("; ").next()?;
        Some(Summary {
            read: read.parse().ok()?,
            analysed: analysed.parse().ok()?,
            rejected: rejected.parse().ok()?,
            blank_lines: blank.parse().ok()?,
        })
    }
}

/// Parses JSONL, failing on any line that is not JSON.
#[track_caller]
pub fn parse_jsonl(text: &str) -> Vec<Value> {
    text.lines()
        .enumerate()
        .map(|(i, line)| {
            serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("output line {} is not JSON ({e}): {line}", i + 1))
        })
        .collect()
}

/// Gzip-compresses `data`.
pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(data).expect("gzip into memory");
    enc.finish().expect("gzip into memory")
}

/// The path of a file shipped in the crate, such as `corpora/sample_feedback.jsonl`.
pub fn shipped(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

#[cfg(test)]
mod tests {
    use super::Summary;

    #[test]
    fn summary_line_parses() {
        let stderr = "fankui: read 16 records: 6 analysed, 10 rejected (→ a; b.jsonl); \
                      2 blank lines skipped; 0.06 s, 249 records/s\n";
        assert_eq!(
            Summary::parse(stderr),
            Some(Summary {
                read: 16,
                analysed: 6,
                rejected: 10,
                blank_lines: 2
            })
        );
    }
}
