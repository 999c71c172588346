#include "store/schema.h"

namespace drover::store {

namespace {

// Version 1: the four tables of SPEC §1/§3/§4/§8.
constexpr std::string_view kV1 = R"SQL(
CREATE TABLE sessions (
  name               TEXT PRIMARY KEY,
  capability         TEXT NOT NULL,
  runtime            TEXT NOT NULL,
  model              TEXT,
  task               TEXT NOT NULL DEFAULT '',
  task_id            TEXT,
  parent             TEXT,
  depth              INTEGER NOT NULL DEFAULT 0,
  state              TEXT NOT NULL,
  state_reason       TEXT,
  worktree           TEXT,
  branch             TEXT,
  head_sha           TEXT,
  dirty_summary      TEXT,
  runtime_session_id TEXT,
  created_at         TEXT NOT NULL,
  last_activity      TEXT NOT NULL,
  turn_count         INTEGER NOT NULL DEFAULT 0,
  failed_turns       INTEGER NOT NULL DEFAULT 0,
  current_turn       INTEGER
);
CREATE INDEX sessions_parent ON sessions(parent);

CREATE TABLE turns (
  id            INTEGER PRIMARY KEY,
  agent         TEXT NOT NULL,
  started_at    TEXT NOT NULL,
  ended_at      TEXT,
  outcome       TEXT,
  exit_code     INTEGER,
  signal        INTEGER,
  duration_ms   INTEGER,
  cost_usd      REAL,
  input_tokens  INTEGER,
  output_tokens INTEGER,
  pid           INTEGER,
  resume_id     TEXT,
  session_id    TEXT,
  detail        TEXT,
  mail_mark     INTEGER NOT NULL DEFAULT 0 -- highest message id when the turn began
);
CREATE INDEX turns_agent ON turns(agent, id);

CREATE TABLE messages (
  id           INTEGER PRIMARY KEY,
  from_agent   TEXT NOT NULL,
  to_agent     TEXT NOT NULL,
  subject      TEXT NOT NULL,
  body         TEXT NOT NULL,
  type         TEXT NOT NULL,
  priority     TEXT NOT NULL,
  thread_id    INTEGER,
  reply_to     INTEGER,
  payload      TEXT,
  created_at   TEXT NOT NULL,
  read_at      TEXT,
  claimed_turn INTEGER
);
CREATE INDEX messages_inbox ON messages(to_agent, read_at, id);
CREATE INDEX messages_claimed ON messages(claimed_turn) WHERE claimed_turn IS NOT NULL;

CREATE TABLE events (
  id         INTEGER PRIMARY KEY,
  agent      TEXT NOT NULL,
  turn       INTEGER,
  created_at TEXT NOT NULL,
  kind       TEXT NOT NULL,
  level      TEXT NOT NULL CHECK (level IN ('debug','info','warn','error')),
  data       TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX events_agent ON events(agent, id);
)SQL";

// Version 2: operator intents and scheduling facts the runner and supervisor share.
// stop_requested is the operator's stop intent (SPEC §6.3: "marks the stop in the
// session"); retry_after holds the failed-turn backoff deadline (SPEC §5.4).
constexpr std::string_view kV2 = R"SQL(
ALTER TABLE sessions ADD COLUMN stop_requested INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN retry_after TEXT;
CREATE INDEX messages_from ON messages(from_agent, id);
)SQL";

// Version 3: an inbox listed newest first ("mail list --to X", "mail check") read the
// recipient's rows through messages_inbox (to_agent, read_at, id) and sorted them all; with
// 100,000 messages that was ~20 ms. This index serves it in key order.
constexpr std::string_view kV3 = R"SQL(
CREATE INDEX messages_to ON messages(to_agent, id);
)SQL";

// Version 4: the supervisor looks for agents whose runner died (a turn that never ended)
// on every poll; this partial index holds only the unfinished turns, so that costs the
// same with 100 turns or 100,000.
constexpr std::string_view kV4 = R"SQL(
CREATE INDEX turns_open ON turns(agent) WHERE ended_at IS NULL;
)SQL";

// Version 5: cost sums (status, costs, report) read every started turn. Through turns_agent
// each row was a lookup of its own: with 100,000 turns scattered over 200 agents that took
// four times a plain scan. This index holds every column the sums read, in agent order, so
// `GROUP BY agent` (and the other groupings) scan it alone.
constexpr std::string_view kV5 = R"SQL(
CREATE INDEX turns_costs ON turns(agent, started_at, pid, cost_usd, input_tokens, output_tokens);
)SQL";

// Version 6: `drover merge` (issue 17) records on the agent what it merged its branch into,
// the commit that merge made, the branch tip it merged (so `clean` can tell a squash-merged
// branch from one that moved since), and when.
constexpr std::string_view kV6 = R"SQL(
ALTER TABLE sessions ADD COLUMN merged_sha TEXT;
ALTER TABLE sessions ADD COLUMN merged_into TEXT;
ALTER TABLE sessions ADD COLUMN merged_head TEXT;
ALTER TABLE sessions ADD COLUMN merged_at TEXT;
)SQL";

// Version 7: pause (issue 17, docs/steering.md). A paused agent starts no new turn:
// paused_at is when it was paused (NULL: not paused), pause_reason what the operator said.
// settings holds project-wide flags; the E-stop (`pause --all`) is the key 'estop'.
constexpr std::string_view kV7 = R"SQL(
ALTER TABLE sessions ADD COLUMN paused_at TEXT;
ALTER TABLE sessions ADD COLUMN pause_reason TEXT;
CREATE TABLE settings (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
)SQL";

// Version 8: live input (issue 17, docs/steering.md). `live` says how a message reaches a
// live-input runtime: 0 at the agent's next turn (all mail so far), 1 also into a running
// turn's stdin, 2 the same after an interrupt request. The partial index holds only live
// mail nobody has claimed yet, so the supervisor finds it on every wake at no cost.
constexpr std::string_view kV8 = R"SQL(
ALTER TABLE messages ADD COLUMN live INTEGER NOT NULL DEFAULT 0;
CREATE INDEX messages_live ON messages(to_agent, id)
  WHERE live > 0 AND read_at IS NULL AND claimed_turn IS NULL;
)SQL";

// Version 9: budgets and `pause --now` (issue 17). An agent's own limits (NULL: none; its
// capability's or the config's apply); pause_now asks the settle of the running turn to
// record it as interrupted. turns_started serves the project's cost today: a range of
// started_at. It covers every column the cost sums read (as turns_costs does), so the
// sums since a time that SQLite plans through it (costs --since) read it alone too.
constexpr std::string_view kV9 = R"SQL(
ALTER TABLE sessions ADD COLUMN max_cost_usd REAL;
ALTER TABLE sessions ADD COLUMN max_turns INTEGER;
ALTER TABLE sessions ADD COLUMN max_tokens INTEGER;
ALTER TABLE sessions ADD COLUMN pause_now INTEGER NOT NULL DEFAULT 0;
CREATE INDEX turns_started ON turns(started_at, pid, cost_usd, input_tokens, output_tokens, agent);
)SQL";

// Version 10: approval gates (issue 17, docs/steering.md "Approval gates"). One row per
// `drover ask`, keyed by its decision_gate mail's id; decided (or closed, decision
// 'closed') once. holds_turns is 0 when the asker's capability has turns_while_waiting.
// The partial index serves the scheduler's "has an open gate" and the open-gate lists.
constexpr std::string_view kV10 = R"SQL(
CREATE TABLE gates (
  id            INTEGER PRIMARY KEY,
  asker         TEXT NOT NULL,
  to_agent      TEXT NOT NULL,
  question      TEXT NOT NULL,
  options       TEXT NOT NULL,
  step          TEXT,
  holds_turns   INTEGER NOT NULL DEFAULT 1,
  asked_at      TEXT NOT NULL,
  decision      TEXT,
  note          TEXT,
  decided_by    TEXT,
  decided_at    TEXT,
  decision_mail INTEGER
);
CREATE INDEX gates_open ON gates(asker) WHERE decided_at IS NULL;
CREATE INDEX gates_asker ON gates(asker, id);
)SQL";

// Version 11: one supervisor at scale (issue 18). What the supervisor asks on every poll
// tick reads only rows that need it, however many agents are idle: the scheduler's
// runnable query starts from unclaimed unread mail (messages_pending, which covers it: the
// type is there for its "a decision waits" column; without `live`, so that the live-mail
// question keeps its own smaller index), the search for dead runners from the agents in a
// turn (sessions_in_turn).
constexpr std::string_view kV11 = R"SQL(
CREATE INDEX messages_pending ON messages(to_agent, id, type)
  WHERE read_at IS NULL AND claimed_turn IS NULL;
CREATE INDEX sessions_in_turn ON sessions(name) WHERE state = 'in_turn';
)SQL";

// Version 12: several hosts on one store (issue 19, docs/hosts.md). A host is one
// supervisor's machine: it renews seen_ms (the database's clock, ms since the epoch) while
// it lives, and is lost once seen_ms + lease_ms has passed and another host took its agents
// (lost_at, lost_by). A lease gives an agent to one host; its token grows on every takeover,
// and each turn records the host and token it ran under, so a settle can tell whether its
// host still holds the agent (the fence).
constexpr std::string_view kV12 = R"SQL(
CREATE TABLE hosts (
  name       TEXT PRIMARY KEY,
  pid        INTEGER NOT NULL,
  started_at TEXT NOT NULL,
  seen_ms    INTEGER NOT NULL,
  lease_ms   INTEGER NOT NULL,
  lost_at    TEXT,
  lost_by    TEXT
);
CREATE TABLE leases (
  agent TEXT PRIMARY KEY,
  host  TEXT NOT NULL,
  token INTEGER NOT NULL
);
CREATE INDEX leases_host ON leases(host);
ALTER TABLE turns ADD COLUMN host TEXT;
ALTER TABLE turns ADD COLUMN token INTEGER;
)SQL";

constexpr Migration kMigrations[] = {{1, kV1}, {2, kV2},   {3, kV3},   {4, kV4},
                                     {5, kV5}, {6, kV6},   {7, kV7},   {8, kV8},
                                     {9, kV9}, {10, kV10}, {11, kV11}, {12, kV12}};

}  // namespace

std::span<const Migration> migrations() { return kMigrations; }
int current_schema_version() { return kMigrations[std::size(kMigrations) - 1].to_version; }

}  // namespace drover::store
