#!/usr/bin/env bash
# bench/nudge_latency.sh [BUILD_DIR] [RUNS]: time from `drover nudge` on an idle agent to
# the first event of the turn it triggers (the agent's session_start line), through a
# running supervisor, with the scripted agent answering at once. Prints the median and
# spread in milliseconds. Not a test: it asserts nothing.
set -euo pipefail
build=$(realpath "${1:-$(dirname "$0")/../build-release}")
runs=${2:-50}
export PATH="$build:$PATH"
dir=$(mktemp -d /tmp/drover-bench-nudge-XXXXXX)
trap 'drover --project "$dir" down --now >/dev/null 2>&1 || true; rm -rf "$dir"' EXIT
cd "$dir"
drover init -q >/dev/null
sed -i 's/^runtime = "claude"/runtime = "scripted"/' .drover/config.toml
printf '\n[runtimes.scripted]\ncommand = ["%s/scripted-agent"]\nresume_args = ["--resume", "{session_id}"]\n' "$build" >> .drover/config.toml
drover sling idle --capability coordinator "answer" --wait >/dev/null 2>&1 || true   # coordinator: stays between_turns
ms() { date +%s%3N; }
first_event_ms() {  # epoch ms of the first session_start of turn $1
  sqlite3 .drover/drover.db "SELECT CAST(strftime('%s', created_at) AS INTEGER) * 1000 + CAST(substr(created_at, 21, 3) AS INTEGER) FROM events WHERE turn = $1 AND kind = 'session_start' ORDER BY id LIMIT 1"
}
lat=()
for i in $(seq 1 $((runs + 5))); do
  before=$(sqlite3 .drover/drover.db "SELECT coalesce(max(id),0) FROM turns")
  t0=$(ms)
  drover nudge idle "go $i" -q
  while :; do   # wait for the turn to settle (bounded by the supervisor, not by us)
    t=$(sqlite3 .drover/drover.db "SELECT id FROM turns WHERE id > $before AND ended_at IS NOT NULL LIMIT 1")
    [ -n "$t" ] && break
  done
  e=$(first_event_ms "$t")
  [ "$i" -gt 5 ] && lat+=($((e - t0)))
done
printf '%s\n' "${lat[@]}" | sort -n | awk '{a[NR]=$1} END {printf "| nudge → first event (median of %d) | %d ms | p10 %d ms | p90 %d ms |\n", NR, a[int((NR+1)/2)], a[int(NR*0.1)+1], a[int(NR*0.9)]}'
