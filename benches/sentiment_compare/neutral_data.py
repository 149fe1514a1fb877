"""Three-class (negative / neutral / positive) test sets from the shared corpora, for measuring
the neutral band: the shared sentiment corpora are binary, these two are not.

- SemEval-2014 restaurants (train + test sentences): a sentence's label is its aspect
  categories' polarity when they all agree (positive, negative or neutral); sentences with
  mixed or `conflict` polarities are left out.
- ASAP official samples (train + dev + test, 300 Dianping reviews): star 1-2 negative,
  3 neutral, 4-5 positive.

Usage: python3 neutral_data.py CORPORA_DIR OUT_DIR  (writes semeval_3class.jsonl, asap_3class.jsonl)
"""
import csv
import json
import os
import sys


def semeval(corpora, out):
    n = 0
    with open(out, "w", encoding="utf-8") as f:
        for name in ("restaurants_train_v2.jsonl", "restaurants_test_gold.jsonl"):
            path = os.path.join(corpora, "en", "semeval2014_task4_absa", name)
            with open(path, encoding="utf-8") as src:
                for line in src:
                    rec = json.loads(line)
                    polarities = {c["polarity"] for c in rec.get("aspect_categories", [])}
                    if len(polarities) != 1 or "conflict" in polarities:
                        continue
                    f.write(json.dumps({"text": rec["text"], "label": polarities.pop()},
                                       ensure_ascii=False) + "\n")
                    n += 1
    return n


def asap(corpora, out):
    n = 0
    with open(out, "w", encoding="utf-8") as f:
        for split in ("train", "dev", "test"):
            path = os.path.join(corpora, "zh", "asap_official_sample", f"{split}_sample.csv")
            with open(path, encoding="utf-8", newline="") as src:
                for row in csv.DictReader(src):
                    star = float(row["star"])
                    label = "negative" if star <= 2 else "neutral" if star == 3 else "positive"
                    f.write(json.dumps({"text": row["reviewbody"], "label": label},
                                       ensure_ascii=False) + "\n")
                    n += 1
    return n


if __name__ == "__main__":
    corpora, out_dir = sys.argv[1], sys.argv[2]
    os.makedirs(out_dir, exist_ok=True)
    print("semeval", semeval(corpora, os.path.join(out_dir, "semeval_3class.jsonl")))
    print("asap", asap(corpora, os.path.join(out_dir, "asap_3class.jsonl")))
