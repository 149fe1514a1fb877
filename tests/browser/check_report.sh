#!/usr/bin/env bash
# Renders fankui's report.html in headless Chromium and checks what the browser built: every
# section, every chart with its marks, the tables; writes screenshots next to the reports.
# Installs Debian's chromium (and a CJK font, so the screenshots are legible) when missing.
#
#   tests/browser/check_report.sh [path/to/fankui]
set -euo pipefail
cd "$(dirname "$0")/../.."
fankui=${1:-target/release/fankui}
out=target/browser-check
rm -rf "$out" && mkdir -p "$out"

if ! command -v chromium >/dev/null || ! fc-list 2>/dev/null | grep -qi 'wenquanyi\|noto.*cjk'; then
    echo "check_report: installing chromium and a CJK font from Debian" >&2
    sudo=""
    if [ "$(id -u)" != 0 ]; then sudo=sudo; fi
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium fonts-wqy-zenhei >/dev/null
fi

render() { # html png dom
    local profile
    profile=$(mktemp -d)
    local flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run
        --disable-background-networking --disable-component-update --disable-sync
        --hide-scrollbars "--user-data-dir=$profile")
    timeout 120 chromium "${flags[@]}" --window-size=1280,3200 "--screenshot=$2" "file://$PWD/$1" \
        >/dev/null 2>"$out/chromium.log"
    timeout 120 chromium "${flags[@]}" --dump-dom "file://$PWD/$1" >"$3" 2>>"$out/chromium.log"
    rm -rf "$profile"
}

# 1. The shipped sample, analysed for real.
"$fankui" analyze corpora/sample_feedback.jsonl -o "$out/sample.analysed.jsonl" -q
"$fankui" report "$out/sample.analysed.jsonl" -o "$out/sample" -q
render "$out/sample/report.html" "$out/sample.png" "$out/sample.dom.html"

# 2. Synthetic analysed records with topics, survey answers, twelve weeks and a spike.
python3 - "$out/synthetic.analysed.jsonl" <<'PY'
import json, sys, datetime
first = datetime.date(2026, 1, 5)
n = 0
with open(sys.argv[1], "w", encoding="utf-8") as f:
    for week in range(12):
        for group, count in (("logistics", 40 if week == 11 else 10), ("product", 10), ("praise", 20)):
            for i in range(count):
                n += 1
                neg = group != "praise"
                rec = {
                    "id": f"r{n}", "lang": "zh",
                    "sentiment": {"label": "negative" if neg else "positive", "score": -0.8 if neg else 0.9},
                    "kind": "complaint" if neg else "praise",
                    "keywords": {"logistics": ["快递", "太慢"], "product": ["质量"], "praise": ["满意"]}[group],
                    "topic": {"logistics": {"id": 1, "label": "快递 / 太慢"}, "product": {"id": 2, "label": "质量 / 做工"},
                              "praise": {"id": 3, "label": "满意 / 推荐"}}[group],
                    "department": None if not neg else {"id": group, "confidence": 0.9, "evidence": ["快递" if group == "logistics" else "质量"]},
                    "priority": {"score": 85 if neg and n % 7 == 0 else 55, "level": "P1" if neg and n % 7 == 0 else "P3", "reasons": []},
                    "text": f"{group} {n}: 快递太慢 <script>alert(1)</script>",
                    "channel": ["app", "web", "store"][n % 3],
                    "created_at": str(first + datetime.timedelta(days=7 * week + i % 7)),
                    "nps": n % 11, "csat": 1 + n % 5, "ces": 1 + n % 7,
                }
                f.write(json.dumps(rec, ensure_ascii=False) + "\n")
PY
"$fankui" report "$out/synthetic.analysed.jsonl" -o "$out/synthetic" -q
render "$out/synthetic/report.html" "$out/synthetic.png" "$out/synthetic.dom.html"

python3 - "$out" <<'PY'
import sys, struct
from html.parser import HTMLParser

class Dom(HTMLParser):
    def __init__(self):
        super().__init__()
        self.stack, self.charts, self.sections, self.tables, self.cards = [], {}, set(), 0, 0
        self.alerts, self.topic_rows, self.scripts, self.chart = 0, 0, 0, None
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        cls = a.get("class") or ""
        if tag == "section": self.sections.add(a.get("id"))
        if tag == "table": self.tables += 1
        if tag == "script": self.scripts += 1
        if tag == "div" and "card" in cls.split(): self.cards += 1
        if tag == "div" and "alert" in cls.split(): self.alerts += 1
        if tag == "tr" and "data-topic" in a: self.topic_rows += 1
        if tag == "svg" and "chart" in cls.split():
            self.chart = a.get("data-chart"); self.charts[self.chart] = 0
        if self.chart and tag in ("rect", "polyline", "circle"): self.charts[self.chart] += 1
    def handle_endtag(self, tag):
        if tag == "svg": self.chart = None

def check(name, want_sections, want_charts, min_cards, min_alerts, min_topics):
    dom = Dom()
    dom.feed(open(f"{sys.argv[1]}/{name}.dom.html", encoding="utf-8").read())
    problems = []
    for s in want_sections:
        if s not in dom.sections: problems.append(f"section #{s} missing")
    for c in want_charts:
        if dom.charts.get(c, 0) < 2: problems.append(f"chart {c} missing or empty ({dom.charts.get(c)})")
    if dom.cards < min_cards: problems.append(f"{dom.cards} department cards, want >= {min_cards}")
    if dom.alerts < min_alerts: problems.append(f"{dom.alerts} alerts, want >= {min_alerts}")
    if dom.topic_rows < min_topics: problems.append(f"{dom.topic_rows} topic rows, want >= {min_topics}")
    if dom.tables < 1: problems.append("no table")
    if dom.scripts: problems.append("a <script> element: text was not escaped")
    png = open(f"{sys.argv[1]}/{name}.png", "rb").read()
    width, height = struct.unpack(">II", png[16:24])
    if png[:8] != b"\x89PNG\r\n\x1a\n" or width != 1280 or len(png) < 20000:
        problems.append(f"bad screenshot ({width}x{height}, {len(png)} bytes)")
    print(f"check_report: {name}: {len(dom.sections)} sections, {len(dom.charts)} charts "
          f"({sum(dom.charts.values())} marks), {dom.tables} tables, {dom.cards} department cards, "
          f"{dom.alerts} alerts, {dom.topic_rows} topics; screenshot {width}x{height}")
    return problems

sections = ["fix-first", "alerts", "overview", "departments", "topics", "trends", "survey", "definitions"]
problems = check("sample", sections, ["sentiment-by-channel", "kinds", "department-load", "volume"], 3, 0, 0)
problems += check("synthetic", sections, ["sentiment-by-channel", "kinds", "department-load", "volume",
                  "negative-by-department", "negative-by-topic", "negative-by-channel"], 2, 1, 3)
for p in problems: print("check_report: FAIL:", p)
sys.exit(1 if problems else 0)
PY
echo "check_report: screenshots in $out/sample.png and $out/synthetic.png"
