#!/usr/bin/env bash
# Builds Switchyard and runs the whole test suite (unit, integration, end-to-end with the
# official openai client, formatting). Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cd build
ctest --output-on-failure -j"$(nproc)" --timeout 300
