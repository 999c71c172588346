#!/usr/bin/env bash
# bench/stores.sh [BUILD_DIR] [RUNS]: the two store backends side by side (issue 19). The
# same cases run on SQLite (.drover/drover.db) and on PostgreSQL (a throw-away cluster from
# scripts/pg-cluster, over its Unix socket; fsync off there as in the tests), each against
# a floor measured in the same run: the engine's own shell (sqlite3, psql) doing the same
# query, or a bare spawn of the agent. Then issue 19's other two bounds: a turn's store
# work (bench/turn_store) and the writes of lease renewal at 10 and 1,000 agents. Prints
# markdown tables. Not a test: it asserts nothing.
set -euo pipefail
build=$(realpath "${1:-$(dirname "$0")/../build-release}")
runs=${2:-30}
repo=$(cd "$(dirname "$0")/.." && pwd)
bin=$build/drover
agent=$build/scripted-agent
pb=$build/bench/procbench
export NO_COLOR=1 DROVER_BIN=$bin
unset DROVER_AGENT DROVER_PROJECT DROVER_STORE DROVER_HOST

work=$(mktemp -d /tmp/drover-stores-XXXXXX)
pgdir=$(mktemp -d /tmp/drover-pg.XXXXXX)  # reachable by the cluster's user (scripts/pg-cluster)
chmod 755 "$pgdir"
uri=$("$repo/scripts/pg-cluster" start "$pgdir")
cleanup() {
  for d in "$work"/*/; do [ -d "$d/.drover" ] && "$bin" --project "$d" down --now >/dev/null 2>&1 || true; done
  "$repo/scripts/pg-cluster" stop "$pgdir" >/dev/null 2>&1 || true
  rm -rf "$work" "$pgdir"
}
trap cleanup EXIT

# psql itself, not Debian's Perl wrapper in /usr/bin (it would add ~20 ms to every floor).
psql=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)/psql
psql_() { "$psql" -X -q -v ON_ERROR_STOP=1 "$@"; }
ts=$(date -u +%Y-%m-%dT%H:%M:%S.000Z)

# make_project DIR BACKEND: a project whose agents run the scripted fixture; on
# PostgreSQL its store is a schema of its own, named in config.toml's `store` (as a
# multi-host project sets it). DIR/.uri keeps the store's address for the helpers below.
make_project() {
  local dir=$1 backend=$2
  mkdir -p "$dir"
  if [ "$backend" = pg ]; then
    local schema
    schema=$(basename "$dir")
    psql_ "$uri" -c "CREATE SCHEMA $schema"
    echo "$uri&options=-csearch_path%3D$schema" >"$dir/.uri"
    # init creates the tables in the schema; config.toml then names the store.
    (cd "$dir" && DROVER_STORE=$(cat "$dir/.uri") "$bin" init -q >/dev/null)
    sed -i "1i store = \"$(cat "$dir/.uri")\"" "$dir/.drover/config.toml"
  else
    (cd "$dir" && "$bin" init -q >/dev/null)
    echo "$dir/.drover/drover.db" >"$dir/.uri"
  fi
  sed -i 's/^runtime = "claude"/runtime = "scripted"/' "$dir/.drover/config.toml"
  printf '\n[runtimes.scripted]\ncommand = ["%s"]\n' "$agent" >>"$dir/.drover/config.toml"
}
# sql DIR: runs the SQL on stdin in DIR's store. q DIR SQL: one value.
sql() {
  local u; u=$(cat "$1/.uri")
  if [[ $u == postgresql* ]]; then psql_ "$u" >/dev/null; else sqlite3 "$u" >/dev/null; fi
}
q() {
  local u; u=$(cat "$1/.uri")
  if [[ $u == postgresql* ]]; then psql_ -At "$u" -c "$2"; else sqlite3 "$u" "$2"; fi
}
# floor DIR SQL: the engine's shell printing the query's rows as JSON, timed.
floor() {
  local u; u=$(cat "$1/.uri")
  if [[ $u == postgresql* ]]; then measure -- "$psql" -X -q -At "$u" -c "$2"
  else measure -- sqlite3 -json "$u" "$3"; fi
}
measure() { "$pb" --runs "$runs" --warmup 3 "$@"; }

# N sessions (a quarter between turns, the rest finished), as after N slings; the same
# rows on both engines.
add_sessions() {
  local dir=$1 n=$2
  {
    echo "BEGIN;"
    for i in $(seq 1 "$n"); do
      state=completed; [ $((i % 4)) -eq 0 ] && state=between_turns
      echo "INSERT INTO sessions (name,capability,runtime,task,parent,depth,state,created_at,last_activity,turn_count) VALUES ('agent$i','builder','scripted','fix the login bug, part $i','operator',1,'$state','$ts','$ts',1);"
    done
    echo "COMMIT;"
  } | sql "$dir"
  (cd "$dir/.drover/agents" && seq 1 "$n" | sed 's/^/agent/' | xargs mkdir -p)
}
# N messages over 20 recipients, one in 20 to the operator.
add_messages() {
  sql "$1" <<EOF
BEGIN;
WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < $2)
INSERT INTO messages (from_agent,to_agent,subject,body,type,priority,created_at)
SELECT 'agent' || (i % 20), CASE WHEN i % 20 = 0 THEN 'operator' ELSE 'agent' || (i % 20) END,
       'subject ' || i, 'body of message ' || i || ': the login handler now validates expiry.',
       'status', 'normal', '$ts' FROM k;
COMMIT;
EOF
}

rows=()
row() {  # row CASE BACKEND FLOOR_NAME "drover stats" "floor stats" TARGET
  local dm dp10 dp90 fm ratio
  read -r dm dp10 dp90 _ <<<"$4"
  fm=$(cut -f1 <<<"$5")
  ratio=$(awk -v a="$dm" -v b="$fm" 'BEGIN { printf "%.1f×, net %.2f ms", a / b, a - b }')
  rows+=("| $1 | $2 | $dm | $dp10–$dp90 | $3 | $fm | $ratio | $6 |")
  echo "stores: $1, $2: median $dm ms (floor $fm ms)" >&2
}

# What `status --json` reads (src/cli/status_overview.cpp read_head, then the sessions),
# in one snapshot: the statements drover sends, taken from PostgreSQL's log
# (log_statement = all), parameters filled in; rows printed as JSON.
status_pg="BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT count(*) FROM sessions WHERE state = 'in_turn';
SELECT count(*) FROM messages WHERE to_agent = 'operator' AND read_at IS NULL;
SELECT json_agg(c) FROM (SELECT agent, count(*), count(cost_usd), coalesce(sum(cost_usd), 0), coalesce(sum(input_tokens), 0), coalesce(sum(output_tokens), 0) FROM turns WHERE pid IS NOT NULL GROUP BY 1 ORDER BY 1) c;
SELECT value FROM settings WHERE key = 'estop';
SELECT json_agg(g) FROM (SELECT g.id, g.asker, g.to_agent, g.question, g.options, g.step, g.holds_turns, g.asked_at, g.decision, g.note, g.decided_by, g.decided_at, g.decision_mail FROM gates g JOIN sessions s ON s.name = g.asker WHERE g.decided_at IS NULL AND g.asked_at >= s.created_at AND s.state IN ('booting','between_turns','in_turn') ORDER BY g.id) g;
SELECT CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT);
SELECT json_agg(h) FROM (SELECT h.name, h.pid, h.started_at, h.seen_ms, h.lease_ms, h.lost_at, h.lost_by, (SELECT count(*) FROM leases l WHERE l.host = h.name) FROM hosts h ORDER BY h.name) h;
SELECT json_agg(l) FROM (SELECT agent, host FROM leases) l;
SELECT json_agg(s) FROM (SELECT name, capability, runtime, model, task, task_id, parent, depth, state, state_reason, worktree, branch, head_sha, dirty_summary, runtime_session_id, created_at, last_activity, turn_count, failed_turns, current_turn, stop_requested, retry_after, merged_sha, merged_into, merged_head, merged_at, paused_at, pause_reason, pause_now, max_cost_usd, max_turns, max_tokens FROM sessions ORDER BY created_at, name) s;
COMMIT;"
status_sqlite="SELECT count(*) FROM sessions WHERE state = 'in_turn';
SELECT count(*) FROM messages WHERE to_agent = 'operator' AND read_at IS NULL;
SELECT agent, count(*), count(cost_usd), coalesce(sum(cost_usd), 0), coalesce(sum(input_tokens), 0), coalesce(sum(output_tokens), 0) FROM turns WHERE pid IS NOT NULL GROUP BY 1 ORDER BY 1;
SELECT value FROM settings WHERE key = 'estop';
SELECT g.id, g.asker, g.to_agent, g.question, g.options, g.step, g.holds_turns, g.asked_at, g.decision, g.note, g.decided_by, g.decided_at, g.decision_mail FROM gates g JOIN sessions s ON s.name = g.asker WHERE g.decided_at IS NULL AND g.asked_at >= s.created_at AND s.state IN ('booting','between_turns','in_turn') ORDER BY g.id;
SELECT h.name, h.pid, h.started_at, h.seen_ms, h.lease_ms, h.lost_at, h.lost_by, (SELECT count(*) FROM leases l WHERE l.host = h.name) FROM hosts h ORDER BY h.name;
SELECT agent, host FROM leases;
SELECT name, capability, runtime, model, task, task_id, parent, depth, state, state_reason, worktree, branch, head_sha, dirty_summary, runtime_session_id, created_at, last_activity, turn_count, failed_turns, current_turn, stop_requested, retry_after, merged_sha, merged_into, merged_head, merged_at, paused_at, pause_reason, pause_now, max_cost_usd, max_turns, max_tokens FROM sessions ORDER BY created_at, name;"
list_pg="SELECT json_agg(m) FROM (SELECT * FROM messages ORDER BY id DESC LIMIT 100) m"
list_sqlite="SELECT * FROM messages ORDER BY id DESC LIMIT 100"

for b in sqlite pg; do
  name=$([ $b = pg ] && echo PostgreSQL || echo SQLite)
  # --- connection alone: what every command pays before its first query --------------
  p=$work/conn_$b; make_project "$p" $b
  if [ $b = pg ]; then
    row "connect + one query (the engine's shell)" "$name" "/bin/true" \
      "$(measure -- "$psql" -X -q -At "$(cat "$p/.uri")" -c "SELECT 1")" "$(measure -- /bin/true)" "-"
  fi
  # --- status --json at 200 agents ------------------------------------------------------
  p=$work/status_$b; make_project "$p" $b; add_sessions "$p" 200; cd "$p"
  row "status --json, 200 agents" "$name" "$([ $b = pg ] && echo psql || echo sqlite3) same queries" \
    "$(measure -- "$bin" status --json)" "$(floor "$p" "$status_pg" "$status_sqlite")" \
    "$([ $b = pg ] && echo "≤ 3× floor" || echo "≤ 4 ms")"
  # --- mail list --json at 10,000 messages --------------------------------------------
  p=$work/list_$b; make_project "$p" $b; add_messages "$p" 10000; cd "$p"
  row "mail list --json, 10000 messages" "$name" "$([ $b = pg ] && echo psql || echo sqlite3) same query" \
    "$(measure -- "$bin" mail list --json)" "$(floor "$p" "$list_pg" "$list_sqlite")" "≤ 20 ms"
  # --- mail send, a supervisor running ----------------------------------------------------
  "$bin" up -q >/dev/null
  insert="INSERT INTO messages (from_agent,to_agent,subject,body,type,priority,created_at) VALUES ('operator','agent3','bench','the fix is in','status','normal','$ts');"
  row "mail send (supervisor running)" "$name" "$([ $b = pg ] && echo psql || echo sqlite3) INSERT" \
    "$(measure -- "$bin" mail send --to agent3 --subject bench --body 'the fix is in')" \
    "$(floor "$p" "$insert" "$insert")" "≤ 4 ms"
  "$bin" down --now -q >/dev/null 2>&1 || true
  # --- turns ------------------------------------------------------------------------------
  p=$work/turns_$b; make_project "$p" $b; cd "$p"
  "$bin" sling idle "#!say ready" --capability coordinator -q >/dev/null
  until [ "$(q "$p" "SELECT state || turn_count FROM sessions WHERE name='idle'")" = between_turns1 ]; do sleep 0.01; done
  printf '%s\n' '{"type":"user","message":{"role":"user","content":"Continue your task."}}' >"$work/user.ndjson"
  row "nudge --wait → settled (instant agent)" "$name" "bare spawn of the agent" \
    "$(measure -- "$bin" nudge idle --wait -q)" "$(measure --stdin "$work/user.ndjson" -- "$agent")" "net ≤ 3 ms"
  task='#!mail --to operator --type worker_done --subject done --body ok'
  printf '{"type":"user","message":{"role":"user","content":"%s"}}\n' "$task" >"$work/mail.ndjson"
  row "sling --wait → completed (agent mails via CLI)" "$name" "bare spawn of the agent" \
    "$(measure -- "$bin" sling "b{i}" "$task" --wait -q)" \
    "$(DROVER_AGENT=b0 DROVER_PROJECT=$p measure --stdin "$work/mail.ndjson" -- "$agent")" "net ≤ 5 ms"
  "$bin" down --now -q >/dev/null 2>&1 || true
done

# --- a turn's store work (claim + in_turn + settle) ------------------------------------
turn_rows=$("$build/bench/turn_store" 300; "$build/bench/turn_store" 300 "$uri")

# --- lease renewal: writes per tick at 10 and 1,000 agents on one host -------------------
# A supervisor on PostgreSQL whose agents all hold this host's lease, idle; a 6 s lease, so
# it renews every second. PostgreSQL's own counters (pg_stat_user_tables) over 10 s.
renewal_rows=()
for n in 10 1000; do
  p=$work/lease$n; make_project "$p" pg; cd "$p"
  sed -i 's/^lease = .*/lease = "6s"/' .drover/config.toml
  {
    echo "BEGIN;"
    for i in $(seq 1 "$n"); do
      echo "INSERT INTO sessions (name,capability,runtime,task,depth,state,created_at,last_activity,turn_count) VALUES ('idle$i','coordinator','scripted','wait for mail',0,'between_turns','$ts','$ts',1);"
      echo "INSERT INTO leases (agent,host,token) VALUES ('idle$i','benchhost',1);"
    done
    echo "COMMIT;"
  } | sql "$p"
  "$bin" up -q --host benchhost >/dev/null
  sleep 3
  schema=lease$n
  counters() {
    psql_ -At "$uri" -c "SELECT coalesce(sum(n_tup_upd) FILTER (WHERE relname = 'hosts'), 0),
      coalesce(sum(n_tup_upd + n_tup_ins + n_tup_del) FILTER (WHERE relname = 'leases'), 0),
      coalesce(sum(n_tup_upd + n_tup_ins + n_tup_del), 0)
      FROM pg_stat_user_tables WHERE schemaname = '$schema'" | tr '|' ' '
  }
  sleep 1.5  # the server publishes a backend's counters at most once a second
  read -r h0 l0 a0 <<<"$(counters)"
  sleep 10
  read -r h1 l1 a1 <<<"$(counters)"
  "$bin" down --now -q >/dev/null 2>&1 || true
  renewal_rows+=("| $n agents held by one host, idle, 10 s at one renewal a second | $((h1 - h0)) | $((l1 - l0)) | $((a1 - a0)) |")
  echo "stores: renewal, $n agents: hosts rows updated $((h1 - h0)), leases written $((l1 - l0)), all rows written $((a1 - a0))" >&2
done

echo
echo "drover $("$bin" --version | awk '{print $NF}') on $(nproc) cores, $(date -u +%Y-%m-%d), $runs runs per case after 3 warm-ups; PostgreSQL $(psql_ -At "$uri" -c 'SHOW server_version') over a Unix socket"
echo
echo "| case | store | drover median ms | p10–p90 ms | floor | floor median ms | ratio | target |"
echo "|---|---|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
echo
echo "| a turn's store transactions (bench/turn_store, 300 turns) | median ms | p90 ms | target |"
echo "|---|---|---|---|"
echo "$turn_rows"
echo
echo "| lease renewal (PostgreSQL's pg_stat_user_tables) | hosts rows updated | leases rows written | all rows written |"
echo "|---|---|---|---|"
printf '%s\n' "${renewal_rows[@]}"
