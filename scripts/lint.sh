#!/usr/bin/env bash
# Runs clang-tidy (.clang-tidy at the root) over the project's sources. The build's
# precompiled header is GCC's, which clang cannot read, so it is dropped from the compile
# commands given to clang-tidy.
#
#   scripts/lint.sh [files...]   (default: every .cc under src/)
set -euo pipefail
cd "$(dirname "$0")/.."
[[ -f build/compile_commands.json ]] || scripts/setup.sh
lint_dir=$(mktemp -d)
trap 'rm -rf "$lint_dir"' EXIT
sed -E 's# -include [^ ]*cmake_pch\.hxx##g; s# -Winvalid-pch##g' \
  build/compile_commands.json >"$lint_dir/compile_commands.json"
if (($# == 0)); then
  mapfile -t files < <(git ls-files 'src/*.cc')
else
  files=("$@")
fi
clang-tidy -p "$lint_dir" --quiet "${files[@]}" 2>/dev/null | grep -E "warning:|error:" -A2 || true
