#!/usr/bin/env python3
"""Priority levels on a realistic batch, against the bars of PRODUCT.md's P1 rule.

usage: benches/priority_levels.py [--bin BIN] [--n N] [--rounds R] [--corpora DIR]

1. The seed-42 dump of benches/pipeline_compare/make_dump.py (1M records by default, dates over
   ten months, about three records per customer), and a topic model fitted on its first 100k
   records, as benches/report_compare.sh makes them.
2. `fankui analyze` of the first N records with complete history (the default for a file) and
   with `--history streaming`, R rounds interleaved: wall time of each, and the two-pass cost
   (complete ÷ streaming, medians).
3. The same records shuffled (seed 7), analysed again: every record's level and score must be
   the same as in the unshuffled run (score within 1 point).
4. `fankui report` over the complete-history output: every topic-spike reason of a record must
   be on a topic day of the report's `topic_spike_days`.
5. Levels: the share of P1, the share of P1 records whose level was set by a P1-class reason
   (`priority.rule` a risk category or high-value churn, its reason first), per department.

Results: $FANKUI_BENCH_DIR/priority/priority.md (default FANKUI_BENCH_DIR:
<repo>/target/bench-data). Exit status: 0 when every bar holds, 1 when one does not, 2 on a
setup error.
"""
import argparse
import collections
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
P1_CLASS = {"safety", "health", "legal", "regulator", "media", "fraud", "privacy",
            "high-value churn"}


def run(cmd, **kw):
    started = time.perf_counter()
    subprocess.run(cmd, check=True, **kw)
    return time.perf_counter() - started


def levels(path):
    """Per id: (level, score, rule, reasons, topic id, day, department)."""
    out = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            p = r["priority"]
            topic = r.get("topic") or {}
            dept = (r.get("department") or {}).get("id", "-")
            if (r.get("department") or {}).get("fallback"):
                dept = "unassigned"
            out[r["id"]] = (p["level"], p["score"], p.get("rule", "?"), p["reasons"],
                            topic.get("id"), (r.get("created_at") or "")[:10], dept)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", default=os.environ.get("FANKUI_BIN",
                                                    str(ROOT / "target/release/fankui")))
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--corpora", default=os.environ.get("FANKUI_CORPORA",
                                                        str(ROOT.parent / "shared/corpora")))
    args = ap.parse_args()
    bench = Path(os.environ.get("FANKUI_BENCH_DIR", ROOT / "target/bench-data"))
    out = bench / "priority"
    out.mkdir(parents=True, exist_ok=True)
    if not Path(args.bin).exists():
        sys.exit(f"error: {args.bin} not found (cargo build --release)")
    dump = bench / "dump_1m.jsonl"
    if not dump.exists() or dump.stat().st_size == 0:
        if not Path(args.corpora).is_dir():
            print(f"error: corpora folder {args.corpora} not found", file=sys.stderr)
            return 2
        run([sys.executable, str(ROOT / "benches/pipeline_compare/make_dump.py"), "--corpora",
             args.corpora, "--n", "1000000", "--seed", "42", "--out", str(dump)])
    with open(dump, encoding="utf-8") as f:
        lines = [line for _, line in zip(range(args.n), f)]
    inp = out / "dump.jsonl"
    inp.write_text("".join(lines), encoding="utf-8")
    (out / "fit.jsonl").write_text("".join(lines[:100_000]), encoding="utf-8")
    rng = random.Random(7)
    shuffled = lines[:]
    rng.shuffle(shuffled)
    (out / "shuffled.jsonl").write_text("".join(shuffled), encoding="utf-8")
    del lines, shuffled
    topics = out / "topics.json"
    run([args.bin, "topics", "fit", str(out / "fit.jsonl"), "-o", str(topics), "--quiet"])

    def analyze(src, dst, *extra):
        return run([args.bin, "analyze", str(src), "--topics", str(topics), "-o", str(dst),
                    "--rejects", "/dev/null", "--quiet", *extra], stderr=subprocess.DEVNULL)

    times = {"complete": [], "streaming": []}
    for r in range(args.rounds):
        order = ["complete", "streaming"] if r % 2 == 0 else ["streaming", "complete"]
        for mode in order:
            dst = out / f"{mode}.jsonl"
            times[mode].append(analyze(inp, dst, "--history", mode))
            print(f"round {r + 1}: {mode} {times[mode][-1]:.1f} s", file=sys.stderr)
    analyze(out / "shuffled.jsonl", out / "shuffled_out.jsonl")
    run([args.bin, "report", str(out / "complete.jsonl"), "-o", str(out / "report"), "--quiet"])

    complete = levels(out / "complete.jsonl")
    streaming = levels(out / "streaming.jsonl")
    shuffled = levels(out / "shuffled_out.jsonl")
    n = len(complete)
    summary = json.loads((out / "report/summary.json").read_text(encoding="utf-8"))
    listed = {(int(d["topic"]), d["day"]) for d in summary["topic_spike_days"]}

    def level_table(rows):
        c = collections.Counter(v[0] for v in rows.values())
        return {k: c[k] for k in ("P1", "P2", "P3", "P4")}

    def p1_with_reason(rows):
        p1 = [v for v in rows.values() if v[0] == "P1"]
        lead = {"high-value churn": "churn"}
        ok = sum(1 for v in p1 if v[2] in P1_CLASS and v[3] and
                 v[3][0].startswith(lead.get(v[2], v[2]) + ": "))
        return len(p1), ok

    def spike_reasons(rows):
        days = collections.Counter()
        for v in rows.values():
            if any(s.startswith("topic spike") for s in v[3]):
                days[(v[4], v[5])] += 1
        return days

    level_diff = sum(1 for k, v in complete.items() if shuffled[k][0] != v[0])
    score_diff = sum(1 for k, v in complete.items() if abs(shuffled[k][1] - v[1]) > 1)
    spikes = spike_reasons(complete)
    unlisted = sum(n for day, n in spikes.items() if day not in listed)
    p1, p1_ok = p1_with_reason(complete)
    sp1, sp1_ok = p1_with_reason(streaming)
    s_spikes = spike_reasons(streaming)
    tc, ts = statistics.median(times["complete"]), statistics.median(times["streaming"])
    bars = [
        ("P1 ≤ 5% of records", 100 * p1 / n, p1 <= 0.05 * n),
        ("≥ 95% of P1 with a P1-class reason", 100 * p1_ok / max(p1, 1), p1_ok >= 0.95 * p1),
        ("no spike reason on a day the report does not list", unlisted, unlisted == 0),
        ("shuffled: levels differ", level_diff, level_diff == 0),
        ("shuffled: scores more than 1 apart", score_diff, score_diff == 0),
        ("two-pass cost (complete ÷ streaming − 1), %", 100 * (tc / ts - 1), tc <= 1.15 * ts),
    ]
    rules = collections.Counter(v[2] for v in complete.values() if v[0] == "P1")
    by_dept = collections.defaultdict(collections.Counter)
    for v in complete.values():
        by_dept[v[6]][v[0]] += 1
    load = open("/proc/loadavg").read().split()[:3] if Path("/proc/loadavg").exists() else []
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip()
    md = [
        "# Priority levels on the seed-42 dump",
        "",
        f"{time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores, load {' '.join(load)}, {commit}. "
        f"The first {n} records of the dump, a topic model fitted on its first 100k; "
        f"{args.rounds} rounds of each history, interleaved.",
        "",
        "| bar | measured | holds |",
        "|---|---:|---|",
    ]
    md += [f"| {name} | {value:.2f} | {'yes' if ok else '**no**'} |" for name, value, ok in bars]
    md += [
        "",
        f"Wall time, medians: complete {tc:.1f} s, streaming {ts:.1f} s "
        f"(rounds: {', '.join(f'{t:.1f}' for t in times['complete'])} / "
        f"{', '.join(f'{t:.1f}' for t in times['streaming'])}).",
        "",
        "| history | P1 | P2 | P3 | P4 | P1 with a P1-class reason | records with a spike reason (topic days) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, rows, (a, b), sp in [("complete", complete, (p1, p1_ok), spikes),
                                   ("streaming", streaming, (sp1, sp1_ok), s_spikes)]:
        t = level_table(rows)
        md.append(f"| {name} | " + " | ".join(f"{t[k]} ({100 * t[k] / n:.2f}%)" for k in t)
                  + f" | {100 * b / max(a, 1):.1f}% | {sum(sp.values())} ({len(sp)}) |")
    md += ["", f"Report: {len(listed)} topic days with a spike.", "",
           "P1 by rule: " + ", ".join(f"{k} {v}" for k, v in rules.most_common()), "",
           "| department | P1 | P2 | P3 | P4 |", "|---|---:|---:|---:|---:|"]
    for dept, c in sorted(by_dept.items(), key=lambda kv: -sum(kv[1].values())):
        total = sum(c.values())
        md.append(f"| {dept} | " + " | ".join(
            f"{c[k]} ({100 * c[k] / total:.1f}%)" for k in ("P1", "P2", "P3", "P4")) + " |")
    text = "\n".join(md) + "\n"
    (out / "priority.md").write_text(text, encoding="utf-8")
    print(text)
    return 0 if all(ok for _, _, ok in bars) else 1


if __name__ == "__main__":
    sys.exit(main())
