//! Phrase lists matched over normalised text: the one matcher behind department routing, kind
//! cues and the priority risk lexicon.
//!
//! A pattern is a literal phrase, or two or three parts joined by `…` that must appear in that
//! order within one sentence. Patterns go through the engine's normaliser, so Traditional and
//! full-width spellings match their Simplified, half-width forms. Latin letters match without
//! regard to case and only at word boundaries; a part ending in a letter also matches its
//! plural (`-s`, `-es`), and a trailing `*` makes it a prefix (`refund*` matches `refunded`).
//! Han text matches anywhere.
//!
//! Single-part phrases are resolved leftmost-longest: where two matches overlap, the one that
//! starts first wins, then the longer one, so `服务器` hides the `服务` inside it. Every
//! phrase with the same text as the winning match is reported (one text can belong to several
//! departments).
//!
//! An engine matches its three lists (kind cues, taxonomy, risk lexicon) with one
//! [`PhraseScanner`]: one index over the distinct parts of all of them, so each text is
//! scanned once, and each list then resolves its own part matches as if it had been searched
//! alone. A gapped pattern is only tried when its first part was found.

use std::ops::Range;
use std::sync::OnceLock;

use aho_corasick::AhoCorasick;

use crate::segment::Normalizer;

/// Most parts a pattern may have.
const MAX_PARTS: usize = 3;

/// One phrase found in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhraseHit {
    /// Index of the phrase in the list it was built from.
    pub phrase: usize,
    /// Byte spans of its parts in the normalised text (the first `len` are used).
    spans: [Range<usize>; MAX_PARTS],
    len: u8,
}

impl PhraseHit {
    fn new(phrase: usize, parts: &[Range<usize>]) -> Self {
        let mut spans = [0..0, 0..0, 0..0];
        for (slot, part) in spans.iter_mut().zip(parts) {
            *slot = part.clone();
        }
        PhraseHit {
            phrase,
            spans,
            len: parts.len().min(MAX_PARTS) as u8,
        }
    }

    /// Byte spans of its parts in the normalised text, in order.
    #[must_use]
    pub fn parts(&self) -> &[Range<usize>] {
        &self.spans[..usize::from(self.len)]
    }

    /// From the start of the first part to the end of the last.
    #[must_use]
    pub fn span(&self) -> Range<usize> {
        let parts = self.parts();
        let start = parts.first().map_or(0, |p| p.start);
        let end = parts.last().map_or(0, |p| p.end);
        start..end
    }
}

/// How a part's match must sit among the text's letters and digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Boundary {
    prefix: bool,
    latin_start: bool,
    latin_end: bool,
}

impl Boundary {
    fn of(norm: &str, prefix: bool) -> Self {
        let bytes = norm.as_bytes();
        Boundary {
            prefix,
            latin_start: bytes.first().is_some_and(|&b| is_word_byte(b)),
            latin_end: bytes.last().is_some_and(|&b| is_word_byte(b)),
        }
    }

    /// The end of a match at `start..end` after the word-boundary rules, or `None` when it
    /// is not a whole word.
    fn accept(self, text: &[u8], start: usize, end: usize) -> Option<usize> {
        if self.latin_start && start > 0 && is_word_byte(text[start - 1]) {
            return None;
        }
        if !self.latin_end {
            return Some(end);
        }
        let rest = &text[end..];
        let word_len = rest.iter().take_while(|&&b| is_word_byte(b)).count();
        if word_len == 0 {
            return Some(end);
        }
        if self.prefix {
            return Some(end + word_len);
        }
        let plural = text[end - 1].is_ascii_alphabetic()
            && end - start >= 3
            && (rest[..word_len].eq_ignore_ascii_case(b"s")
                || rest[..word_len].eq_ignore_ascii_case(b"es"));
        plural.then_some(end + word_len)
    }
}

#[derive(Debug, Clone)]
struct Part {
    boundary: Boundary,
    /// Phrases made of this part alone.
    single: Vec<usize>,
    /// Phrases of two or more parts that start with this one.
    first_of: Vec<usize>,
}

/// A part found in a text: the list it belongs to (in a [`PhraseScan`]), its span (after
/// the word-boundary rules) and its id; ordered as [`PhraseList::resolve`] needs them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct PartMatch {
    list: usize,
    start: usize,
    /// Sorted longest first.
    end: std::cmp::Reverse<usize>,
    part: usize,
}

/// The phrases of a list without their payloads: what is matched.
#[derive(Debug, Clone)]
pub struct PhraseList {
    /// The automaton's patterns (normalised text, lower-case) and the part each stands for.
    patterns: Vec<(String, usize)>,
    parts: Vec<Part>,
    /// Each phrase: its pattern as given and its part ids.
    phrases: Vec<(String, Vec<usize>)>,
    /// Its own automaton, built the first time the list is searched alone (an engine scans
    /// all its lists with one [`PhraseScanner`] instead).
    automaton: OnceLock<AhoCorasick>,
}

/// A list of phrases with a payload each, matched alone ([`find`](Self::find)) or with
/// other sets in one scan ([`PhraseScanner`], [`find_in`](Self::find_in)).
#[derive(Debug, Clone)]
pub struct PhraseSet<T> {
    list: PhraseList,
    payloads: Vec<T>,
}

/// The separator of a gapped pattern.
pub const GAP: char = '…';

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric()
}

fn build_automaton<'a>(patterns: impl IntoIterator<Item = &'a str>) -> Result<AhoCorasick, String> {
    AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .build(patterns)
        .map_err(|e| format!("the phrase automaton: {e}"))
}

impl<T> PhraseSet<T> {
    /// Compiles `(pattern, payload)` pairs.
    ///
    /// # Errors
    ///
    /// A message naming the pattern when it is empty, has an empty part or more than three
    /// parts, or has a `*` anywhere but at the end of a part.
    pub fn new(
        phrases: impl IntoIterator<Item = (String, T)>,
        normalizer: &dyn Normalizer,
    ) -> Result<Self, String> {
        let mut patterns: Vec<(String, usize)> = Vec::new();
        let mut parts: Vec<Part> = Vec::new();
        let mut index = std::collections::HashMap::<(String, bool), usize>::new();
        let mut out = Vec::new();
        let mut payloads = Vec::new();
        for (pattern, payload) in phrases {
            let pieces: Vec<&str> = pattern.split(GAP).map(str::trim).collect();
            if pieces.len() > MAX_PARTS {
                return Err(format!("`{pattern}`: more than three parts"));
            }
            let mut ids = Vec::with_capacity(pieces.len());
            for piece in &pieces {
                let (body, prefix) = match piece.strip_suffix('*') {
                    Some(b) => (b.trim_end(), true),
                    None => (*piece, false),
                };
                if body.is_empty() {
                    return Err(format!("`{pattern}`: an empty part"));
                }
                if body.contains('*') {
                    return Err(format!("`{pattern}`: `*` only ends a part"));
                }
                let norm = normalizer.normalize(body).text().to_ascii_lowercase();
                let key = (norm, prefix);
                let id = match index.get(&key) {
                    Some(&id) => id,
                    None => {
                        let id = parts.len();
                        parts.push(Part {
                            boundary: Boundary::of(&key.0, prefix),
                            single: Vec::new(),
                            first_of: Vec::new(),
                        });
                        // A typographic apostrophe matches a straight one.
                        if key.0.contains('\'') {
                            patterns.push((key.0.replace('\'', "\u{2019}"), id));
                        }
                        patterns.push((key.0.clone(), id));
                        index.insert(key, id);
                        id
                    }
                };
                ids.push(id);
            }
            let phrase = out.len();
            if ids.len() == 1 {
                parts[ids[0]].single.push(phrase);
            } else {
                parts[ids[0]].first_of.push(phrase);
            }
            out.push((pattern, ids));
            payloads.push(payload);
        }
        Ok(PhraseSet {
            list: PhraseList {
                patterns,
                parts,
                phrases: out,
                automaton: OnceLock::new(),
            },
            payloads,
        })
    }

    /// Number of phrases.
    #[must_use]
    pub fn len(&self) -> usize {
        self.list.phrases.len()
    }

    /// Whether there are none.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.list.phrases.is_empty()
    }

    /// The payload of phrase `i`.
    #[must_use]
    pub fn payload(&self, i: usize) -> &T {
        &self.payloads[i]
    }

    /// The pattern of phrase `i`, as given.
    #[must_use]
    pub fn pattern(&self, i: usize) -> &str {
        &self.list.phrases[i].0
    }

    /// The phrases without their payloads, for a [`PhraseScanner`].
    #[must_use]
    pub fn list(&self) -> &PhraseList {
        &self.list
    }

    /// Appends the phrases found in the normalised `text` to `out`: single-part ones
    /// leftmost-longest, then each gapped one at its first occurrence.
    ///
    /// The first call builds the set's automaton (an engine scans all its sets with one
    /// [`PhraseScanner`] and never builds it).
    ///
    /// # Panics
    ///
    /// When the set is too large for one automaton (over 2^31 states); a
    /// [`PhraseScanner`] has no such limit.
    pub fn find(&self, text: &str, out: &mut Vec<PhraseHit>) {
        let list = &self.list;
        let automaton = list.automaton.get_or_init(|| {
            build_automaton(list.patterns.iter().map(|(p, _)| p.as_str()))
                .unwrap_or_else(|e| panic!("{e}"))
        });
        let bytes = text.as_bytes();
        let mut raw: Vec<PartMatch> = Vec::new();
        for m in automaton.find_overlapping_iter(text) {
            let part = list.patterns[m.pattern().as_usize()].1;
            if let Some(end) = list.parts[part].boundary.accept(bytes, m.start(), m.end()) {
                raw.push(PartMatch {
                    list: 0,
                    start: m.start(),
                    end: std::cmp::Reverse(end),
                    part,
                });
            }
        }
        raw.sort_unstable();
        list.resolve(text, &raw, out);
    }

    /// [`find`](Self::find) from a scan of `text` by a [`PhraseScanner`] that was built with
    /// this set's list as its list `set`.
    pub fn find_in(&self, scan: &PhraseScan, set: usize, text: &str, out: &mut Vec<PhraseHit>) {
        self.list.resolve(text, scan.of(set), out);
    }
}

impl PhraseList {
    /// Appends the phrases of the part matches `raw` (sorted) to `out`: single-part ones
    /// leftmost-longest, then each gapped one at its first occurrence, in phrase order.
    fn resolve(&self, text: &str, raw: &[PartMatch], out: &mut Vec<PhraseHit>) {
        let mut covered = 0usize;
        let mut gapped: Vec<usize> = Vec::new();
        for m in raw {
            let part = &self.parts[m.part];
            gapped.extend_from_slice(&part.first_of);
            if part.single.is_empty() || m.start < covered {
                continue;
            }
            covered = m.end.0;
            let span = m.start..m.end.0;
            out.extend(
                part.single
                    .iter()
                    .map(|&p| PhraseHit::new(p, std::slice::from_ref(&span))),
            );
        }
        if gapped.is_empty() {
            return;
        }
        gapped.sort_unstable();
        gapped.dedup();
        for phrase in gapped {
            if let Some(hit) = gapped_match(text, raw, phrase, &self.phrases[phrase].1) {
                out.push(hit);
            }
        }
    }
}

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
    fn of(&self, list: usize) -> &[PartMatch] {
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
    /// A message when the patterns are too many for the index (over 2^32 bytes).
    pub fn new(lists: &[&PhraseList]) -> Result<Self, String> {
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
        let too_large = || "the phrase index: over 2^32 bytes of patterns".to_owned();
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
        keyed.sort_by_key(|&(hash, key, _, _)| (hash, key));
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
        let from = self.slots[slot] as usize;
        let group = &self.heads[from..self.slots[slot + 1] as usize];
        let next = ascii_lower(load(bytes, at + key_len));
        for (i, &(head_key, head_next)) in group.iter().enumerate() {
            // Up to the head's last non-zero byte: all of the pattern's unless it ends in
            // zero bytes, which its entry's `next_len` checks.
            let head_len = 8 - (head_next.leading_zeros() / 8) as usize;
            if head_key != key || next & LOW_BYTES[head_len] != head_next {
                continue;
            }
            let e = &self.entries[from + i];
            if next & LOW_BYTES[usize::from(e.next_len)] != head_next {
                continue;
            }
            let len = e.len as usize;
            if at + len > bytes.len() {
                continue;
            }
            let rest = len - key_len;
            if rest > 8 {
                let tail_from = e.from as usize;
                let tail = &self.bytes[tail_from..tail_from + rest - 8];
                if !bytes[at + key_len + 8..at + len].eq_ignore_ascii_case(tail) {
                    continue;
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
}

/// Ends a sentence for gapped patterns.
fn sentence_end(c: char) -> bool {
    matches!(c, '。' | '！' | '？' | '!' | '?' | '.' | ';' | '；' | '\n')
}

/// The first occurrence of `ids` in order within one sentence, given all part matches
/// sorted by start.
fn gapped_match(text: &str, raw: &[PartMatch], phrase: usize, ids: &[usize]) -> Option<PhraseHit> {
    'first: for m in raw {
        if m.part != ids[0] {
            continue;
        }
        let mut parts = [m.start..m.end.0, 0..0, 0..0];
        let mut at = m.end.0;
        for (i, &want) in ids.iter().enumerate().skip(1) {
            let next = raw
                .iter()
                .find(|n| n.part == want && n.start >= at)
                .map(|n| n.start..n.end.0);
            match next {
                Some(r) if !text[at..r.start].chars().any(sentence_end) => {
                    at = r.end;
                    parts[i] = r;
                }
                _ => continue 'first,
            }
        }
        return Some(PhraseHit::new(phrase, &parts[..ids.len()]));
    }
    None
}

/// Words that start with a negating character but do not negate (`不小心烫伤` is a burn).
const NOT_NEGATORS: [&str; 12] = [
    "不小心",
    "不慎",
    "不料",
    "不得不",
    "不仅",
    "不但",
    "不停",
    "不断",
    "不少",
    "不久",
    "没想到",
    "无意",
];

const EN_NEGATORS: [&str; 20] = [
    "not", "no", "never", "without", "nothing", "none", "dont", "didnt", "doesnt", "isnt", "wasnt",
    "werent", "arent", "havent", "hasnt", "hadnt", "wont", "cant", "cannot", "nor",
];

/// Whether the match starting at byte `start` of the normalised `text` is negated: a
/// Chinese negator (不, 没, 无, 未, 别, 非, 勿) among the four characters before it, or an
/// English one among the three words before it, within the same clause.
#[must_use]
pub fn negated(text: &str, start: usize) -> bool {
    let before = &text[..start.min(text.len())];
    let clause_start = before
        .char_indices()
        .rev()
        .find(|&(_, c)| {
            matches!(
                c,
                ',' | '，' | '。' | '.' | '!' | '！' | '?' | '？' | ';' | '；' | '\n' | '、'
            )
        })
        .map_or(0, |(i, c)| i + c.len_utf8());
    let clause = &before[clause_start..];
    // Chinese: the last four characters.
    let tail_start = clause.char_indices().rev().nth(3).map_or(0, |(i, _)| i);
    for (i, c) in clause[tail_start..].char_indices() {
        if matches!(c, '不' | '没' | '无' | '未' | '别' | '非' | '勿') {
            let here = &clause[tail_start + i..];
            if !NOT_NEGATORS.iter().any(|w| here.starts_with(w)) {
                return true;
            }
        }
    }
    // English: the last three words, apostrophes dropped.
    clause
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '\'' || c == '’'))
        .filter(|w| !w.is_empty())
        .rev()
        .take(3)
        .any(|w| {
            let w: String = w
                .chars()
                .filter(|c| c.is_ascii_alphanumeric())
                .map(|c| c.to_ascii_lowercase())
                .collect();
            EN_NEGATORS.contains(&w.as_str())
        })
}

/// Parses a weighted phrase list: one `label<TAB>weight<TAB>pattern` a line, `#` comments
/// and blank lines skipped. `label` is checked by `parse_label`.
///
/// # Errors
///
/// [`crate::Error::Dictionary`] naming `name` and the line: a missing field, an unknown
/// label, or a weight that is not a positive number.
pub fn parse_weighted<L>(
    text: &str,
    name: &str,
    parse_label: impl Fn(&str) -> Option<L>,
) -> crate::Result<Vec<(L, f32, String)>> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        let fail = |message: String| crate::Error::Dictionary {
            path: name.into(),
            line: n + 1,
            message,
        };
        let mut fields = line.split('\t');
        let (Some(label), Some(weight), Some(pattern), None) =
            (fields.next(), fields.next(), fields.next(), fields.next())
        else {
            return Err(fail("expected label<TAB>weight<TAB>pattern".into()));
        };
        let label =
            parse_label(label.trim()).ok_or_else(|| fail(format!("unknown label `{label}`")))?;
        let weight: f32 = weight
            .trim()
            .parse()
            .ok()
            .filter(|w: &f32| *w > 0.0 && w.is_finite())
            .ok_or_else(|| fail(format!("weight `{weight}` is not a positive number")))?;
        let pattern = pattern.trim();
        if pattern.is_empty() {
            return Err(fail("empty pattern".into()));
        }
        out.push((label, weight, pattern.to_owned()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::segment::{NormalizerConfig, StandardNormalizer};

    fn set(patterns: &[&str]) -> PhraseSet<usize> {
        let normalizer = StandardNormalizer::new(NormalizerConfig::default());
        PhraseSet::new(
            patterns
                .iter()
                .enumerate()
                .map(|(i, p)| ((*p).to_owned(), i)),
            &normalizer,
        )
        .unwrap()
    }

    fn found(set: &PhraseSet<usize>, text: &str) -> Vec<(String, String)> {
        let mut hits = Vec::new();
        set.find(text, &mut hits);
        hits.iter()
            .map(|h| (set.pattern(h.phrase).to_owned(), text[h.span()].to_owned()))
            .collect()
    }

    #[test]
    fn longest_match_wins_and_words_have_boundaries() {
        let s = set(&["服务", "服务器", "app", "refund*", "delay", "can't log in"]);
        assert_eq!(found(&s, "I can’t log in").len(), 1);
        assert_eq!(
            found(&s, "服务器又崩了"),
            [("服务器".into(), "服务器".into())]
        );
        assert!(found(&s, "Happy with it").is_empty());
        assert_eq!(found(&s, "The APP froze")[0].1, "APP");
        assert_eq!(found(&s, "refunded twice")[0].1, "refunded");
        assert_eq!(found(&s, "two delays")[0].1, "delays");
        assert!(found(&s, "delayed").is_empty());
    }

    #[test]
    fn traditional_and_full_width_patterns_match() {
        let s = set(&["服務態度", "ＷＩＦＩ"]);
        let normalizer = StandardNormalizer::new(NormalizerConfig::default());
        let norm = normalizer.normalize("服務態度差，wifi也慢");
        let hits = found(&s, norm.text());
        assert_eq!(hits.len(), 2, "{hits:?}");
    }

    #[test]
    fn gapped_patterns_stay_in_one_sentence() {
        let s = set(&["要是…就好了", "would be…if"]);
        assert_eq!(found(&s, "要是有中文版就好了").len(), 1);
        assert!(found(&s, "要是下雨。就好了").is_empty());
        assert_eq!(found(&s, "It would be great if it synced").len(), 1);
    }

    #[test]
    fn one_text_in_two_lists_is_reported_twice() {
        let s = set(&["退货", "退货"]);
        assert_eq!(found(&s, "申请退货").len(), 2);
    }

    #[test]
    fn negation_is_clause_local() {
        let t = "没有起火";
        assert!(negated(t, t.find("起火").unwrap()));
        let t = "不小心被烫伤";
        assert!(!negated(t, t.find("烫伤").unwrap()));
        let t = "虽然不贵，但是起火了";
        assert!(!negated(t, t.find("起火").unwrap()));
        let t = "I would not recommend it";
        assert!(negated(t, t.find("recommend").unwrap()));
        let t = "it didn't catch fire";
        assert!(negated(t, t.find("catch").unwrap()));
        assert!(!negated("it caught fire", 3));
    }

    /// Pseudo-random texts made of pattern pieces, separators and filler.
    fn texts(pieces: &[&str], n: usize) -> Vec<String> {
        let filler = [
            "", " ", "，", "。", "?", "s", "es", "ing", "很", "了", "x", "A", "’", "'",
        ];
        let mut state = 42u64;
        let mut next = |m: usize| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 33) as usize % m
        };
        (0..n)
            .map(|_| {
                let mut t = String::new();
                for _ in 0..next(12) {
                    t.push_str(pieces[next(pieces.len())]);
                    t.push_str(filler[next(filler.len())]);
                }
                t
            })
            .collect()
    }

    #[test]
    fn one_scan_finds_what_each_set_finds_alone() {
        let lists: [&[&str]; 3] = [
            &[
                "服务",
                "服务器",
                "退款",
                "要是…就好了",
                "would be…if",
                "can't log in",
                "app",
            ],
            &[
                "服务",
                "退款",
                "refund*",
                "refund",
                "delay",
                "服务…太差",
                "a…b…c",
                "APP",
            ],
            &["起火", "服务器", "can’t log in", "would be", "if", "delays"],
        ];
        let sets = lists.map(set);
        let scanner =
            PhraseScanner::new(&[sets[0].list(), sets[1].list(), sets[2].list()]).unwrap();
        let pieces: Vec<&str> = lists
            .iter()
            .flat_map(|l| l.iter().flat_map(|p| p.split(GAP)))
            .chain([
                "服务器又崩了",
                "would be great",
                "b",
                "c",
                "refunded",
                "太差",
            ])
            .map(|p| p.trim_end_matches('*'))
            .collect();
        let mut scan = PhraseScan::default();
        let mut found_any = 0;
        for text in texts(&pieces, 2000) {
            scanner.scan(&text, &mut scan);
            for (i, set) in sets.iter().enumerate() {
                let (mut alone, mut shared) = (Vec::new(), Vec::new());
                set.find(&text, &mut alone);
                set.find_in(&scan, i, &text, &mut shared);
                assert_eq!(alone, shared, "list {i}, text {text:?}");
                found_any += alone.len();
            }
        }
        assert!(found_any > 2000, "{found_any}");
    }

    #[test]
    fn bad_patterns_are_errors() {
        let normalizer = StandardNormalizer::new(NormalizerConfig::default());
        for bad in ["", "a……b", "a*b", "a…b…c…d"] {
            assert!(
                PhraseSet::new([(bad.to_owned(), ())], &normalizer).is_err(),
                "{bad}"
            );
        }
    }
}
