#!/usr/bin/env python3
"""Write the train/test splits every system in the comparison uses.

* waimai_10k and online_shopping_10_cats: rows with an empty or
  whitespace-only review are dropped, then a stratified 80/20 split
  (``train_test_split(test_size=0.2, stratify=labels, random_state=42)``);
  written as ``<name>/{train,test}.csv`` with header ``label,review`` and the
  source's 0/1 labels (the category column of online_shopping is dropped).
* Amazon polarity sample: 5 stratified folds
  (``StratifiedKFold(n_splits=5, shuffle=True, random_state=42)``), written as
  ``amazon/fold{k}/{train,test}.csv`` (k = 1..5) with header ``label,text``.
* ChnSentiCorp (ERNIE split) and SST-2 are used in place; they are only parsed
  here to make sure every row has a known label.

``manifest.json`` (written last) records row and label counts, the dropped
rows, and for every train/test pair how many test rows have a text that also
occurs in the training file (exact match after removing whitespace), since the
comparison inherits whatever duplication the sources have.
"""
import argparse
import collections
import csv
import functools
import os

from common import (AMAZON_FOLDS, AMAZON_SRC, BY_NAME, CHNSENTI_DIR, SEED, SHOPPING_SRC,
                    SST2_DIR, WAIMAI_SRC, log, read, rows, write_json)


def write_csv(path, header, records):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(records)
    os.replace(tmp, path)


def squash(text):
    return "".join(text.split())


def describe(path, text_field, label_map):
    texts, labels = read(path, text_field, label_map)
    return {"file": path, "rows": len(texts), "labels": dict(sorted(collections.Counter(labels).items()))}, texts


def pair_stats(corpus, train_path, test_path):
    c = BY_NAME[corpus]
    train, train_texts = describe(train_path, c.train_text, c.label_map)
    test, test_texts = describe(test_path, c.test_text, c.label_map)
    seen = {squash(t) for t in train_texts}
    return {"train": train, "test": test,
            "test_in_train": sum(squash(t) in seen for t in test_texts)}


def split_80_20(src, out_dir, name):
    from sklearn.model_selection import train_test_split

    kept, dropped = [], 0
    for row in rows(src):
        if row["review"].strip():
            kept.append((row["label"], row["review"]))
        else:
            dropped += 1
    log(f"{name}: dropped {dropped} row(s) with an empty review, {len(kept)} left")
    train, test = train_test_split(kept, test_size=0.2, stratify=[r[0] for r in kept],
                                   random_state=SEED)
    paths = [os.path.join(out_dir, name, f"{part}.csv") for part in ("train", "test")]
    for path, part in zip(paths, (train, test)):
        write_csv(path, ("label", "review"), part)
    stats = pair_stats(name, *paths)
    stats.update(source=src, dropped_empty=dropped,
                 protocol=f"stratified 80/20 split (train_test_split, random_state={SEED})")
    return stats


def amazon_folds(src, out_dir):
    from sklearn.model_selection import StratifiedKFold

    data = [(row["label"], row["text"]) for row in rows(src)]
    skf = StratifiedKFold(n_splits=AMAZON_FOLDS, shuffle=True, random_state=SEED)
    folds = []
    for k, (tr, te) in enumerate(skf.split(data, [r[0] for r in data]), start=1):
        paths = [os.path.join(out_dir, "amazon", f"fold{k}", f"{part}.csv") for part in ("train", "test")]
        write_csv(paths[0], ("label", "text"), [data[i] for i in tr])
        write_csv(paths[1], ("label", "text"), [data[i] for i in te])
        folds.append(pair_stats("amazon", *paths))
    return {"source": src, "folds": folds,
            "protocol": f"{AMAZON_FOLDS} stratified folds (StratifiedKFold, shuffle, random_state={SEED})"}


def in_place(corpus, train, test, dev=None):
    stats = pair_stats(corpus, train, test)
    c = BY_NAME[corpus]
    raw = [r["label"] for path in (train, test) for r in rows(path)]
    stats["labels_with_spaces"] = sum(r != r.strip() for r in raw)
    if dev:
        dev_stats, dev_texts = describe(dev, c.test_text, c.label_map)
        seen = {squash(t) for t in read(test, c.test_text, c.label_map)[0]}
        dev_stats["in_test"] = sum(squash(t) in seen for t in dev_texts)
        stats["dev"] = dev_stats
    return stats


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpora", required=True, help="the shared corpora folder")
    ap.add_argument("--out", required=True, help="splits folder")
    args = ap.parse_args()
    src = functools.partial(os.path.join, args.corpora)

    chn = src(CHNSENTI_DIR)
    sst = src(SST2_DIR)
    manifest = {
        "seed": SEED,
        "corpora": {
            "chnsenticorp": dict(in_place("chnsenticorp", f"{chn}/train.tsv", f"{chn}/test.tsv",
                                          dev=f"{chn}/dev.tsv"),
                                 protocol="official ERNIE train/dev/test files"),
            "waimai": split_80_20(src(WAIMAI_SRC), args.out, "waimai"),
            "online_shopping": split_80_20(src(SHOPPING_SRC), args.out, "online_shopping"),
            "sst2": dict(in_place("sst2", f"{sst}/train.tsv", f"{sst}/dev.tsv"),
                         protocol="GLUE train, scored on GLUE dev"),
            "amazon": amazon_folds(src(AMAZON_SRC), args.out),
        },
    }
    for name, stats in manifest["corpora"].items():
        for pair in stats.get("folds", [stats]):
            log(f"{name}: train {pair['train']['rows']} {pair['train']['labels']}, "
                f"test {pair['test']['rows']} {pair['test']['labels']}, "
                f"{pair['test_in_train']} test text(s) also in train")
    write_json(os.path.join(args.out, "manifest.json"), manifest)


if __name__ == "__main__":
    main()
