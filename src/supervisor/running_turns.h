#pragma once
// The turns this supervisor runs now, one per agent: what the scheduler counts against
// max_concurrent_turns, what the dead-runner search skips, whose children are reaped, and
// where an interrupt or live mail for an agent goes.
#include <sys/types.h>

#include <map>
#include <memory>
#include <set>
#include <string>

#include "runner/runner.h"

namespace drover::supervisor {

class RunningTurns {
 public:
  void add(const std::string& agent, std::shared_ptr<runner::TurnHandle> handle, pid_t pid) {
    turns_[agent] = Turn{std::move(handle), pid};
  }
  void erase(const std::string& agent) { turns_.erase(agent); }
  bool empty() const { return turns_.empty(); }
  std::size_t size() const { return turns_.size(); }

  std::set<std::string> agents() const;
  std::set<pid_t> pids() const;  // the turns' children (the agents)
  // The agent's turn, when it runs here; nullptr otherwise.
  runner::TurnHandle* find(const std::string& agent) const;
  // Every turn, in agent order.
  template <typename F>
  void each(F f) const {
    for (const auto& [agent, turn] : turns_) f(agent, *turn.handle);
  }

 private:
  struct Turn {
    std::shared_ptr<runner::TurnHandle> handle;
    pid_t pid = 0;
  };
  std::map<std::string, Turn> turns_;
};

}  // namespace drover::supervisor
