#!/usr/bin/env bash
# Writes the seed corpus of every fuzz target into fuzz/corpus/<target>/ from the project's own
# files: the shipped sample, configuration and taxonomy, and tiny models trained here. The
# seeds are committed; run this again only to rebuild them (the campaign's finds are added by
# fuzz/campaign.sh). Needs `cargo build --release` first.
#
# Usage: bash fuzz/seed.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="$ROOT/target/release/fankui"
C="$ROOT/fuzz/corpus"
[[ -x "$BIN" ]] || { echo "build first: cargo build --release" >&2; exit 1; }
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
for t in records gzip_records analyze_text analyze_record taxonomy config sentiment_model \
  class_model topic_model idf user_dict report_line; do
  mkdir -p "$C/$t"
done
SAMPLE="$ROOT/corpora/sample_feedback.jsonl"

# records: a first byte picking JSONL (0), CSV (1) or TSV (2) and the record limit, then input.
{ printf '\x00'; head -c 1500 "$SAMPLE"; } > "$C/records/jsonl"
{ printf '\x01'; head -c 1200 "$ROOT/corpora/sample_feedback.csv"; } > "$C/records/csv"
{ printf '\x02'; printf 'id\ttext\tnps\n1\t"物流\t太慢"\t3\n2\t好\t11\n'; } > "$C/records/tsv"
{ printf '\x31'; printf 'id,text\n1,ok\n2,"open,3\n3,"x"y\n4,"a\nb"\n'; } > "$C/records/csv-quotes"
{ printf '\x60'; printf '\xef\xbb\xbf{"text":"\\ud800好","created_at":"2026-13-45","rating":9}\r\n\n{"id":[1],"text":"x"}\n[1]\n'; } > "$C/records/jsonl-hostile"

head -c 1500 "$SAMPLE" | gzip -c > "$C/gzip_records/sample.gz"

printf '物流太慢了，等了一个星期才到，客服也不理人' > "$C/analyze_text/zh"
printf 'The app crashes every time I open it, and support never answers.' > "$C/analyze_text/en"
printf '這個產品的質量很好，但是 iPhone 的電池不太耐用😡！再不退款我就打12345投诉' > "$C/analyze_text/mixed"
printf '？？？ １２３４５ この商品 배송 Доставка' > "$C/analyze_text/junk"

printf 'r1\x1f物流太慢了，客服不理人\x1fapp\x1f2026-03-01T08:30:00+08:00\x1f1\x1f11\x1fc1\x1f12000\x1f耳机\x1f{"a":1}' \
  > "$C/analyze_record/full"
printf '\x1fgreat product\x1fsocial\x1fyesterday\x1f9' > "$C/analyze_record/bad-fields"

# The taxonomy's first department, and the whole default configuration.
awk '/^\[\[department\]\]/ {n++} n < 2' "$ROOT/models/taxonomy/default.toml" \
  > "$C/taxonomy/first-department.toml"
printf '[[department]]\nid = "x"\nname = { zh = "甲", en = "X" }\n[[department.terms]]\nweight = 2\nzh = ["物流"]\nen = ["late*", "a…b"]\nregex = ["[0-9]+元"]\n' \
  > "$C/taxonomy/small.toml"
"$BIN" config > "$C/config/default.toml"

# Tiny models, trained here on the sample (small feature spaces keep the files short).
python3 - "$SAMPLE" "$WORK/labelled.jsonl" <<'EOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
kinds = ["complaint", "praise", "suggestion", "question", "other"]
with open(sys.argv[2], "w", encoding="utf-8") as f:
    for i, r in enumerate(rows):
        f.write(json.dumps({"text": r["text"], "label": ["negative", "positive"][i % 2],
                            "kind": kinds[i % 5]}, ensure_ascii=False) + "\n")
EOF
"$BIN" train sentiment --data "$WORK/labelled.jsonl" --bits 10 --c 1 -o "$WORK/s.fks" \
  >/dev/null 2>&1
cp "$WORK/s.fks" "$C/sentiment_model/tiny.fks"
"$BIN" train kind --data "$WORK/labelled.jsonl" --label-field kind --bits 10 --c 1 \
  -o "$WORK/k.fkm" >/dev/null 2>&1
cp "$WORK/k.fkm" "$C/class_model/tiny.fkm"
"$BIN" topics fit "$SAMPLE" -o "$WORK/t.json" --k 2 --min-df 1 --quiet
head -c 4000 "$WORK/t.json" > "$C/topic_model/sample-head.json"
cp "$WORK/t.json" "$C/topic_model/sample.json"

head -n 40 "$ROOT/models/keywords/idf.zh.tsv" > "$C/idf/zh-head.tsv"
printf '# comment\n物流太慢 5 n\niPhone 10\n客服\n' > "$C/user_dict/small.txt"

"$BIN" analyze "$SAMPLE" -o "$WORK/out.jsonl" --quiet
head -n 3 "$WORK/out.jsonl" | while IFS= read -r line; do
  printf '%s' "$line" > "$C/report_line/$(printf '%s' "$line" | sha1sum | cut -c1-12)"
done
echo "seeds written under $C"
