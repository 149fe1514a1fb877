#!/usr/bin/env python3
"""TF-IDF + logistic regression baseline for one routing task.

Features: ``TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1)``
fitted on the training file(s) only. English uses the vectorizer's default
lower-casing and token pattern; Chinese (ASAP) is tokenised with
``jieba.lcut`` (0.42.1, default mode) on the lower-cased text, up front, and
passed through identity tokenizer/preprocessor (as in
sentiment_compare/baselines.py). Classifier: ``LogisticRegression(max_iter=2000)``
with the default C (1.0); no tuning.

* maalej, cfpb (single-label, 5 folds): trained on each fold's train file and
  scored on its test file; per-class precision/recall/F1, macro-F1 over all
  classes and accuracy are the mean over the folds. maalej also gets the
  confusion matrix summed over the folds (rows gold, columns predicted). A
  Maalej text with several labels is in its test fold once per label and gets
  one prediction, so at most one of those rows can be right.
* semeval, asap (multi-label): ``OneVsRestClassifier(LogisticRegression(max_iter=2000))``
  over the 4 departments, trained on train (asap: train + dev), a department
  predicted when its probability is >= 0.5 (so a text may get none). Per
  department P/R/F1 from TP/FP/FN summed over the test texts, macro-F1 over the
  departments that occur in the test gold, micro-F1 and exact-set accuracy;
  the same metrics again (``nonempty``) on the test texts whose gold set is
  non-empty, with the same predictions.
"""
import argparse
import logging
import os
import time

from common import (DEPARTMENTS, LANG, MAALEJ_LABELS, average_folds, log, multi_label_scores,
                    pairs, read_jsonl, single_label_scores, versions, write_json)

VECTORIZER = dict(ngram_range=(1, 2), sublinear_tf=True, min_df=1)
LR = dict(max_iter=2000)
THRESHOLD = 0.5


def identity(x):
    return x


def vectorizer(lang):
    from sklearn.feature_extraction.text import TfidfVectorizer

    if lang == "zh":
        return TfidfVectorizer(tokenizer=identity, preprocessor=identity, lowercase=False,
                               token_pattern=None, **VECTORIZER)
    return TfidfVectorizer(**VECTORIZER)


def load(paths, tokenize):
    records = [r for p in paths for r in read_jsonl(p)]
    texts = [r["text"] for r in records]
    if tokenize:
        import jieba

        texts = [jieba.lcut(t.lower()) for t in texts]
    return texts, records


def single_label(train_paths, test_path, field, labels, lang):
    from sklearn.linear_model import LogisticRegression

    x_train, train = load(train_paths, lang == "zh")
    x_test, test = load([test_path], lang == "zh")
    start = time.perf_counter()
    vec = vectorizer(lang)
    model = LogisticRegression(**LR).fit(vec.fit_transform(x_train), [r[field] for r in train])
    fit_seconds = time.perf_counter() - start
    pred = model.predict(vec.transform(x_test))
    res = single_label_scores([r[field] for r in test], list(pred), labels)
    res.update(train_records=len(train), features=len(vec.vocabulary_), fit_seconds=fit_seconds)
    return res


def multi_label(train_paths, test_path, lang):
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.preprocessing import MultiLabelBinarizer

    x_train, train = load(train_paths, lang == "zh")
    x_test, test = load([test_path], lang == "zh")
    mlb = MultiLabelBinarizer(classes=list(DEPARTMENTS))
    y_train = mlb.fit_transform([r["departments"] for r in train])
    start = time.perf_counter()
    vec = vectorizer(lang)
    model = OneVsRestClassifier(LogisticRegression(**LR)).fit(vec.fit_transform(x_train), y_train)
    fit_seconds = time.perf_counter() - start
    proba = model.predict_proba(vec.transform(x_test))
    pred = [{d for d, p in zip(DEPARTMENTS, row) if p >= THRESHOLD} for row in proba]
    gold = [set(r["departments"]) for r in test]
    res = multi_label_scores(gold, pred, DEPARTMENTS)
    keep = [i for i, g in enumerate(gold) if g]
    res["nonempty"] = multi_label_scores([gold[i] for i in keep], [pred[i] for i in keep], DEPARTMENTS)
    res.update(train_records=len(train), train_department_counts=dict(zip(DEPARTMENTS, map(int, y_train.sum(0)))),
               features=len(vec.vocabulary_), fit_seconds=fit_seconds)
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--task", required=True, choices=["maalej", "semeval", "asap", "cfpb"])
    ap.add_argument("--data", required=True, help="data folder written by prepare.py")
    ap.add_argument("--cache-dir", help="where jieba keeps its prefix-dict cache")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    task, lang = args.task, LANG[args.task]

    if lang == "zh":
        import jieba

        jieba.setLogLevel(logging.WARNING)
        if args.cache_dir:
            jieba.dt.tmp_dir = args.cache_dir
        jieba.initialize()

    params = {"vectorizer": dict(VECTORIZER, tokenizer="jieba.lcut" if lang == "zh" else "default"),
              "logistic_regression": dict(LR, C=1.0)}
    result = {"system": "tfidf_lr", "task": task, "params": params}
    if task in ("maalej", "cfpb"):
        field = "label" if task == "maalej" else "product"
        if task == "maalej":
            labels = list(MAALEJ_LABELS)
        else:  # every product: fold 0's train and test hold all the rows
            (train_paths, test_path), = pairs(task, args.data)[:1]
            labels = sorted({r[field] for p in train_paths + [test_path] for r in read_jsonl(p)})
        folds = []
        for k, (train_paths, test_path) in enumerate(pairs(task, args.data)):
            fold = single_label(train_paths, test_path, field, labels, lang)
            folds.append(fold)
            log(f"tfidf_lr {task} fold{k}: accuracy {100 * fold['accuracy']:.2f}%, "
                f"macro-F1 {100 * fold['macro_f1']:.2f}%, fit {fold['fit_seconds']:.1f} s")
        result.update(average_folds(folds))
        result["labels"] = labels
        result["folds"] = folds
        if task == "maalej":
            matrix = [[sum(f["confusion"]["matrix"][i][j] for f in folds) for j in range(len(labels))]
                      for i in range(len(labels))]
            result["confusion"] = {"labels": labels, "matrix": matrix}
    else:
        (train_paths, test_path), = pairs(task, args.data)
        res = multi_label(train_paths, test_path, lang)
        result.update(res, threshold=THRESHOLD,
                      train_files=[os.path.basename(p) for p in train_paths])
        log(f"tfidf_lr {task}: macro-F1 {100 * res['macro_f1']:.2f}%, micro-F1 "
            f"{100 * res['micro_f1']:.2f}% (non-empty gold: {100 * res['nonempty']['macro_f1']:.2f}% / "
            f"{100 * res['nonempty']['micro_f1']:.2f}%), fit {res['fit_seconds']:.1f} s")

    pkgs = versions("scikit-learn", "numpy", "scipy", "joblib", "threadpoolctl", "jieba")
    write_json(args.out, {"packages": pkgs, "results": [result]})


if __name__ == "__main__":
    main()
