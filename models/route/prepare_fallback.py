#!/usr/bin/env python3
"""Write the training data of the fallback router (models/route/fallback.fkr).

The fallback router is a `fankui train route` model applied only to complaints that the
taxonomy rules leave unplaced (`department.fallback: true`): "the fallback before the
fallback". It is trained on texts whose department is clear by the ownership table of
PRODUCT.md (product: what was sold; customer_service: staff and support; logistics: delivery;
marketing: prices and promotions; retail: premises; tech: website and app). Output: JSONL
`{"text": ..., "label": <department id>, "source": ...}` (the trainer reads text and label
and ignores the rest). Standard library only; seed 42.

Usage:
  prepare_fallback.py CORPORA --fankui target/release/fankui --out data.jsonl
                      [--stats stats.json] [--work DIR] [--holdout K]

Sources (paths relative to CORPORA), in order of trust; a text (normalised: lower-cased,
runs of non-word characters -> one space) is kept once, with the label of the first source
that gives it one, and dropped altogether when two sources disagree on it:

1. semeval: SemEval-2014 restaurants, **train** only (en/semeval2014_task4_absa/
   restaurants_train_v2.jsonl). A sentence is an example when exactly one department is
   among its negative aspect categories (food -> product, service -> customer_service,
   ambience -> retail, price -> marketing; anecdotes/miscellaneous is ignored).
2. asap: ASAP Dianping samples, **train and dev** only (zh/asap_official_sample/
   {train,dev}_sample.csv). A review is an example when it has negative aspects (-1) and they
   all belong to one department (aspect map as benches/route_compare/common.py:
   dish_* -> product, service_waiters_attitude and service_serving_speed ->
   customer_service, price_* -> marketing, location_*, environment_*, service_wait_time and
   service_parking_convenience -> retail).
3. maalej: Maalej et al. app reviews labelled Bug -> tech (title ". " comment, as
   benches/route_compare/prepare.py).
4. shopping: online_shopping_10_cats negative reviews (label 0) of the goods categories
   平板 水果 洗发水 衣服 计算机 书籍 手机 蒙牛 热水器 -> product, **unless the rules place the
   review elsewhere**: a goods review whose rule owner (fankui analyze, default config) is
   another department is not a product example (it can still come in under 7 when that
   owner's confidence is >= 0.8). At most SHOPPING_CAP_PER_CAT per category. The hotel
   category (酒店) is left out of this source: its negative reviews mix room facilities,
   cleanliness and noise (retail by the table), front-desk staff and prices, so "the item"
   is not one department; hotel reviews only enter as weak labels (7).
5. sst2: SST-2 **train** negative sentences (label 0) of at least SST2_MIN_WORDS words ->
   product (a film is the product), at most SST2_CAP so English film text does not
   dominate.
6. (none) CFPB narratives are left out: their labels are banking products, which map to
   no department of the taxonomy (every one is "product" or "customer_service" depending on
   the complaint's issue, not its product).
7. weak: weak labels from the taxonomy. Negative-labelled records of the shared corpora that
   the rules route with department.confidence >= WEAK_MIN (0.8) and not as the fallback,
   labelled with that owner: waimai_10k (label 0), online_shopping_10_cats (label 0, all ten
   categories), chnsenticorp_htl_all (label 0), ChnSentiCorp ERNIE **train and dev** (label
   0), weibo_senti_100k sample (label 0), SST-2 train (label 0), the Amazon polarity sample
   (__label__1); of SST-2 only the product ones (a film is the product, so another owner
   is a false positive of the taxonomy: "atmosphere" -> retail, "condescending attitude" ->
   customer_service). At most WEAK_CAP_PER_SOURCE per (source, department) and WEAK_CAP per
   department over all sources. These teach the model the taxonomy's words in context.
8. masked: each weak example of 7 again, with the phrases that made the rules' owner (the
   owner's evidence in the record and its aspects) replaced by a space, same label; dropped
   when fewer than MASKED_MIN_CHARS word characters are left. The model is used on texts
   where no phrase fired, so it must learn a department from the words around the phrases
   ("送了两个多小时", "前台", "退款") rather than from the rules' scores, which weak examples
   alone would teach it to lean on.

Balance. Caps keep any one source or class to a few thousand examples (shopping 1,000 per
category, SST-2 3,000, weak 1,200 per source and department, 2,500 per department). Product
is still the largest class on purpose: the model only sees complaints no taxonomy phrase
placed, and about nine in ten of those are about the item itself (the reading of the 100k
dump in models/route/README.md). A one-vs-rest model calibrated on a product-poor mix
overstates the other departments there; an earlier version with about half the product
examples (500 per shopping category, 1,500 SST-2) placed 1.4 (whole text) to 1.7 (lead
clause) times as many dump records outside product at probability >= 0.7, with about the
same precision per department (a first reading of 30 records each), so more wrong ones.

Counts written (seed 42, taxonomy and binary of this commit; fallback.data.json has them all):

  source            product  customer_service  logistics  marketing  retail  tech
  semeval               162               179          -         82      82     -
  asap                    6                13          -         17      26     -
  maalej                  -                 -          -          -       -   369
  shopping            7,633                 -          -          -       -     -
  sst2                2,929                 -          -          -       -     -
  weak (7)              433               747        321        282     367   118
  masked (8)            572               718        310        276     350   117
  total              11,735             1,657        631        657     825   604   (16,109)

Leakage. No evaluation split is read: SemEval restaurants test, ASAP test, ChnSentiCorp
ERNIE test and SST-2 dev never enter, so the routing bench (benches/route_compare: SemEval
test, ASAP test) stays untouched by this model. online_shopping_10_cats contains almost all of
ChnSentiCorp (its 酒店/书籍/计算机 categories, including 1,140 of the 1,178 distinct ERNIE
test texts; see CORPORA/README.md): that is acceptable here because no sentiment figure is
measured with this model, but this model must not be used in a sentiment comparison on
ChnSentiCorp. The 100k benchmark dump (benches/pipeline_compare/make_dump.py) is drawn from
online_shopping_10_cats, waimai_10k, chnsenticorp_htl_all, SST-2 train, the Amazon sample
and the Maalej reviews, so much of it is training text of the shipped model: measurements on
the dump use a model trained with --holdout (see models/route/README.md).

--holdout K leaves out every text whose normalised form falls in bucket K of 5 (SHA-1 of the
normalised text, first 8 hex digits, mod 5; `bucket()` below), so a model trained on the
output can be measured on the texts of bucket K.

The counts of each source, label and filter go to --stats (JSON) and stderr.
"""
import argparse
import collections
import csv
import hashlib
import json
import os
import random
import re
import subprocess
import sys
import tempfile

SEED = 42
BUCKETS = 5
WEAK_MIN = 0.8
SHOPPING_CATS = ("平板", "水果", "洗发水", "衣服", "计算机", "书籍", "手机", "蒙牛", "热水器")
SHOPPING_CAP_PER_CAT = 1000
SST2_CAP = 3000
SST2_MIN_WORDS = 5
WEAK_CAP_PER_SOURCE = 1200
WEAK_CAP = 2500
MASKED_MIN_CHARS = 6
DEPARTMENTS = ("product", "customer_service", "logistics", "marketing", "retail", "tech")

SEMEVAL_TRAIN = "en/semeval2014_task4_absa/restaurants_train_v2.jsonl"
SEMEVAL_MAP = {"food": "product", "service": "customer_service", "price": "marketing",
               "ambience": "retail", "anecdotes/miscellaneous": None}
ASAP_FILES = ("zh/asap_official_sample/train_sample.csv", "zh/asap_official_sample/dev_sample.csv")
MAALEJ = "en/app_reviews_maalej2016/app_reviews_labeled.jsonl"
SHOPPING = "zh/online_shopping_10_cats.csv"
WAIMAI = "zh/waimai_10k.csv"
HOTEL = "zh/chnsenticorp_htl_all.csv"
ERNIE = ("zh/chnsenticorp_ernie_split/train.tsv", "zh/chnsenticorp_ernie_split/dev.tsv")
WEIBO = "zh/weibo_senti_100k_thirdparty_sample.csv"
SST2_TRAIN = "en/sst2_glue/train.tsv"
AMAZON = "en/amazon_polarity_sample/amazon_polarity_test_first1000.csv"

NON_WORD = re.compile(r"\W+")


def norm(text):
    """Grouping key: lower-cased, runs of non-word characters -> one space."""
    return NON_WORD.sub(" ", text.lower()).strip()


def bucket(text):
    """Hold-out bucket (0..4) of a text, by its normalised form."""
    return int(hashlib.sha1(norm(text).encode("utf-8")).hexdigest()[:8], 16) % BUCKETS


def log(msg):
    print(f"prepare_fallback: {msg}", file=sys.stderr)


def asap_department(aspect):
    if aspect in ("service_waiters_attitude", "service_serving_speed"):
        return "customer_service"
    if aspect in ("service_wait_time", "service_parking_convenience"):
        return "retail"
    return {"location": "retail", "environment": "retail", "price": "marketing",
            "dish": "product"}.get(aspect.split("_", 1)[0])


def read_csv(path):
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def read_tsv(path):
    """Unquoted TSV (SST-2, ERNIE split): header row, label<TAB>text."""
    with open(path, encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("\t")
        rows = []
        for line in f:
            if line.strip():
                rows.append(dict(zip(header, line.rstrip("\n").split("\t"))))
        return rows


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


# --- human labels -------------------------------------------------------------------------

def semeval(corpora, stats):
    out, skipped = [], collections.Counter()
    for row in read_jsonl(os.path.join(corpora, SEMEVAL_TRAIN)):
        deps = {SEMEVAL_MAP[c["category"]] for c in row.get("aspect_categories", [])
                if c["polarity"] == "negative"} - {None}
        if len(deps) == 1:
            out.append({"text": row["text"], "label": deps.pop(), "source": "semeval"})
        else:
            skipped["no negative category" if not deps else "several departments"] += 1
    stats["semeval"] = {"file": SEMEVAL_TRAIN, "sentences": len(out) + sum(skipped.values()),
                        "skipped": dict(skipped)}
    return out


def asap(corpora, stats):
    out, skipped = [], collections.Counter()
    for rel in ASAP_FILES:
        for row in read_csv(os.path.join(corpora, rel)):
            deps = {asap_department(a) for a, v in row.items()
                    if a not in ("index", "reviewbody", "star") and v and int(float(v)) == -1}
            if len(deps) == 1:
                out.append({"text": row["reviewbody"], "label": deps.pop(), "source": "asap"})
            else:
                skipped["no negative aspect" if not deps else "several departments"] += 1
    stats["asap"] = {"files": list(ASAP_FILES), "skipped": dict(skipped)}
    return out


def maalej(corpora, stats):
    out = []
    for row in read_jsonl(os.path.join(corpora, MAALEJ)):
        if row["label"] != "Bug":
            continue
        title = (row.get("title") or "").strip()
        comment = (row.get("comment") or "").strip()
        text = f"{title}. {comment}" if title else comment
        if text:
            out.append({"text": text, "label": "tech", "source": "maalej"})
    stats["maalej"] = {"file": MAALEJ, "bug_rows": len(out)}
    return out


# --- the rules' owners --------------------------------------------------------------------

def rule_owners(fankui, texts, work):
    """{text: (department id, confidence, fallback, evidence)} by `fankui analyze` (default
    configuration); (None, 0, False, []) when the record needs no owner (praise, small talk).
    The evidence is the owner's phrases in the record and in its aspects."""
    unique = sorted(set(texts))
    src = os.path.join(work, "rules_in.jsonl")
    dst = os.path.join(work, "rules_out.jsonl")
    with open(src, "w", encoding="utf-8") as f:
        for i, t in enumerate(unique):
            f.write(json.dumps({"id": str(i), "text": t}, ensure_ascii=False) + "\n")
    log(f"running {fankui} analyze on {len(unique)} texts")
    subprocess.run([fankui, "analyze", src, "-o", dst, "-j", "1", "-q"], check=True)
    owners = {}
    with open(dst, encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            d = r.get("department")
            t = unique[int(r["id"])]
            if not d:
                owners[t] = (None, 0.0, False, [])
                continue
            evidence = set(d.get("evidence") or [])
            for a in r.get("aspects") or []:
                if a.get("department") == d["id"]:
                    evidence.update(a.get("evidence") or [])
            owners[t] = (d["id"], d["confidence"], bool(d.get("fallback")), sorted(evidence))
    return owners


def masked(text, evidence):
    """`text` with every evidence phrase replaced by a space (longest first), or None when
    less than MASKED_MIN_CHARS word characters are left."""
    for phrase in sorted(evidence, key=len, reverse=True):
        text = text.replace(phrase, " ")
    text = " ".join(text.split())
    return text if len(norm(text).replace(" ", "")) >= MASKED_MIN_CHARS else None


def negatives(corpora):
    """(source, category or None, text) of every negative-labelled record read for weak
    labels and the shopping source."""
    out = []
    for row in read_csv(os.path.join(corpora, SHOPPING)):
        if row["label"] == "0" and row["review"].strip():
            out.append(("shopping", row["cat"], row["review"]))
    for rel, name in ((WAIMAI, "waimai"), (HOTEL, "hotel"), (WEIBO, "weibo")):
        for row in read_csv(os.path.join(corpora, rel)):
            if row["label"] == "0" and row["review"].strip():
                out.append((name, None, row["review"]))
    for rel in ERNIE:
        for row in read_tsv(os.path.join(corpora, rel)):
            if row["label"].strip() == "0" and row["text_a"].strip():
                out.append(("chnsenticorp", None, row["text_a"]))
    for row in read_tsv(os.path.join(corpora, SST2_TRAIN)):
        if row["label"] == "0" and row["sentence"].strip():
            out.append(("sst2", None, row["sentence"]))
    for row in read_csv(os.path.join(corpora, AMAZON)):
        if row["label"] == "__label__1" and row["text"].strip():
            out.append(("amazon", None, row["text"]))
    return out


def capped(records, cap, rng):
    """At most `cap` of `records`, a seeded sample in a stable order."""
    if len(records) <= cap:
        return list(records)
    return rng.sample(list(records), cap)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpora", help="the shared corpora folder")
    ap.add_argument("--fankui", default="target/release/fankui", help="the fankui binary")
    ap.add_argument("--out", required=True, help="training JSONL to write")
    ap.add_argument("--stats", help="counts as JSON")
    ap.add_argument("--work", help="folder for the rules' run (default: a temporary one)")
    ap.add_argument("--holdout", type=int, choices=range(BUCKETS),
                    help="leave out the texts of this bucket (0-4)")
    args = ap.parse_args()

    rng = random.Random(SEED)
    stats = {"seed": SEED, "weak_min": WEAK_MIN, "holdout": args.holdout,
             "caps": {"shopping_per_category": SHOPPING_CAP_PER_CAT, "sst2": SST2_CAP,
                      "sst2_min_words": SST2_MIN_WORDS, "weak_per_source_department":
                      WEAK_CAP_PER_SOURCE, "weak_per_department": WEAK_CAP}}

    human = semeval(args.corpora, stats) + asap(args.corpora, stats) + maalej(args.corpora, stats)
    negs = negatives(args.corpora)
    with tempfile.TemporaryDirectory() as tmp:
        work = args.work or tmp
        os.makedirs(work, exist_ok=True)
        owners = rule_owners(args.fankui, [t for _, _, t in negs], work)

    # 4. shopping goods -> product, unless the rules place the review elsewhere.
    by_cat = collections.defaultdict(list)
    shop_stats = collections.defaultdict(collections.Counter)
    for source, cat, text in negs:
        if source != "shopping" or cat not in SHOPPING_CATS:
            continue
        dep, conf, fallback, _ = owners[text]
        if dep is not None and not fallback and dep != "product":
            shop_stats[cat]["placed elsewhere by the rules"] += 1
            continue
        shop_stats[cat]["unplaced" if dep is None or fallback else "product by the rules"] += 1
        by_cat[cat].append(text)
    shopping = []
    for cat in SHOPPING_CATS:
        for text in capped(sorted(set(by_cat[cat])), SHOPPING_CAP_PER_CAT, rng):
            shopping.append({"text": text, "label": "product", "source": f"shopping:{cat}"})
    stats["shopping"] = {"file": SHOPPING, "candidates": {c: dict(shop_stats[c]) for c in SHOPPING_CATS}}

    # 5. SST-2 negatives -> product.
    sst2 = sorted({t for s, _, t in negs if s == "sst2" and len(t.split()) >= SST2_MIN_WORDS})
    stats["sst2"] = {"file": SST2_TRAIN, "candidates": len(sst2)}
    sst2 = [{"text": t, "label": "product", "source": "sst2"} for t in capped(sst2, SST2_CAP, rng)]

    # 7. weak labels.
    weak_by = collections.defaultdict(set)
    for source, _, text in negs:
        dep, conf, fallback, _ = owners[text]
        if dep is not None and not fallback and conf >= WEAK_MIN:
            if source == "sst2" and dep != "product":
                # Every SST-2 text is about a film: another owner is a false positive of the
                # taxonomy ("atmosphere" -> retail, "condescending attitude" -> service).
                continue
            weak_by[(source, dep)].add(text)
    stats["weak_candidates"] = {f"{s}:{d}": len(v) for (s, d), v in sorted(weak_by.items())}
    weak_dep = collections.defaultdict(list)
    for (source, dep), texts in sorted(weak_by.items()):
        for text in capped(sorted(texts), WEAK_CAP_PER_SOURCE, rng):
            weak_dep[dep].append({"text": text, "label": dep, "source": f"weak:{source}"})
    weak = []
    for dep in DEPARTMENTS:
        weak += capped(weak_dep[dep], WEAK_CAP, rng)
    # 8. the same weak examples with the owner's phrases masked out.
    mask = []
    for r in weak:
        text = masked(r["text"], owners[r["text"]][3])
        if text:
            mask.append({"text": text, "label": r["label"],
                         "source": "masked:" + r["source"].split(":", 1)[1]})

    # Merge: first label of a text wins, conflicting texts are dropped, --holdout applied.
    first, conflicts = {}, set()
    for r in human + shopping + sst2 + weak + mask:
        key = norm(r["text"])
        if not key:
            continue
        if key in first:
            if first[key]["label"] != r["label"] and first[key]["source"].split(":")[0] not in (
                    "semeval", "asap", "maalej"):
                conflicts.add(key)
            continue
        first[key] = r
    records = [r for k, r in first.items() if k not in conflicts]
    held = 0
    if args.holdout is not None:
        kept = [r for r in records if bucket(r["text"]) != args.holdout]
        held = len(records) - len(kept)
        records = kept
    rng.shuffle(records)

    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")

    by_source = collections.Counter(r["source"].split(":")[0] for r in records)
    by_label = collections.Counter(r["label"] for r in records)
    table = collections.defaultdict(collections.Counter)
    for r in records:
        src = r["source"]
        table[src if src.startswith(("weak:", "masked:")) else src.split(":")[0]][r["label"]] += 1
    stats.update({"written": len(records), "conflicts_dropped": len(conflicts),
                  "held_out": held, "by_source": dict(by_source),
                  "by_label": {d: by_label[d] for d in DEPARTMENTS},
                  "by_source_label": {s: dict(c) for s, c in sorted(table.items())}})
    if args.stats:
        with open(args.stats, "w", encoding="utf-8") as f:
            json.dump(stats, f, ensure_ascii=False, indent=1)
            f.write("\n")
    log(f"wrote {len(records)} examples to {args.out} ({len(conflicts)} conflicting texts "
        f"dropped, {held} held out)")
    for s, c in sorted(table.items()):
        log(f"  {s:18} " + ", ".join(f"{d} {c[d]}" for d in DEPARTMENTS if c[d]))
    log("  total              " + ", ".join(f"{d} {by_label[d]}" for d in DEPARTMENTS))


if __name__ == "__main__":
    main()
