#!/usr/bin/env python3
"""Merge baseline and fankui sentiment results into report.md and report.json."""
import argparse
import datetime
import json
import os
import platform
import sys

from common import AMAZON_FOLDS, BY_NAME, CORPORA, SEED, mean, write_json, write_text
from baselines import C_GRID
from fasttext_eval import PARAMS as FASTTEXT_PARAMS

SYSTEMS = [
    ("fankui_linear", "fankui linear"),
    ("fankui_lexicon", "fankui lexicon"),
    ("tfidf_lr_word", "TF-IDF+LR word"),
    ("tfidf_lr_char", "TF-IDF+LR char"),
    ("fasttext", "fastText"),
    ("snownlp", "SnowNLP"),
]
TIMING_ORDER = ["online_shopping", "chnsenticorp", "waimai", "sst2"]
DASH = "—"


def first_object(path, key):
    """The first JSON object holding `key` in a file; log lines around it are tolerated."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    dec = json.JSONDecoder()
    for i, ch in enumerate(text):
        if ch != "{":
            continue
        try:
            obj, _ = dec.raw_decode(text, i)
        except ValueError:
            continue
        if isinstance(obj, dict) and key in obj:
            return obj
    print(f"warning: no JSON object with {key!r} in {path}", file=sys.stderr)
    return None


def fold_names(corpus):
    if corpus == "amazon":
        return [f"amazon.fold{k}" for k in range(1, AMAZON_FOLDS + 1)]
    return [corpus]


def load_fankui(fk_dir):
    """fankui's results rows and train timings, read from fk_dir.

    The shell script writes ``NAME.linear.json`` / ``NAME.lexicon.json`` (eval
    output) and ``NAME.train.json`` (wall time) per corpus or Amazon fold, and
    only when the command succeeded. A corpus gets a row only when every one of
    its folds was scored.
    """
    def load(name, suffix, key):
        path = os.path.join(fk_dir, f"{name}.{suffix}.json")
        return first_object(path, key) if os.path.exists(path) else None

    rows, train = [], {}
    for c in CORPORA:
        names = fold_names(c.name)
        for name in names:
            seconds = load(name, "train", "seconds")
            if seconds is not None:
                train[name] = seconds
        for kind in ("linear", "lexicon"):
            folds = [load(name, kind, "accuracy") for name in names]
            if all(folds):
                rows.append({
                    "system": f"fankui_{kind}", "corpus": c.name, "folds": folds,
                    "accuracy": mean(f["accuracy"] for f in folds),
                    "macro_f1": mean(f["macro_f1"] for f in folds),
                })
    return rows, train


def pct(x):
    return DASH if x is None else f"{100 * x:.2f}"


def secs(x):
    return DASH if x is None else f"{x:.1f}"


def md_table(header, rows):
    out = ["| " + " | ".join(header) + " |",
           "|" + "|".join("---" if i == 0 else "---:" for i in range(len(header))) + "|"]
    out += ["| " + " | ".join(row) + " |" for row in rows]
    return out


def n(x):
    return f"{x:,}"


def split_sizes(stats):
    pairs = stats.get("folds", [stats])
    train = [p["train"]["rows"] for p in pairs]
    test = [p["test"]["rows"] for p in pairs]
    if len(pairs) == 1:
        return n(train[0]), n(test[0])
    return f"{n(train[0])}×{len(pairs)}", f"{n(test[0])}×{len(pairs)}"


def neutral_share(folds):
    """Share of test records fankui answered ``neutral``, from its confusion matrices
    (``{"labels": [...], "matrix": rows = gold, columns = predicted}``); None when a
    fold has no matrix in that shape."""
    answered = records = 0
    for fold in folds:
        conf = fold.get("confusion")
        if not (isinstance(conf, dict) and "labels" in conf and "matrix" in conf and fold.get("records")):
            return None
        if "neutral" in conf["labels"]:
            j = conf["labels"].index("neutral")
            answered += sum(row[j] for row in conf["matrix"])
        records += fold["records"]
    return answered / records


def protocol_lines(manifest, results):
    sp = manifest["corpora"]
    chn, wm, osh, sst, amz = (sp[k] for k in ("chnsenticorp", "waimai", "online_shopping", "sst2", "amazon"))
    lines = [
        f"* Seed {SEED} wherever a split or fold is drawn. Every system trains and is scored on "
        "the same files; labels 0/1 (Amazon `__label__1`/`__label__2`) = negative/positive.",
        f"* **ChnSentiCorp**: {chn['protocol']}; train `train.tsv` ({n(chn['train']['rows'])}) → "
        f"test `test.tsv` ({n(chn['test']['rows'])}). Only fankui also reads `dev.tsv` (`--dev`, "
        "for its own tuning); nothing trains on online_shopping or htl_all, which contain "
        f"ChnSentiCorp. As distributed, {chn['test_in_train']} test rows have a text also in train "
        f"and {chn['dev']['in_test']} dev rows a text also in test; "
        f"{chn['labels_with_spaces']} label(s) padded with spaces read after stripping.",
    ]
    for title, s in (("waimai_10k", wm), ("online_shopping_10_cats", osh)):
        lines.append(
            f"* **{title}**: {s['protocol']} after dropping {s['dropped_empty']} empty review(s); "
            f"train {n(s['train']['rows'])} → test {n(s['test']['rows'])}; "
            f"{s['test_in_train']} test rows have a text also in train.")
    lines += [
        f"* **SST-2**: {sst['protocol']} ({n(sst['train']['rows'])} → {n(sst['test']['rows'])}); "
        "text is already tokenised and lower-cased.",
        f"* **Amazon polarity**: 1,000 rows, {amz['protocol']}; each system trains on 4 folds and is "
        "scored on the fifth; the figures are the mean over the 5 folds.",
        "* Metrics: accuracy = correct / test records; macro-F1 = unweighted mean of the "
        "negative and positive F1.",
        "* fankui linear: `fankui train sentiment --seed 42 -j 2` on the train split, then "
        "`fankui eval sentiment --json` on the test split. fankui lexicon: `--model lexicon` "
        "(built-in lexicon, no training).",
        "* TF-IDF+LR: scikit-learn `TfidfVectorizer(ngram_range=(1,2), sublinear_tf=True)` "
        "(word; Chinese tokenised with `jieba.lcut`, English with the default token pattern, "
        "lower-cased) or `analyzer='char', ngram_range=(1,3)` (char, Chinese only), then "
        "`LogisticRegression(max_iter=2000)`; C from "
        f"{{{', '.join(f'{c:g}' for c in C_GRID)}}} by 5-fold CV (accuracy) on the training "
        "split only, vectorizer refitted inside each CV fold.",
        "* fastText: `train_supervised(" + ", ".join(f"{k}={v}" for k, v in FASTTEXT_PARAMS.items())
        + ")`, other parameters default; Chinese pre-segmented with `jieba.lcut`, space-joined. "
        "With 2 threads its result varies slightly from run to run.",
    ]
    shares = [(BY_NAME[r["corpus"]].title, neutral_share(r["folds"]))
              for r in results if r["system"] == "fankui_lexicon"]
    shares = "; ".join(f"{title} {pct(share)}%" for title, share in shares if share is not None)
    if shares:
        lines.append(
            "* fankui lexicon may answer neutral, which counts as wrong for accuracy; macro-F1 "
            "averages the negative and positive F1 only, so it can exceed accuracy. Share of "
            f"neutral answers: {shares}.")
    snow = [r for r in results if r["system"] == "snownlp"]
    if snow:
        seen = "; ".join(
            f"{BY_NAME[r['corpus']].title} {r['folds'][0]['test_in_snownlp_training']} of "
            f"{n(r['records'])} (accuracy on the rest {pct(r['folds'][0]['unseen']['accuracy'])}%)"
            for r in snow)
        lines.append(
            "* SnowNLP: shipped sentiment model, positive iff `SnowNLP(text).sentiments >= 0.5`, "
            "no training. Its own training data (`sentiment/pos.txt`, `neg.txt`) contains many "
            f"of these test texts, so its figures are optimistic: {seen}.")
    return lines


def accuracy_table(manifest, results):
    by_key = {(r["system"], r["corpus"]): r for r in results}
    rows = []
    for c in CORPORA:
        train, test = split_sizes(manifest["corpora"][c.name])
        row = [c.title, c.lang, train, test]
        for system, _ in SYSTEMS:
            r = by_key.get((system, c.name))
            row.append(DASH if r is None else f"{pct(r['accuracy'])} / {pct(r['macro_f1'])}")
        rows.append(row)
    return md_table(["corpus", "lang", "train", "test"] + [label for _, label in SYSTEMS], rows)


def tfidf_table(results):
    rows = []
    for r in results:
        if not r["system"].startswith("tfidf_lr"):
            continue
        folds = r["folds"]
        cs = ", ".join(f"{f['C']:g}{'*' if f['C'] in (C_GRID[0], C_GRID[-1]) else ''}" for f in folds)
        tok = [f["tokenize_seconds"] for f in folds if f["tokenize_seconds"] is not None]
        rows.append([
            BY_NAME[r["corpus"]].title, r["system"].rsplit("_", 1)[1], cs,
            pct(mean(f["cv_accuracy"] for f in folds)), n(round(mean(f["features"] for f in folds))),
            secs(mean(tok)) if tok else DASH,
            secs(mean(f["search_seconds"] for f in folds)), secs(mean(f["fit_seconds"] for f in folds)),
            f"{pct(r['accuracy'])} / {pct(r['macro_f1'])}",
        ])
    return md_table(["corpus", "variant", "C", "CV acc %", "features", "jieba s", "CV search s",
                     "final fit s", "test acc / F1 %"], rows)


def timing_rows(manifest, results, fk_train):
    by_key = {(r["system"], r["corpus"]): r for r in results}
    rows = []
    for name in TIMING_ORDER:
        ft = by_key.get(("fasttext", name))
        fk = by_key.get(("fankui_linear", name))
        fk_time = fk_train.get(name)
        if ft is None and fk_time is None:
            continue
        ft_fold = ft["folds"][0] if ft else {}
        train_s, seg_s = ft_fold.get("train_seconds"), ft_fold.get("segment_seconds")
        fk_s = fk_time["seconds"] if fk_time else None
        both = fk_s is not None and train_s is not None
        rows.append({
            "corpus": name,
            "train_records": manifest["corpora"][name]["train"]["rows"],
            "fasttext_segment_seconds": seg_s,
            "fasttext_train_seconds": train_s,
            "fasttext_train_cpu_seconds": ft_fold.get("train_cpu_seconds"),
            "fankui_train_seconds": fk_s,
            "fankui_train_cpu_seconds":
                fk_time["user_seconds"] + fk_time["sys_seconds"] if fk_time else None,
            "fankui_over_fasttext_train": fk_s / train_s if both else None,
            "fankui_over_fasttext_segment_and_train": fk_s / (train_s + (seg_s or 0)) if both else None,
            "fasttext_accuracy": ft["accuracy"] if ft else None,
            "fankui_accuracy": fk["accuracy"] if fk else None,
        })
    return rows


def ratio(x):
    return DASH if x is None else f"{x:.2f}"


def wall_cpu(wall, cpu):
    return DASH if wall is None else f"{wall:.1f} (CPU {cpu:.1f})"


def timing_table(rows):
    return md_table(
        ["corpus", "train rows", "fastText jieba s", "fastText train_supervised s",
         "fankui train s (whole process)", "fankui ÷ fastText train", "fankui ÷ (jieba + train)",
         "fastText acc %", "fankui acc %"],
        [[BY_NAME[r["corpus"]].title, n(r["train_records"]), secs(r["fasttext_segment_seconds"]),
          wall_cpu(r["fasttext_train_seconds"], r["fasttext_train_cpu_seconds"]),
          wall_cpu(r["fankui_train_seconds"], r["fankui_train_cpu_seconds"]),
          ratio(r["fankui_over_fasttext_train"]), ratio(r["fankui_over_fasttext_segment_and_train"]),
          pct(r["fasttext_accuracy"]), pct(r["fankui_accuracy"])] for r in rows])


def cpu_name():
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.machine()


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--manifest", required=True, help="splits manifest.json from split.py")
    ap.add_argument("--results", action="append", default=[], help="a baseline helper's output")
    ap.add_argument("--fankui-dir", help="fankui eval/train outputs (only when fankui ran)")
    ap.add_argument("--fankui-status", default="not run")
    ap.add_argument("--fankui-version", default="")
    ap.add_argument("--out-dir", required=True, help="where report.md and report.json go")
    args = ap.parse_args()

    with open(args.manifest, encoding="utf-8") as f:
        manifest = json.load(f)
    results, packages = [], {}
    for path in args.results:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        results += data["results"]
        packages.update(data["packages"])
    fk_train = {}
    if args.fankui_dir:
        fk_rows, fk_train = load_fankui(args.fankui_dir)
        results += fk_rows
    timing = timing_rows(manifest, results, fk_train)

    generated = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    fankui = (f"{args.fankui_version} ({args.fankui_status})" if args.fankui_version
              else args.fankui_status)
    md = [
        "# Sentiment: fankui vs baselines",
        "",
        f"Generated {generated} on {cpu_name()} ({os.cpu_count()} CPUs), Python "
        f"{platform.python_version()}. fankui: {fankui}.",
        "",
        "## Accuracy",
        "",
        "Accuracy / macro-F1 in % on each test split (Amazon: mean over the 5 folds). "
        f"{DASH} = not run or not applicable.",
        "",
        *accuracy_table(manifest, results),
        "",
        *protocol_lines(manifest, results),
        "",
        "## TF-IDF + logistic regression details",
        "",
        "C chosen by CV (one per fold for Amazon; * = at the edge of the grid), mean CV accuracy, "
        "vocabulary size, and seconds: jieba tokenisation of train+test, the whole grid "
        "search (7 C × 5 folds, 2 jobs) and the final refit on the training split.",
        "",
        *tfidf_table(results),
        "",
        "## Training time",
        "",
        "Wall-clock seconds, with user + system CPU seconds in brackets (less sensitive to "
        "other load on the machine); ratios are of wall-clock time. fastText: the "
        "`train_supervised` call alone (it reads its pre-segmented training file); the jieba "
        "segmentation of the same training texts is timed separately. fankui: the whole "
        "`fankui train sentiment -j 2` process (reading the file, segmenting, training, "
        "writing the model).",
        "",
        *timing_table(timing),
        "",
        "## Versions",
        "",
        *md_table(["package", "version"],
                  [["python", platform.python_version()]]
                  + [[k, v] for k, v in sorted(packages.items())]
                  + [["fankui", fankui]]),
    ]
    text = "\n".join(md) + "\n"
    print(text, end="")
    write_text(os.path.join(args.out_dir, "report.md"), text)
    write_json(os.path.join(args.out_dir, "report.json"), {
        "generated": generated,
        "cpu": cpu_name(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "packages": packages,
        "fankui": {"status": args.fankui_status, "version": args.fankui_version,
                   "train": fk_train},
        "splits": manifest,
        "results": results,
        "training_time": timing,
    })


if __name__ == "__main__":
    main()
