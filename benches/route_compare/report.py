#!/usr/bin/env python3
"""Merge baseline and fankui routing results into report.md and report.json.

Reads ``baseline_<task>.json`` (baselines.py) and the fankui eval outputs the
shell script saves in the results folder:
``fankui_maalej.fold{0..4}.json`` (eval kind), ``fankui_{semeval,asap}.rules.json``
and ``fankui_{semeval,asap}.trained.json`` (eval route), ``fankui_cfpb.fold{0..4}.json``
(eval route), plus ``<name>.train.json`` timings beside them. A fankui system
gets a row only when every fold it needs was scored. The fankui JSON is read
by ``common.fankui_metrics``.
"""
import argparse
import datetime
import json
import os
import platform

from common import (DEPARTMENTS, FOLDS, KIND_MAP, MAALEJ_LABELS, SEED, TASKS, TITLES,
                    average_folds, fankui_metrics, mean, write_json, write_text)

DASH = "—"
FOLDED = ("maalej", "cfpb")
# (system id, label in the tables, fankui file stem without task, or None for the baseline)
SYSTEMS = {
    "maalej": [("fankui_kind", "fankui kind (trained)", ""), ("tfidf_lr", "TF-IDF+LR", None)],
    "semeval": [("fankui_rules", "fankui rules (default taxonomy)", ".rules"),
                ("fankui_route", "fankui route (trained)", ".trained"),
                ("tfidf_lr", "TF-IDF+LR", None),
                ("tfidf_lr_nonempty", "TF-IDF+LR, texts with non-empty gold", None)],
    "cfpb": [("fankui_route", "fankui route (trained)", ""), ("tfidf_lr", "TF-IDF+LR", None)],
}
SYSTEMS["asap"] = SYSTEMS["semeval"]


def pct(x):
    return DASH if x is None else f"{100 * x:.2f}"


def secs(x):
    return DASH if x is None else f"{x:.1f}"


def n(x):
    return DASH if x is None else f"{x:,}"


def md_table(header, rows):
    out = ["| " + " | ".join(header) + " |",
           "|" + "|".join("---" if i == 0 else "---:" for i in range(len(header))) + "|"]
    out += ["| " + " | ".join(row) + " |" for row in rows]
    return out


def load_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def train_seconds(results_dir, stem):
    path = os.path.join(results_dir, f"{stem}.train.json")
    return load_json(path).get("seconds") if os.path.exists(path) else None


def gold_labels(task, stats):
    """The classes with gold support in a task's test file(s)."""
    if task == "maalej":
        return list(MAALEJ_LABELS)
    if task == "cfpb":
        return list(stats["cfpb"]["labels"])
    return [d for d, count in stats[task]["test"]["departments"].items() if count]


def same_macro(scores, gold):
    """Recompute fankui's macro-F1 the way the baselines' is defined: the mean F1
    over the classes in `gold` (those with gold support in the test file; one
    fankui does not list counts as F1 0, one it lists beyond them, e.g. the
    taxonomy's logistics and tech, does not count). Its own figure is kept as
    ``macro_f1_fankui``; it is used as is when fankui's classes carry no F1."""
    classes = scores["classes"]
    if classes and all(c.get("f1") is not None for c in classes.values()):
        scores["macro_f1_fankui"] = scores["macro_f1"]
        scores["macro_f1"] = mean((classes.get(label) or {}).get("f1", 0.0) for label in gold)


def load_fankui(results_dir, task, suffix, stats):
    """One fankui system's scores on a task (folds averaged), or None."""
    label_map = {v: k for k, v in KIND_MAP.items()} if task == "maalej" else None
    stems = ([f"fankui_{task}{suffix}.fold{k}" for k in range(FOLDS)] if task in FOLDED
             else [f"fankui_{task}{suffix}"])
    folds = []
    for stem in stems:
        path = os.path.join(results_dir, f"{stem}.json")
        scores = fankui_metrics(path, label_map) if os.path.exists(path) else None
        if scores is None:
            return None
        scores["train_seconds"] = train_seconds(results_dir, stem)
        same_macro(scores, gold_labels(task, stats))
        folds.append(scores)
    if len(folds) == 1:
        res = dict(folds[0])
    else:
        res = average_folds(folds)
        res["folds"] = folds
    times = [f["train_seconds"] for f in folds]
    res["train_seconds"] = mean(times) if all(t is not None for t in times) else None
    return res


def load_results(results_dir, stats):
    """{task: {system id: scores}} and the baselines' package versions."""
    by_task, packages = {t: {} for t in TASKS}, {}
    for task in TASKS:
        path = os.path.join(results_dir, f"baseline_{task}.json")
        if os.path.exists(path):
            data = load_json(path)
            packages.update(data["packages"])
            res = data["results"][0]
            res["train_seconds"] = (mean(f["fit_seconds"] for f in res["folds"]) if "folds" in res
                                    else res["fit_seconds"])
            by_task[task]["tfidf_lr"] = res
            if "nonempty" in res:
                by_task[task]["tfidf_lr_nonempty"] = dict(res["nonempty"], train_seconds=None)
        for system, _, suffix in SYSTEMS[task]:
            if suffix is not None:
                res = load_fankui(results_dir, task, suffix, stats)
                if res is not None:
                    by_task[task][system] = res
    return by_task, packages


def class_f1(res, label):
    c = (res or {}).get("classes", {}).get(label)
    return None if c is None else c.get("f1")


def summary_table(task, results):
    multi = task in ("semeval", "asap")
    header = ["system", "records", "macro-F1 %"]
    header += ["micro-F1 %", "exact-set acc %"] if multi else ["accuracy %"]
    if task == "maalej":
        header.append("Bug (complaint) F1 %")
    header.append("train s" + (" (mean per fold)" if task in FOLDED else ""))
    rows = []
    for system, label, _ in SYSTEMS[task]:
        r = results.get(system)
        row = [label, n(r.get("records")) if r else DASH, pct(r and r.get("macro_f1"))]
        row += ([pct(r and r.get("micro_f1")), pct(r and r.get("accuracy"))] if multi
                else [pct(r and r.get("accuracy"))])
        if task == "maalej":
            row.append(pct(class_f1(r, "Bug")))
        row.append(secs(r and r.get("train_seconds")))
        rows.append(row)
    return md_table(header, rows)


def labels_of(task, results, stats):
    if task == "maalej":
        labels = list(MAALEJ_LABELS)
    elif task == "cfpb":
        labels = list(stats["cfpb"]["labels"])
    else:
        labels = list(DEPARTMENTS)
    for r in results.values():  # any extra class fankui reports
        labels += [label for label in r.get("classes", {}) if label not in labels]
    return labels


def class_table(task, results, stats):
    systems = [(s, label) for s, label, _ in SYSTEMS[task] if s in results]
    if not systems:
        return [f"No results for {task}."]
    ref = results.get("tfidf_lr") or results[systems[0][0]]
    header = ["class", "test support"] + [f"{label} F1 %" for _, label in systems]
    rows = []
    for label in labels_of(task, results, stats):
        name = f"{label} ({KIND_MAP[label]})" if label in KIND_MAP and task == "maalej" else label
        support = (ref.get("classes", {}).get(label) or {}).get("support")
        rows.append([name, n(support)] + [pct(class_f1(results[s], label)) for s, _ in systems])
    return md_table(header, rows)


def confusion_table(res):
    conf = res["confusion"]
    return md_table(["gold \\ predicted"] + conf["labels"],
                    [[g] + [n(v) for v in row] for g, row in zip(conf["labels"], conf["matrix"])])


def counts_lines(stats):
    m, s, a, c = (stats[t] for t in TASKS)
    fold_rows = lambda st, part: "–".join(  # noqa: E731
        n(f(p[part]["rows"] for p in st["folds"])) for f in (min, max))
    deps = lambda st: ", ".join(f"{d} {n(st['departments'][d])}" for d in DEPARTMENTS)  # noqa: E731
    lines = [
        f"* Seed {SEED} wherever folds are drawn. Files and counts: `data/stats.json`.",
        f"* **Maalej**: {n(m['rows'])} rows ({n(m['dropped_empty'])} with empty title and comment "
        f"dropped), {n(m['texts'])} distinct normalised texts, {n(m['multi_label_texts'])} with "
        f"more than one label; labels " + ", ".join(f"{k} {n(v)}" for k, v in m["labels"].items())
        + f". {m['protocol']}: test {fold_rows(m, 'test')} rows per fold; no test text in its "
        "train file. A text with k labels is k test rows and gets one answer.",
        f"* **SemEval**: train {n(s['train']['rows'])} sentences ({deps(s['train'])}; "
        f"{n(s['train']['no_department'])} with none), test {n(s['test']['rows'])} ({deps(s['test'])}; "
        f"{n(s['test']['no_department'])} with none). food → product, service → customer_service, "
        "price → marketing, ambience → retail, anecdotes/miscellaneous → none.",
        f"* **ASAP**: train {n(a['train']['rows'])} + dev {n(a['dev']['rows'])} "
        f"({deps(a['train'])} / {deps(a['dev'])}), test {n(a['test']['rows'])} ({deps(a['test'])}); "
        "a department is present when any of its aspects is mentioned (≠ -2). Tiny: one text "
        "moves a per-department F1 by about a point.",
        f"* **CFPB**: {n(c['rows'])} complaints with a narrative, legacy product names merged "
        f"({'; '.join(f'{k} → {v}' for k, v in c['product_map'].items())}); {c['protocol']}; "
        f"test {fold_rows(c, 'test')} per fold. Not grouped: "
        f"{sum(p['test_in_train'] for p in c['folds'])} test rows over the 5 folds have a "
        "narrative that also occurs in their train file.",
    ]
    return lines


def protocol_lines():
    return [
        "* TF-IDF+LR: scikit-learn `TfidfVectorizer(ngram_range=(1,2), sublinear_tf=True, min_df=1)` "
        "(English: default lower-casing and token pattern; Chinese: `jieba.lcut` on the lower-cased "
        "text) + `LogisticRegression(max_iter=2000)`, default C = 1, no tuning. Multi-label: "
        "`OneVsRestClassifier`, a department predicted when its probability ≥ 0.5 (a text may get "
        "none). ASAP trains on train + dev.",
        "* Single-label (Maalej, CFPB): macro-F1 = unweighted mean of every class's F1, accuracy = "
        "correct / test rows, both the mean over the 5 folds; per-class F1 is the fold mean too.",
        "* Multi-label (SemEval, ASAP): per department P/R/F1 from TP/FP/FN summed over the test "
        "texts; macro-F1 over the departments in the test gold; micro-F1 from the summed counts; "
        "exact-set accuracy = texts whose predicted set equals the gold set. \"Non-empty gold\" "
        "rescores the same predictions on the texts with at least one gold department.",
        "* fankui: Maalej `fankui train kind --label-map Bug=complaint,Feature=suggestion,"
        "UserExperience=other,Rating=praise` per fold, then `fankui eval kind --json`; SemEval / "
        "ASAP `fankui eval route --model rules` (default taxonomy, no training) and `fankui train "
        "route` on train (ASAP: train + dev) + `eval route`; CFPB `train route --label-field "
        "product` per fold. fankui's figures are its own `--json` metrics (fold means where there "
        "are folds), except macro-F1, recomputed from its per-class F1 over the classes with gold "
        "support, a class it does not list counting as 0 (its own figure is `macro_f1_fankui` in report.json); its train time is the "
        "whole process's wall clock, the baseline's the vectorizer + LR fit alone.",
    ]


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
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--stats", required=True, help="data/stats.json from prepare.py")
    ap.add_argument("--results-dir", required=True, help="baseline_*.json and fankui_*.json")
    ap.add_argument("--fankui-status", default="not run")
    ap.add_argument("--fankui-version", default="")
    ap.add_argument("--out-dir", required=True, help="where report.md and report.json go")
    args = ap.parse_args()

    stats = load_json(args.stats)
    by_task, packages = load_results(args.results_dir, stats)
    generated = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    fankui = (f"{args.fankui_version} ({args.fankui_status})" if args.fankui_version
              else args.fankui_status)
    md = [
        "# Kind and routing: fankui vs TF-IDF + logistic regression",
        "",
        f"Generated {generated} on {cpu_name()} ({os.cpu_count()} CPUs), Python "
        f"{platform.python_version()}. fankui: {fankui}.",
        "",
        f"Scores in %; {DASH} = not run or not applicable.",
    ]
    for task in TASKS:
        results = by_task[task]
        md += ["", f"## {TITLES[task]}", "", *summary_table(task, results), "",
               "Per-class F1:", "", *class_table(task, results, stats)]
        if task == "maalej" and "tfidf_lr" in results:
            md += ["", "TF-IDF+LR confusion matrix, summed over the 5 folds:", "",
                   *confusion_table(results["tfidf_lr"])]
    md += ["", "## Data", "", *counts_lines(stats), "", "## Protocol", "", *protocol_lines(),
           "", "## Versions", "",
           *md_table(["package", "version"],
                     [["python", platform.python_version()]]
                     + [[k, v] for k, v in sorted(packages.items())] + [["fankui", fankui]])]
    text = "\n".join(md) + "\n"
    print(text, end="")
    write_text(os.path.join(args.out_dir, "report.md"), text)
    write_json(os.path.join(args.out_dir, "report.json"), {
        "generated": generated,
        "cpu": cpu_name(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "packages": packages,
        "fankui": {"status": args.fankui_status, "version": args.fankui_version},
        "data": stats,
        "results": {task: by_task[task] for task in TASKS},
    })


if __name__ == "__main__":
    main()
