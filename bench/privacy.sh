#!/usr/bin/env bash
# Privacy scanner speed: median microseconds to scan a typical 1 KB prompt with every detector
# on, and the pattern stage's single-core throughput in MB/s (see docs/benchmarks.md).
#
#   bench/privacy.sh [model file]     (default: models/privacy/tagger.bin)
#
# Runs on one core (taskset) so the figures are per core.
set -euo pipefail
cd "$(dirname "$0")/.."

cmake -S . -B build -DCMAKE_BUILD_TYPE="${SWITCHYARD_BUILD_TYPE:-RelWithDebInfo}" >/dev/null
cmake --build build -j"$(nproc)" --target privacy_bench >/dev/null

runner=()
command -v taskset >/dev/null && runner=(taskset -c 0)
"${runner[@]}" build/bench/privacy_bench "$@"
