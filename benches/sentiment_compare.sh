#!/usr/bin/env bash
# Sentiment accuracy and training speed: fankui vs TF-IDF + logistic regression,
# fastText and SnowNLP, on the shared Chinese and English corpora.
#
# Usage: benches/sentiment_compare.sh [--skip-snownlp] [--skip-fasttext] [--only-baselines] [--build]
#   --skip-snownlp    do not run SnowNLP (~2.5 min)
#   --skip-fasttext   do not run fastText (the training-time table then has fankui only)
#   --only-baselines  run the Python baselines only: no build, no fankui
#   --build           run `cargo build --release` first
#
# Splits (seed 42), models and results live in $FANKUI_BENCH_DIR/sentiment and
# the Python venv in $FANKUI_BENCH_DIR/venv-sentiment (default FANKUI_BENCH_DIR:
# <repo>/target/bench-data, which git ignores). Every step is skipped when its
# output is there and newer than its inputs (fankui's also when newer than the
# binary); delete sentiment/results to measure again. The report is printed and
# written to sentiment/report.md and report.json.
#
# Environment: FANKUI_BIN (default <repo>/target/release/fankui), FANKUI_CORPORA
# (default <repo>/../shared/corpora). Needs python3 with venv, and PyPI on the
# first run. The fankui steps run only when `fankui train sentiment` exists.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HELPERS="$ROOT/benches/sentiment_compare"
BENCH_DIR="${FANKUI_BENCH_DIR:-$ROOT/target/bench-data}"
CORPORA="${FANKUI_CORPORA:-$ROOT/../shared/corpora}"
FANKUI_BIN="${FANKUI_BIN:-${CARGO_TARGET_DIR:-$ROOT/target}/release/fankui}"
SEED=42
THREADS=2

# Pinned so the numbers are reproducible (all have wheels for CPython 3.11;
# fasttext-wheel 0.9.2 needs numpy < 2). snownlp is an sdist, built on install.
PY_DEPS=(numpy==1.26.4 scipy==1.13.1 scikit-learn==1.5.2 joblib==1.4.2 threadpoolctl==3.5.0
         jieba==0.42.1 snownlp==0.12.3 fasttext-wheel==0.9.2 pybind11==3.1.0)

SKIP_SNOWNLP=0
SKIP_FASTTEXT=0
ONLY_BASELINES=0
BUILD=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --skip-snownlp) SKIP_SNOWNLP=1; shift ;;
    --skip-fasttext) SKIP_FASTTEXT=1; shift ;;
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
OUT="$BENCH_DIR/sentiment"
SPLITS="$OUT/splits"
RESULTS="$OUT/results"
MODELS="$OUT/models"
mkdir -p "$SPLITS" "$RESULTS" "$MODELS"

# 0. Build first, so a compile error shows before the long baseline runs.
if [[ $BUILD -eq 1 && $ONLY_BASELINES -eq 0 ]]; then
  log "cargo build --release"
  (cd "$ROOT" && cargo build --release)
fi

# 1. Python environment, separate from segment_compare's so the pins do not
#    fight. The stamp file records what was installed.
VENV="$BENCH_DIR/venv-sentiment"
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

# 2. Splits, shared by every system. manifest.json is written last.
MANIFEST="$SPLITS/manifest.json"
if stale "$MANIFEST" "$HELPERS/split.py" "$HELPERS/common.py"; then
  log "writing splits to $SPLITS"
  "$PY" "$HELPERS/split.py" --corpora "$CORPORA" --out "$SPLITS"
fi

# 3. Python baselines, one results file each.
REPORT_ARGS=(--manifest "$MANIFEST" --out-dir "$OUT")
baseline() { # helper.py output.json [extra args...]
  local helper="$1" out="$RESULTS/$2"
  shift 2
  if stale "$out" "$HELPERS/$helper" "$HELPERS/common.py" "$MANIFEST"; then
    log "running $helper"
    "$PY" "$HELPERS/$helper" --splits "$SPLITS" --corpora "$CORPORA" --out "$out" "$@"
  else
    log "using cached $out"
  fi
  REPORT_ARGS+=(--results "$out")
}
baseline baselines.py tfidf.json --cache-dir "$BENCH_DIR" --jobs "$THREADS"
[[ $SKIP_FASTTEXT -eq 1 ]] || baseline fasttext_eval.py fasttext.json --cache-dir "$BENCH_DIR" --work "$OUT/fasttext"
[[ $SKIP_SNOWNLP -eq 1 ]] || baseline snownlp_eval.py snownlp.json

# 4. fankui, when the binary has `train sentiment`. A failed command is
#    reported and leaves no output file, so the report shows "—" for it and
#    still has everything else.
FK="$RESULTS/fankui"
FANKUI_STATUS=ok

# fankui_train NAME DATA TEXT_FIELD [ARGS...]: writes $MODELS/NAME.model, and
# the whole process's wall and CPU seconds (bash's `time`) to $FK/NAME.train.json.
fankui_train() {
  local name="$1" data="$2" field="$3"
  shift 3
  local model="$MODELS/$name.model" timing="$FK/$name.train.json" tlog="$FK/$name.train.log"
  if [[ -s "$model" ]] && ! stale "$timing" "$FANKUI_BIN" "$data"; then
    return 0
  fi
  rm -f "$timing"
  cat "$data" > /dev/null # in the page cache, so the timing is not a cold disk read
  log "fankui train sentiment: $name"
  local TIMEFORMAT='%3R %3U %3S' LC_NUMERIC=C wall user sys
  if ! { time "$FANKUI_BIN" train sentiment --data "$data" --text-field "$field" --label-field label \
           --seed "$SEED" -j "$THREADS" -o "$model" "$@" > "$tlog" 2>&1; } 2> "$timing.tmp"; then
    echo "warning: fankui train sentiment failed on $name; last lines of $tlog:" >&2
    tail -n 5 "$tlog" | sed 's/^/    /' >&2
    rm -f "$timing.tmp"
    FANKUI_STATUS=failed
    return 1
  fi
  read -r wall user sys < "$timing.tmp"
  printf '{"seconds": %s, "user_seconds": %s, "sys_seconds": %s, "threads": %d}\n' \
    "$wall" "$user" "$sys" "$THREADS" > "$timing"
  rm -f "$timing.tmp"
}

# fankui_eval NAME MODEL DATA TEXT_FIELD [ARGS...]: eval JSON to $FK/NAME.json.
fankui_eval() {
  local name="$1" model="$2" data="$3" field="$4"
  shift 4
  local out="$FK/$name.json" deps=("$FANKUI_BIN" "$data")
  [[ "$model" == lexicon ]] || deps+=("$model")
  stale "$out" "${deps[@]}" || return 0
  log "fankui eval sentiment: $name"
  if "$FANKUI_BIN" eval sentiment --model "$model" --data "$data" --text-field "$field" \
       --label-field label --json "$@" > "$out.tmp" 2> "$FK/$name.stderr"; then
    mv "$out.tmp" "$out"
  else
    rm -f "$out.tmp" "$out"
    echo "warning: fankui eval sentiment failed on $name; last lines of $FK/$name.stderr:" >&2
    tail -n 5 "$FK/$name.stderr" | sed 's/^/    /' >&2
    FANKUI_STATUS=failed
  fi
}

# fankui_corpus NAME TRAIN TEST TRAIN_FIELD TEST_FIELD [LABEL_MAP [DEV]]:
# linear model trained on TRAIN and scored on TEST, and the lexicon on TEST.
fankui_corpus() {
  local name="$1" train="$2" test="$3" train_field="$4" test_field="$5" map="${6:-}" dev="${7:-}"
  if fankui_train "$name" "$train" "$train_field" ${map:+--label-map "$map"} ${dev:+--dev "$dev"}; then
    fankui_eval "$name.linear" "$MODELS/$name.model" "$test" "$test_field" ${map:+--label-map "$map"}
  else
    rm -f "$FK/$name.linear.json" # from an earlier model; it would not match this binary
  fi
  fankui_eval "$name.lexicon" lexicon "$test" "$test_field" ${map:+--label-map "$map"}
}

SKIP_FANKUI=""
if [[ $ONLY_BASELINES -eq 1 ]]; then
  SKIP_FANKUI="--only-baselines"
elif [[ ! -x "$FANKUI_BIN" ]]; then
  SKIP_FANKUI="$FANKUI_BIN not found (run cargo build --release, or pass --build)"
elif ! "$FANKUI_BIN" train sentiment --help > /dev/null 2>&1; then
  SKIP_FANKUI="$FANKUI_BIN has no 'train sentiment' command"
fi
if [[ -n "$SKIP_FANKUI" ]]; then
  log "skipping fankui: $SKIP_FANKUI"
  FANKUI_STATUS="not run: $SKIP_FANKUI"
else
  mkdir -p "$FK"
  CHN="$CORPORA/zh/chnsenticorp_ernie_split"
  SST="$CORPORA/en/sst2_glue"
  fankui_corpus online_shopping "$SPLITS/online_shopping/train.csv" "$SPLITS/online_shopping/test.csv" review review
  fankui_corpus chnsenticorp "$CHN/train.tsv" "$CHN/test.tsv" text_a text_a "" "$CHN/dev.tsv"
  fankui_corpus waimai "$SPLITS/waimai/train.csv" "$SPLITS/waimai/test.csv" review review
  fankui_corpus sst2 "$SST/train.tsv" "$SST/dev.tsv" sentence content
  for k in 1 2 3 4 5; do
    fankui_corpus "amazon.fold$k" "$SPLITS/amazon/fold$k/train.csv" "$SPLITS/amazon/fold$k/test.csv" \
      text text "__label__1=negative,__label__2=positive"
  done
  REPORT_ARGS+=(--fankui-dir "$FK" --fankui-version "$("$FANKUI_BIN" --version)")
fi

# 5. Report: markdown on stdout, report.md and report.json in $OUT.
echo
"$PY" "$HELPERS/report.py" "${REPORT_ARGS[@]}" --fankui-status "$FANKUI_STATUS"
log "wrote $OUT/report.md and report.json ($((SECONDS - START)) s)"
