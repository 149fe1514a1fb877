"""Corpora, readers and metrics shared by the sentiment comparison helpers.

Every system is trained and scored on exactly the files named here: the
splits written by split.py (waimai, online_shopping, the Amazon folds) and the
official ChnSentiCorp and SST-2 files, read in place. Labels are mapped to
``negative`` / ``positive`` the same way fankui maps them (``0``/``1`` by
default, ``__label__1``/``__label__2`` for Amazon), after stripping spaces.
"""
import csv
import json
import os
import sys
from dataclasses import dataclass

SEED = 42
AMAZON_FOLDS = 5
LABELS = ("negative", "positive")
BINARY = {"0": "negative", "1": "positive"}
AMAZON = {"__label__1": "negative", "__label__2": "positive"}

# Source files, relative to the corpora folder.
WAIMAI_SRC = "zh/waimai_10k.csv"
SHOPPING_SRC = "zh/online_shopping_10_cats.csv"
CHNSENTI_DIR = "zh/chnsenticorp_ernie_split"
SST2_DIR = "en/sst2_glue"
AMAZON_SRC = "en/amazon_polarity_sample/amazon_polarity_test_first1000.csv"


@dataclass(frozen=True)
class Corpus:
    name: str
    title: str
    lang: str
    train_text: str  # text column of the training file(s)
    test_text: str  # text column of the test file(s)
    label_map: dict

    def folds(self, splits, corpora):
        """[(train_path, test_path)]: one pair, or one per Amazon fold."""
        if self.name == "chnsenticorp":
            d = os.path.join(corpora, CHNSENTI_DIR)
            return [(os.path.join(d, "train.tsv"), os.path.join(d, "test.tsv"))]
        if self.name == "sst2":
            d = os.path.join(corpora, SST2_DIR)
            return [(os.path.join(d, "train.tsv"), os.path.join(d, "dev.tsv"))]
        if self.name == "amazon":
            return [
                (os.path.join(splits, "amazon", f"fold{k}", "train.csv"),
                 os.path.join(splits, "amazon", f"fold{k}", "test.csv"))
                for k in range(1, AMAZON_FOLDS + 1)
            ]
        d = os.path.join(splits, self.name)
        return [(os.path.join(d, "train.csv"), os.path.join(d, "test.csv"))]


CORPORA = [
    Corpus("chnsenticorp", "ChnSentiCorp", "zh", "text_a", "text_a", BINARY),
    Corpus("waimai", "waimai_10k", "zh", "review", "review", BINARY),
    Corpus("online_shopping", "online_shopping_10_cats", "zh", "review", "review", BINARY),
    Corpus("sst2", "SST-2", "en", "sentence", "content", BINARY),
    Corpus("amazon", "Amazon polarity (first 1,000)", "en", "text", "text", AMAZON),
]
BY_NAME = {c.name: c for c in CORPORA}


def rows(path):
    """Yield dict rows of a CSV (quoted) or TSV (unquoted, tab-separated) file."""
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


def read(path, text_field, label_map):
    """Return (texts, labels) with labels mapped to negative/positive."""
    texts, labels = [], []
    for row in rows(path):
        raw = row["label"].strip()
        if raw not in label_map:
            raise SystemExit(f"{path}: unknown label {row['label']!r}")
        texts.append(row[text_field])
        labels.append(label_map[raw])
    return texts, labels


def scores(gold, pred):
    """Accuracy and macro-F1 over the two labels, as fractions."""
    from sklearn.metrics import accuracy_score, f1_score

    return {
        "records": len(gold),
        "accuracy": accuracy_score(gold, pred),
        "macro_f1": f1_score(gold, pred, labels=list(LABELS), average="macro", zero_division=0),
    }


def mean(values):
    values = list(values)
    return sum(values) / len(values)


def summarise(result):
    """Fill a result's corpus-level accuracy/macro-F1 (mean over folds) and records."""
    folds = result["folds"]
    result["accuracy"] = mean(f["accuracy"] for f in folds)
    result["macro_f1"] = mean(f["macro_f1"] for f in folds)
    result["records"] = sum(f["records"] for f in folds)
    return result


def versions(*packages):
    from importlib.metadata import version

    return {p: version(p) for p in packages}


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def write_text(path, text):
    """Write atomically, so a file that exists is always complete."""
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def write_json(path, obj):
    write_text(path, json.dumps(obj, ensure_ascii=False, indent=2) + "\n")
