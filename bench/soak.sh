#!/usr/bin/env bash
# Soak benchmark.
#
# Runs Switchyard under a steady mix of chat completions for a long time (10
# minutes by default, after a minute of warm-up) and reports what a short
# benchmark cannot see: errors that only show up now and then, and memory
# that creeps up. The mix (bench/soak.lua) is mostly healthy completions and
# streams, plus answers that need the privacy guard to put e-mail addresses
# back, a model whose upstream always fails and has a fallback, and one that
# fails once.
#
# The gateway's RSS is sampled every 10 s; after the warm-up, a least-squares
# line through the samples gives the growth in MB per hour. The targets are
# no errors and less than 1 MB/h; the script exits 1 when either is missed.
#
# Everything listens on 127.0.0.1 on ports chosen at run time, and every
# process started here is stopped on exit. See docs/benchmarks.md.
#
# Knobs (environment):
#   BENCH_SOAK_SECONDS=600  BENCH_SOAK_WARMUP=60  BENCH_SOAK_SAMPLE_INTERVAL=10
#   BENCH_SOAK_CONNECTIONS=32  BENCH_SOAK_WRK_THREADS=2
#   BENCH_SOAK_IO_THREADS=2   Switchyard io_threads
#   SWITCHYARD_BIN=build/src/switchyard  FAKE_UPSTREAM_BIN=build/tests/support/fake-upstream
#   BENCH_RESULTS_DIR=bench/results  BENCH_KEEP_TMP=0 (1 keeps the config and logs)

set -euo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
readonly REPO_ROOT
readonly BENCH_DIR="$REPO_ROOT/bench"

readonly DURATION=${BENCH_SOAK_SECONDS:-600}
readonly WARMUP=${BENCH_SOAK_WARMUP:-60}
readonly SAMPLE_INTERVAL=${BENCH_SOAK_SAMPLE_INTERVAL:-10}
readonly CONNECTIONS=${BENCH_SOAK_CONNECTIONS:-32}
readonly WRK_THREADS=${BENCH_SOAK_WRK_THREADS:-2}
readonly IO_THREADS=${BENCH_SOAK_IO_THREADS:-2}
readonly RESULTS_DIR=${BENCH_RESULTS_DIR:-$BENCH_DIR/results}
readonly KEEP_TMP=${BENCH_KEEP_TMP:-0}

SWITCHYARD_BIN=${SWITCHYARD_BIN:-$REPO_ROOT/build/src/switchyard}
FAKE_UPSTREAM_BIN=${FAKE_UPSTREAM_BIN:-$REPO_ROOT/build/tests/support/fake-upstream}

readonly CHAT_PATH=/v1/chat/completions
# How long a server may take to come up before the run is abandoned.
readonly START_TIMEOUT_S=20
# A request that takes longer than this counts as a socket error in wrk.
readonly WRK_TIMEOUT_S=10
# Thresholds from docs/benchmarks.md.
readonly TARGET_ERRORS=0
readonly TARGET_GROWTH_MB_PER_HOUR=1
# Other processes' CPU use above this share during the run gets a warning.
readonly OTHER_CPU_PERCENT_WARN=5
# What soak.lua counts as a wrong answer; wrk's socket errors come on top.
readonly ANSWER_ERROR_KINDS=(non2xx no_done error_event no_usage bad_body bad_echo)
readonly PHASES=(warm-up measured)

CLOCK_TICKS=$(getconf CLK_TCK)
readonly CLOCK_TICKS

declare -a STARTED_PIDS=()
# Filled in as the run goes; keys are "field" or "phase/field".
declare -A RESULT=()
TMP=""
UPSTREAM_BASE="" # the fake upstream's OpenAI base URL, http://host:port/v1
GATEWAY_URL=""   # http://127.0.0.1:PORT
SWITCHYARD_PID=""
WRK_PID=""      # the wrk of the phase running now, if any
SOAK_START_US=0 # when the warm-up began, microseconds of the wall clock
NEXT_SAMPLE_S=0 # seconds after SOAK_START_US when the next RSS sample is due
IDLE_KB="" WARM_KB="" END_KB="" PEAK_KB=""
IDLE_FDS="" WARM_FDS="" END_FDS="" WARM_THREADS="" END_THREADS=""
WARM_TICKS=0 WARM_USER_TICKS=0 MEASURED_TICKS=0 MEASURED_USER_TICKS=0
START_MACHINE_TICKS=0 START_OWN_TICKS=0 START_WALL_S=0 OTHER_CPU_PERCENT=""

# shellcheck source=bench/common.sh
source "$BENCH_DIR/common.sh"

log() { printf '[soak] %s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

# --- setup --------------------------------------------------------------

# Every knob is a whole number of at least 1, and wrk wants at least one
# connection per thread.
check_knobs() {
  local knob
  for knob in BENCH_SOAK_SECONDS=$DURATION BENCH_SOAK_WARMUP=$WARMUP \
    BENCH_SOAK_SAMPLE_INTERVAL=$SAMPLE_INTERVAL BENCH_SOAK_CONNECTIONS=$CONNECTIONS \
    BENCH_SOAK_WRK_THREADS=$WRK_THREADS BENCH_SOAK_IO_THREADS=$IO_THREADS; do
    [[ ${knob#*=} =~ ^[1-9][0-9]*$ ]] || die "${knob%%=*} must be a whole number of at least 1"
  done
  ((CONNECTIONS >= WRK_THREADS)) ||
    die "BENCH_SOAK_CONNECTIONS must be at least BENCH_SOAK_WRK_THREADS"
}

# Installs whatever tool is missing from Debian's archive.
ensure_tools() {
  ensure_commands wrk:wrk curl:curl
}

# --- processes ----------------------------------------------------------

# Stops the running wrk and every process started here, and removes or keeps the temporary
# folder.
cleanup() {
  if [[ -n $WRK_PID ]]; then
    kill -TERM "$WRK_PID" 2>/dev/null || true
  fi
  stop_started
  if [[ -n $TMP && $KEEP_TMP != 1 ]]; then
    rm -rf "$TMP"
  elif [[ -n $TMP ]]; then
    log "kept the config and logs in $TMP"
  fi
}

start_upstream() {
  local out="$TMP/upstream.out"
  "$FAKE_UPSTREAM_BIN" --listen 127.0.0.1:0 --threads 1 >"$out" 2>"$TMP/upstream.err" &
  local pid=$!
  STARTED_PIDS+=("$pid")
  wait_until "$pid" "fake-upstream" "$TMP/upstream.err" grep -q 'listening on 127.0.0.1:' "$out"

  local port
  port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$out" | head -n 1)
  UPSTREAM_BASE="http://127.0.0.1:$port/v1"
  log "fake-upstream pid $pid on port $port"
}

# The models are the names bench/soak.lua sends. Upstream names choose the
# fake upstream's behaviour (tests/support/fake_upstream.h): delays make the
# answers take a few to a hundred milliseconds, as a fast real model would,
# so the load is steady rather than as fast as the CPUs allow.
write_switchyard_config() {
  cat >"$1" <<EOF
# Generated by bench/soak.sh for one run.
[server]
listen = "127.0.0.1:0"
io_threads = $IO_THREADS
max_connections = 10000
max_in_flight = 4096
drain_timeout_ms = 1000
log_level = "warn"

[reliability]
request_timeout_ms = 30000
max_attempts = 4
attempts_per_model = 2
backoff_base_ms = 100
backoff_max_ms = 5000
retry_budget = 0.2
retry_budget_min = 10
breaker_failures = 5
breaker_ejection_ms = 5000
breaker_max_ejection_ms = 30000

[privacy]
enabled = true
pii = "pseudonymize"

[[providers]]
name = "fake"
kind = "openai_compatible"
base_url = "$UPSTREAM_BASE"
max_connections = 256

# The same upstream under a second name, as a second provider would be: the
# failing model's breaker is its own and cannot eject the healthy models.
[[providers]]
name = "fake-failing"
kind = "openai_compatible"
base_url = "$UPSTREAM_BASE"
max_connections = 64

[[models]]
name = "chat"
provider = "fake"
upstream_model = "tokens-32+delay-20"
input_price_per_mtok = 0.15
output_price_per_mtok = 0.60
capabilities = ["chat", "streaming"]

[[models]]
name = "stream"
provider = "fake"
upstream_model = "tokens-64+chunk-delay-2"
input_price_per_mtok = 0.15
output_price_per_mtok = 0.60
capabilities = ["chat", "streaming"]

[[models]]
name = "echo"
provider = "fake"
upstream_model = "echo-7+chunk-delay-1"
input_price_per_mtok = 0.15
output_price_per_mtok = 0.60
capabilities = ["chat", "streaming"]

[[models]]
name = "flaky"
provider = "fake"
upstream_model = "error-500+fail-first-1"
capabilities = ["chat", "streaming"]

[[models]]
name = "down"
provider = "fake-failing"
upstream_model = "error-503"
capabilities = ["chat", "streaming"]
fallbacks = ["chat"]
EOF
}

start_switchyard() {
  local config="$TMP/soak-generated.toml" port_file="$TMP/switchyard.port"
  local logfile="$TMP/switchyard.log"
  write_switchyard_config "$config"
  "$SWITCHYARD_BIN" check-config "$config" >"$logfile" 2>&1 ||
    die "switchyard rejected $config: $(cat "$logfile")"

  "$SWITCHYARD_BIN" serve --config "$config" --listen 127.0.0.1:0 --port-file "$port_file" \
    >>"$logfile" 2>&1 &
  local pid=$!
  STARTED_PIDS+=("$pid")
  wait_until "$pid" "switchyard" "$logfile" grep -Eq '^[0-9]+$' "$port_file"

  GATEWAY_URL="http://127.0.0.1:$(<"$port_file")"
  SWITCHYARD_PID=$pid
  log "switchyard pid $pid at $GATEWAY_URL"
}

# Sends one chat completion and fails unless the answer is what soak.lua
# would accept: a 200 with choices, or a stream ending in [DONE]. "flaky" is
# left out: its one failure is for the soak itself.
check_model() {
  local model=$1 stream=$2 answer
  local body="{\"model\":\"$model\",\"messages\":[{\"role\":\"user\",\"content\":"
  body+="\"Write to customer00@example.org now.\"}],\"stream\":$stream}"
  answer=$(curl -s --max-time 10 -w '\n%{http_code}' -H 'Content-Type: application/json' \
    -d "$body" "$GATEWAY_URL$CHAT_PATH") || die "no answer from $model (stream: $stream)"
  local status=${answer##*$'\n'}
  [[ $status == 200 ]] || die "$model (stream: $stream) answered $status: $answer"
  if [[ $stream == true ]]; then
    grep -q 'data: \[DONE\]' <<<"$answer" || die "$model stream did not end: $answer"
  else
    grep -q '"choices"' <<<"$answer" || die "$model answer has no choices: $answer"
  fi
}

check_models() {
  local model stream
  for model in chat stream echo down; do
    for stream in false true; do
      check_model "$model" "$stream"
    done
  done
}

# --- measurements -------------------------------------------------------

# A field of /proc/PID/status, without its unit: status_field PID VmRSS
status_field() { awk -v key="$2:" '$1 == key { print $2 }' "/proc/$1/status"; }

# User and system time of a process, in clock ticks: fields 14 and 15 of
# /proc/PID/stat, counted after the ") " that ends the process name.
cpu_ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }
user_ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 }'; }


open_fds() { find "/proc/$1/fd" -mindepth 1 -maxdepth 1 | wc -l; }

# Microseconds of the wall clock (bash's EPOCHREALTIME, whatever its
# decimal separator).
now_us() { echo "${EPOCHREALTIME/[.,]/}"; }

# Appends "seconds-since-start rss-kb" to the sample file.
sample_rss() {
  local rss
  rss=$(status_field "$SWITCHYARD_PID" VmRSS) || die "switchyard is gone"
  [[ -n $rss ]] || die "switchyard is gone"
  calc '%.3f' "($(now_us) - $SOAK_START_US) / 1e6" >>"$TMP/rss.tsv"
  printf ' %s\n' "$rss" >>"$TMP/rss.tsv"
  printf '%s' "$rss"
}

seconds_since_start() { echo $((($(now_us) - SOAK_START_US) / 1000000)); }

# Reads soak.lua's summary lines into RESULT: per phase ("warm-up/no_done",
# ...), and for the whole run ("run/p99_us", ...).
parse_results() {
  local out=$1 phase pair kind errors
  local -a pairs
  for phase in "${PHASES[@]}"; do
    read -ra pairs < <(sed -n "s/^soak-phase $phase //p" "$out")
    for pair in "${pairs[@]}"; do
      RESULT[$phase/${pair%%=*}]=${pair#*=}
    done
    RESULT[$phase/statuses]=$(sed -n "s/^soak-statuses $phase //p" "$out")
    RESULT[$phase/models]=$(sed -n "s/^soak-models $phase //p" "$out")
    errors=0
    for kind in "${ANSWER_ERROR_KINDS[@]}"; do
      errors=$((errors + ${RESULT[$phase/$kind]:-0}))
    done
    RESULT[$phase/errors]=$errors
  done
  read -ra pairs < <(sed -n 's/^soak-run //p' "$out")
  for pair in "${pairs[@]}"; do
    RESULT[run/${pair%%=*}]=${pair#*=}
  done
  if grep -q '^soak-sample' "$out"; then
    log "failing answers (the first of each kind per wrk thread):"
    grep '^soak-sample' "$out" >&2
  fi
}

# Reads the gateway's state as the warm-up ends: an RSS sample, its open
# descriptors and threads, and the CPU time it has used so far.
mark_warm_up_end() {
  WARM_KB=$(sample_rss)
  RESULT[warm_end_s]=$(tail -n 1 "$TMP/rss.tsv" | cut -d' ' -f1)
  WARM_FDS=$(open_fds "$SWITCHYARD_PID")
  WARM_THREADS=$(status_field "$SWITCHYARD_PID" Threads)
  WARM_TICKS=$(cpu_ticks "$SWITCHYARD_PID")
  WARM_USER_TICKS=$(user_ticks "$SWITCHYARD_PID")
}

# One wrk run with bench/soak.lua for the warm-up and the measured phase, so
# that no new connections open at the boundary. While it runs, an RSS sample
# is taken whenever one is due, and the gateway's state is read when the
# warm-up ends and once the run is over.
run_soak() {
  local out="$TMP/wrk.out" warm_marked=0 elapsed status=0
  IDLE_KB=$(status_field "$SWITCHYARD_PID" VmRSS)
  IDLE_FDS=$(open_fds "$SWITCHYARD_PID")
  log "${WARMUP}s warm-up, then ${DURATION}s measured, $CONNECTIONS connections"
  SOAK_START_US=$(now_us)
  BENCH_SOAK_WARMUP=$WARMUP wrk --threads "$WRK_THREADS" --connections "$CONNECTIONS" \
    --duration "$((WARMUP + DURATION))s" --timeout "${WRK_TIMEOUT_S}s" \
    --script "$BENCH_DIR/soak.lua" "$GATEWAY_URL$CHAT_PATH" >"$out" 2>&1 &
  WRK_PID=$!

  NEXT_SAMPLE_S=0
  while kill -0 "$WRK_PID" 2>/dev/null; do
    elapsed=$(seconds_since_start)
    if ((!warm_marked && elapsed >= WARMUP)); then
      mark_warm_up_end
      warm_marked=1
      NEXT_SAMPLE_S=$((WARMUP + SAMPLE_INTERVAL))
    elif ((elapsed >= NEXT_SAMPLE_S)); then
      sample_rss >/dev/null
      NEXT_SAMPLE_S=$((NEXT_SAMPLE_S + SAMPLE_INTERVAL))
    fi
    sleep 0.2
  done
  wait "$WRK_PID" || status=$?
  WRK_PID=""
  ((status == 0)) || die "wrk failed: $(cat "$out")"
  ((warm_marked)) || die "wrk ended before the warm-up did: $(cat "$out")"
  grep -q '^soak-run' "$out" || die "no summary from wrk: $(cat "$out")"

  MEASURED_TICKS=$(($(cpu_ticks "$SWITCHYARD_PID") - WARM_TICKS))
  MEASURED_USER_TICKS=$(($(user_ticks "$SWITCHYARD_PID") - WARM_USER_TICKS))
  END_KB=$(sample_rss)
  END_FDS=$(open_fds "$SWITCHYARD_PID")
  END_THREADS=$(status_field "$SWITCHYARD_PID" Threads)
  PEAK_KB=$(status_field "$SWITCHYARD_PID" VmHWM)
  parse_results "$out"
}

# After the load the gateway must still be ready and answer.
check_still_healthy() {
  curl -sf --max-time 5 -o /dev/null "$GATEWAY_URL/readyz" ||
    die "switchyard is not ready after the soak"
  check_model chat false
  check_model stream true
}

# Over the samples taken from some second on: the least-squares slope in MB
# per hour, the sample count, and min and max in KB. Usage: fit_growth FROM_S
fit_growth() {
  awk -v from="$1" '
    $1 >= from { n++; x = $1 / 3600; y = $2 / 1024; sx += x; sy += y; sxx += x * x; sxy += x * y
                 if (n == 1 || $2 < lo) lo = $2; if (n == 1 || $2 > hi) hi = $2 }
    END { d = n * sxx - sx * sx
          printf "%.3f %d %d %d\n", (n > 1 && d > 0) ? (n * sxy - sx * sy) / d : 0, n, lo, hi }
  ' "$TMP/rss.tsv"
}

# The growth after the warm-up, which the target is about, and over the
# second half of the measured phase alone: memory that is still settling
# grows less there, a leak as much.
analyse_memory() {
  local from=${RESULT[warm_end_s]} growth samples lo hi
  read -r growth samples lo hi < <(fit_growth "$from")
  RESULT[growth]=$growth RESULT[growth_samples]=$samples RESULT[min_kb]=$lo RESULT[max_kb]=$hi
  read -r growth samples _ _ < <(fit_growth "$(calc '%.3f' "$from + $DURATION / 2")")
  RESULT[late_growth]=$growth RESULT[late_samples]=$samples
}

# Counts the gateway's log lines by level, e.g. "warning=12 error=1". Its
# lines open with a timestamp and the level.
log_levels() {
  local summary
  summary=$(awk '$1 ~ /^[0-9][0-9][0-9][0-9]-/ { print $2 }' "$TMP/switchyard.log" |
    sort | uniq -c | awk '{ printf "%s%s=%d", sep, $2, $1; sep = " " }')
  echo "${summary:-none}"
}

# --- report -------------------------------------------------------------

machine_summary() {
  local cpu mem build_type cache="$REPO_ROOT/build/CMakeCache.txt"
  cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
  mem=$(awk '/^MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)
  build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$cache" 2>/dev/null)
  echo "- Date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "- Machine: $(nproc) vCPU ($cpu), $mem, Linux $(uname -r); other processes' user time" \
    "during the run: ${OTHER_CPU_PERCENT}% of the CPUs"
  echo "- Switchyard: $("$SWITCHYARD_BIN" --version 2>&1 | head -n 1) (build/ is" \
    "${build_type:-unknown}), io_threads = $IO_THREADS, privacy guard on"
  echo "- Load: $(wrk --version 2>&1 | head -n 1 | awk '{ print $1, $2 }') with bench/soak.lua," \
    "$WRK_THREADS threads, $CONNECTIONS connections, ${WARMUP}s warm-up then ${DURATION}s" \
    "measured; RSS sampled every ${SAMPLE_INTERVAL}s"
}

phase_table() {
  local phase seconds
  echo "| Phase | Seconds | Answers | Answers/s | Wrong answers |"
  echo "|---|---:|---:|---:|---:|"
  for phase in "${PHASES[@]}"; do
    seconds=$DURATION
    [[ $phase == warm-up ]] && seconds=$WARMUP
    echo "| $phase | $seconds | ${RESULT[$phase/answers]}" \
      "| $(calc '%.0f' "${RESULT[$phase/answers]} / $seconds") | ${RESULT[$phase/errors]} |"
  done
}

error_table() {
  local kind
  echo "| Wrong answer | Warm-up | Measured |"
  echo "|---|---:|---:|"
  for kind in "${ANSWER_ERROR_KINDS[@]}"; do
    echo "| $kind | ${RESULT[warm-up/$kind]} | ${RESULT[measured/$kind]} |"
  done
}

memory_table() {
  echo "| RSS | MB |"
  echo "|---|---:|"
  echo "| idle, before the load | $(kb_to_mb "$IDLE_KB") |"
  echo "| end of warm-up | $(kb_to_mb "$WARM_KB") |"
  echo "| end | $(kb_to_mb "$END_KB") |"
  echo "| min after warm-up | $(kb_to_mb "${RESULT[min_kb]}") |"
  echo "| max after warm-up | $(kb_to_mb "${RESULT[max_kb]}") |"
  echo "| peak (VmHWM) | $(kb_to_mb "$PEAK_KB") |"
  echo "| growth after warm-up, least squares | $(calc '%+.2f' "${RESULT[growth]}") MB/h |"
  echo "| growth over the second half alone | $(calc '%+.2f' "${RESULT[late_growth]}") MB/h |"
}

target_table() {
  local errors=${RESULT[errors]} growth=${RESULT[growth]}
  echo "| Target | Measured | Result |"
  echo "|---|---:|---|"
  echo "| Errors = $TARGET_ERRORS | $errors | $(met "$errors <= $TARGET_ERRORS") |"
  echo "| RSS growth < $TARGET_GROWTH_MB_PER_HOUR MB/h | $(calc '%+.2f' "$growth") MB/h" \
    "| $(met "$growth < $TARGET_GROWTH_MB_PER_HOUR") |"
}

render_report() {
  local requests=${RESULT[measured/answers]}
  echo "# Switchyard soak benchmark"
  echo
  machine_summary
  echo
  echo "## Requests"
  echo
  echo "Answers are counted in the phase they arrive in; the run is one wrk run, on the same"
  echo "connections throughout."
  echo
  phase_table
  echo
  local p50_ms p99_ms
  p50_ms=$(calc '%.1f' "${RESULT[run/p50_us]} / 1000")
  p99_ms=$(calc '%.1f' "${RESULT[run/p99_us]} / 1000")
  echo "Over the whole run wrk counted ${RESULT[run/requests]} requests; latency, every kind" \
    "of request mixed and a stream's to its end: p50 $p50_ms ms, p99 $p99_ms ms."
  echo
  echo "Answers by status: warm-up ${RESULT[warm-up/statuses]}; measured" \
    "${RESULT[measured/statuses]}."
  echo "Answers by x-switchyard-model: warm-up ${RESULT[warm-up/models]}; measured" \
    "${RESULT[measured/models]}."
  echo
  echo "## Errors"
  echo
  error_table
  echo
  echo "Socket errors over the whole run (connect, read, write, or no answer within" \
    "${WRK_TIMEOUT_S}s): ${RESULT[run/socket_errors]}."
  echo
  echo "Gateway log lines by level (log_level = \"warn\"): $(log_levels)."
  echo
  echo "## Memory and resources"
  echo
  echo "The growth is the slope of a least-squares line through the ${RESULT[growth_samples]}" \
    "RSS samples from the end of the warm-up to the end, extrapolated to an hour; the second" \
    "half's is the same over the last ${RESULT[late_samples]}."
  echo
  memory_table
  echo
  echo "Open file descriptors: $IDLE_FDS before the load, $WARM_FDS at the end of the warm-up" \
    "(under load), $END_FDS after the load. Threads: $WARM_THREADS, then $END_THREADS."
  echo
  echo "Gateway CPU per request, measured phase: $(calc '%.1f' \
    "$MEASURED_TICKS * 1e6 / $CLOCK_TICKS / ($requests > 0 ? $requests : 1)") µs" \
    "($(calc '%.0f' "100 * $MEASURED_USER_TICKS / ($MEASURED_TICKS > 0 ? $MEASURED_TICKS : 1)")%" \
    "user), $(calc '%.1f' "$MEASURED_TICKS / $CLOCK_TICKS") s in all."
  echo
  echo "## Targets"
  echo
  target_table
  echo
  echo "## RSS samples"
  echo
  echo "Seconds since the start of the warm-up, and VmRSS in KB."
  echo
  echo '```'
  cat "$TMP/rss.tsv"
  echo '```'
}

# Writes the report to bench/results/soak-<date>.md, never over an earlier
# run of the same day.
write_report() {
  local report=$1 file
  mkdir -p "$RESULTS_DIR"
  file="$RESULTS_DIR/soak-$(date +%Y-%m-%d).md"
  [[ -e $file ]] && file="$RESULTS_DIR/soak-$(date +%Y-%m-%d-%H%M%S).md"
  printf '%s\n' "$report" >"$file"
  log "report written to $file"
}

main() {
  check_knobs
  ensure_tools
  ensure_switchyard

  TMP=$(mktemp -d /tmp/switchyard-soak.XXXXXX)
  trap cleanup EXIT
  trap 'exit 130' INT TERM

  start_upstream
  start_switchyard
  check_models
  start_interference_count
  run_soak
  check_still_healthy
  # shellcheck disable=SC2119 # the gateway and the upstream are all there is to count
  finish_interference_count

  analyse_memory
  RESULT[errors]=$((${RESULT[warm-up/errors]} + ${RESULT[measured/errors]} +
    ${RESULT[run/socket_errors]}))
  local report
  report=$(render_report)
  printf '%s\n' "$report"
  write_report "$report"

  if ((RESULT[errors] > TARGET_ERRORS)) ||
    ! awk "BEGIN { exit !(${RESULT[growth]} < $TARGET_GROWTH_MB_PER_HOUR) }"; then
    log "a target was missed"
    exit 1
  fi
}

main "$@"
