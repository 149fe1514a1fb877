//! The one fixed hash of the crate: the `FxHash` step (a rotate, a xor and a multiply per
//! eight bytes), read little-endian. Model files store feature buckets and topic term hashes
//! made with it, so it must give the same value on every machine and in every build, which a
//! library hasher (`foldhash`, `ahash`) does not promise across versions. Tables that are
//! never saved use `foldhash`.

use std::hash::{BuildHasherDefault, Hasher};

/// Builds [`StableHasher`]s, for tables whose iteration order must not change between builds.
pub(crate) type StableBuild = BuildHasherDefault<StableHasher>;

pub(crate) const K: u64 = 0x517c_c1b7_2722_0a95;

#[inline]
pub(crate) fn mix(h: u64, x: u64) -> u64 {
    (h.rotate_left(5) ^ x).wrapping_mul(K)
}

/// A small, fixed, fast hasher (the `FxHash` step) for words; `Default` starts at zero.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct StableHasher(u64);

impl Hasher for StableHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.0 = mix(self.0, u64::from_le_bytes(c.try_into().unwrap_or_default()));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            self.0 = mix(self.0, padded_le(rest));
        }
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.0 = mix(self.0, u64::from(i));
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}

/// The 1–7 bytes of `rest` as a little-endian `u64` padded with zero bytes, read as two
/// overlapping loads rather than copied into a buffer (a `memcpy` call per word otherwise).
#[inline]
fn padded_le(rest: &[u8]) -> u64 {
    let r = rest.len();
    if let (Some(lo), Some(hi)) = (rest.first_chunk::<4>(), rest.last_chunk::<4>()) {
        // Bytes 0..4 and r-4..r: together every byte, the overlap twice with the same value.
        u64::from(u32::from_le_bytes(*lo)) | u64::from(u32::from_le_bytes(*hi)) << (8 * (r - 4))
    } else {
        // Bytes 0, r/2 and r-1 of 1–3: together every byte.
        let byte = |i: usize| u64::from(rest.get(i).copied().unwrap_or_default()) << (8 * i);
        byte(0) | byte(r / 2) | byte(r.saturating_sub(1))
    }
}

/// The hash of a word form, before namespacing.
#[inline]
pub(crate) fn hash_word(form: &str) -> u64 {
    let mut h = StableHasher(form.len() as u64);
    h.write(form.as_bytes());
    h.0
}
