#!/usr/bin/env bash
# bench/sling_batch.sh [BUILD_DIR] [RUNS]: `drover sling --batch` of 1,000 agents (issue 18
# target 4: ≤ 1 s), each run in a fresh project (--no-start: no supervisor, no turn), against
# two floors, each the sqlite3 shell writing the same 1,000 session rows and 1,000 dispatch
# mails in one transaction into the same fresh project: as 2,000 INSERT statements (what a
# script would do), and as two INSERT … SELECT over a generated series (the least SQLite can
# do). Also slinging agents one by one (100 of them, once), the way it was done before
# --batch. Prints markdown rows "| case | drover | floor | ratio | target |". Not a test: it
# asserts nothing.
set -euo pipefail
build=$(realpath "${1:-$(dirname "$0")/../build-release}")
runs=${2:-10}
n=1000
bin=$build/drover
pb=$build/bench/procbench
export NO_COLOR=1
unset DROVER_AGENT DROVER_PROJECT
dir=$(mktemp -d /tmp/drover-bench-batch-XXXXXX)
trap 'rm -rf "$dir"' EXIT

# A project template whose default runtime is the scripted agent (nothing runs: --no-start).
mkdir -p "$dir/template"
(cd "$dir/template" && "$bin" init -q >/dev/null)
sed -i 's/^runtime = "claude"/runtime = "scripted"/' "$dir/template/.drover/config.toml"
printf '\n[runtimes.scripted]\ncommand = ["%s/scripted-agent"]\n' "$build" >>"$dir/template/.drover/config.toml"

# The batch: one agent per line, a task of a realistic length.
for i in $(seq 1 "$n"); do
  echo "agent$i fix the login bug, part $i: validate the token expiry and add a test for it"
done >"$dir/agents.txt"
# The floor: the same rows, one transaction, through the sqlite3 shell.
{
  echo "BEGIN;"
  for i in $(seq 1 "$n"); do
    task="fix the login bug, part $i: validate the token expiry and add a test for it"
    echo "INSERT INTO sessions (name,capability,runtime,task,depth,state,created_at,last_activity) VALUES ('agent$i','builder','scripted','$task',0,'booting',strftime('%Y-%m-%dT%H:%M:%fZ','now'),strftime('%Y-%m-%dT%H:%M:%fZ','now'));"
    echo "INSERT INTO messages (from_agent,to_agent,subject,body,type,priority,created_at) VALUES ('operator','agent$i','dispatch: fix the login bug, part $i','$task','dispatch','normal',strftime('%Y-%m-%dT%H:%M:%fZ','now'));"
  done
  echo "COMMIT;"
} >"$dir/floor.sql"

# The tighter floor: the same rows generated inside SQLite, two statements.
cat >"$dir/floor_select.sql" <<SQL
BEGIN;
WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < $n)
INSERT INTO sessions (name,capability,runtime,task,depth,state,created_at,last_activity)
SELECT 'agent' || i, 'builder', 'scripted', 'fix the login bug, part ' || i || ': validate the token expiry and add a test for it', 0, 'booting', strftime('%Y-%m-%dT%H:%M:%fZ','now'), strftime('%Y-%m-%dT%H:%M:%fZ','now') FROM k;
WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < $n)
INSERT INTO messages (from_agent,to_agent,subject,body,type,priority,created_at)
SELECT 'operator', 'agent' || i, 'dispatch: fix the login bug, part ' || i, 'fix the login bug, part ' || i || ': validate the token expiry and add a test for it', 'dispatch', 'normal', strftime('%Y-%m-%dT%H:%M:%fZ','now') FROM k;
COMMIT;
SQL

fresh="rm -rf '$dir/p' && cp -a '$dir/template' '$dir/p'"
measure() { "$pb" --runs "$runs" --warmup 2 --before "$fresh" "$@"; }
d=$(measure -- "$bin" --project "$dir/p" sling --batch "$dir/agents.txt" --no-start -q)
f=$(measure --stdin "$dir/floor.sql" -- sqlite3 "$dir/p/.drover/drover.db")
created=$(sqlite3 "$dir/p/.drover/drover.db" "SELECT count(*) FROM sessions")
[ "$created" -eq "$n" ] || { echo "sling_batch: the floor left $created sessions, not $n" >&2; exit 1; }
g=$(measure --stdin "$dir/floor_select.sql" -- sqlite3 "$dir/p/.drover/drover.db")
created=$(sqlite3 "$dir/p/.drover/drover.db" "SELECT count(*) FROM messages")
[ "$created" -eq "$n" ] || { echo "sling_batch: the floor left $created messages, not $n" >&2; exit 1; }
"$pb" --runs 1 --warmup 0 --before "$fresh" -- "$bin" --project "$dir/p" sling --batch "$dir/agents.txt" --no-start -q >/dev/null
created=$(sqlite3 "$dir/p/.drover/drover.db" "SELECT count(*) FROM sessions WHERE state='booting'")
[ "$created" -eq "$n" ] || { echo "sling_batch: the batch left $created sessions, not $n" >&2; exit 1; }

# One by one: 100 slings (once), per agent.
eval "$fresh"
t0=${EPOCHREALTIME/./}
head -100 "$dir/agents.txt" | while read -r name task; do
  "$bin" --project "$dir/p" sling "$name" "$task" --no-start -q
done
t1=${EPOCHREALTIME/./}

read -r dm dp10 dp90 _ _ drss _ <<<"$d"
read -r fm fp10 fp90 _ _ _ _ <<<"$f"
read -r gm gp10 gp90 _ _ _ _ <<<"$g"
ratio=$(awk -v a="$dm" -v b="$fm" 'BEGIN { printf "%.1f", a / b }')
ratio2=$(awk -v a="$dm" -v b="$gm" 'BEGIN { printf "%.1f", a / b }')
one=$(awk -v t=$((t1 - t0)) 'BEGIN { printf "%.1f", t / 1000 / 100 }')
per=$(awk -v a="$dm" -v n="$n" 'BEGIN { printf "%.2f", a / n }')
echo "| sling --batch, $n agents (--no-start, fresh project; $runs runs) | $dm ms (p10 $dp10, p90 $dp90; $per ms per agent; peak RSS $((drss / 1024)) MiB) | sqlite3 shell, the same $n sessions + $n dispatch mails in one transaction: $fm ms (p10 $fp10, p90 $fp90) | ${ratio}× | ≤ 1000 ms |"
echo "| the same | (as above) | sqlite3 shell, the same rows from two INSERT … SELECT in one transaction: $gm ms (p10 $gp10, p90 $gp90) | ${ratio2}× | - |"
echo "| sling one by one (100 agents, once) | $one ms per agent | - | - | - |"
