#include "supervisor/running_turns.h"

namespace drover::supervisor {

std::set<std::string> RunningTurns::agents() const {
  std::set<std::string> out;
  for (const auto& [agent, turn] : turns_) out.insert(agent);
  return out;
}

std::set<pid_t> RunningTurns::pids() const {
  std::set<pid_t> out;
  for (const auto& [agent, turn] : turns_) out.insert(turn.pid);
  return out;
}

runner::TurnHandle* RunningTurns::find(const std::string& agent) const {
  auto it = turns_.find(agent);
  return it == turns_.end() ? nullptr : it->second.handle.get();
}

}  // namespace drover::supervisor
