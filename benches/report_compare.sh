#!/usr/bin/env bash
# Report speed and memory against the analysis that produced its input.
#
# Usage: benches/report_compare.sh [--no-build] [--n N] [--rounds R]
#
# 1. Builds the 1M-record dump (benches/pipeline_compare/make_dump.py, seed 42) if missing and
#    fits a topic model on its first 100k records (not timed: it only gives the analysed
#    records topics, as a user's would have).
# 2. Round 0, then R timed rounds (default 3): `fankui analyze DUMP --topics MODEL -o
#    ANALYSED`, then `fankui report ANALYSED -o DIR`, both with the default threads, wall and
#    CPU time and peak RSS from GNU time. Before each command the dirty pages of the one
#    before are written out (`sync`, not timed), so neither pays for the other's write-back.
#    Round 0 is the first time the outputs' page cache is touched; on a virtual machine whose
#    memory was never used, that costs the host's first-touch faults (seconds of system time
#    per GB), so round 0 is shown apart and the ratio is taken from the medians of the others.
#    A last round without the `sync`s (the report right after `analyze`, while the kernel
#    writes out what `analyze` left dirty) is shown for comparison, outside the medians.
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
ROUNDS=3
while [[ $# -gt 0 ]]; do
  case "$1" in
    --no-build) BUILD=0; shift ;;
    --n) N="$2"; shift 2 ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    -h|--help) sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
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
cpu() { awk -F': ' '/User time/ {u=$2} /System time/ {s=$2} END {printf "%.2f + %.2f", u, s}' "$1"; }
rss() { awk -F': ' '/Maximum resident set size/ {printf "%.0f\n", $2/1024}' "$1"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.3f", a / b}'; }
median() { sort -g | awk '{v[NR]=$1} END {if (NR%2) print v[(NR+1)/2]; else printf "%.2f\n", (v[NR/2]+v[NR/2+1])/2}'; }

ROWS=""
for ((r = 0; r <= ROUNDS + 1; r++)); do
  # Round ROUNDS + 1 runs without the syncs.
  synced() { if ((r <= ROUNDS)); then sync; fi; }
  label=$r; ((r <= ROUNDS)) || label="no sync"
  log "round $label: analyze $N records"
  synced
  "$TIME" -v "$BIN" analyze "$INPUT" --topics "$OUT/topics.json" -o "$OUT/analysed.jsonl" \
    --rejects /dev/null --quiet 2> "$OUT/analyze.$r.time"
  log "round $label: report over them"
  rm -rf "$OUT/report"
  synced
  "$TIME" -v "$BIN" report "$OUT/analysed.jsonl" -o "$OUT/report" --quiet \
    2> "$OUT/report.$r.time"
  A=$(wall "$OUT/analyze.$r.time"); R=$(wall "$OUT/report.$r.time")
  ROWS+="| $label | $A | $(cpu "$OUT/analyze.$r.time") | $(rss "$OUT/analyze.$r.time") | $R | $(cpu "$OUT/report.$r.time") | $(rss "$OUT/report.$r.time") | $(ratio "$R" "$A") |"$'\n'
done
A=$(for ((r = 1; r <= ROUNDS; r++)); do wall "$OUT/analyze.$r.time"; done | median)
R=$(for ((r = 1; r <= ROUNDS; r++)); do wall "$OUT/report.$r.time"; done | median)
head -n 100000 "$OUT/analysed.jsonl" > "$OUT/analysed_100k.jsonl"
rm -rf "$OUT/report100k"
sync
"$TIME" -v "$BIN" report "$OUT/analysed_100k.jsonl" -o "$OUT/report100k" --quiet \
  2> "$OUT/report100k.time"
R100=$(wall "$OUT/report100k.time"); MR100=$(rss "$OUT/report100k.time")
MR=$(for ((r = 1; r <= ROUNDS; r++)); do rss "$OUT/report.$r.time"; done | sort -g | tail -1)
SIZE=$(du -m "$OUT/analysed.jsonl" | cut -f1)
QUEUE=$(du -cm "$OUT"/report/departments/*.csv "$OUT"/report/departments/*.jsonl | tail -1 | cut -f1)
RATIO=$(ratio "$R" "$A")
{
  echo "# fankui report vs fankui analyze"
  echo
  echo "$(date -u +%F), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $(git -C "$ROOT" rev-parse --short HEAD)."
  echo "Input: the first $N records of the seed-42 dump (make_dump.py, analysed output ${SIZE} MB),"
  echo "analysed with a topic model fitted on its first 100k; department queues ${QUEUE} MB."
  echo
  echo "| round | analyze wall s | analyze CPU s (user + sys) | MiB | report wall s | report CPU s (user + sys) | MiB | report / analyze |"
  echo "|---:|---:|---:|---:|---:|---:|---:|---:|"
  printf '%s' "$ROWS"
  echo
  echo "Round 0 touches the outputs' page cache first; the last round runs without the syncs (see"
  echo "the script's header). Rounds 1–$ROUNDS:"
  echo "median analyze $A s, median report $R s, peak report memory $MR MiB; the report over the"
  echo "first 100k records took $R100 s and $MR100 MiB."
  echo
  echo "report / analyze wall time (medians of rounds 1–$ROUNDS): **$RATIO** (bar: at most 0.1)."
} > "$OUT/report.md"
cat "$OUT/report.md"
