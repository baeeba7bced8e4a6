#!/usr/bin/env bash
# Difficulty scorer quality and speed: APGR, CPT(50%) and the quality-versus-share curve on
# held-out splits of the router data set, next to random routing and a plain n-gram logistic
# regression, and microseconds per routing decision (see docs/benchmarks.md).
#
#   bench/difficulty.sh [--seeds N] [--validate] [--timing MODEL]     (default: 5 seeds)
#
# Runs on one core (taskset) so the decision time is per core. Each seed trains a scorer,
# a few minutes on this machine.
set -euo pipefail
cd "$(dirname "$0")/.."

readonly data="${SWITCHYARD_ROUTER_DATA:-../shared/data/router/routellm_dev.jsonl}"
cmake -S . -B build -DCMAKE_BUILD_TYPE="${SWITCHYARD_BUILD_TYPE:-RelWithDebInfo}" >/dev/null
cmake --build build -j"$(nproc)" --target difficulty_bench >/dev/null

args=("$@")
((${#args[@]} > 0)) || args=(--seeds 5)
runner=()
command -v taskset >/dev/null && runner=(taskset -c 0)
"${runner[@]}" build/bench/difficulty_bench "$data" "${args[@]}"
