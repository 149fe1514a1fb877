//! A table from short strings (words, phrases) to small values, laid out for look-ups that
//! mostly miss or hit words of a few characters.
//!
//! A `HashMap<String, V>` keeps each key in its own allocation, so a hit touches the
//! table's control bytes, the bucket, then the key's bytes elsewhere in memory: a cache miss
//! more than needed on a table of 100,000 words. [`WordTable`] keeps keys of up to
//! [`INLINE`] bytes (every Chinese word of five characters or fewer) in the bucket itself;
//! longer keys live in one shared buffer. A miss still stops at the control bytes.

use std::hash::BuildHasher;

use hashbrown::HashTable;

/// Key bytes kept in the bucket.
const INLINE: usize = 16;

#[derive(Debug, Clone, Copy)]
struct Slot<V> {
    /// The key, when at most [`INLINE`] bytes; otherwise its offset in
    /// [`WordTable::long`] in the first four bytes.
    key: [u8; INLINE],
    len: u32,
    value: V,
}

/// Strings to `V`s.
#[derive(Debug, Clone)]
pub(crate) struct WordTable<V> {
    table: HashTable<Slot<V>>,
    long: Vec<u8>,
}

impl<V: Copy> Default for WordTable<V> {
    fn default() -> Self {
        Self::with_capacity(0)
    }
}

/// The table is never saved, so its hash is the crate's fast one for such tables.
fn hash_of(key: &[u8]) -> u64 {
    foldhash::fast::FixedState::default().hash_one(key)
}

/// The key of `slot`, whose longer keys are in `long`.
fn key_of<'a, V>(long: &'a [u8], slot: &'a Slot<V>) -> &'a [u8] {
    let len = slot.len as usize;
    if len <= INLINE {
        &slot.key[..len]
    } else {
        let mut at = [0u8; 4];
        at.copy_from_slice(&slot.key[..4]);
        let at = u32::from_le_bytes(at) as usize;
        &long[at..at + len]
    }
}

impl<V: Copy> WordTable<V> {
    /// An empty table with room for `n` keys.
    pub(crate) fn with_capacity(n: usize) -> Self {
        WordTable {
            table: HashTable::with_capacity(n),
            long: Vec::new(),
        }
    }

    /// Number of keys.
    pub(crate) fn len(&self) -> usize {
        self.table.len()
    }

    /// Whether there are none.
    pub(crate) fn is_empty(&self) -> bool {
        self.table.is_empty()
    }

    /// Sets `key`'s value (replacing what it had).
    pub(crate) fn insert(&mut self, key: &str, value: V) {
        let key = key.as_bytes();
        let hash = hash_of(key);
        let long = &self.long;
        if let Some(slot) = self.table.find_mut(hash, |s| key_of(long, s) == key) {
            slot.value = value;
            return;
        }
        let mut stored = [0u8; INLINE];
        if key.len() <= INLINE {
            stored[..key.len()].copy_from_slice(key);
        } else {
            // Keys are words and phrases: their total stays far below 4 GiB.
            let at = u32::try_from(self.long.len()).unwrap_or(u32::MAX);
            stored[..4].copy_from_slice(&at.to_le_bytes());
            self.long.extend_from_slice(key);
        }
        let slot = Slot {
            key: stored,
            len: u32::try_from(key.len()).unwrap_or(u32::MAX),
            value,
        };
        let long = &self.long;
        self.table
            .insert_unique(hash, slot, |s| hash_of(key_of(long, s)));
    }

    /// `key`'s value.
    #[inline]
    pub(crate) fn get(&self, key: &str) -> Option<V> {
        let key = key.as_bytes();
        self.table
            .find(hash_of(key), |s| {
                s.len as usize == key.len() && key_of(&self.long, s) == key
            })
            .map(|s| s.value)
    }

    /// Whether `key` is in the table.
    #[inline]
    pub(crate) fn contains(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// Every key and value, in no particular order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&str, V)> + '_ {
        self.table.iter().map(|s| {
            // Keys come from `&str`s.
            let key = std::str::from_utf8(key_of(&self.long, s)).unwrap_or_default();
            (key, s.value)
        })
    }
}

impl<V: Copy> FromIterator<(String, V)> for WordTable<V> {
    fn from_iter<I: IntoIterator<Item = (String, V)>>(iter: I) -> Self {
        let iter = iter.into_iter();
        let mut table = WordTable::with_capacity(iter.size_hint().0);
        for (key, value) in iter {
            table.insert(&key, value);
        }
        table
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::learn::SplitMix64;
    use std::collections::HashMap;

    #[test]
    fn agrees_with_a_hash_map() {
        let mut rng = SplitMix64(7);
        let alphabet = [
            "物",
            "流",
            "a",
            "b",
            "售后服务",
            "battery life is",
            "é",
            " ",
        ];
        let mut table = WordTable::default();
        let mut map = HashMap::new();
        let word = |rng: &mut SplitMix64| {
            let n = rng.below(7);
            (0..n)
                .map(|_| alphabet[rng.below(alphabet.len())])
                .collect::<String>()
        };
        for i in 0..5000u32 {
            let w = word(&mut rng);
            table.insert(&w, i);
            map.insert(w, i);
        }
        assert_eq!(table.len(), map.len());
        for _ in 0..20000 {
            let w = word(&mut rng);
            assert_eq!(table.get(&w), map.get(&w).copied(), "{w:?}");
        }
        for (k, v) in &map {
            assert_eq!(table.get(k), Some(*v));
        }
        let mut listed: Vec<(String, u32)> = table.iter().map(|(k, v)| (k.into(), v)).collect();
        listed.sort();
        let mut expected: Vec<(String, u32)> = map.into_iter().collect();
        expected.sort();
        assert_eq!(listed, expected);
        assert!(!table.contains("not there at all, and longer than sixteen bytes"));
    }
}
