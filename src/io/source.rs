//! A byte reader with its own buffer, for the line and CSV record splitters.

use std::io::{self, Read};

const BUF: usize = 256 * 1024;

/// Buffered bytes from a reader, with peeking and line scanning.
pub(crate) struct ByteSource<R> {
    inner: R,
    buf: Box<[u8]>,
    pos: usize,
    len: usize,
    eof: bool,
    /// Whether the first bytes (a possible BOM) are still to be looked at.
    first: bool,
    /// Bytes handed out so far.
    pub(crate) consumed: u64,
}

impl<R: Read> ByteSource<R> {
    pub(crate) fn new(inner: R) -> Self {
        ByteSource {
            inner,
            buf: vec![0; BUF].into_boxed_slice(),
            pos: 0,
            len: 0,
            eof: false,
            first: true,
            consumed: 0,
        }
    }

    /// Makes sure some bytes are buffered; `false` at the end of input.
    fn fill(&mut self) -> io::Result<bool> {
        if self.pos < self.len {
            return Ok(true);
        }
        if self.eof {
            return Ok(false);
        }
        self.pos = 0;
        self.len = 0;
        // The first fill reads at least three bytes when there are so many, to see a BOM whole.
        let want = if self.first { 3 } else { 1 };
        while self.len < want {
            match self.inner.read(&mut self.buf[self.len..]) {
                Ok(0) => {
                    self.eof = true;
                    break;
                }
                Ok(n) => self.len += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        if std::mem::take(&mut self.first) && self.buf[..self.len].starts_with(b"\xEF\xBB\xBF") {
            self.pos = 3;
            self.consumed += 3;
            if self.pos == self.len {
                return self.fill();
            }
        }
        Ok(self.pos < self.len)
    }

    pub(crate) fn next_byte(&mut self) -> io::Result<Option<u8>> {
        if !self.fill()? {
            return Ok(None);
        }
        let b = self.buf[self.pos];
        self.pos += 1;
        self.consumed += 1;
        Ok(Some(b))
    }

    pub(crate) fn peek(&mut self) -> io::Result<Option<u8>> {
        Ok(if self.fill()? {
            Some(self.buf[self.pos])
        } else {
            None
        })
    }

    /// Appends the next line (without its `\n`) to `out`, keeping at most `limit` bytes of it.
    /// Returns the line's full length, or `None` at the end of input.
    pub(crate) fn read_line(&mut self, out: &mut Vec<u8>, limit: usize) -> io::Result<Option<u64>> {
        let start = out.len();
        let mut total = 0u64;
        let mut any = false;
        while self.fill()? {
            any = true;
            let avail = &self.buf[self.pos..self.len];
            let (take, done) = match memchr::memchr(b'\n', avail) {
                Some(i) => (i, true),
                None => (avail.len(), false),
            };
            let room = limit.saturating_sub(out.len() - start);
            out.extend_from_slice(&avail[..take.min(room)]);
            total += take as u64;
            let step = take + usize::from(done);
            self.pos += step;
            self.consumed += step as u64;
            if done {
                return Ok(Some(total));
            }
        }
        Ok(any.then_some(total))
    }

    /// Skips to just after the next `\n`.
    pub(crate) fn skip_line(&mut self) -> io::Result<()> {
        let mut sink = Vec::new();
        self.read_line(&mut sink, 0).map(|_| ())
    }
}
