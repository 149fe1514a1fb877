//! Lone UTF-16 surrogate escapes in a JSON line, as JavaScript writes them (`"\ud800"`):
//! replaced by U+FFFD, with a warning naming the field, so that the record is not lost.

use super::record::FieldWarning;

/// `json` with every lone surrogate escape (a `\uD800`–`\uDBFF` not followed by a
/// `\uDC00`–`\uDFFF`, or one of those alone) replaced by `\ufffd`, and a warning per
/// top-level field that held one; `None` when there is none. Nothing else is checked or
/// changed: the result is parsed as any line is.
pub(crate) fn repair(json: &str) -> Option<(String, Vec<FieldWarning>)> {
    memchr::memmem::find(json.as_bytes(), b"\\u")?;
    let b = json.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    // Each field's replaced escapes, in the order found.
    let mut found: Vec<(String, Vec<String>)> = Vec::new();
    let mut depth = 0usize;
    let mut top_is_object = false;
    let mut expect_key = false;
    // The top-level field whose value is being read, and, in a key, where the key began in
    // `out` and the escapes replaced in it so far.
    let mut field = String::new();
    let mut key: Option<(usize, Vec<String>)> = None;
    let mut in_string = false;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if !in_string {
            match c {
                b'"' => {
                    in_string = true;
                    if depth == 1 && top_is_object && expect_key {
                        key = Some((out.len() + 1, Vec::new()));
                    }
                }
                b'{' | b'[' => {
                    depth += 1;
                    if depth == 1 {
                        top_is_object = c == b'{';
                        expect_key = top_is_object;
                    }
                }
                b'}' | b']' => depth = depth.saturating_sub(1),
                b',' if depth == 1 => expect_key = top_is_object,
                b':' if depth == 1 => expect_key = false,
                _ => {}
            }
            out.push(c);
            i += 1;
            continue;
        }
        match c {
            b'"' => {
                in_string = false;
                if let Some((start, escapes)) = key.take() {
                    field = name(&out[start..]);
                    if !escapes.is_empty() {
                        note(&mut found, &format!("{field} (its name)"), escapes);
                    }
                }
                out.push(c);
                i += 1;
            }
            b'\\' if b.get(i + 1) == Some(&b'u') => {
                let Some(n) = hex4(b, i + 2) else {
                    out.extend_from_slice(&b[i..i + 2]);
                    i += 2;
                    continue;
                };
                let paired = (0xD800..0xDC00).contains(&n)
                    && b.get(i + 6) == Some(&b'\\')
                    && b.get(i + 7) == Some(&b'u')
                    && hex4(b, i + 8).is_some_and(|m| (0xDC00..0xE000).contains(&m));
                if paired {
                    out.extend_from_slice(&b[i..i + 12]);
                    i += 12;
                } else if (0xD800..0xE000).contains(&n) {
                    let escape = String::from_utf8_lossy(&b[i..i + 6]).into_owned();
                    match &mut key {
                        Some((_, escapes)) => escapes.push(escape),
                        None => {
                            let at = if depth == 0 { "(the line)" } else { &field };
                            note(&mut found, at, vec![escape]);
                        }
                    }
                    out.extend_from_slice(b"\\ufffd");
                    i += 6;
                } else {
                    out.extend_from_slice(&b[i..i + 6]);
                    i += 6;
                }
            }
            b'\\' => {
                let end = (i + 2).min(b.len());
                out.extend_from_slice(&b[i..end]);
                i = end;
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
    if found.is_empty() {
        return None;
    }
    // Only ASCII escapes were swapped for ASCII escapes, between whole characters.
    let repaired = String::from_utf8(out).ok()?;
    let warnings = found
        .into_iter()
        .map(|(field, escapes)| FieldWarning {
            field,
            reason: format!(
                "lone surrogate escape{} {} replaced by U+FFFD",
                if escapes.len() == 1 { "" } else { "s" },
                escapes.join(", ")
            ),
        })
        .collect();
    Some((repaired, warnings))
}

/// The value of the four hex digits at `b[at..]`.
fn hex4(b: &[u8], at: usize) -> Option<u32> {
    let digits = b.get(at..at + 4)?;
    digits
        .iter()
        .try_fold(0u32, |n, &d| char::from(d).to_digit(16).map(|v| n * 16 + v))
}

/// A key as written between its quotes (`raw`, the closing quote not included), unescaped
/// when it parses.
fn name(raw: &[u8]) -> String {
    let quoted = [b"\"", raw, b"\""].concat();
    serde_json::from_slice::<String>(&quoted)
        .unwrap_or_else(|_| String::from_utf8_lossy(raw).into_owned())
}

fn note(found: &mut Vec<(String, Vec<String>)>, field: &str, escapes: Vec<String>) {
    match found.iter_mut().find(|(f, _)| f == field) {
        Some((_, seen)) => seen.extend(escapes),
        None => found.push((field.to_owned(), escapes)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(line: &str) -> (serde_json::Value, Vec<(String, String)>) {
        let (json, warnings) = repair(line).expect("something to repair");
        (
            serde_json::from_str(&json).expect("valid JSON after the repair"),
            warnings.into_iter().map(|w| (w.field, w.reason)).collect(),
        )
    }

    #[test]
    fn lone_surrogates_become_replacement_characters_named_by_field() {
        let (v, w) = fields(r#"{"text":"好\ud800评","note":"a\uDC00b\ud83d","ok":"\ud83d\ude00"}"#);
        assert_eq!(v["text"], "好\u{fffd}评");
        assert_eq!(v["note"], "a\u{fffd}b\u{fffd}");
        assert_eq!(v["ok"], "😀", "a pair is left alone");
        assert_eq!(
            w,
            [
                (
                    "text".into(),
                    "lone surrogate escape \\ud800 replaced by U+FFFD".into()
                ),
                (
                    "note".into(),
                    "lone surrogate escapes \\uDC00, \\ud83d replaced by U+FFFD".into()
                ),
            ]
        );
    }

    #[test]
    fn nested_values_and_names_are_reported_by_their_top_level_field() {
        let (v, w) = fields(r#"{"meta":{"a":["\ud800"]},"k\udbff":1,"text":"x"}"#);
        assert_eq!(v["meta"]["a"][0], "\u{fffd}");
        assert_eq!(v["k\u{fffd}"], 1);
        let named: Vec<&str> = w.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(named, ["meta", "k\u{fffd} (its name)"]);
    }

    #[test]
    fn lines_without_lone_surrogates_are_not_touched() {
        assert!(repair(r#"{"text":"plain"}"#).is_none());
        assert!(repair(r#"{"text":"\u00e9\ud83d\ude00 \\ud800"}"#).is_none());
        // Broken escapes are left for the parser to reject.
        let (json, _) = repair(r#"{"text":"\ud800\u1"}"#).unwrap();
        assert_eq!(json, r#"{"text":"\ufffd\u1"}"#);
        assert!(serde_json::from_str::<serde_json::Value>(&json).is_err());
    }
}
