#pragma once
// The sessions repository. Reached only through store::Tx. State changes go through
// transition(): a compare-and-set on the predecessors the transition table allows.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/schedule.h"
#include "core/session.h"

namespace drover::store {

class Connection;

// Columns written together with a state change. Unset optionals are left as they are.
struct StateUpdate {
  std::optional<std::string> reason;  // state_reason; empty string clears it
  std::optional<std::string> last_activity;
  std::optional<int> failed_turns;
  bool count_turn = false;                                  // turn_count += 1
  std::optional<std::optional<std::int64_t>> current_turn;  // set (or clear with nullopt)
  std::optional<std::optional<std::string>> runtime_session_id;
  std::optional<std::optional<std::string>> retry_after;
  std::optional<bool> stop_requested;
  std::optional<std::optional<std::string>> head_sha;
  std::optional<std::optional<std::string>> dirty_summary;
};

// What `drover merge` made of an agent's branch.
struct MergeRecord {
  std::string sha;   // the commit the merge made on `into`
  std::string into;  // the branch merged into
  std::string head;  // the agent's branch tip that was merged
  std::string at;    // timestamp
};

class Sessions {
 public:
  explicit Sessions(Connection& db) : db_(db) {}

  // Inserts a new row; conflict if the name exists.
  Status insert(const Session& s);
  // Deletes the row (for sling --replace and clean).
  void remove(std::string_view name);
  // Forgets a terminal agent (drover clean): deletes its session row, turns and events.
  // Its mail stays (the record of what was said) but is retired: unread mail to it is
  // marked read at `now`, and no message stays claimed by one of the deleted turns (their
  // ids may be reused). not_found without a row; conflict when it is not terminal.
  Status purge(std::string_view name, const std::string& now);
  std::optional<Session> get(std::string_view name);
  // Every session, oldest first (created_at, then name).
  std::vector<Session> list();
  // The same rows handed to `fn` one at a time as SQLite reads them, in one Session reused
  // from row to row (valid only during the call): constant memory. Returns how many.
  std::int64_t for_each(const std::function<void(const Session&)>& fn);
  // How many sessions are in `state`.
  int count_in(SessionState state);
  // Applies `event`: UPDATE … WHERE name=? AND state IN (predecessors). Returns the new
  // state, not_found when there is no such agent, conflict ("illegal transition …")
  // when the current state does not allow the event.
  Result<SessionState> transition(std::string_view name, SessionEvent event,
                                  const StateUpdate& update = {});
  // Non-terminal sessions whose parent is `parent`.
  std::vector<std::string> live_children(std::string_view parent);
  // Non-terminal agents (for @all) and those of one capability (for @cap).
  std::vector<Session> live();
  // Field updates that are not state changes (the runner's in-turn facts).
  void set_activity(std::string_view name, const std::string& ts);
  void set_runtime_session_id(std::string_view name, const std::optional<std::string>& id);
  // Where the agent's worktree now is: this host's, after it moved here (issue 19).
  void set_worktree(std::string_view name, const std::string& path);
  // booting/between_turns agents with pending mail, not paused, no stop request (SPEC §7).
  // `host` (when not empty): agents another host holds (store/hosts.h) are left out.
  std::vector<Candidate> runnable(std::string_view host = {});
  // Its SQL: driven by the pending mail (the partial index messages_pending), so an idle
  // agent costs nothing however many there are (issue 18); exposed for the plan test.
  // `leased`: with the host filter (one parameter).
  static std::string runnable_sql(bool leased = false);
  // Agents that need a runner: state in_turn, or a turn that never ended. When nobody
  // holds such an agent's turn lock, its runner died (SPEC §7 recovery applies). `host`
  // (when not empty): agents another host holds are left out (that host's to recover).
  std::vector<std::string> needing_runner(std::string_view host = {});
  // Its SQL: reads the partial indexes sessions_in_turn and turns_open only.
  static const char* needing_runner_sql(bool leased = false);
  // Records a merge of the agent's branch (drover merge); false if there is no such agent.
  bool record_merge(std::string_view name, const MergeRecord& m);
  // Pauses a live, unpaused agent (core/pause.h); the number of rows changed (0 or 1).
  // An empty reason is stored as NULL.
  int set_pause(std::string_view name, const std::string& at, const std::string& reason);
  // Unpauses one agent, or every paused agent (nullopt); the number unpaused. Also
  // withdraws their `pause --now` requests.
  int clear_pause(std::optional<std::string_view> name);
  // `pause --now`: the settle of the running turn of one live agent (or of every live
  // agent, nullopt) records it as interrupted; the number of rows marked.
  int request_pause_now(std::optional<std::string_view> name);
  // The settle took the request into account.
  void clear_pause_now(std::string_view name);
  // The agent's own budget limits (nullopt: none of its own); false if there is no such agent.
  bool set_budget(std::string_view name, const BudgetLimits& limits);
  // Records the operator's stop intent; false if there is no such live agent.
  bool request_stop(std::string_view name, bool quiet = false);

 private:
  Connection& db_;
};

}  // namespace drover::store
