#!/usr/bin/env python3
"""scikit-learn LDA baseline for topic clustering.

Usage:

    python lda.py --data SAMPLE.jsonl --text-field text --k 10 --seed 42 \\
        --stopwords models/stopwords/zh.txt --out lda.json

Pipeline:

1. Tokenise each document's ``--text-field`` with jieba 0.42.1
   ``jieba.lcut(text)`` (default precise mode, HMM on) and lowercase every
   token. A token is dropped when it is
     * whitespace only (invisible format characters such as U+FEFF, which a
       few reviews start with, count as whitespace here),
     * punctuation and/or symbols only (Unicode categories P* and S*),
     * digits only (``str.isdigit``),
     * a single Han character, or
     * listed in the stopword file (one word per line, compared after
       lowercasing; lines starting with ``#`` are comments, blank lines are
       ignored).
2. ``CountVectorizer(analyzer=lambda toks: toks, min_df=5, max_df=0.5)`` over
   the token lists.
3. ``LatentDirichletAllocation(n_components=k, random_state=seed,
   learning_method="batch", max_iter=20)``: batch variational EM, 20
   iterations over the full corpus, all other parameters at their defaults.
4. Each document is assigned the argmax of its ``transform`` topic
   distribution (lowest topic id on a tie), or -1 when it has no
   in-vocabulary token.

BLAS/OpenMP pools are limited to one thread (threadpoolctl) so the run uses one
core and is bit-for-bit reproducible for the same input, ``k`` and ``seed``.

Timings (``time.perf_counter``): ``tokenize`` covers loading the jieba
dictionary, segmentation and filtering; ``fit`` covers vectorising, fitting
LDA and computing the assignments; ``total`` is their sum.

Output JSON:

    {"method": "scikit-learn LDA",
     "versions": {"scikit-learn": ..., "jieba": ...},
     "k": k, "seed": seed, "documents": N, "vocabulary": V,
     "seconds": {"tokenize": ..., "fit": ..., "total": ...},
     "topics": [{"id": i, "keywords": [25 terms, highest components_ weight first]}, ...],
     "assignments": [topic id or -1 per document, in input order]}

Keyword ties are broken by vocabulary order (CountVectorizer sorts terms).
"""
import argparse
import json
import logging
import os
import re
import sys
import time
import unicodedata

import jieba
import numpy as np
import sklearn
from sklearn.decomposition import LatentDirichletAllocation
from sklearn.feature_extraction.text import CountVectorizer
from threadpoolctl import threadpool_limits

TOP_KEYWORDS = 25

# One Han character: CJK Unified Ideographs (incl. extensions A-H) and the
# compatibility ideographs.
HAN_RE = re.compile(
    "^[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
    "\U00020000-\U0002a6df\U0002a700-\U0002ebef\U0002f800-\U0002fa1f"
    "\U00030000-\U0003134f\U00031350-\U000323af]$"
)


def load_stopwords(path):
    """Return the set of lowercased stopwords in ``path`` (``#`` comments and blanks skipped)."""
    words = set()
    with open(path, encoding="utf-8") as f:
        for line in f:
            word = line.strip()
            if not word or word.startswith("#"):
                continue
            words.add(word.lower())
    return words


def is_blank(tok):
    """True when every character is whitespace or an invisible format character (Cf)."""
    return all(c.isspace() or unicodedata.category(c) == "Cf" for c in tok)


def is_punct_or_symbol(tok):
    """True when every character is punctuation (P*) or a symbol (S*)."""
    return all(unicodedata.category(c)[0] in "PS" for c in tok)


def keep(tok, stopwords):
    """Whether a lowercased token survives the filters listed in the module docstring."""
    if not tok or is_blank(tok):
        return False
    if is_punct_or_symbol(tok):
        return False
    if tok.isdigit():
        return False
    if HAN_RE.match(tok):
        return False
    return tok not in stopwords


def tokenize(text, stopwords):
    """Segment ``text`` with jieba (precise mode, HMM on) and filter the tokens."""
    tokens = []
    for tok in jieba.lcut(text):
        tok = tok.lower()
        if keep(tok, stopwords):
            tokens.append(tok)
    return tokens


def read_texts(path, field):
    """Return the ``field`` value of every JSONL record, in file order."""
    texts = []
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, start=1):
            if not line.strip():
                continue
            record = json.loads(line)
            if field not in record:
                sys.exit(f"{path}:{lineno}: no field {field!r}")
            texts.append(str(record[field]))
    return texts


def identity(tokens):
    """Analyzer that passes pre-tokenised documents through unchanged."""
    return tokens


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", required=True, help="input JSONL")
    ap.add_argument("--text-field", default="text", help="JSONL field holding the text")
    ap.add_argument("--k", type=int, default=10, help="number of topics")
    ap.add_argument("--seed", type=int, default=42, help="random_state for LDA")
    ap.add_argument("--stopwords", required=True, help="stopword file, one word per line")
    ap.add_argument("--out", required=True, help="output JSON listing")
    args = ap.parse_args()

    jieba.setLogLevel(logging.WARNING)
    texts = read_texts(args.data, args.text_field)
    stopwords = load_stopwords(args.stopwords)

    with threadpool_limits(limits=1):
        t0 = time.perf_counter()
        jieba.initialize()
        docs = [tokenize(text, stopwords) for text in texts]
        t1 = time.perf_counter()

        vectorizer = CountVectorizer(analyzer=identity, min_df=5, max_df=0.5)
        counts = vectorizer.fit_transform(docs)
        lda = LatentDirichletAllocation(
            n_components=args.k,
            random_state=args.seed,
            learning_method="batch",
            max_iter=20,
        )
        lda.fit(counts)
        doc_topic = lda.transform(counts)
        empty = np.asarray(counts.sum(axis=1)).ravel() == 0
        assignments = np.where(empty, -1, doc_topic.argmax(axis=1))
        t2 = time.perf_counter()

    terms = vectorizer.get_feature_names_out()
    topics = []
    for i, weights in enumerate(lda.components_):
        order = np.argsort(-weights, kind="stable")[:TOP_KEYWORDS]
        topics.append({"id": i, "keywords": [str(terms[j]) for j in order]})

    listing = {
        "method": "scikit-learn LDA",
        "versions": {"scikit-learn": sklearn.__version__, "jieba": jieba.__version__},
        "k": args.k,
        "seed": args.seed,
        "documents": len(texts),
        "vocabulary": len(terms),
        "seconds": {
            "tokenize": round(t1 - t0, 3),
            "fit": round(t2 - t1, 3),
            "total": round(t2 - t0, 3),
        },
        "topics": topics,
        "assignments": [int(a) for a in assignments],
    }
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(listing, f, ensure_ascii=False)
        f.write("\n")
    print(
        f"{len(texts)} documents, vocabulary {len(terms)}, {int(empty.sum())} without "
        f"in-vocabulary tokens; tokenize {t1 - t0:.2f}s, fit {t2 - t1:.2f}s -> {args.out}",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
