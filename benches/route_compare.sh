#!/usr/bin/env bash
# Feedback kind and department routing: fankui vs TF-IDF + logistic regression
# on the Maalej app reviews (kind), SemEval-2014 restaurants and ASAP (departments,
# multi-label) and the CFPB complaints (product).
#
# Usage: benches/route_compare.sh [--only-baselines] [--build]
#   --only-baselines  run the data preparation and Python baselines only: no build, no fankui
#   --build           run `cargo build --release` first
#
# Data (JSONL, seed 42), models and results live in $FANKUI_BENCH_DIR/route and
# the Python venv in $FANKUI_BENCH_DIR/venv-route (default FANKUI_BENCH_DIR:
# <repo>/target/bench-data, which git ignores). Every step is skipped when its
# output is there and newer than its inputs (fankui's also when newer than the
# binary); delete route/results to measure again. The report is printed and
# written to route/report.md and report.json.
#
# Environment: FANKUI_BIN (default <repo>/target/release/fankui), FANKUI_CORPORA
# (default <repo>/../shared/corpora). Needs python3 with venv, and PyPI on the
# first run. The fankui kind steps run only when `fankui train kind` and `eval kind`
# exist, the routing steps only when `train route` and `eval route` exist.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HELPERS="$ROOT/benches/route_compare"
BENCH_DIR="${FANKUI_BENCH_DIR:-$ROOT/target/bench-data}"
CORPORA="${FANKUI_CORPORA:-$ROOT/../shared/corpora}"
FANKUI_BIN="${FANKUI_BIN:-${CARGO_TARGET_DIR:-$ROOT/target}/release/fankui}"
FOLDS=5
# Maalej label -> fankui kind; common.KIND_MAP holds the same map for the report.
KIND_MAP="Bug=complaint,Feature=suggestion,UserExperience=other,Rating=praise"

# Pinned so the numbers are reproducible (the same versions as sentiment_compare's
# venv; all have wheels for CPython 3.11, jieba is an sdist).
PY_DEPS=(numpy==1.26.4 scipy==1.13.1 scikit-learn==1.5.2 joblib==1.4.2 threadpoolctl==3.5.0
         jieba==0.42.1)

ONLY_BASELINES=0
BUILD=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --only-baselines) ONLY_BASELINES=1; shift ;;
    --build) BUILD=1; shift ;;
    -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument: $1 (try --help)" >&2; exit 2 ;;
  esac
done

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# stale OUT DEP...: true when OUT is missing or empty, or older than any DEP.
stale() {
  local out="$1" dep
  shift
  [[ -s "$out" ]] || return 0
  for dep in "$@"; do
    [[ "$dep" -nt "$out" ]] && return 0
  done
  return 1
}

[[ -d "$CORPORA" ]] || die "corpora folder $CORPORA not found (set FANKUI_CORPORA=/path/to/corpora)"
START=$SECONDS
OUT="$BENCH_DIR/route"
DATA="$OUT/data"
RESULTS="$OUT/results"
MODELS="$OUT/models"
LOGS="$OUT/logs"
mkdir -p "$DATA" "$RESULTS" "$MODELS" "$LOGS"

# 0. Build first, so a compile error shows before the baseline runs.
if [[ $BUILD -eq 1 && $ONLY_BASELINES -eq 0 ]]; then
  log "cargo build --release"
  (cd "$ROOT" && cargo build --release)
fi

# 1. Python environment, its own so the pins do not fight another bench's.
#    The stamp file records what was installed.
VENV="$BENCH_DIR/venv-route"
PY="$VENV/bin/python"
if [[ ! -x "$PY" ]]; then
  log "creating venv in $VENV"
  python3 -m venv "$VENV" || die "python3 -m venv failed (on Debian: apt-get install python3-venv)"
fi
STAMP="$VENV/.fankui-deps"
if [[ "$(cat "$STAMP" 2>/dev/null || true)" != "${PY_DEPS[*]}" ]]; then
  log "installing ${PY_DEPS[*]}"
  "$PY" -m pip install --quiet --disable-pip-version-check "${PY_DEPS[@]}"
  printf '%s' "${PY_DEPS[*]}" > "$STAMP"
fi

# 2. Data, shared by every system. stats.json is written last.
STATS="$DATA/stats.json"
mapfile -t SOURCES < <("$PY" -c 'import sys; sys.path.insert(0, sys.argv[1]); import common
print(*common.sources(sys.argv[2]), sep="\n")' "$HELPERS" "$CORPORA")
[[ ${#SOURCES[@]} -gt 0 ]] || die "could not list the corpus files (common.sources)"
for src in "${SOURCES[@]}"; do
  [[ -f "$src" ]] || die "corpus file $src not found"
done
if stale "$STATS" "$HELPERS/prepare.py" "$HELPERS/common.py" "${SOURCES[@]}"; then
  log "writing data to $DATA"
  "$PY" "$HELPERS/prepare.py" --corpora "$CORPORA" --out "$DATA"
fi

# 3. Python baselines, one results file per task.
for task in maalej semeval asap cfpb; do
  out="$RESULTS/baseline_$task.json"
  if stale "$out" "$HELPERS/baselines.py" "$HELPERS/common.py" "$STATS"; then
    log "baseline: $task"
    "$PY" "$HELPERS/baselines.py" --task "$task" --data "$DATA" --cache-dir "$BENCH_DIR" --out "$out"
  else
    log "using cached $out"
  fi
done

# 4. fankui, for the commands the binary has. A failed command is reported and
#    leaves no output file, so the report shows "—" for that system and still
#    has everything else.
FANKUI_STATUS=ok

# fankui_train STAGE NAME DATA [ARGS...]: `fankui train STAGE` into $MODELS/NAME.model,
# the whole process's wall and CPU seconds (bash's `time`) into $RESULTS/NAME.train.json.
fankui_train() {
  local stage="$1" name="$2" data="$3"
  shift 3
  local model="$MODELS/$name.model" timing="$RESULTS/$name.train.json" tlog="$LOGS/$name.train.log"
  if [[ -s "$model" ]] && ! stale "$timing" "$FANKUI_BIN" "$data" "$STATS"; then
    return 0
  fi
  rm -f "$timing"
  log "fankui train $stage: $name"
  local TIMEFORMAT='%3R %3U %3S' LC_NUMERIC=C wall user sys
  if ! { time "$FANKUI_BIN" train "$stage" --data "$data" -o "$model" "$@" > "$tlog" 2>&1; } 2> "$timing.tmp"; then
    echo "warning: fankui train $stage failed on $name; last lines of $tlog:" >&2
    tail -n 5 "$tlog" | sed 's/^/    /' >&2
    rm -f "$timing.tmp"
    FANKUI_STATUS=failed
    return 1
  fi
  read -r wall user sys < "$timing.tmp"
  printf '{"seconds": %s, "user_seconds": %s, "sys_seconds": %s}\n' "$wall" "$user" "$sys" > "$timing"
  rm -f "$timing.tmp"
}

# fankui_eval STAGE NAME MODEL DATA [ARGS...]: `fankui eval STAGE --json` into $RESULTS/NAME.json.
fankui_eval() {
  local stage="$1" name="$2" model="$3" data="$4"
  shift 4
  local out="$RESULTS/$name.json" deps=("$FANKUI_BIN" "$data" "$STATS")
  [[ "$model" == rules ]] || deps+=("$model")
  stale "$out" "${deps[@]}" || return 0
  log "fankui eval $stage: $name"
  if "$FANKUI_BIN" eval "$stage" --model "$model" --data "$data" --json "$@" \
       > "$out.tmp" 2> "$LOGS/$name.stderr"; then
    mv "$out.tmp" "$out"
  else
    rm -f "$out.tmp" "$out"
    echo "warning: fankui eval $stage failed on $name; last lines of $LOGS/$name.stderr:" >&2
    tail -n 5 "$LOGS/$name.stderr" | sed 's/^/    /' >&2
    FANKUI_STATUS=failed
  fi
}

# fankui_pair STAGE NAME TRAIN TEST [ARGS...]: train on TRAIN, score on TEST, the
# same ARGS (field names, label map) for both. A failed training removes the
# score of an earlier model, which would not match this binary.
fankui_pair() {
  local stage="$1" name="$2" train="$3" test="$4"
  shift 4
  if fankui_train "$stage" "$name" "$train" "$@"; then
    fankui_eval "$stage" "$name" "$MODELS/$name.model" "$test" "$@"
  else
    rm -f "$RESULTS/$name.json"
  fi
}

# has_commands STAGE: `fankui train STAGE` and `fankui eval STAGE` both exist.
has_commands() {
  "$FANKUI_BIN" train "$1" --help > /dev/null 2>&1 && "$FANKUI_BIN" eval "$1" --help > /dev/null 2>&1
}

REPORT_ARGS=(--stats "$STATS" --results-dir "$RESULTS" --out-dir "$OUT")
SKIP_FANKUI=""
if [[ $ONLY_BASELINES -eq 1 ]]; then
  SKIP_FANKUI="--only-baselines"
elif [[ ! -x "$FANKUI_BIN" ]]; then
  SKIP_FANKUI="$FANKUI_BIN not found (run cargo build --release, or pass --build)"
fi
if [[ -n "$SKIP_FANKUI" ]]; then
  log "skipping fankui: $SKIP_FANKUI"
  FANKUI_STATUS="not run: $SKIP_FANKUI"
else
  MISSING=()
  if has_commands kind; then
    for ((k = 0; k < FOLDS; k++)); do
      d="$DATA/maalej/fold$k"
      fankui_pair kind "fankui_maalej.fold$k" "$d/train.jsonl" "$d/test.jsonl" \
        --text-field text --label-field label --label-map "$KIND_MAP"
    done
  else
    MISSING+=("kind")
    log "skipping fankui kind: $FANKUI_BIN has no 'train kind' / 'eval kind' command"
  fi
  if has_commands route; then
    for task in semeval asap; do
      train="$DATA/$task/train.jsonl"
      [[ $task == asap ]] && train="$DATA/asap/train_dev.jsonl" # train + dev, like the baseline
      fankui_eval route "fankui_$task.rules" rules "$DATA/$task/test.jsonl" --label-field departments
      fankui_pair route "fankui_$task.trained" "$train" "$DATA/$task/test.jsonl" --label-field departments
    done
    for ((k = 0; k < FOLDS; k++)); do
      d="$DATA/cfpb/fold$k"
      fankui_pair route "fankui_cfpb.fold$k" "$d/train.jsonl" "$d/test.jsonl" --label-field product
    done
  else
    MISSING+=("route")
    log "skipping fankui route: $FANKUI_BIN has no 'train route' / 'eval route' command"
  fi
  if [[ ${#MISSING[@]} -eq 2 ]]; then
    FANKUI_STATUS="not run: no kind or route commands yet"
  elif [[ ${#MISSING[@]} -eq 1 && $FANKUI_STATUS == ok ]]; then
    FANKUI_STATUS="partial: no ${MISSING[0]} commands"
  fi
  REPORT_ARGS+=(--fankui-version "$("$FANKUI_BIN" --version)")
fi

# 5. Report: markdown on stdout, report.md and report.json in $OUT.
echo
"$PY" "$HELPERS/report.py" "${REPORT_ARGS[@]}" --fankui-status "$FANKUI_STATUS"
log "wrote $OUT/report.md and report.json ($((SECONDS - START)) s)"
