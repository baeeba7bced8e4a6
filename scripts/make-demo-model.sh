#!/usr/bin/env bash
# Makes the demo model that `switchyard serve` answers with when given no configuration:
# a vocabulary fitted to models/demo/corpus.jsonl, a small Llama-architecture model with
# seeded random weights, then well under a minute of training on the corpus (80 optimizer
# steps, each over the whole corpus).
#
#   scripts/make-demo-model.sh SWITCHYARD_BINARY OUT.gguf
#
# The weights are seeded and training runs on a fixed number of threads, so the same inputs
# give the same model on the same machine. The result is cached under
# ${SWITCHYARD_CACHE_DIR:-$HOME/.cache/switchyard}/demo, keyed by a hash of everything that
# decides it (corpus, this script, the code that makes and trains models, llama.cpp's version),
# so a rebuild or a fresh clone reuses it.
set -euo pipefail

readonly binary="$1" out="$2"
root="$(cd "$(dirname "$0")/.." && pwd)"
readonly root
readonly llama_version="3.21.1"

# The shape and the training schedule. Changing any of them changes the cache key (this file
# is part of it).
readonly SHAPE=(--layers 4 --embd 128 --heads 4 --kv-heads 2 --ff 384 --ctx 512 --seed 7
  --embedding-stddev 1)
readonly TRAINING=(--epochs 80 --lr 5e-3 --threads 2 --type f16)

inputs=(
  "$root/models/demo/corpus.jsonl" "$root/scripts/make-demo-model.sh"
  "$root"/src/local/{trainer,training_graph,vocab_maker,model_maker,model_metadata}.cc
  "$root"/src/local/random_weights.cc
  "$root"/src/local/{chat_prompt,chat_templates,conversations}.cc
)
key="$( (cat "${inputs[@]}"; echo "$llama_version") | sha256sum | cut -c1-16)"
cache="${SWITCHYARD_CACHE_DIR:-$HOME/.cache/switchyard}/demo"
cached="$cache/switchyard-demo-$key.gguf"

if [[ ! -f "$cached" ]]; then
  echo "demo model: training (under a minute; cached as $cached)"
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  "$binary" model vocab --data "$root/models/demo/corpus.jsonl" --out "$work/vocab.gguf"
  "$binary" model init --out "$work/base.gguf" --vocab "$work/vocab.gguf" "${SHAPE[@]}"
  "$binary" model train --base "$work/base.gguf" --data "$root/models/demo/corpus.jsonl" \
    --out "$work/demo.gguf" "${TRAINING[@]}" | tail -n 1
  mkdir -p "$cache"
  mv "$work/demo.gguf" "$cached.tmp"
  mv "$cached.tmp" "$cached"
fi
mkdir -p "$(dirname "$out")"
cp "$cached" "$out"
