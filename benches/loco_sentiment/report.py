#!/usr/bin/env python3
"""The LOCO report: held-out corpus x (fankui current settings, TF-IDF+LR, in-domain figures),
per-language means, and the fankui settings compared by their LOCO means. Writes report.md
and report.json beside data/ and results/, and prints the markdown. Standard library only.

Means are over the two-class corpora of a language; CFPB (one class, all negative) is shown
with the share read negative and stays out of the means. A setting *qualifies* to replace
the current one when it beats it on the zh mean and on the en mean and loses no more than
0.5 point on any held-out corpus, CFPB included.
"""
import argparse
import json
import os

from common import BY_NAME, CORPORA, ONE_CLASS

MAX_LOSS = 0.5  # points, on any held-out corpus
FLAGS = {"current": "(train_default.sh: bits 20, char 1-2-grams, char unigrams, word bigrams, "
                    "negation scope 3, NB on, C from 4-64)",
         "char3": "`--char-ngrams 3`", "neg5": "`--negation-scope 5`", "nboff": "`--nb off`",
         "bits21": "`--bits 21`", "c4": "`--c 4` (C fixed at the grid's smallest)"}


def load(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def neutral_answers(res):
    """Texts a fankui eval answered `neutral` (counted as errors)."""
    conf = res.get("confusion") or {}
    labels = conf.get("labels") or []
    if "neutral" not in labels:
        return 0
    j = labels.index("neutral")
    return sum(row[j] for row in conf.get("matrix") or [])


def pct(x):
    return "—" if x is None else f"{x:.2f}"


def mean(xs):
    xs = [x for x in xs if x is not None]
    return sum(xs) / len(xs) if xs else None


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True, help="the loco folder (data/, results/, models/)")
    ap.add_argument("--settings", nargs="+", default=["current"])
    args = ap.parse_args()
    res_dir = os.path.join(args.out, "results")
    stats = load(os.path.join(args.out, "data", "stats.json")) or {}
    held = stats.get("heldout", {})

    acc, extra = {}, {}
    for s in args.settings:
        for c in CORPORA:
            r = load(os.path.join(res_dir, f"fankui_{s}_{c.name}.json"))
            m = load(os.path.join(args.out, "models", s, f"{c.name}.json"))
            acc[(s, c.name)] = 100 * r["accuracy"] if r else None
            extra[(s, c.name)] = {
                "macro_f1": 100 * r["macro_f1"] if r else None,
                "neutral_answers": neutral_answers(r) if r else None,
                "c": m["selection"]["chosen"]["c"] if m else None,
                "train_seconds": m["seconds"]["total"] if m else None,
            }
    base = {}
    for c in CORPORA:
        r = load(os.path.join(res_dir, f"baseline_{c.name}.json"))
        base[c.name] = 100 * r["accuracy"] if r else None

    langs = ("zh", "en")
    two_class = {l: [c.name for c in CORPORA if c.lang == l and c.name not in ONE_CLASS] for l in langs}

    def lang_mean(s, l):
        vals = [acc.get((s, n)) for n in two_class[l]]
        return None if any(v is None for v in vals) else mean(vals)

    def base_mean(l):
        vals = [base[n] for n in two_class[l]]
        return None if any(v is None for v in vals) else mean(vals)

    out = []
    out.append("| held-out corpus | test texts | training texts (zh + en) | fankui | TF-IDF+LR | "
               "in-domain fankui / TF-IDF+LR (protocol) |")
    out.append("|---|---|---|---|---|---|")
    for l in langs:
        for c in CORPORA:
            if c.lang != l:
                continue
            h = held.get(c.name, {})
            by = h.get("train_by_lang", {})
            tr = f"{h.get('train', 0):,} ({by.get('zh', 0):,} + {by.get('en', 0):,})" if h else "—"
            name = c.title + (" ¹" if c.name in ONE_CLASS else "")
            ind = (f"{c.in_domain[0]:.2f} / {c.in_domain[1]:.2f} ({c.in_domain[2]})"
                   if c.in_domain else "—")
            f = acc.get(("current", c.name))
            b = base.get(c.name)
            fs, bs = pct(f), pct(b)
            if f is not None and b is not None and c.name not in ONE_CLASS:
                fs, bs = (f"**{fs}**", bs) if f > b else ((fs, f"**{bs}**") if b > f else (fs, bs))
            out.append(f"| {name} | {h.get('test', 0):,} | {tr} | {fs} | {bs} | {ind} |")
        m_f, m_b = lang_mean("current", l), base_mean(l)
        mf, mb = pct(m_f), pct(m_b)
        if m_f is not None and m_b is not None:
            mf, mb = (f"**{mf}**", mb) if m_f > m_b else ((mf, f"**{mb}**") if m_b > m_f else (mf, mb))
        ind_vals = [BY_NAME[n].in_domain for n in two_class[l] if BY_NAME[n].in_domain]
        out.append(f"| **mean, {l}** ({len(two_class[l])} corpora) | | | {mf} | {mb} | "
                   f"{'—' if not ind_vals else 'over ' + str(len(ind_vals)) + ' with a figure: ' + pct(mean([v[0] for v in ind_vals])) + ' / ' + pct(mean([v[1] for v in ind_vals]))} |")
    out.append("")
    out.append("¹ All negative (complaints): the figure is the share read negative; not in the mean.")
    neutral = {n: extra[("current", n)]["neutral_answers"] for n in BY_NAME if ("current", n) in extra}
    out.append("")
    out.append("fankui texts answered `neutral` (score exactly 0, counted as errors): "
               + ", ".join(f"{n} {v}" for n, v in neutral.items() if v) if any(neutral.values())
               else "fankui answered `neutral` on no test text (band 0: only a score of exactly 0 is neutral).")

    # Settings comparison.
    out.append("")
    out.append("| setting | " + " | ".join(c.name for c in CORPORA) + " | mean zh | mean en | worst change | qualifies |")
    out.append("|---|" + "---|" * (len(CORPORA) + 4))
    verdicts = {}
    for s in args.settings:
        row = [pct(acc.get((s, c.name))) for c in CORPORA]
        mz, me = lang_mean(s, "zh"), lang_mean(s, "en")
        deltas = [acc[(s, c.name)] - acc[("current", c.name)] for c in CORPORA
                  if acc.get((s, c.name)) is not None and acc.get(("current", c.name)) is not None]
        worst = min(deltas) if deltas and s != "current" else None
        complete = len(deltas) == len(CORPORA)
        if s == "current":
            q = "—"
        elif not complete or mz is None or me is None:
            q = "incomplete"
        else:
            ok = (mz > lang_mean("current", "zh") and me > lang_mean("current", "en")
                  and worst >= -MAX_LOSS)
            q = "yes" if ok else "no"
        verdicts[s] = {"mean_zh": mz, "mean_en": me, "worst_change": worst, "qualifies": q == "yes"}
        label = f"{s} {FLAGS.get(s, '')}"
        out.append(f"| {label} | " + " | ".join(row) + f" | {pct(mz)} | {pct(me)} | "
                   f"{'—' if worst is None else f'{worst:+.2f}'} | {q} |")
    out.append("")
    out.append("C chosen (on the trainer's 10% hold-out of the training data) and training seconds, per held-out corpus:")
    out.append("")
    for s in args.settings:
        parts = []
        for c in CORPORA:
            e = extra[(s, c.name)]
            if e["c"] is not None:
                parts.append(f"{c.name} C {e['c']:g}, {e['train_seconds']:.0f} s")
        out.append(f"- {s}: " + "; ".join(parts))
    qualified = [s for s, v in verdicts.items() if v["qualifies"]]
    best = max(qualified, key=lambda s: verdicts[s]["mean_zh"] + verdicts[s]["mean_en"]) if qualified else None
    out.append("")
    out.append(f"Qualifying setting with the best mean: {best}" if best
               else "No setting qualifies: the current settings stay.")

    md = "\n".join(out) + "\n"
    with open(os.path.join(args.out, "report.md"), "w", encoding="utf-8") as f:
        f.write(md)
    with open(os.path.join(args.out, "report.json"), "w", encoding="utf-8") as f:
        json.dump({"fankui": {f"{s}/{n}": {"accuracy": acc[(s, n)], **extra[(s, n)]} for (s, n) in acc},
                   "tfidf_lr": base, "verdicts": verdicts, "best": best, "heldout": held},
                  f, ensure_ascii=False, indent=2)
    print(md)


if __name__ == "__main__":
    main()
