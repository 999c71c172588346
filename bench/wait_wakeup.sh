#!/usr/bin/env bash
# bench/wait_wakeup.sh [BUILD_DIR] [CYCLES]: `sling --wait` cycles through a running
# supervisor (the agent mails worker_done via the CLI and finishes), timed one by one with
# bash's $EPOCHREALTIME; prints one markdown row with the median, p90, p99 and max, the
# p99/median ratio (issue 18: ≤ 2×) and how many waits ran out a fallback poll (≥ 250 ms
# beyond the median). Not a test: it asserts nothing.
set -euo pipefail
build=$(realpath "${1:-$(dirname "$0")/../build-release}")
cycles=${2:-200}
export PATH="$build:$PATH" NO_COLOR=1
unset DROVER_AGENT DROVER_PROJECT
dir=$(mktemp -d /tmp/drover-bench-wake-XXXXXX)
trap 'drover --project "$dir" down --now >/dev/null 2>&1 || true; rm -rf "$dir"' EXIT
cd "$dir"
drover init -q >/dev/null
sed -i 's/^runtime = "claude"/runtime = "scripted"/' .drover/config.toml
printf '\n[runtimes.scripted]\ncommand = ["%s/scripted-agent"]\nresume_args = ["--resume", "{session_id}"]\n' "$build" >>.drover/config.toml
drover up -q >/dev/null
task='#!mail --to operator --type worker_done --subject done --body ok'
for i in $(seq 1 5); do drover sling "w$i" "$task" --wait -q >/dev/null; done  # warm-up
lat=()
for i in $(seq 1 "$cycles"); do
  t0=$EPOCHREALTIME
  drover sling "c$i" "$task" --wait -q >/dev/null
  t1=$EPOCHREALTIME
  lat+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) * 1000 }')")
done
printf '%s\n' "${lat[@]}" | sort -n | awk -v n="$cycles" '
  { a[NR] = $1 }
  END {
    med = a[int((NR + 1) / 2)]; p90 = a[int(NR * 0.9)]; p99 = a[int(NR * 0.99)]
    for (i = 1; i <= NR; i++) if (a[i] >= med + 250) late++
    printf "| sling --wait → completed, %d cycles: median / p90 / p99 / max | %.1f / %.1f / %.1f / %.1f ms | p99 = %.2f× median, %d of %d waits ≥ 250 ms over the median | p99 ≤ 2× median |\n",
      NR, med, p90, p99, a[NR], p99 / med, late + 0, NR
  }'
