//! Normalisation with a way back: full-width letters and digits → half-width, control and
//! zero-width characters removed, Traditional → Simplified Chinese (for analysis only). Every byte of the normalised
//! text knows the span of original characters it came from, so tokens found in the normalised
//! text are reported as substrings of the original.

use std::borrow::Cow;
use std::ops::Range;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

/// Which normalisations run. All are on by default.
///
/// | Name | Default | Purpose |
/// |---|---|---|
/// | `width` | `true` | full-width letters, digits and the symbols inside numbers and words (`ＡＢＣ１２３．％＋＃＆＿－`) become half-width; full-width punctuation (`，。！？`), normal in Chinese, stays, and only the forms of punctuation tokens are half-width |
/// | `traditional_to_simplified` | `true` | Traditional Chinese is analysed as Simplified (zhconv), reported in its original script |
/// | `strip_invisible` | `true` | control characters, zero-width spaces, BOMs and soft hyphens are dropped |
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NormalizerConfig {
    /// Full-width letters and digits → half-width.
    pub width: bool,
    /// Traditional → Simplified Chinese.
    pub traditional_to_simplified: bool,
    /// Drop control and zero-width characters.
    pub strip_invisible: bool,
}

impl Default for NormalizerConfig {
    fn default() -> Self {
        NormalizerConfig {
            width: true,
            traditional_to_simplified: true,
            strip_invisible: true,
        }
    }
}

/// The normalisation stage.
///
/// # Examples
///
/// ```
/// use fankui::segment::{Normalizer, NormalizerConfig, StandardNormalizer};
///
/// let normalizer = StandardNormalizer::new(NormalizerConfig::default());
/// let text = "物流太慢！服務很差";
/// let norm = normalizer.normalize(text);
/// assert_eq!(norm.text(), "物流太慢！服务很差");
/// // "服务" in the normalised text is "服務" in the original.
/// let at = norm.text().find("服务").unwrap();
/// let span = norm.original_span(at..at + "服务".len());
/// assert_eq!(&text[span], "服務");
/// ```
pub trait Normalizer: Send + Sync + std::fmt::Debug {
    /// Normalises `text`, keeping the mapping back to it.
    fn normalize<'a>(&self, text: &'a str) -> Normalized<'a>;
}

/// The built-in normaliser, configured by [`NormalizerConfig`].
#[derive(Debug, Clone, Default)]
pub struct StandardNormalizer {
    config: NormalizerConfig,
}

impl StandardNormalizer {
    /// A normaliser with the given configuration.
    #[must_use]
    pub fn new(config: NormalizerConfig) -> Self {
        StandardNormalizer { config }
    }
}

/// A normalised text and its alignment to the original.
#[derive(Debug, Clone)]
pub struct Normalized<'a> {
    original: &'a str,
    text: Cow<'a, str>,
    /// For each byte of `text`, the byte span in `original` of the character(s) it came from.
    /// Empty when `text` is the original itself.
    align: Vec<(u32, u32)>,
    traditional_chars: usize,
    /// Whether some original characters became a different number of characters, so token
    /// boundaries may fall inside one original character.
    reshaped: bool,
}

impl<'a> Normalized<'a> {
    /// The identity normalisation: `text` unchanged.
    #[must_use]
    pub fn identity(text: &'a str) -> Self {
        Normalized::identity_unchecked(text)
    }

    /// The normalised text.
    #[must_use]
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The original text.
    #[must_use]
    pub fn original(&self) -> &'a str {
        self.original
    }

    /// Number of Han characters in the original (counted on each call: no stage needs it on
    /// the way through, so normalising does not count them).
    #[must_use]
    pub fn han_chars(&self) -> usize {
        self.original.chars().filter(|&c| is_han(c)).count()
    }

    /// Whether token boundaries may fall inside an original character (some characters became
    /// a different number of characters), so tokens need [`Tokens::repair_overlaps`].
    ///
    /// [`Tokens::repair_overlaps`]: crate::Tokens::repair_overlaps
    #[must_use]
    pub fn reshaped(&self) -> bool {
        self.reshaped
    }

    /// Number of original characters that Traditional → Simplified conversion changed.
    #[must_use]
    pub fn traditional_chars(&self) -> usize {
        self.traditional_chars
    }

    /// The byte offset in the normalised text of the original byte offset `at`: where the
    /// normalised form of the first original character at or after `at` begins (the end of
    /// the text past the last one).
    #[must_use]
    pub fn normalized_offset(&self, at: usize) -> usize {
        if self.align.is_empty() {
            return at.min(self.text.len());
        }
        self.align.partition_point(|a| (a.0 as usize) < at)
    }

    /// The byte range in the original text of the normalised byte range `range`.
    ///
    /// `range` must lie on character boundaries of [`text`](Self::text); the result lies on
    /// character boundaries of the original and covers every original character that
    /// contributed to the range (so an empty range maps to an empty range). Any other range
    /// maps within the original too, without a panic: past the end as if it stopped at the
    /// end, reversed to an empty range.
    #[must_use]
    pub fn original_span(&self, range: Range<usize>) -> Range<usize> {
        if self.align.is_empty() {
            let start = range.start.min(self.original.len());
            return start..range.end.clamp(start, self.original.len());
        }
        let start = match self.align.get(range.start) {
            Some(a) => a.0 as usize,
            None => self.original.len(),
        };
        if range.end <= range.start {
            return start..start;
        }
        let end = match self.align.get(range.end - 1) {
            Some(a) => a.1 as usize,
            None => self.original.len(),
        };
        start..end.max(start)
    }
}

/// What pass one does with one character.
enum Edit {
    Keep,
    Replace(char),
    Delete,
}

impl StandardNormalizer {
    fn edit(&self, c: char, prev_kept: Option<char>) -> Edit {
        let cfg = &self.config;
        // Fast paths: ASCII and Han are almost all of the text.
        if c.is_ascii() {
            let invisible = cfg.strip_invisible && c.is_ascii_control() && !c.is_ascii_whitespace();
            return if invisible { Edit::Delete } else { Edit::Keep };
        }
        if is_han(c) {
            return Edit::Keep;
        }
        if cfg.width {
            if let Some(h) = half_width_word_char(c) {
                return Edit::Replace(h);
            }
        }
        if cfg.strip_invisible {
            match c {
                // Whitespace stays whitespace, control character or not.
                c if c.is_whitespace() => {}
                c if c.is_control() => return Edit::Delete,
                '\u{200B}' | '\u{200C}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}' => {
                    return Edit::Delete
                }
                // A zero-width joiner holds emoji sequences together; elsewhere it only
                // hides word boundaries.
                '\u{200D}' if !prev_kept.is_some_and(is_emoji) => return Edit::Delete,
                _ => {}
            }
        }
        Edit::Keep
    }
}

impl Normalizer for StandardNormalizer {
    fn normalize<'a>(&self, original: &'a str) -> Normalized<'a> {
        let (first_edit, any_traditional) = self.scan(original);
        let mut norm = match first_edit {
            None => Normalized::identity_unchecked(original),
            Some(from) => {
                let (text, align) = self.pass_one(original, from);
                Normalized {
                    original,
                    text: Cow::Owned(text),
                    align,
                    traditional_chars: 0,
                    reshaped: false,
                }
            }
        };
        if any_traditional {
            to_simplified(&mut norm);
        }
        norm
    }
}

impl<'a> Normalized<'a> {
    fn identity_unchecked(text: &'a str) -> Self {
        Normalized {
            original: text,
            text: Cow::Borrowed(text),
            align: Vec::new(),
            traditional_chars: 0,
            reshaped: false,
        }
    }

    /// The alignment, materialised (identity when the text was borrowed).
    fn alignment(&self) -> Cow<'_, [(u32, u32)]> {
        if !self.align.is_empty() || self.text.is_empty() {
            return Cow::Borrowed(&self.align);
        }
        let mut align = Vec::with_capacity(self.text.len());
        push_identity(&mut align, &self.text);
        Cow::Owned(align)
    }
}

impl StandardNormalizer {
    /// The byte offset of the first character [`edit`](Self::edit) changes, and whether some
    /// character is one that Traditional → Simplified conversion changes: one pass until the
    /// first of the two is found, then a pass that looks only for the other.
    fn scan(&self, original: &str) -> (Option<usize>, bool) {
        let Some(table) = self
            .config
            .traditional_to_simplified
            .then(traditional_table)
        else {
            return (self.find::<true, false>(None, original, 0), false);
        };
        let table = Some(table);
        let Some(at) = self.find::<true, true>(table, original, 0) else {
            return (None, false);
        };
        let traditional = self.find::<false, true>(table, original, at);
        if traditional == Some(at) {
            // Traditional first: only the first edit is left to find.
            (self.find::<true, false>(None, original, at), true)
        } else {
            (Some(at), traditional.is_some())
        }
    }

    /// The byte offset, from `from` on, of the first character that [`edit`](Self::edit) may
    /// change (with `EDITS`) or that is Traditional by `table` (with `TRADITIONAL`).
    ///
    /// Printable ASCII and the Han characters of the basic plane, nearly all of any text, take
    /// the first two branches: the first is passed by, the second is looked up in the table by
    /// its bytes, without decoding. For the rest, the first byte says what the character may
    /// be ([`Lead`]).
    #[inline(never)]
    fn find<const EDITS: bool, const TRADITIONAL: bool>(
        &self,
        table: Option<&[u64; TRADITIONAL_WORDS]>,
        original: &str,
        from: usize,
    ) -> Option<usize> {
        let bytes = original.as_bytes();
        let mut i = from;
        while let Some(&b) = bytes.get(i) {
            if (0x20..0x7F).contains(&b) {
                i += 1;
                continue;
            }
            if (0xE3..=0xE9).contains(&b) {
                // A run of U+3000–U+9FFF. The table's word for a character is `cp / 64`, the
                // first byte's low four bits and the second byte's low six; the bit is the
                // third byte's low six.
                let mut rest = &bytes[i..];
                while let [b0 @ 0xE3..=0xE9, b1, b2, tail @ ..] = rest {
                    if let (true, Some(t)) = (TRADITIONAL, table) {
                        let word = t[usize::from(b0 & 0x0F) << 6 | usize::from(b1 & 0x3F)];
                        if word >> (b2 & 0x3F) & 1 != 0 {
                            return Some(bytes.len() - rest.len());
                        }
                    }
                    rest = tail;
                }
                i = bytes.len() - rest.len();
                continue;
            }
            let lead = Lead::of(b);
            if let Lead::Plain(n) = lead {
                i += usize::from(n);
                continue;
            }
            let c = original[i..].chars().next()?;
            if TRADITIONAL && matches!(lead, Lead::HanOrEdit | Lead::Han4) && is_traditional(c) {
                return Some(i);
            }
            if EDITS && (c.is_ascii() || may_edit(c as u32)) {
                let prev = if c == '\u{200D}' {
                    original[..i].chars().next_back()
                } else {
                    None
                };
                if !matches!(self.edit(c, prev), Edit::Keep) {
                    return Some(i);
                }
            }
            i += c.len_utf8();
        }
        None
    }

    /// Width and invisible-character pass; `from` is the first byte that changes.
    fn pass_one(&self, original: &str, from: usize) -> (String, Vec<(u32, u32)>) {
        let mut text = String::with_capacity(original.len());
        let mut align = Vec::with_capacity(original.len());
        text.push_str(&original[..from]);
        push_identity(&mut align, &original[..from]);
        // Deleted characters join the next kept one (or the last one, at the end), so no
        // original character is ever outside every token's reach.
        let mut pending: Option<u32> = None;
        let mut prev = original[..from].chars().next_back();
        for (i, c) in original[from..].char_indices() {
            let i = i + from;
            let end = (i + c.len_utf8()) as u32;
            let out = match self.edit(c, prev) {
                Edit::Delete => {
                    pending.get_or_insert(i as u32);
                    continue;
                }
                Edit::Keep => c,
                Edit::Replace(r) => r,
            };
            let start = pending.take().unwrap_or(i as u32);
            text.push(out);
            align.extend(std::iter::repeat_n((start, end), out.len_utf8()));
            prev = Some(out);
        }
        if pending.is_some() {
            if let Some(last) = align.last_mut() {
                last.1 = original.len() as u32;
            }
        }
        (text, align)
    }
}

/// What the character starting with a given byte may be, for [`StandardNormalizer::find`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lead {
    /// Neither Han nor changed by `edit`, whatever the configuration: skip this many bytes.
    Plain(u8),
    /// ASCII (controls, for `find`) and characters led by C2 (C1 controls, the soft hyphen)
    /// or E2 (zero-width characters): `edit` may change them.
    Edit,
    /// Led by E3–E9: U+3000–U+9FFF, where the Han characters of the basic plane are (but for
    /// the compatibility ideographs).
    Han3,
    /// Led by EF: U+F000–U+FFFF, with the compatibility ideographs, the BOM and full-width
    /// letters and digits.
    HanOrEdit,
    /// Led by F0: the supplementary planes up to U+3FFFF, with the Han extensions.
    Han4,
}

impl Lead {
    #[inline]
    fn of(b: u8) -> Lead {
        match b {
            0x00..=0x1F | 0x7F | 0xC2 | 0xE2 => Lead::Edit,
            0x20..=0xBF => Lead::Plain(1),
            0xC0..=0xDF => Lead::Plain(2),
            0xE3..=0xE9 => Lead::Han3,
            0xEF => Lead::HanOrEdit,
            0xE0..=0xEF => Lead::Plain(3),
            0xF0 => Lead::Han4,
            0xF1..=0xFF => Lead::Plain(4),
        }
    }
}

/// Whether [`StandardNormalizer::edit`] may change a non-ASCII character (C1 controls,
/// invisible characters, the full-width word characters of [`half_width_word_char`]); it
/// keeps all the others, full-width punctuation such as `，` included.
#[inline]
fn may_edit(cp: u32) -> bool {
    matches!(cp, 0x80..=0x9F | 0xAD | 0x200B..=0x200D | 0x2060 | 0xFEFF
        | 0xFF03 | 0xFF05 | 0xFF06 | 0xFF0B | 0xFF0D | 0xFF0E | 0xFF10..=0xFF19
        | 0xFF21..=0xFF3A | 0xFF3F | 0xFF41..=0xFF5A)
}

/// Appends the alignment of `text`, a prefix of the original, to itself: each byte maps to the
/// character it belongs to.
fn push_identity(align: &mut Vec<(u32, u32)>, text: &str) {
    for (i, c) in text.char_indices() {
        let span = (i as u32, (i + c.len_utf8()) as u32);
        align.extend(std::iter::repeat_n(span, c.len_utf8()));
    }
}

/// Converts the normalised text to Simplified Chinese in place, composing the alignment.
fn to_simplified(norm: &mut Normalized<'_>) {
    let converter = zhconv::get_builtin_converter(zhconv::Variant::ZhHans);
    let source: &str = &norm.text;
    let align1 = norm.alignment();
    let mut text = String::with_capacity(source.len());
    let mut align = Vec::with_capacity(source.len());
    let mut changed = 0;
    let mut reshaped = false;
    let mut last = 0;
    let copy = |text: &mut String, align: &mut Vec<(u32, u32)>, range: Range<usize>| {
        text.push_str(&source[range.clone()]);
        align.extend_from_slice(&align1[range]);
    };
    for (s, e, target) in converter.search(source) {
        let from = &source[s..e];
        if from == target {
            continue;
        }
        copy(&mut text, &mut align, last..s);
        let from_chars = from.chars().count();
        changed += from_chars;
        if target.chars().count() == from_chars {
            // Character for character: each target character maps to its source character.
            for ((offset, fc), tc) in from.char_indices().zip(target.chars()) {
                let b = s + offset;
                let span = (align1[b].0, align1[b + fc.len_utf8() - 1].1);
                text.push(tc);
                align.extend(std::iter::repeat_n(span, tc.len_utf8()));
            }
        } else {
            reshaped = true;
            let span = (align1[s].0, align1[e - 1].1);
            text.push_str(target);
            align.extend(std::iter::repeat_n(span, target.len()));
        }
        last = e;
    }
    if changed == 0 {
        return;
    }
    copy(&mut text, &mut align, last..source.len());
    drop(align1);
    norm.text = Cow::Owned(text);
    norm.align = align;
    norm.traditional_chars = changed;
    norm.reshaped |= reshaped;
}

/// The half-width form of a full-width letter, digit or word-internal symbol (`.%+#&_-`).
fn half_width_word_char(c: char) -> Option<char> {
    match c {
        '\u{FF10}'..='\u{FF19}'
        | '\u{FF21}'..='\u{FF3A}'
        | '\u{FF41}'..='\u{FF5A}'
        | '\u{FF03}'
        | '\u{FF05}'
        | '\u{FF06}'
        | '\u{FF0B}'
        | '\u{FF0D}'
        | '\u{FF0E}'
        | '\u{FF3F}' => char::from_u32(c as u32 - 0xFEE0),
        _ => None,
    }
}

/// The half-width form of full-width or CJK punctuation (`，` → `,`, `。` → `.`), for the
/// forms of punctuation tokens.
#[must_use]
pub fn half_width_punct(c: char) -> Option<char> {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0),
        '。' | '｡' => Some('.'),
        '、' | '､' => Some(','),
        '\u{3000}' => Some(' '),
        _ => None,
    }
}

/// Whether `c` is a CJK unified or compatibility ideograph.
#[must_use]
pub fn is_han(c: char) -> bool {
    matches!(c as u32,
        0x4E00..=0x9FFF | 0x3400..=0x4DBF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F | 0x3007)
}

/// Whether `s` has a Han character.
#[must_use]
#[inline(always)]
pub(crate) fn has_han(s: &str) -> bool {
    has_han_bytes(s.as_bytes())
}

/// [`has_han`] on the UTF-8 bytes of a string (or of a range of them on character
/// boundaries), by the first bytes of its characters: U+4E00–U+9FFF, most Han words' first
/// character, is told by the first one or two.
#[must_use]
#[inline(always)]
pub(crate) fn has_han_bytes(s: &[u8]) -> bool {
    match s {
        [0xE5..=0xE9, ..] | [0xE4, 0xB8..=0xBF, ..] => true,
        _ => has_han_scan(s),
    }
}

/// [`has_han_bytes`] beyond its first test. Every Han character has a first byte from E3 to
/// F0, and a byte in that range is always a first byte, so only those bytes are looked at
/// (with the next one or three); only U+2F000–U+2FFFF is decoded.
fn has_han_scan(bytes: &[u8]) -> bool {
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        i += 1;
        if !(0xE3..=0xF0).contains(&b) {
            continue;
        }
        let next = bytes.get(i).copied().unwrap_or_default();
        let han = match b {
            // U+5000–U+9FFF.
            0xE5..=0xE9 => true,
            // U+4000–U+4FFF: Han but for U+4DC0–U+4DFF (E4 B7 ..).
            0xE4 => next != 0xB7,
            // U+3000–U+3FFF: Han from U+3400 (E3 90 ..), and U+3007 (E3 80 87).
            0xE3 => next >= 0x90 || next == 0x80 && bytes.get(i + 1) == Some(&0x87),
            // U+F900–U+FAFF (EF A4 .. to EF AB ..).
            0xEF => (0xA4..=0xAB).contains(&next),
            // U+20000–U+2EFFF; U+2F000–U+2FFFF (F0 AF ..) up to U+2FA1F.
            0xF0 => {
                let low =
                    |k: usize| u32::from(bytes.get(i + k).copied().unwrap_or_default() & 0x3F);
                (0xA0..=0xAE).contains(&next)
                    || next == 0xAF && 0x2F000 | low(1) << 6 | low(2) <= 0x2FA1F
            }
            // EA–EE: no Han.
            _ => false,
        };
        if han {
            return true;
        }
    }
    false
}

/// Whether `c` is an emoji or pictographic symbol (an approximation of
/// `Extended_Pictographic` plus regional indicators and keycap parts).
#[must_use]
pub fn is_emoji(c: char) -> bool {
    matches!(c as u32,
        0x1F000..=0x1FAFF
        | 0x2600..=0x27BF
        | 0x2B00..=0x2BFF
        | 0x2300..=0x23FF
        | 0x2190..=0x21FF
        | 0x25A0..=0x25FF
        | 0x2934..=0x2935
        | 0x3030 | 0x303D | 0x3297 | 0x3299
        | 0x00A9 | 0x00AE | 0x203C | 0x2049 | 0x2122 | 0x2139
        | 0xFE0F | 0x20E3)
}

/// Whether `c` is a Han character that zhconv writes differently in Simplified Chinese.
///
/// A per-character table made once from zhconv's own tables, so the common case (text with no
/// Traditional characters) never runs the phrase converter.
#[must_use]
pub fn is_traditional(c: char) -> bool {
    let cp = c as u32;
    cp < TRADITIONAL_LIMIT && traditional_table()[cp as usize / 64] & (1 << (cp % 64)) != 0
}

/// Code points from here on are never Traditional (as far as [`is_traditional`] knows).
const TRADITIONAL_LIMIT: u32 = 0x30000;
const TRADITIONAL_WORDS: usize = TRADITIONAL_LIMIT as usize / 64;

/// The bit set behind [`is_traditional`], one bit per code point below
/// [`TRADITIONAL_LIMIT`] (Han code points all are).
fn traditional_table() -> &'static [u64; TRADITIONAL_WORDS] {
    static TABLE: OnceLock<Box<[u64; TRADITIONAL_WORDS]>> = OnceLock::new();
    const LIMIT: u32 = TRADITIONAL_LIMIT;
    TABLE.get_or_init(|| {
        let mut bits = Box::new([0u64; TRADITIONAL_WORDS]);
        let chars: Vec<char> = (0..LIMIT)
            .filter_map(char::from_u32)
            .filter(|&c| is_han(c))
            .collect();
        let mut joined = String::with_capacity(chars.len() * 4);
        for &c in &chars {
            joined.push(c);
            joined.push('\n');
        }
        let converted = zhconv::zhconv(&joined, zhconv::Variant::ZhHans);
        for (&c, line) in chars.iter().zip(converted.split('\n')) {
            let mut it = line.chars();
            if !(it.next() == Some(c) && it.next().is_none()) {
                bits[c as usize / 64] |= 1 << (c as usize % 64);
            }
        }
        bits
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(text: &str) -> Normalized<'_> {
        StandardNormalizer::default().normalize(text)
    }

    #[test]
    fn identity_for_plain_simplified() {
        let n = norm("物流太慢了，客服也不理人！");
        assert!(matches!(n.text, Cow::Borrowed(_)));
        assert_eq!(n.original_span(3..9), 3..9);
        assert_eq!(n.han_chars(), 11);
    }

    #[test]
    fn full_width_maps_back() {
        let text = "ｉＰｈｏｎｅ１３，很好";
        let n = norm(text);
        assert_eq!(n.text(), "iPhone13，很好");
        assert_eq!(&text[n.original_span(0..6)], "ｉＰｈｏｎｅ");
        assert_eq!(&text[n.original_span(8..11)], "，");
        assert_eq!(&text[n.original_span(11..17)], "很好");
    }

    #[test]
    fn traditional_is_simplified_and_maps_back() {
        let text = "這個產品的質量很好，物流也快";
        let n = norm(text);
        assert_eq!(n.text(), "这个产品的质量很好，物流也快");
        assert!(n.traditional_chars() >= 4);
        let at = n.text().find("质量").unwrap();
        assert_eq!(&text[n.original_span(at..at + 6)], "質量");
    }

    #[test]
    fn invisible_characters_join_their_neighbour() {
        let text = "\u{FEFF}好\u{200B}评\u{0007}";
        let n = norm(text);
        assert_eq!(n.text(), "好评");
        assert_eq!(n.original_span(0..n.text().len()), 0..text.len());
    }

    #[test]
    fn emoji_joiner_is_kept() {
        let text = "👨\u{200D}👩\u{200D}👧";
        assert_eq!(norm(text).text(), text);
    }

    #[test]
    fn lead_bytes_say_what_a_character_may_be() {
        let configs = [
            NormalizerConfig::default(),
            NormalizerConfig {
                width: false,
                ..NormalizerConfig::default()
            },
            NormalizerConfig {
                strip_invisible: false,
                ..NormalizerConfig::default()
            },
        ];
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            let mut buf = [0; 4];
            let lead = Lead::of(c.encode_utf8(&mut buf).as_bytes()[0]);
            if let Lead::Plain(n) = lead {
                assert_eq!(usize::from(n), c.len_utf8(), "{c:?}");
            }
            if lead == Lead::Han3 {
                assert_eq!(c.len_utf8(), 3, "{c:?}");
            }
            if is_han(c) || is_traditional(c) {
                assert!(
                    matches!(lead, Lead::Han3 | Lead::HanOrEdit | Lead::Han4),
                    "{c:?}"
                );
            }
            // What `scan` asks `edit` about: all of ASCII, and the rest by `may_edit`.
            let may_change =
                c.is_ascii() || matches!(lead, Lead::Edit | Lead::HanOrEdit) && may_edit(c as u32);
            if may_change {
                continue;
            }
            for config in configs {
                for prev in [None, Some('a'), Some('👍')] {
                    let kept = StandardNormalizer::new(config).edit(c, prev);
                    assert!(matches!(kept, Edit::Keep), "{c:?}");
                }
            }
        }
    }

    #[test]
    fn has_han_is_any_han_char() {
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            let s = format!("a{c}");
            assert_eq!(has_han(&s), is_han(c), "{c:?}");
            assert_eq!(has_han(&s[1..]), is_han(c), "{c:?}");
        }
        assert!(has_han("T恤") && !has_han("，ok") && !has_han(""));
    }

    #[test]
    fn traditional_table_knows_common_characters() {
        assert!(is_traditional('機'));
        assert!(is_traditional('們'));
        assert!(!is_traditional('机'));
        assert!(!is_traditional('好'));
    }
}
