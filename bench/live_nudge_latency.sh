#!/usr/bin/env bash
# bench/live_nudge_latency.sh [BUILD_DIR] [RUNS]: time from `drover nudge` returning to the
# running agent reading the nudge on its stdin (issue 17: ≤ 50 ms median), through a running
# supervisor, on a runtime with `live_input = true`. One long turn stays busy (the scripted
# agent's `#!slow`) and every nudge goes into it; the agent's `#!input-log` stamps each stdin
# line with the wall clock (ns) at read time, and the script stamps the moment `drover nudge`
# exits with bash's $EPOCHREALTIME (no fork). 5 warm-ups, then RUNS timed nudges, one at a
# time (the next is sent once the agent has read the previous one). Prints one markdown row
# with the median, p10 and p90 in milliseconds. Not a test: it asserts nothing.
set -euo pipefail
build=$(realpath "${1:-$(dirname "$0")/../build-release}")
runs=${2:-50}
warmup=5
export PATH="$build:$PATH" NO_COLOR=1
unset DROVER_AGENT DROVER_PROJECT
dir=$(mktemp -d /tmp/drover-bench-live-XXXXXX)
trap 'drover --project "$dir" down --now >/dev/null 2>&1 || true; rm -rf "$dir"' EXIT
cd "$dir"
drover init -q >/dev/null
sed -i 's/^runtime = "claude"/runtime = "scripted"/' .drover/config.toml
printf '\n[runtimes.scripted]\ncommand = ["%s/scripted-agent"]\nresume_args = ["--resume", "{session_id}"]\nlive_input = true\n' \
  "$build" >>.drover/config.toml
log=$dir/input.log
total=$((warmup + runs))
# Busy for 100 ms per timed nudge and then some (at least 60 s): every nudge lands in this turn.
slow=$((total + 600))
drover sling live --capability coordinator $'#!input-log '"$log"$'\n#!slow '"$slow"' 100ms' -q >/dev/null

# A sleep without a fork: read with a timeout on a pipe nobody writes to.
exec {nap}<> <(:)
nap() { read -r -t "$1" -u "$nap" _ || true; }
lines() { # lines in the input log so far
  local l=()
  [ -f "$log" ] && mapfile -t l <"$log"
  echo "${#l[@]}"
}
wait_lines() { # until the log has $1 lines (30 s at most)
  local deadline=$((SECONDS + 30))
  until [ "$(lines)" -ge "$1" ]; do
    [ "$SECONDS" -lt "$deadline" ] || { echo "live_nudge_latency: the agent never read line $1 (see $log)" >&2; exit 1; }
    nap 0.002
  done
}
wait_lines 1 # the turn's own message: the agent is running and logging

lat=() full=()
for i in $(seq 1 "$total"); do
  ts=${EPOCHREALTIME/./}000 # µs → ns
  drover nudge live "live bench nudge $i" -q
  t0=${EPOCHREALTIME/./}000
  wait_lines $((i + 1))
  read -r t1 _ < <(sed -n "$((i + 1))p" "$log")
  [ "$i" -gt "$warmup" ] && lat+=($((t1 - t0))) && full+=($((t1 - ts)))
done
# row LABEL NS…: median, p10, p90 in ms (negative: the agent read the line before the
# nudge process had exited).
row() {
  local label=$1
  shift
  printf '%s\n' "$@" | sort -n | awk -v label="$label" '{ a[NR] = $1 / 1e6 } END {
    printf "| %s (median of %d) | %.2f ms | p10 %.2f ms | p90 %.2f ms |\n",
      label, NR, a[int((NR + 1) / 2)], a[int(NR * 0.1) + 1], a[int(NR * 0.9)] }'
}
row "live nudge returned → agent reads it on stdin" "${lat[@]}"
row "live nudge started → agent reads it on stdin" "${full[@]}"
