#!/usr/bin/env python3
"""Draw a reproducible random sample of reviews for the topic-model comparison.

Usage:

    python sample.py --corpora DIR --n 20000 --seed 42 --out FILE.jsonl

Reads ``DIR/zh/online_shopping_10_cats.csv`` (header ``cat,label,review``) and
writes ``n`` of its rows as JSON Lines, one object per line:

    {"id": "<row>", "text": <review>, "category": <cat>, "label": <label>}

``id`` is the 1-based number of the data row in the CSV (the header is not
counted, so the first review is ``"1"``). Rows whose review is empty or only
whitespace after ``str.strip()`` are dropped before sampling; the review text
itself is written unchanged (a leading U+FEFF that some reviews carry is kept).

The sample is drawn uniformly at random without replacement with
``random.Random(seed).sample`` over the list of remaining row indices in file
order, and the chosen rows are written in file order, so the same corpus, ``n``
and ``seed`` always give a byte-identical file.
"""
import argparse
import csv
import json
import os
import random
import sys

CORPUS = os.path.join("zh", "online_shopping_10_cats.csv")
HEADER = ["cat", "label", "review"]


def read_rows(path):
    """Return ``(row_number, cat, label, review)`` for every non-blank review.

    ``row_number`` is 1-based over data rows (header excluded) and counts the
    dropped blank rows too, so it always points at the same CSV record.
    """
    rows = []
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        if header != HEADER:
            sys.exit(f"{path}: expected header {HEADER}, found {header}")
        for number, record in enumerate(reader, start=1):
            if len(record) != 3:
                sys.exit(f"{path}: data row {number} has {len(record)} fields, expected 3")
            cat, label, review = record
            if not review.strip():
                continue
            rows.append((number, cat, label, review))
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpora", required=True, help="directory holding zh/online_shopping_10_cats.csv")
    ap.add_argument("--n", type=int, default=20000, help="number of reviews to draw")
    ap.add_argument("--seed", type=int, default=42, help="seed for random.Random")
    ap.add_argument("--out", required=True, help="output JSONL file")
    args = ap.parse_args()

    path = os.path.join(args.corpora, CORPUS)
    rows = read_rows(path)
    if args.n < 0 or args.n > len(rows):
        sys.exit(f"--n {args.n} is out of range: {len(rows)} non-blank reviews in {path}")

    rng = random.Random(args.seed)
    chosen = sorted(rng.sample(range(len(rows)), args.n))

    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w", encoding="utf-8", newline="\n") as out:
        for index in chosen:
            number, cat, label, review = rows[index]
            record = {"id": str(number), "text": review, "category": cat, "label": label}
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    print(f"{path}: {len(rows)} non-blank reviews, wrote {args.n} to {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
