#!/usr/bin/env bash
# Whole-process throughput and memory of `fankui analyze` on realistic dumps.
#
# Usage: benches/pipeline_compare.sh [--no-build] [--skip-1m] [--repeat K] [--keep-output]
#   --no-build     do not run `cargo build --release` first
#   --skip-1m      skip the 1M-record run (and building its dump)
#   --repeat K     runs per 100k configuration, median wall time reported (default 3)
#   --keep-output  keep the analysis outputs (they are deleted after counting)
#
# Dumps of 100k and 1M feedback records (about 75% Chinese, 25% English, seed 42)
# are sampled from the shared corpora and cached in $FANKUI_BENCH_DIR (default:
# <repo>/target/bench-data, which git ignores); they are rebuilt only when missing.
# Each run is timed with GNU `/usr/bin/time -v`. Results also go to
# $FANKUI_BENCH_DIR/pipeline_compare.json.
#
# Environment: FANKUI_BIN overrides the binary (and implies --no-build);
# FANKUI_CORPORA overrides the corpora folder (default ../shared/corpora).
# Exit status: 0 ok, 1 records lost / a run failed / setup error, 2 usage,
# 3 a performance bar failed (speed-up >= 1.7, peak RSS 1M/100k <= 1.2).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HELPERS="$ROOT/benches/pipeline_compare"
BENCH_DIR="${FANKUI_BENCH_DIR:-$ROOT/target/bench-data}"
CORPORA="${FANKUI_CORPORA:-$ROOT/../shared/corpora}"
TIME=/usr/bin/time
SEED=42

BUILD=1
SKIP_1M=0
REPEAT=3
KEEP=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --no-build) BUILD=0; shift ;;
    --skip-1m) SKIP_1M=1; shift ;;
    --repeat)
      [[ $# -ge 2 && "$2" =~ ^[1-9][0-9]*$ ]] || { echo "--repeat needs a positive number" >&2; exit 2; }
      REPEAT="$2"; shift 2 ;;
    --repeat=*)
      REPEAT="${1#*=}"
      [[ "$REPEAT" =~ ^[1-9][0-9]*$ ]] || { echo "--repeat needs a positive number" >&2; exit 2; }
      shift ;;
    --keep-output) KEEP=1; shift ;;
    -h|--help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument: $1 (try --help)" >&2; exit 2 ;;
  esac
done

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# The dumps are built from real text only; without the corpora there is
# nothing meaningful to measure, so stop rather than invent data.
[[ -d "$CORPORA" ]] || die "corpora folder $CORPORA not found.
  The dumps are sampled from the shared labelled corpora (see its README.md);
  mount them there or set FANKUI_CORPORA=/path/to/corpora."
command -v python3 >/dev/null || die "python3 is needed to build the dumps"
# Bash's `time` keyword has no peak RSS; GNU time's -v has both wall and RSS.
[[ -x "$TIME" ]] && "$TIME" -v true 2>/dev/null \
  || die "$TIME (GNU time, with -v) is needed; on Debian/Ubuntu: apt-get install time"

mkdir -p "$BENCH_DIR"
START=$SECONDS

# 1. Dumps, cached by file name: delete a dump to force a rebuild.
#    make_dump.py writes to a temporary file and renames it, so a file that
#    exists is always complete.
build_dump() { # name records
  local path="$BENCH_DIR/$1"
  if [[ -s "$path" ]]; then
    log "using cached $path"
  else
    log "building $path ($2 records, seed $SEED)"
    python3 "$HELPERS/make_dump.py" --corpora "$CORPORA" --n "$2" --seed "$SEED" --out "$path"
  fi
}
build_dump dump_100k.jsonl 100000
[[ $SKIP_1M -eq 1 ]] || build_dump dump_1m.jsonl 1000000

# 2. Binary. FANKUI_BIN lets the run logic be exercised with a stand-in.
if [[ -n "${FANKUI_BIN:-}" ]]; then
  BIN="$FANKUI_BIN"
  log "using FANKUI_BIN=$BIN (no cargo build)"
else
  BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/fankui"
  if [[ $BUILD -eq 1 ]]; then
    log "cargo build --release"
    (cd "$ROOT" && cargo build --release)
  fi
fi
[[ -x "$BIN" ]] || die "binary $BIN not found or not executable (drop --no-build, or set FANKUI_BIN)"

# 3. Runs. Outputs and logs live under BENCH_DIR; the runs file is rewritten
#    on every invocation so the summary only covers this invocation.
OUT_DIR="$BENCH_DIR/pipeline_out"
LOG_DIR="$BENCH_DIR/pipeline_logs"
mkdir -p "$OUT_DIR" "$LOG_DIR"
RUNS="$LOG_DIR/runs.jsonl"
: > "$RUNS"

# Read the dump once so every timed run starts with it in the page cache;
# otherwise the first run would also measure disk reads.
warm() { cat "$1" > /dev/null; }

run_one() { # label dump threads rep
  local label="$1" dump="$2" threads="$3" rep="$4"
  local tag="$label.t$threads.r$rep"
  local out="$OUT_DIR/$tag.jsonl" rej="$OUT_DIR/$tag.rejects.jsonl"
  local tfile="$LOG_DIR/$tag.time" efile="$LOG_DIR/$tag.stderr"
  rm -f "$out" "$rej"
  log "run $label threads=$threads ($rep)"
  local rc=0
  # GNU time writes its report to -o, so the binary's own stderr stays clean.
  "$TIME" -v -o "$tfile" "$BIN" analyze "$dump" -o "$out" --threads "$threads" --quiet \
    --rejects "$rej" 2> "$efile" || rc=$?
  if [[ $rc -ne 0 ]]; then
    printf '  %s exited with status %d; last stderr lines:\n' "$BIN" "$rc" >&2
    tail -n 5 "$efile" | sed 's/^/    /' >&2
  fi
  python3 "$HELPERS/report.py" record --label "$label" --dump "$dump" --threads "$threads" \
    --rep "$rep" --rc "$rc" --time-file "$tfile" --stderr-file "$efile" \
    --out "$out" --rejects "$rej" >> "$RUNS" || die "could not record run $tag"
  [[ $KEEP -eq 1 ]] || rm -f "$out" "$rej"
  # A failed run makes the timing meaningless; stop there, but still summarise.
  # (errexit is off inside this function because callers use `||`, hence the
  # explicit checks above.)
  return "$rc"
}

FAILED=0
D100K="$BENCH_DIR/dump_100k.jsonl"
warm "$D100K"
# Interleave 1- and 2-thread runs so slow drift (thermal, neighbours) hits both.
for ((r = 1; r <= REPEAT; r++)); do
  run_one 100k "$D100K" 1 "$r" || { FAILED=1; break; }
  run_one 100k "$D100K" 2 "$r" || { FAILED=1; break; }
done
if [[ $SKIP_1M -eq 0 && $FAILED -eq 0 ]]; then
  D1M="$BENCH_DIR/dump_1m.jsonl"
  warm "$D1M"
  run_one 1m "$D1M" 2 1 || FAILED=1
fi

# 4. Table, ratios, JSON. report.py's exit status is the script's.
SUMMARY_ARGS=(--runs "$RUNS" --json "$BENCH_DIR/pipeline_compare.json" --binary "$BIN")
[[ $SKIP_1M -eq 0 ]] || SUMMARY_ARGS+=(--skip-1m)
rc=0
python3 "$HELPERS/report.py" summary "${SUMMARY_ARGS[@]}" || rc=$?
log "done in $((SECONDS - START)) s"
[[ $FAILED -eq 0 ]] || exit 1
exit "$rc"
