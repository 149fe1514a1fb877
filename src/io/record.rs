//! Input records: the contract's fields, validated, and everything else passed through.

use serde_json::{Map, Value};

use crate::error::{Error, Result};

/// One piece of feedback.
///
/// # Examples
///
/// ```
/// let record = fankui::Record::new("17", "物流太慢了，客服也不理人");
/// assert_eq!(record.id, "17");
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Record {
    /// The record's id (the 1-based record number when the input has none).
    pub id: String,
    /// The feedback text.
    pub text: String,
    /// Where it came from (`app`, `survey`, `weibo`, …).
    pub channel: Option<String>,
    /// When it was written.
    pub created_at: Option<Timestamp>,
    /// Star rating, 1–5.
    pub rating: Option<u8>,
    /// Net Promoter answer, 0–10.
    pub nps: Option<u8>,
    /// Customer satisfaction, 1–5.
    pub csat: Option<u8>,
    /// Customer effort, 1–7.
    pub ces: Option<u8>,
    /// The customer's id.
    pub customer_id: Option<String>,
    /// The customer's value (any number the business uses, e.g. yearly spend).
    pub customer_value: Option<f64>,
    /// Product name or id.
    pub product: Option<String>,
    /// Store name or id.
    pub store: Option<String>,
    /// Every input field but `id`, as read, in input order: passed through to the output. An
    /// optional field whose value was invalid is null here (its value is in
    /// `invalid_fields`).
    pub fields: Map<String, Value>,
    /// Optional contract fields whose values were invalid, as read, in input order.
    pub invalid_fields: Map<String, Value>,
    /// What was noticed while reading the record that did not cost it: one entry per field
    /// set aside (and why), or per lone surrogate escape replaced by U+FFFD.
    pub warnings: Vec<FieldWarning>,
}

/// Something wrong in a record's fields that did not cost the record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldWarning {
    /// The field.
    pub field: String,
    /// What was wrong, and what was done about it.
    pub reason: String,
}

/// What becomes of a record whose optional field (`created_at`, `rating`, `id`, …) has a value
/// of the wrong type or range.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum FieldPolicy {
    /// The record is analysed: the field is null, its value is kept in
    /// [`Record::invalid_fields`] and the reason in [`Record::warnings`].
    #[default]
    Lenient,
    /// The record is rejected.
    Strict,
}

impl Record {
    /// A record with just an id and a text.
    #[must_use]
    pub fn new(id: impl Into<String>, text: impl Into<String>) -> Self {
        Record {
            id: id.into(),
            text: text.into(),
            ..Record::default()
        }
    }

    /// A record from the fields of a JSON object; `number` is its 1-based record number (the
    /// id when it has none) and `text_field` the name of the text field. An optional field
    /// with a value of the wrong type or range is set aside or rejects the record, as `policy`
    /// says.
    ///
    /// # Errors
    ///
    /// [`Error::Field`] when the text is missing, empty or not a string, or, with
    /// [`FieldPolicy::Strict`], when a contract field (`id`, `created_at`, `rating`, `nps`,
    /// `csat`, `ces`, `customer_value`, …) has a value of the wrong type or range.
    pub fn from_fields(
        mut fields: Map<String, Value>,
        number: u64,
        text_field: &str,
        policy: FieldPolicy,
    ) -> Result<Self> {
        let mut record = Record::default();
        let id = match fields.shift_remove("id") {
            None | Some(Value::Null) => number.to_string(),
            Some(Value::String(s)) if !s.trim().is_empty() => s,
            Some(Value::String(_)) => number.to_string(),
            Some(Value::Number(n)) => n.to_string(),
            Some(other) => {
                let reason = format!("expected a string or a number, found {}", kind(&other));
                if policy == FieldPolicy::Strict {
                    return Err(Error::field(number.to_string(), "id", reason));
                }
                record.invalid_fields.insert("id".into(), other);
                record.warnings.push(FieldWarning {
                    field: "id".into(),
                    reason: format!("{reason}; the record number is its id"),
                });
                number.to_string()
            }
        };
        let bad = |field: &str, message: String| Error::field(id.clone(), field, message);
        record.text = match fields.get(text_field) {
            None => return Err(bad(text_field, "missing".into())),
            Some(Value::String(s)) if s.trim().is_empty() => {
                return Err(bad(text_field, "is empty".into()))
            }
            Some(Value::String(s)) => s.clone(),
            Some(other) => {
                return Err(bad(
                    text_field,
                    format!("expected a string, found {}", kind(other)),
                ))
            }
        };
        let mut set_aside = Vec::new();
        for (name, value) in &fields {
            if name == text_field || is_blank(value) {
                continue;
            }
            if let Err(reason) = record.set_contract_field(name, value) {
                if policy == FieldPolicy::Strict {
                    return Err(bad(name, reason));
                }
                set_aside.push((name.clone(), reason));
            }
        }
        for (name, reason) in set_aside {
            if let Some(value) = fields.get_mut(&name) {
                record
                    .invalid_fields
                    .insert(name.clone(), std::mem::take(value));
            }
            record.warnings.push(FieldWarning {
                field: name,
                reason: format!("{reason}; set to null"),
            });
        }
        record.id = id;
        record.fields = fields;
        Ok(record)
    }

    /// Reads `value` into the contract field `name`, if it is one; other names are left to
    /// pass through. The error says what was expected.
    fn set_contract_field(&mut self, name: &str, value: &Value) -> Result<(), String> {
        match name {
            "channel" => self.channel = Some(string(value)?),
            "customer_id" => self.customer_id = Some(string(value)?),
            "product" => self.product = Some(string(value)?),
            "store" => self.store = Some(string(value)?),
            "created_at" => {
                let s = string(value)?;
                self.created_at = Some(
                    Timestamp::parse(&s)
                        .ok_or_else(|| format!("expected RFC 3339 or YYYY-MM-DD, found {s:?}"))?,
                );
            }
            "rating" => self.rating = Some(score(value, 1, 5)?),
            "nps" => self.nps = Some(score(value, 0, 10)?),
            "csat" => self.csat = Some(score(value, 1, 5)?),
            "ces" => self.ces = Some(score(value, 1, 7)?),
            "customer_value" => self.customer_value = Some(number_of(value)?),
            _ => {}
        }
        Ok(())
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Null and empty strings (empty CSV cells) count as absent.
fn is_blank(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        _ => false,
    }
}

fn string(v: &Value) -> Result<String, String> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        other => Err(format!("expected a string, found {}", kind(other))),
    }
}

fn number_of(v: &Value) -> Result<f64, String> {
    let n = match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        other => return Err(format!("expected a number, found {}", kind(other))),
    };
    n.filter(|n| n.is_finite())
        .ok_or_else(|| format!("expected a number, found {v}"))
}

fn score(v: &Value, lo: u8, hi: u8) -> Result<u8, String> {
    let n = number_of(v).map_err(|_| format!("expected a whole number {lo}–{hi}, found {v}"))?;
    if n.fract() != 0.0 || n < f64::from(lo) || n > f64::from(hi) {
        return Err(format!("expected a whole number {lo}–{hi}, found {v}"));
    }
    Ok(n as u8)
}

/// A date, with a time of day when one was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    /// Year.
    pub year: i32,
    /// Month, 1–12.
    pub month: u8,
    /// Day of the month, 1–31.
    pub day: u8,
    /// Seconds since the Unix epoch (UTC; a time with no offset is taken as UTC), or `None`
    /// for a plain date.
    pub unix_seconds: Option<i64>,
}

impl Timestamp {
    /// Parses `YYYY-MM-DD` or an RFC 3339 date-time (`2026-03-01T08:30:00+08:00`; a space for
    /// the `T`, missing seconds or a missing offset are accepted too).
    ///
    /// # Examples
    ///
    /// ```
    /// use fankui::Timestamp;
    ///
    /// let t = Timestamp::parse("2026-03-01T08:30:00+08:00").unwrap();
    /// assert_eq!((t.year, t.month, t.day), (2026, 3, 1));
    /// assert_eq!(t.unix_seconds, Some(1_772_325_000));
    /// assert!(Timestamp::parse("2026-02-30").is_none());
    /// ```
    #[must_use]
    pub fn parse(s: &str) -> Option<Timestamp> {
        let s = s.trim();
        let b = s.as_bytes();
        if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let year: i32 = digits(&b[0..4])?;
        let month = u8::try_from(digits::<u16>(&b[5..7])?).ok()?;
        let day = u8::try_from(digits::<u16>(&b[8..10])?).ok()?;
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return None;
        }
        let date = Timestamp {
            year,
            month,
            day,
            unix_seconds: None,
        };
        let rest = &b[10..];
        if rest.is_empty() {
            return Some(date);
        }
        if !matches!(rest[0], b'T' | b't' | b' ') || rest.len() < 6 || rest[3] != b':' {
            return None;
        }
        let hour: i64 = digits(&rest[1..3])?;
        let minute: i64 = digits(&rest[4..6])?;
        let mut rest = &rest[6..];
        let mut second: i64 = 0;
        if rest.first() == Some(&b':') {
            second = digits(rest.get(1..3)?)?;
            rest = &rest[3..];
            if rest.first() == Some(&b'.') {
                let n = rest[1..].iter().take_while(|c| c.is_ascii_digit()).count();
                if n == 0 {
                    return None;
                }
                rest = &rest[1 + n..];
            }
        }
        let offset: i64 = match rest {
            [] | [b'Z'] | [b'z'] => 0,
            [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
                let h: i64 = digits(&[*h1, *h2])?;
                let m: i64 = digits(&[*m1, *m2])?;
                if h > 23 || m > 59 {
                    return None;
                }
                let o = h * 3600 + m * 60;
                if *sign == b'-' {
                    -o
                } else {
                    o
                }
            }
            _ => return None,
        };
        if hour > 23 || minute > 59 || second > 60 {
            return None;
        }
        let days = days_from_civil(i64::from(year), month, day);
        Some(Timestamp {
            unix_seconds: Some(days * 86_400 + hour * 3600 + minute * 60 + second - offset),
            ..date
        })
    }
}

impl Timestamp {
    /// Days from 1970-01-01 to the date (as written, in its own time zone).
    ///
    /// # Examples
    ///
    /// ```
    /// let t = fankui::Timestamp::parse("1970-01-02T23:00:00-05:00").unwrap();
    /// assert_eq!(t.days_since_epoch(), 1);
    /// ```
    #[must_use]
    pub fn days_since_epoch(&self) -> i64 {
        days_from_civil(i64::from(self.year), self.month, self.day)
    }
}

/// The value of two or four ASCII digits.
fn digits<T: From<u16>>(b: &[u8]) -> Option<T> {
    debug_assert!(b.len() <= 4, "at most four digits fit");
    if b.is_empty() || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(T::from(
        b.iter().fold(0u16, |n, d| n * 10 + u16::from(d - b'0')),
    ))
}

fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 (Howard Hinnant's `days_from_civil`).
pub(crate) fn days_from_civil(year: i64, month: u8, day: u8) -> i64 {
    let y = year - i64::from(month <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn id_defaults_to_the_record_number() {
        let r = Record::from_fields(
            fields(json!({"text": "好"})),
            7,
            "text",
            FieldPolicy::Lenient,
        )
        .unwrap();
        assert_eq!(r.id, "7");
        let r = Record::from_fields(
            fields(json!({"id": 12, "text": "好"})),
            7,
            "text",
            FieldPolicy::Lenient,
        )
        .unwrap();
        assert_eq!(r.id, "12");
    }

    #[test]
    fn bad_fields_are_named() {
        let err = Record::from_fields(
            fields(json!({"id": "a1", "text": "x", "nps": 11})),
            1,
            "text",
            FieldPolicy::Strict,
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "record a1: field `nps`: expected a whole number 0–10, found 11"
        );
        let err = Record::from_fields(
            fields(json!({"body": "x"})),
            3,
            "text",
            FieldPolicy::Lenient,
        )
        .unwrap_err();
        assert_eq!(err.to_string(), "record 3: field `text`: missing");
        let err = Record::from_fields(
            fields(json!({"text": "  "})),
            3,
            "text",
            FieldPolicy::Lenient,
        )
        .unwrap_err();
        assert_eq!(err.to_string(), "record 3: field `text`: is empty");
        let err = Record::from_fields(
            fields(json!({"text": "x", "created_at": "yesterday"})),
            3,
            "text",
            FieldPolicy::Strict,
        )
        .unwrap_err();
        assert!(err.to_string().contains("`created_at`"), "{err}");
    }

    #[test]
    fn invalid_optional_fields_are_set_aside_by_default() {
        let input = json!({"id": ["x"], "text": "好好", "created_at": "2026-13-45",
                           "rating": 9, "nps": 7, "note": "kept"});
        let r =
            Record::from_fields(fields(input.clone()), 4, "text", FieldPolicy::Lenient).unwrap();
        assert_eq!((r.id.as_str(), r.text.as_str()), ("4", "好好"));
        assert_eq!((r.created_at, r.rating, r.nps), (None, None, Some(7)));
        assert_eq!(
            Value::Object(r.invalid_fields.clone()),
            json!({"id": ["x"], "created_at": "2026-13-45", "rating": 9})
        );
        // The fields stay where they were, null, so the output keeps the input's order.
        let names: Vec<&str> = r.fields.keys().map(String::as_str).collect();
        assert_eq!(names, ["text", "created_at", "rating", "nps", "note"]);
        assert_eq!(r.fields["created_at"], Value::Null);
        assert_eq!(r.fields["rating"], Value::Null);
        assert_eq!(r.fields["note"], "kept");
        let warned: Vec<&str> = r.warnings.iter().map(|w| w.field.as_str()).collect();
        assert_eq!(warned, ["id", "created_at", "rating"]);
        assert_eq!(
            r.warnings[1].reason,
            "expected RFC 3339 or YYYY-MM-DD, found \"2026-13-45\"; set to null"
        );
        let err = Record::from_fields(fields(input), 4, "text", FieldPolicy::Strict).unwrap_err();
        assert_eq!(
            err.to_string(),
            "record 4: field `id`: expected a string or a number, found an array"
        );
        // A missing or bad text still costs the record.
        let err = Record::from_fields(
            fields(json!({"text": 5, "rating": 9})),
            2,
            "text",
            FieldPolicy::Lenient,
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "record 2: field `text`: expected a string, found a number"
        );
    }

    #[test]
    fn csv_cells_are_strings() {
        let r = Record::from_fields(
            fields(json!({"text": "x", "rating": "4", "nps": "", "customer_value": "12.5"})),
            1,
            "text",
            FieldPolicy::Lenient,
        )
        .unwrap();
        assert_eq!(
            (r.rating, r.nps, r.customer_value),
            (Some(4), None, Some(12.5))
        );
    }

    #[test]
    fn timestamps() {
        assert_eq!(
            Timestamp::parse("1970-01-01T00:00:00Z")
                .unwrap()
                .unix_seconds,
            Some(0)
        );
        assert_eq!(
            Timestamp::parse("2000-03-01 00:00").unwrap().unix_seconds,
            Some(951_868_800)
        );
        assert!(Timestamp::parse("2024-02-29").is_some());
        assert!(Timestamp::parse("2023-02-29").is_none());
        assert!(Timestamp::parse("2024-13-01").is_none());
        assert!(Timestamp::parse("2024-01-01T25:00").is_none());
        assert!(Timestamp::parse("2024-01-01T10:00+0800").is_none());
    }
}
