#!/usr/bin/env bash
# What the privacy scan cache saves on a request with a realistic system prompt.
#
# Starts the fake upstream and two gateways in front of it, one with the scan cache
# ([privacy] scan_cache_bytes, the default 1 MiB) and one without (0), and puts the same
# chat completion (bench/chat_system_prompt.json: a 1,850-byte system prompt and a short user
# question) through each with wrk. Prints requests/s, the gateway's CPU time per request and
# the ratio. See docs/benchmarks.md.
#
# Knobs (environment): BENCH_CONNECTIONS=64 BENCH_WRK_THREADS=2 BENCH_DURATION=10
#   BENCH_WARMUP=2 SWITCHYARD_BIN FAKE_UPSTREAM_BIN

set -euo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
readonly REPO_ROOT
readonly BENCH_DIR="$REPO_ROOT/bench"
readonly CONNECTIONS=${BENCH_CONNECTIONS:-64}
readonly WRK_THREADS=${BENCH_WRK_THREADS:-2}
readonly DURATION=${BENCH_DURATION:-10}
readonly WARMUP=${BENCH_WARMUP:-2}
readonly START_TIMEOUT_S=20
readonly OTHER_CPU_PERCENT_WARN=5
SWITCHYARD_BIN=${SWITCHYARD_BIN:-$REPO_ROOT/build/src/switchyard}
FAKE_UPSTREAM_BIN=${FAKE_UPSTREAM_BIN:-$REPO_ROOT/build/tests/support/fake-upstream}
CLOCK_TICKS=$(getconf CLK_TCK)
readonly CLOCK_TICKS
declare -a STARTED_PIDS=()

log() { printf '[scan-cache] %s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

# shellcheck source=bench/common.sh
source "$BENCH_DIR/common.sh"

TMP=$(mktemp -d)
readonly TMP
cleanup() {
  stop_started
  rm -rf "$TMP"
}
trap cleanup EXIT

start_upstream() {
  "$FAKE_UPSTREAM_BIN" --listen 127.0.0.1:0 --threads 1 >"$TMP/upstream.out" 2>&1 &
  local pid=$!
  STARTED_PIDS+=("$pid")
  wait_until "$pid" fake-upstream "$TMP/upstream.out" grep -q 'listening on 127.0.0.1:' \
    "$TMP/upstream.out"
  UPSTREAM_PORT=$(grep -o 'listening on 127.0.0.1:[0-9]*' "$TMP/upstream.out" | grep -o '[0-9]*$')
}

# Starts a gateway whose scan cache holds $1 bytes; sets GATEWAY_PID and GATEWAY_PORT.
start_gateway() {
  local bytes=$1 config="$TMP/gateway-$1.toml" port_file="$TMP/gateway-$1.port"
  cat >"$config" <<TOML
[server]
listen = "127.0.0.1:0"
io_threads = 1
max_in_flight = 4096
log_level = "warn"

[[providers]]
name = "fake"
kind = "openai_compatible"
base_url = "http://127.0.0.1:$UPSTREAM_PORT/v1"
max_connections = 256

[[models]]
name = "bench-model"
provider = "fake"
upstream_model = "bench-model"
capabilities = ["chat"]

[privacy]
scan_cache_bytes = $bytes
TOML
  "$SWITCHYARD_BIN" serve --config "$config" --port-file "$port_file" >"$TMP/gateway-$1.log" 2>&1 &
  GATEWAY_PID=$!
  STARTED_PIDS+=("$GATEWAY_PID")
  wait_until "$GATEWAY_PID" switchyard "$TMP/gateway-$1.log" grep -Eq '^[0-9]+$' "$port_file"
  GATEWAY_PORT=$(cat "$port_file")
}

cpu_ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }

# Loads the gateway on GATEWAY_PORT; prints "RPS CPU_US_PER_REQUEST".
measure() {
  local url="http://127.0.0.1:$GATEWAY_PORT/v1/chat/completions" line before after requests
  curl -sf -o /dev/null --data-binary "@$BENCH_DIR/chat_system_prompt.json" \
    -H 'Content-Type: application/json' "$url" || die "the check request through $url failed"
  wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"${WARMUP}s" -s "$BENCH_DIR/chat_system_prompt.lua" \
    "$url" >/dev/null
  before=$(cpu_ticks "$GATEWAY_PID")
  line=$(wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"${DURATION}s" \
    -s "$BENCH_DIR/chat_system_prompt.lua" "$url" | grep '^wrk-result')
  after=$(cpu_ticks "$GATEWAY_PID")
  requests=$(sed -E 's/.*requests=([0-9]+).*/\1/' <<<"$line")
  [[ $line == *" non2xx=0 socket_errors=0" ]] || log "errors in the run: $line"
  echo "$(sed -E 's/.*rps=([0-9.]+).*/\1/' <<<"$line")" \
    "$(calc '%.1f' "($after - $before) * 1000000 / $CLOCK_TICKS / $requests")"
}

main() {
  ensure_commands wrk:wrk curl:curl
  ensure_switchyard
  start_upstream
  local -A rps=() cpu=()
  local bytes
  for bytes in 1048576 0; do
    start_gateway "$bytes"
    read -r "rps[$bytes]" "cpu[$bytes]" < <(measure)
    log "scan_cache_bytes = $bytes: ${rps[$bytes]} req/s, ${cpu[$bytes]} µs CPU per request"
    kill -TERM "$GATEWAY_PID"
    wait_for_exit "$GATEWAY_PID" || true
  done
  echo "| scan_cache_bytes | Req/s | Gateway CPU µs/req |"
  echo "|---|---:|---:|"
  echo "| 1048576 (default) | ${rps[1048576]} | ${cpu[1048576]} |"
  echo "| 0 (off) | ${rps[0]} | ${cpu[0]} |"
  echo
  echo "Throughput with the cache: $(calc '%.2f' "${rps[1048576]} / ${rps[0]}")x without it."
}

main "$@"
