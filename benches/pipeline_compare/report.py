#!/usr/bin/env python3
"""Helpers for pipeline_compare.sh (stdlib only).

  report.py record --label L --dump F --threads N --rep K --rc RC
                   --time-file F --stderr-file F --out F --rejects F
      Parse one `/usr/bin/time -v` run, count input/output/reject lines and
      print the result as one JSON line (appended to runs.jsonl by the caller).

  report.py summary --runs runs.jsonl --json OUT [--skip-1m]
      Print the table and the two ratios, write OUT.
      Exit 0 when all is well, 1 when records were lost or a run failed,
      3 when only a performance bar failed.
"""
import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time

SPEEDUP_BAR = 1.7  # 2 threads / 1 thread on the 100k dump, higher is better
RSS_BAR = 1.2      # peak RSS 1M / 100k at 2 threads: memory must not grow with input
MIB = 1024 * 1024
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def count_lines(path):
    """Records as a JSONL reader sees them: non-blank lines, the last one
    possibly without a trailing newline. None when the file does not exist."""
    if not path or not os.path.exists(path):
        return None
    with open(path, "rb", buffering=1 << 22) as f:
        return sum(1 for line in f if not line.isspace())


def parse_time_v(path):
    """Wall seconds and max RSS (KiB) from GNU time -v output."""
    wall = rss = None
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.strip()
            if line.startswith("Elapsed (wall clock) time"):
                val = line.rsplit(": ", 1)[1]  # h:mm:ss or m:ss.ss
                secs = 0.0
                for part in val.split(":"):
                    secs = secs * 60 + float(part)
                wall = secs
            elif line.startswith("Maximum resident set size"):
                rss = int(line.rsplit(":", 1)[1])
    return wall, rss


# The summary format is the binary's business, so accept the common shapes:
# "123 rejected", "rejected: 123", "rejects=123", "123 records rejected".
REJECT_RES = [
    re.compile(r"reject\w*\s*[:=]?\s*(\d[\d,_]*)", re.I),
    re.compile(r"(\d[\d,_]*)\s+(?:\w+\s+)?reject", re.I),
]


def summary_rejects(stderr_text):
    lines = [l for l in stderr_text.splitlines() if "reject" in l.lower()]
    for line in reversed(lines):  # the summary comes last
        for rx in REJECT_RES:
            m = rx.search(line)
            if m:
                return int(re.sub(r"[,_]", "", m.group(1)))
    return None


def cmd_record(a):
    with open(a.stderr_file, encoding="utf-8", errors="replace") as f:
        err = f.read()
    wall, rss = parse_time_v(a.time_file)
    rec = {
        "label": a.label,
        "dump": a.dump,
        "threads": a.threads,
        "rep": a.rep,
        "rc": a.rc,
        "dump_bytes": os.path.getsize(a.dump),
        "records_in": count_lines(a.dump),
        "records_out": count_lines(a.out) or 0,
        "rejects_file": count_lines(a.rejects),
        "rejects_summary": summary_rejects(err),
        "wall_s": wall,
        "max_rss_kib": rss,
        "stderr_tail": err.strip().splitlines()[-3:],
    }
    # Prefer the rejects file (exact); fall back to the summary line.
    rej = rec["rejects_file"]
    if rej is None:
        rej = rec["rejects_summary"] or 0
    rec["rejected"] = rej
    rec["lost"] = rec["records_in"] - rec["records_out"] - rej
    print(json.dumps(rec, ensure_ascii=False))


def host_info():
    info = {
        "cpus": os.cpu_count(),
        "machine": platform.machine(),
        "kernel": platform.release(),
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    info["cpu_model"] = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    for key, cmd in (("rustc", ["rustc", "--version"]),
                     ("git_commit", ["git", "rev-parse", "--short", "HEAD"])):
        try:
            info[key] = subprocess.run(cmd, capture_output=True, text=True, timeout=10,
                                       cwd=REPO).stdout.strip() or None
        except (OSError, subprocess.SubprocessError):
            info[key] = None
    return info


def cmd_summary(a):
    with open(a.runs, encoding="utf-8") as f:
        runs = [json.loads(l) for l in f if l.strip()]
    if not runs:
        sys.exit("summary: no runs recorded")

    groups = {}
    for r in runs:
        groups.setdefault((r["label"], r["threads"]), []).append(r)

    rows = []
    bad = False
    for (label, threads), rs in groups.items():
        walls = [r["wall_s"] for r in rs if r["wall_s"] is not None]
        wall = statistics.median(walls) if walls else None
        rss = max((r["max_rss_kib"] or 0) for r in rs)  # worst case over repeats
        first = rs[0]
        lost_any = any(r["lost"] != 0 or r["rc"] != 0 for r in rs)
        bad |= lost_any
        mb = first["dump_bytes"] / MIB
        rows.append({
            "dump": label,
            "threads": threads,
            "records": first["records_in"],
            "mb": round(mb, 2),
            "repeats": len(rs),
            "wall_s_median": wall,
            "wall_s_all": walls,
            "records_per_s": round(first["records_in"] / wall, 1) if wall else None,
            "mb_per_s": round(mb / wall, 2) if wall else None,
            "peak_rss_mb": round(rss / 1024, 1),
            "records_out": [r["records_out"] for r in rs],
            "rejected": [r["rejected"] for r in rs],
            "lost": [r["lost"] for r in rs],
            "ok": not lost_any,
        })

    def fmt(v, spec):
        return "-" if v is None else format(v, spec)

    hdr = ("dump", "threads", "records", "MB", "wall s", "records/s", "MB/s", "peak RSS MB")
    print()
    print("| " + " | ".join(hdr) + " |")
    print("|" + "|".join("---" for _ in hdr) + "|")
    for r in rows:
        print(f"| {r['dump']} | {r['threads']} | {r['records']} | {r['mb']:.1f} | "
              f"{fmt(r['wall_s_median'], '.2f')} | {fmt(r['records_per_s'], ',.0f')} | "
              f"{fmt(r['mb_per_s'], '.2f')} | {r['peak_rss_mb']:.1f} |")

    print()
    for r in rows:
        for rep, (o, rej, lost) in enumerate(zip(r["records_out"], r["rejected"], r["lost"]), 1):
            status = "ok" if lost == 0 else ("LOST" if lost > 0 else "EXTRA OUTPUT")
            print(f"records {r['dump']} t{r['threads']} run {rep}: in {r['records']} / "
                  f"out {o} / rejected {rej}  -> {status}"
                  + (f" ({abs(lost)} records)" if lost else ""))
    if any(rej for r in rows for rej in r["rejected"]):
        print("note: every dump record is well-formed JSON with non-blank text, so any "
              "reject is real feedback the engine refused")
    for rr in runs:
        if rr["rejects_file"] is not None and rr["rejects_summary"] is not None \
                and rr["rejects_file"] != rr["rejects_summary"]:
            print(f"note: {rr['label']} t{rr['threads']} run {rr['rep']}: rejects file has "
                  f"{rr['rejects_file']} lines but the summary says {rr['rejects_summary']}")
        if rr["rc"] != 0:
            print(f"run failed: {rr['label']} t{rr['threads']} run {rr['rep']} exit {rr['rc']}")

    by = {(r["dump"], r["threads"]): r for r in rows}
    ratios = {}
    perf_fail = False
    print()
    t1, t2 = by.get(("100k", 1)), by.get(("100k", 2))
    if t1 and t2 and t1["wall_s_median"] and t2["wall_s_median"]:
        s = t1["wall_s_median"] / t2["wall_s_median"]
        ok = s >= SPEEDUP_BAR
        perf_fail |= not ok
        ratios["speedup_2t_over_1t"] = {"value": round(s, 3), "bar": f">= {SPEEDUP_BAR}", "pass": ok}
        print(f"2 threads / 1 thread speed-up = {s:.2f}  (bar >= {SPEEDUP_BAR}) "
              f"{'PASS' if ok else 'FAIL'}")
        if (os.cpu_count() or 1) < 2:
            print("  (only one CPU visible: the speed-up cannot be meaningful here)")
    else:
        perf_fail = True
        ratios["speedup_2t_over_1t"] = {"value": None, "bar": f">= {SPEEDUP_BAR}", "pass": False}
        print("2 threads / 1 thread speed-up = n/a (missing or zero wall time) FAIL")
    m1, m2 = by.get(("1m", 2)), by.get(("100k", 2))
    if a.skip_1m or not m1:
        ratios["peak_rss_1m_over_100k"] = {"value": None, "bar": f"<= {RSS_BAR}", "pass": None}
        print(f"peak RSS 1M / 100k = skipped (--skip-1m)")
    else:
        q = m1["peak_rss_mb"] / m2["peak_rss_mb"] if m2["peak_rss_mb"] else float("inf")
        ok = q <= RSS_BAR
        perf_fail |= not ok
        ratios["peak_rss_1m_over_100k"] = {"value": round(q, 3), "bar": f"<= {RSS_BAR}", "pass": ok}
        print(f"peak RSS 1M / 100k = {q:.2f}  (bar <= {RSS_BAR}) {'PASS' if ok else 'FAIL'}")

    result = {
        "host": host_info(),
        "binary": a.binary,
        "results": rows,
        "ratios": ratios,
        "records_ok": not bad,
        "runs": runs,
    }
    tmp = a.json + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(result, f, ensure_ascii=False, indent=2)
        f.write("\n")
    os.replace(tmp, a.json)
    print(f"\nresults written to {a.json}")
    if bad:
        print("FAIL: records were lost (or a run failed); see above", file=sys.stderr)
        return 1
    return 3 if perf_fail else 0


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("record")
    for opt in ("--label", "--dump", "--time-file", "--stderr-file", "--out", "--rejects"):
        r.add_argument(opt, required=True)
    for opt in ("--threads", "--rep", "--rc"):
        r.add_argument(opt, type=int, required=True)
    s = sub.add_parser("summary")
    s.add_argument("--runs", required=True)
    s.add_argument("--json", required=True)
    s.add_argument("--binary", default=None)
    s.add_argument("--skip-1m", action="store_true")
    a = ap.parse_args()
    if a.cmd == "record":
        cmd_record(a)
        return 0
    return cmd_summary(a)


if __name__ == "__main__":
    sys.exit(main())
