#!/usr/bin/env python3
"""Writes the topics comparison report (Markdown) from topics_compare.sh's outputs.

Usage: report.py --dir DIR --identical yes|no
"""
import argparse
import json
import os
import re
import statistics


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def gnu_time(path):
    text = open(path, encoding="utf-8").read()
    wall = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", text)
    h, m, s = wall.groups()
    seconds = int(h or 0) * 3600 + int(m) * 60 + float(s)
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", text).group(1))
    return seconds, rss / 1024


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--identical", required=True)
    a = ap.parse_args()
    d = a.dir
    rows = [
        ("fankui (automatic k)", load(os.path.join(d, "fankui.metrics.1.json"))),
        ("fankui (k = 10)", load(os.path.join(d, "fankui.k10.metrics.json"))),
        ("scikit-learn LDA (k = 10)", load(os.path.join(d, "lda.metrics.json"))),
    ]
    lda = load(os.path.join(d, "lda.json"))
    check = load(os.path.join(d, "lda.metrics.py.json"))
    out = ["# Topics: fankui vs scikit-learn LDA", "",
           "20,000 reviews of online_shopping_10_cats (sample.py, seed 42); metrics by "
           "`fankui eval topics` (definitions in src/topics/eval.rs), the label is `cat`.", "",
           "| system | topics | NPMI (top 10) | diversity (top 25) | outliers | purity | NMI | fit seconds |",
           "|---|---|---|---|---|---|---|---|"]
    for name, m in rows:
        secs = m.get("fit_seconds")
        if name.startswith("scikit"):
            secs = lda["seconds"]["total"]
        out.append(f"| {name} | {m['topics']} | {m['npmi']:.4f} | {m['diversity']:.4f} | "
                   f"{m['outliers']:.4f} | {m['purity']:.4f} | {m['nmi']:.4f} | {secs:.1f} |")
    out += ["", f"Two fankui fits with the same seed gave identical models: **{a.identical}**.",
            f"metrics.py (independent Python) on the LDA listing: NPMI {check['npmi']:.4f}, "
            f"diversity {check['diversity']:.4f}, outliers {check['outliers']:.4f}, purity "
            f"{check['purity']:.4f}, NMI {check['nmi']:.4f}.",
            f"LDA: {lda['versions']}, vocabulary {lda['vocabulary']}, tokenise "
            f"{lda['seconds']['tokenize']:.1f} s + fit {lda['seconds']['fit']:.1f} s (one thread)."]
    k = rows[0][1].get("k_scores")
    if k:
        out.append("Automatic k (coherence × diversity on the sample): " +
                   ", ".join(f"{x}: {s:.3f}" for x, s in k))
    if os.path.exists(os.path.join(d, "analyze1m.time")):
        wa, ra = gnu_time(os.path.join(d, "analyze1m.time"))
        wf, rf = gnu_time(os.path.join(d, "fit1m.time"))
        model = load(os.path.join(d, "topics1m.json"))
        out += ["", "## Scale (1M records, both on all cores)", "",
                "| command | wall s | peak RSS MiB |", "|---|---|---|",
                f"| fankui analyze | {wa:.1f} | {ra:.0f} |",
                f"| fankui topics fit | {wf:.1f} | {rf:.0f} |", "",
                f"topics fit / analyze = **{wf / wa:.2f}** (bar: ≤ 1.0); {len(model['topics'])} "
                f"topics, {model['outliers'] / model['documents']:.2%} outliers."]
        times = {"plain": [], "topics": []}
        for line in open(os.path.join(d, "assign.times"), encoding="utf-8"):
            mode, _, secs = line.split()
            times[mode].append(float(secs))
        p, t = statistics.median(times["plain"]), statistics.median(times["topics"])
        out += ["", "## Assigning with a saved model (100k records, one thread, median of 3)", "",
                f"analyze {p:.2f} s, analyze --topics {t:.2f} s: **{100 * (t / p - 1):+.1f}%** "
                "(bar: ≤ +10%)."]
    print("\n".join(out))


if __name__ == "__main__":
    main()
