//! One index over the parts of every phrase list of an engine, so a text is scanned once.

use super::*;

/// Where a pattern of a [`PhraseScanner`] counts: its word rules and the
/// (list, part) pairs it stands for, `targets[from..to]`.
#[derive(Debug, Clone)]
struct Target {
    boundary: Boundary,
    from: usize,
    to: usize,
}

/// Several phrase lists compiled into one index, so a text is scanned once for all of
/// them; each list then resolves its own matches ([`PhraseSet::find_in`]) exactly as
/// [`PhraseSet::find`] (an aho-corasick automaton) would.
///
/// The index is keyed by a pattern's first two characters (or its only one): a bit per hash
/// of a key says whether any pattern starts that way, and only where it does are the
/// patterns with that hash compared with the text (16 bytes a pattern, then the rest of a
/// pattern that matched). The bits take 8 KB, so a position where nothing can start (five
/// probes in six on the 100k-record dump) costs a look-up in a table that stays in the
/// cache, where walking an automaton over the same patterns (about 2 MB) loads a state at
/// every byte. A Latin letter right after another letter or digit is not probed at all: a
/// pattern starting with one only matches at the start of a word.
#[derive(Debug, Clone)]
pub struct PhraseScanner {
    /// For each byte, [`LEADS_LONG`] and [`LEADS_SHORT`]: which patterns can start with it.
    leads: [u8; 256],
    /// One bit per key hash ([`key_hash`]) that some pattern has.
    filter: Box<[u64]>,
    /// Bits set in `filter` before each of its words, to number a set bit.
    rank: Box<[u32]>,
    /// The entries of the `n`-th set bit of `filter`: `entries[slots[n]..slots[n + 1]]`.
    slots: Vec<u32>,
    /// Each pattern's key ([`keys_at`]; the key's length follows from it) and up to eight of
    /// its bytes after the key's, zeros after them: what is compared at every probe, 16
    /// bytes a pattern. Grouped by key hash, each group sorted by key.
    heads: Vec<(u64, u64)>,
    /// The rest of each pattern, in the same order.
    entries: Vec<Entry>,
    /// For a key hash whose group is longer than [`LINEAR_GROUP`]: each (key, head bytes
    /// after the key) of the group → its run of `heads`, so a probe looks up the few
    /// lengths the text's next characters allow instead of comparing every head.
    runs: std::collections::HashMap<(u64, u64), (u32, u32), foldhash::fast::FixedState>,
    /// One bit per [`run_hash`] of the keys of `runs`, so most look-ups stop at a bit.
    run_filter: Box<[u64]>,
    /// The patterns' bytes (lower-case), one after another.
    bytes: Vec<u8>,
    patterns: Vec<Target>,
    /// (list, part) pairs.
    targets: Vec<(usize, usize)>,
    lists: usize,
}

/// A pattern in a [`PhraseScanner`]'s index, beyond what [`PhraseScanner::heads`] holds.
#[derive(Debug, Clone, Copy)]
struct Entry {
    /// How many bytes follow the key's in the head's second word.
    next_len: u8,
    /// Its bytes past those: `bytes[from..from + len - key_len - 8]`.
    from: u32,
    len: u32,
    /// Its index in `patterns`.
    pattern: u32,
}

/// Bits of a key hash: 2^16 bits, 8 KB.
const KEY_BITS: u32 = 16;

/// Groups of up to this many heads are compared one by one; longer ones (a common key such
/// as 不是 heads hundreds of patterns) are looked up in [`PhraseScanner::runs`].
const LINEAR_GROUP: usize = 8;

/// The byte length of the UTF-8 sequence that `lead` starts.
fn char_len(lead: u8) -> usize {
    match lead {
        0..0x80 => 1,
        0x80..0xE0 => 2,
        0xE0..0xF0 => 3,
        _ => 4,
    }
}

/// The eight bytes of `bytes` from `at` (zeros past its end), little-endian in a word.
#[inline]
fn load(bytes: &[u8], at: usize) -> u64 {
    if let Some(word) = bytes.get(at..at + 8) {
        let mut word8 = [0u8; 8];
        word8.copy_from_slice(word);
        return u64::from_le_bytes(word8);
    }
    let mut word = 0;
    for (i, &b) in bytes.iter().skip(at).enumerate() {
        word |= u64::from(b) << (8 * i);
    }
    word
}

/// `word` with its ASCII capitals lower-cased, eight bytes at once.
fn ascii_lower(word: u64) -> u64 {
    const LOW: u64 = 0x7F7F_7F7F_7F7F_7F7F;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let low = word & LOW;
    // A byte's high bit: its low seven bits are at least `A`, then past `Z`.
    let from_a = low + 0x3F3F_3F3F_3F3F_3F3F;
    let past_z = low + 0x2525_2525_2525_2525;
    let upper = from_a & !past_z & !word & HIGH;
    word | (upper >> 2)
}

/// Masks of the low `n` bytes of a word, `n` from 0 to 8.
const LOW_BYTES: [u64; 9] = [
    0,
    0xFF,
    0xFFFF,
    0xFF_FFFF,
    0xFFFF_FFFF,
    0xFF_FFFF_FFFF,
    0xFFFF_FFFF_FFFF,
    0xFF_FFFF_FFFF_FFFF,
    u64::MAX,
];

/// A mask of the low `n` bytes of a word.
fn low_bytes(n: usize) -> u64 {
    LOW_BYTES[n.min(8)]
}

/// The keys of the text at `bytes[at..]` (a character boundary), each with its length in
/// bytes: its first character's with a 0xFF after it, which UTF-8 never contains, so it
/// differs from every two-character key; and, unless the text ends there, its first two
/// characters'. ASCII letters are lower-cased.
#[inline]
fn keys_at(bytes: &[u8], at: usize) -> ((u64, usize), Option<(u64, usize)>) {
    let word = ascii_lower(load(bytes, at));
    let first = char_len(bytes[at]).min(bytes.len() - at);
    let short = (word & low_bytes(first)) | (0xFF << (8 * first));
    let pair = bytes.get(at + first).map(|&next| {
        let len = (first + char_len(next)).min(bytes.len() - at);
        (word & low_bytes(len), len)
    });
    ((short, first), pair)
}

/// Flags of [`PhraseScanner::leads`]: some pattern of two or more characters, or of one,
/// starts with the byte.
const LEADS_LONG: u8 = 1;
const LEADS_SHORT: u8 = 2;

/// Bits of a [`run_hash`]: 2^18 bits, 32 KB.
const RUN_BITS: u32 = 18;

fn run_hash(key: u64, next: u64) -> usize {
    let h = (key ^ next.rotate_left(29)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    (h >> (64 - RUN_BITS)) as usize
}

fn key_hash(key: u64) -> usize {
    (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - KEY_BITS)) as usize
}

/// The part matches of one text, of every list, sorted; reuse it from text to text.
#[derive(Debug, Clone, Default)]
pub struct PhraseScan {
    raw: Vec<PartMatch>,
    /// Where each list's matches start in `raw`, and where the last ends.
    starts: Vec<usize>,
}

impl PhraseScan {
    pub(super) fn of(&self, list: usize) -> &[PartMatch] {
        match (self.starts.get(list), self.starts.get(list + 1)) {
            (Some(&from), Some(&to)) => &self.raw[from..to],
            _ => &[],
        }
    }
}

impl PhraseScanner {
    /// One index over `lists`; list `i` of a [`PhraseScan`] is `lists[i]`'s.
    ///
    /// # Errors
    ///
    /// [`Error::TooManyPhrases`] when the patterns are too many for the index (over 2^32
    /// bytes).
    pub fn new(lists: &[&PhraseList]) -> Result<Self> {
        // Pattern text and prefix flag → pattern; the same part text in several lists is one
        // pattern with several targets.
        let mut index = std::collections::HashMap::<(&str, bool), usize>::new();
        let mut texts: Vec<&str> = Vec::new();
        let mut pending: Vec<(Boundary, Vec<(usize, usize)>)> = Vec::new();
        for (l, list) in lists.iter().enumerate() {
            for (text, part) in &list.patterns {
                let boundary = list.parts[*part].boundary;
                let n = *index.entry((text, boundary.prefix)).or_insert_with(|| {
                    texts.push(text);
                    pending.push((boundary, Vec::new()));
                    texts.len() - 1
                });
                pending[n].1.push((l, *part));
            }
        }
        let too_large = || Error::TooManyPhrases {
            list: "",
            path: None,
            phrases: texts.len(),
            bytes: texts.iter().map(|t| t.len()).sum(),
            source: None,
        };
        let mut keyed: Vec<(usize, u64, u64, Entry)> = Vec::with_capacity(texts.len());
        let mut leads = [0u8; 256];
        let mut bytes = Vec::new();
        for (n, text) in texts.iter().enumerate() {
            let b = text.as_bytes();
            let (short, pair) = keys_at(b, 0);
            let ((key, key_len), flag) = match pair {
                Some(pair) => (pair, LEADS_LONG),
                None => (short, LEADS_SHORT),
            };
            // Patterns are lower-case; a text may not be.
            leads[usize::from(b[0])] |= flag;
            leads[usize::from(b[0].to_ascii_uppercase())] |= flag;
            let next_len = (b.len() - key_len).min(8);
            let next = load(b, key_len) & low_bytes(next_len);
            let from = bytes.len();
            bytes.extend_from_slice(b.get(key_len + 8..).unwrap_or_default());
            let entry = Entry {
                next_len: next_len as u8,
                from: u32::try_from(from).map_err(|_| too_large())?,
                len: u32::try_from(b.len()).map_err(|_| too_large())?,
                pattern: u32::try_from(n).map_err(|_| too_large())?,
            };
            keyed.push((key_hash(key), key, next, entry));
        }
        keyed.sort_by_key(|&(hash, key, next, _)| (hash, key, next));
        let mut filter = vec![0u64; 1 << (KEY_BITS - 6)].into_boxed_slice();
        let (mut slots, mut heads, mut entries) = (Vec::new(), Vec::new(), Vec::new());
        for (i, &(hash, key, next, entry)) in keyed.iter().enumerate() {
            if i == 0 || keyed[i - 1].0 != hash {
                filter[hash / 64] |= 1 << (hash % 64);
                slots.push(u32::try_from(entries.len()).map_err(|_| too_large())?);
            }
            heads.push((key, next));
            entries.push(entry);
        }
        slots.push(u32::try_from(entries.len()).map_err(|_| too_large())?);
        let mut runs = std::collections::HashMap::default();
        let mut run_filter = vec![0u64; 1 << (RUN_BITS - 6)].into_boxed_slice();
        for group in slots.windows(2) {
            let (from, to) = (group[0], group[1]);
            if (to - from) as usize <= LINEAR_GROUP {
                continue;
            }
            for i in from..to {
                let (key, next) = heads[i as usize];
                let hash = run_hash(key, next);
                run_filter[hash / 64] |= 1 << (hash % 64);
                let run = runs.entry((key, next)).or_insert((i, i));
                run.1 = i + 1;
            }
        }
        let mut rank = Vec::with_capacity(filter.len());
        let mut below = 0u32;
        for word in &filter {
            rank.push(below);
            below += word.count_ones();
        }
        let mut patterns = Vec::with_capacity(pending.len());
        let mut targets = Vec::new();
        for (boundary, t) in pending {
            let from = targets.len();
            targets.extend(t);
            patterns.push(Target {
                boundary,
                from,
                to: targets.len(),
            });
        }
        Ok(PhraseScanner {
            leads,
            filter,
            rank: rank.into_boxed_slice(),
            slots,
            heads,
            entries,
            runs,
            run_filter,
            bytes,
            patterns,
            targets,
            lists: lists.len(),
        })
    }

    /// Scans the normalised `text` once, replacing what `scan` held.
    pub fn scan(&self, text: &str, scan: &mut PhraseScan) {
        scan.raw.clear();
        let bytes = text.as_bytes();
        let mut at = 0;
        let mut after_word = false;
        while at < bytes.len() {
            let lead = bytes[at];
            let word = is_word_byte(lead);
            let leads = self.leads[usize::from(lead)];
            if leads != 0 && !(word && after_word) {
                let (short, pair) = keys_at(bytes, at);
                if leads & LEADS_SHORT != 0 {
                    self.probe(short, bytes, at, &mut scan.raw);
                }
                if let Some(pair) = pair.filter(|_| leads & LEADS_LONG != 0) {
                    self.probe(pair, bytes, at, &mut scan.raw);
                }
            }
            after_word = word;
            at += char_len(lead);
        }
        scan.raw.sort_unstable();
        scan.starts.clear();
        let mut from = 0;
        for list in 0..self.lists {
            scan.starts.push(from);
            from += scan.raw[from..].partition_point(|m| m.list == list);
        }
        scan.starts.push(from);
    }

    /// Adds to `raw` the patterns with the key `key` (of `key_len` bytes) that start `bytes`
    /// at `at`.
    #[inline]
    fn probe(
        &self,
        (key, key_len): (u64, usize),
        bytes: &[u8],
        at: usize,
        raw: &mut Vec<PartMatch>,
    ) {
        let hash = key_hash(key);
        let word = self.filter[hash / 64];
        let bit = 1u64 << (hash % 64);
        if word & bit != 0 {
            let slot = self.rank[hash / 64] as usize + (word & (bit - 1)).count_ones() as usize;
            self.compare(slot, (key, key_len), bytes, at, raw);
        }
    }

    /// [`probe`](Self::probe) past the filter: the patterns of the `slot`-th key hash.
    #[inline(never)]
    fn compare(
        &self,
        slot: usize,
        (key, key_len): (u64, usize),
        bytes: &[u8],
        at: usize,
        raw: &mut Vec<PartMatch>,
    ) {
        let (from, to) = (self.slots[slot] as usize, self.slots[slot + 1] as usize);
        let next = ascii_lower(load(bytes, at + key_len));
        if to - from <= LINEAR_GROUP {
            for i in from..to {
                let (head_key, head_next) = self.heads[i];
                // Up to the head's last non-zero byte: all of the pattern's unless it ends
                // in zero bytes, which its entry's `next_len` checks.
                let head_len = 8 - (head_next.leading_zeros() / 8) as usize;
                if head_key == key && next & LOW_BYTES[head_len] == head_next {
                    self.accept(i, key_len, next, bytes, at, raw);
                }
            }
            return;
        }
        // A head holds the pattern's bytes after the key up to eight, so it ends where one
        // of the text's next characters ends, or at the eighth byte: one look-up each.
        let mut len = 0;
        let rest = bytes.len().saturating_sub(at + key_len);
        loop {
            let masked = next & LOW_BYTES[len];
            let hash = run_hash(key, masked);
            if self.run_filter[hash / 64] & (1 << (hash % 64)) != 0 {
                if let Some(&(first, last)) = self.runs.get(&(key, masked)) {
                    for i in first as usize..last as usize {
                        self.accept(i, key_len, next, bytes, at, raw);
                    }
                }
            }
            if len == 8 || len >= rest {
                break;
            }
            len = (len + char_len(bytes[at + key_len + len])).min(8);
        }
    }

    /// Adds the targets of the pattern of head `i` to `raw` if its whole text and word rules
    /// match at `at`; its head matched `next`, the text's eight bytes after the key.
    #[inline]
    fn accept(
        &self,
        i: usize,
        key_len: usize,
        next: u64,
        bytes: &[u8],
        at: usize,
        raw: &mut Vec<PartMatch>,
    ) {
        let e = &self.entries[i];
        if next & LOW_BYTES[usize::from(e.next_len)] != self.heads[i].1 {
            return;
        }
        let len = e.len as usize;
        if at + len > bytes.len() {
            return;
        }
        let rest = len - key_len;
        if rest > 8 {
            let tail_from = e.from as usize;
            let tail = &self.bytes[tail_from..tail_from + rest - 8];
            if !bytes[at + key_len + 8..at + len].eq_ignore_ascii_case(tail) {
                return;
            }
        }
        let target = &self.patterns[e.pattern as usize];
        if let Some(end) = target.boundary.accept(bytes, at, at + len) {
            for &(list, part) in &self.targets[target.from..target.to] {
                raw.push(PartMatch {
                    list,
                    start: at,
                    end: std::cmp::Reverse(end),
                    part,
                });
            }
        }
    }
}
