//! JSON written straight into bytes, exactly as `serde_json`'s compact serialiser writes it,
//! for the output line (`write_json_line`) without serde's serialiser state machine.

use serde_json::{Map, Value};

/// Every byte of a word set to 1.
const ONES: u64 = u64::from_ne_bytes([1; 8]);
/// The high bit of every byte of a word.
const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);

/// The high bit of each byte of `word` (little-endian: the first byte lowest) that a JSON string
/// must escape: `"`, `\` or a control byte below 0x20. The lowest flag is exact; flags above it
/// may be false (a borrow carries upwards), so only the lowest one is to be used.
#[inline]
fn escape_flags(word: u64) -> u64 {
    let zero = |x: u64| x.wrapping_sub(ONES) & !x;
    let quote = zero(word ^ (ONES * u64::from(b'"')));
    let backslash = zero(word ^ (ONES * u64::from(b'\\')));
    let control = word.wrapping_sub(ONES * 0x20) & !word;
    (quote | backslash | control) & HIGHS
}

/// Whether a JSON string must escape `byte`.
#[inline]
fn needs_escape(byte: u8) -> bool {
    byte < 0x20 || byte == b'"' || byte == b'\\'
}

/// The index of the first byte at or after `from` in `bytes` that must be escaped, eight bytes
/// at a time. Fewer than eight bytes left at the end are read as the last eight bytes, with
/// those before `from` (already scanned) read as spaces; a string shorter than eight bytes is
/// scanned byte by byte.
#[inline]
fn next_escape(bytes: &[u8], mut from: usize) -> Option<usize> {
    while let Some(chunk) = bytes.get(from..).and_then(<[u8]>::first_chunk::<8>) {
        let flags = escape_flags(u64::from_le_bytes(*chunk));
        if flags != 0 {
            return Some(from + (flags.trailing_zeros() / 8) as usize);
        }
        from += 8;
    }
    if from >= bytes.len() {
        return None;
    }
    let Some(last) = bytes.last_chunk::<8>() else {
        let tail = bytes.get(from..)?;
        return tail.iter().position(|&b| needs_escape(b)).map(|i| from + i);
    };
    // 1 to 7 bytes of the last eight were scanned; spaces in their place neither need escaping
    // nor carry into the bytes above them.
    let start = bytes.len() - 8;
    let scanned = 8 * (from - start) as u32;
    let keep = u64::MAX << scanned;
    let word = (u64::from_le_bytes(*last) & keep) | ((ONES * u64::from(b' ')) & !keep);
    let flags = escape_flags(word);
    (flags != 0).then(|| start + (flags.trailing_zeros() / 8) as usize)
}

/// Writes the escape of `byte` (one that [`needs_escape`]) the way `serde_json` does: `\"`,
/// `\\`, `\b`, `\f`, `\n`, `\r`, `\t`, and `\u00xx` (lowercase hex) for other control bytes.
#[inline]
fn write_escape(out: &mut Vec<u8>, byte: u8) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let short = match byte {
        b'"' => b'"',
        b'\\' => b'\\',
        0x08 => b'b',
        0x0C => b'f',
        b'\n' => b'n',
        b'\r' => b'r',
        b'\t' => b't',
        _ => {
            out.extend_from_slice(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[usize::from(byte >> 4)],
                HEX[usize::from(byte & 0xF)],
            ]);
            return;
        }
    };
    out.extend_from_slice(&[b'\\', short]);
}

/// Writes `s` as a JSON string: quoted, with the runs between bytes that need escaping copied
/// whole.
#[inline]
pub(crate) fn string(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    let mut run = 0;
    while let Some(at) = next_escape(bytes, run) {
        out.extend_from_slice(&bytes[run..at]);
        write_escape(out, bytes[at]);
        run = at + 1;
    }
    out.extend_from_slice(&bytes[run..]);
    out.push(b'"');
}

/// Writes `name`, one of the engine's own names (`zh`, `complaint`, `P2`, …), as a JSON string:
/// it has nothing to escape, so it is copied as it is.
#[inline]
pub(crate) fn name(out: &mut Vec<u8>, name: &'static str) {
    debug_assert!(!name.bytes().any(needs_escape), "{name:?}");
    out.reserve(name.len() + 2);
    out.push(b'"');
    out.extend_from_slice(name.as_bytes());
    out.push(b'"');
}

/// Writes the strings of `items` as a JSON array.
pub(crate) fn string_array<'s>(out: &mut Vec<u8>, items: impl IntoIterator<Item = &'s str>) {
    out.push(b'[');
    for (i, s) in items.into_iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        string(out, s);
    }
    out.push(b']');
}

/// Writes `value` as `serde_json` writes an `f32`: its shortest representation, `null` when it
/// is not finite. A score rounded to thousandths (the output's every float) is written from
/// its thousandths directly; anything else by the formatter `serde_json` itself uses.
#[inline]
pub(crate) fn float(out: &mut Vec<u8>, value: f32) {
    if let Some(thousandths) = thousandths(value) {
        write_thousandths(out, value.is_sign_negative(), thousandths);
    } else if value.is_finite() {
        out.extend_from_slice(zmij::Buffer::new().format_finite(value).as_bytes());
    } else {
        out.extend_from_slice(b"null");
    }
}

/// `|value|` in thousandths when `value` is the `f32` nearest to a number of thousandths below
/// a million: those are the values whose shortest representation is that number's decimals
/// (tested against `zmij` for every one of them).
#[inline]
fn thousandths(value: f32) -> Option<u32> {
    let k = (value * 1000.0).round();
    // `k` is an integer, exact in an `f32`, so the cast is exact too.
    (k.abs() < 1_000_000.0 && k / 1000.0 == value).then(|| k.abs() as u32)
}

/// Writes `thousandths` / 1000 (negated when `negative`) with its trailing zero decimals
/// dropped, but one decimal always: `-0.25`, `1.0`, `0.001`.
#[inline]
fn write_thousandths(out: &mut Vec<u8>, negative: bool, thousandths: u32) {
    if negative {
        out.push(b'-');
    }
    integer(out, thousandths / 1000);
    let fraction = thousandths % 1000;
    let digits = [
        b'.',
        b'0' + (fraction / 100) as u8,
        b'0' + (fraction / 10 % 10) as u8,
        b'0' + (fraction % 10) as u8,
    ];
    let len = if fraction % 100 == 0 {
        2
    } else if fraction % 10 == 0 {
        3
    } else {
        4
    };
    out.extend_from_slice(&digits[..len]);
}

/// Writes an integer.
#[inline]
pub(crate) fn integer(out: &mut Vec<u8>, value: impl itoa::Integer) {
    out.extend_from_slice(itoa::Buffer::new().format(value).as_bytes());
}

/// Writes `true` or `false`.
#[inline]
pub(crate) fn boolean(out: &mut Vec<u8>, value: bool) {
    out.extend_from_slice(if value { b"true" } else { b"false" });
}

/// Writes `Some` string, or `null`.
#[inline]
pub(crate) fn optional_string(out: &mut Vec<u8>, s: Option<&str>) {
    match s {
        Some(s) => string(out, s),
        None => out.extend_from_slice(b"null"),
    }
}

/// Writes `value` compactly, as `serde_json::to_writer` does.
pub(crate) fn value(out: &mut Vec<u8>, value: &Value) {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(b) => boolean(out, *b),
        // With `arbitrary_precision` a number is kept, and written, as the input's text.
        Value::Number(n) => out.extend_from_slice(n.as_str().as_bytes()),
        Value::String(s) => string(out, s),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                self::value(out, item);
            }
            out.push(b']');
        }
        Value::Object(map) => object(out, map),
    }
}

/// Writes `map` compactly, as a JSON object.
pub(crate) fn object(out: &mut Vec<u8>, map: &Map<String, Value>) {
    out.push(b'{');
    for (i, (key, item)) in map.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        string(out, key);
        out.push(b':');
        value(out, item);
    }
    out.push(b'}');
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn direct_string(s: &str) -> String {
        let mut out = Vec::new();
        string(&mut out, s);
        String::from_utf8(out).expect("UTF-8")
    }

    #[test]
    fn every_ascii_byte_at_every_word_offset_escapes_as_serde_json_does() {
        for byte in 0..0x80u8 {
            for before in 0..17 {
                for after in [0, 1, 7, 8, 9] {
                    let s = format!(
                        "{}{}{}",
                        "好a"
                            .repeat(before)
                            .chars()
                            .take(before)
                            .collect::<String>(),
                        char::from(byte),
                        "x".repeat(after)
                    );
                    assert_eq!(
                        direct_string(&s),
                        serde_json::to_string(&s).expect("a string"),
                        "{s:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn runs_of_escapes_and_multibyte_text() {
        for s in [
            "",
            "\"",
            "\\\\\\\"\"\"",
            "\u{1}\u{1f}\u{7f}\u{80}\u{2028}\u{2029}😀",
            "物流太慢了，\"等了\"一个星期\\\n\r\t\u{8}\u{c}",
            "\u{0}\u{0}\u{0}\u{0}\u{0}\u{0}\u{0}\u{0}\u{0}",
            "abcdefgh\"ijklmnop\\qrstuvwx\u{1f}",
            "0123456789\u{1} \u{1}",
            "abcdefghi\"  x",
            "abcdefg\u{1f}\u{1f} ",
        ] {
            assert_eq!(
                direct_string(s),
                serde_json::to_string(s).expect("a string")
            );
        }
    }

    #[test]
    fn floats_and_integers_as_serde_json_writes_them() {
        for f in [
            0.0f32,
            -0.0,
            0.1,
            0.001,
            -0.123,
            1.0,
            0.999,
            1e-7,
            3.4e38,
            f32::MIN_POSITIVE,
            f32::NAN,
            f32::INFINITY,
            f32::NEG_INFINITY,
        ] {
            let mut out = Vec::new();
            float(&mut out, f);
            assert_eq!(out, serde_json::to_vec(&f).expect("a float"), "{f}");
        }
        for n in [0usize, 7, 10, 255, usize::MAX] {
            let mut out = Vec::new();
            integer(&mut out, n);
            assert_eq!(out, serde_json::to_vec(&n).expect("an integer"));
        }
    }

    #[test]
    fn every_score_rounded_to_thousandths_as_serde_json_writes_it() {
        let mut out = Vec::new();
        let mut fast = 0;
        for k in -1_000_001..=1_000_001 {
            let value = k as f32 / 1000.0;
            fast += usize::from(thousandths(value).is_some());
            out.clear();
            float(&mut out, value);
            let mut want = zmij::Buffer::new();
            assert_eq!(out, want.format_finite(value).as_bytes(), "{k}");
        }
        assert_eq!(fast, 1_999_999);
        for value in [-0.0f32, 0.0, 0.0005, 0.1234, -999.9995, 1e6, 1e-7] {
            out.clear();
            float(&mut out, value);
            assert_eq!(out, serde_json::to_vec(&value).expect("a float"), "{value}");
        }
    }

    #[test]
    fn values_as_serde_json_writes_them() {
        let v: Value = serde_json::from_str(
            r#"{"a":[1,2.50,-0.0,1e300,1E+2,0.1,18446744073709551616,-12,null,true,false],
                "\u0001k\"\\":{"z":"\u2028\u0000","e":{},"f":[]},"😀":"x\ty"}"#,
        )
        .expect("JSON");
        let mut out = Vec::new();
        value(&mut out, &v);
        assert_eq!(out, serde_json::to_vec(&v).expect("a value"));
    }

    proptest! {
        #[test]
        fn any_string_escapes_as_serde_json_does(s in any::<String>()) {
            prop_assert_eq!(direct_string(&s), serde_json::to_string(&s).expect("a string"));
        }

        #[test]
        fn strings_of_ascii_and_han_escape_as_serde_json_does(
            s in "[\\x00-\\x7f好]{0,40}"
        ) {
            prop_assert_eq!(direct_string(&s), serde_json::to_string(&s).expect("a string"));
        }
    }
}
