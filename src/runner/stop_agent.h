#pragma once
// Stopping an agent from any shell (SPEC §6.3), with or without a supervisor. Exactly one
// writer settles: a runner holding the turn lock settles its own turn as `stopped` after
// we kill its group; with no runner, this function settles the agent itself.
#include <chrono>
#include <string>
#include <string_view>

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
// (stop --tree, below the top): no worker_died is sent for this death. `host`: this
// machine's host id (docs/hosts.md); when another host runs the agent's turn, that host
// ends it within a tick and this waits for its settle (failed when it does not come within
// the lease, two ticks and the grace). Empty: one host.
Result<StopReport> stop_agent(const ProjectPaths& paths, const Config& config, store::Store& store,
                              const std::string& agent, std::chrono::milliseconds grace,
                              bool quiet = false, std::string_view host = {});

// `pause --now` (docs/steering.md "Pause"): ends the agent's running turn without stopping
// the agent. The caller has recorded the request on the session (Sessions::
// request_pause_now) and the pause, so the runner settles the turn as `interrupted`, its
// mail released. Signals the turn's group (as stop does) while a runner holds the turn
// lock, and returns once none does. No runner: no running turn to end (a dead runner's turn
// is recovery's). Errors: failed when the group survived SIGKILL or the runner did not
// settle in time.
struct InterruptReport {
  bool signalled = false;  // a live turn group was signalled
};
Result<InterruptReport> interrupt_turn(const ProjectPaths& paths, const std::string& agent,
                                       std::chrono::milliseconds grace);

}  // namespace drover::runner
