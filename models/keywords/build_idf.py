#!/usr/bin/env python3
"""Build the shipped IDF tables for per-record keywords.

Chinese (idf.zh.tsv): jieba's own IDF table (jieba 0.42 `analyse/idf.txt`, MIT, as shipped
inside the jieba-rs crate at src/data/idf.txt), words of two or more characters whose IDF is
below CUTOFF. Rarer words are left out: a word missing from the table gets the table's median
IDF (11.95), within about two of their true value, and the file shrinks fivefold.

English (idf.en.tsv): idf = ln(N / df) over the English texts of the shared corpora (SST-2
train, the Amazon polarity sample, the Maalej app reviews, the CFPB narratives, the SemEval-2014
sentences), segmented by `fankui segment` so that the words are exactly the forms fankui
produces (lower-cased). Words seen in fewer than 3 texts, and again IDFs at or above CUTOFF,
are left out.

Usage: build_idf.py --fankui target/release/fankui --corpora ../shared/corpora --out models/keywords
(run by models/keywords/build_idf.sh, which finds jieba-rs's table with `cargo metadata`)
"""
import argparse
import csv
import glob
import json
import math
import os
import re
import subprocess
import sys

CUTOFF = 11.5
MIN_DF = 3
WORD = re.compile(r"^[a-z0-9][a-z0-9'\-]*$")


def english_texts(corpora):
    with open(os.path.join(corpora, "en/sst2_glue/train.tsv"), encoding="utf-8") as f:
        next(f)
        for line in f:
            yield line.rsplit("\t", 1)[0]
    with open(os.path.join(corpora, "en/amazon_polarity_sample/amazon_polarity_test_first1000.csv"),
              encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            yield row["text"]
    with open(os.path.join(corpora, "en/app_reviews_maalej2016/app_reviews_labeled.jsonl"),
              encoding="utf-8") as f:
        for line in f:
            yield json.loads(line)["comment"]
    with open(os.path.join(corpora, "en/cfpb_consumer_complaints_sample/complaints_sample.csv"),
              encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            narrative = row.get("Consumer complaint narrative") or ""
            if narrative.strip():
                yield narrative
    for path in sorted(glob.glob(os.path.join(corpora, "en/semeval2014_task4_absa/*_train*.jsonl"))):
        with open(path, encoding="utf-8") as f:
            for line in f:
                yield json.loads(line)["text"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--fankui", required=True)
    ap.add_argument("--corpora", required=True)
    ap.add_argument("--jieba-idf", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()

    zh = []
    with open(args.jieba_idf, encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if len(parts) == 2 and len(parts[0]) >= 2 and float(parts[1]) < CUTOFF:
                zh.append((parts[0], float(parts[1])))
    zh.sort(key=lambda e: (e[1], e[0]))

    texts = [" ".join(t.split()) for t in english_texts(args.corpora)]
    texts = [t for t in texts if t]
    seg = subprocess.run([args.fankui, "segment", "-j", "0"], input="\n".join(texts) + "\n",
                         capture_output=True, text=True, check=True).stdout.splitlines()
    if len(seg) != len(texts):
        sys.exit(f"segment returned {len(seg)} lines for {len(texts)} texts")
    df = {}
    for line in seg:
        for w in set(t.lower() for t in line.split()):
            if WORD.match(w):
                df[w] = df.get(w, 0) + 1
    n = len(texts)
    en = [(w, math.log(n / d)) for w, d in df.items() if d >= MIN_DF and math.log(n / d) < CUTOFF]
    en.sort(key=lambda e: (e[1], e[0]))

    header = ("# word<TAB>idf. Built by models/keywords/build_idf.py; see its docstring for the "
              "sources and licences.\n")
    with open(os.path.join(args.out, "idf.zh.tsv"), "w", encoding="utf-8") as f:
        f.write(header + "# jieba 0.42 analyse/idf.txt (MIT), words of 2+ characters with idf < "
                f"{CUTOFF}\n")
        f.writelines(f"{w}\t{v:.2f}\n" for w, v in zh)
    with open(os.path.join(args.out, "idf.en.tsv"), "w", encoding="utf-8") as f:
        f.write(header + f"# ln(N/df) over {n} English texts of the shared corpora, df >= "
                f"{MIN_DF}, idf < {CUTOFF}\n")
        f.writelines(f"{w}\t{v:.2f}\n" for w, v in en)
    print(f"zh {len(zh)} words, en {len(en)} words from {n} texts", file=sys.stderr)


if __name__ == "__main__":
    main()
