#!/usr/bin/env python3
"""Merge jieba and fankui segmentation results, print a table, write JSON."""
import argparse
import datetime
import json
import os
import platform
import sys


def load_fankui(spec):
    """spec is NAME=PATH: fankui's ``eval segment --json`` output for corpus NAME.

    Returns None (with a warning) when the output holds no usable JSON object,
    so a half-finished binary does not sink the whole report. Log lines around
    the object are tolerated.
    """
    name, path = spec.split("=", 1)
    with open(path, encoding="utf-8") as f:
        text = f.read()
    dec = json.JSONDecoder()
    for i, ch in enumerate(text):
        if ch != "{":
            continue
        try:
            res, _ = dec.raw_decode(text, i)
        except ValueError:
            continue
        if isinstance(res, dict) and "f1" in res:
            res["corpus"] = name
            res["tool"] = "fankui"
            return res
    print(f"warning: no eval JSON object in fankui output for {name} ({path})", file=sys.stderr)
    return None


def pct(x):
    return "-" if x is None else f"{100 * x:.2f}"


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--jieba", required=True, help="jieba_eval.py output")
    ap.add_argument("--fankui", action="append", default=[], metavar="NAME=PATH")
    ap.add_argument("--fankui-status", default="not run")
    ap.add_argument("--stats", required=True, help="gold_stats.json from gold.py")
    ap.add_argument("--sample", type=int, default=0)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()

    with open(args.jieba, encoding="utf-8") as f:
        rows = json.load(f)
    for spec in args.fankui:
        res = load_fankui(spec)
        if res is not None:
            rows.append(res)
        else:
            args.fankui_status = "failed: unparsable output"
    # Group by corpus so the tools sit next to each other.
    order = {r["corpus"]: i for i, r in reversed(list(enumerate(rows)))}
    rows.sort(key=lambda r: order[r["corpus"]])

    with open(args.stats, encoding="utf-8") as f:
        stats = json.load(f)

    header = ("corpus", "tool", "lines", "P %", "R %", "F1 %", "OOV-R %", "chars/s")
    table = [header]
    for r in rows:
        cps = r.get("chars_per_second")
        table.append((
            r["corpus"], r["tool"], str(r.get("lines", "-")),
            pct(r.get("precision")), pct(r.get("recall")), pct(r.get("f1")),
            pct(r.get("oov_recall")), "-" if cps is None else f"{cps:,.0f}",
        ))
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for n, row in enumerate(table):
        cells = [c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths))]
        print("| " + " | ".join(cells) + " |")
        if n == 0:
            print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    print(
        f"Traditional gold: {stats['hant_words_changed']} of {stats['words']} words differ from "
        f"Simplified; {stats['hant_words_kept_unconverted']} kept unconverted (length-changing s2t)."
    )

    out = {
        "generated": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "sample": args.sample or None,
        "gold": {k: v for k, v in stats.items() if k != "hant_distinct_words_kept_unconverted"},
        "fankui_status": args.fankui_status,
        "results": rows,
    }
    tmp = args.out + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, indent=2)
        f.write("\n")
    os.replace(tmp, args.out)


if __name__ == "__main__":
    main()
