//! Records that cannot be analysed, and how they are written.

use std::io::Write;

use serde_json::Map;

use crate::error::RejectReason;

/// A record that could not be analysed.
#[derive(Debug, Clone)]
pub struct Reject {
    /// 1-based line where it starts.
    pub line: u64,
    /// 1-based record number.
    pub number: u64,
    /// Why it was rejected.
    pub reason: RejectReason,
    /// The record as read (only the first KiB of an over-long one).
    pub raw: Vec<u8>,
}

impl Reject {
    /// Writes the reject as one JSON line: `line`, `record`, `reason`, and `raw` (the text as
    /// read; invalid UTF-8 is replaced, and the exact bytes are in `raw_base64`).
    ///
    /// # Errors
    ///
    /// Writing to `out` failed.
    pub fn write_to(&self, out: &mut (impl Write + ?Sized)) -> std::io::Result<()> {
        let mut obj = Map::new();
        obj.insert("line".into(), self.line.into());
        obj.insert("record".into(), self.number.into());
        obj.insert("reason".into(), self.reason.to_string().into());
        match std::str::from_utf8(&self.raw) {
            Ok(s) => {
                obj.insert("raw".into(), s.into());
            }
            Err(_) => {
                obj.insert(
                    "raw".into(),
                    String::from_utf8_lossy(&self.raw).into_owned().into(),
                );
                obj.insert("raw_base64".into(), base64(&self.raw).into());
            }
        }
        serde_json::to_writer(&mut *out, &obj)?;
        out.write_all(b"\n")
    }
}

fn base64(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ABC[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc4648() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64(&[0xff, 0xfe]), "//4=");
    }
}
