#!/usr/bin/env bash
# bench/cli_timings.sh [DROVER_BIN] [RUNS]: whole-process timings of `status --json` and
# `mail send` on a project holding 10,000 messages. Prints medians in milliseconds.
# A benchmark, not a test: it asserts nothing.
set -euo pipefail
bin=${1:-$(dirname "$0")/../build-release/drover}
runs=${2:-30}
bin=$(realpath "$bin")
dir=$(mktemp -d /tmp/drover-bench-XXXXXX)
trap 'rm -rf "$dir"' EXIT
cd "$dir"
"$bin" init -q >/dev/null

# 10,000 messages across 20 recipients, written in one transaction.
{
  echo "BEGIN;"
  for i in $(seq 1 10000); do
    echo "INSERT INTO messages (from_agent,to_agent,subject,body,type,priority,created_at) VALUES ('operator','agent$((i % 20))','subject $i','body of message $i','status','normal',strftime('%Y-%m-%dT%H:%M:%fZ','now'));"
  done
  echo "COMMIT;"
} | sqlite3 .drover/drover.db

median_ms() {  # runs "$@" $runs times (after 3 warm-ups) and prints the median
  local times=()
  for _ in 1 2 3; do "$@" >/dev/null; done
  for _ in $(seq 1 "$runs"); do
    local t0 t1
    t0=$(date +%s%N); "$@" >/dev/null; t1=$(date +%s%N)
    times+=($(( (t1 - t0) / 1000 )))
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.2f", m/1000}'
}

echo "| case (10,000 messages) | median ms | runs |"
echo "|---|---|---|"
echo "| /bin/true (process floor) | $(median_ms /bin/true) | $runs |"
echo "| drover --version | $(median_ms "$bin" --version) | $runs |"
echo "| drover status --json | $(median_ms "$bin" status --json) | $runs |"
echo "| drover mail send | $(median_ms "$bin" mail send --to operator --subject bench --body hello) | $runs |"
echo "| drover mail list --json (limit 100) | $(median_ms "$bin" mail list --json) | $runs |"
