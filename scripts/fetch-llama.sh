#!/usr/bin/env bash
# Puts the pinned llama.cpp where the build expects it, from the npm registry:
#   node-llama-cpp@VERSION             its llama/gitRelease.bundle is the pinned source
#   @node-llama-cpp/linux-x64@VERSION  prebuilt shared libraries of the same release
#
#   scripts/fetch-llama.sh [--source]   (prints the cache folder on its last line)
#
# The cache folder is keyed by the version and lives outside the checkout
# (${SWITCHYARD_CACHE_DIR:-$HOME/.cache/switchyard}/llama-VERSION), so clean clones reuse it.
# --source also builds the libraries from the pinned source there (about 10 minutes on two
# cores the first time), for machines the prebuilt ones do not fit.
set -euo pipefail

readonly VERSION="3.21.1"
readonly CACHE="${SWITCHYARD_CACHE_DIR:-$HOME/.cache/switchyard}/llama-$VERSION"

fetch_packages() {
  [[ -f "$CACHE/.fetched" ]] && return
  mkdir -p "$CACHE/npm"
  (cd "$CACHE/npm" && npm pack --silent "node-llama-cpp@$VERSION" \
    "@node-llama-cpp/linux-x64@$VERSION" >/dev/null)
  rm -rf "$CACHE/src" "$CACHE/prebuilt" "$CACHE/unpack"
  mkdir -p "$CACHE/unpack/main" "$CACHE/unpack/bins" "$CACHE/prebuilt"
  tar -xzf "$CACHE/npm/node-llama-cpp-$VERSION.tgz" -C "$CACHE/unpack/main"
  tar -xzf "$CACHE/npm/node-llama-cpp-linux-x64-$VERSION.tgz" -C "$CACHE/unpack/bins"
  git -c advice.detachedHead=false clone --quiet \
    "$CACHE/unpack/main/package/llama/gitRelease.bundle" "$CACHE/src"
  cp "$CACHE"/unpack/bins/package/bins/linux-x64/*.so "$CACHE/prebuilt/"
  rm -rf "$CACHE/unpack"
  touch "$CACHE/.fetched"
}

build_source() {
  local build="$CACHE/build-source"
  cmake -S "$CACHE/src" -B "$build" -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=ON \
    -DGGML_NATIVE=ON -DLLAMA_BUILD_COMMON=ON -DLLAMA_OPENSSL=OFF -DLLAMA_CURL=OFF \
    -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_TOOLS=OFF -DLLAMA_BUILD_EXAMPLES=OFF \
    -DLLAMA_BUILD_SERVER=OFF -DCMAKE_CXX_COMPILER_LAUNCHER=ccache >/dev/null
  cmake --build "$build" -j"$(nproc)" --target llama llama-common >/dev/null
}

fetch_packages
if [[ "${1:-}" == "--source" ]]; then
  build_source
fi
echo "$CACHE"
