#pragma once
// Stopping an agent from any shell (SPEC §6.3), with or without a supervisor. Exactly one
// writer settles: a runner holding the turn lock settles its own turn as `stopped` after
// we kill its group; with no runner, this function settles the agent itself.
#include <chrono>
#include <string>

#include "core/config.h"
#include "core/paths.h"
#include "core/result.h"

namespace drover::store {
class Store;
}

namespace drover::runner {

struct StopReport {
  std::string agent;
  bool signalled = false;       // a live, identity-verified turn group was signalled
  bool stale_turn_pid = false;  // turn.pid named a dead or reused pid: removed, nothing signalled
  bool settled_by_runner = false;
  std::string state;  // "stopped"
};

// Errors: not_found (no agent), conflict (already terminal: the message names the state),
// failed (the group survived SIGKILL, or the runner did not settle in time). `quiet`
// (stop --tree, below the top): no worker_died is sent for this death.
Result<StopReport> stop_agent(const ProjectPaths& paths, const Config& config, store::Store& store,
                              const std::string& agent, std::chrono::milliseconds grace,
                              bool quiet = false);

}  // namespace drover::runner
