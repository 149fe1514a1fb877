#!/usr/bin/env bash
# The neutral band of the shipped sentiment model, measured on the two three-class sets the
# shared corpora have (SemEval-2014 restaurant sentences, ASAP review stars; see
# benches/sentiment_compare/neutral_data.py): accuracy and macro-F1 for each band.
#
# Usage: benches/neutral_band.sh   (needs python3 and target/release/fankui)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CORPORA="${FANKUI_CORPORA:-$ROOT/../shared/corpora}"
OUT="${FANKUI_BENCH_DIR:-$ROOT/target/bench-data}/sentiment/neutral"
FANKUI_BIN="${FANKUI_BIN:-${CARGO_TARGET_DIR:-$ROOT/target}/release/fankui}"
[[ -x "$FANKUI_BIN" ]] || { echo "no $FANKUI_BIN: run cargo build --release" >&2; exit 1; }

python3 "$ROOT/benches/sentiment_compare/neutral_data.py" "$CORPORA" "$OUT" >&2
echo "| band | SemEval acc % | SemEval macro-F1 % | ASAP acc % | ASAP macro-F1 % |"
echo "|---|---|---|---|---|"
for band in 0 0.1 0.2 0.3 0.4 0.5 0.6 0.7; do
  row="| $band"
  for set in semeval asap; do
    row+=$("$FANKUI_BIN" eval sentiment --model default --data "$OUT/${set}_3class.jsonl" \
             --neutral-band "$band" --json |
           python3 -c 'import json,sys; d=json.load(sys.stdin); print(" | %.2f | %.2f" % (100*d["accuracy"], 100*d["macro_f1"]), end="")')
  done
  echo "$row |"
done
