//! Analysed records out: the contract's JSON object, or a CSV row.

use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};
use serde_json::{Map, Value};

use std::ops::Range;

use super::{json, Analysis, Aspect};
use crate::io::{FieldWarning, Record};
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
    "warnings",
    "invalid_fields",
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
        if !self.record.warnings.is_empty() {
            map.serialize_entry("warnings", &WarningList(&self.record.warnings))?;
        }
        if !self.record.invalid_fields.is_empty() {
            map.serialize_entry("invalid_fields", &self.record.invalid_fields)?;
        }
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

/// `[{"field": …, "reason": …}, …]`.
struct WarningList<'a>(&'a [FieldWarning]);

impl Serialize for WarningList<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.0.len()))?;
        for w in self.0 {
            seq.serialize_element(&serde_json::json!({"field": w.field, "reason": w.reason}))?;
        }
        seq.end()
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
fn keywords<'t>(text: &'t str, a: &'t Analysis) -> Vec<&'t str> {
    keyword_strs(text, a).collect()
}

/// The keywords as substrings of the original text, best first, one by one.
fn keyword_strs<'t>(text: &'t str, a: &'t Analysis) -> impl Iterator<Item = &'t str> {
    a.keywords.iter().filter_map(|k| text.get(k.span.clone()))
}

/// The distinct evidence substrings, in text order.
fn evidence<'t>(text: &'t str, spans: &'t [Range<usize>]) -> Vec<&'t str> {
    evidence_strs(text, spans).collect()
}

/// The distinct evidence substrings, in text order, one by one: a span's substring unless an
/// earlier span's is the same.
fn evidence_strs<'t>(text: &'t str, spans: &'t [Range<usize>]) -> impl Iterator<Item = &'t str> {
    spans.iter().enumerate().filter_map(move |(i, r)| {
        let s = text.get(r.clone())?;
        let seen = spans[..i].iter().any(|p| text.get(p.clone()) == Some(s));
        (!seen).then_some(s)
    })
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
struct PriorityOut<'a> {
    score: u8,
    level: &'static str,
    rule: &'static str,
    reasons: &'a [std::borrow::Cow<'static, str>],
}

impl<'a> PriorityOut<'a> {
    fn of(p: &'a crate::priority::Priority) -> Self {
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

/// Writes `record` as one JSON line into `out`: the bytes `serde_json` writes for
/// [`OutputRecord`], written directly (the output's hot path).
pub fn write_json_line(out: &mut Vec<u8>, record: &OutputRecord<'_>) {
    let (r, a) = (record.record, record.analysis);
    out.reserve(json_line_capacity(record));
    out.push(b'{');
    write_analysis_json(out, &r.id, &r.text, a);
    if !r.warnings.is_empty() {
        out.extend_from_slice(b",\"warnings\":[");
        for (i, w) in r.warnings.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.extend_from_slice(b"{\"field\":");
            json::string(out, &w.field);
            out.extend_from_slice(b",\"reason\":");
            json::string(out, &w.reason);
            out.push(b'}');
        }
        out.push(b']');
    }
    if !r.invalid_fields.is_empty() {
        out.extend_from_slice(b",\"invalid_fields\":");
        json::object(out, &r.invalid_fields);
    }
    if record.options.tokens {
        out.extend_from_slice(b",\"tokens\":");
        write_tokens_json(out, &r.text, &a.tokens);
    }
    for (name, value) in &r.fields {
        out.push(b',');
        if OUTPUT_KEYS.contains(&name.as_str()) {
            // An output key: plain ASCII, nothing to escape.
            out.extend_from_slice(b"\"input_");
            out.extend_from_slice(name.as_bytes());
            out.push(b'"');
        } else {
            json::string(out, name);
        }
        out.push(b':');
        json::value(out, value);
    }
    out.extend_from_slice(b"}\n");
}

/// About the bytes [`write_json_line`] writes for `record`, more than that for most records
/// (the text echoed, with keywords, evidence, aspects and priority around it): what a line's
/// buffer reserves so that it seldom grows while the line is written.
pub(crate) fn json_line_capacity(record: &OutputRecord<'_>) -> usize {
    let text = record.record.text.len();
    let tokens = if record.options.tokens {
        text + 80 * record.analysis.tokens.len()
    } else {
        0
    };
    640 + 5 * text + tokens
}

/// The contract's analysis keys of `a`, whose text is `text`, as [`write_analysis`] gives
/// them, written directly (without the enclosing braces).
fn write_analysis_json(out: &mut Vec<u8>, id: &str, text: &str, a: &Analysis) {
    out.extend_from_slice(b"\"id\":");
    json::string(out, id);
    out.extend_from_slice(b",\"lang\":");
    json::name(out, a.lang.as_str());
    if let Some(script) = a.script {
        out.extend_from_slice(b",\"script\":");
        json::name(out, script.as_str());
    }
    out.extend_from_slice(b",\"sentiment\":");
    write_sentiment_json(out, &a.sentiment);
    out.extend_from_slice(b",\"kind\":");
    json::name(out, a.kind.as_str());
    out.extend_from_slice(b",\"keywords\":");
    json::string_array(out, keyword_strs(text, a));
    out.extend_from_slice(b",\"topic\":");
    match &a.topic {
        Some(t) => {
            out.extend_from_slice(b"{\"id\":");
            json::integer(out, t.id);
            out.extend_from_slice(b",\"label\":");
            json::string(out, &t.label);
            out.push(b'}');
        }
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"department\":");
    match &a.department {
        Some(d) => {
            out.extend_from_slice(b"{\"id\":");
            json::string(out, &d.id);
            out.extend_from_slice(b",\"confidence\":");
            json::float(out, rounded(d.confidence));
            out.extend_from_slice(b",\"evidence\":");
            json::string_array(out, evidence_strs(text, &d.evidence));
            if d.fallback {
                out.extend_from_slice(b",\"fallback\":true");
            }
            if !d.secondary.is_empty() {
                out.extend_from_slice(b",\"secondary\":[");
                for (i, (id, confidence)) in d.secondary.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    out.extend_from_slice(b"{\"id\":");
                    json::string(out, id);
                    out.extend_from_slice(b",\"confidence\":");
                    json::float(out, rounded(*confidence));
                    out.push(b'}');
                }
                out.push(b']');
            }
            out.push(b'}');
        }
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"mixed\":");
    json::boolean(out, a.mixed);
    out.extend_from_slice(b",\"aspects\":[");
    for (i, aspect) in a.aspects.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(b"{\"span\":[");
        json::integer(out, aspect.span.start);
        out.push(b',');
        json::integer(out, aspect.span.end);
        out.extend_from_slice(b"],\"kind\":");
        json::name(out, aspect.kind.as_str());
        out.extend_from_slice(b",\"sentiment\":");
        write_sentiment_json(out, &aspect.sentiment);
        out.extend_from_slice(b",\"department\":");
        json::optional_string(out, aspect.department.as_deref());
        out.extend_from_slice(b",\"evidence\":");
        json::string_array(out, evidence_strs(text, &aspect.evidence));
        out.push(b'}');
    }
    out.extend_from_slice(b"],\"priority\":");
    write_priority_json(out, &a.priority);
}

/// A sentiment as [`SentimentOut`] gives it, written directly.
fn write_sentiment_json(out: &mut Vec<u8>, s: &crate::sentiment::Sentiment) {
    out.extend_from_slice(b"{\"label\":");
    json::name(out, s.label.as_str());
    out.extend_from_slice(b",\"score\":");
    json::float(out, rounded(s.score));
    out.push(b'}');
}

/// A priority as [`PriorityOut`] gives it, written directly.
pub(crate) fn write_priority_json(out: &mut Vec<u8>, p: &crate::priority::Priority) {
    out.extend_from_slice(b"{\"score\":");
    json::integer(out, p.score);
    out.extend_from_slice(b",\"level\":");
    json::name(out, p.level.as_str());
    out.extend_from_slice(b",\"rule\":");
    json::name(out, p.rule.as_str());
    out.extend_from_slice(b",\"reasons\":");
    json::string_array(out, p.reasons.iter().map(AsRef::as_ref));
    out.push(b'}');
}

/// The tokens as [`TokenList`] gives them, written directly.
fn write_tokens_json(out: &mut Vec<u8>, text: &str, tokens: &Tokens) {
    out.push(b'[');
    for (i, t) in tokens.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        let form = tokens.form(t);
        out.extend_from_slice(b"{\"text\":");
        json::string(out, &text[t.span()]);
        out.extend_from_slice(b",\"form\":");
        json::string(out, form);
        out.extend_from_slice(b",\"span\":[");
        json::integer(out, t.start);
        out.push(b',');
        json::integer(out, t.end);
        out.extend_from_slice(b"],\"kind\":");
        json::name(out, t.kind.as_str());
        out.extend_from_slice(b",\"script\":");
        json::name(out, t.script.as_str());
        if crate::segment::is_stopword(form) {
            out.extend_from_slice(b",\"stop\":true");
        }
        out.push(b'}');
    }
    out.push(b']');
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
    let r = record.record;
    row.push(
        r.warnings
            .iter()
            .map(|w| format!("{}: {}", w.field, w.reason))
            .collect::<Vec<_>>()
            .join(" | "),
    );
    row.push(if r.invalid_fields.is_empty() {
        String::new()
    } else {
        let mut cell = Vec::new();
        json::object(&mut cell, &r.invalid_fields);
        String::from_utf8(cell).expect("JSON text is UTF-8")
    });
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::{AssignedTopic, Engine};
    use crate::route::Routing;
    use std::borrow::Cow;
    use std::sync::Arc;

    /// Texts and input fields with everything a JSON string escapes, multi-byte text, and
    /// pass-through values of every kind (some named like output keys).
    fn tricky_records() -> Vec<Record> {
        let texts = [
            "物流太慢了，等了一个星期",
            "He said \"物流太慢\" \\ 退款\t一直\n不到账\r",
            "客服态度很差\u{1}\u{1f}，退款一直不到账 \"quoted\" \\\\ back",
            "😀😡 快递\u{2028}破损\u{2029}了 \u{7f} \u{8}\u{c}",
            "The app crashes every time I open it, \"really\" bad\t",
            "\"",
            "包装破了，客服不理人，价格太贵了，质量也差，再也不买了，希望改进！",
        ];
        let fields: [&str; 4] = [
            r#"{"note":"a \"q\" \\ b\u0001\u001f\t\n","nested":{"x":[1,2.5,-0.0,1e300,0.1,null,true],"y":{"z":"\u2028"}},"big":123456789012345678901234567890,"f":1.0E-7}"#,
            r#"{"lang":"input lang","priority":{"a":1},"tokens":[1,2],"keywords":"kw\"","empty":"","arr":[],"obj":{}}"#,
            r#"{"\u0001key\"\\":"v","😀":"😡","customer_id":"c1"}"#,
            "{}",
        ];
        texts
            .iter()
            .enumerate()
            .map(|(i, text)| {
                let mut r = Record::new(format!("id-{i}-\"q\"\\\u{1}"), *text);
                r.fields = serde_json::from_str(fields[i % fields.len()]).expect("JSON");
                r
            })
            .collect()
    }

    /// The analyses of [`tricky_records`], and variants of them with what real texts seldom
    /// give: a topic, fallback and secondary departments, scores that are not finite or round
    /// to zero, reasons and labels that need escaping.
    fn tricky_analyses(engine: &Engine, record: &Record) -> Vec<Analysis> {
        let a = engine.analyze(record).expect("analysed");
        let mut b = a.clone();
        b.script = None;
        b.sentiment.score = f32::NAN;
        b.topic = Some(AssignedTopic {
            id: 17,
            label: "物流 / \"慢\"\\\n".to_owned(),
            similarity: 0.5,
        });
        b.department = Some(Routing {
            id: Arc::from("logi\"stics"),
            confidence: 0.12345,
            evidence: vec![0..3, 0..3, 1..2, 0..usize::MAX, 0..0],
            secondary: vec![(Arc::from("a"), -0.0004), (Arc::from("b\\"), f32::INFINITY)],
            fallback: true,
        });
        b.priority.reasons = vec![Cow::Borrowed("repeat"), Cow::Owned("say \"x\"\t".into())];
        b.priority.score = 255;
        b.mixed = !b.mixed;
        for aspect in &mut b.aspects {
            aspect.department = None;
            aspect.evidence = vec![aspect.span.clone(), aspect.span.clone()];
            aspect.sentiment.score = -0.9999;
        }
        let mut c = a.clone();
        c.department = None;
        c.aspects.clear();
        c.keywords.clear();
        c.topic = None;
        vec![a, b, c]
    }

    #[test]
    fn direct_line_equals_serde_json_of_the_output_record() {
        let engine = Engine::builder().build().expect("engine");
        let mut lines = 0;
        for record in tricky_records() {
            for analysis in tricky_analyses(&engine, &record) {
                for tokens in [false, true] {
                    let out = OutputRecord {
                        record: &record,
                        analysis: &analysis,
                        options: OutputOptions { tokens },
                    };
                    let mut line = b"prefix".to_vec();
                    write_json_line(&mut line, &out);
                    let mut want = b"prefix".to_vec();
                    want.extend(serde_json::to_vec(&out).expect("serialised"));
                    want.push(b'\n');
                    assert_eq!(
                        String::from_utf8_lossy(&line),
                        String::from_utf8_lossy(&want)
                    );
                    lines += 1;
                }
            }
        }
        assert_eq!(lines, 7 * 3 * 2);
    }

    #[test]
    fn direct_priority_equals_serde_json_of_priority_out() {
        let engine = Engine::builder().build().expect("engine");
        for record in tricky_records() {
            for analysis in tricky_analyses(&engine, &record) {
                let mut direct = Vec::new();
                write_priority_json(&mut direct, &analysis.priority);
                let want = serde_json::to_vec(&PriorityOut::of(&analysis.priority));
                assert_eq!(direct, want.expect("serialised"));
            }
        }
    }
}
