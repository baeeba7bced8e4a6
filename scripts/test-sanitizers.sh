#!/usr/bin/env bash
# Builds Switchyard and its tests with AddressSanitizer and UndefinedBehaviorSanitizer (GCC)
# into build-asan/ and runs the CTest suite there. The first sanitizer report aborts the
# process it is in, which fails its test; the script exits non-zero on any failure.
#
#   scripts/test-sanitizers.sh [ctest arguments...]   (e.g. -R unit to run fewer tests)
#
# llama.cpp comes prebuilt and is not instrumented; the gateway's code around it is. The demo
# model the end-to-end test serves is reused from the cache scripts/make-demo-model.sh fills
# (the normal build fills it; without it, the instrumented binary trains it, which is slow).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --packages-only

# float-cast-overflow is not part of GCC's "undefined": a float converted to an integer it
# does not fit, as a sampling parameter read from a request could be.
readonly sanitizers="-fsanitize=address,undefined,float-cast-overflow"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSWITCHYARD_BUILD_BENCH=OFF \
  -DSWITCHYARD_MIMALLOC=OFF \
  -DCMAKE_CXX_FLAGS="$sanitizers -fno-sanitize-recover=all -fno-omit-frame-pointer" \
  -DCMAKE_EXE_LINKER_FLAGS="$sanitizers" -DCMAKE_SHARED_LINKER_FLAGS="$sanitizers" >/dev/null
cmake --build build-asan -j"$(nproc)"

# halt_on_error: stop at the first report rather than run on in a corrupted state.
export ASAN_OPTIONS="halt_on_error=1:abort_on_error=1:detect_leaks=1:strict_string_checks=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
cd build-asan
ctest --output-on-failure -j"$(nproc)" --timeout 600 "$@"
