#!/usr/bin/env bash
# bench/scale.sh [BUILD_DIR] [AGENTS] [CONCURRENT]: one supervisor at scale (issue 18,
# targets 5 and 6). Not a test: it asserts nothing; it prints markdown rows
# "| case | figure | target |".
#
# 1. Idle: AGENTS (default 10,000) between-turn agents without mail, and 100 and 1,000 for
#    the growth: over a window of IDLE_SECS (default 8) the supervisor's CPU (from
#    /proc/PID/schedstat, ns), its wake-ups (voluntary context switches of all its threads)
#    and RSS. Then the same project with `poll_interval = "10ms"`: CPU per poll tick, which
#    must not grow with the number of agents.
# 2. Streaming: CONCURRENT (default 1,000) agents with `max_concurrent_turns` = CONCURRENT,
#    each streaming STREAM_EVENTS (default 60: longer than the starts take, so that the steady window sees streaming only) assistant lines a second apart (the fixture's
#    `#!slow`) and then going silent, so that every turn stalls (stall_timeout 3s): RSS,
#    open fds (sampled from /proc/PID/fd), CPU per streamed event over a steady window and
#    over the whole run, and how late the watchdog fired (from supervisor.log).
# 3. The floor of the CPU per streamed event: the same CONCURRENT agents with the same task,
#    their lines read by bench/stream_floor (one epoll set, one read per ready pipe, the
#    bytes dropped), paced as the supervisor is from 16 running turns on (5 ms) and unpaced.
set -euo pipefail
rows=()
build=$(realpath "${1:-$(dirname "$0")/../build-release}")
agents=${2:-10000}
concurrent=${3:-1000}
idle_secs=${IDLE_SECS:-8}
stream_events=${STREAM_EVENTS:-60}
bin=$build/drover
agent=$build/scripted-agent
export NO_COLOR=1 DROVER_BIN=$bin
unset DROVER_AGENT DROVER_PROJECT
work=$(mktemp -d /tmp/drover-bench-scale-XXXXXX)
sup=
cleanup() {
  [ -n "$sup" ] && kill -0 "$sup" 2>/dev/null && { "$bin" --project "$dir" down --now >/dev/null 2>&1 || kill "$sup"; }
  rm -rf "$work"
}
trap cleanup EXIT

make_project() {
  dir=$1
  mkdir -p "$dir"
  (cd "$dir" && "$bin" init -q >/dev/null)
  sed -i 's/^runtime = "claude"/runtime = "scripted"/' "$dir/.drover/config.toml"
  printf '\n[runtimes.scripted]\ncommand = ["%s"]\nresume_args = ["--resume", "{session_id}"]\n' \
    "$agent" >>"$dir/.drover/config.toml"
}

# N sessions named PREFIX1..N in STATE; with TASK, each also gets its dispatch mail (as
# `drover sling --no-start` leaves them), all in one transaction.
add_agents() {
  local n=$1 prefix=$2 state=$3 task=${4:-}
  sqlite3 "$dir/.drover/drover.db" <<EOF
BEGIN;
WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < $n)
INSERT INTO sessions (name,capability,runtime,task,depth,state,created_at,last_activity,turn_count)
SELECT '$prefix' || i, 'coordinator', 'scripted', '$task', 0, '$state',
       strftime('%Y-%m-%dT%H:%M:%fZ','now'), strftime('%Y-%m-%dT%H:%M:%fZ','now'), 0 FROM k;
$([ -n "$task" ] && echo "INSERT INTO messages (from_agent,to_agent,subject,body,type,priority,created_at)
SELECT 'operator', name, 'dispatch', task, 'dispatch', 'normal', strftime('%Y-%m-%dT%H:%M:%fZ','now')
FROM sessions WHERE name LIKE '$prefix%';")
COMMIT;
EOF
}

start_supervisor() {
  (cd "$dir" && exec "$bin" supervise >/dev/null 2>&1) &
  sup=$!
  until [ -S "$dir/.drover/supervisor.sock" ]; do sleep 0.05; done
}
stop_supervisor() {
  "$bin" --project "$dir" down --now >/dev/null 2>&1 || true
  wait "$sup" 2>/dev/null || true
  sup=
}
cpu_ns() { awk '{print $1}' "/proc/$sup/schedstat"; }
wakeups() { cat /proc/"$sup"/task/*/status | awk '/^voluntary_ctxt_switches/ {s += $2} END {print s}'; }
rss_mib() { awk -v k="$1" '$1 == k":" {printf "%.1f", $2 / 1024}' "/proc/$sup/status"; }
now_ns() { date +%s%N; }

# --- 1. idle --------------------------------------------------------------------------
declare -A tick_us
for n in 100 1000 "$agents"; do
  make_project "$work/idle$n"
  add_agents "$n" idle between_turns
  start_supervisor
  sleep 2
  c0=$(cpu_ns) w0=$(wakeups) s0=$(now_ns)
  sleep "$idle_secs"
  c1=$(cpu_ns) w1=$(wakeups) s1=$(now_ns)
  idle_cpu=$(awk -v c=$((c1 - c0)) -v ns=$((s1 - s0)) 'BEGIN { printf "%.3f", 100 * c / ns }')
  idle_wake=$(awk -v w=$((w1 - w0)) -v ns=$((s1 - s0)) 'BEGIN { printf "%.2f", w / (ns / 1e9) }')
  idle_rss=$(rss_mib VmRSS)
  stop_supervisor
  # The cost of one poll tick: the same project polled every 10 ms.
  sed -i 's/^poll_interval = .*/poll_interval = "10ms"/' "$dir/.drover/config.toml"
  start_supervisor
  sleep 1
  c0=$(cpu_ns) s0=$(now_ns)
  sleep 3
  c1=$(cpu_ns) s1=$(now_ns)
  tick_us[$n]=$(awk -v c=$((c1 - c0)) -v ns=$((s1 - s0)) 'BEGIN { printf "%.1f", (c / 1e3) / (ns / 1e7) }')
  stop_supervisor
  echo "scale: $n idle agents: CPU $idle_cpu %, $idle_wake wake-ups/s, RSS $idle_rss MiB, ${tick_us[$n]} µs per tick" >&2
  rows+=("| $n idle agents: supervisor CPU / wake-ups per s / RSS (${idle_secs} s) | $idle_cpu % / $idle_wake / $idle_rss MiB | $([ "$n" = "$agents" ] && echo "≤ 0.5 % / ≤ 2" || echo -) |")
  rm -rf "$dir"
done
growth=$(awk -v a="${tick_us[100]}" -v b="${tick_us[$agents]}" 'BEGIN { if (a > 0) printf "%.2f", b / a; else print "-" }')
rows+=("| CPU per poll tick at 100 / 1,000 / $agents idle agents (poll 10 ms) | ${tick_us[100]} / ${tick_us[1000]} / ${tick_us[$agents]} µs (${growth}×) | < 2× from 100 to $agents |")

# --- 2. streaming ---------------------------------------------------------------------
make_project "$work/stream"
sed -i "s/^max_concurrent_turns = .*/max_concurrent_turns = $concurrent/; s/^stall_timeout = .*/stall_timeout = \"3s\"/" \
  "$dir/.drover/config.toml"
add_agents "$concurrent" st booting "#!slow $stream_events 1s
#!sleep 60"
# The rest of the agents, idle: the supervisor holds all of them.
[ "$agents" -gt "$concurrent" ] && add_agents $((agents - concurrent)) idle between_turns
db=$dir/.drover/drover.db
texts() { sqlite3 "$db" "SELECT count(*) FROM events WHERE kind = 'assistant_text'"; }
stalls() { grep -c 'ms after the deadline)' "$dir/.drover/logs/supervisor.log" || true; }
t_start=$(now_ns)
start_supervisor
c_start=$(cpu_ns)
max_fds=0 max_rss=0
sample() {
  local f r
  f=$(find "/proc/$sup/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)
  [ "$f" -gt "$max_fds" ] && max_fds=$f
  r=$(awk '$1 == "VmRSS:" {print $2}' "/proc/$sup/status")
  [ "$r" -gt "$max_rss" ] && max_rss=$r
  return 0
}
# Until every turn runs and streams; then a steady window of 8 s.
deadline=$((SECONDS + 120))
until [ "$(sqlite3 "$db" "SELECT count(DISTINCT agent) FROM events WHERE kind = 'assistant_text'")" -ge "$concurrent" ]; do
  [ "$SECONDS" -lt "$deadline" ] || { echo "scale: not every turn streamed within 120 s" >&2; break; }
  sample; sleep 0.5
done
spawned_s=$(awk -v ns=$(($(now_ns) - t_start)) 'BEGIN { printf "%.1f", ns / 1e9 }')
c0=$(cpu_ns) e0=$(texts) s0=$(now_ns)
for _ in 1 2 3 4 5 6 7 8; do sample; sleep 1; done
c1=$(cpu_ns) e1=$(texts) s1=$(now_ns)
steady_us=$(awk -v c=$((c1 - c0)) -v e=$((e1 - e0)) 'BEGIN { if (e > 0) printf "%.1f", c / 1e3 / e; else print "-" }')
steady_rate=$(awk -v e=$((e1 - e0)) -v ns=$((s1 - s0)) 'BEGIN { printf "%.0f", e / (ns / 1e9) }')
steady_cpu=$(awk -v c=$((c1 - c0)) -v ns=$((s1 - s0)) 'BEGIN { printf "%.1f", 100 * c / ns }')
# Until every turn has stalled (the watchdog fired for each).
deadline=$((SECONDS + stream_events + 60))
until [ "$(stalls)" -ge "$concurrent" ]; do
  [ "$SECONDS" -lt "$deadline" ] || { echo "scale: only $(stalls) of $concurrent turns stalled in time" >&2; break; }
  sample; sleep 0.5
done
c_end=$(cpu_ns)
events=$(texts)
hwm=$(rss_mib VmHWM)
whole_us=$(awk -v c=$((c_end - c_start)) -v e="$events" 'BEGIN { if (e > 0) printf "%.1f", c / 1e3 / e; else print "-" }')
read -r late50 late99 nstalls < <(grep -o 'stalled: .* ([^)]*, [0-9.]* ms after the deadline)' "$dir/.drover/logs/supervisor.log" |
  sed -E 's/.*, ([0-9.]+) ms after the deadline\)/\1/' | sort -n |
  awk '{a[NR] = $1} END { if (NR == 0) print "- - 0"; else printf "%.1f %.1f %d\n", a[int((NR - 1) * 0.5) + 1], a[int((NR - 1) * 0.99) + 1], NR }')
fd_limit=$(awk '/^Max open files/ {print $4}' "/proc/$sup/limits")
stop_supervisor

# --- 3. the floor of the CPU per streamed event ------------------------------------------
printf '{"type":"user","message":{"role":"user","content":"#!slow %s 1s\\n#!sleep 60"}}\n' \
  "$stream_events" >"$work/slow.ndjson"
floor() {
  "$build/bench/stream_floor" --agents "$concurrent" --stdin "$work/slow.ndjson" --window 8 \
    --quantum-us "$1" -- "$agent" | cut -f1
}
floor_paced=$(floor 5000) floor_unpaced=$(floor 0)
floor_ratio=$(awk -v a="$steady_us" -v b="$floor_paced" 'BEGIN { if (b > 0) printf "%.1f", a / b; else print "-" }')

rows+=("| $concurrent concurrent turns ($agents agents): all streaming after | $spawned_s s | - |")
rows+=("| the same: supervisor peak RSS | $hwm MiB (sampled VmRSS max $(awk -v k="$max_rss" 'BEGIN { printf "%.1f", k / 1024 }') MiB) | ≤ 200 MiB |")
rows+=("| the same: supervisor CPU per streamed event, steady 8 s ($((e1 - e0)) events, $steady_rate/s, $steady_cpu % CPU) | $steady_us µs ($floor_ratio× the paced floor) | ≤ 20 µs |")
rows+=("| the floor: the same $concurrent agents' lines read by one epoll loop that drops them (bench/stream_floor), paced every 5 ms / unpaced | $floor_paced / $floor_unpaced µs per line | - |")
rows+=("| the same: supervisor CPU per event over the whole run (start, stream, stall, stop; $events events) | $whole_us µs | - |")
rows+=("| the same: open fds, peak sampled (limit) | $max_fds ($fd_limit) | within the limit |")
rows+=("| $nstalls concurrent stalls: watchdog late by p50 / p99 | $late50 / $late99 ms | p99 ≤ 50 ms |")

echo
echo "| case | figure | target |"
echo "|---|---|---|"
printf '%s\n' "${rows[@]}"
