//! Analysed records out: the contract's JSON object, or a CSV row.

use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};
use serde_json::{Map, Value};

use std::ops::Range;

use super::{Analysis, Aspect};
use crate::io::Record;
use crate::types::Tokens;

/// Keys the analysis writes, in the order of the CSV columns; an input field with one of these
/// names is passed through as `input_<name>` so nothing is lost or overwritten.
pub const OUTPUT_KEYS: &[&str] = &[
    "id",
    "lang",
    "script",
    "sentiment",
    "sentiment_score",
    "kind",
    "keywords",
    "topic",
    "topic_label",
    "department",
    "department_confidence",
    "evidence",
    "department_fallback",
    "mixed",
    "aspects",
    "priority",
    "priority_level",
    "priority_rule",
    "priority_reasons",
    "tokens",
];

/// What the output holds besides the contract fields.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OutputOptions {
    /// Include the tokens.
    pub tokens: bool,
}

/// The output object of one record: the analysis, then the input fields.
pub struct OutputRecord<'a> {
    /// The input.
    pub record: &'a Record,
    /// Its analysis.
    pub analysis: &'a Analysis,
    /// What to include.
    pub options: OutputOptions,
}

impl Serialize for OutputRecord<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let a = self.analysis;
        let mut map = serializer.serialize_map(None)?;
        write_analysis(&mut map, &self.record.id, &self.record.text, a)?;
        if self.options.tokens {
            map.serialize_entry(
                "tokens",
                &TokenList {
                    text: &self.record.text,
                    tokens: &a.tokens,
                },
            )?;
        }
        write_fields(&mut map, &self.record.fields)?;
        map.end()
    }
}

/// The documented output object of one record without its passed-through input fields (and
/// without tokens): `id`, `lang`, `script`, `sentiment`, `kind`, `keywords`, `topic`,
/// `department`, `priority`. [`OutputRecord`] adds the input's other fields.
///
/// # Examples
///
/// ```
/// use fankui::{Engine, Record};
///
/// let engine = Engine::builder().build()?;
/// let analysis = engine.analyze(&Record::new("7", "物流太慢了，等了一个星期"))?;
/// let json = serde_json::to_value(&analysis).unwrap();
/// assert_eq!(json["id"], "7");
/// assert_eq!(json["kind"], "complaint");
/// assert_eq!(json["department"]["id"], "logistics");
/// assert_eq!(json["keywords"][0], "物流太慢"); // substrings of the text
/// # Ok::<(), fankui::Error>(())
/// ```
impl Serialize for Analysis {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        write_analysis(&mut map, &self.id, &self.text, self)?;
        map.end()
    }
}

/// The contract's analysis keys of `a`, whose text is `text`.
fn write_analysis<M: SerializeMap>(
    map: &mut M,
    id: &str,
    text: &str,
    a: &Analysis,
) -> Result<(), M::Error> {
    {
        map.serialize_entry("id", id)?;
        map.serialize_entry("lang", a.lang.as_str())?;
        if let Some(script) = a.script {
            map.serialize_entry("script", script.as_str())?;
        }
        map.serialize_entry(
            "sentiment",
            &SentimentOut {
                label: a.sentiment.label.as_str(),
                score: rounded(a.sentiment.score),
            },
        )?;
        map.serialize_entry("kind", a.kind.as_str())?;
        map.serialize_entry("keywords", &keywords(text, a))?;
        map.serialize_entry(
            "topic",
            &a.topic.as_ref().map(|t| TopicOut {
                id: t.id,
                label: &t.label,
            }),
        )?;
        let department = a.department.as_ref().map(|d| DepartmentOut {
            id: &d.id,
            confidence: rounded(d.confidence),
            evidence: evidence(text, &d.evidence),
            fallback: d.fallback,
            secondary: d
                .secondary
                .iter()
                .map(|(id, c)| SecondaryOut {
                    id,
                    confidence: rounded(*c),
                })
                .collect(),
        });
        map.serialize_entry("department", &department)?;
        map.serialize_entry("mixed", &a.mixed)?;
        map.serialize_entry(
            "aspects",
            &AspectList {
                text,
                aspects: &a.aspects,
            },
        )?;
        map.serialize_entry("priority", &PriorityOut::of(&a.priority))?;
    }
    Ok(())
}

fn write_fields<M: SerializeMap>(map: &mut M, fields: &Map<String, Value>) -> Result<(), M::Error> {
    for (name, value) in fields {
        if OUTPUT_KEYS.contains(&name.as_str()) {
            map.serialize_entry(&format!("input_{name}"), value)?;
        } else {
            map.serialize_entry(name, value)?;
        }
    }
    Ok(())
}

/// The keywords as substrings of the original text, best first.
fn keywords<'t>(text: &'t str, a: &Analysis) -> Vec<&'t str> {
    a.keywords
        .iter()
        .filter_map(|k| text.get(k.span.clone()))
        .collect()
}

/// The distinct evidence substrings, in text order.
fn evidence<'t>(text: &'t str, spans: &[Range<usize>]) -> Vec<&'t str> {
    let mut out: Vec<&str> = Vec::new();
    for r in spans {
        if let Some(s) = text.get(r.clone()) {
            if !out.contains(&s) {
                out.push(s);
            }
        }
    }
    out
}

#[derive(Serialize)]
struct TopicOut<'a> {
    id: u32,
    label: &'a str,
}

#[derive(Serialize)]
struct DepartmentOut<'a> {
    id: &'a str,
    confidence: f32,
    evidence: Vec<&'a str>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    fallback: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    secondary: Vec<SecondaryOut<'a>>,
}

struct AspectList<'a> {
    text: &'a str,
    aspects: &'a [Aspect],
}

impl Serialize for AspectList<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.aspects.len()))?;
        for a in self.aspects {
            seq.serialize_element(&AspectOut {
                span: [a.span.start, a.span.end],
                kind: a.kind.as_str(),
                sentiment: SentimentOut {
                    label: a.sentiment.label.as_str(),
                    score: rounded(a.sentiment.score),
                },
                department: a.department.as_deref(),
                evidence: evidence(self.text, &a.evidence),
            })?;
        }
        seq.end()
    }
}

#[derive(Serialize)]
struct AspectOut<'a> {
    span: [usize; 2],
    kind: &'static str,
    sentiment: SentimentOut,
    department: Option<&'a str>,
    evidence: Vec<&'a str>,
}

#[derive(Serialize)]
struct SecondaryOut<'a> {
    id: &'a str,
    confidence: f32,
}

#[derive(Serialize)]
pub(crate) struct PriorityOut<'a> {
    score: u8,
    level: &'static str,
    rule: &'static str,
    reasons: &'a [std::borrow::Cow<'static, str>],
}

impl<'a> PriorityOut<'a> {
    pub(crate) fn of(p: &'a crate::priority::Priority) -> Self {
        PriorityOut {
            score: p.score,
            level: p.level.as_str(),
            rule: p.rule.as_str(),
            reasons: &p.reasons,
        }
    }
}

/// The CSV cells of a priority: score, level, rule and reasons.
pub(crate) fn priority_cells(p: &crate::priority::Priority) -> [String; 4] {
    [
        p.score.to_string(),
        p.level.as_str().to_owned(),
        p.rule.as_str().to_owned(),
        p.reasons.join("; "),
    ]
}

/// The index of the first priority cell in a CSV row.
pub(crate) const PRIORITY_CELL: usize = 15;

#[derive(Serialize)]
struct SentimentOut {
    label: &'static str,
    score: f32,
}

/// The aspects in one CSV cell: `kind department: clause` for each, joined by ` | ` (`-` for
/// no department).
fn aspects_cell(text: &str, aspects: &[Aspect]) -> String {
    let mut cell = String::new();
    for (i, a) in aspects.iter().enumerate() {
        if i > 0 {
            cell.push_str(" | ");
        }
        cell.push_str(a.kind.as_str());
        cell.push(' ');
        cell.push_str(a.department.as_deref().unwrap_or("-"));
        cell.push_str(": ");
        cell.push_str(text.get(a.span.clone()).unwrap_or(""));
    }
    cell
}

/// Three decimals are all a score means; the shortest form keeps the output readable.
fn rounded(score: f32) -> f32 {
    let r = (score * 1000.0).round() / 1000.0;
    if r == 0.0 {
        0.0
    } else {
        r
    }
}

struct TokenList<'a> {
    text: &'a str,
    tokens: &'a Tokens,
}

impl Serialize for TokenList<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.tokens.len()))?;
        for t in self.tokens {
            seq.serialize_element(&TokenOut {
                text: &self.text[t.span()],
                form: self.tokens.form(t),
                span: [t.start, t.end],
                kind: t.kind,
                script: t.script,
                stop: crate::segment::is_stopword(self.tokens.form(t)),
            })?;
        }
        seq.end()
    }
}

#[derive(Serialize)]
struct TokenOut<'a> {
    text: &'a str,
    form: &'a str,
    span: [usize; 2],
    kind: crate::types::TokenKind,
    script: crate::types::Script,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    stop: bool,
}

/// Writes `record` as one JSON line into `out`.
pub fn write_json_line(out: &mut Vec<u8>, record: &OutputRecord<'_>) {
    // Serialising owned, valid data into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, record);
    out.push(b'\n');
}

/// The CSV columns of the analysis, before the passed-through input columns.
#[must_use]
pub fn csv_analysis_columns(options: OutputOptions) -> Vec<&'static str> {
    // The output keys in order, `tokens` (the last) only when asked for.
    OUTPUT_KEYS
        .iter()
        .copied()
        .filter(|&k| k != "tokens" || options.tokens)
        .collect()
}

/// The CSV cells of `record`: the analysis columns, then `pass_through` input fields.
#[must_use]
pub fn csv_row(record: &OutputRecord<'_>, pass_through: &[String]) -> Vec<String> {
    let a = record.analysis;
    let mut row = vec![
        record.record.id.clone(),
        a.lang.as_str().to_owned(),
        a.script.map(|s| s.as_str().to_owned()).unwrap_or_default(),
        a.sentiment.label.as_str().to_owned(),
        rounded(a.sentiment.score).to_string(),
        a.kind.as_str().to_owned(),
        keywords(&record.record.text, a).join(" | "),
        a.topic
            .as_ref()
            .map(|t| t.id.to_string())
            .unwrap_or_default(),
        a.topic
            .as_ref()
            .map(|t| t.label.clone())
            .unwrap_or_default(),
    ];
    let text = &record.record.text;
    match &a.department {
        Some(d) => {
            row.push(d.id.to_string());
            row.push(rounded(d.confidence).to_string());
            row.push(evidence(text, &d.evidence).join(" | "));
            row.push(d.fallback.to_string());
        }
        None => row.extend([String::new(), String::new(), String::new(), String::new()]),
    }
    row.push(a.mixed.to_string());
    row.push(aspects_cell(text, &a.aspects));
    debug_assert_eq!(row.len(), PRIORITY_CELL);
    row.extend(priority_cells(&a.priority));
    if record.options.tokens {
        let words: Vec<&str> = a
            .tokens
            .iter()
            .map(|t| &record.record.text[t.span()])
            .collect();
        row.push(words.join(" "));
    }
    for name in pass_through {
        row.push(match record.record.fields.get(name) {
            None | Some(Value::Null) => String::new(),
            Some(Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
        });
    }
    row
}
