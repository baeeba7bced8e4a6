#!/usr/bin/env bash
# Puts the pinned llama.cpp where the build expects it, from the npm registry:
#   node-llama-cpp@VERSION             its llama/gitRelease.bundle is the pinned source
#   @node-llama-cpp/linux-x64@VERSION  prebuilt shared libraries of the same release
#
#   scripts/fetch-llama.sh [--source|--server]   (prints the cache folder on its last line)
#
# The cache folder is keyed by the version and lives outside the checkout
# (${SWITCHYARD_CACHE_DIR:-$HOME/.cache/switchyard}/llama-VERSION), so clean clones reuse it.
# --source also builds the libraries from the pinned source there (about 10 minutes on two
# cores the first time), for machines the prebuilt ones do not fit.
set -euo pipefail

readonly VERSION="3.21.1"
readonly CACHE="${SWITCHYARD_CACHE_DIR:-${HOME:-/tmp}/.cache/switchyard}/llama-$VERSION"

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

# Builds the given targets from the pinned source (default: the libraries). The compiler's
# output goes to a log beside the build, shown only when the build fails.
build_source() {
  local build="$CACHE/build-source"
  local log="$CACHE/build-source.log"
  local targets=("$@")
  ((${#targets[@]} > 0)) || targets=(llama llama-common)
  # -march=native turns on AMX where the CPU lists it, but virtual machines (this one among
  # them) list AMX without letting programs use it, and ggml's AMX kernels then die with
  # SIGILL. The prebuilt libraries choose their CPU variant at run time and are not affected.
  local no_amx="-mno-amx-tile -mno-amx-int8 -mno-amx-bf16"
  if ! {
    cmake -S "$CACHE/src" -B "$build" -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=ON \
      -DGGML_NATIVE=ON -DLLAMA_BUILD_COMMON=ON -DLLAMA_OPENSSL=OFF -DLLAMA_CURL=OFF \
      -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_TOOLS=ON -DLLAMA_BUILD_EXAMPLES=OFF \
      -DLLAMA_BUILD_SERVER=ON -DLLAMA_BUILD_APP=OFF -DLLAMA_BUILD_UI=OFF -DLLAMA_USE_PREBUILT_UI=OFF \
      -DCMAKE_C_FLAGS="$no_amx" -DCMAKE_CXX_FLAGS="$no_amx" \
      -DCMAKE_CXX_COMPILER_LAUNCHER=ccache &&
      cmake --build "$build" -j"$(nproc)" --target "${targets[@]}"
  } >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    echo "fetch-llama: building ${targets[*]} failed; the whole log is $log" >&2
    exit 1
  fi
}

fetch_packages
case "${1:-}" in
  --source) build_source ;;
  --server) build_source llama-server ;;  # llama.cpp's own server, for bench/local.sh
  "") ;;
  *) echo "usage: $0 [--source|--server]" >&2 && exit 2 ;;
esac
echo "$CACHE"
