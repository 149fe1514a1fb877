#!/usr/bin/env bash
# The fuzzing campaign: every target (fuzz/fuzz_targets/) under libFuzzer with AddressSanitizer
# and its leak checker, from the committed corpus, for a number of executions each; then the
# inputs each run found that reach something new are merged into fuzz/corpus/<target>/, to be
# committed and replayed by `cargo test` (tests/fuzz_replay.rs). Not part of CI: it takes hours on two cores.
#
# Usage: bash fuzz/campaign.sh [--runs N] [--max-time S] [--jobs J] [TARGET...]
#   --runs N       executions per target (default 10000000)
#   --max-time S   stop a target after S seconds even if it has not reached N (default: none)
#   --jobs J       targets fuzzed at once (default 1)
# Installs cargo-fuzz (crates.io) when missing; needs the nightly toolchain.
# Results: one row per target appended to fuzz/campaign.md (date, commit, executions, seconds,
# crashes, leaks, corpus kept); a crash or leak input is kept under fuzz/artifacts/<target>/,
# to be turned into a regression (fuzz/regressions/<target>/) once fixed.
# Exit status: 0 when no target crashed or leaked.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT/fuzz"
RUNS=10000000
MAX_TIME=0
JOBS=1
TARGETS=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --runs) RUNS="$2"; shift 2 ;;
    --jobs) JOBS="$2"; shift 2 ;;
    --max-time) MAX_TIME="$2"; shift 2 ;;
    -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) TARGETS+=("$1"); shift ;;
  esac
done
if [[ ${#TARGETS[@]} -eq 0 ]]; then
  mapfile -t TARGETS < <(ls fuzz_targets | sed 's/\.rs$//')
fi
rustup toolchain list | grep -q '^nightly' || { echo "the nightly toolchain is needed" >&2; exit 1; }
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
cargo +nightly fuzz build -O

LOGS="$ROOT/target/fuzz-logs"
mkdir -p "$LOGS" artifacts
[[ -f campaign.md ]] || printf '| date | commit | target | executions | seconds | exec/s | crashes | leaks | corpus kept |\n|---|---|---|---:|---:|---:|---:|---:|---:|\n' > campaign.md
commit="$(git -C "$ROOT" rev-parse --short HEAD)"

one() {
  local t="$1" grown="$LOGS/$1.corpus" log="$LOGS/$1.log"
  rm -rf "$grown"; mkdir -p "$grown" "artifacts/$t"
  local start end status=0
  start=$(date +%s)
  # -runs counts executions; ASan's leak checker runs at exit and after each new input.
  cargo +nightly fuzz run -O "$t" "$grown" "corpus/$t" -- -runs="$RUNS" -max_total_time="$MAX_TIME" -rss_limit_mb=2048 \
    -timeout=20 -max_len=16384 -print_final_stats=1 -artifact_prefix="artifacts/$t/" \
    > "$log" 2>&1 || status=$?
  end=$(date +%s)
  local execs crashes leaks
  execs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | awk '{print $2}' | tail -1)
  crashes=$(find "artifacts/$t" -name 'crash-*' -o -name 'oom-*' -o -name 'timeout-*' | wc -l)
  leaks=$(find "artifacts/$t" -name 'leak-*' | wc -l)
  # Add to the committed corpus only the run's inputs that reach something it does not, the
  # fewest that cover them (libFuzzer's set-cover merge).
  cargo +nightly fuzz run -O "$t" "corpus/$t" "$grown" -- -merge=1 -set_cover_merge=1 \
    -max_len=16384 >> "$log" 2>&1 || true
  local size
  size=$(ls "corpus/$t" | wc -l)
  printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$(date -u +%F)" "$commit" "$t" \
    "${execs:-0}" "$((end - start))" "$(( ${execs:-0} / (end - start > 0 ? end - start : 1) ))" \
    "$crashes" "$leaks" "$size" >> campaign.md
  echo "$t: ${execs:-0} executions in $((end - start)) s, $crashes crashes, $leaks leaks (exit $status; log $log)"
  [[ $crashes -eq 0 && $leaks -eq 0 ]]
}

failed=0
running=0
for t in "${TARGETS[@]}"; do
  one "$t" &
  running=$((running + 1))
  if (( running >= JOBS )); then
    wait -n || failed=1
    running=$((running - 1))
  fi
done
while (( running > 0 )); do
  wait -n || failed=1
  running=$((running - 1))
done
exit "$failed"
