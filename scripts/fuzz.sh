#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/) with clang into build-fuzz/ and runs each one for a
# while from its committed seed corpus, all at once. Fails on any crash, sanitizer report,
# broken property, leak or input slower than 10 s.
#
#   scripts/fuzz.sh [seconds per target]   (default 60)
#
# What a run learns stays in build-fuzz/corpus/<target>/ and is the starting point of the
# next; an input that fails is written to build-fuzz/crashes/ and the end of its log printed.
set -euo pipefail
cd "$(dirname "$0")/.."
readonly seconds="${1:-60}"
readonly targets=(http_request chat_request sse_decoder upstream_answer)

scripts/setup.sh --packages-only clang llvm libclang-rt-dev
cmake -S . -B build-fuzz -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DSWITCHYARD_FUZZ=ON >/dev/null
cmake --build build-fuzz -j"$(nproc)"

mkdir -p build-fuzz/crashes
pids=()
for target in "${targets[@]}"; do
  mkdir -p "build-fuzz/corpus/$target"
  build-fuzz/fuzz/"${target}_fuzzer" -max_total_time="$seconds" -timeout=10 \
    -print_final_stats=1 -artifact_prefix="build-fuzz/crashes/$target-" \
    "build-fuzz/corpus/$target" "fuzz/corpus/$target" >"build-fuzz/$target.log" 2>&1 &
  pids+=($!)
done

failed=0
for i in "${!targets[@]}"; do
  target="${targets[$i]}"
  if wait "${pids[$i]}"; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "build-fuzz/$target.log")
    coverage=$(grep -o 'cov: [0-9]*' "build-fuzz/$target.log" | tail -n 1)
    echo "fuzz: $target passed: $runs inputs in ${seconds}s, $coverage"
  else
    echo "fuzz: $target FAILED; the end of build-fuzz/$target.log:" >&2
    tail -n 40 "build-fuzz/$target.log" >&2
    failed=1
  fi
done
exit "$failed"
