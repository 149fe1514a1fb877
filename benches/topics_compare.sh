#!/usr/bin/env bash
# Topic quality against scikit-learn LDA, and topic speed at scale.
#
# Usage: benches/topics_compare.sh [--no-build] [--skip-1m]
#
# 1. Quality: a 20k sample of online_shopping_10_cats (seed 42, sample.py);
#    `fankui eval topics --fit` (automatic k) fitted twice (the two models must
#    be identical) and scored; scikit-learn LDA (k = 10, jieba tokens, lda.py)
#    scored by the same `fankui eval topics --listing` and cross-checked by
#    metrics.py, an independent Python implementation of the metrics.
# 2. Scale: `fankui analyze` and `fankui topics fit` over the same 1M-record
#    dump (benches/pipeline_compare/make_dump.py, seed 42), wall time and peak
#    RSS from GNU time; then `fankui analyze` over the first 100k records with
#    and without `--topics` (the 1M model), one after the other, three times.
#
# Results: $FANKUI_BENCH_DIR/topics/report.md (default FANKUI_BENCH_DIR:
# <repo>/target/bench-data). Needs python3 with venv and PyPI for the LDA venv
# ($FANKUI_BENCH_DIR/venv-topics) and the corpora (../shared/corpora or
# FANKUI_CORPORA). Exit status: 0 ok, 1 setup error or a failed run.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HELPERS="$ROOT/benches/topics_compare"
BENCH_DIR="${FANKUI_BENCH_DIR:-$ROOT/target/bench-data}"
CORPORA="${FANKUI_CORPORA:-$ROOT/../shared/corpora}"
OUT="$BENCH_DIR/topics"
TIME=/usr/bin/time
BUILD=1
SKIP_1M=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --no-build) BUILD=0; shift ;;
    --skip-1m) SKIP_1M=1; shift ;;
    -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument: $1 (try --help)" >&2; exit 2 ;;
  esac
done
log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }
[[ -d "$CORPORA" ]] || die "corpora folder $CORPORA not found (set FANKUI_CORPORA)"
[[ -x "$TIME" ]] && "$TIME" -v true 2>/dev/null || die "GNU time is needed: apt-get install time"
mkdir -p "$OUT"
if [[ $BUILD == 1 ]]; then
  log "cargo build --release"
  (cd "$ROOT" && cargo build --release --quiet)
fi
BIN="${FANKUI_BIN:-$ROOT/target/release/fankui}"

VENV="$BENCH_DIR/venv-topics"
PY="$VENV/bin/python"
PY_DEPS=(jieba==0.42.1 scikit-learn==1.9.1 numpy==2.4.6 scipy==1.17.1)
[[ -x "$PY" ]] || python3 -m venv "$VENV" || die "python3 -m venv failed (apt-get install python3-venv)"
STAMP="$VENV/.fankui-deps"
if [[ "$(cat "$STAMP" 2>/dev/null || true)" != "${PY_DEPS[*]}" ]]; then
  log "installing ${PY_DEPS[*]}"
  "$PY" -m pip install --quiet --disable-pip-version-check "${PY_DEPS[@]}"
  printf '%s' "${PY_DEPS[*]}" > "$STAMP"
fi

# 1. Quality on the 20k sample.
SAMPLE="$OUT/sample20k.jsonl"
[[ -s "$SAMPLE" ]] || "$PY" "$HELPERS/sample.py" --corpora "$CORPORA" --n 20000 --seed 42 --out "$SAMPLE"
if [[ ! -s "$OUT/lda.json" ]]; then
  log "scikit-learn LDA on the sample"
  "$PY" "$HELPERS/lda.py" --data "$SAMPLE" --text-field text --k 10 --seed 42 \
    --stopwords "$ROOT/models/stopwords/zh.txt" --out "$OUT/lda.json"
fi
"$PY" "$HELPERS/metrics.py" --data "$SAMPLE" --text-field text --label-field category \
  --listing "$OUT/lda.json" > "$OUT/lda.metrics.py.json"
"$BIN" eval topics --data "$SAMPLE" --listing "$OUT/lda.json" --label-field category --json \
  > "$OUT/lda.metrics.json"
log "fankui topics on the sample (twice)"
for run in 1 2; do
  "$BIN" eval topics --data "$SAMPLE" --fit --save "$OUT/fankui.$run.json" --label-field category \
    --json > "$OUT/fankui.metrics.$run.json"
done
cmp -s "$OUT/fankui.1.json" "$OUT/fankui.2.json" && IDENTICAL=yes || IDENTICAL=no
"$BIN" eval topics --data "$SAMPLE" --fit --k 10 --label-field category --json > "$OUT/fankui.k10.metrics.json"

# 2. Scale.
if [[ $SKIP_1M == 0 ]]; then
  DUMP="$BENCH_DIR/dump_1m.jsonl"
  [[ -s "$DUMP" ]] || python3 "$ROOT/benches/pipeline_compare/make_dump.py" --corpora "$CORPORA" \
    --n 1000000 --seed 42 --out "$DUMP"
  log "analyze 1M"
  "$TIME" -v "$BIN" analyze "$DUMP" -o /dev/null --rejects /dev/null --quiet 2> "$OUT/analyze1m.time"
  log "topics fit 1M"
  "$TIME" -v "$BIN" topics fit "$DUMP" -o "$OUT/topics1m.json" --quiet 2> "$OUT/fit1m.time"
  head -n 100000 "$DUMP" > "$OUT/dump_100k.jsonl"
  : > "$OUT/assign.times"
  for r in 1 2 3; do
    for mode in plain topics; do
      extra=()
      [[ $mode == topics ]] && extra=(--topics "$OUT/topics1m.json")
      s=$(date +%s.%N)
      "$BIN" analyze "$OUT/dump_100k.jsonl" -o /dev/null --rejects /dev/null --quiet -j 1 "${extra[@]}"
      e=$(date +%s.%N)
      echo "$mode $r $(echo "$e - $s" | bc)" >> "$OUT/assign.times"
    done
  done
fi
python3 "$HELPERS/report.py" --dir "$OUT" --identical "$IDENTICAL" > "$OUT/report.md"
cat "$OUT/report.md"
