#!/usr/bin/env bash
# Fuzzes every parser of outside input (fuzz/fuzz_targets/*.rs) with cargo-fuzz and libFuzzer,
# for a bounded time per target, on stable Rust: no sanitizer (`--sanitizer none`), which is
# what needs nightly; safe Rust needs none, and every target checks properties by assertion.
# Usage: bench/fuzz.sh [target ...]        (FUZZ_SECS=60 seconds per target; default all targets)
# Seeds are fuzz/corpus/<target>/ (committed); what the fuzzer finds goes to
# fuzz/corpus-generated/<target>/ and crashing inputs to fuzz/artifacts/<target>/ (not committed).
# Exits non-zero when a target crashed: turn the input into a unit test, fix, run again.
set -uo pipefail
cd "$(dirname "$0")/../fuzz"
secs="${FUZZ_SECS:-60}"
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"

if ! cargo fuzz --version >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked || { echo "cannot install cargo-fuzz" >&2; exit 1; }
fi

if [ $# -gt 0 ]; then targets=("$@"); else mapfile -t targets < <(cargo fuzz list); fi

logs="$(mktemp -d)"
trap 'rm -rf "$logs"' EXIT

echo "building ${#targets[@]} targets (release, coverage instrumentation, no sanitizer)…"
start=$(date +%s)
for t in "${targets[@]}"; do
  if ! cargo fuzz build --sanitizer none "$t" >"$logs/build.txt" 2>&1; then
    tail -n 30 "$logs/build.txt" >&2
    exit 1
  fi
done
echo "built in $(($(date +%s) - start)) s"

rows=()
crashed=0
for t in "${targets[@]}"; do
  mkdir -p "corpus-generated/$t" "corpus/$t"
  log="$logs/$t.txt"
  # The generated corpus comes first: libFuzzer adds new inputs to the first directory only.
  cargo fuzz run --sanitizer none "$t" "corpus-generated/$t" "corpus/$t" -- \
    -max_total_time="$secs" -timeout=20 -print_final_stats=1 >"$log" 2>&1
  rc=$?
  runs=$(awk '/^stat::number_of_executed_units:/ { n = $2 } END { print n + 0 }' "$log")
  speed=$(awk '/^stat::average_exec_per_sec:/ { n = $2 } END { print n + 0 }' "$log")
  cov=$(awk '/ cov: / { for (i = 1; i < NF; i++) if ($i == "cov:") c = $(i + 1) } END { print c + 0 }' "$log")
  artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
  if [ $rc -eq 0 ] && [ -z "$artifact" ]; then
    result="no crash"
  else
    crashed=1
    result="CRASH ${artifact:-(exit $rc, see below)}"
    echo "---- $t ----" >&2
    grep -E "panicked at|assertion|ERROR|SUMMARY|Failing input|Output of" -A3 "$log" | head -n 40 >&2
  fi
  rows+=("$(printf '%-14s %12s %10s %8s   %s' "$t" "$runs" "$speed" "$cov" "$result")")
done

echo
printf '%-14s %12s %10s %8s   %s\n' target runs "runs/s" coverage result
printf '%s\n' "${rows[@]}"
echo "(${secs} s per target; libFuzzer counts: executed inputs, average speed, covered edges)"
exit $crashed
