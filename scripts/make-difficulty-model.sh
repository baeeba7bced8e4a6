#!/usr/bin/env bash
# Makes models/router/difficulty.bin, the router's difficulty scorer, from RouteLLM's MMLU and
# GSM8K answers (the shared router data set): 20% held out, stratified by source, with seed 1;
# trained on the other 80% with the subject as the topic the scorer learns to infer; the share
# quantiles come from the held-out part. Training draws no random numbers, so the same data
# gives the same file byte for byte.
#
#   scripts/make-difficulty-model.sh [DATA] [OUT]
#     DATA  default: ../shared/data/router/routellm_dev.jsonl
#     OUT   default: models/router/difficulty.bin
set -euo pipefail
cd "$(dirname "$0")/.."

readonly data="${1:-../shared/data/router/routellm_dev.jsonl}"
readonly out="${2:-models/router/difficulty.bin}"

cmake -S . -B build -DCMAKE_BUILD_TYPE="${SWITCHYARD_BUILD_TYPE:-RelWithDebInfo}" >/dev/null
cmake --build build -j"$(nproc)" --target switchyard >/dev/null
mkdir -p "$(dirname "$out")"
build/src/switchyard router train --task difficulty --data "$data" \
  --prompt-field prompt --weak-field weak_correct --strong-field strong_correct \
  --topic-field subject --stratify-field source --eval-share 0.2 --seed 1 --out "$out"
