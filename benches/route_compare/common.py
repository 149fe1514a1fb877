"""Tasks, label sets, readers and metrics shared by the routing comparison helpers.

Four tasks, all written by prepare.py as JSONL under ``<data>/``:

* ``maalej``: app reviews, one of Bug / Feature / UserExperience / Rating per
  row (fankui ``kind``), 5 folds ``fold{0..4}/{train,test}.jsonl``.
* ``semeval``: SemEval-2014 restaurant sentences, a set of departments each
  (possibly empty), ``{train,test}.jsonl``.
* ``asap``: ASAP Dianping reviews, a set of departments each,
  ``{train,dev,test}.jsonl``; systems train on ``train_dev.jsonl`` (train
  followed by dev).
* ``cfpb``: CFPB complaint narratives, one product each, 5 folds.

The fankui side reads its scores from ``fankui eval ... --json``; everything
that knows that output's shape is in ``fankui_metrics`` (and the names it
looks for are the ``FANKUI_*`` constants above it), so adapting to the real
output means editing this file only.
"""
import importlib.util
import json
import os
import sys

# The small helpers every comparison script uses live in sentiment_compare/common.py.
_spec = importlib.util.spec_from_file_location(
    "sentiment_common",
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "sentiment_compare", "common.py"),
)
_shared = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_shared)
versions, log, write_text, write_json = _shared.versions, _shared.log, _shared.write_text, _shared.write_json

SEED = 42
FOLDS = 5

# Maalej labels, and the fankui kinds they are mapped to (`--label-map`; the
# shell script passes the same map, keep the two in step).
MAALEJ_LABELS = ("Bug", "Feature", "UserExperience", "Rating")
KIND_MAP = {"Bug": "complaint", "Feature": "suggestion", "UserExperience": "other", "Rating": "praise"}

# Departments of the multi-label routing tasks, in report order.
DEPARTMENTS = ("product", "customer_service", "marketing", "retail")

# SemEval-2014 restaurant aspect category -> department (None: no department).
SEMEVAL_MAP = {
    "food": "product",
    "service": "customer_service",
    "price": "marketing",
    "ambience": "retail",
    "anecdotes/miscellaneous": None,
}


def asap_department(aspect):
    """Department of an ASAP aspect column (location_traffic, dish_taste, ...)."""
    if aspect in ("service_waiters_attitude", "service_serving_speed"):
        return "customer_service"
    if aspect in ("service_wait_time", "service_parking_convenience"):
        return "retail"
    prefix = aspect.split("_", 1)[0]
    return {"location": "retail", "environment": "retail", "price": "marketing",
            "dish": "product"}.get(prefix)


# CFPB legacy product names -> the current name they were merged into.
CFPB_PRODUCT_MAP = {
    "Credit card": "Credit card or prepaid card",
    "Bank account or service": "Checking or savings account",
    "Consumer Loan": "Payday loan, title loan, or personal loan",
    "Payday loan": "Payday loan, title loan, or personal loan",
}

# Source files, relative to the corpora folder.
MAALEJ_SRC = "en/app_reviews_maalej2016/app_reviews_labeled.jsonl"
SEMEVAL_DIR = "en/semeval2014_task4_absa"
SEMEVAL_SRC = {"train": "restaurants_train_v2.jsonl", "test": "restaurants_test_gold.jsonl"}
ASAP_DIR = "zh/asap_official_sample"
ASAP_SPLITS = ("train", "dev", "test")
CFPB_SRC = "en/cfpb_consumer_complaints_sample/complaints_sample.csv"

TASKS = ("maalej", "semeval", "asap", "cfpb")
TITLES = {
    "maalej": "Maalej app reviews (kind, 4 classes)",
    "semeval": "SemEval-2014 restaurants (departments, multi-label)",
    "asap": "ASAP Dianping samples (departments, multi-label)",
    "cfpb": "CFPB complaints (product)",
}
LANG = {"maalej": "en", "semeval": "en", "asap": "zh", "cfpb": "en"}


def sources(corpora):
    """Every corpora file prepare.py reads, as absolute paths."""
    j = os.path.join
    return ([j(corpora, MAALEJ_SRC)]
            + [j(corpora, SEMEVAL_DIR, f) for f in SEMEVAL_SRC.values()]
            + [j(corpora, ASAP_DIR, f"{s}_sample.csv") for s in ASAP_SPLITS]
            + [j(corpora, CFPB_SRC)])


def pairs(task, data):
    """[(train paths, test path)] of a task: one per fold, or one."""
    d = os.path.join(data, task)
    if task in ("maalej", "cfpb"):
        return [([os.path.join(d, f"fold{k}", "train.jsonl")], os.path.join(d, f"fold{k}", "test.jsonl"))
                for k in range(FOLDS)]
    train = "train_dev" if task == "asap" else "train"
    return [([os.path.join(d, f"{train}.jsonl")], os.path.join(d, "test.jsonl"))]


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def mean(values):
    values = list(values)
    return sum(values) / len(values) if values else None


def prf(tp, fp, fn):
    """(precision, recall, F1) from counts; 0 where a denominator is 0."""
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def single_label_scores(gold, pred, labels):
    """Accuracy, macro-F1 over `labels`, per-class P/R/F1/support and the
    confusion matrix (rows gold, columns predicted, in `labels` order)."""
    index = {label: i for i, label in enumerate(labels)}
    matrix = [[0] * len(labels) for _ in labels]
    for g, p in zip(gold, pred):
        matrix[index[g]][index[p]] += 1
    classes = {}
    for i, label in enumerate(labels):
        tp = matrix[i][i]
        fn = sum(matrix[i]) - tp
        fp = sum(row[i] for row in matrix) - tp
        p, r, f = prf(tp, fp, fn)
        classes[label] = {"precision": p, "recall": r, "f1": f, "support": tp + fn}
    return {
        "records": len(gold),
        "accuracy": sum(g == p for g, p in zip(gold, pred)) / len(gold),
        "macro_f1": mean(c["f1"] for c in classes.values()),
        "classes": classes,
        "confusion": {"labels": list(labels), "matrix": matrix},
    }


def multi_label_scores(gold, pred, labels):
    """Per-label P/R/F1 from TP/FP/FN summed over texts, macro-F1 over the
    labels that occur in the gold sets, micro-F1 and exact-set accuracy.
    `gold` and `pred` are lists of sets."""
    counts = {label: [0, 0, 0] for label in labels}  # tp, fp, fn
    for g, p in zip(gold, pred):
        for label in labels:
            if label in g and label in p:
                counts[label][0] += 1
            elif label in p:
                counts[label][1] += 1
            elif label in g:
                counts[label][2] += 1
    classes = {}
    for label, (tp, fp, fn) in counts.items():
        p, r, f = prf(tp, fp, fn)
        classes[label] = {"precision": p, "recall": r, "f1": f, "support": tp + fn,
                          "tp": tp, "fp": fp, "fn": fn}
    in_gold = [label for label in labels if classes[label]["support"]]
    tp, fp, fn = (sum(c[i] for c in counts.values()) for i in range(3))
    return {
        "records": len(gold),
        "gold_empty": sum(not g for g in gold),
        "predicted_empty": sum(not p for p in pred),
        "accuracy": sum(set(g) == set(p) for g, p in zip(gold, pred)) / len(gold),
        "macro_f1": mean(classes[label]["f1"] for label in in_gold),
        "macro_over": in_gold,
        "micro_f1": prf(tp, fp, fn)[2],
        "classes": classes,
    }


def average_folds(folds):
    """Mean over folds of accuracy, macro-F1, micro-F1 (when there) and each
    class's P/R/F1 (over the folds that report the class); supports summed."""
    out = {"records": sum(f.get("records") or 0 for f in folds)}
    for key in ("accuracy", "macro_f1", "micro_f1"):
        values = [f[key] for f in folds if f.get(key) is not None]
        out[key] = mean(values) if len(values) == len(folds) else None
    labels = []
    for f in folds:
        labels += [label for label in f.get("classes", {}) if label not in labels]
    classes = {}
    for label in labels:
        rows = [f["classes"][label] for f in folds if label in f.get("classes", {})]
        classes[label] = {k: mean(r[k] for r in rows if r.get(k) is not None)
                          for k in ("precision", "recall", "f1")}
        classes[label]["support"] = sum(r.get("support") or 0 for r in rows)
    out["classes"] = classes
    return out


# ---------------------------------------------------------------------------
# fankui's `eval ... --json` output. Assumed shape:
#   {"records": N, "macro_f1": x, "micro_f1": y, "accuracy": z,
#    "classes": [{"label": .., "precision": .., "recall": .., "f1": .., "support": ..}]}
# Alternative spellings tried, first match wins:
FANKUI_TOTAL_KEYS = {
    "records": ("records", "n", "count", "total"),
    "accuracy": ("accuracy", "acc", "exact_match", "subset_accuracy"),
    "macro_f1": ("macro_f1", "macro-f1", "f1_macro", "macroF1"),
    "micro_f1": ("micro_f1", "micro-f1", "f1_micro", "microF1"),
}
FANKUI_CLASSES_KEYS = ("classes", "per_class", "labels_detail", "departments", "kinds")
FANKUI_LABEL_KEYS = ("label", "class", "name", "department", "kind", "product")
FANKUI_CLASS_KEYS = {
    "precision": ("precision", "p"),
    "recall": ("recall", "r"),
    "f1": ("f1", "f1_score", "f", "f_score"),
    "support": ("support", "gold", "count", "n"),
}
FANKUI_SIGNATURE = ("macro_f1", "micro_f1", "accuracy", "classes")


def _first(obj, keys):
    for k in keys:
        if isinstance(obj, dict) and obj.get(k) is not None:
            return obj[k]
    return None


def _json_objects(text):
    dec = json.JSONDecoder()
    for i, ch in enumerate(text):
        if ch == "{":
            try:
                obj, _ = dec.raw_decode(text, i)
            except ValueError:
                continue
            if isinstance(obj, dict):
                yield obj


def fankui_metrics(path, label_map=None):
    """Scores from one fankui eval output file, in the baselines' shape:
    {"records", "accuracy", "macro_f1", "micro_f1", "classes": {label: {precision,
    recall, f1, support}}, "raw": the object as read}, or None when the file has
    no recognisable object. Log lines around the JSON are tolerated; values
    given in percent (any metric > 1) are scaled to fractions; `label_map`
    renames fankui's class labels (e.g. complaint -> Bug); macro-F1 is the mean
    of the class F1s when fankui gives none.
    """
    with open(path, encoding="utf-8") as f:
        text = f.read()
    obj = next((o for o in _json_objects(text)
                if any(_first(o, FANKUI_TOTAL_KEYS.get(k, (k,))) is not None for k in FANKUI_SIGNATURE)),
               None)
    if obj is None:
        print(f"warning: no fankui eval object in {path}", file=sys.stderr)
        return None
    out = {k: _first(obj, keys) for k, keys in FANKUI_TOTAL_KEYS.items()}
    raw_classes = _first(obj, FANKUI_CLASSES_KEYS) or []
    if isinstance(raw_classes, dict):  # {label: {...}}
        raw_classes = [dict(v, label=k) for k, v in raw_classes.items() if isinstance(v, dict)]
    classes = {}
    for c in raw_classes:
        if not isinstance(c, dict):
            continue
        label = _first(c, FANKUI_LABEL_KEYS)
        if label is None:
            continue
        label = (label_map or {}).get(str(label), str(label))
        classes[label] = {k: _first(c, keys) for k, keys in FANKUI_CLASS_KEYS.items()}
    rates = [out[k] for k in ("accuracy", "macro_f1", "micro_f1") if out[k] is not None]
    rates += [c[k] for c in classes.values() for k in ("precision", "recall", "f1") if c[k] is not None]
    if any(v > 1 for v in rates):  # percent
        for k in ("accuracy", "macro_f1", "micro_f1"):
            out[k] = None if out[k] is None else out[k] / 100
        for c in classes.values():
            for k in ("precision", "recall", "f1"):
                c[k] = None if c[k] is None else c[k] / 100
    if out["macro_f1"] is None and classes and all(c["f1"] is not None for c in classes.values()):
        out["macro_f1"] = mean(c["f1"] for c in classes.values())
    out["classes"] = classes
    out["raw"] = obj
    return out


def write_jsonl(path, records):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    write_text(path, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
