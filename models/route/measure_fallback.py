#!/usr/bin/env python3
"""Measure the fallback router on complaints the taxonomy rules leave unplaced.

Standard library only. Needs the fankui binary and the `route_probabilities` example
(`cargo build --release --example route_probabilities`), which prints every department's
probability of a text under a route model.

Two measurements (see models/route/README.md for the protocol and the figures):

bench   SemEval-2014 restaurants **test** sentences and ASAP **test** reviews (never in the
        training data) that have at least one negative aspect and that `fankui analyze`
        (default configuration) sends to the fallback (department.fallback). Gold: the set
        of departments of the negative aspects (maps as prepare_fallback.py). For each
        threshold, how many records the model places (best probability >= threshold) and
        how many of those go to a gold department.

dump    The benchmark dump's records that `fankui analyze` sends to the fallback. The
        model should be one trained with `prepare_fallback.py --holdout K`; only records
        whose text falls in bucket K (prepare_fallback.bucket) are measured, so none of them
        was seen in training; `--holdout all` with a model path containing `{k}` measures
        every record by the model trained without its bucket (five models, cross-fitting). Prints the distribution of the model's best department and the
        share placed at each threshold, and writes a reading sample: up to --per-department
        random records per best department among those placed at the lowest threshold
        (seed 42), as TSV with an empty verdict column, for a person to fill in.

Both apply the model to two inputs: the record's whole text ("whole"), and its lead clause
("lead"): the most negative aspect of the record's kind as `analyze` lists it (else of a kind
that needs an owner, else not praise; the whole text when the record lists no aspect), which
is what the engine's fallback-model hook routes for a record of several clauses.

heldout The examples of bucket K of the full training data (prepare_fallback.py without
        --holdout) that the rules leave unplaced, against their source labels (human, source
        or weak labels), under a model trained with --holdout K (`--holdout all`: every
        bucket by its own model, as for dump).

Usage:
  measure_fallback.py heldout FULL.jsonl --model M --holdout K|all [--json OUT]
  measure_fallback.py bench CORPORA --model M [--fankui BIN] [--probs BIN] [--json OUT]
  measure_fallback.py dump DUMP.jsonl --model M --holdout K|all [--sample OUT.tsv] [--json OUT]
"""
import argparse
import collections
import csv
import json
import os
import random
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from prepare_fallback import BUCKETS, SEMEVAL_MAP, asap_department, bucket  # noqa: E402

SEED = 42
THRESHOLDS = (0.5, 0.6, 0.7)
SEMEVAL_TEST = "en/semeval2014_task4_absa/restaurants_test_gold.jsonl"
ASAP_TEST = "zh/asap_official_sample/test_sample.csv"
NEEDS_OWNER = ("complaint", "suggestion", "question")


def log(msg):
    print(f"measure_fallback: {msg}", file=sys.stderr)


def write_jsonl(path, records):
    with open(path, "w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")


def analyze(fankui, records, work):
    """fankui analyze (default configuration) of {"id", "text"} records: {id: output}."""
    src, dst = os.path.join(work, "in.jsonl"), os.path.join(work, "out.jsonl")
    write_jsonl(src, [{"id": r["id"], "text": r["text"]} for r in records])
    subprocess.run([fankui, "analyze", src, "-o", dst, "-j", "1", "-q"], check=True)
    with open(dst, encoding="utf-8") as f:
        return {o["id"]: o for o in map(json.loads, f)}


def probabilities(probs_bin, model, texts, work):
    """{text: {department: probability}} under `model`."""
    unique = sorted(set(texts))
    src = os.path.join(work, "texts.jsonl")
    write_jsonl(src, [{"id": i, "text": t} for i, t in enumerate(unique)])
    out = subprocess.run([probs_bin, model, src], check=True, capture_output=True, text=True).stdout
    result = {}
    for line in out.splitlines():
        r = json.loads(line)
        result[unique[r["id"]]] = r["probs"]
    return result


def lead_text(output):
    """The text of the record's lead clause (see the docstring), or its whole text."""
    aspects = output.get("aspects") or []
    kind = output.get("kind")
    for keep in (lambda a: a["kind"] == kind, lambda a: a["kind"] in NEEDS_OWNER,
                 lambda a: a["kind"] != "praise"):
        chosen = [(a["sentiment"]["score"], i) for i, a in enumerate(aspects) if keep(a)]
        if chosen:
            start, end = aspects[min(chosen)[1]]["span"]
            return output["text"].encode("utf-8")[start:end].decode("utf-8").strip() or output["text"]
    return output["text"]


def best(probs):
    dep = max(sorted(probs), key=lambda d: probs[d])
    return dep, probs[dep]


def is_fallback(output):
    d = output.get("department")
    return bool(d and d.get("fallback"))


# --- bench -----------------------------------------------------------------------------

def bench_records(corpora):
    records = []
    with open(os.path.join(corpora, SEMEVAL_TEST), encoding="utf-8") as f:
        for row in map(json.loads, f):
            gold = {SEMEVAL_MAP[c["category"]] for c in row.get("aspect_categories", [])
                    if c["polarity"] == "negative"} - {None}
            if gold:
                records.append({"id": f"semeval-{row['id']}", "set": "semeval", "text": row["text"],
                                "gold": sorted(gold)})
    with open(os.path.join(corpora, ASAP_TEST), encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            gold = {asap_department(a) for a, v in row.items()
                    if a not in ("index", "reviewbody", "star") and v and int(float(v)) == -1}
            if gold:
                records.append({"id": f"asap-{row['index']}", "set": "asap", "text": row["reviewbody"],
                                "gold": sorted(gold)})
    return records


def bench(args):
    records = bench_records(args.corpora)
    with tempfile.TemporaryDirectory() as work:
        outputs = analyze(args.fankui, records, work)
        unplaced = [dict(r, lead=lead_text(outputs[r["id"]])) for r in records
                    if is_fallback(outputs[r["id"]])]
        probs = probabilities(args.probs, args.model, [r["text"] for r in unplaced]
                              + [r["lead"] for r in unplaced], work)
    result = {"model": args.model, "thresholds": THRESHOLDS, "sets": {}}
    for name in ("semeval", "asap", "all"):
        rs = [r for r in records if name in ("all", r["set"])]
        us = [r for r in unplaced if name in ("all", r["set"])]
        entry = {"with_negative_aspect": len(rs), "unplaced": len(us)}
        for view in ("whole", "lead"):
            rows = []
            for t in THRESHOLDS:
                placed = right = 0
                for r in us:
                    dep, p = best(probs[r["text"] if view == "whole" else r["lead"]])
                    if p >= t:
                        placed += 1
                        right += dep in r["gold"]
                rows.append({"threshold": t, "placed": placed, "right": right,
                             "precision": right / placed if placed else None})
            top = collections.Counter(best(probs[r["text"] if view == "whole" else r["lead"]])[0]
                                      for r in us)
            entry[view] = {"by_threshold": rows, "best_department": dict(top.most_common()),
                           "top1_right": sum(best(probs[r["text"] if view == "whole" else r["lead"]])[0]
                                             in r["gold"] for r in us)}
        entry["gold"] = dict(collections.Counter(d for r in us for d in r["gold"]).most_common())
        result["sets"][name] = entry
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(result, f, ensure_ascii=False, indent=1)
            f.write("\n")
    print(f"model {args.model}")
    print("| set | negative | unplaced | input | top-1 right | " + " | ".join(
        f"≥{t}: placed, right (precision)" for t in THRESHOLDS) + " |")
    print("|---|---|---|---|---|" + "---|" * len(THRESHOLDS))
    for name, e in result["sets"].items():
        for view in ("whole", "lead"):
            cells = [f"{row['placed']}, {row['right']} ({pct(row['precision'])})"
                     for row in e[view]["by_threshold"]]
            print(f"| {name} | {e['with_negative_aspect']} | {e['unplaced']} | {view} | "
                  f"{e[view]['top1_right']} | " + " | ".join(cells) + " |")
    if args.list:
        for r in unplaced:
            for view in ("whole", "lead"):
                dep, p = best(probs[r["text"] if view == "whole" else r["lead"]])
                print(f"{r['id']}\t{view}\t{','.join(r['gold'])}\t{dep}\t{p:.3f}\t"
                      f"{(r['text'] if view == 'whole' else r['lead'])[:150]}")


def pct(x):
    return "–" if x is None else f"{100 * x:.1f}%"


# --- dump ------------------------------------------------------------------------------

def dump(args):
    with open(args.dump, encoding="utf-8") as f:
        records = [json.loads(line) for line in f if line.strip()]
    with tempfile.TemporaryDirectory() as work:
        for r in records:
            r["id"] = str(r["id"])
        outputs = analyze(args.fankui, records, work)
        routed = [o for o in outputs.values() if o.get("department")]
        fallback = [o for o in routed if is_fallback(o)]
        if args.holdout == "all":  # every bucket, each by the model that left it out
            held, probs = fallback, {}
            for o in held:
                o["lead"] = lead_text(o)
            for k in range(BUCKETS):
                part = [o for o in held if bucket(o["text"]) == k]
                for view in ("text", "lead"):
                    probs[view] = probs.get(view, {})
                    probs[view].update(probabilities(args.probs, args.model.replace("{k}", str(k)),
                                                     [o[view] for o in part], work))
        else:
            held = [o for o in fallback
                    if args.holdout is None or bucket(o["text"]) == int(args.holdout)]
            for o in held:
                o["lead"] = lead_text(o)
            both = probabilities(args.probs, args.model, [o["text"] for o in held]
                                 + [o["lead"] for o in held], work)
            probs = {"text": both, "lead": both}
    result = {"model": args.model, "dump": args.dump, "records": len(records), "routed": len(routed),
              "fallback": len(fallback), "holdout": args.holdout, "measured": len(held),
              "by_lang": dict(collections.Counter(o["lang"] for o in held).most_common())}
    deps = sorted({d for table in probs.values() for p in table.values() for d in p})
    for view in ("whole", "lead"):
        key = (lambda o: o["text"]) if view == "whole" else (lambda o: o["lead"])
        table = probs["text" if view == "whole" else "lead"]
        tops = [best(table[key(o)]) for o in held]
        entry = {"best_department": dict(collections.Counter(d for d, _ in tops).most_common())}
        for t in THRESHOLDS:
            placed = collections.Counter(d for d, p in tops if p >= t)
            entry[f">={t}"] = {"placed": sum(placed.values()),
                               "share": sum(placed.values()) / len(held) if held else None,
                               "by_department": {d: placed[d] for d in deps}}
        result[view] = entry
    if args.sample:
        view = args.sample_view
        key = (lambda o: o["text"]) if view == "whole" else (lambda o: o["lead"])
        table = probs["text" if view == "whole" else "lead"]
        rng = random.Random(SEED)
        by_dep = collections.defaultdict(list)
        seen = set()
        for o in sorted(held, key=lambda o: o["id"]):
            if o["text"] in seen:  # the dump repeats texts: read each once
                continue
            seen.add(o["text"])
            dep, p = best(table[key(o)])
            if p >= min(THRESHOLDS):
                by_dep[dep].append((o, dep, p))
        with open(args.sample, "w", encoding="utf-8", newline="") as f:
            w = csv.writer(f, delimiter="\t", lineterminator="\n")
            w.writerow(["id", "lang", "department", "probability", "verdict", "input", "text"])
            sizes = dict(item.split("=") for item in args.per_for)
            for dep in deps:
                pool = by_dep[dep]
                n = int(sizes.get(dep, args.per_department))
                for o, d, p in rng.sample(pool, min(n, len(pool))):
                    w.writerow([o["id"], o["lang"], d, f"{p:.3f}", "",
                                " ".join(key(o).split()), " ".join(o["text"].split())])
        result["sample"] = {"file": args.sample, "view": view, "per_department": args.per_department,
                            "per_for": args.per_for,
                            "pool": {d: len(by_dep[d]) for d in deps}}
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(result, f, ensure_ascii=False, indent=1)
            f.write("\n")
    print(f"model {args.model}; {result['routed']} routed records, {result['fallback']} fallbacks "
          f"({pct(result['fallback'] / result['routed'])}); measured {len(held)}"
          + (f" (bucket {args.holdout})" if args.holdout not in (None, "all") else
             " (every bucket by the model that left it out)" if args.holdout == "all" else "")
          + f", {result['by_lang']}")
    print("| input | best department (all measured) | " + " | ".join(
        f"placed ≥{t}" for t in THRESHOLDS) + " |")
    print("|---|---|" + "---|" * len(THRESHOLDS))
    for view in ("whole", "lead"):
        e = result[view]
        cells = []
        for t in THRESHOLDS:
            x = e[f">={t}"]
            cells.append(f"{pct(x['share'])} (" + ", ".join(
                f"{d} {n}" for d, n in sorted(x["by_department"].items(), key=lambda kv: -kv[1]) if n) + ")")
        print(f"| {view} | " + ", ".join(f"{d} {n}" for d, n in e["best_department"].items()) + " | "
              + " | ".join(cells) + " |")


# --- heldout ---------------------------------------------------------------------------

def heldout(args):
    """The training examples of bucket K (from prepare_fallback.py without --holdout) that the
    rules leave unplaced, against their source labels, under a model trained with
    --holdout K."""
    with open(args.data, encoding="utf-8") as f:
        records = [json.loads(line) for line in f if line.strip()]
    ks = range(BUCKETS) if args.holdout == "all" else [int(args.holdout)]
    records = [dict(r, id=str(i)) for i, r in enumerate(records) if bucket(r["text"]) in ks]
    with tempfile.TemporaryDirectory() as work:
        outputs = analyze(args.fankui, records, work)
        unplaced = [r for r in records if is_fallback(outputs[r["id"]])]
        probs = {}
        for k in ks:
            probs.update(probabilities(args.probs, args.model.replace("{k}", str(k)),
                                       [r["text"] for r in unplaced if bucket(r["text"]) == k], work))
    groups = collections.defaultdict(list)
    for r in unplaced:
        src = r["source"].split(":")[0]
        groups[f"{src}:{r['label']}"].append(r)
        groups[f"{src}"].append(r)
        groups["all"].append(r)
    result = {"model": args.model, "holdout": args.holdout, "bucket_records": len(records),
              "unplaced": len(unplaced), "groups": {}}
    print(f"model {args.model}; bucket(s) {args.holdout}: {len(records)} examples, "
          f"{len(unplaced)} left unplaced by the rules")
    print("| group | unplaced | top-1 right | " + " | ".join(f"≥{t}: placed, right" for t in THRESHOLDS) + " |")
    print("|---|---|---|" + "---|" * len(THRESHOLDS))
    for name in sorted(groups, key=lambda g: (g != "all", ":" in g, g)):
        rs = groups[name]
        tops = [(best(probs[r["text"]]), r["label"]) for r in rs]
        row = {"unplaced": len(rs), "top1_right": sum(d == g for (d, _), g in tops)}
        cells = []
        for t in THRESHOLDS:
            placed = [(d, g) for (d, p), g in tops if p >= t]
            right = sum(d == g for d, g in placed)
            row[f">={t}"] = {"placed": len(placed), "right": right}
            cells.append(f"{len(placed)}, {right} ({pct(right / len(placed) if placed else None)})")
        result["groups"][name] = row
        print(f"| {name} | {len(rs)} | {row['top1_right']} | " + " | ".join(cells) + " |")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(result, f, ensure_ascii=False, indent=1)
            f.write("\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="what", required=True)
    for name in ("bench", "dump", "heldout"):
        p = sub.add_parser(name)
        p.add_argument({"bench": "corpora", "dump": "dump", "heldout": "data"}[name])
        p.add_argument("--model", required=True)
        p.add_argument("--fankui", default="target/release/fankui")
        p.add_argument("--probs", default="target/release/examples/route_probabilities")
        p.add_argument("--json", help="write the figures as JSON")
        if name == "bench":
            p.add_argument("--list", action="store_true", help="print every unplaced record")
        elif name == "heldout":
            p.add_argument("--holdout", required=True,
                           choices=[str(k) for k in range(BUCKETS)] + ["all"],
                           help="the bucket left out; `all`: every bucket by its own model "
                                "(--model with `{k}`)")
        else:
            p.add_argument("--holdout", choices=[str(k) for k in range(BUCKETS)] + ["all"],
                           help="measure only the texts of this bucket; `all`: every bucket, "
                                "each by its own model (--model with `{k}` for the bucket)")
            p.add_argument("--sample", help="write the reading sample (TSV)")
            p.add_argument("--sample-view", choices=("whole", "lead"), default="lead")
            p.add_argument("--per-department", type=int, default=30)
            p.add_argument("--per-for", action="append", default=[], metavar="DEPT=N",
                           help="another sample size for one department (repeatable)")
    args = ap.parse_args()
    {"bench": bench, "dump": dump, "heldout": heldout}[args.what](args)


if __name__ == "__main__":
    main()
