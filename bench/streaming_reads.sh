#!/usr/bin/env bash
# bench/streaming_reads.sh [BUILD_DIR] [RUNS]: the streamed listings of issue 18 ("every CLI
# read streams, in constant memory") beside their floors, measured in the same run:
#   - `mail list --json --limit 0` and `mail list --limit 0` (text) over 10,000 and 100,000
#     messages, against the sqlite3 shell printing the same rows (the same columns, in the
#     same order) with -json and in its list mode;
#   - `status --json` and `status --all` over 10,000 sessions, against the sqlite3 shell
#     printing the sessions (and the operator's unread count) as JSON and as a list.
# Prints markdown rows in scripts/bench's table layout (case, median, p10–p90, peak RSS,
# floor, floor median, ratio, target). Times come from bench/procbench (posix_spawn → wait4,
# 3 warm-ups). Not a test: it asserts nothing.
set -euo pipefail
build=$(realpath "${1:-$(dirname "$0")/../build-release}")
runs=${2:-30}
bin=$build/drover
pb=$build/bench/procbench
export NO_COLOR=1
unset DROVER_AGENT DROVER_PROJECT
work=$(mktemp -d /tmp/drover-bench-stream-XXXXXX)
trap 'rm -rf "$work"' EXIT

measure() { "$pb" --runs "$runs" --warmup 3 "$@"; }
# row CASE FLOOR_NAME "drover stats" "floor stats" TARGET
row() {
  local name=$1 floor=$2 d=$3 f=$4 target=$5 dm dp10 dp90 rss fm ratio
  read -r dm dp10 dp90 _ _ rss _ <<<"$d"
  fm=$(cut -f1 <<<"$f")
  ratio=$(awk -v a="$dm" -v b="$fm" 'BEGIN { if (b > 0) printf "%.1f", a / b; else print "-" }')
  echo "| $name | $dm | $dp10–$dp90 | $((rss / 1024)).$(((rss % 1024) * 10 / 1024)) | $floor | $fm | ${ratio}× | $target |"
  echo "bench: $name: median $dm ms, $((rss / 1024)) MiB (floor $fm ms)" >&2
}
project() { # project DIR: an initialised project without autostart
  mkdir -p "$1"
  (cd "$1" && "$bin" init -q >/dev/null && printf '[supervisor]\nautostart = false\n' >.drover/config.toml)
}
target="≤ 1.5× floor, ≤ 8 MiB"

# N messages over 20 recipients, one in 20 to the operator (as scripts/bench makes them).
columns="id, from_agent, to_agent, subject, body, type, priority, thread_id, reply_to, payload, created_at, read_at"
for n in 10000 100000; do
  p=$work/mail$n
  project "$p"
  sqlite3 "$p/.drover/drover.db" <<SQL
BEGIN;
WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < $n)
INSERT INTO messages (from_agent,to_agent,subject,body,type,priority,created_at)
SELECT 'agent' || (i % 20), CASE WHEN i % 20 = 0 THEN 'operator' ELSE 'agent' || (i % 20) END,
       'subject ' || i, 'body of message ' || i || ': the login handler now validates expiry.',
       'status', 'normal', strftime('%Y-%m-%dT%H:%M:%fZ','now') FROM k;
COMMIT;
SQL
  cd "$p"
  row "mail list --json --limit 0, $n messages" "sqlite3 -json, same rows" \
    "$(measure -- "$bin" mail list --json --limit 0)" \
    "$(measure -- sqlite3 -json .drover/drover.db "SELECT $columns FROM messages ORDER BY id DESC;")" "$target"
  row "mail list --limit 0 (text), $n messages" "sqlite3, same rows" \
    "$(measure -- "$bin" mail list --limit 0)" \
    "$(measure -- sqlite3 .drover/drover.db "SELECT $columns FROM messages ORDER BY id DESC;")" "$target"
done

# 10,000 sessions (a quarter between turns, the rest finished) with their agent directories.
n=10000
p=$work/status$n
project "$p"
sqlite3 "$p/.drover/drover.db" <<SQL
BEGIN;
WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < $n)
INSERT INTO sessions (name,capability,runtime,task,parent,depth,state,created_at,last_activity,turn_count)
SELECT 'agent' || i, 'builder', 'scripted', 'fix the login bug, part ' || i, 'operator', 1,
       CASE WHEN i % 4 = 0 THEN 'between_turns' ELSE 'completed' END,
       strftime('%Y-%m-%dT%H:%M:%fZ','now'), strftime('%Y-%m-%dT%H:%M:%fZ','now'), 1 FROM k;
COMMIT;
SQL
(cd "$p/.drover/agents" && seq 1 "$n" | sed 's/^/agent/' | xargs mkdir -p)
cd "$p"
unread="SELECT count(*) FROM messages WHERE to_agent='operator' AND read_at IS NULL;"
row "status --json, $n sessions" "sqlite3 -json, same rows" \
  "$(measure -- "$bin" status --json)" \
  "$(measure -- sqlite3 -json .drover/drover.db "SELECT * FROM sessions ORDER BY created_at, name; $unread")" "≤ 1.5× floor"
row "status --all (text), $n sessions" "sqlite3, same rows" \
  "$(measure -- "$bin" status --all)" \
  "$(measure -- sqlite3 .drover/drover.db "SELECT * FROM sessions ORDER BY created_at, name; $unread")" "-"
