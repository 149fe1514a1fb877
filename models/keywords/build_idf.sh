#!/usr/bin/env bash
# Rebuilds models/keywords/idf.{zh,en}.tsv (see build_idf.py for what goes in).
# Usage: models/keywords/build_idf.sh   (needs ../shared/corpora, or FANKUI_CORPORA)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CORPORA="${FANKUI_CORPORA:-$ROOT/../shared/corpora}"
cd "$ROOT"
cargo build --release --quiet
JIEBA_DIR="$(cargo metadata --format-version 1 --locked | python3 -c '
import json, os, sys
meta = json.load(sys.stdin)
print(next(os.path.dirname(p["manifest_path"]) for p in meta["packages"] if p["name"] == "jieba-rs"))')"
python3 "$ROOT/models/keywords/build_idf.py" --fankui "$ROOT/target/release/fankui" \
  --corpora "$CORPORA" --jieba-idf "$JIEBA_DIR/src/data/idf.txt" --out "$ROOT/models/keywords"
