#!/usr/bin/env python3
"""fastText supervised baseline: accuracy and training time.

``fasttext.train_supervised(input, wordNgrams=2, epoch=25, thread=2)``, every
other parameter at its default (``verbose=0`` only silences the progress line). Chinese text is segmented with ``jieba.lcut``
(0.42.1, default mode; whitespace tokens dropped) and joined with spaces; that
segmentation is timed on its own (``segment_seconds``, train split, dictionary
already loaded) and is not part of ``train_seconds``, which times the
``train_supervised`` call alone (it reads the training file itself; its CPU
time, all threads, is ``train_cpu_seconds``). SST-2 is
already tokenised and is used as is. With thread > 1 fastText's training is
not bit-for-bit deterministic, so accuracy can move in the last digit.
"""
import argparse
import logging
import os
import resource
import time

from common import BY_NAME, log, read, scores, summarise, versions, write_json

CORPORA = ["online_shopping", "chnsenticorp", "waimai", "sst2"]
PARAMS = dict(wordNgrams=2, epoch=25, thread=2)


def cpu_seconds():
    """User + system CPU time of this process, all threads."""
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def one_line(text):
    return " ".join(text.split())


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--splits", required=True)
    ap.add_argument("--corpora", required=True)
    ap.add_argument("--cache-dir", help="where jieba keeps its prefix-dict cache")
    ap.add_argument("--work", required=True, help="folder for fastText's training files")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()

    import fasttext
    import jieba

    jieba.setLogLevel(logging.WARNING)
    if args.cache_dir:
        jieba.dt.tmp_dir = args.cache_dir
    jieba.initialize()
    os.makedirs(args.work, exist_ok=True)

    def segment(texts):
        return [" ".join(w for w in jieba.lcut(t) if w.strip()) for t in texts]

    results = []
    for name in CORPORA:
        c = BY_NAME[name]
        (train_path, test_path), = c.folds(args.splits, args.corpora)
        x_train, y_train = read(train_path, c.train_text, c.label_map)
        x_test, y_test = read(test_path, c.test_text, c.label_map)
        seg_seconds = None
        if c.lang == "zh":
            start = time.perf_counter()
            x_train = segment(x_train)
            seg_seconds = time.perf_counter() - start
            x_test = segment(x_test)
        input_path = os.path.join(args.work, f"{name}.train.txt")
        with open(input_path, "w", encoding="utf-8") as f:
            for text, label in zip(x_train, y_train):
                f.write(f"__label__{label} {one_line(text)}\n")

        cpu0, start = cpu_seconds(), time.perf_counter()
        model = fasttext.train_supervised(input=input_path, verbose=0, **PARAMS)
        train_seconds = time.perf_counter() - start
        train_cpu_seconds = cpu_seconds() - cpu0

        predicted, _ = model.predict([one_line(t) for t in x_test])
        fold = scores(y_test, [p[0].removeprefix("__label__") for p in predicted])
        fold.update(train_records=len(y_train), segment_seconds=seg_seconds,
                    train_seconds=train_seconds, train_cpu_seconds=train_cpu_seconds)
        log(f"fasttext {name}: accuracy {100 * fold['accuracy']:.2f}%, macro-F1 "
            f"{100 * fold['macro_f1']:.2f}%, train_supervised {train_seconds:.1f} s"
            + (f", jieba {seg_seconds:.1f} s" if seg_seconds is not None else ""))
        results.append(summarise({"system": "fasttext", "corpus": name, "params": PARAMS,
                                  "folds": [fold]}))

    write_json(args.out, {"packages": versions("fasttext-wheel", "numpy", "jieba"),
                          "results": results})


if __name__ == "__main__":
    main()
