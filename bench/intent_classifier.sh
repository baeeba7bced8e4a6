#!/usr/bin/env bash
# Intent classifier: in-scope accuracy, out-of-scope recall and microseconds per decision on
# one core, for a model on a labelled JSONL file (see docs/benchmarks.md).
#
#   bench/intent_classifier.sh [model file] [data file] [intent_bench flags...]
#   (defaults: models/router/intent.bin and CLINC150's validation split)
#
# Runs on one core (taskset) so the figures are per core.
set -euo pipefail
cd "$(dirname "$0")/.."

model=${1:-models/router/intent.bin}
data=${2:-../shared/data/intent/clinc150_val.jsonl}
shift $(($# < 2 ? $# : 2))

cmake -S . -B build -DCMAKE_BUILD_TYPE="${SWITCHYARD_BUILD_TYPE:-RelWithDebInfo}" >/dev/null
cmake --build build -j"$(nproc)" --target intent_bench >/dev/null

runner=()
command -v taskset >/dev/null && runner=(taskset -c 0)
"${runner[@]}" build/bench/intent_bench "$model" "$data" "$@"
