# shellcheck shell=bash
# Shell functions the gateway benchmarks share (bench/overhead.sh, bench/soak.sh). Sourced,
# not run. The sourcing script defines log and die, and the globals these read:
# REPO_ROOT, SWITCHYARD_BIN, FAKE_UPSTREAM_BIN, START_TIMEOUT_S, OTHER_CPU_PERCENT_WARN,
# CLOCK_TICKS, STARTED_PIDS; the interference count sets START_MACHINE_TICKS,
# START_OWN_TICKS, START_WALL_S and OTHER_CPU_PERCENT.

# Arithmetic the shell cannot do: awk evaluates the expression and formats it.
calc() { awk "BEGIN { printf \"$1\", $2 }"; }
kb_to_mb() { calc '%.1f' "$1 / 1024"; }
met() { awk "BEGIN { exit !($1) }" && echo met || echo "not met"; }

# Installs, from Debian's archive, the package of every command that is missing.
# Usage: ensure_commands COMMAND:PACKAGE...
ensure_commands() {
  local -a missing=()
  local pair
  for pair in "$@"; do
    command -v "${pair%%:*}" >/dev/null || missing+=("${pair#*:}")
  done
  ((${#missing[@]} == 0)) && return 0

  [[ $(id -u) == 0 ]] || die "missing ${missing[*]}; run: apt-get install -y ${missing[*]}"
  log "installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
}

# Builds the gateway and the fake upstream if either binary is missing.
ensure_switchyard() {
  [[ -x $SWITCHYARD_BIN && -x $FAKE_UPSTREAM_BIN ]] && return 0

  log "building switchyard and fake-upstream (Release) in build/"
  cmake -S "$REPO_ROOT" -B "$REPO_ROOT/build" -DCMAKE_BUILD_TYPE=Release
  cmake --build "$REPO_ROOT/build" -j2 --target switchyard fake-upstream
  [[ -x $SWITCHYARD_BIN ]] || die "no gateway binary at $SWITCHYARD_BIN"
  [[ -x $FAKE_UPSTREAM_BIN ]] || die "no fake upstream binary at $FAKE_UPSTREAM_BIN"
}

# --- processes ----------------------------------------------------------

# Stops every process in STARTED_PIDS: TERM first so each can drain, then KILL.
stop_started() {
  local pid
  for pid in "${STARTED_PIDS[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${STARTED_PIDS[@]}"; do
    wait_for_exit "$pid" || kill -KILL "$pid" 2>/dev/null || true
  done
}

# Waits up to 5 s for a process to end; fails if it is still there.
wait_for_exit() {
  local pid=$1 i
  for ((i = 0; i < 50; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  return 1
}

# Runs a command until it succeeds, failing early if the process it is
# waiting on has died. Usage: wait_until PID WHAT LOGFILE COMMAND...
wait_until() {
  local pid=$1 what=$2 logfile=$3 i
  shift 3
  for ((i = 0; i < START_TIMEOUT_S * 10; i++)); do
    "$@" >/dev/null 2>&1 && return 0
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 20 "$logfile" >&2 || true
      die "$what exited before it was ready (log: $logfile)"
    fi
    sleep 0.1
  done
  tail -n 20 "$logfile" >&2 || true
  die "$what was not ready after ${START_TIMEOUT_S}s (log: $logfile)"
}

# --- other processes' CPU use ---------------------------------------------

# User CPU time of the whole machine so far, in clock ticks.
machine_user_ticks() { awk '$1 == "cpu" { print $2 + $3 }' /proc/stat; }

# User CPU time of a process (field 14 of stat) plus that of the children it
# has waited for (field 16), in clock ticks, counted after the ") " that ends
# the process name.
own_user_ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $14 }'; }

# Marks the start of the window in which other processes' CPU use is counted.
start_interference_count() {
  START_MACHINE_TICKS=$(machine_user_ticks)
  START_OWN_TICKS=$(own_user_ticks $$)
  START_WALL_S=$SECONDS
}

# Works out how much user CPU processes other than this benchmark's took
# while it ran: the machine's total less this script's finished children
# (wrk, curl, awk) and the servers it still runs (STARTED_PIDS and any PIDS
# given). Compiles and test runs are mostly user time, so this catches them;
# kernel time is left out because loopback traffic is partly booked to no
# process at all. Usage: finish_interference_count [PID...]
finish_interference_count() {
  local own pid
  own=$(($(own_user_ticks $$) - START_OWN_TICKS))
  for pid in "${STARTED_PIDS[@]}" "$@"; do
    [[ -r /proc/$pid/stat ]] && own=$((own + $(own_user_ticks "$pid")))
  done
  local other=$(($(machine_user_ticks) - START_MACHINE_TICKS - own))
  ((other < 0)) && other=0
  local capacity=$(((SECONDS - START_WALL_S) * $(nproc) * CLOCK_TICKS))
  OTHER_CPU_PERCENT=$(calc '%.1f' "100 * $other / ($capacity > 0 ? $capacity : 1)")
  if awk "BEGIN { exit !($OTHER_CPU_PERCENT > $OTHER_CPU_PERCENT_WARN) }"; then
    log "warning: other processes used ${OTHER_CPU_PERCENT}% of the CPUs during the run"
  fi
}
