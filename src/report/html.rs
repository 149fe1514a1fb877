//! `report.html`: one self-contained page (inline CSS, charts as inline SVG, no script, no
//! external asset), most urgent first: what each department should fix, alerts, then the
//! overview, departments, topics, trends and survey metrics.

use std::fmt::Write;

use super::summary::{DepartmentLevels, Figures, PeriodFigures, ReportSummary};
use super::tally::Item;

const NEGATIVE: &str = "#d64545";
const NEUTRAL: &str = "#b8b8b8";
const POSITIVE: &str = "#3f9d5a";
const LEVELS: [&str; 4] = ["#b3261e", "#e8833a", "#e9c46a", "#c9d6df"];
/// Lines of the hatching that marks a partial period.
const HATCH: &str = "#c3cad2";
const PALETTE: [&str; 8] = [
    "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2",
];

/// Escapes text for HTML content and attribute values.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

const STYLE: &str = r#"
body{font-family:system-ui,-apple-system,"Segoe UI","PingFang SC","Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:0;color:#1d2329;background:#f5f6f8;line-height:1.45}
main{max-width:1180px;margin:0 auto;padding:0 20px 40px}
header{background:#1d2b3a;color:#fff;padding:18px 20px}
header h1{margin:0 auto;max-width:1180px;font-size:22px}
header p{margin:4px auto 0;max-width:1180px;color:#c8d3de;font-size:14px}
section{background:#fff;border-radius:8px;margin:18px 0;padding:14px 18px;box-shadow:0 1px 2px rgba(0,0,0,.08)}
h2{font-size:19px;margin:4px 0 10px}
h3{font-size:16px;margin:8px 0 6px}
.hint{color:#5b6670;font-size:13px;margin:0 0 10px}
table{border-collapse:collapse;width:100%;font-size:13px;margin:6px 0 10px}
th,td{border-bottom:1px solid #e3e6ea;padding:4px 6px;text-align:left;vertical-align:top}
th{background:#f0f2f5;font-weight:600}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(340px,1fr));gap:14px}
.card{border:1px solid #e3e6ea;border-radius:8px;padding:10px 12px}
.card h3{margin-top:0}
.tiles{display:flex;flex-wrap:wrap;gap:10px;margin-bottom:10px}
.tile{border:1px solid #e3e6ea;border-radius:8px;padding:8px 12px;min-width:120px}
.tile b{display:block;font-size:20px}
.tile span{font-size:12px;color:#5b6670}
.badge{display:inline-block;border-radius:4px;padding:0 5px;font-size:12px;font-weight:600;color:#fff}
.P1{background:#b3261e}.P2{background:#e8833a}.P3{background:#b59a2a}.P4{background:#7b8a97}
.low{color:#a15c00;font-size:11px}
.alert{border-left:4px solid #b3261e;background:#fff4f2;padding:6px 10px;margin:6px 0}
.ok{color:#2f6b3b}
ol.items{padding-left:18px;margin:4px 0}
ol.items li{margin:4px 0;font-size:13px}
.ev{background:#fff1b8}
.why{color:#5b6670;font-size:12px;margin-top:1px}
.kw{display:inline-block;background:#eef2f6;border-radius:4px;padding:0 5px;margin:1px 2px;font-size:12px}
svg text{font-size:11px;fill:#333}
.share{color:#5b6670;font-size:11px}
details summary{cursor:pointer;color:#2b5e8c}
"#;

/// The page.
pub(crate) fn render(s: &ReportSummary, title: &str) -> String {
    let mut h = String::with_capacity(64 << 10);
    let range = match (&s.input.first_period, &s.input.last_period) {
        (Some(a), Some(b)) if a == b => format!(" · {a}"),
        (Some(a), Some(b)) => format!(" · {a} to {b}"),
        _ => String::new(),
    };
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>{t}</title><style>{STYLE}</style></head><body>\
         <header><h1>{t}</h1><p>{n} records{range} · {rej} rejected lines · made by fankui {v}</p></header><main>",
        t = esc(title),
        n = s.input.records,
        rej = s.input.rejected,
        v = env!("CARGO_PKG_VERSION"),
    );
    fix_first(&mut h, s);
    alerts(&mut h, s);
    overview(&mut h, s);
    departments(&mut h, s);
    topics(&mut h, s);
    trends(&mut h, s);
    survey(&mut h, s);
    customers(&mut h, s);
    h.push_str(
        "<section id=\"definitions\"><h2>How to read this</h2><p class=\"hint\">\
         <b>P1</b> act today (safety, health, legal or regulatory threat, media exposure, a valuable \
         customer about to leave) · <b>P2</b> act this week · <b>P3</b> plan for it · <b>P4</b> no \
         action needed. <b>NPS</b> = % promoters (9–10) − % detractors (0–6). <b>CSAT</b> = % of \
         answers 4–5 on a 1–5 scale. <b>CES</b> = mean effort, 1–7 (lower is easier). A metric on \
         fewer answers than the minimum count is marked <span class=\"low\">low n</span>. \
         <b>Alerts</b>: negative records in the latest period against the periods before it \
         (exact conditional Poisson test); q is its p-value adjusted for the number of series \
         tested (overall, each department and topic), so the alerts hold a false discovery rate. \
         A <b>partial period</b> (hatched in the charts) is the first or last one when the data \
         start after its first day or end before its last: its counts are for fewer days, it is \
         left out of alert baselines, and when it is the latest period its expectation is scaled \
         to the days covered. All counts are in <code>summary.json</code>.</p></section>",
    );
    h.push_str("</main></body></html>\n");
    h
}

/// Lists the first `max` items, each text cut to about `chars` characters around its first
/// evidence (the item's text, itself at most 280 characters, in the tooltip).
fn item_list(h: &mut String, items: &[Item], max: usize, chars: usize) {
    if items.is_empty() {
        return;
    }
    h.push_str("<ol class=\"items\">");
    for it in items.iter().take(max) {
        let _ = write!(
            h,
            "<li><span class=\"badge {l}\">{l} {p}</span> ",
            l = it.level,
            p = it.priority
        );
        let (before, shown, after) = excerpt(&it.text, &it.evidence, chars);
        let cut = before || after;
        if cut {
            let _ = write!(h, "<span title=\"{}\">", esc(&it.text));
        }
        if before {
            h.push('…');
        }
        h.push_str(&highlight(shown, &it.evidence));
        if after {
            h.push('…');
        }
        if cut {
            h.push_str("</span>");
        }
        let mut meta = vec![it.kind.to_owned(), format!("#{}", it.id)];
        if let Some(c) = &it.channel {
            meta.push(c.clone());
        }
        if let Some(c) = &it.customer_id {
            meta.push(format!("customer {c}"));
        }
        let _ = write!(
            h,
            " <span class=\"hint\">({})</span>",
            esc(&meta.join(" · "))
        );
        if !it.reasons.is_empty() {
            let _ = write!(
                h,
                "<div class=\"why\">why {}: {}</div>",
                it.level,
                esc(&it.reasons.join(" · "))
            );
        }
        h.push_str("</li>");
    }
    h.push_str("</ol>");
}

/// About `chars` characters of `text` around its first evidence (a third of them before it),
/// and whether text was left out before and after.
fn excerpt<'a>(text: &'a str, evidence: &[String], chars: usize) -> (bool, &'a str, bool) {
    let total = text.chars().count();
    if total <= chars {
        return (false, text, false);
    }
    let at = evidence
        .iter()
        .filter(|e| !e.is_empty())
        .filter_map(|e| text.find(e.as_str()))
        .min()
        .map_or(0, |b| text[..b].chars().count());
    let first = at.saturating_sub(chars / 3).min(total - chars);
    let byte = |c: usize| text.char_indices().nth(c).map_or(text.len(), |(b, _)| b);
    let (from, to) = (byte(first), byte(first + chars));
    (first > 0, &text[from..to], first + chars < total)
}

/// The text with its evidence marked.
fn highlight(text: &str, evidence: &[String]) -> String {
    let mut marks: Vec<(usize, usize)> = Vec::new();
    for e in evidence.iter().filter(|e| !e.is_empty()) {
        let mut from = 0;
        while let Some(i) = text[from..].find(e.as_str()) {
            marks.push((from + i, from + i + e.len()));
            from += i + e.len();
        }
    }
    marks.sort_unstable();
    let mut out = String::new();
    let mut at = 0;
    for (a, b) in marks {
        if a < at {
            continue;
        }
        out.push_str(&esc(&text[at..a]));
        let _ = write!(out, "<mark class=\"ev\">{}</mark>", esc(&text[a..b]));
        at = b;
    }
    out.push_str(&esc(&text[at..]));
    out
}

fn fix_first(h: &mut String, s: &ReportSummary) {
    h.push_str(
        "<section id=\"fix-first\"><h2>What to fix first</h2><p class=\"hint\">Each department's \
         queue, most urgent department first (by P1, then P2, then volume). Inside each: its topics \
         ranked the same way, and its highest-priority feedback with the words that routed it \
         marked. The full queues, sorted by priority, are in <code>departments/</code>.</p>",
    );
    if s.fix_first.is_empty() {
        h.push_str("<p>Nothing was routed to a department.</p></section>");
        return;
    }
    h.push_str("<div class=\"cards\">");
    for f in &s.fix_first {
        let _ = write!(
            h,
            "<div class=\"card\" data-department=\"{d}\"><h3>{name}</h3><p class=\"hint\">{q} in queue · \
             <span class=\"badge P1\">P1 {p1}</span> <span class=\"badge P2\">P2 {p2}</span> · {neg} negative</p>",
            d = esc(&f.department),
            name = match &f.name {
                Some(n) => format!("{} <code>{}</code>", esc(n), esc(&f.department)),
                None => esc(&f.department),
            },
            q = f.queue,
            p1 = f.p1,
            p2 = f.p2,
            neg = pct(f.negative_share),
        );
        let with_topics: Vec<_> = f.topics.iter().filter(|t| t.topic.is_some()).collect();
        if !with_topics.is_empty() {
            h.push_str(
                "<table><tr><th>Topic</th><th class=\"num\">Records</th><th class=\"num\">P1</th>\
                 <th class=\"num\">P2</th><th class=\"num\">Negative</th></tr>",
            );
            for t in with_topics.iter().take(3) {
                let _ = write!(
                    h,
                    "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                    esc(t.label.as_deref().unwrap_or("")),
                    t.n,
                    t.p1,
                    t.p2,
                    pct(t.negative_share)
                );
            }
            h.push_str("</table>");
        } else if !f.keywords.is_empty() {
            h.push_str("<p>Most mentioned: ");
            for k in f.keywords.iter().take(8) {
                let _ = write!(h, "<span class=\"kw\">{} ({})</span>", esc(&k.term), k.n);
            }
            h.push_str("</p>");
        }
        item_list(h, &f.items, 3, 120);
        h.push_str("</div>");
    }
    h.push_str("</div></section>");
}

/// The topic days with a spike (the days records got topic-spike points for), the most
/// significant first, at most 20.
fn topic_spike_days(h: &mut String, s: &ReportSummary) {
    let days = &s.topic_spike_days;
    if days.is_empty() {
        h.push_str(
            "<p class=\"ok\" id=\"topic-spike-days\">No topic had a day with a spike of negative \
             feedback against the days before it.</p>",
        );
        return;
    }
    let _ = write!(
        h,
        "<h3 id=\"topic-spike-days\">Topic days with a spike</h3><p>{} topic days whose negative \
         records stand out against the {} days before them (every topic and day tested, \
         adjusted together); records of these days got topic-spike priority points.</p>\
         <table><tr><th>day</th><th>topic</th><th>negative</th><th>days before</th><th>q</th></tr>",
        days.len(),
        days[0].baseline_days
    );
    let mut order: Vec<&super::TopicSpikeDay> = days.iter().collect();
    order.sort_by(|a, b| {
        a.q_value
            .total_cmp(&b.q_value)
            .then(b.negative.cmp(&a.negative))
    });
    for d in order.into_iter().take(20) {
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{} {}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{:.1e}</td></tr>",
            esc(&d.day),
            esc(&d.topic),
            esc(d.label.as_deref().unwrap_or("")),
            d.negative,
            d.baseline,
            d.q_value
        );
    }
    h.push_str("</table>");
}

fn alerts(h: &mut String, s: &ReportSummary) {
    h.push_str("<section id=\"alerts\"><h2>Alerts</h2>");
    if s.alerts.is_empty() {
        let _ = write!(
            h,
            "<p class=\"ok\">No spike of negative feedback in the latest period{}.</p>",
            s.input
                .last_period
                .as_deref()
                .map(|p| format!(" ({})", esc(p)))
                .unwrap_or_default()
        );
    }
    for a in &s.alerts {
        let what = match a.dimension {
            "overall" => "All feedback".to_owned(),
            "topic" => format!(
                "Topic {} “{}”",
                esc(&a.key),
                esc(a.label.as_deref().unwrap_or(""))
            ),
            d => format!("{d} {}", esc(&group_name(d, &a.key, a.label.as_deref()))),
        };
        let against = if a.partial {
            format!(
                ", a partial period ({} of {} days), against {:.1} expected at {:.1} a period \
                 over the {} complete periods before",
                a.days_covered, a.days, a.expected, a.baseline_mean, a.baseline_periods
            )
        } else {
            format!(
                " against {:.1} a period over the {} periods before",
                a.baseline_mean, a.baseline_periods
            )
        };
        let _ = write!(
            h,
            "<div class=\"alert\"{}><b>{what}</b>: {} negative records in {}{against}{} \
             (p = {:.2e}; q = {:.2e} over {} tests).</div>",
            if a.partial {
                " data-partial=\"true\""
            } else {
                ""
            },
            a.negative,
            esc(&a.period),
            a.ratio.map(|r| format!(", {r:.1}×")).unwrap_or_default(),
            a.p_value,
            a.q_value,
            a.tests
        );
    }
    topic_spike_days(h, s);
    h.push_str("</section>");
}

/// A group as shown: a topic by its id and keywords, a department by its name (its id when
/// the taxonomy has none), anything else by its key.
fn group_name(dim: &str, key: &str, label: Option<&str>) -> String {
    match (dim, label) {
        ("topic", Some(l)) => format!("{key} {l}"),
        ("department", Some(l)) => l.to_owned(),
        _ => key.to_owned(),
    }
}

fn tile(h: &mut String, value: &str, label: &str) {
    let _ = write!(
        h,
        "<div class=\"tile\"><b>{}</b><span>{}</span></div>",
        esc(value),
        esc(label)
    );
}

fn survey_value(f: &Figures) -> (String, String, String) {
    let low = |b: bool| if b { " (low n)" } else { "" };
    (
        f.nps.as_ref().map_or("–".into(), |m| {
            format!("{:.1}{}", m.score, low(m.low_count))
        }),
        f.csat.as_ref().map_or("–".into(), |m| {
            format!("{:.1}%{}", m.score, low(m.low_count))
        }),
        f.ces.as_ref().map_or("–".into(), |m| {
            format!("{:.2}{}", m.mean, low(m.low_count))
        }),
    )
}

fn overview(h: &mut String, s: &ReportSummary) {
    let o = &s.overall;
    h.push_str("<section id=\"overview\"><h2>Overview</h2><div class=\"tiles\">");
    tile(h, &o.n.to_string(), "records");
    tile(h, &pct(o.sentiment.negative_share), "negative");
    tile(h, &o.kind.complaint.to_string(), "complaints");
    tile(h, &o.kind.suggestion.to_string(), "suggestions");
    tile(h, &o.kind.question.to_string(), "questions");
    tile(h, &o.priority.p1.to_string(), "P1: act today");
    tile(h, &o.priority.p2.to_string(), "P2: act this week");
    let (nps, csat, ces) = survey_value(o);
    tile(h, &nps, "NPS");
    tile(h, &csat, "CSAT");
    tile(h, &ces, "CES");
    h.push_str("</div><h3>Sentiment by channel</h3>");
    let rows: Vec<(String, Vec<u64>)> = s.breakdowns["channel"]
        .groups
        .iter()
        .take(15)
        .map(|g| {
            (
                g.key.clone(),
                vec![
                    g.figures.sentiment.negative,
                    g.figures.sentiment.neutral,
                    g.figures.sentiment.positive,
                ],
            )
        })
        .collect();
    if rows.is_empty() {
        h.push_str("<p class=\"hint\">The records have no <code>channel</code>.</p>");
    } else {
        stacked_bars(
            h,
            "sentiment-by-channel",
            &rows,
            &[
                ("negative", NEGATIVE),
                ("neutral", NEUTRAL),
                ("positive", POSITIVE),
            ],
            true,
        );
    }
    h.push_str("<h3>What the feedback is</h3>");
    let k = &o.kind;
    let kinds: Vec<(String, Vec<u64>)> = [
        ("complaint", k.complaint),
        ("suggestion", k.suggestion),
        ("question", k.question),
        ("praise", k.praise),
        ("other", k.other),
    ]
    .into_iter()
    .map(|(name, n)| (name.to_owned(), vec![n]))
    .collect();
    stacked_bars(h, "kinds", &kinds, &[("records", PALETTE[0])], false);
    h.push_str("</section>");
}

fn departments(h: &mut String, s: &ReportSummary) {
    h.push_str(
        "<section id=\"departments\"><h2>Department load</h2><p class=\"hint\">Routed records per \
         department by priority level.</p>",
    );
    let groups = &s.breakdowns["department"].groups;
    if groups.is_empty() {
        h.push_str("<p>Nothing was routed.</p></section>");
        return;
    }
    let rows: Vec<(String, Vec<u64>)> = groups
        .iter()
        .map(|g| {
            let p = &g.figures.priority;
            (
                group_name("department", &g.key, g.label.as_deref()),
                vec![p.p1, p.p2, p.p3, p.p4],
            )
        })
        .collect();
    stacked_bars(
        h,
        "department-load",
        &rows,
        &[
            ("P1", LEVELS[0]),
            ("P2", LEVELS[1]),
            ("P3", LEVELS[2]),
            ("P4", LEVELS[3]),
        ],
        false,
    );
    h.push_str(
        "<table><tr><th>Department</th><th class=\"num\">Records</th><th class=\"num\">Complaints</th>\
         <th class=\"num\">Suggestions</th><th class=\"num\">P1</th><th class=\"num\">P2</th>\
         <th class=\"num\">Negative</th><th class=\"num\">Mean priority</th><th>Queue</th></tr>",
    );
    for g in groups {
        let f = &g.figures;
        let queue = s
            .queues
            .iter()
            .find(|q| q.department == g.key)
            .map(|q| format!("<a href=\"{c}\">{c}</a>", c = esc(&q.csv)))
            .unwrap_or_default();
        let _ = write!(
            h,
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{:.1}</td><td>{}</td></tr>",
            match &g.label {
                Some(l) => format!("{} <code>{}</code>", esc(l), esc(&g.key)),
                None => esc(&g.key),
            },
            f.n,
            f.kind.complaint,
            f.kind.suggestion,
            f.priority.p1,
            f.priority.p2,
            pct(f.sentiment.negative_share),
            f.priority.mean_score,
            queue
        );
    }
    h.push_str("</table>");
    priority_levels(h, &s.priority_levels);
    department_aspects(h, s);
    h.push_str("</section>");
}

/// Per department, its records per level and the rules that set the P1 and P2 levels.
fn priority_levels(h: &mut String, departments: &[DepartmentLevels]) {
    if departments.is_empty() {
        return;
    }
    h.push_str(
        "<h3>Priority levels by department</h3><p class=\"hint\">Records per level, with their \
         share of the department's records, and the rules that set the level: for P1 the \
         P1-class reason (safety, health, legal, …); otherwise the score, where \
         <code>score (no P1-class reason)</code> is a record whose score reached P1 without one, \
         held at P2. <code>unknown</code>: analysed before the rule was recorded.</p>\
         <table id=\"priority-levels\"><tr><th>Department</th><th class=\"num\">Records</th>\
         <th class=\"num\">P1</th><th class=\"num\">P2</th><th class=\"num\">P3</th>\
         <th class=\"num\">P4</th><th>P1 set by</th><th>P2 set by</th></tr>",
    );
    for d in departments {
        let _ = write!(
            h,
            "<tr data-department=\"{}\"><td>{}</td><td class=\"num\">{}</td>",
            esc(&d.department),
            match &d.name {
                Some(n) => format!("{} <code>{}</code>", esc(n), esc(&d.department)),
                None => esc(&d.department),
            },
            d.n
        );
        for l in d.levels.values() {
            let _ = write!(
                h,
                "<td class=\"num\">{} <span class=\"share\">{}</span></td>",
                l.n,
                pct(l.share)
            );
        }
        for level in ["P1", "P2"] {
            let rules: Vec<String> = d
                .levels
                .get(level)
                .map(|l| {
                    l.rules
                        .iter()
                        .take(3)
                        .map(|r| format!("{} ({})", esc(&r.rule), r.n))
                        .collect()
                })
                .unwrap_or_default();
            let _ = write!(h, "<td>{}</td>", rules.join(", "));
        }
        h.push_str("</tr>");
    }
    h.push_str("</table>");
}

/// The clauses that name each department, by kind: what its team is praised for in records
/// that others own, and the complaints it shares.
fn department_aspects(h: &mut String, s: &ReportSummary) {
    if s.department_aspects.is_empty() {
        return;
    }
    h.push_str(
        "<h3>What the clauses say</h3><p class=\"hint\">Clauses (aspects) naming each department, \
         in any record: a review that praises the food and complains about the staff counts as \
         praise for product and a complaint for customer_service.</p><table id=\"department-aspects\">\
         <tr><th>Department</th><th class=\"num\">Complaints</th><th class=\"num\">Suggestions</th>\
         <th class=\"num\">Questions</th><th class=\"num\">Praise</th></tr>",
    );
    for (d, a) in &s.department_aspects {
        let label = s
            .breakdowns
            .get("department")
            .and_then(|b| b.groups.iter().find(|g| g.key == *d))
            .and_then(|g| g.label.as_deref());
        let _ = write!(
            h,
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            esc(&group_name("department", d, label)),
            a.complaint,
            a.suggestion,
            a.question,
            a.praise
        );
    }
    h.push_str("</table>");
}

fn topics(h: &mut String, s: &ReportSummary) {
    h.push_str("<section id=\"topics\"><h2>Topics</h2>");
    if s.topics.is_empty() {
        h.push_str(
            "<p class=\"hint\">The records have no topics (analyse with <code>--topics</code> or \
             <code>--discover-topics</code>). Most mentioned keywords of complaints and suggestions, \
             per department, are under “What to fix first”.</p></section>",
        );
        return;
    }
    h.push_str(
        "<table><tr><th class=\"num\">#</th><th>Topic</th><th class=\"num\">Records</th>\
         <th class=\"num\">Share</th><th>Sentiment</th><th class=\"num\">P1+P2</th><th>Keywords</th>\
         <th>Departments</th><th>Examples</th></tr>",
    );
    for t in &s.topics {
        let f = &t.figures;
        let _ = write!(
            h,
            "<tr data-topic=\"{}\"><td class=\"num\">{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>",
            t.id,
            t.id,
            esc(&t.label),
            f.n,
            pct(t.share)
        );
        mini_bar(
            h,
            &[
                (f.sentiment.negative, NEGATIVE),
                (f.sentiment.neutral, NEUTRAL),
                (f.sentiment.positive, POSITIVE),
            ],
        );
        let _ = write!(
            h,
            " {}</td><td class=\"num\">{}</td><td>",
            pct(f.sentiment.negative_share),
            f.priority.p1 + f.priority.p2
        );
        for k in t.keywords.iter().take(8) {
            let _ = write!(h, "<span class=\"kw\">{}</span>", esc(&k.term));
        }
        h.push_str("</td><td>");
        let depts: Vec<String> = t
            .departments
            .iter()
            .take(3)
            .map(|d| format!("{} ({})", esc(&d.term), d.n))
            .collect();
        h.push_str(&depts.join(", "));
        h.push_str("</td><td><details><summary>examples</summary>");
        item_list(h, &t.examples, 3, usize::MAX);
        h.push_str("</details></td></tr>");
    }
    h.push_str("</table></section>");
}

fn trends(h: &mut String, s: &ReportSummary) {
    let _ = write!(
        h,
        "<section id=\"trends\"><h2>Trends by {}</h2>",
        s.trends.period.as_str()
    );
    let periods = &s.trends.overall;
    if periods.is_empty() {
        h.push_str("<p class=\"hint\">The records have no <code>created_at</code>.</p></section>");
        return;
    }
    let labels: Vec<&str> = periods.iter().map(|p| p.period.as_str()).collect();
    let partial: Vec<bool> = periods.iter().map(|p| p.partial).collect();
    h.push_str("<h3>All feedback</h3>");
    let notes: Vec<String> = periods
        .iter()
        .filter(|p| p.partial)
        .map(|p| format!("{} ({} of {} days)", esc(&p.period), p.days_covered, p.days))
        .collect();
    if !notes.is_empty() {
        let _ = write!(
            h,
            "<p class=\"hint\">Partial periods, hatched: {}. The data cover only part of them, \
             so their counts are low by nature; alerts leave them out of the baseline.</p>",
            notes.join(", ")
        );
    }
    let count = |ps: &[PeriodFigures], f: fn(&Figures) -> u64| -> Vec<f64> {
        ps.iter().map(|p| f(&p.figures) as f64).collect()
    };
    line_chart(
        h,
        "volume",
        &labels,
        &partial,
        &[
            ("records".into(), count(periods, |f| f.n), PALETTE[0]),
            (
                "negative".into(),
                count(periods, |f| f.sentiment.negative),
                NEGATIVE,
            ),
            (
                "complaints".into(),
                count(periods, |f| f.kind.complaint),
                PALETTE[4],
            ),
        ],
    );
    for (dim, list) in &s.trends.by {
        if list.is_empty() {
            continue;
        }
        let _ = write!(h, "<h3>Negative records by {}</h3>", esc(dim));
        let series: Vec<(String, Vec<f64>, &str)> = list
            .iter()
            .take(8)
            .enumerate()
            .map(|(i, g)| {
                (
                    group_name(dim, &g.key, g.label.as_deref()),
                    count(&g.periods, |f| f.sentiment.negative),
                    PALETTE[i % PALETTE.len()],
                )
            })
            .collect();
        line_chart(h, &format!("negative-by-{dim}"), &labels, &partial, &series);
        if list.len() > 8 {
            let _ = write!(
                h,
                "<p class=\"hint\">The 8 largest of {}; all are in <code>summary.json</code>.</p>",
                list.len()
            );
        }
    }
    h.push_str("</section>");
}

fn survey(h: &mut String, s: &ReportSummary) {
    h.push_str("<section id=\"survey\"><h2>NPS, CSAT and CES</h2>");
    let o = &s.overall;
    if o.nps.is_none() && o.csat.is_none() && o.ces.is_none() {
        h.push_str(
            "<p class=\"hint\">The records have no survey answers (<code>nps</code>, \
             <code>csat</code>, <code>ces</code>).</p></section>",
        );
        return;
    }
    let _ = write!(
        h,
        "<p class=\"hint\">Counts of answers in brackets; <span class=\"low\">low n</span> marks \
         fewer than {} answers.</p><table><tr><th>Group</th><th class=\"num\">NPS</th>\
         <th class=\"num\">CSAT</th><th class=\"num\">CES</th></tr>",
        s.options.min_count
    );
    let row = |h: &mut String, name: &str, f: &Figures| {
        let cell = |v: Option<(String, u64, bool)>| match v {
            None => "–".to_owned(),
            Some((v, n, low)) => format!(
                "{v} ({n}){}",
                if low {
                    " <span class=\"low\">low n</span>"
                } else {
                    ""
                }
            ),
        };
        let _ = write!(
            h,
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            esc(name),
            cell(f.nps.as_ref().map(|m| (format!("{:.1}", m.score), m.n, m.low_count))),
            cell(f.csat.as_ref().map(|m| (format!("{:.1}%", m.score), m.n, m.low_count))),
            cell(f.ces.as_ref().map(|m| (format!("{:.2}", m.mean), m.n, m.low_count))),
        );
    };
    row(h, "All", o);
    for dim in ["channel", "department", "topic"] {
        for g in s.breakdowns[dim].groups.iter().take(20) {
            if g.figures.nps.is_none() && g.figures.csat.is_none() && g.figures.ces.is_none() {
                continue;
            }
            let name = format!("{dim} {}", group_name(dim, &g.key, g.label.as_deref()));
            row(h, &name, &g.figures);
        }
    }
    for p in &s.trends.overall {
        if p.figures.nps.is_some() || p.figures.csat.is_some() || p.figures.ces.is_some() {
            let partial = if p.partial {
                format!(" (partial: {} of {} days)", p.days_covered, p.days)
            } else {
                String::new()
            };
            row(
                h,
                &format!("{} {}{partial}", s.trends.period.as_str(), p.period),
                &p.figures,
            );
        }
    }
    h.push_str("</table></section>");
}

fn customers(h: &mut String, s: &ReportSummary) {
    if let Some(c) = &s.customers_to_tell {
        let _ = write!(
            h,
            "<section id=\"customers\"><h2>Customers to tell</h2><p>{} records about resolved \
             topics or keywords, from {} customers ({} without a customer id): \
             <a href=\"{f}\">{f}</a>.</p></section>",
            c.records,
            c.customers,
            c.anonymous,
            f = esc(&c.file)
        );
    }
}

/// Horizontal stacked bars, one row per group, with a legend.
fn stacked_bars(
    h: &mut String,
    name: &str,
    rows: &[(String, Vec<u64>)],
    parts: &[(&str, &str)],
    normalise: bool,
) {
    // Labels get the room the widest needs, between 150 and 270 pixels.
    const UNIT: f64 = 6.6;
    let widest = rows
        .iter()
        .map(|(l, _)| display_width(l))
        .max()
        .unwrap_or(0);
    let label_w = (widest as f64 * UNIT + 14.0).clamp(150.0, 270.0);
    let label_units = ((label_w - 14.0) / UNIT) as usize;
    let (bar_w, row_h) = (560.0, 22.0);
    let max = rows
        .iter()
        .map(|(_, v)| v.iter().sum::<u64>())
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let height = row_h * rows.len() as f64 + 26.0;
    let _ = write!(
        h,
        "<svg class=\"chart\" data-chart=\"{}\" role=\"img\" width=\"{w}\" height=\"{height}\" viewBox=\"0 0 {w} {height}\">",
        esc(name),
        w = label_w + bar_w + 90.0
    );
    for (i, (label, values)) in rows.iter().enumerate() {
        let y = i as f64 * row_h;
        let total: u64 = values.iter().sum();
        let scale = if normalise {
            bar_w / total.max(1) as f64
        } else {
            bar_w / max
        };
        let _ = write!(
            h,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
            label_w - 6.0,
            y + 15.0,
            esc(&truncate_width(label, label_units))
        );
        let mut x = label_w;
        for (v, (part, color)) in values.iter().zip(parts) {
            let w = *v as f64 * scale;
            if w > 0.0 {
                let _ = write!(
                    h,
                    "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{w:.1}\" height=\"{:.1}\" fill=\"{color}\"><title>{}: {} {}</title></rect>",
                    y + 3.0,
                    row_h - 6.0,
                    esc(label),
                    v,
                    esc(part)
                );
            }
            x += w;
        }
        let _ = write!(
            h,
            "<text x=\"{:.1}\" y=\"{}\">{}</text>",
            x + 4.0,
            y + 15.0,
            total
        );
    }
    legend(
        h,
        parts.iter().map(|(p, c)| (*p, *c)),
        label_w,
        height - 8.0,
    );
    h.push_str("</svg>");
}

fn legend<'a>(h: &mut String, parts: impl Iterator<Item = (&'a str, &'a str)>, x0: f64, y: f64) {
    let mut x = x0;
    for (name, color) in parts {
        let shown = truncate_width(name, 30);
        let _ = write!(
            h,
            "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"10\" height=\"10\" fill=\"{color}\"/><text x=\"{:.1}\" y=\"{y:.1}\">{}</text>",
            y - 9.0,
            x + 14.0,
            esc(&shown)
        );
        x += 24.0 + 6.6 * display_width(&shown) as f64;
    }
}

/// Width in half-width cells: wide (East Asian) characters take two.
fn display_width(s: &str) -> usize {
    s.chars().map(|c| if is_wide(c) { 2 } else { 1 }).sum()
}

fn is_wide(c: char) -> bool {
    matches!(u32::from(c), 0x1100..=0x115F | 0x2E80..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF | 0xFE30..=0xFE4F | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6 | 0x20000..=0x3FFFD)
}

/// `s` cut to at most `units` half-width cells, `…` included.
fn truncate_width(s: &str, units: usize) -> String {
    if display_width(s) <= units {
        return s.to_owned();
    }
    let mut used = 1; // the ellipsis
    let mut out = String::new();
    for c in s.chars() {
        let w = if is_wide(c) { 2 } else { 1 };
        if used + w > units {
            break;
        }
        used += w;
        out.push(c);
    }
    out.push('…');
    out
}

/// A tiny inline proportion bar.
fn mini_bar(h: &mut String, parts: &[(u64, &str)]) {
    let total: u64 = parts.iter().map(|p| p.0).sum::<u64>().max(1);
    h.push_str("<svg class=\"mini\" width=\"80\" height=\"10\" viewBox=\"0 0 80 10\">");
    let mut x = 0.0;
    for (n, color) in parts {
        let w = 80.0 * *n as f64 / total as f64;
        if w > 0.0 {
            let _ = write!(
                h,
                "<rect x=\"{x:.2}\" y=\"0\" width=\"{w:.2}\" height=\"10\" fill=\"{color}\"/>"
            );
        }
        x += w;
    }
    h.push_str("</svg>");
}

/// A line chart over periods; a partial period (`partial[i]`) has a hatched band, a hollow
/// point and dashed lines into it.
fn line_chart(
    h: &mut String,
    name: &str,
    labels: &[&str],
    partial: &[bool],
    series: &[(String, Vec<f64>, &str)],
) {
    let (left, top, w, ht) = (50.0, 10.0, 760.0, 200.0);
    let max = series
        .iter()
        .flat_map(|s| s.1.iter().copied())
        .fold(0.0f64, f64::max)
        .max(1.0);
    let n = labels.len();
    let x_of = |i: usize| {
        if n <= 1 {
            left + w / 2.0
        } else {
            left + w * i as f64 / (n - 1) as f64
        }
    };
    let y_of = |v: f64| top + ht - ht * v / max;
    let total_h = top + ht + 60.0;
    let _ = write!(
        h,
        "<svg class=\"chart\" data-chart=\"{}\" role=\"img\" width=\"{}\" height=\"{total_h}\" viewBox=\"0 0 {} {total_h}\">",
        esc(name),
        left + w + 30.0,
        left + w + 30.0
    );
    let is_partial = |i: usize| partial.get(i).copied().unwrap_or(false);
    let hatch = format!("url(#hatch-{})", esc(name));
    if (0..n).any(is_partial) {
        let _ = write!(
            h,
            "<defs><pattern id=\"hatch-{}\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" \
             patternTransform=\"rotate(45)\"><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" \
             stroke=\"{HATCH}\" stroke-width=\"3\"/></pattern></defs>",
            esc(name)
        );
        // Half the distance between two periods on each side, within the plot.
        let half = if n <= 1 {
            w / 2.0
        } else {
            w / (n - 1) as f64 / 2.0
        };
        for i in (0..n).filter(|&i| is_partial(i)) {
            let x0 = (x_of(i) - half).max(left);
            let x1 = (x_of(i) + half).min(left + w);
            let _ = write!(
                h,
                "<rect class=\"partial\" data-partial=\"{}\" x=\"{x0:.1}\" y=\"{top}\" width=\"{:.1}\" \
                 height=\"{ht}\" fill=\"{hatch}\"><title>{}: partial period</title></rect>",
                esc(labels[i]),
                x1 - x0,
                esc(labels[i])
            );
        }
    }
    // Axes and grid.
    for k in 0..=4 {
        let v = max * f64::from(k) / 4.0;
        let y = y_of(v);
        let _ = write!(
            h,
            "<line x1=\"{left}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" stroke=\"#e3e6ea\"/><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            left + w,
            left - 4.0,
            y + 4.0,
            v.round()
        );
    }
    let step = (n / 12).max(1);
    for (i, label) in labels.iter().enumerate() {
        if i % step == 0 || i + 1 == n {
            let _ = write!(
                h,
                "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
                x_of(i),
                top + ht + 14.0,
                esc(label)
            );
        }
    }
    for (name, values, color) in series {
        let point = |i: usize| format!("{:.1},{:.1}", x_of(i), y_of(values[i]));
        if values.len() == 1 {
            let _ = write!(
                h,
                "<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"2\" points=\"{}\"><title>{}</title></polyline>",
                point(0),
                esc(name)
            );
        }
        // Runs of segments: solid between whole periods, dashed into a partial one.
        let mut i = 0;
        while i + 1 < values.len() {
            let dashed = is_partial(i) || is_partial(i + 1);
            let mut j = i + 1;
            while j + 1 < values.len() && (is_partial(j) || is_partial(j + 1)) == dashed {
                j += 1;
            }
            let points: Vec<String> = (i..=j).map(point).collect();
            let _ = write!(
                h,
                "<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"2\"{} points=\"{}\"><title>{}</title></polyline>",
                if dashed {
                    " stroke-dasharray=\"5 4\" stroke-opacity=\"0.6\""
                } else {
                    ""
                },
                points.join(" "),
                esc(name)
            );
            i = j;
        }
        for (i, &v) in values.iter().enumerate() {
            if is_partial(i) {
                let _ = write!(
                    h,
                    "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3\" fill=\"#fff\" stroke=\"{color}\" stroke-width=\"1.5\"/>",
                    x_of(i),
                    y_of(v)
                );
            } else if n == 1 {
                let _ = write!(
                    h,
                    "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3\" fill=\"{color}\"/>",
                    x_of(i),
                    y_of(v)
                );
            }
        }
    }
    let mut keys: Vec<(&str, &str)> = series.iter().map(|(n, _, c)| (n.as_str(), *c)).collect();
    if (0..n).any(is_partial) {
        keys.push(("partial period", &hatch));
    }
    legend(h, keys.into_iter(), left, top + ht + 40.0);
    h.push_str("</svg>");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_and_highlighting() {
        assert_eq!(
            esc("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        assert_eq!(
            highlight("物流太慢<br>物流", &["物流".into()]),
            "<mark class=\"ev\">物流</mark>太慢&lt;br&gt;<mark class=\"ev\">物流</mark>"
        );
    }

    #[test]
    fn long_texts_are_shown_around_their_evidence() {
        let ev = ["退款".to_owned()];
        // Short enough: whole.
        assert_eq!(excerpt("退款太慢", &ev, 10), (false, "退款太慢", false));
        // Evidence at character 20 of 40, ten shown: three before it.
        let text = format!("{}退款{}", "甲".repeat(20), "乙".repeat(18));
        let (before, shown, after) = excerpt(&text, &ev, 10);
        assert_eq!((before, after), (true, true));
        assert_eq!(shown, format!("甲甲甲退款{}", "乙".repeat(5)));
        // Near the end the window ends with the text; with no evidence it starts it.
        let text = format!("{}退款", "甲".repeat(30));
        assert_eq!(
            excerpt(&text, &ev, 10),
            (true, &text[text.len() - 30..], false)
        );
        assert_eq!(excerpt(&text, &[], 10), (false, &text[..30], true));
        let mut h = String::new();
        let mut item = Item::from_row(&super::super::row::Row::default(), 1);
        item.evidence = ev.to_vec();
        item.text = format!("{}退款{}", "甲".repeat(20), "乙".repeat(18));
        item_list(&mut h, &[item], 3, 10);
        assert!(
            h.contains("…甲甲甲<mark class=\"ev\">退款</mark>乙乙乙乙乙…</span>"),
            "{h}"
        );
        assert!(
            h.contains(&format!("title=\"{}退款", "甲".repeat(20))),
            "{h}"
        );
    }

    #[test]
    fn labels_are_cut_by_their_width_on_screen() {
        assert_eq!(display_width("Tech · 技术"), 11);
        assert_eq!(truncate_width("Tech · 技术", 11), "Tech · 技术");
        // Ten cells: nine and the ellipsis; a wide character that would cross it is left out.
        assert_eq!(truncate_width("Tech · 技术", 10), "Tech · 技…");
        assert_eq!(truncate_width("Tech · 技术", 9), "Tech · …");
        assert_eq!(truncate_width("客户服务与售后", 6), "客户…");
    }
}
