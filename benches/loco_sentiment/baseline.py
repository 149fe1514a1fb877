#!/usr/bin/env python3
"""TF-IDF + logistic regression, leave one corpus out, on exactly fankui's files.

For each held-out corpus H: ``TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True,
min_df=1)`` over word tokens, then ``LogisticRegression(C=1, max_iter=2000)`` (lbfgs), fitted
on ``H/train.jsonl`` and scored on ``H/test.jsonl``. One model serves both languages, as
fankui's does. Tokens: a text with a CJK character is cut with ``jieba.lcut`` (0.42.1, default
mode) on the lower-cased text, whitespace tokens left out; any other text gets the
vectorizer's default (lower-cased, ``(?u)\\b\\w\\w+\\b``). Each distinct text is tokenised once.
Writes one JSON per H: accuracy, macro-F1, confusion, counts, seconds.
"""
import argparse
import json
import logging
import os
import re
import time

from common import LABELS, has_cjk, log, read_jsonl, write_json

WORD = re.compile(r"(?u)\b\w\w+\b")


def identity(x):
    return x


class Tokenizer:
    def __init__(self, cache_dir):
        import jieba

        jieba.setLogLevel(logging.WARNING)
        if cache_dir:
            jieba.dt.tmp_dir = cache_dir
        jieba.initialize()
        self.jieba = jieba
        self.cache = {}
        self.seconds = 0.0

    def __call__(self, text):
        toks = self.cache.get(text)
        if toks is None:
            start = time.perf_counter()
            low = text.lower()
            if has_cjk(text):
                toks = [t for t in self.jieba.lcut(low) if t.strip()]
            else:
                toks = WORD.findall(low)
            self.seconds += time.perf_counter() - start
            self.cache[text] = toks
        return toks


def scores(gold, pred):
    labels = sorted(set(gold) | set(pred))
    n = len(gold)
    acc = sum(g == p for g, p in zip(gold, pred)) / n
    f1s = []
    for lab in sorted(set(gold)):
        tp = sum(g == lab and p == lab for g, p in zip(gold, pred))
        fp = sum(g != lab and p == lab for g, p in zip(gold, pred))
        fn = sum(g == lab and p != lab for g, p in zip(gold, pred))
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / (tp + fn) if tp + fn else 0.0
        f1s.append(2 * prec * rec / (prec + rec) if prec + rec else 0.0)
    confusion = {g: {p: sum(a == g and b == p for a, b in zip(gold, pred)) for p in labels}
                 for g in labels}
    return {"records": n, "accuracy": acc, "macro_f1": sum(f1s) / len(f1s), "confusion": confusion}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", required=True, help="folder with one subfolder per held-out corpus")
    ap.add_argument("--heldout", nargs="+", required=True)
    ap.add_argument("--out-dir", required=True, help="writes baseline_<H>.json here")
    ap.add_argument("--cache-dir", help="where jieba keeps its prefix-dict cache")
    ap.add_argument("--c", type=float, default=1.0)
    args = ap.parse_args()

    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    import sklearn

    tok = Tokenizer(args.cache_dir)
    for h in args.heldout:
        train = read_jsonl(os.path.join(args.data, h, "train.jsonl"))
        test = read_jsonl(os.path.join(args.data, h, "test.jsonl"))
        start = time.perf_counter()
        x_train = [tok(r["text"]) for r in train]
        x_test = [tok(r["text"]) for r in test]
        y_train = [r["label"] for r in train]
        y_test = [r["label"] for r in test]
        vec = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1, tokenizer=identity,
                              preprocessor=identity, lowercase=False, token_pattern=None)
        t0 = time.perf_counter()
        xt = vec.fit_transform(x_train)
        lr = LogisticRegression(C=args.c, max_iter=2000)
        lr.fit(xt, y_train)
        fit_seconds = time.perf_counter() - t0
        assert set(lr.classes_) <= set(LABELS)
        pred = list(lr.predict(vec.transform(x_test)))
        res = scores(y_test, pred)
        res.update(system="tfidf_lr_word", heldout=h, c=args.c, train_records=len(train),
                   features=len(vec.vocabulary_), iterations=int(lr.n_iter_[0]),
                   fit_seconds=fit_seconds, seconds=time.perf_counter() - start,
                   sklearn=sklearn.__version__, jieba=tok.jieba.__version__)
        write_json(os.path.join(args.out_dir, f"baseline_{h}.json"), res)
        log(f"tfidf_lr {h}: accuracy {100 * res['accuracy']:.2f}% on {len(test):,}, "
            f"{res['features']:,} features, {res['iterations']} iterations, fit {fit_seconds:.0f} s")


if __name__ == "__main__":
    main()
