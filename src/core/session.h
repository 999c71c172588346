#pragma once
// The session record: one row per agent (SPEC §3).
#include <cstdint>
#include <optional>
#include <string>

#include "core/budget.h"
#include "core/session_state.h"

namespace drover {

struct Session {
  std::string name;
  std::string capability;
  std::string runtime;
  std::optional<std::string> model;
  std::string task;
  std::optional<std::string> task_id;
  std::optional<std::string> parent;
  int depth = 0;
  SessionState state = SessionState::booting;
  std::optional<std::string> state_reason;
  std::optional<std::string> worktree;
  std::optional<std::string> branch;
  std::optional<std::string> head_sha;
  std::optional<std::string> dirty_summary;
  std::optional<std::string> runtime_session_id;
  std::string created_at;
  std::string last_activity;
  int turn_count = 0;
  int failed_turns = 0;
  std::optional<std::int64_t> current_turn;
  bool stop_requested = false;
  // Stopped by `stop --tree` below the tree's top (stop_requested = 2 in the row): its
  // death is not reported; the top's worker_died speaks for the tree.
  bool stop_quiet = false;
  std::optional<std::string> retry_after;  // backoff: no new turn before this time
  // The last `drover merge` of its branch: the commit made on merged_into, the branch tip
  // merged, and when (all nullopt until merged).
  std::optional<std::string> merged_sha;
  std::optional<std::string> merged_into;
  std::optional<std::string> merged_head;
  std::optional<std::string> merged_at;
  std::optional<std::string> paused_at;  // paused (no new turn) since; core/pause.h
  std::optional<std::string> pause_reason;
  // `pause --now`: the running turn settles as interrupted (its mail released), not failed.
  bool pause_now = false;
  BudgetLimits budget;  // the agent's own limits (sling --max-cost, drover budget); core/budget.h
};

}  // namespace drover
