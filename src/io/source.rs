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

    /// Fills the start of `out` with the next bytes, the buffered ones first and then
    /// straight from the reader, with no copy in between; 0 at the end of input.
    pub(crate) fn read_into(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.first && !self.fill()? {
            return Ok(0);
        }
        if self.pos < self.len {
            let n = out.len().min(self.len - self.pos);
            out[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
            self.pos += n;
            self.consumed += n as u64;
            return Ok(n);
        }
        if self.eof || out.is_empty() {
            return Ok(0);
        }
        loop {
            match self.inner.read(out) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(0);
                }
                Ok(n) => {
                    self.consumed += n as u64;
                    return Ok(n);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// Puts `bytes` back in front of what is left, to be read again.
    pub(crate) fn unread(&mut self, bytes: &[u8]) {
        let k = bytes.len();
        if k <= self.pos {
            self.pos -= k;
            self.buf[self.pos..self.pos + k].copy_from_slice(bytes);
        } else {
            let mut joined = Vec::with_capacity((k + self.len - self.pos).max(BUF));
            joined.extend_from_slice(bytes);
            joined.extend_from_slice(&self.buf[self.pos..self.len]);
            self.len = joined.len();
            self.pos = 0;
            joined.resize(joined.len().max(BUF), 0);
            self.buf = joined.into_boxed_slice();
        }
        self.consumed -= k as u64;
    }

    /// Skips to just after the next `\n`.
    pub(crate) fn skip_line(&mut self) -> io::Result<()> {
        let mut sink = Vec::new();
        self.read_line(&mut sink, 0).map(|_| ())
    }
}
