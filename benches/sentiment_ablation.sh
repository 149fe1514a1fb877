#!/usr/bin/env bash
# Trainer settings of the linear sentiment model, compared by 5-fold cross-validation on a
# training split only (the test split is never read): which features, hash size, C grid, NB
# weighting and solver passes are worth their cost.
#
# Usage: benches/sentiment_ablation.sh [TRAIN_FILE] [TEXT_FIELD]
#   TRAIN_FILE  labelled training texts (default: the online_shopping_10_cats training split
#               that benches/sentiment_compare.sh writes, 50,218 texts)
#   TEXT_FIELD  its text field (default: review)
#
# Every row is `fankui eval sentiment --cv 5 --seed 42 -j 2` with the options shown: stratified
# folds; inside each fold C is chosen on a stratified 10% of the fold's training part, as
# `fankui train sentiment` does. Results go to $FANKUI_BENCH_DIR/sentiment/ablation/ (default
# FANKUI_BENCH_DIR: <repo>/target/bench-data) and the table is printed. A row whose output is
# there already is not run again; delete the folder to measure again. Each row takes 2–4 min
# on two cores.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BENCH_DIR="${FANKUI_BENCH_DIR:-$ROOT/target/bench-data}"
FANKUI_BIN="${FANKUI_BIN:-${CARGO_TARGET_DIR:-$ROOT/target}/release/fankui}"
TRAIN="${1:-$BENCH_DIR/sentiment/splits/online_shopping/train.csv}"
FIELD="${2:-review}"
case "$TRAIN" in
  -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
esac
[[ -s "$TRAIN" ]] || { echo "no training file $TRAIN (run benches/sentiment_compare.sh first)" >&2; exit 1; }
[[ -x "$FANKUI_BIN" ]] || { echo "no $FANKUI_BIN (cargo build --release)" >&2; exit 1; }
OUT="$BENCH_DIR/sentiment/ablation"
mkdir -p "$OUT"

# name|options (the defaults: --bits 20 --char-ngrams 2 --negation-scope 3 --c 4,8,16,32,64
# --nb on --max-passes 15 --tolerance 0.1)
ROWS=(
  "default|"
  "character 1-3-grams|--char-ngrams 3"
  "character 1-4-grams|--char-ngrams 4"
  "2^22 buckets|--bits 22"
  "character 1-3-grams, 2^22 buckets|--char-ngrams 3 --bits 22"
  "no NB weighting|--nb off --c 2,4,8,16,32,64"
  "smaller C (1, 2, 4, 8)|--c 1,2,4,8"
  "solver to convergence (60 passes, tolerance 0.01)|--max-passes 60 --tolerance 0.01"
  "no negation marking|--negation-scope 0"
  "no word bigrams|--no-word-bigrams"
)

printf '| settings | options | CV accuracy %% (mean ± sd over folds) | seconds |\n|---|---|---|---|\n'
for row in "${ROWS[@]}"; do
  name="${row%%|*}"
  opts="${row#*|}"
  file="$OUT/$(printf '%s' "$name" | tr -c 'A-Za-z0-9' '_').json"
  if [[ ! -s "$file" ]]; then
    start=$SECONDS
    # shellcheck disable=SC2086 # the options are words
    "$FANKUI_BIN" eval sentiment --cv 5 --seed 42 -j 2 --data "$TRAIN" --text-field "$FIELD" \
      --json $opts > "$file.tmp" 2> "$file.log"
    python3 - "$file.tmp" "$((SECONDS - start))" > "$file" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["seconds"] = int(sys.argv[2])
print(json.dumps(d))
PY
    rm -f "$file.tmp"
  fi
  python3 - "$file" "$name" "$opts" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
opts = f"`{sys.argv[3]}`" if sys.argv[3] else "—"
print(f"| {sys.argv[2]} | {opts} | {100 * d['mean_accuracy']:.2f} ± {100 * d['sd_accuracy']:.2f} | {d['seconds']} |")
PY
done
