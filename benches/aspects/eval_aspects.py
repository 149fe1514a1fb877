#!/usr/bin/env python3
"""Aspect-level owners on ASAP and SemEval-2014 (../shared/corpora), for one or more binaries.

Each review is analysed with id and text only (`fankui analyze`). Its gold aspects map to
departments (PRODUCT.md's ownership table):

  ASAP (Dianping restaurant reviews, 18 aspects; -1 negative, 0 neutral, 1 positive):
    location_* -> retail, service_wait_time -> retail, service_parking_convenience -> retail,
    service_waiters_attitude -> customer_service, service_serving_speed -> customer_service,
    price_* -> marketing, environment_* -> retail, dish_* -> product
  SemEval-2014 restaurant aspect categories (sentences):
    food -> product, service -> customer_service, ambience -> retail, price -> marketing;
    anecdotes/miscellaneous has no department (a sentence negative only there is left out).

Two figures per split:
  owner in negative: of the records with at least one negative aspect, the share whose
                     owner (`department.id`) is the department of one of them;
  unrouted if none:  of the records with no negative aspect, the share left without an owner.

Splits: dev = ASAP train+dev samples and SemEval restaurants train (what choices were made on);
test = ASAP test sample and SemEval restaurants test gold.

Usage: eval_aspects.py --corpora ../shared/corpora BIN [BIN ...]
"""
import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile

ASAP = [
    ("location", "retail"),
    ("service_wait_time", "retail"),
    ("service_parking_convenience", "retail"),
    ("service_waiters_attitude", "customer_service"),
    ("service_serving_speed", "customer_service"),
    ("price", "marketing"),
    ("environment", "retail"),
    ("dish", "product"),
]
SEMEVAL = {"food": "product", "service": "customer_service", "ambience": "retail", "price": "marketing"}


def asap_department(column):
    for prefix, department in ASAP:
        if column.startswith(prefix):
            return department
    return None


def load(corpora):
    """(set, id, text, negative departments) for every record."""
    records = []
    for split, group in (("train", "dev"), ("dev", "dev"), ("test", "test")):
        path = os.path.join(corpora, "zh/asap_official_sample", f"{split}_sample.csv")
        with open(path, encoding="utf-8") as f:
            for row in csv.DictReader(f):
                negative = {
                    d for c, v in row.items() if (d := asap_department(c or "")) and v.strip() == "-1"
                }
                records.append((f"ASAP {group}", f"asap-{split}-{row['index']}", row["reviewbody"], negative))
    for name, group in (("restaurants_train_v2.jsonl", "dev"), ("restaurants_test_gold.jsonl", "test")):
        path = os.path.join(corpora, "en/semeval2014_task4_absa", name)
        with open(path, encoding="utf-8") as f:
            for line in f:
                d = json.loads(line)
                cats = d.get("aspect_categories", [])
                negative = {SEMEVAL[c["category"]] for c in cats if c["polarity"] == "negative" and c["category"] in SEMEVAL}
                if not negative and any(c["polarity"] == "negative" for c in cats):
                    continue
                records.append((f"SemEval {group}", f"semeval-{group}-{d['id']}", d["text"], negative))
    return records


def score(binary, records, work):
    inp = os.path.join(work, "in.jsonl")
    out = os.path.join(work, "out.jsonl")
    with open(inp, "w", encoding="utf-8") as f:
        for _, rid, text, _ in records:
            f.write(json.dumps({"id": rid, "text": text}, ensure_ascii=False) + "\n")
    subprocess.run([binary, "analyze", inp, "-o", out, "--quiet"], check=True)
    owners = {}
    with open(out, encoding="utf-8") as f:
        for line in f:
            o = json.loads(line)
            owners[o["id"]] = (o["department"] or {}).get("id")
    stats = {}
    for group, rid, _, negative in records:
        s = stats.setdefault(group, [0, 0, 0, 0])
        owner = owners.get(rid)
        if negative:
            s[0] += 1
            s[1] += owner in negative
        else:
            s[2] += 1
            s[3] += owner is None
    return stats


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpora", default="../shared/corpora")
    ap.add_argument("binaries", nargs="+")
    args = ap.parse_args()
    records = load(args.corpora)
    with tempfile.TemporaryDirectory() as work:
        results = [(b, score(b, records, work)) for b in args.binaries]
    groups = sorted(results[0][1])
    print("| set | records with a negative aspect | " + " | ".join(f"owner in negative ({b})" for b, _ in results)
          + " | records without | " + " | ".join(f"unrouted ({b})" for b, _ in results) + " |")
    print("|---|---|" + "---|" * len(results) + "---|" + "---|" * len(results))
    for g in groups:
        s0 = results[0][1][g]
        cells = [f"{100 * r[g][1] / max(1, r[g][0]):.1f}%" for _, r in results]
        unrouted = [f"{100 * r[g][3] / max(1, r[g][2]):.1f}%" for _, r in results]
        print(f"| {g} | {s0[0]} | " + " | ".join(cells) + f" | {s0[2]} | " + " | ".join(unrouted) + " |")


if __name__ == "__main__":
    sys.exit(main())
