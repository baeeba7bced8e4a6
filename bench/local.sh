#!/usr/bin/env bash
# The local tier against llama.cpp's own llama-server, built from the same source bundle, on
# the same random-weight model (about 300M parameters, Q8_0) with the same threads and
# sequence count. Prints a table and the ratios; writes bench/results/local-<time>.md.
#
#   bench/local.sh   (env: THREADS=2 PARALLEL=8 CONTEXT=1024; SWITCHYARD_BIN to measure a build
#                     linked against the source-built libraries, -DSWITCHYARD_LLAMA=source)
set -euo pipefail

cd "$(dirname "$0")/.."
readonly THREADS="${THREADS:-2}"
readonly PARALLEL="${PARALLEL:-8}"
readonly CONTEXT="${CONTEXT:-1024}"
SWITCHYARD_BIN="${SWITCHYARD_BIN:-build/src/switchyard}"
# The binary that makes the model; the same file for every run whichever gateway is measured.
MODEL_MAKER="${MODEL_MAKER:-build/src/switchyard}"
WORK=$(mktemp -d)
PIDS=()

cleanup() {
  for pid in "${PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

log() { echo "[local] $*" >&2; }

free_port() {
  node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close();})'
}

wait_ready() {
  local url=$1
  for _ in $(seq 1 600); do
    curl -fs "$url" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  log "no answer from $url" && exit 1
}

setup() {
  [[ -x "$SWITCHYARD_BIN" ]] || scripts/setup.sh switchyard
  log "building llama-server from the pinned source (cached after the first time)"
  CACHE=$(scripts/fetch-llama.sh --server | tail -n 1)
  LLAMA_SERVER="$CACHE/build-source/bin/llama-server"
  log "making the 300M Q8_0 model"
  "$MODEL_MAKER" model init --preset 300m --type q8_0 --seed 1 --out "$WORK/model.gguf" >&2
}

start_llama_server() {
  LLAMA_PORT=$(free_port)
  "$LLAMA_SERVER" -m "$WORK/model.gguf" --host 127.0.0.1 --port "$LLAMA_PORT" -t "$THREADS" \
    -tb "$THREADS" -np "$PARALLEL" -c $((PARALLEL * CONTEXT)) --no-webui \
    >"$WORK/llama-server.log" 2>&1 &
  PIDS+=($!)
  wait_ready "http://127.0.0.1:$LLAMA_PORT/health"
}

start_switchyard() {
  cat >"$WORK/switchyard.toml" <<TOML
[server]
log_level = "warn"
io_threads = 1

[[models]]
name = "bench-local"
provider = "local"
path = "$WORK/model.gguf"
context_length = $CONTEXT
parallel = $PARALLEL
threads = $THREADS
# As llama-server is sent cache_prompt: false: the comparison is of the serving path, not of
# the two caches.
prompt_cache = false
TOML
  "$SWITCHYARD_BIN" serve --config "$WORK/switchyard.toml" --listen 127.0.0.1:0 \
    --port-file "$WORK/switchyard.port" 2>"$WORK/switchyard.log" &
  PIDS+=($!)
  for _ in $(seq 1 600); do
    [[ -s "$WORK/switchyard.port" ]] && break
    sleep 0.1
  done
  SWITCHYARD_PORT=$(cat "$WORK/switchyard.port")
  wait_ready "http://127.0.0.1:$SWITCHYARD_PORT/healthz"
}

# Runs the load against one server at a time, so the two never share the cores.
measure() {
  log "measuring llama-server"
  node bench/local_load.mjs "http://127.0.0.1:$LLAMA_PORT/v1" bench-local >"$WORK/llama.json"
  log "measuring switchyard"
  node bench/local_load.mjs "http://127.0.0.1:$SWITCHYARD_PORT/v1" bench-local >"$WORK/switchyard.json"
}

report() {
  node - "$WORK/llama.json" "$WORK/switchyard.json" "$THREADS" "$PARALLEL" <<'JS'
const fs = require("fs");
const [llamaFile, oursFile, threads, parallel] = process.argv.slice(2);
const llama = JSON.parse(fs.readFileSync(llamaFile));
const ours = JSON.parse(fs.readFileSync(oursFile));
const f = (x) => x.toFixed(1);
const rows = [
  ["prompt processing, 1 stream (tok/s)", llama.single.pp_tokens_per_s, ours.single.pp_tokens_per_s],
  ["generation, 1 stream (tok/s)", llama.single.tg_tokens_per_s, ours.single.tg_tokens_per_s],
  ...Object.keys(ours.aggregate).map((n) =>
    [`generation, ${n} streams, aggregate (tok/s)`, llama.aggregate[n], ours.aggregate[n]]),
  ["time to first token, 1-word prompt (ms)", llama.ttft_ms, ours.ttft_ms],
];
const lines = [
  "# Local tier against llama-server",
  "",
  `- Date: ${new Date().toISOString()}`,
  `- Model: 300M-parameter random-weight Llama (switchyard model init --preset 300m --type q8_0)`,
  `- Threads: ${threads}; sequences: ${parallel}; prompt for processing: ${ours.single.prompt_tokens} tokens (Switchyard's count)`,
  "",
  "| Measure | llama-server | Switchyard | Switchyard / llama-server |",
  "|---|---:|---:|---:|",
  ...rows.map(([name, a, b]) => `| ${name} | ${f(a)} | ${f(b)} | ${(b / a).toFixed(2)}x |`),
  "",
  `TTFT overhead (Switchyard - llama-server): ${(ours.ttft_ms - llama.ttft_ms).toFixed(2)} ms`,
];
console.log(lines.join("\n"));
JS
}

setup
start_llama_server
start_switchyard
measure
mkdir -p bench/results
report | tee "bench/results/local-$(date -u +%Y-%m-%d-%H%M%S).md"
