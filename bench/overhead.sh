#!/usr/bin/env bash
# Gateway overhead benchmark.
#
# Puts the same chat completion load through four paths to one fast fake
# upstream and reports what each proxy costs:
#   direct      wrk -> fake-upstream
#   switchyard  wrk -> Switchyard -> fake-upstream
#   nginx       wrk -> nginx (keep-alive reverse proxy) -> fake-upstream
#   portkey     wrk -> Portkey gateway (Node) -> fake-upstream
# in non-streaming and streaming mode, then a fixed-rate run (1,000 req/s by
# default) for the added p99 of Switchyard and nginx, the CPU time each proxy
# spends per request, and peak and idle RSS.
#
# Everything listens on 127.0.0.1 on ports chosen at run time, and every
# process started here is stopped on exit. See docs/benchmarks.md.
#
# Knobs (environment):
#   BENCH_CONNECTIONS=64  BENCH_WRK_THREADS=2  BENCH_DURATION=10  BENCH_WARMUP=2
#   BENCH_PROXY_THREADS=1     worker threads/processes of Switchyard and nginx
#   BENCH_RATE=1000  BENCH_RATE_CONNECTIONS=10  BENCH_RATE_DURATION=$BENCH_DURATION
#   SWITCHYARD_BIN=build/src/switchyard  FAKE_UPSTREAM_BIN=build/tests/support/fake-upstream
#   BENCH_RESULTS_DIR=bench/results  BENCH_KEEP_TMP=0 (1 keeps configs and logs)
#   BENCH_PRIVACY=on          off turns Switchyard's privacy guard off ([privacy] enabled),
#                             to measure what the guard adds

set -euo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
readonly REPO_ROOT
readonly BENCH_DIR="$REPO_ROOT/bench"

readonly CONNECTIONS=${BENCH_CONNECTIONS:-64}
readonly WRK_THREADS=${BENCH_WRK_THREADS:-2}
readonly DURATION=${BENCH_DURATION:-10}
readonly WARMUP=${BENCH_WARMUP:-2}
readonly PROXY_THREADS=${BENCH_PROXY_THREADS:-1}
readonly RATE=${BENCH_RATE:-1000}
readonly RATE_CONNECTIONS=${BENCH_RATE_CONNECTIONS:-10}
readonly RATE_DURATION=${BENCH_RATE_DURATION:-$DURATION}
readonly RESULTS_DIR=${BENCH_RESULTS_DIR:-$BENCH_DIR/results}
readonly KEEP_TMP=${BENCH_KEEP_TMP:-0}
readonly PRIVACY=${BENCH_PRIVACY:-on}

SWITCHYARD_BIN=${SWITCHYARD_BIN:-$REPO_ROOT/build/src/switchyard}
FAKE_UPSTREAM_BIN=${FAKE_UPSTREAM_BIN:-$REPO_ROOT/build/tests/support/fake-upstream}

# Bump together with bench/package.json and bench/package-lock.json. That
# package.json also pins @hono/node-server to 1.14.1: from 1.14.2 on, Portkey
# 1.15.2 answers every streamed chat completion with a 500 ("TypeError:
# immutable", Portkey-AI/gateway issue #1389). See docs/benchmarks.md.
readonly PORTKEY_VERSION=1.15.2
readonly PORTKEY_ENTRY="$BENCH_DIR/node_modules/@portkey-ai/gateway/build/start-server.js"

# The model name clients send; it is also what the fake upstream is asked for.
readonly MODEL=bench-model
readonly CHAT_PATH=/v1/chat/completions
# How long a server may take to come up before the run is abandoned.
readonly START_TIMEOUT_S=20
# Thresholds from docs/benchmarks.md, checked in the report.
readonly TARGET_VS_NGINX=0.9
readonly TARGET_VS_PORTKEY=5
readonly TARGET_ADDED_P99_MS=0.5
readonly TARGET_IDLE_RSS_MB=30
# CPUs busier than this before the start get a warning, and so does other
# processes' CPU use above OTHER_CPU_PERCENT_WARN during the run.
readonly BUSY_CPU_PERCENT=10
readonly OTHER_CPU_PERCENT_WARN=5

CLOCK_TICKS=$(getconf CLK_TCK)
readonly CLOCK_TICKS
readonly PATHS=(direct switchyard nginx portkey)
readonly PROXIES=(switchyard nginx portkey)
readonly MODES=(non-streaming streaming)
readonly PACED_PATHS=(direct switchyard nginx)

# Filled in as the run goes; keys are "path" or "path/mode".
declare -A URL=() RPS=() P50=() P99=() ERRORS=() CPU_US=() PEAK_KB=() IDLE_KB=()
declare -A PACED_ACHIEVED=() PACED_P50=() PACED_P99=() PACED_ERRORS=()
declare -a STARTED_PIDS=()
PACED_TOOL=""
START_CPU_BUSY=""
START_MACHINE_TICKS=0 START_OWN_TICKS=0 START_WALL_S=0 OTHER_CPU_PERCENT=""
TMP=""
UPSTREAM_ADDR="" # host:port of the fake upstream
UPSTREAM_BASE="" # its OpenAI base URL, http://host:port/v1
SWITCHYARD_PID="" NGINX_PID="" PORTKEY_PID=""

# shellcheck source=bench/common.sh
source "$BENCH_DIR/common.sh"

log() { printf '[overhead] %s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

# --- setup --------------------------------------------------------------

# Installs whatever tool is missing from Debian's archive.
ensure_tools() {
  ensure_commands wrk:wrk nginx:nginx-light node:nodejs npm:npm curl:curl pgrep:procps
}

# Installs the pinned Portkey gateway into bench/node_modules from the lock
# file, again whenever the lock file has changed since the last install.
ensure_portkey() {
  local stamp="$BENCH_DIR/node_modules/.overhead-lock.sha256"
  if [[ -f $PORTKEY_ENTRY && -f $stamp ]] &&
    (cd "$BENCH_DIR" && sha256sum --check --status "$stamp"); then
    return 0
  fi

  log "installing @portkey-ai/gateway@$PORTKEY_VERSION with npm ci"
  # --ignore-scripts: the package's only install script is patch-package,
  # and the published package ships no patches for it to apply.
  (cd "$BENCH_DIR" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
  [[ -f $PORTKEY_ENTRY ]] || die "npm ci did not install $PORTKEY_ENTRY"
  (cd "$BENCH_DIR" && sha256sum package-lock.json >"$stamp")
}

# Picks how to hold a fixed rate: a wrk that can (wrk2, or a wrk with
# --rate) if there is one, else Debian's wrk 4 with the pacing script
# bench/chat_paced.lua.
choose_paced_tool() {
  if command -v wrk2 >/dev/null; then
    PACED_TOOL=wrk2
  elif wrk --help 2>&1 | grep -q -- '--rate'; then
    PACED_TOOL=wrk
  else
    PACED_TOOL=lua
  fi
}

# Everything here shares the machine's cores with the load generator, so
# any other busy process (a compile, say) skews every number. Samples how
# busy the CPUs are for a second, warns above BUSY_CPU_PERCENT, and keeps the
# figure for the report. (The load average is no guide on some VMs, which
# report a load of 1 on an idle machine.)
check_quiet_machine() {
  local before after
  before=$(head -n 1 /proc/stat)
  sleep 1
  after=$(head -n 1 /proc/stat)
  # Fields after "cpu": user nice system idle iowait irq softirq steal.
  START_CPU_BUSY=$(printf '%s\n%s\n' "$before" "$after" | awk '
    { idle[NR] = $5 + $6; total[NR] = 0; for (i = 2; i <= 9; i++) total[NR] += $i }
    END { t = total[2] - total[1]; printf "%.0f", t ? 100 * (t - idle[2] + idle[1]) / t : 0 }')
  if ((START_CPU_BUSY > BUSY_CPU_PERCENT)); then
    log "warning: the CPUs were ${START_CPU_BUSY}% busy before the start; results will be noisy"
  fi
}

# --- processes ----------------------------------------------------------

# Stops every process started here, and removes or keeps the temporary folder.
cleanup() {
  stop_started
  if [[ -n $TMP && $KEEP_TMP != 1 ]]; then
    rm -rf "$TMP"
  elif [[ -n $TMP ]]; then
    log "kept configs and logs in $TMP"
  fi
}

# Prints a loopback port that is free now. Another process could take it
# before the caller binds it; on a quiet benchmark machine that does not
# happen, and the servers that take --listen 127.0.0.1:0 do not need this.
free_port() {
  node -e "const s = require('net').createServer();
    s.listen(0, '127.0.0.1', () => { console.log(s.address().port); s.close(); });"
}

# Succeeds once anything answers HTTP on the port.
http_up() { curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$1/"; }

start_upstream() {
  local out="$TMP/upstream.out"
  "$FAKE_UPSTREAM_BIN" --listen 127.0.0.1:0 --threads 1 >"$out" 2>"$TMP/upstream.err" &
  local pid=$!
  STARTED_PIDS+=("$pid")
  wait_until "$pid" "fake-upstream" "$TMP/upstream.err" grep -q 'listening on 127.0.0.1:' "$out"

  local port
  port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$out" | head -n 1)
  UPSTREAM_ADDR="127.0.0.1:$port"
  UPSTREAM_BASE="http://$UPSTREAM_ADDR/v1"
  URL[direct]="http://$UPSTREAM_ADDR$CHAT_PATH"
  log "fake-upstream pid $pid on port $port"
}

write_switchyard_config() {
  cat >"$1" <<EOF
# Generated by bench/overhead.sh for one run.
[server]
listen = "127.0.0.1:0"
io_threads = $PROXY_THREADS
max_connections = 10000
max_in_flight = 4096
drain_timeout_ms = 1000
log_level = "warn"

[[providers]]
name = "fake"
kind = "openai_compatible"
base_url = "$UPSTREAM_BASE"
max_connections = 256

[[models]]
name = "$MODEL"
provider = "fake"
upstream_model = "$MODEL"
input_price_per_mtok = 0.15
output_price_per_mtok = 0.60
context_length = 32768
capabilities = ["chat", "streaming"]
EOF
  if [[ $PRIVACY == off ]]; then
    printf '\n[privacy]\nenabled = false\n' >>"$1"
  fi
}

start_switchyard() {
  local config="$TMP/bench-generated.toml" port_file="$TMP/switchyard.port"
  local logfile="$TMP/switchyard.log"
  write_switchyard_config "$config"
  "$SWITCHYARD_BIN" check-config "$config" >"$logfile" 2>&1 ||
    die "switchyard rejected $config: $(cat "$logfile")"

  "$SWITCHYARD_BIN" serve --config "$config" --listen 127.0.0.1:0 --port-file "$port_file" \
    >>"$logfile" 2>&1 &
  local pid=$!
  STARTED_PIDS+=("$pid")
  wait_until "$pid" "switchyard" "$logfile" grep -Eq '^[0-9]+$' "$port_file"

  local port
  port=$(<"$port_file")
  URL[switchyard]="http://127.0.0.1:$port$CHAT_PATH"
  SWITCHYARD_PID=$pid
  log "switchyard pid $pid on port $port"
}

write_nginx_config() {
  local dir=$1 port=$2
  cat >"$dir/nginx.conf" <<EOF
# Generated by bench/overhead.sh for one run: a plain reverse proxy that
# keeps connections open on both sides and passes streams through unbuffered.
daemon off;
worker_processes $PROXY_THREADS;
pid $dir/nginx.pid;
error_log $dir/error.log warn;

events {
    worker_connections 4096;
}

http {
    access_log off;
    client_body_temp_path $dir/client_body;
    proxy_temp_path $dir/proxy;
    fastcgi_temp_path $dir/fastcgi;
    uwsgi_temp_path $dir/uwsgi;
    scgi_temp_path $dir/scgi;

    # Keep client connections open for the whole run, as the gateways do.
    keepalive_requests 1000000;
    keepalive_timeout 75s;

    upstream fake_upstream {
        server $UPSTREAM_ADDR;
        keepalive 256;
        keepalive_requests 1000000;
    }

    server {
        listen 127.0.0.1:$port;
        location / {
            proxy_pass http://fake_upstream;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            # Pass SSE chunks on as they arrive instead of collecting them.
            proxy_buffering off;
        }
    }
}
EOF
}

start_nginx() {
  local dir="$TMP/nginx" port
  mkdir -p "$dir"
  port=$(free_port)
  write_nginx_config "$dir" "$port"

  nginx -p "$dir/" -c "$dir/nginx.conf" -e "$dir/error.log" >"$dir/stdout.log" 2>&1 &
  local pid=$!
  STARTED_PIDS+=("$pid")
  wait_until "$pid" "nginx" "$dir/error.log" http_up "$port"
  URL[nginx]="http://127.0.0.1:$port$CHAT_PATH"
  NGINX_PID=$pid
  log "nginx master pid $pid on port $port"
}

start_portkey() {
  local port logfile="$TMP/portkey.log"
  port=$(free_port)
  # NODE_ENV=production and --headless: no web console, as in a deployment.
  NODE_ENV=production node --require "$BENCH_DIR/loopback_listen.cjs" \
    "$PORTKEY_ENTRY" --port="$port" --headless >"$logfile" 2>&1 &
  local pid=$!
  STARTED_PIDS+=("$pid")
  wait_until "$pid" "portkey" "$logfile" http_up "$port"
  URL[portkey]="http://127.0.0.1:$port$CHAT_PATH"
  PORTKEY_PID=$pid
  log "portkey pid $pid on port $port"
}

# Prints the extra request headers a path needs, one per line.
path_headers() {
  if [[ $1 == portkey ]]; then
    echo "x-portkey-provider: openai"
    echo "x-portkey-custom-host: $UPSTREAM_BASE"
  fi
}

# Prints the pids whose memory counts for a proxy (nginx: master and workers).
proxy_pids() {
  case $1 in
    switchyard) echo "$SWITCHYARD_PID" ;;
    portkey) echo "$PORTKEY_PID" ;;
    nginx)
      echo "$NGINX_PID"
      pgrep -P "$NGINX_PID" || true
      ;;
  esac
}

# Prints the sum over a proxy's processes of one /proc status field, in kB.
proxy_mem_kb() {
  local proxy=$1 field=$2 pid total=0 kb
  for pid in $(proxy_pids "$proxy"); do
    kb=$(awk -v f="$field:" '$1 == f { print $2 }' "/proc/$pid/status")
    total=$((total + ${kb:-0}))
  done
  echo "$total"
}

# Prints the CPU time a proxy's processes have used so far, in clock ticks.
proxy_cpu_ticks() {
  local pid total=0 ticks
  for pid in $(proxy_pids "$1"); do
    # utime and stime are fields 14 and 15 of stat. The name in field 2 may
    # hold spaces, so count from the ") " that ends it: they become 12 and 13.
    ticks=$(sed 's/.*) //' "/proc/$pid/stat" | awk '{ print $12 + $13 }')
    total=$((total + ticks))
  done
  echo "$total"
}

# Resets the peak-RSS mark of a proxy's processes to their current RSS, so
# each mode gets its own peak. Writing 5 to clear_refs does exactly that.
reset_peak_rss() {
  local pid
  for pid in $(proxy_pids "$1"); do
    echo 5 >"/proc/$pid/clear_refs" 2>/dev/null || log "cannot reset peak RSS of pid $pid"
  done
}

# --- measurement --------------------------------------------------------

# Sends one request through a path and checks that the answer is a real
# completion, so that a misrouted path cannot pass for a fast one.
check_path() {
  local path=$1 mode=$2 body_file=$3 out="$TMP/check-$1-$2.out" code
  local -a args=(-sS -o "$out" -w '%{http_code}' --max-time 10 -X POST
    -H 'Content-Type: application/json' -H 'Authorization: Bearer sk-bench-placeholder')
  local header
  while IFS= read -r header; do
    args+=(-H "$header")
  done < <(path_headers "$path")

  code=$(curl "${args[@]}" --data-binary "@$body_file" "${URL[$path]}") || code=000
  [[ $code == 200 ]] || die "$path ($mode) answered HTTP $code: $(head -c 400 "$out")"
  if [[ $mode == streaming ]]; then
    grep -q '^data: \[DONE\]' "$out" || die "$path stream has no [DONE]: $(head -c 400 "$out")"
  else
    grep -q '"choices"' "$out" || die "$path answer has no choices: $(head -c 400 "$out")"
  fi
}

# Prints the value of key=value in a summary line.
field() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<" $1"; }

# Runs wrk against a path and prints its wrk-result line.
run_wrk() {
  local path=$1 script=$2 seconds=$3 out header
  local -a args=(--threads "$WRK_THREADS" --connections "$CONNECTIONS"
    --duration "${seconds}s" --timeout 5s --script "$script")
  while IFS= read -r header; do
    args+=(--header "$header")
  done < <(path_headers "$path")

  out=$(wrk "${args[@]}" "${URL[$path]}") || die "wrk failed on $path: $out"
  grep '^wrk-result' <<<"$out" || die "no summary line from wrk on $path: $out"
}

# One warm-up and one measured closed-loop run of a path; records its
# numbers, and for a proxy the CPU time it spent per request.
measure_run() {
  local path=$1 mode=$2 script=$3 line cpu_before=0
  log "$mode via $path: ${WARMUP}s warm-up, ${DURATION}s measured"
  run_wrk "$path" "$script" "$WARMUP" >/dev/null

  [[ $path != direct ]] && cpu_before=$(proxy_cpu_ticks "$path")
  line=$(run_wrk "$path" "$script" "$DURATION")
  if [[ $path != direct ]]; then
    local ticks=$(($(proxy_cpu_ticks "$path") - cpu_before))
    CPU_US[$path/$mode]=$(calc '%.1f' "$ticks * 1000000 / $CLOCK_TICKS / $(field "$line" requests)")
  fi

  RPS[$path/$mode]=$(field "$line" rps)
  P50[$path/$mode]=$(field "$line" p50_us)
  P99[$path/$mode]=$(field "$line" p99_us)
  ERRORS[$path/$mode]=$(($(field "$line" non2xx) + $(field "$line" socket_errors)))
}

# Closed-loop throughput runs: every path, both modes.
measure_throughput() {
  local mode path proxy script body
  for mode in "${MODES[@]}"; do
    script="$BENCH_DIR/chat.lua"
    body="$BENCH_DIR/chat.json"
    if [[ $mode == streaming ]]; then
      script="$BENCH_DIR/chat_stream.lua"
      body="$BENCH_DIR/chat_stream.json"
    fi
    for proxy in "${PROXIES[@]}"; do
      reset_peak_rss "$proxy"
    done

    for path in "${PATHS[@]}"; do
      check_path "$path" "$mode" "$body"
      measure_run "$path" "$mode" "$script"
    done

    for proxy in "${PROXIES[@]}"; do
      PEAK_KB[$proxy/$mode]=$(proxy_mem_kb "$proxy" VmHWM)
    done
  done
}

# Runs wrk at the fixed rate against a path for some seconds and prints its
# wrk-result line.
run_paced_wrk() {
  local path=$1 seconds=$2 header
  local -a command=(wrk) args=(--threads 1 --connections "$RATE_CONNECTIONS"
    --duration "${seconds}s" --timeout 5s)
  case $PACED_TOOL in
    lua) args+=(--script "$BENCH_DIR/chat_paced.lua") ;;
    *)
      command=("$PACED_TOOL")
      args+=(--rate "$RATE" --script "$BENCH_DIR/chat.lua")
      ;;
  esac
  while IFS= read -r header; do
    args+=(--header "$header")
  done < <(path_headers "$path")

  local out
  out=$(BENCH_PACED_RATE=$RATE "${command[@]}" "${args[@]}" "${URL[$path]}") ||
    die "paced wrk failed on $path: $out"
  grep '^wrk-result' <<<"$out" || die "no summary line from paced wrk on $path: $out"
}

# Fixed-rate runs: direct, then each proxy whose added p99 has a target.
measure_paced() {
  local path line
  for path in "${PACED_PATHS[@]}"; do
    log "$RATE req/s via $path: ${WARMUP}s warm-up, ${RATE_DURATION}s measured"
    run_paced_wrk "$path" "$WARMUP" >/dev/null
    line=$(run_paced_wrk "$path" "$RATE_DURATION")
    PACED_ACHIEVED[$path]=$(field "$line" rps)
    PACED_P50[$path]=$(field "$line" p50_us)
    PACED_P99[$path]=$(field "$line" p99_us)
    PACED_ERRORS[$path]=$(($(field "$line" non2xx) + $(field "$line" socket_errors)))
  done
}

# --- report -------------------------------------------------------------

# Arithmetic the shell cannot do: awk evaluates the expression and formats it.
us_to_ms() { calc '%.3f' "$1 / 1000"; }
added_ms() { calc '%+.3f' "($1 - $2) / 1000"; }

machine_summary() {
  local cpu mem
  cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
  mem=$(awk '/^MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)
  echo "- Date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "- Machine: $(nproc) vCPU ($cpu), $mem, Linux $(uname -r);" \
    "CPUs ${START_CPU_BUSY}% busy just before the start; other processes' user time" \
    "during the run: ${OTHER_CPU_PERCENT}% of the CPUs"
  local build_type cache="$REPO_ROOT/build/CMakeCache.txt"
  build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$cache" 2>/dev/null)
  echo "- Switchyard: $("$SWITCHYARD_BIN" --version 2>&1 | head -n 1) (build/ is" \
    "${build_type:-unknown}), io_threads = $PROXY_THREADS"
  echo "- nginx: $(nginx -v 2>&1 | sed 's/^nginx version: //'), worker_processes $PROXY_THREADS"
  echo "- Portkey gateway: $PORTKEY_VERSION on Node $(node --version) (one process)"
  echo "- Load: $(wrk --version 2>&1 | head -n 1 | awk '{ print $1, $2 }'), $WRK_THREADS threads," \
    "$CONNECTIONS connections, ${WARMUP}s warm-up then ${DURATION}s per run"
}

throughput_table() {
  local path mode key rss
  echo "| Path | Mode | Req/s | p50 ms | p99 ms | Added p50 ms | Added p99 ms | Peak RSS MB" \
    "| Proxy CPU µs/req | Errors |"
  echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"
  for mode in "${MODES[@]}"; do
    for path in "${PATHS[@]}"; do
      key=$path/$mode
      local added50="-" added99="-" cpu="-"
      rss="-"
      if [[ $path != direct ]]; then
        added50=$(added_ms "${P50[$key]}" "${P50[direct/$mode]}")
        added99=$(added_ms "${P99[$key]}" "${P99[direct/$mode]}")
        rss=$(kb_to_mb "${PEAK_KB[$key]}")
        cpu=${CPU_US[$key]}
      fi
      echo "| $path | $mode | $(calc '%.0f' "${RPS[$key]}") | $(us_to_ms "${P50[$key]}")" \
        "| $(us_to_ms "${P99[$key]}") | $added50 | $added99 | $rss | $cpu | ${ERRORS[$key]} |"
    done
  done
}

ratio() { calc '%.2f' "${RPS[$1/$3]} / ${RPS[$2/$3]}"; }

ratio_table() {
  local mode
  echo "| Mode | Switchyard / nginx | Switchyard / Portkey |"
  echo "|---|---:|---:|"
  for mode in "${MODES[@]}"; do
    echo "| $mode | $(ratio switchyard nginx "$mode")x | $(ratio switchyard portkey "$mode")x |"
  done
}

paced_table() {
  local path added
  echo "| Path | Target req/s | Achieved req/s | p50 ms | p99 ms | Added p99 ms | Errors |"
  echo "|---|---:|---:|---:|---:|---:|---:|"
  for path in "${PACED_PATHS[@]}"; do
    added="-"
    [[ $path != direct ]] && added=$(added_ms "${PACED_P99[$path]}" "${PACED_P99[direct]}")
    echo "| $path | $RATE | $(calc '%.0f' "${PACED_ACHIEVED[$path]}")" \
      "| $(us_to_ms "${PACED_P50[$path]}") | $(us_to_ms "${PACED_P99[$path]}") | $added" \
      "| ${PACED_ERRORS[$path]} |"
  done
}

idle_table() {
  local proxy
  echo "| Process | Idle RSS after start MB |"
  echo "|---|---:|"
  for proxy in "${PROXIES[@]}"; do
    echo "| $proxy | $(kb_to_mb "${IDLE_KB[$proxy]}") |"
  done
}

target_table() {
  local mode r added idle
  echo "| Target | Measured | Result |"
  echo "|---|---:|---|"
  for mode in "${MODES[@]}"; do
    r=$(ratio switchyard nginx "$mode")
    echo "| Throughput >= ${TARGET_VS_NGINX}x nginx ($mode) | ${r}x" \
      "| $(met "$r >= $TARGET_VS_NGINX") |"
    r=$(ratio switchyard portkey "$mode")
    echo "| Throughput >= ${TARGET_VS_PORTKEY}x Portkey ($mode) | ${r}x" \
      "| $(met "$r >= $TARGET_VS_PORTKEY") |"
  done
  added=$(added_ms "${PACED_P99[switchyard]}" "${PACED_P99[direct]}")
  echo "| Added p99 <= ${TARGET_ADDED_P99_MS} ms at $RATE req/s | $added ms" \
    "| $(met "$added <= $TARGET_ADDED_P99_MS") |"
  idle=$(kb_to_mb "${IDLE_KB[switchyard]}")
  echo "| Idle RSS < ${TARGET_IDLE_RSS_MB} MB | $idle MB | $(met "$idle < $TARGET_IDLE_RSS_MB") |"
}

paced_tool_description() {
  case $PACED_TOOL in
    lua) echo "wrk with bench/chat_paced.lua (one thread, $RATE_CONNECTIONS connections," \
      "each request sent at the next slot of a $RATE req/s schedule)" ;;
    *) echo "$PACED_TOOL --rate $RATE, one thread, $RATE_CONNECTIONS connections" ;;
  esac
}

render_report() {
  echo "# Switchyard overhead benchmark"
  echo
  machine_summary
  echo
  echo "## Throughput and latency at $CONNECTIONS connections"
  echo
  echo "Added latency is the path's percentile minus the direct path's, same mode."
  echo "Peak RSS is VmHWM over the mode's runs (nginx: master and workers summed)."
  echo "Proxy CPU is the user and system time the proxy used in the measured run, per request."
  echo
  throughput_table
  echo
  echo "## Throughput ratios"
  echo
  ratio_table
  echo
  echo "## Latency at a fixed $RATE req/s"
  echo
  echo "Generator: $(paced_tool_description)."
  echo
  paced_table
  echo
  echo "## Idle memory"
  echo
  idle_table
  echo
  echo "## Targets"
  echo
  target_table
}

# Writes the report to bench/results/overhead-<date>.md, never over an
# earlier run of the same day.
write_report() {
  local report=$1 file
  mkdir -p "$RESULTS_DIR"
  file="$RESULTS_DIR/overhead-$(date +%Y-%m-%d).md"
  [[ -e $file ]] && file="$RESULTS_DIR/overhead-$(date +%Y-%m-%d-%H%M%S).md"
  printf '%s\n' "$report" >"$file"
  log "report written to $file"
}

main() {
  ensure_tools
  ensure_portkey
  ensure_switchyard
  choose_paced_tool
  check_quiet_machine
  start_interference_count

  TMP=$(mktemp -d /tmp/switchyard-overhead.XXXXXX)
  # nginx workers run as an unprivileged user and must reach their temp paths.
  chmod 755 "$TMP"
  trap cleanup EXIT
  trap 'exit 130' INT TERM

  start_upstream
  start_switchyard
  start_nginx
  start_portkey
  # Let the servers finish starting before reading their idle footprint.
  sleep 1
  local proxy
  for proxy in "${PROXIES[@]}"; do
    IDLE_KB[$proxy]=$(proxy_mem_kb "$proxy" VmRSS)
  done

  measure_throughput
  measure_paced
  local -a nginx_workers
  mapfile -t nginx_workers < <(pgrep -P "$NGINX_PID" || true)
  finish_interference_count "${nginx_workers[@]}"

  local report
  report=$(render_report)
  printf '%s\n' "$report"
  write_report "$report"
}

main "$@"
