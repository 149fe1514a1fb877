#!/usr/bin/env python3
"""Write the JSONL files every system in the routing comparison uses.

* ``maalej/fold{0..4}/{train,test}.jsonl`` from the Maalej et al. app reviews:
  ``{"id", "text", "label"}``. text = title and comment (each stripped) joined
  by ". " when the title is non-empty, else the comment alone; rows whose text
  is then empty are dropped (2 rows, counted in stats.json). id =
  ``<label>-<source id>`` (the source id is per label file, so it repeats
  across labels). The source has one row per (review, label), so a text with
  several labels appears once per label; every such row is kept.
  Folds: ``StratifiedGroupKFold(n_splits=5, shuffle=True, random_state=42)``
  grouped by normalised text (lower-cased, every run of non-word characters
  -- punctuation, spaces, emoji -- replaced by one space), stratified by label
  as far as the grouping allows, so no text (or punctuation variant of it) is
  in both the train and the test file of a fold.
* ``semeval/{train,test}.jsonl`` from SemEval-2014 task 4 restaurants (train
  v2, gold test): ``{"id", "text", "departments"}``, aspect category food ->
  product, service -> customer_service, price -> marketing, ambience ->
  retail, anecdotes/miscellaneous -> none, so ``departments`` may be empty.
  Every sentence is kept.
* ``asap/{train,dev,test}.jsonl`` from the ASAP official samples:
  ``{"id", "text", "departments"}``; a department is present when any of its
  aspects has a value other than -2 (not mentioned): location_*,
  service_wait_time, service_parking_convenience, environment_* -> retail;
  service_waiters_attitude, service_serving_speed -> customer_service;
  price_* -> marketing; dish_* -> product. ``train_dev.jsonl`` is train
  followed by dev, the training file of every system.
* ``cfpb/fold{0..4}/{train,test}.jsonl`` from the CFPB complaints sample, rows
  with a non-empty narrative only: ``{"id", "text", "product"}`` (id = Complaint
  ID). The four legacy product names are merged into their current names:
  Credit card -> Credit card or prepaid card; Bank account or service ->
  Checking or savings account; Consumer Loan -> Payday loan, title loan, or
  personal loan; Payday loan -> Payday loan, title loan, or personal loan.
  Folds: ``StratifiedKFold(n_splits=5, shuffle=True, random_state=42)`` on the
  merged product (not grouped: a narrative that occurs twice can be on both
  sides; stats.json counts such test rows).

``stats.json`` (written last) holds, per file, the row count and the counts
per label / department (plus how many rows have no department), and for each
train/test pair how many test rows have a normalised text that also occurs in
its training file(s).
"""
import argparse
import collections
import csv
import json
import os
import re

from common import (ASAP_DIR, ASAP_SPLITS, CFPB_PRODUCT_MAP, CFPB_SRC, DEPARTMENTS, FOLDS,
                    MAALEJ_LABELS, MAALEJ_SRC, SEED, SEMEVAL_DIR, SEMEVAL_MAP, SEMEVAL_SRC,
                    asap_department, log, read_jsonl, write_json, write_jsonl)

NON_WORD = re.compile(r"\W+")


def norm(text):
    """Grouping key: lower-cased, non-word character runs -> one space."""
    return NON_WORD.sub(" ", text.lower()).strip()


def file_stats(path, records, field):
    """Rows and label / department counts of one written file."""
    if field == "departments":
        counts = collections.Counter(d for r in records for d in r[field])
        return {"file": path, "rows": len(records),
                "departments": {d: counts[d] for d in DEPARTMENTS},
                "no_department": sum(not r[field] for r in records)}
    counts = collections.Counter(r[field] for r in records)
    return {"file": path, "rows": len(records), "labels": dict(sorted(counts.items()))}


def write_pair(out, task, name, train, test, field):
    """Write <task>/<name>/{train,test}.jsonl; return their stats."""
    stats = {}
    for part, records in (("train", train), ("test", test)):
        path = os.path.join(out, task, name, f"{part}.jsonl")
        write_jsonl(path, records)
        stats[part] = file_stats(os.path.relpath(path, out), records, field)
    seen = {norm(r["text"]) for r in train}
    stats["test_in_train"] = sum(norm(r["text"]) in seen for r in test)
    return stats


def maalej(corpora, out):
    from sklearn.model_selection import StratifiedGroupKFold

    src = os.path.join(corpora, MAALEJ_SRC)
    records, dropped = [], 0
    for row in read_jsonl(src):
        if row["label"] not in MAALEJ_LABELS:
            raise SystemExit(f"{src}: unknown label {row['label']!r}")
        title = (row.get("title") or "").strip()
        comment = (row.get("comment") or "").strip()
        text = f"{title}. {comment}" if title else comment
        if not text:
            dropped += 1
            continue
        records.append({"id": f"{row['label']}-{row['id']}", "text": text, "label": row["label"]})
    if len({r["id"] for r in records}) != len(records):
        raise SystemExit(f"{src}: (label, id) is not unique")
    groups = [norm(r["text"]) for r in records]
    labels_of = collections.defaultdict(set)
    for g, r in zip(groups, records):
        labels_of[g].add(r["label"])

    sgkf = StratifiedGroupKFold(n_splits=FOLDS, shuffle=True, random_state=SEED)
    folds = []
    for k, (tr, te) in enumerate(sgkf.split(records, [r["label"] for r in records], groups)):
        train, test = [records[i] for i in tr], [records[i] for i in te]
        stats = write_pair(out, "maalej", f"fold{k}", train, test, "label")
        if stats["test_in_train"]:
            raise SystemExit(f"maalej fold{k}: {stats['test_in_train']} test texts also in train")
        folds.append(stats)
    return {
        "source": MAALEJ_SRC,
        "rows": len(records),
        "dropped_empty": dropped,
        "labels": dict(sorted(collections.Counter(r["label"] for r in records).items())),
        "texts": len(labels_of),
        "multi_label_texts": sum(len(v) > 1 for v in labels_of.values()),
        "protocol": f"{FOLDS} folds grouped by normalised text, stratified by label "
                    f"(StratifiedGroupKFold, shuffle, random_state={SEED})",
        "folds": folds,
    }


def semeval(corpora, out):
    stats = {"source": {part: f"{SEMEVAL_DIR}/{name}" for part, name in SEMEVAL_SRC.items()},
             "category_map": SEMEVAL_MAP}
    written = {}
    for part, name in SEMEVAL_SRC.items():
        src = os.path.join(corpora, SEMEVAL_DIR, name)
        records = []
        for row in read_jsonl(src):
            cats = {c["category"] for c in row.get("aspect_categories", [])}
            unknown = cats - SEMEVAL_MAP.keys()
            if unknown:
                raise SystemExit(f"{src}: unknown aspect categories {sorted(unknown)}")
            deps = {SEMEVAL_MAP[c] for c in cats} - {None}
            records.append({"id": row["id"], "text": row["text"],
                            "departments": [d for d in DEPARTMENTS if d in deps]})
        written[part] = records
        path = os.path.join(out, "semeval", f"{part}.jsonl")
        write_jsonl(path, records)
        stats[part] = file_stats(os.path.relpath(path, out), records, "departments")
    seen = {norm(r["text"]) for r in written["train"]}
    stats["test_in_train"] = sum(norm(r["text"]) in seen for r in written["test"])
    return stats


def asap(corpora, out):
    stats = {"source": {s: f"{ASAP_DIR}/{s}_sample.csv" for s in ASAP_SPLITS}}
    written = {}
    for split in ASAP_SPLITS:
        src = os.path.join(corpora, ASAP_DIR, f"{split}_sample.csv")
        records = []
        with open(src, encoding="utf-8", newline="") as f:
            reader = csv.DictReader(f)
            aspects = [c for c in reader.fieldnames if c not in ("index", "reviewbody", "star")]
            unmapped = [a for a in aspects if asap_department(a) is None]
            if unmapped:
                raise SystemExit(f"{src}: no department for aspects {unmapped}")
            stats["aspect_map"] = {a: asap_department(a) for a in aspects}
            for row in reader:
                values = {a: int(float(row[a])) for a in aspects}
                if any(v not in (-2, -1, 0, 1) for v in values.values()):
                    raise SystemExit(f"{src}: unexpected aspect value in row {row['index']}")
                deps = {asap_department(a) for a, v in values.items() if v != -2}
                records.append({"id": row["index"], "text": row["reviewbody"],
                                "departments": [d for d in DEPARTMENTS if d in deps]})
        written[split] = records
        path = os.path.join(out, "asap", f"{split}.jsonl")
        write_jsonl(path, records)
        stats[split] = file_stats(os.path.relpath(path, out), records, "departments")
    train_dev = written["train"] + written["dev"]
    path = os.path.join(out, "asap", "train_dev.jsonl")
    write_jsonl(path, train_dev)
    stats["train_dev"] = file_stats(os.path.relpath(path, out), train_dev, "departments")
    seen = {norm(r["text"]) for r in train_dev}
    stats["test_in_train"] = sum(norm(r["text"]) in seen for r in written["test"])
    return stats


def cfpb(corpora, out):
    from sklearn.model_selection import StratifiedKFold

    src = os.path.join(corpora, CFPB_SRC)
    records, no_narrative = [], 0
    with open(src, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            text = row["Consumer complaint narrative"]
            if not text.strip():
                no_narrative += 1
                continue
            product = CFPB_PRODUCT_MAP.get(row["Product"], row["Product"])
            records.append({"id": row["Complaint ID"], "text": text, "product": product})
    skf = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=SEED)
    folds = []
    for k, (tr, te) in enumerate(skf.split(records, [r["product"] for r in records])):
        folds.append(write_pair(out, "cfpb", f"fold{k}", [records[i] for i in tr],
                                [records[i] for i in te], "product"))
    return {
        "source": CFPB_SRC,
        "rows": len(records),
        "dropped_no_narrative": no_narrative,
        "product_map": CFPB_PRODUCT_MAP,
        "labels": dict(sorted(collections.Counter(r["product"] for r in records).items())),
        "protocol": f"{FOLDS} stratified folds (StratifiedKFold, shuffle, random_state={SEED})",
        "folds": folds,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpora", required=True, help="the shared corpora folder")
    ap.add_argument("--out", required=True, help="data folder")
    args = ap.parse_args()

    stats = {"seed": SEED}
    for name, fn in (("maalej", maalej), ("semeval", semeval), ("asap", asap), ("cfpb", cfpb)):
        stats[name] = fn(args.corpora, args.out)
        s = stats[name]
        for pair in s.get("folds", [s]):
            parts = [p for p in ("train", "dev", "train_dev", "test") if p in pair]
            log(f"{name}: " + ", ".join(
                f"{p} {pair[p]['rows']} {json.dumps(pair[p].get('labels') or pair[p]['departments'])}"
                for p in parts) + f"; {pair['test_in_train']} test text(s) also in train")
    write_json(os.path.join(args.out, "stats.json"), stats)


if __name__ == "__main__":
    main()
