//! One line of `fankui analyze` output, read for reporting: the analysis and the contract's
//! input fields, borrowed from the line where they have no escapes, everything else skipped.

use std::borrow::Cow;

use super::json::{has_control, Scalar, Scanner, StrList, SyntaxError};
use crate::error::Error;
use crate::io::{RejectReason, Timestamp};
use crate::kind::Kind;
use crate::priority::Level;
use crate::sentiment::SentimentLabel;

/// An analysed record, as far as the reports need it.
#[derive(Debug, Default)]
pub(crate) struct Row<'a> {
    pub id: Cow<'a, str>,
    pub lang: Option<Cow<'a, str>>,
    pub sentiment: Option<SentimentLabel>,
    /// The sentiment score in thousandths (the output is rounded to three decimals).
    pub score_milli: i64,
    pub kind: Option<Kind>,
    pub keywords: StrList<'a>,
    pub topic: Option<(u32, Cow<'a, str>)>,
    /// The owning department; [`UNASSIGNED`] for a record that nothing placed and that went to
    /// the fallback department ([`fallback_to`](Self::fallback_to)).
    pub department: Option<Cow<'a, str>>,
    /// The fallback department an unassigned record was sent to.
    pub fallback_to: Option<Cow<'a, str>>,
    pub evidence: StrList<'a>,
    /// The kind and department of each aspect.
    pub aspects: Vec<(Kind, Option<Cow<'a, str>>)>,
    pub priority: u8,
    pub level: Option<Level>,
    /// What set the level (`priority.rule`: a P1-class category, `score`, …); `None` in output
    /// written before the field existed.
    pub rule: Option<Cow<'a, str>>,
    pub reasons: StrList<'a>,
    pub text: Option<Cow<'a, str>>,
    pub channel: Option<Cow<'a, str>>,
    pub customer_id: Option<Cow<'a, str>>,
    pub product: Option<Cow<'a, str>>,
    pub store: Option<Cow<'a, str>>,
    pub created_at: Option<Timestamp>,
    /// `created_at` as written.
    pub created_raw: Option<Cow<'a, str>>,
    pub nps: Option<u8>,
    pub csat: Option<u8>,
    pub ces: Option<u8>,
    pub rating: Option<u8>,
}

/// The department key of records that nothing placed (`department.fallback: true`): reports
/// show them apart from the fallback department's own records.
pub(crate) const UNASSIGNED: &str = "unassigned";

/// The first bad field of a record and what is wrong with it.
type FieldError = (String, String);

impl<'a> Row<'a> {
    /// Parses one output line; the error names the record and the field. The whole line is
    /// checked for UTF-8 at once, with SIMD where the processor has it.
    pub(crate) fn parse(
        line: &'a [u8],
        number: u64,
        layout: &Layout,
    ) -> Result<Row<'a>, RejectReason> {
        // The fast check first; the one that says where only for a bad line.
        let line = match simdutf8::basic::from_utf8(line) {
            Ok(line) => line,
            Err(_) => std::str::from_utf8(line).map_err(RejectReason::InvalidUtf8)?,
        };
        // A raw control character is allowed only as white space between tokens: a line
        // with one is checked whole, strictly, before the scanner (which assumes none in its
        // strings) reads it.
        if has_control(line.as_bytes()) {
            serde_json::from_str::<serde::de::IgnoredAny>(line).map_err(RejectReason::json)?;
        }
        let mut row = Row::default();
        let mut error: Option<FieldError> = None;
        read_fields(&mut Scanner::new(line), &mut row, &mut error, layout)
            .map_err(RejectReason::JsonSyntax)?;
        if row.id.is_empty() {
            row.id = Cow::Owned(number.to_string());
        }
        if let Some((field, message)) = error {
            return Err(RejectReason::field(Error::field(&*row.id, field, message)));
        }
        let missing = if row.sentiment.is_none() {
            Some("sentiment")
        } else if row.kind.is_none() {
            Some("kind")
        } else if row.level.is_none() {
            Some("priority")
        } else {
            None
        };
        if let Some(field) = missing {
            return Err(RejectReason::field(Error::field(
                &*row.id,
                field,
                "missing (is this `fankui analyze` output?)",
            )));
        }
        Ok(row)
    }
}

/// Reads the top-level object into `row`; a field of the wrong shape is noted in `error` (the
/// first one only) and skipped, a syntax error ends the line.
fn read_fields<'a>(
    p: &mut Scanner<'a>,
    row: &mut Row<'a>,
    error: &mut Option<FieldError>,
    layout: &Layout,
) -> Result<(), SyntaxError> {
    p.begin_object()?;
    let mut first = true;
    let mut next = 0;
    loop {
        let (key, f) = match layout.predicted(p, &mut first, &mut next) {
            Some(known) => (Cow::Borrowed(&*known.name), known.field),
            None => match p.next_key(&mut first)? {
                None => break,
                Some(key) => {
                    let f = layout.field(&key);
                    (key, f)
                }
            },
        };
        let mut bad = |message: String| {
            if error.is_none() {
                *error = Some((key.to_string(), message));
            }
        };
        match f {
            Field::Text => match p.scalar()? {
                Scalar::Str(s) if !s.trim().is_empty() => row.text = Some(s),
                Scalar::Null | Scalar::Str(_) => {}
                other => bad(format!("expected a string, found {}", other.kind())),
            },
            Field::Id => match p.scalar()? {
                Scalar::Str(s) => row.id = s,
                Scalar::Num(n) => row.id = Cow::Borrowed(n),
                Scalar::Null => {}
                other => bad(format!("expected a string, found {}", other.kind())),
            },
            Field::Lang => match p.scalar()? {
                Scalar::Str(s) => row.lang = Some(s),
                Scalar::Null => {}
                other => bad(format!("expected a string, found {}", other.kind())),
            },
            Field::Sentiment => {
                if !p.null()? {
                    if let Err(m) = sentiment(p, row)? {
                        bad(m);
                    }
                }
            }
            Field::Kind => match p.scalar()? {
                Scalar::Str(s) => match Kind::parse(&s) {
                    Some(k) => row.kind = Some(k),
                    None => bad(format!("unknown kind {s:?}")),
                },
                other => bad(format!("expected a string, found {}", other.kind())),
            },
            Field::Keywords => match p.str_list()? {
                Some(list) => row.keywords = list,
                None => bad("expected a list of strings".into()),
            },
            Field::Topic => {
                if !p.null()? {
                    if let Err(m) = topic(p, row)? {
                        bad(m);
                    }
                }
            }
            Field::Department => {
                if !p.null()? {
                    if let Err(m) = department(p, row)? {
                        bad(m);
                    }
                }
            }
            Field::Priority => {
                if !p.null()? {
                    if let Err(m) = priority(p, row)? {
                        bad(m);
                    }
                }
            }
            Field::Aspects => {
                if !p.null()? {
                    if let Err(m) = aspects(p, row)? {
                        bad(m);
                    }
                }
            }
            f @ (Field::Channel | Field::CustomerId | Field::Product | Field::Store) => {
                let value = match p.scalar()? {
                    Scalar::Str(s) if s.trim().is_empty() => None,
                    Scalar::Str(s) => Some(s),
                    Scalar::Num(n) => Some(Cow::Borrowed(n)),
                    Scalar::Null => None,
                    other => {
                        bad(format!("expected a string, found {}", other.kind()));
                        None
                    }
                };
                match f {
                    Field::Channel => row.channel = value,
                    Field::CustomerId => row.customer_id = value,
                    Field::Product => row.product = value,
                    _ => row.store = value,
                }
            }
            Field::CreatedAt => match p.scalar()? {
                Scalar::Null => {}
                Scalar::Str(s) if s.trim().is_empty() => {}
                Scalar::Str(s) => match Timestamp::parse(&s) {
                    Some(t) => {
                        row.created_at = Some(t);
                        row.created_raw = Some(s);
                    }
                    None => bad(format!("expected RFC 3339 or YYYY-MM-DD, found {s:?}")),
                },
                other => bad(format!("expected a date string, found {}", other.kind())),
            },
            f @ (Field::Nps | Field::Csat | Field::Ces | Field::Rating) => {
                let (lo, hi) = match f {
                    Field::Nps => (0, 10),
                    Field::Ces => (1, 7),
                    _ => (1, 5),
                };
                let value = p.scalar()?;
                let n = match &value {
                    Scalar::Null => continue,
                    Scalar::Str(s) if s.trim().is_empty() => continue,
                    Scalar::Num(n) => n.parse::<f64>().ok(),
                    Scalar::Str(s) => s.trim().parse::<f64>().ok(),
                    _ => None,
                };
                let score = n
                    .filter(|n| n.fract() == 0.0 && *n >= f64::from(lo) && *n <= f64::from(hi))
                    .map(|n| n as u8);
                match score {
                    None => bad(format!(
                        "expected a whole number {lo}–{hi}, found {}",
                        value.display()
                    )),
                    Some(s) => match f {
                        Field::Nps => row.nps = Some(s),
                        Field::Csat => row.csat = Some(s),
                        Field::Ces => row.ces = Some(s),
                        _ => row.rating = Some(s),
                    },
                }
            }
            Field::Other => p.skip()?,
        }
    }
    p.end()
}

/// The top-level fields read.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Field {
    /// The text field of the options.
    Text,
    Id,
    Lang,
    Sentiment,
    Kind,
    Keywords,
    Topic,
    Department,
    Aspects,
    Priority,
    Channel,
    CustomerId,
    Product,
    Store,
    CreatedAt,
    Nps,
    Csat,
    Ces,
    Rating,
    Other,
}

/// Which field a key names: dispatched on its length and first byte, so each key is compared
/// with one name at most.
fn field(key: &str) -> Field {
    let is = |name: &str| key == name;
    match (key.len(), key.as_bytes().first()) {
        (2, Some(b'i')) if is("id") => Field::Id,
        (4, Some(b'l')) if is("lang") => Field::Lang,
        (9, Some(b's')) if is("sentiment") => Field::Sentiment,
        (4, Some(b'k')) if is("kind") => Field::Kind,
        (8, Some(b'k')) if is("keywords") => Field::Keywords,
        (5, Some(b't')) if is("topic") => Field::Topic,
        (10, Some(b'd')) if is("department") => Field::Department,
        (7, Some(b'a')) if is("aspects") => Field::Aspects,
        (8, Some(b'p')) if is("priority") => Field::Priority,
        (7, Some(b'c')) if is("channel") => Field::Channel,
        (11, Some(b'c')) if is("customer_id") => Field::CustomerId,
        (7, Some(b'p')) if is("product") => Field::Product,
        (5, Some(b's')) if is("store") => Field::Store,
        (10, Some(b'c')) if is("created_at") => Field::CreatedAt,
        (3, Some(b'n')) if is("nps") => Field::Nps,
        (4, Some(b'c')) if is("csat") => Field::Csat,
        (3, Some(b'c')) if is("ces") => Field::Ces,
        (6, Some(b'r')) if is("rating") => Field::Rating,
        _ => Field::Other,
    }
}

/// The top-level keys in the order `fankui analyze` writes them (the input fields of the
/// contract last, in the order of its documentation), each with its quotes and colon: a line
/// in this order is read without decoding its keys, and any other key is read and looked up
/// as usual.
pub(crate) struct Layout {
    keys: Vec<Known>,
    text_field: Box<str>,
}

struct Known {
    /// `"name":`.
    quoted: Box<[u8]>,
    name: Box<str>,
    field: Field,
}

/// The usual order; `text` stands for the text field of the options.
const USUAL_ORDER: [&str; 22] = [
    "id",
    "lang",
    "script",
    "sentiment",
    "kind",
    "keywords",
    "topic",
    "department",
    "mixed",
    "aspects",
    "priority",
    "tokens",
    "text",
    "channel",
    "created_at",
    "customer_id",
    "product",
    "store",
    "nps",
    "csat",
    "ces",
    "rating",
];

impl Layout {
    /// The layout of lines whose feedback text is in `text_field`.
    pub(crate) fn new(text_field: &str) -> Layout {
        // A name that JSON would escape cannot be matched as written.
        let plain = |name: &str| !name.bytes().any(|b| b == b'"' || b == b'\\' || b < 0x20);
        let mut keys: Vec<Known> = Vec::new();
        for name in USUAL_ORDER {
            let name = if name == "text" { text_field } else { name };
            if !plain(name) || keys.iter().any(|k| *k.name == *name) {
                continue;
            }
            keys.push(Known {
                quoted: format!("\"{name}\":").into_bytes().into(),
                name: name.into(),
                field: if name == text_field {
                    Field::Text
                } else {
                    field(name)
                },
            });
        }
        Layout {
            keys,
            text_field: text_field.into(),
        }
    }

    /// The field a key names.
    fn field(&self, key: &str) -> Field {
        if key.len() == self.text_field.len() && *key == *self.text_field {
            Field::Text
        } else {
            field(key)
        }
    }

    /// Consumes the next key if it is the one expected after the last known one (`next`), or
    /// the one after that (a field left out).
    #[inline]
    fn predicted(&self, p: &mut Scanner<'_>, first: &mut bool, next: &mut usize) -> Option<&Known> {
        let end = (*next + 2).min(self.keys.len());
        let at = (*next..end).find(|&i| p.key_is(first, &self.keys[i].quoted))?;
        *next = at + 1;
        Some(&self.keys[at])
    }
}

/// What is wrong with a nested field, when its syntax is fine.
type Shape = Result<(), String>;

/// Reads an object whose keys `f` handles (skipping those it does not want); a value that is
/// not an object is skipped and reported.
///
/// `usual` are its keys in the order `fankui analyze` writes them, quoted as for
/// [`Scanner::key_is`].
fn object<'a>(
    p: &mut Scanner<'a>,
    usual: &[&str],
    mut f: impl FnMut(&mut Scanner<'a>, &str) -> Result<Shape, SyntaxError>,
) -> Result<Shape, SyntaxError> {
    if p.peek() != Some(b'{') {
        let found = p.scalar()?;
        return Ok(Err(format!("expected an object, found {}", found.kind())));
    }
    p.begin_object()?;
    let mut first = true;
    let mut next = 0;
    let mut shape = Ok(());
    loop {
        let end = (next + 2).min(usual.len());
        let known = (next..end).find(|&i| p.key_is(&mut first, usual[i].as_bytes()));
        let r = match known {
            Some(at) => {
                next = at + 1;
                let quoted = usual[at];
                f(p, &quoted[1..quoted.len() - 2])?
            }
            None => match p.next_key(&mut first)? {
                Some(key) => f(p, &key)?,
                None => break,
            },
        };
        if shape.is_ok() {
            shape = r;
        }
    }
    Ok(shape)
}

/// A whole number in `0..=max`, or what is wrong with the value.
fn whole(value: &Scalar<'_>, name: &str, max: u32) -> Result<u32, String> {
    match value {
        Scalar::Num(n) => n
            .parse::<u32>()
            .ok()
            .filter(|v| *v <= max)
            .ok_or_else(|| format!("`{name}` {n} is not a whole number 0–{max}")),
        other => Err(format!("`{name}` is {}, not a number", other.kind())),
    }
}

fn text<'a>(value: Scalar<'a>, name: &str) -> Result<Cow<'a, str>, String> {
    match value {
        Scalar::Str(s) => Ok(s),
        other => Err(format!("`{name}` is {}, not a string", other.kind())),
    }
}

/// A list of strings, or what is wrong with the value.
fn list<'a>(p: &mut Scanner<'a>, name: &str) -> Result<Result<StrList<'a>, String>, SyntaxError> {
    Ok(p.str_list()?
        .ok_or_else(|| format!("`{name}` is not a list of strings")))
}

fn missing(name: &str) -> String {
    format!("`{name}` is missing")
}

fn sentiment<'a>(p: &mut Scanner<'a>, row: &mut Row<'a>) -> Result<Shape, SyntaxError> {
    let (mut label, mut score) = (None, None);
    let shape = object(p, &["\"label\":", "\"score\":"], |p, key| {
        Ok(match key {
            "label" => text(p.scalar()?, "label").map(|s| label = Some(s)),
            "score" => match p.scalar()? {
                Scalar::Num(n) => match milli(n) {
                    Some(k) => {
                        score = Some(Score::Milli(k));
                        Ok(())
                    }
                    None => n
                        .parse::<f64>()
                        .map(|v| score = Some(Score::Float(v)))
                        .map_err(|_| format!("`score` {n} is not a number")),
                },
                other => Err(format!("`score` is {}, not a number", other.kind())),
            },
            _ => p.skip().map(|()| Ok(()))?,
        })
    })?;
    Ok(shape.and_then(|()| {
        let label = label.ok_or_else(|| missing("label"))?;
        let score = score.ok_or_else(|| missing("score"))?;
        let label =
            SentimentLabel::parse(&label).ok_or_else(|| format!("unknown label {label:?}"))?;
        row.score_milli = match score {
            Score::Milli(k) => k,
            Score::Float(score) if !(-1.0..=1.0).contains(&score) => {
                return Err(format!("score {score} is outside [-1, 1]"));
            }
            Score::Float(score) => (score * 1000.0).round() as i64,
        };
        row.sentiment = Some(label);
        Ok(())
    }))
}

/// A sentiment score as read.
#[derive(Clone, Copy)]
enum Score {
    /// Thousandths, in [-1000, 1000].
    Milli(i64),
    Float(f64),
}

/// A score in [-1, 1] written with at most three decimals (as `fankui analyze` writes it), in
/// thousandths: what `(n.parse::<f64>()? * 1000.0).round()` gives, without parsing a float.
/// `None` for any other number.
fn milli(n: &str) -> Option<i64> {
    let (negative, digits) = match n.as_bytes() {
        [b'-', rest @ ..] => (true, rest),
        all => (false, all),
    };
    let (whole, fraction) = match digits {
        [w] => (*w, &[][..]),
        [w, b'.', f @ ..] if (1..=3).contains(&f.len()) => (*w, f),
        _ => return None,
    };
    if !matches!(whole, b'0' | b'1') || !fraction.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut k = i64::from(whole - b'0') * 1000;
    for (d, scale) in fraction.iter().zip([100, 10, 1]) {
        k += i64::from(d - b'0') * scale;
    }
    if k > 1000 {
        return None;
    }
    Some(if negative { -k } else { k })
}

fn topic<'a>(p: &mut Scanner<'a>, row: &mut Row<'a>) -> Result<Shape, SyntaxError> {
    let (mut id, mut label) = (None, None);
    let shape = object(p, &["\"id\":", "\"label\":"], |p, key| {
        Ok(match key {
            "id" => whole(&p.scalar()?, "id", u32::MAX).map(|v| id = Some(v)),
            "label" => text(p.scalar()?, "label").map(|s| label = Some(s)),
            _ => p.skip().map(|()| Ok(()))?,
        })
    })?;
    Ok(shape.and_then(|()| {
        let id = id.ok_or_else(|| missing("id"))?;
        row.topic = Some((id, label.ok_or_else(|| missing("label"))?));
        Ok(())
    }))
}

fn department<'a>(p: &mut Scanner<'a>, row: &mut Row<'a>) -> Result<Shape, SyntaxError> {
    let (mut id, mut evidence, mut fallback) = (None, StrList::default(), false);
    let shape = object(
        p,
        &[
            "\"id\":",
            "\"confidence\":",
            "\"evidence\":",
            "\"fallback\":",
            "\"secondary\":",
        ],
        |p, key| {
            Ok(match key {
                "id" => text(p.scalar()?, "id").map(|s| id = Some(s)),
                "evidence" => list(p, "evidence")?.map(|l| evidence = l),
                "fallback" => match p.scalar()? {
                    Scalar::Bool(b) => {
                        fallback = b;
                        Ok(())
                    }
                    Scalar::Null => Ok(()),
                    other => Err(format!("`fallback` is {}, not true or false", other.kind())),
                },
                _ => p.skip().map(|()| Ok(()))?,
            })
        },
    )?;
    Ok(shape.and_then(|()| {
        let id = id.ok_or_else(|| missing("id"))?;
        if fallback {
            row.department = Some(Cow::Borrowed(UNASSIGNED));
            row.fallback_to = Some(id);
        } else {
            row.department = Some(id);
        }
        row.evidence = evidence;
        Ok(())
    }))
}

/// The kind and department of each aspect; the rest of each is skipped.
fn aspects<'a>(p: &mut Scanner<'a>, row: &mut Row<'a>) -> Result<Shape, SyntaxError> {
    if p.peek() != Some(b'[') {
        let found = p.scalar()?;
        return Ok(Err(format!("expected a list, found {}", found.kind())));
    }
    p.begin_array()?;
    let mut first = true;
    let mut shape = Ok(());
    while p.next_element(&mut first)? {
        let (mut kind, mut department) = (None, None);
        let r = object(
            p,
            &[
                "\"span\":",
                "\"kind\":",
                "\"sentiment\":",
                "\"department\":",
                "\"evidence\":",
            ],
            |p, key| {
                Ok(match key {
                    "kind" => text(p.scalar()?, "kind").and_then(|s| match Kind::parse(&s) {
                        Some(k) => {
                            kind = Some(k);
                            Ok(())
                        }
                        None => Err(format!("unknown kind {s:?}")),
                    }),
                    "department" => match p.scalar()? {
                        Scalar::Str(s) => {
                            department = Some(s);
                            Ok(())
                        }
                        Scalar::Null => Ok(()),
                        other => Err(format!("`department` is {}, not a string", other.kind())),
                    },
                    _ => p.skip().map(|()| Ok(()))?,
                })
            },
        )?;
        let r = r.and_then(|()| {
            row.aspects
                .push((kind.ok_or_else(|| missing("kind"))?, department));
            Ok(())
        });
        if shape.is_ok() {
            shape = r.map_err(|m| format!("aspect {}: {m}", row.aspects.len() + 1));
        }
    }
    Ok(shape)
}

fn priority<'a>(p: &mut Scanner<'a>, row: &mut Row<'a>) -> Result<Shape, SyntaxError> {
    let (mut score, mut level, mut rule, mut reasons) = (None, None, None, StrList::default());
    let shape = object(
        p,
        &["\"score\":", "\"level\":", "\"rule\":", "\"reasons\":"],
        |p, key| {
            Ok(match key {
                "score" => whole(&p.scalar()?, "score", 100).map(|v| score = Some(v as u8)),
                "level" => text(p.scalar()?, "level").map(|s| level = Some(s)),
                "rule" => match p.scalar()? {
                    Scalar::Str(s) if s.trim().is_empty() => Ok(()),
                    Scalar::Str(s) => {
                        rule = Some(s);
                        Ok(())
                    }
                    Scalar::Null => Ok(()),
                    other => Err(format!("`rule` is {}, not a string", other.kind())),
                },
                "reasons" => list(p, "reasons")?.map(|l| reasons = l),
                _ => p.skip().map(|()| Ok(()))?,
            })
        },
    )?;
    Ok(shape.and_then(|()| {
        let level = level.ok_or_else(|| missing("level"))?;
        row.level = Some(match level.as_ref() {
            "P1" => Level::P1,
            "P2" => Level::P2,
            "P3" => Level::P3,
            "P4" => Level::P4,
            _ => return Err(format!("unknown level {level:?}")),
        });
        row.priority = score.ok_or_else(|| missing("score"))?;
        row.rule = rule;
        row.reasons = reasons;
        Ok(())
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINE: &str = r#"{"id":"17","lang":"zh","sentiment":{"label":"negative","score":-0.83},"kind":"complaint","keywords":["物流","太慢"],"topic":{"id":4,"label":"物流 / 配送"},"department":{"id":"logistics","confidence":0.91,"evidence":["物流","太慢"],"secondary":[]},"priority":{"score":74,"level":"P2","reasons":["strong negative"]},"text":"物流太慢\n了","channel":"app","created_at":"2026-03-01","nps":"3","csat":2,"extra":{"a":[1,2]}}"#;

    #[test]
    fn reads_the_contract() {
        let row = Row::parse(LINE.as_bytes(), 1, &Layout::new("text")).unwrap();
        assert_eq!(row.id, "17");
        assert_eq!(row.sentiment, Some(SentimentLabel::Negative));
        assert_eq!(row.score_milli, -830);
        assert_eq!(row.kind, Some(Kind::Complaint));
        assert_eq!(row.keywords.iter().collect::<Vec<_>>(), ["物流", "太慢"]);
        assert_eq!(row.evidence.len(), 2);
        assert_eq!(row.reasons.iter().collect::<Vec<_>>(), ["strong negative"]);
        assert_eq!(row.topic.as_ref().map(|t| t.0), Some(4));
        assert_eq!(row.department.as_deref(), Some("logistics"));
        assert_eq!((row.priority, row.level), (74, Some(Level::P2)));
        assert_eq!(row.text.as_deref(), Some("物流太慢\n了"));
        assert_eq!((row.nps, row.csat, row.ces), (Some(3), Some(2), None));
        assert_eq!(row.created_at.map(|t| t.day), Some(1));
    }

    #[test]
    fn reads_aspects_and_sets_unassigned_records_apart() {
        let line = LINE.replace(
            r#""department":{"id":"logistics","confidence":0.91,"evidence":["物流","太慢"],"secondary":[]},"#,
            r#""department":{"id":"customer_service","confidence":0.0,"evidence":[],"fallback":true},"mixed":true,"aspects":[{"span":[0,6],"kind":"praise","sentiment":{"label":"positive","score":0.9},"department":"product","evidence":["菜"]},{"span":[9,18],"kind":"complaint","sentiment":{"label":"negative","score":-0.8},"department":null,"evidence":[]}],"#,
        );
        let row = Row::parse(line.as_bytes(), 1, &Layout::new("text")).unwrap();
        assert_eq!(row.department.as_deref(), Some(UNASSIGNED));
        assert_eq!(row.fallback_to.as_deref(), Some("customer_service"));
        let aspects: Vec<(Kind, Option<&str>)> = row
            .aspects
            .iter()
            .map(|(k, d)| (*k, d.as_deref()))
            .collect();
        assert_eq!(
            aspects,
            [(Kind::Praise, Some("product")), (Kind::Complaint, None)]
        );
        // A routed record keeps its department; a bad aspect is named.
        let row = Row::parse(LINE.as_bytes(), 1, &Layout::new("text")).unwrap();
        assert_eq!(row.department.as_deref(), Some("logistics"));
        assert!(row.fallback_to.is_none());
        let bad = line.replace(r#""kind":"praise""#, r#""kind":"joy""#);
        let err = Row::parse(bad.as_bytes(), 1, &Layout::new("text")).unwrap_err();
        assert!(err.to_string().contains("aspect 1"), "{err}");
    }

    #[test]
    fn bad_fields_are_named() {
        let line = LINE.replace(r#""nps":"3""#, r#""nps":11"#);
        let err = Row::parse(line.as_bytes(), 1, &Layout::new("text")).unwrap_err();
        assert!(matches!(&err, RejectReason::Field(e) if matches!(**e, Error::Field { .. })));
        assert_eq!(
            err.to_string(),
            "record 17: field `nps`: expected a whole number 0–10, found 11"
        );
        let line = LINE.replace("2026-03-01", "yesterday");
        let err = Row::parse(line.as_bytes(), 1, &Layout::new("text"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("field `created_at`"), "{err}");
        let err = Row::parse(br#"{"id":"x","text":"a"}"#, 9, &Layout::new("text"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("record x: field `sentiment`: missing"),
            "{err}"
        );
        let err = Row::parse(br#"{"text":"a""#, 9, &Layout::new("text")).unwrap_err();
        assert!(matches!(err, RejectReason::JsonSyntax(_)), "{err:?}");
        assert!(err.to_string().starts_with("malformed JSON"), "{err}");
    }

    #[test]
    fn scores_in_thousandths_match_the_float_reading() {
        for k in -1000i64..=1000 {
            let v = k as f64 / 1000.0;
            for n in [format!("{v}"), format!("{v:.3}"), format!("{v:.1}")] {
                let float = n.parse::<f64>().unwrap();
                let want = ((-1.0..=1.0).contains(&float)).then(|| (float * 1000.0).round() as i64);
                if let Some(got) = milli(&n) {
                    assert_eq!(Some(got), want, "{n}");
                }
            }
            assert_eq!(milli(&format!("{v:.3}")), Some(k));
        }
        for n in [
            "1.001", "-1.5", "2", "0.1234", "1e-3", "-", "0.", "10", "-0.0001",
        ] {
            assert_eq!(milli(n), None, "{n}");
        }
        assert_eq!(milli("-0"), Some(0));
        assert_eq!(milli("1"), Some(1000));
        let line = LINE.replace("-0.83", "-0.8300001");
        let row = Row::parse(line.as_bytes(), 1, &Layout::new("text")).unwrap();
        assert_eq!(row.score_milli, -830);
        let line = LINE.replace("-0.83", "-1.2");
        let err = Row::parse(line.as_bytes(), 1, &Layout::new("text"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("score -1.2 is outside [-1, 1]"), "{err}");
        let mut bad = LINE.as_bytes().to_vec();
        bad[3] = 0xff;
        let err = Row::parse(&bad, 1, &Layout::new("text")).unwrap_err();
        assert_eq!(err.to_string(), "invalid UTF-8 at column 4");
    }

    #[test]
    fn reads_the_rule_that_set_the_level_when_there_is_one() {
        let layout = Layout::new("text");
        // Older output has no rule.
        let row = Row::parse(LINE.as_bytes(), 1, &layout).unwrap();
        assert_eq!(row.rule, None);
        let with = |rule: &str| {
            LINE.replace(
                r#""level":"P2","#,
                &format!(r#""level":"P2","rule":{rule},"#),
            )
        };
        let line = with(r#""score (no P1-class reason)""#);
        let row = Row::parse(line.as_bytes(), 1, &layout).unwrap();
        assert_eq!(row.rule.as_deref(), Some("score (no P1-class reason)"));
        assert_eq!(row.reasons.iter().collect::<Vec<_>>(), ["strong negative"]);
        // Anywhere in the object, escaped or not.
        let line = LINE.replace(
            r#""reasons":["strong negative"]"#,
            r#""reasons":["strong negative"],"rule":"high-value\u0020churn""#,
        );
        let row = Row::parse(line.as_bytes(), 1, &layout).unwrap();
        assert_eq!(row.rule.as_deref(), Some("high-value churn"));
        for blank in ["null", r#""""#, r#"" ""#] {
            let line = with(blank);
            assert_eq!(Row::parse(line.as_bytes(), 1, &layout).unwrap().rule, None);
        }
        for bad in ["3", "[\"health\"]", "{}", "true"] {
            let line = with(bad);
            let err = Row::parse(line.as_bytes(), 1, &layout)
                .unwrap_err()
                .to_string();
            assert!(
                err.starts_with("record 17: field `priority`: `rule` is"),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn another_text_field() {
        let line = LINE.replace(r#""text":"#, r#""content":"#);
        let row = Row::parse(line.as_bytes(), 1, &Layout::new("content")).unwrap();
        assert_eq!(row.text.as_deref(), Some("物流太慢\n了"));
        assert!(Row::parse(line.as_bytes(), 1, &Layout::new("text"))
            .unwrap()
            .text
            .is_none());
    }
}
