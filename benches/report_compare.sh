#!/usr/bin/env bash
# Report speed and memory against the analysis that produced its input.
#
# Usage: benches/report_compare.sh [--no-build] [--n N]
#
# 1. Builds the 1M-record dump (benches/pipeline_compare/make_dump.py, seed 42) if missing and
#    fits a topic model on its first 100k records (not timed: it only gives the analysed
#    records topics, as a user's would have).
# 2. `fankui analyze DUMP --topics MODEL -o ANALYSED`, then `fankui report ANALYSED -o DIR`,
#    one after the other, both with the default threads, wall time and peak RSS from GNU time.
# 3. `fankui report` over the first 100k analysed records too: peak memory must not grow with
#    the input (a streaming aggregation).
#
# Results: $FANKUI_BENCH_DIR/report/report.md (default FANKUI_BENCH_DIR:
# <repo>/target/bench-data). Needs the corpora (../shared/corpora or FANKUI_CORPORA) to build
# the dump. Exit status: 0 ok, 1 setup error or a failed run.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BENCH_DIR="${FANKUI_BENCH_DIR:-$ROOT/target/bench-data}"
CORPORA="${FANKUI_CORPORA:-$ROOT/../shared/corpora}"
OUT="$BENCH_DIR/report"
TIME=/usr/bin/time
BUILD=1
N=1000000
while [[ $# -gt 0 ]]; do
  case "$1" in
    --no-build) BUILD=0; shift ;;
    --n) N="$2"; shift 2 ;;
    -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument: $1 (try --help)" >&2; exit 2 ;;
  esac
done
log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }
[[ -x "$TIME" ]] && "$TIME" -v true 2>/dev/null || die "GNU time is needed: apt-get install time"
mkdir -p "$OUT"
if [[ $BUILD == 1 ]]; then
  log "cargo build --release"
  (cd "$ROOT" && cargo build --release --quiet)
fi
BIN="${FANKUI_BIN:-$ROOT/target/release/fankui}"

DUMP="$BENCH_DIR/dump_1m.jsonl"
if [[ ! -s "$DUMP" ]]; then
  [[ -d "$CORPORA" ]] || die "corpora folder $CORPORA not found (set FANKUI_CORPORA)"
  python3 "$ROOT/benches/pipeline_compare/make_dump.py" --corpora "$CORPORA" --n 1000000 \
    --seed 42 --out "$DUMP"
fi
INPUT="$OUT/dump.jsonl"
head -n "$N" "$DUMP" > "$INPUT"
log "topic model on the first 100k records (not timed)"
head -n 100000 "$DUMP" > "$OUT/fit.jsonl"
"$BIN" topics fit "$OUT/fit.jsonl" -o "$OUT/topics.json" --quiet

wall() { awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,t,":"); s=0; for(i=1;i<=n;i++) s=s*60+t[i]; print s}' "$1"; }
rss() { awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2/1024}' "$1"; }

log "analyze $N records"
"$TIME" -v "$BIN" analyze "$INPUT" --topics "$OUT/topics.json" -o "$OUT/analysed.jsonl" \
  --rejects /dev/null --quiet 2> "$OUT/analyze.time"
log "report over them"
rm -rf "$OUT/report"
"$TIME" -v "$BIN" report "$OUT/analysed.jsonl" -o "$OUT/report" --quiet 2> "$OUT/report.time"
head -n 100000 "$OUT/analysed.jsonl" > "$OUT/analysed_100k.jsonl"
rm -rf "$OUT/report100k"
"$TIME" -v "$BIN" report "$OUT/analysed_100k.jsonl" -o "$OUT/report100k" --quiet \
  2> "$OUT/report100k.time"

A=$(wall "$OUT/analyze.time"); R=$(wall "$OUT/report.time"); R100=$(wall "$OUT/report100k.time")
MA=$(rss "$OUT/analyze.time"); MR=$(rss "$OUT/report.time"); MR100=$(rss "$OUT/report100k.time")
SIZE=$(du -m "$OUT/analysed.jsonl" | cut -f1)
QUEUE=$(du -cm "$OUT"/report/departments/*.csv "$OUT"/report/departments/*.jsonl | tail -1 | cut -f1)
RATIO=$(echo "scale=4; $R / $A" | bc)
{
  echo "# fankui report vs fankui analyze"
  echo
  echo "$(date -u +%F), $(nproc) cores, $(git -C "$ROOT" rev-parse --short HEAD). Input: the first $N records of"
  echo "the seed-42 dump (make_dump.py), analysed with a topic model fitted on its first 100k."
  echo
  echo "| step | wall s | peak RSS MiB |"
  echo "|---|---:|---:|"
  echo "| analyze $N records (→ ${SIZE} MB JSONL) | $A | $MA |"
  echo "| report over them (queues: ${QUEUE} MB) | $R | $MR |"
  echo "| report over the first 100k | $R100 | $MR100 |"
  echo
  echo "report / analyze wall time: **$RATIO** (bar: at most 0.1)."
} > "$OUT/report.md"
cat "$OUT/report.md"
