#!/usr/bin/env python3
"""Score Python jieba (default mode, HMM on) against SIGHAN-style gold files.

Metric (fankui's ``eval segment`` implements the same one, so the numbers are
directly comparable):

* Each line is compared on its text with all whitespace removed. Gold words are
  the whitespace-separated tokens of the gold line; predicted words are jieba's
  tokens with whitespace removed, empty ones dropped.
* A word is its character interval [start, end) in that text; a predicted word
  is correct when the same interval is in the gold set.
* Counts are summed over all lines (micro average): P = correct / predicted,
  R = correct / gold, F1 = 2PR / (P + R).
* OOV recall is recall over gold words that are out of vocabulary: the word's
  Simplified form is not a key with freq > 0 in jieba's default dictionary
  (``jieba.dt.FREQ`` also holds every prefix with freq 0, hence the check).
  Words without a letter or digit (punctuation) are left out: they are never in
  a dictionary and almost always right, so they would swamp the figure.
  For a Traditional gold file the Simplified form is the word at the same
  line and position of the Simplified reference gold (``OOV_REF``).
* Speed is characters (non-whitespace) per second over the cut calls only,
  single process, after the dictionary is loaded.
"""
import argparse
import json
import logging
import sys
import time


def read_gold(path):
    with open(path, encoding="utf-8") as f:
        return [line.split() for line in f]


def intervals(words):
    out = []
    pos = 0
    for w in words:
        out.append((pos, pos + len(w)))
        pos += len(w)
    return out


def strip_ws(word):
    return "".join(word.split())


def evaluate(gold_lines, ref_lines, cut, vocab):
    """Return the metric dict for one corpus.

    gold_lines: list of word lists; ref_lines: aligned Simplified word lists
    used only for the OOV test; cut: text -> iterable of words.
    """
    # Only lines with at least one word are evaluated (blank lines carry nothing).
    pairs = [(g, r) for g, r in zip(gold_lines, ref_lines) if g]
    texts = ["".join(g) for g, _ in pairs]

    start = time.perf_counter()
    predicted = [list(cut(t)) for t in texts]
    elapsed = time.perf_counter() - start

    gold_words = pred_words = correct = oov_words = oov_correct = 0
    for (gold, ref), text, pred in zip(pairs, texts, predicted):
        pred = [w for w in (strip_ws(p) for p in pred) if w]
        if "".join(pred) != text:
            raise SystemExit(f"segmenter changed the text of line: {text[:40]!r}")
        pset = set(intervals(pred))
        gold_words += len(gold)
        pred_words += len(pred)
        for (iv, simp) in zip(intervals(gold), ref):
            hit = iv in pset
            correct += hit
            if any(c.isalnum() for c in simp) and vocab.get(simp, 0) <= 0:
                oov_words += 1
                oov_correct += hit

    chars = sum(len(t) for t in texts)
    p = correct / pred_words if pred_words else 0.0
    r = correct / gold_words if gold_words else 0.0
    return {
        "lines": len(pairs),
        "chars": chars,
        "gold_words": gold_words,
        "predicted_words": pred_words,
        "correct": correct,
        "precision": p,
        "recall": r,
        "f1": 2 * p * r / (p + r) if p + r else 0.0,
        "oov_words": oov_words,
        "oov_correct": oov_correct,
        "oov_recall": oov_correct / oov_words if oov_words else 0.0,
        "seconds": elapsed,
        "chars_per_second": chars / elapsed if elapsed > 0 else 0.0,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--corpus", nargs=3, action="append", required=True,
        metavar=("NAME", "GOLD", "OOV_REF"),
        help="corpus name, gold file, and the aligned Simplified gold used for the OOV test "
             "(the gold itself for a Simplified corpus); may repeat",
    )
    ap.add_argument("--cache-dir", help="where jieba keeps its prefix-dict cache")
    ap.add_argument("--out", required=True, help="write results JSON here")
    args = ap.parse_args()

    import jieba

    jieba.setLogLevel(logging.WARNING)
    if args.cache_dir:
        jieba.dt.tmp_dir = args.cache_dir
    jieba.initialize()  # load the dictionary outside the timed region
    vocab = jieba.dt.FREQ

    cut = lambda s: jieba.cut(s, HMM=True)
    results = []
    for name, gold_path, ref_path in args.corpus:
        gold = read_gold(gold_path)
        ref = gold if ref_path == gold_path else read_gold(ref_path)
        if len(ref) != len(gold) or any(len(a) != len(b) for a, b in zip(gold, ref)):
            raise SystemExit(f"{ref_path} is not word-aligned with {gold_path}")
        res = evaluate(gold, ref, cut, vocab)
        res.update(corpus=name, tool=f"jieba-py {jieba.__version__}", gold=gold_path)
        results.append(res)
        print(
            f"jieba {name}: {res['lines']} lines, F1 {100 * res['f1']:.2f}%, "
            f"{res['chars_per_second']:.0f} chars/s",
            file=sys.stderr,
        )

    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(results, f, ensure_ascii=False, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
