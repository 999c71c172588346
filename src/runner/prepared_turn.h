#pragma once
// What preparation hands to the streaming phase (runner-internal).
#include <optional>
#include <string>

#include "core/capability.h"
#include "core/session.h"
#include "core/watchdog.h"
#include "os/file_lock.h"
#include "os/process.h"
#include "os/spawn.h"
#include "runner/runner.h"
#include "runner/worktree.h"

namespace drover::runner {

struct PreparedTurn {
  std::string agent;
  std::int64_t turn_id = 0;
  Session session;                        // as re-read under the lock
  Capability capability;
  std::optional<std::string> resume_id;   // the session id the turn was started with
  std::string user_line;                  // the NDJSON line for stdin
  os::SpawnedChild child;
  os::ProcessIdentity identity;
  os::FileLock lock;
  StallBudgets budgets;
  StopPolicy stop_policy;
  int transcript_fd = -1;
  int stderr_log_fd = -1;
  std::chrono::steady_clock::time_point spawned_at;
};

// Settles the turn in one transaction and returns the report (runner/settle_turn.cpp).
// `worktree`: head and uncommitted changes of the agent's worktree, observed before the
// transaction (git never runs inside it); nullopt for agents without one.
TurnReport settle_turn(RunnerContext& ctx, const PreparedTurn& t, TurnObservation obs,
                       std::int64_t duration_ms, const std::optional<double>& cost,
                       const std::optional<std::int64_t>& input_tokens,
                       const std::optional<std::int64_t>& output_tokens,
                       const std::optional<std::string>& observed_session_id,
                       const std::optional<WorktreeSnapshot>& worktree);

// The end of every path: remove turn.pid, release the lock (runner/settle_turn.cpp).
void cleanup_turn_files(RunnerContext& ctx, PreparedTurn& t);

// Loads .drover/capabilities/<cap>.md, or the built-in default when it is missing.
Capability load_capability(RunnerContext& ctx, const std::string& name);

// Starts streaming for a spawned child (runner/turn_run.cpp).
std::shared_ptr<TurnHandle> run_streaming(boost::asio::io_context& io, RunnerContext& ctx,
                                          PreparedTurn turn,
                                          std::function<void(const TurnReport&)> done);

}  // namespace drover::runner
