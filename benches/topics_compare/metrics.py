#!/usr/bin/env python3
"""Reference implementation of the topic-model metrics.

Written independently of the Rust evaluator so that the two can be
cross-checked on the same listing.

Usage:

    python metrics.py --data SAMPLE.jsonl --text-field text --label-field category \\
        --listing lda.json [--top-npmi 10] [--top-diversity 25]

The listing is the JSON written by ``lda.py``; only ``topics[].keywords`` and
``assignments`` are read, and ``assignments`` must hold exactly one entry per
document of ``--data`` (topic id, or -1 for an outlier), in input order.

Prints one JSON object with ``npmi``, ``diversity``, ``outliers``, ``purity``,
``nmi`` and ``topics`` (per topic: id, NPMI, number of documents assigned).

Definitions:

* Normalisation: every document text and every keyword is passed through
  ``unicodedata.normalize("NFKC", s).lower()``. A document *contains* a
  keyword when the normalised keyword is a substring of the normalised text.
  D is the number of documents.
* NPMI of a topic: the mean, over all pairs i < j of its first ``--top-npmi``
  keywords, of
      p_i = D(w_i) / D,  p_ij = D(w_i and w_j) / D,
      -1                                    if p_ij == 0,
       1                                    if p_ij == 1,
      log(p_ij / (p_i * p_j)) / -log(p_ij) otherwise.
  The model's NPMI is the unweighted mean over topics; topics with fewer than
  two keywords are skipped (and reported with ``"npmi": null``).
* Diversity: the number of distinct normalised keywords among every topic's
  first ``--top-diversity`` keywords, divided by ``top-diversity * topics``.
* Outliers: the share of documents whose assignment is -1.
* Purity and NMI over all documents, the outliers forming one cluster of their
  own: purity = sum over clusters of the count of its most frequent label,
  divided by D; NMI = ``sklearn.metrics.normalized_mutual_info_score(labels,
  clusters)`` (arithmetic-mean normalisation, the default).
"""
import argparse
import json
import math
import sys
import unicodedata
from collections import Counter, defaultdict

from sklearn.metrics import normalized_mutual_info_score


def normalize(s):
    """NFKC-normalise and lowercase."""
    return unicodedata.normalize("NFKC", s).lower()


def read_documents(path, text_field, label_field):
    """Return (normalised texts, labels) of the JSONL records, in file order."""
    texts, labels = [], []
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, start=1):
            if not line.strip():
                continue
            record = json.loads(line)
            for field in (text_field, label_field):
                if field not in record:
                    sys.exit(f"{path}:{lineno}: no field {field!r}")
            texts.append(normalize(str(record[text_field])))
            labels.append(str(record[label_field]))
    return texts, labels


class Occurrences:
    """Which documents contain a keyword, as Python-int bitsets (bit d = document d)."""

    def __init__(self, texts):
        self.texts = texts
        self.cache = {}

    def bits(self, word):
        """Bitset of the documents whose normalised text contains ``word`` (already normalised)."""
        if word not in self.cache:
            mask = 0
            for d, text in enumerate(self.texts):
                if word in text:
                    mask |= 1 << d
            self.cache[word] = mask
        return self.cache[word]


def npmi_pair(d_i, d_j, d_ij, n_docs):
    """NPMI of one keyword pair from document counts, as defined in the module docstring."""
    p_ij = d_ij / n_docs
    if p_ij == 0:
        return -1.0
    if p_ij == 1:
        return 1.0
    p_i = d_i / n_docs
    p_j = d_j / n_docs
    return math.log(p_ij / (p_i * p_j)) / -math.log(p_ij)


def topic_npmi(words, occ, n_docs):
    """Mean pairwise NPMI of ``words`` (normalised), or None with fewer than two."""
    if len(words) < 2:
        return None
    masks = [occ.bits(w) for w in words]
    counts = [m.bit_count() for m in masks]
    scores = []
    for i in range(len(words)):
        for j in range(i + 1, len(words)):
            d_ij = (masks[i] & masks[j]).bit_count()
            scores.append(npmi_pair(counts[i], counts[j], d_ij, n_docs))
    return sum(scores) / len(scores)


def purity(labels, clusters):
    """Sum over clusters of the majority label's count, divided by the number of documents."""
    by_cluster = defaultdict(Counter)
    for label, cluster in zip(labels, clusters):
        by_cluster[cluster][label] += 1
    return sum(max(c.values()) for c in by_cluster.values()) / len(labels)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", required=True, help="input JSONL")
    ap.add_argument("--text-field", default="text", help="JSONL field holding the text")
    ap.add_argument("--label-field", default="category", help="JSONL field holding the gold label")
    ap.add_argument("--listing", required=True, help="topic listing JSON (as written by lda.py)")
    ap.add_argument("--top-npmi", type=int, default=10, help="keywords per topic for NPMI")
    ap.add_argument("--top-diversity", type=int, default=25, help="keywords per topic for diversity")
    args = ap.parse_args()

    texts, labels = read_documents(args.data, args.text_field, args.label_field)
    n_docs = len(texts)
    if n_docs == 0:
        sys.exit(f"{args.data}: no documents")
    with open(args.listing, encoding="utf-8") as f:
        listing = json.load(f)
    topics = listing["topics"]
    assignments = [int(a) for a in listing["assignments"]]
    if len(assignments) != n_docs:
        sys.exit(
            f"{args.listing} has {len(assignments)} assignments but {args.data} "
            f"has {n_docs} documents"
        )

    occ = Occurrences(texts)
    sizes = Counter(assignments)
    per_topic = []
    npmis = []
    distinct = set()
    for topic in topics:
        keywords = [normalize(str(w)) for w in topic["keywords"]]
        score = topic_npmi(keywords[: args.top_npmi], occ, n_docs)
        if score is not None:
            npmis.append(score)
        distinct.update(keywords[: args.top_diversity])
        per_topic.append({"id": topic["id"], "npmi": score, "documents": sizes.get(topic["id"], 0)})

    result = {
        "npmi": sum(npmis) / len(npmis) if npmis else None,
        "diversity": len(distinct) / (args.top_diversity * len(topics)) if topics else None,
        "outliers": sizes.get(-1, 0) / n_docs,
        "purity": purity(labels, assignments),
        "nmi": float(normalized_mutual_info_score(labels, assignments)),
        "topics": per_topic,
    }
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
