#!/usr/bin/env python3
"""Build a synthetic feedback dump (JSONL) from the real corpora.

Texts are drawn with replacement from the labelled corpora in the shared corpora
folder (labels are ignored: only the text is used). Each record is chosen as
Chinese with probability --zh-share, otherwise English; within a language every
non-blank text of every source file is equally likely. The metadata (channel,
date, customer) is random but fully determined by --seed. One RNG stream is used
per record in the same order regardless of --n, so the dump for a small N is
exactly the first N lines of the dump for a larger N.

Usage: make_dump.py --corpora DIR --n N --out FILE [--seed 42] [--zh-share 0.75]
"""
import argparse
import csv
import datetime as dt
import json
import os
import random
import sys
import time

CHANNELS = ["app", "web", "store", "email", "call_center"]
# Fixed customer universe, independent of N, so that prefixes stay identical.
CUSTOMERS = 50_000
YEAR = 2026

# (language, relative path, reader kind, text field)
SOURCES = [
    ("zh", "zh/online_shopping_10_cats.csv", "csv", "review"),
    ("zh", "zh/waimai_10k.csv", "csv", "review"),
    ("zh", "zh/chnsenticorp_htl_all.csv", "csv", "review"),
    ("en", "en/sst2_glue/train.tsv", "tsv", "sentence"),
    ("en", "en/amazon_polarity_sample/amazon_polarity_test_first1000.csv", "csv", "text"),
    ("en", "en/app_reviews_maalej2016/app_reviews_labeled.jsonl", "jsonl", "comment"),
]


def read_texts(path, kind, field):
    with open(path, encoding="utf-8", newline="") as f:
        if kind == "csv":
            return [row.get(field) for row in csv.DictReader(f)]
        if kind == "tsv":
            # SST-2 is unquoted TSV whose text contains '"' characters, so a
            # plain split is safer than the csv module.
            header = f.readline().rstrip("\n").split("\t")
            col = header.index(field)
            return [line.rstrip("\n").split("\t")[col] for line in f if line.strip()]
        if kind == "jsonl":
            return [json.loads(line).get(field) for line in f if line.strip()]
    raise ValueError(kind)


def load_pools(corpora):
    pools = {"zh": [], "en": []}
    report = []
    for lang, rel, kind, field in SOURCES:
        path = os.path.join(corpora, rel)
        if not os.path.isfile(path):
            sys.exit(f"make_dump: missing corpus file {path}")
        raw = read_texts(path, kind, field)
        # Blank means nothing but whitespace: e.g. two app reviews are a lone
        # "\t" (empty title + empty body). Non-blank texts are kept verbatim,
        # including a leading U+FEFF, tabs and newlines, as real input would.
        kept = [t for t in raw if isinstance(t, str) and t.strip()]
        pools[lang].extend(kept)
        report.append((lang, rel, len(raw), len(raw) - len(kept)))
    return pools, report


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpora", required=True)
    ap.add_argument("--n", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--zh-share", type=float, default=0.75)
    a = ap.parse_args()
    if a.n <= 0:
        sys.exit("make_dump: --n must be positive")

    t0 = time.time()
    pools, report = load_pools(a.corpora)
    for lang, rel, total, skipped in report:
        print(f"  {lang} {rel}: {total} rows, {skipped} blank skipped", file=sys.stderr)
    zh, en = pools["zh"], pools["en"]
    if not zh or not en:
        sys.exit("make_dump: a language pool is empty")

    rng = random.Random(a.seed)
    jan1 = dt.date(YEAR, 1, 1)
    days = (dt.date(YEAR + 1, 1, 1) - jan1).days
    dates = [(jan1 + dt.timedelta(d)).isoformat() for d in range(days)]
    width = max(7, len(str(a.n)))
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode

    # Write to a temporary name and rename at the end, so an interrupted run
    # never leaves a truncated file that the caller would take as cached.
    tmp = f"{a.out}.tmp{os.getpid()}"
    n_zh = 0
    try:
        with open(tmp, "w", encoding="utf-8", newline="\n", buffering=1 << 20) as out:
            buf = []
            for i in range(1, a.n + 1):
                # Fixed draw order per record: language, text, channel, date, customer.
                is_zh = rng.random() < a.zh_share
                n_zh += is_zh
                pool = zh if is_zh else en
                rec = {
                    "id": f"fb{i:0{width}d}",
                    "text": pool[rng.randrange(len(pool))],
                    "channel": CHANNELS[rng.randrange(len(CHANNELS))],
                    "created_at": dates[rng.randrange(days)],
                    "customer_id": f"c{rng.randint(1, CUSTOMERS)}",
                }
                buf.append(dumps(rec))
                if len(buf) >= 10_000:
                    out.write("\n".join(buf) + "\n")
                    buf.clear()
            if buf:
                out.write("\n".join(buf) + "\n")
        os.replace(tmp, a.out)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    size = os.path.getsize(a.out)
    print(
        f"  wrote {a.out}: {a.n} records ({n_zh / a.n:.1%} zh), "
        f"{size / 1e6:.1f} MB, {time.time() - t0:.1f} s",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
