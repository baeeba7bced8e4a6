#!/usr/bin/env bash
# Builds Switchyard and runs the whole test suite (unit, integration, end-to-end with the
# official openai client, formatting). Exits non-zero on any failure.
#
# Under CI (CI=true) it then runs the suite again built with AddressSanitizer and
# UndefinedBehaviorSanitizer (scripts/test-sanitizers.sh) and each fuzzer for 60 s
# (scripts/fuzz.sh); docs/fuzzing.md says what these add to the run's time.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
(cd build && ctest --output-on-failure -j"$(nproc)" --timeout 300)
if [[ "${CI:-}" == "true" ]]; then
  scripts/test-sanitizers.sh
  scripts/fuzz.sh 60
fi
