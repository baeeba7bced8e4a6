#!/usr/bin/env bash
# Installs what Switchyard needs on Debian 12 and builds it into build/.
#
#   scripts/setup.sh [cmake targets...]   (default: everything)
#   scripts/setup.sh --packages-only [more Debian packages...]
#
# Safe to rerun: packages already present are skipped and the build is incremental (ccache
# keeps rebuilds after a clean clone fast too).
set -euo pipefail

cd "$(dirname "$0")/.."

readonly PACKAGES=(
  g++ cmake make ccache pkg-config git ca-certificates openssl
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libssl-dev libtomlplusplus-dev libspdlog-dev libfmt-dev libcli11-dev
  libgtest-dev googletest clang-format libvectorscan-dev wamerican libmimalloc-dev
)

install_packages() {
  local missing=()
  for package in "${PACKAGES[@]}" "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
      missing+=("$package")
  done
  # Node.js and npm are needed for the end-to-end tests (the official openai client).
  command -v node >/dev/null && command -v npm >/dev/null || missing+=(nodejs npm)
  if ((${#missing[@]} > 0)); then
    echo "setup: installing ${missing[*]}"
    local sudo=""
    [[ $(id -u) -eq 0 ]] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
      "${missing[@]}" >/dev/null
  fi
}

build() {
  local type="${SWITCHYARD_BUILD_TYPE:-RelWithDebInfo}"
  cmake -S . -B build -DCMAKE_BUILD_TYPE="$type" >/dev/null
  if (($# > 0)); then
    cmake --build build -j"$(nproc)" --target "$@"
  else
    cmake --build build -j"$(nproc)"
  fi
}

if [[ "${1:-}" == "--packages-only" ]]; then
  shift
  install_packages "$@"
  exit 0
fi
install_packages
build "$@"
