//! A pull scanner for one JSON line, made for reading `fankui analyze` output fast: strings
//! come back borrowed from the line unless they hold escapes, values the caller does not want
//! are skipped without being decoded, and nothing is allocated for the structure.
//!
//! The line must already be valid UTF-8 and free of raw control characters inside strings
//! (the caller checks both once per line, with [`has_control`], which is cheaper than
//! checking each string). The grammar is otherwise RFC 8259's: the escapes of strings that are
//! skipped are checked too, lone surrogates included, so a line the scanner accepts is a JSON
//! text that any strict parser reads, and can be copied to a queue as it is.

use std::borrow::Cow;

/// Where a line stops being JSON, and what was expected there.
pub(crate) use crate::error::JsonSyntaxError as SyntaxError;

pub(crate) type Result<T> = std::result::Result<T, SyntaxError>;

/// Nesting deeper than this is refused rather than followed (skipping recurses).
const MAX_DEPTH: u32 = 128;

/// A JSON value where a scalar is expected.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Scalar<'a> {
    Null,
    Str(Cow<'a, str>),
    /// A number, as written.
    Num(&'a str),
    Bool(bool),
    /// An array or an object (skipped).
    Other,
}

impl Scalar<'_> {
    /// What it is, for messages.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Scalar::Null => "null",
            Scalar::Str(_) => "a string",
            Scalar::Num(_) => "a number",
            Scalar::Bool(_) => "a boolean",
            Scalar::Other => "an array or object",
        }
    }

    /// The value for messages: strings quoted, numbers as written.
    pub(crate) fn display(&self) -> String {
        match self {
            Scalar::Str(s) => format!("{s:?}"),
            Scalar::Num(n) => (*n).to_owned(),
            other => other.kind().to_owned(),
        }
    }
}

/// A JSON array of strings, checked when it was scanned and read again on demand.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct StrList<'a> {
    /// The array as written, brackets included (empty for `null` or a missing field).
    raw: &'a str,
    len: usize,
    /// No escapes and no white space, as `fankui analyze` writes it: the strings are what
    /// lies between the quotes.
    tight: bool,
}

impl<'a> StrList<'a> {
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The strings, in order, unescaped.
    pub(crate) fn iter(&self) -> StrIter<'a> {
        let mut scanner = Scanner::new(self.raw);
        if self.tight {
            // After `["`, or nothing left for `[]`.
            let rest = self.raw.get(2..).filter(|_| self.len > 0);
            return StrIter {
                scanner,
                open: false,
                first: true,
                tight: rest,
            };
        }
        let open = scanner.byte() == Some(b'[');
        scanner.pos += usize::from(open);
        StrIter {
            scanner,
            open,
            first: true,
            tight: None,
        }
    }
}

/// The strings of a [`StrList`].
#[derive(Clone)]
pub(crate) struct StrIter<'a> {
    scanner: Scanner<'a>,
    open: bool,
    first: bool,
    /// In a tight list: the rest, from the start of the next string.
    tight: Option<&'a str>,
}

impl<'a> Iterator for StrIter<'a> {
    type Item = Cow<'a, str>;

    fn next(&mut self) -> Option<Cow<'a, str>> {
        if let Some(rest) = self.tight {
            // Every quote closes a string: the next is `,"` or `]`.
            let end = find_quote_or_backslash(rest.as_bytes(), 0)?;
            let more = rest.as_bytes().get(end + 1) == Some(&b',');
            self.tight = more.then(|| rest.get(end + 3..)).flatten();
            return Some(Cow::Borrowed(&rest[..end]));
        }
        // The array was checked when it was scanned, so these steps do not fail.
        if self.open && matches!(self.scanner.next_element(&mut self.first), Ok(true)) {
            if let Ok(s) = self.scanner.string() {
                return Some(s);
            }
        }
        self.open = false;
        None
    }
}

/// The first `"` or `\\` at or after `from`. Most strings of a line are short keys and
/// labels: those are looked at eight bytes at a time in a register (SWAR), which costs less
/// than setting up memchr's vector loop; what is still unread after 16 bytes (texts) goes to
/// memchr.
#[inline]
fn find_quote_or_backslash(bytes: &[u8], from: usize) -> Option<usize> {
    const ONES: u64 = u64::from_le_bytes([1; 8]);
    const HIGH: u64 = ONES << 7;
    let mut i = from;
    while let Some(word) = bytes.get(i..i + 8) {
        let x = u64::from_le_bytes(word.try_into().expect("eight bytes"));
        let quote = x ^ (ONES * u64::from(b'"'));
        let backslash = x ^ (ONES * u64::from(b'\\'));
        // A byte of `quote` or `backslash` is zero where `x` has the byte looked for; the
        // lowest flag is exact (a borrow can only set flags above a true one).
        let found = ((quote.wrapping_sub(ONES) & !quote)
            | (backslash.wrapping_sub(ONES) & !backslash))
            & HIGH;
        if found != 0 {
            return Some(i + (found.trailing_zeros() / 8) as usize);
        }
        i += 8;
        if i - from >= 16 {
            return memchr::memchr2(b'"', b'\\', &bytes[i..]).map(|k| i + k);
        }
    }
    bytes[i.min(bytes.len())..]
        .iter()
        .position(|b| matches!(b, b'"' | b'\\'))
        .map(|k| i + k)
}

/// Whether `bytes` holds a control character (U+0000–U+001F), which JSON allows only
/// escaped inside strings and, as tab, CR or LF, between tokens. `fankui analyze` writes none,
/// so one pass over each line (32 bytes a step, which the compiler vectorises) is all most
/// lines cost.
pub(crate) fn has_control(bytes: &[u8]) -> bool {
    let mut chunks = bytes.chunks_exact(32);
    for chunk in &mut chunks {
        if chunk.iter().fold(false, |any, &b| any | (b < 0x20)) {
            return true;
        }
    }
    chunks.remainder().iter().any(|&b| b < 0x20)
}

/// Whether two slices of the same length are equal: keys are short, and two overlapping
/// words compare them for less than a call to `memcmp`.
#[inline]
fn same(a: &[u8], b: &[u8]) -> bool {
    fn word<const N: usize>(s: &[u8], at: usize) -> [u8; N] {
        s[at..at + N].try_into().expect("N bytes")
    }
    let n = a.len();
    debug_assert_eq!(n, b.len());
    match n {
        8..=16 => {
            u64::from_ne_bytes(word(a, 0)) == u64::from_ne_bytes(word(b, 0))
                && u64::from_ne_bytes(word(a, n - 8)) == u64::from_ne_bytes(word(b, n - 8))
        }
        4..=7 => {
            u32::from_ne_bytes(word(a, 0)) == u32::from_ne_bytes(word(b, 0))
                && u32::from_ne_bytes(word(a, n - 4)) == u32::from_ne_bytes(word(b, n - 4))
        }
        _ => a == b,
    }
}

/// Reads one JSON text front to back.
#[derive(Clone)]
pub(crate) struct Scanner<'a> {
    s: &'a str,
    pos: usize,
}

impl<'a> Scanner<'a> {
    pub(crate) fn new(s: &'a str) -> Scanner<'a> {
        Scanner { s, pos: 0 }
    }

    fn byte(&self) -> Option<u8> {
        self.s.as_bytes().get(self.pos).copied()
    }

    #[cold]
    fn error(&self, what: &'static str) -> SyntaxError {
        SyntaxError::new(what, self.pos + 1)
    }

    #[inline]
    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.byte() {
            self.pos += 1;
        }
    }

    /// The first byte of the next value, after white space (`None` at the end).
    #[inline]
    pub(crate) fn peek(&mut self) -> Option<u8> {
        self.ws();
        self.byte()
    }

    fn expect(&mut self, c: u8, what: &'static str) -> Result<()> {
        if self.peek() == Some(c) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.error(what))
        }
    }

    /// Checks that only white space is left.
    pub(crate) fn end(&mut self) -> Result<()> {
        match self.peek() {
            None => Ok(()),
            Some(_) => Err(self.error("trailing characters")),
        }
    }

    /// Enters an array: call [`Scanner::next_element`] until it gives `false`, reading or
    /// skipping each element in between.
    pub(crate) fn begin_array(&mut self) -> Result<()> {
        self.expect(b'[', "expected `[`")
    }

    /// Enters an object: call [`Scanner::next_key`] until it gives `None`, reading or
    /// skipping each value in between.
    pub(crate) fn begin_object(&mut self) -> Result<()> {
        self.expect(b'{', "expected `{`")
    }

    /// The next key of the object being read, or `None` after its closing brace. `first` is
    /// true before the first key.
    pub(crate) fn next_key(&mut self, first: &mut bool) -> Result<Option<Cow<'a, str>>> {
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(None);
        }
        if !*first {
            self.expect(b',', "expected `,` or `}`")?;
        }
        *first = false;
        if self.peek() != Some(b'"') {
            return Err(self.error("expected a key"));
        }
        let key = self.string()?;
        self.expect(b':', "expected `:`")?;
        Ok(Some(key))
    }

    /// Consumes the next key if it is `quoted` (the key with its quotes and colon, `"id":`),
    /// written without white space right after the `,` (none before the first key), as
    /// `fankui analyze` writes it; false (and nothing consumed) otherwise. `first` is as for
    /// [`Scanner::next_key`], which reads any other key.
    #[inline(always)]
    pub(crate) fn key_is(&mut self, first: &mut bool, quoted: &[u8]) -> bool {
        let bytes = &self.s.as_bytes()[self.pos..];
        let at = usize::from(!*first);
        if (at == 0 || bytes.first() == Some(&b','))
            && bytes
                .get(at..at + quoted.len())
                .is_some_and(|b| same(b, quoted))
        {
            self.pos += at + quoted.len();
            *first = false;
            true
        } else {
            false
        }
    }

    /// Inside an array (after `[`): whether another element follows; false after `]`.
    pub(crate) fn next_element(&mut self, first: &mut bool) -> Result<bool> {
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(false);
        }
        if !*first {
            self.expect(b',', "expected `,` or `]`")?;
        }
        *first = false;
        Ok(true)
    }

    /// A string, borrowed when it has no escapes.
    #[inline]
    pub(crate) fn string(&mut self) -> Result<Cow<'a, str>> {
        if self.peek() != Some(b'"') {
            return Err(self.error("expected a string"));
        }
        let start = self.pos + 1;
        let bytes = self.s.as_bytes();
        let Some(stop) = find_quote_or_backslash(bytes, start) else {
            return Err(self.error("unterminated string"));
        };
        if bytes[stop] == b'"' {
            self.pos = stop + 1;
            return Ok(Cow::Borrowed(&self.s[start..stop]));
        }
        self.unescape(start, stop).map(Cow::Owned)
    }

    /// The rest of a string from its first backslash at `stop`.
    #[cold]
    fn unescape(&mut self, start: usize, stop: usize) -> Result<String> {
        let bytes = self.s.as_bytes();
        let mut out = String::with_capacity(stop - start + 16);
        out.push_str(&self.s[start..stop]);
        self.pos = stop;
        loop {
            // At a backslash.
            let c = bytes.get(self.pos + 1).copied();
            self.pos += 2;
            match c {
                Some(b'"') => out.push('"'),
                Some(b'\\') => out.push('\\'),
                Some(b'/') => out.push('/'),
                Some(b'b') => out.push('\u{8}'),
                Some(b'f') => out.push('\u{c}'),
                Some(b'n') => out.push('\n'),
                Some(b'r') => out.push('\r'),
                Some(b't') => out.push('\t'),
                Some(b'u') => out.push(self.unicode_escape()?),
                _ => {
                    self.pos -= 1;
                    return Err(self.error("invalid escape"));
                }
            }
            let from = self.pos;
            let Some(stop) = find_quote_or_backslash(bytes, from) else {
                return Err(self.error("unterminated string"));
            };
            out.push_str(&self.s[from..stop]);
            self.pos = stop;
            if bytes[self.pos] == b'"' {
                self.pos += 1;
                return Ok(out);
            }
        }
    }

    /// After `\u`: four hex digits, and a second escape for a surrogate pair.
    fn unicode_escape(&mut self) -> Result<char> {
        let high = self.hex4()?;
        let code = match high {
            0xD800..=0xDBFF => {
                if self.s.as_bytes().get(self.pos..self.pos + 2) != Some(b"\\u") {
                    return Err(self.error("lone leading surrogate"));
                }
                self.pos += 2;
                let low = self.hex4()?;
                if !(0xDC00..=0xDFFF).contains(&low) {
                    return Err(self.error("invalid surrogate pair"));
                }
                0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
            }
            0xDC00..=0xDFFF => return Err(self.error("lone trailing surrogate")),
            c => c,
        };
        char::from_u32(code).ok_or_else(|| self.error("invalid unicode escape"))
    }

    fn hex4(&mut self) -> Result<u32> {
        let digits = self
            .s
            .get(self.pos..self.pos + 4)
            .filter(|d| d.bytes().all(|b| b.is_ascii_hexdigit()))
            .ok_or_else(|| self.error("expected four hex digits"))?;
        self.pos += 4;
        u32::from_str_radix(digits, 16).map_err(|_| self.error("expected four hex digits"))
    }

    /// Skips a string without decoding it; its escapes are checked.
    fn skip_string(&mut self) -> Result<()> {
        let bytes = self.s.as_bytes();
        let mut from = self.pos + 1;
        loop {
            let Some(stop) = find_quote_or_backslash(bytes, from) else {
                return Err(self.error("unterminated string"));
            };
            if bytes[stop] == b'"' {
                self.pos = stop + 1;
                return Ok(());
            }
            from = match bytes.get(stop + 1) {
                Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => stop + 2,
                Some(b'u') => {
                    self.pos = stop + 2;
                    self.unicode_escape()?;
                    self.pos
                }
                Some(_) => {
                    self.pos = stop + 1;
                    return Err(self.error("invalid escape"));
                }
                None => return Err(self.error("unterminated string")),
            };
        }
    }

    /// A number, as written (RFC 8259 grammar).
    pub(crate) fn number(&mut self) -> Result<&'a str> {
        self.ws();
        let start = self.pos;
        let bytes = self.s.as_bytes();
        let digits = |pos: &mut usize| {
            let from = *pos;
            while bytes.get(*pos).is_some_and(u8::is_ascii_digit) {
                *pos += 1;
            }
            *pos > from
        };
        let mut pos = start;
        if bytes.get(pos) == Some(&b'-') {
            pos += 1;
        }
        if bytes.get(pos) == Some(&b'0') {
            pos += 1;
        } else if !digits(&mut pos) {
            self.pos = pos;
            return Err(self.error("expected a number"));
        }
        if bytes.get(pos) == Some(&b'.') {
            pos += 1;
            if !digits(&mut pos) {
                self.pos = pos;
                return Err(self.error("expected a digit"));
            }
        }
        if matches!(bytes.get(pos), Some(b'e' | b'E')) {
            pos += 1;
            if matches!(bytes.get(pos), Some(b'+' | b'-')) {
                pos += 1;
            }
            if !digits(&mut pos) {
                self.pos = pos;
                return Err(self.error("expected a digit"));
            }
        }
        self.pos = pos;
        Ok(&self.s[start..pos])
    }

    fn literal(&mut self, word: &'static str) -> Result<()> {
        if self.s.as_bytes()[self.pos..].starts_with(word.as_bytes()) {
            self.pos += word.len();
            Ok(())
        } else {
            Err(self.error("expected a value"))
        }
    }

    /// Skips any value.
    pub(crate) fn skip(&mut self) -> Result<()> {
        self.skip_at(0)
    }

    fn skip_at(&mut self, depth: u32) -> Result<()> {
        match self.peek() {
            Some(b'"') => self.skip_string(),
            Some(b'{') if depth < MAX_DEPTH => {
                self.pos += 1;
                let mut first = true;
                loop {
                    if self.peek() == Some(b'}') {
                        self.pos += 1;
                        return Ok(());
                    }
                    if !first {
                        self.expect(b',', "expected `,` or `}`")?;
                    }
                    first = false;
                    if self.peek() != Some(b'"') {
                        return Err(self.error("expected a key"));
                    }
                    self.skip_string()?;
                    self.expect(b':', "expected `:`")?;
                    self.skip_at(depth + 1)?;
                }
            }
            Some(b'[') if depth < MAX_DEPTH => {
                self.pos += 1;
                let mut first = true;
                while self.next_element(&mut first)? {
                    self.skip_at(depth + 1)?;
                }
                Ok(())
            }
            Some(b'{' | b'[') => Err(self.error("nested too deeply")),
            Some(b't') => self.literal("true"),
            Some(b'f') => self.literal("false"),
            Some(b'n') => self.literal("null"),
            Some(b'-' | b'0'..=b'9') => self.number().map(|_| ()),
            _ => Err(self.error("expected a value")),
        }
    }

    /// `null` if it is next (consumed); false otherwise.
    pub(crate) fn null(&mut self) -> Result<bool> {
        if self.peek() == Some(b'n') {
            self.literal("null")?;
            Ok(true)
        } else {
            Ok(false)
        }
    }

    /// A value where a scalar is expected; arrays and objects are skipped.
    pub(crate) fn scalar(&mut self) -> Result<Scalar<'a>> {
        match self.peek() {
            Some(b'"') => self.string().map(Scalar::Str),
            Some(b'-' | b'0'..=b'9') => self.number().map(Scalar::Num),
            Some(b'n') => self.literal("null").map(|()| Scalar::Null),
            Some(b't') => self.literal("true").map(|()| Scalar::Bool(true)),
            Some(b'f') => self.literal("false").map(|()| Scalar::Bool(false)),
            _ => self.skip().map(|()| Scalar::Other),
        }
    }

    /// An array of strings (`null` is an empty one); `None` if the value is something else
    /// (it is skipped).
    pub(crate) fn str_list(&mut self) -> Result<Option<StrList<'a>>> {
        if self.null()? {
            return Ok(Some(StrList::default()));
        }
        if self.peek() != Some(b'[') {
            self.skip()?;
            return Ok(None);
        }
        let start = self.pos;
        self.pos += 1;
        let mut first = true;
        let mut len = 0;
        // Bytes of the strings, when none has an escape.
        let mut plain = Some(0);
        while self.next_element(&mut first)? {
            if self.peek() != Some(b'"') {
                self.pos = start;
                self.skip()?;
                return Ok(None);
            }
            match self.string()? {
                Cow::Borrowed(s) => plain = plain.map(|n| n + s.len()),
                Cow::Owned(_) => plain = None,
            }
            len += 1;
        }
        let raw = &self.s[start..self.pos];
        // Brackets, quotes and commas only around the strings.
        let tight = plain.is_some_and(|n| raw.len() == n + 2 + 2 * len + len.saturating_sub(1));
        Ok(Some(StrList { raw, len, tight }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(s: &str) -> Vec<String> {
        let mut p = Scanner::new(s);
        let list = p.str_list().unwrap().unwrap();
        p.end().unwrap();
        let v: Vec<String> = list.iter().map(Cow::into_owned).collect();
        assert_eq!(v.len(), list.len());
        v
    }

    #[test]
    fn strings_unescape_like_serde_json() {
        for s in [
            r#""plain""#,
            r#""中文\n换行""#,
            r#""q\"uote\\ \/ \b\f\r\t""#,
            r#""\u00e9\u4e2d\ud83d\ude00 end""#,
            r#""""#,
        ] {
            let mut p = Scanner::new(s);
            let ours = p.string().unwrap();
            p.end().unwrap();
            let theirs: String = serde_json::from_str(s).unwrap();
            assert_eq!(ours, theirs, "{s}");
        }
        assert!(matches!(
            Scanner::new(r#""no escape""#).string().unwrap(),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn quotes_and_backslashes_are_found_at_any_offset() {
        for len in 0..150 {
            for at in 0..=len {
                let mut bytes = "中a".repeat(len).into_bytes();
                bytes.truncate(len);
                let expected = if at < len {
                    bytes[at] = if at % 2 == 0 { b'"' } else { b'\\' };
                    Some(at)
                } else {
                    None
                };
                // Another one further on must not hide the first.
                if at + 3 < len {
                    bytes[at + 3] = b'"';
                }
                for from in [0, at.min(5)] {
                    let want = expected.filter(|&e| e >= from);
                    assert_eq!(find_quote_or_backslash(&bytes, from), want, "{len} {at}");
                }
            }
        }
    }

    #[test]
    fn keys_compare_at_every_length() {
        let text = b"abcdefghijklmnopqrstuvwxyz";
        for n in 0..=text.len() {
            let a = &text[..n];
            assert!(same(a, a));
            for i in 0..n {
                let mut b = a.to_vec();
                b[i] ^= 1;
                assert!(!same(a, &b), "{n} {i}");
            }
        }
        let mut p = Scanner::new(r#"{"id":1, "lang":"zh","x" :2}"#);
        let mut first = true;
        p.begin_object().unwrap();
        assert!(!p.key_is(&mut first, br#""lang":"#));
        assert!(p.key_is(&mut first, br#""id":"#));
        p.skip().unwrap();
        // White space after the comma: left to the general reader.
        assert!(!p.key_is(&mut first, br#""lang":"#));
        assert_eq!(p.next_key(&mut first).unwrap().as_deref(), Some("lang"));
        p.skip().unwrap();
        assert!(!p.key_is(&mut first, br#""x":"#));
    }

    #[test]
    fn bad_strings_are_errors() {
        for s in [
            r#""open"#,
            r#""bad \x escape""#,
            r#""\ud83d alone""#,
            r#""\ude00""#,
            r#""\u12""#,
            r#""ends \"#,
        ] {
            assert!(Scanner::new(s).string().is_err(), "{s}");
        }
    }

    #[test]
    fn lists_are_read_again_on_demand() {
        assert_eq!(strings(r#"["a", "b\"c" ,"中"]"#), ["a", "b\"c", "中"]);
        assert_eq!(strings("[]"), Vec::<String>::new());
        assert_eq!(strings(r#"["a","","中,文","]"]"#), ["a", "", "中,文", "]"]);
        assert_eq!(strings(r#"[""]"#), [""]);
        assert_eq!(strings(r#"["", ""]"#), ["", ""]);
        assert_eq!(strings(r#"["a","b\u0022"]"#), ["a", "b\""]);
        for tight in [r#"["x","yz"]"#, "[]", r#"[""]"#] {
            assert!(
                Scanner::new(tight).str_list().unwrap().unwrap().tight,
                "{tight}"
            );
        }
        for loose in [r#"["x", "yz"]"#, r#"[ "x"]"#, r#"["\n"]"#] {
            assert!(
                !Scanner::new(loose).str_list().unwrap().unwrap().tight,
                "{loose}"
            );
        }
        assert_eq!(strings("null"), Vec::<String>::new());
        let mut p = Scanner::new(r#"["a", 1]"#);
        assert_eq!(p.str_list().unwrap(), None);
        p.end().unwrap();
        assert!(Scanner::new(r#"["a" "b"]"#).str_list().is_err());
    }

    #[test]
    fn skips_whatever_serde_json_accepts() {
        let values = [
            r#"{"a":[1,-2.5e+3,{"b":null}],"c":true,"d":"x\"y","e":[]}"#,
            "[ ]",
            "0",
            "-0.0E1",
            " { } ",
            r#"[[[["deep"]]]]"#,
        ];
        for v in values {
            assert!(serde_json::from_str::<serde_json::Value>(v).is_ok());
            let mut p = Scanner::new(v);
            p.skip().unwrap();
            p.end().unwrap();
        }
        for bad in [
            "[1,]",
            "{\"a\"}",
            "01",
            "1.",
            "-",
            "tru",
            "{\"a\":1,}",
            "[1 2]",
            "{1:2}",
        ] {
            assert!(serde_json::from_str::<serde_json::Value>(bad).is_err());
            let mut p = Scanner::new(bad);
            assert!(p.skip().and_then(|()| p.end()).is_err(), "{bad}");
        }
        let deep = "[".repeat(1000) + &"]".repeat(1000);
        assert!(Scanner::new(&deep).skip().is_err());
    }

    #[test]
    fn objects_give_keys_and_errors_name_the_column() {
        let mut p = Scanner::new(r#"{"k": 1, "t\u0065xt": "v"}"#);
        p.begin_object().unwrap();
        let mut first = true;
        let mut keys = Vec::new();
        while let Some(k) = p.next_key(&mut first).unwrap() {
            keys.push(k.into_owned());
            p.skip().unwrap();
        }
        assert_eq!(keys, ["k", "text"]);
        let mut p = Scanner::new(r#"{"k" 1}"#);
        p.begin_object().unwrap();
        let e = p.next_key(&mut true).unwrap_err();
        assert_eq!(e.to_string(), "expected `:` at column 6");
    }
}
