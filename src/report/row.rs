//! One line of `fankui analyze` output, read for reporting: the analysis and the contract's
//! input fields, borrowed from the line where it has no escapes, everything else skipped.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, Visitor};
use serde::Deserialize;

use crate::io::Timestamp;
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
    pub keywords: Vec<Cow<'a, str>>,
    pub topic: Option<(u32, Cow<'a, str>)>,
    pub department: Option<Cow<'a, str>>,
    pub evidence: Vec<Cow<'a, str>>,
    pub priority: u8,
    pub level: Option<Level>,
    pub reasons: Vec<Cow<'a, str>>,
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

impl<'a> Row<'a> {
    /// Parses one output line; the error names the record and the field.
    /// Parses one output line. The whole line is checked for UTF-8 at once (cheaper than
    /// serde_json's check of every string).
    pub(crate) fn parse(line: &'a [u8], number: u64, text_field: &str) -> Result<Row<'a>, String> {
        let line = std::str::from_utf8(line)
            .map_err(|e| format!("invalid UTF-8 at column {}", e.valid_up_to() + 1))?;
        let mut de = serde_json::Deserializer::from_str(line);
        let mut fields = Fields::default();
        RowSeed {
            text_field,
            out: &mut fields,
        }
        .deserialize(&mut de)
        .map_err(|e| format!("malformed JSON: {e}"))?;
        de.end().map_err(|e| format!("malformed JSON: {e}"))?;
        let Fields { mut row, error } = fields;
        if row.id.is_empty() {
            row.id = Cow::Owned(number.to_string());
        }
        if let Some((field, message)) = error {
            return Err(format!("record {}: field `{field}`: {message}", row.id));
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
            return Err(format!(
                "record {}: field `{field}`: missing (is this `fankui analyze` output?)",
                row.id
            ));
        }
        Ok(row)
    }
}

#[derive(Default)]
struct Fields<'a> {
    row: Row<'a>,
    /// The first bad field and what is wrong with it.
    error: Option<(String, String)>,
}

struct RowSeed<'s, 'a> {
    text_field: &'s str,
    out: &'s mut Fields<'a>,
}

impl<'de> DeserializeSeed<'de> for RowSeed<'_, 'de> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for RowSeed<'_, 'de> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let out = self.out;
        while let Some(key) = map.next_key::<Str<'de>>()?.map(|k| k.0) {
            let row = &mut out.row;
            let mut bad = |message: String| {
                if out.error.is_none() {
                    out.error = Some((key.to_string(), message));
                }
            };
            if key == self.text_field {
                match map.next_value::<Scalar<'de>>()? {
                    Scalar::Str(s) if !s.trim().is_empty() => row.text = Some(s),
                    Scalar::Null | Scalar::Str(_) => {}
                    other => bad(format!("expected a string, found {}", other.kind())),
                }
                continue;
            }
            match key.as_ref() {
                "id" => match map.next_value::<Scalar<'de>>()? {
                    Scalar::Str(s) => row.id = s,
                    Scalar::Num(n) => row.id = Cow::Owned(n.to_string()),
                    Scalar::Null => {}
                    other => bad(format!("expected a string, found {}", other.kind())),
                },
                "lang" => row.lang = map.next_value::<Option<Str<'de>>>()?.map(|s| s.0),
                "sentiment" => match map.next_value::<Option<SentimentIn<'de>>>()? {
                    None => {}
                    Some(s) => match SentimentLabel::parse(&s.label.0) {
                        Some(label) if (-1.0..=1.0).contains(&s.score) => {
                            row.sentiment = Some(label);
                            row.score_milli = (s.score * 1000.0).round() as i64;
                        }
                        Some(_) => bad(format!("score {} is outside [-1, 1]", s.score)),
                        None => bad(format!("unknown label {:?}", s.label.0)),
                    },
                },
                "kind" => {
                    let s = map.next_value::<Str<'de>>()?.0;
                    match Kind::parse(&s) {
                        Some(k) => row.kind = Some(k),
                        None => bad(format!("unknown kind {s:?}")),
                    }
                }
                "keywords" => {
                    row.keywords = strs(
                        map.next_value::<Option<Vec<Str<'de>>>>()?
                            .unwrap_or_default(),
                    );
                }
                "topic" => {
                    row.topic = map
                        .next_value::<Option<TopicIn<'de>>>()?
                        .map(|t| (t.id, t.label.0));
                }
                "department" => {
                    if let Some(d) = map.next_value::<Option<DepartmentIn<'de>>>()? {
                        row.department = Some(d.id.0);
                        row.evidence = strs(d.evidence);
                    }
                }
                "priority" => {
                    if let Some(p) = map.next_value::<Option<PriorityIn<'de>>>()? {
                        let level = match p.level.0.as_ref() {
                            "P1" => Some(Level::P1),
                            "P2" => Some(Level::P2),
                            "P3" => Some(Level::P3),
                            "P4" => Some(Level::P4),
                            _ => None,
                        };
                        match level {
                            Some(level) if p.score <= 100 => {
                                row.level = Some(level);
                                row.priority = p.score;
                                row.reasons = strs(p.reasons);
                            }
                            Some(_) => bad(format!("score {} is outside 0–100", p.score)),
                            None => bad(format!("unknown level {:?}", p.level.0)),
                        }
                    }
                }
                "channel" | "customer_id" | "product" | "store" => {
                    let value = match map.next_value::<Scalar<'de>>()? {
                        Scalar::Str(s) if s.trim().is_empty() => None,
                        Scalar::Str(s) => Some(s),
                        Scalar::Num(n) => Some(Cow::Owned(n.to_string())),
                        Scalar::Null => None,
                        other => {
                            bad(format!("expected a string, found {}", other.kind()));
                            None
                        }
                    };
                    match key.as_ref() {
                        "channel" => row.channel = value,
                        "customer_id" => row.customer_id = value,
                        "product" => row.product = value,
                        _ => row.store = value,
                    }
                }
                "created_at" => match map.next_value::<Scalar<'de>>()? {
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
                "nps" | "csat" | "ces" | "rating" => {
                    let (lo, hi) = match key.as_ref() {
                        "nps" => (0, 10),
                        "ces" => (1, 7),
                        _ => (1, 5),
                    };
                    let value = map.next_value::<Scalar<'de>>()?;
                    let n = match &value {
                        Scalar::Null => continue,
                        Scalar::Str(s) if s.trim().is_empty() => continue,
                        Scalar::Num(n) => Some(*n),
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
                        Some(s) => match key.as_ref() {
                            "nps" => row.nps = Some(s),
                            "csat" => row.csat = Some(s),
                            "ces" => row.ces = Some(s),
                            _ => row.rating = Some(s),
                        },
                    }
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

/// A JSON string, borrowed from the line when it has no escapes.
struct Str<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Str<'a> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Str<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Str<'a>, E> {
                Ok(Str(Cow::Borrowed(s)))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Str<'a>, E> {
                Ok(Str(Cow::Owned(s.to_owned())))
            }
            fn visit_string<E: de::Error>(self, s: String) -> Result<Str<'a>, E> {
                Ok(Str(Cow::Owned(s)))
            }
        }
        d.deserialize_str(V(std::marker::PhantomData))
    }
}

fn strs(v: Vec<Str<'_>>) -> Vec<Cow<'_, str>> {
    v.into_iter().map(|s| s.0).collect()
}

/// A JSON value where a scalar is expected.
enum Scalar<'a> {
    Null,
    Str(Cow<'a, str>),
    Num(f64),
    Bool,
    Other,
}

impl<'de> Deserialize<'de> for Scalar<'de> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Scalar<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_unit<E: de::Error>(self) -> Result<Scalar<'de>, E> {
                Ok(Scalar::Null)
            }
            fn visit_none<E: de::Error>(self) -> Result<Scalar<'de>, E> {
                Ok(Scalar::Null)
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Scalar<'de>, E> {
                Ok(Scalar::Bool)
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<Scalar<'de>, E> {
                Ok(Scalar::Num(n as f64))
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<Scalar<'de>, E> {
                Ok(Scalar::Num(n as f64))
            }
            fn visit_f64<E: de::Error>(self, n: f64) -> Result<Scalar<'de>, E> {
                Ok(Scalar::Num(n))
            }
            fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Scalar<'de>, E> {
                Ok(Scalar::Str(Cow::Borrowed(s)))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Scalar<'de>, E> {
                Ok(Scalar::Str(Cow::Owned(s.to_owned())))
            }
            fn visit_string<E: de::Error>(self, s: String) -> Result<Scalar<'de>, E> {
                Ok(Scalar::Str(Cow::Owned(s)))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut a: A) -> Result<Scalar<'de>, A::Error> {
                while a.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Scalar::Other)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Scalar<'de>, A::Error> {
                while a.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Scalar::Other)
            }
        }
        d.deserialize_any(V)
    }
}

impl Scalar<'_> {
    fn kind(&self) -> &'static str {
        match self {
            Scalar::Null => "null",
            Scalar::Str(_) => "a string",
            Scalar::Num(_) => "a number",
            Scalar::Bool => "a boolean",
            Scalar::Other => "an array or object",
        }
    }

    fn display(&self) -> String {
        match self {
            Scalar::Str(s) => format!("{s:?}"),
            Scalar::Num(n) => n.to_string(),
            other => other.kind().to_owned(),
        }
    }
}

#[derive(Deserialize)]
struct SentimentIn<'a> {
    #[serde(borrow)]
    label: Str<'a>,
    score: f64,
}

#[derive(Deserialize)]
struct TopicIn<'a> {
    id: u32,
    #[serde(borrow)]
    label: Str<'a>,
}

#[derive(Deserialize)]
struct DepartmentIn<'a> {
    #[serde(borrow)]
    id: Str<'a>,
    #[serde(default, borrow)]
    evidence: Vec<Str<'a>>,
}

#[derive(Deserialize)]
struct PriorityIn<'a> {
    score: u8,
    #[serde(borrow)]
    level: Str<'a>,
    #[serde(default, borrow)]
    reasons: Vec<Str<'a>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINE: &str = r#"{"id":"17","lang":"zh","sentiment":{"label":"negative","score":-0.83},"kind":"complaint","keywords":["物流","太慢"],"topic":{"id":4,"label":"物流 / 配送"},"department":{"id":"logistics","confidence":0.91,"evidence":["物流","太慢"],"secondary":[]},"priority":{"score":74,"level":"P2","reasons":["strong negative"]},"text":"物流太慢\n了","channel":"app","created_at":"2026-03-01","nps":"3","csat":2,"extra":{"a":[1,2]}}"#;

    #[test]
    fn reads_the_contract() {
        let row = Row::parse(LINE.as_bytes(), 1, "text").unwrap();
        assert_eq!(row.id, "17");
        assert_eq!(row.sentiment, Some(SentimentLabel::Negative));
        assert_eq!(row.score_milli, -830);
        assert_eq!(row.kind, Some(Kind::Complaint));
        assert_eq!(row.keywords, ["物流", "太慢"]);
        assert_eq!(row.topic.as_ref().map(|t| t.0), Some(4));
        assert_eq!(row.department.as_deref(), Some("logistics"));
        assert_eq!((row.priority, row.level), (74, Some(Level::P2)));
        assert_eq!(row.text.as_deref(), Some("物流太慢\n了"));
        assert_eq!((row.nps, row.csat, row.ces), (Some(3), Some(2), None));
        assert_eq!(row.created_at.map(|t| t.day), Some(1));
    }

    #[test]
    fn bad_fields_are_named() {
        let line = LINE.replace(r#""nps":"3""#, r#""nps":11"#);
        let err = Row::parse(line.as_bytes(), 1, "text").unwrap_err();
        assert_eq!(
            err,
            "record 17: field `nps`: expected a whole number 0–10, found 11"
        );
        let line = LINE.replace("2026-03-01", "yesterday");
        let err = Row::parse(line.as_bytes(), 1, "text").unwrap_err();
        assert!(err.contains("field `created_at`"), "{err}");
        let err = Row::parse(br#"{"id":"x","text":"a"}"#, 9, "text").unwrap_err();
        assert!(
            err.contains("record x: field `sentiment`: missing"),
            "{err}"
        );
        let err = Row::parse(br#"{"text":"a""#, 9, "text").unwrap_err();
        assert!(err.starts_with("malformed JSON"), "{err}");
    }

    #[test]
    fn another_text_field() {
        let line = LINE.replace(r#""text":"#, r#""content":"#);
        let row = Row::parse(line.as_bytes(), 1, "content").unwrap();
        assert_eq!(row.text.as_deref(), Some("物流太慢\n了"));
        assert!(Row::parse(line.as_bytes(), 1, "text")
            .unwrap()
            .text
            .is_none());
    }
}
