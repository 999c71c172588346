#pragma once
// This host's place in a swarm that shares one store (docs/hosts.md). The supervisor
// enters at start-up, then on every poll tick: renews its lease (one row per host, at most
// every lease/6), takes over hosts whose lease ran out (their agents recovered here, a
// host_lost event on each), notices when it was itself taken over, and finds the running
// turns whose stop another host's `drover stop` asked for.
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "runner/runner.h"
#include "supervisor/recovery.h"

namespace drover::supervisor {

class HostWatch {
 public:
  explicit HostWatch(runner::RunnerContext& ctx) : ctx_(ctx) {}

  // Enters (or re-enters) the host's row: live from now, any lost mark cleared.
  Status enter();

  // `running`: the agents whose turns run here now. `end_turn(agent, why)` is called for
  // each running turn to end: its stop or `pause --now` was asked for elsewhere, or — this
  // host having been taken over — every one of them (their settles are fenced off; the
  // host then re-enters). Logs what it did.
  void tick(SteadyPoint now, const std::set<std::string>& running,
            const std::function<void(const std::string&, const std::string&)>& end_turn);

 private:
  runner::RunnerContext& ctx_;
  SteadyPoint last_renew_{};
  bool renewed_once_ = false;
};

}  // namespace drover::supervisor
