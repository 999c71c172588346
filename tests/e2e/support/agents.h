#pragma once
// Agents through the CLI, as an operator drives them: sling, nudge, `drover turn`, and
// the facts read back (state, status, turns, events); what the scripted fixture agent
// recorded of each turn it ran; an agent's files under .drover/agents/ and its turn lock.
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "support/project.h"

namespace e2e {

// Scripted-agent directive: report worker_done to the operator (a builder's terminal mail).
inline const std::string kReportToOperator =
    "#!mail --to operator --type worker_done --subject done --body ok";

// `drover sling ARGS…`, asserting success (the supervisor may start and run the agent).
void sling(const TempProject& p, std::vector<std::string> args);
// `drover sling ARGS… --no-start`, asserting success: the agent waits for `drover turn`.
void sling_parked(const TempProject& p, std::vector<std::string> args);
// `drover nudge AGENT TEXT --no-start`, asserting success.
void nudge_parked(const TempProject& p, const std::string& agent, const std::string& text);

// `drover turn AGENT [extra…]` with the agent environment.
Run turn(const TempProject& p, const std::string& agent,
         const std::vector<std::string>& extra = {});
// `drover turn AGENT` for a turn expected to end well (exit 0); its stderr (the start of
// it) goes with any failure that follows.
Run turn_ok(const TempProject& p, const std::string& agent);
// `drover --json turn AGENT` for a turn expected to end well (or not to run): the report
// document (ran, turn, outcome, state, …). Failed turns print only the error document.
Json turn_json(const TempProject& p, const std::string& agent);
// `drover turn AGENT` for a turn expected to fail (exit 1); returns its turn row.
Json failed_turn(const TempProject& p, const std::string& agent);

// The agent's state and turn count, from the database ("" and 0 for no such agent).
std::string state_of(const TempProject& p, const std::string& agent);
bool wait_state(const TempProject& p, const std::string& agent, const std::string& state,
                std::chrono::milliseconds timeout = kDeadline);
long long turn_count(const TempProject& p, const std::string& agent);
// Waits until the agent is between turns, in none, with exactly `turns` turns done.
bool wait_idle_after(const TempProject& p, const std::string& agent, long long turns);

// `drover status AGENT --json`: {"agent":{…},"turns":[…],"pending_mail":[…]}.
Json status(const TempProject& p, const std::string& agent);
Json agent_row(const TempProject& p, const std::string& agent);  // its "agent"
// The agent's newest turn row (id, outcome, exit_code, signal, …) from `status AGENT --json`.
Json last_turn(const TempProject& p, const std::string& agent);
// The agent's events from `drover log AGENT --json`, optionally only one kind.
std::vector<Json> events(const TempProject& p, const std::string& agent,
                         const std::string& kind = "");

// What the fixture agent recorded of each turn (argv, env, stdin, text, cwd, pid, pgid),
// in <record_dir>/<agent>.<turn>.json.
std::vector<Json> records(const TempProject& p, const std::string& agent);         // in turn order
bool wait_records(const TempProject& p, const std::string& agent, std::size_t n);  // at least n
std::filesystem::path record_path(const TempProject& p, const std::string& agent, long long turn);
Json record(const TempProject& p, const std::string& agent, long long turn);  // must exist
bool argv_has(const Json& record, const std::string& arg);
std::string argv_after(const Json& record, const std::string& flag);  // "" when absent

std::filesystem::path agent_dir(const TempProject& p,
                                const std::string& agent);  // .drover/agents/<agent>
bool turn_pid_exists(const TempProject& p, const std::string& agent);

// Holds an agent's turn lock like another runner would (flock on an O_CLOEXEC fd).
class HeldLock {
 public:
  HeldLock(const TempProject& p, const std::string& agent);
  ~HeldLock();
  HeldLock(const HeldLock&) = delete;
  HeldLock& operator=(const HeldLock&) = delete;

 private:
  int fd_ = -1;
};
// True when nobody holds the agent's turn lock (a missing lock file counts as free).
bool lock_free(const TempProject& p, const std::string& agent);

}  // namespace e2e
