#include "core/pause.h"

namespace drover {

std::optional<std::string> pause_blocks_start(const Session& s,
                                              const std::optional<std::string>& estop) {
  if (estop)
    return "every agent is paused (the E-stop, since " + *estop +
           "); run 'drover unpause --all' to let turns start";
  if (s.paused_at)
    return "agent '" + s.name + "' is paused" +
           (s.pause_reason && !s.pause_reason->empty() ? " (" + *s.pause_reason + ")" : "") +
           "; run 'drover unpause " + s.name + "' to let it take turns";
  return std::nullopt;
}

std::string state_with_pause(const Session& s) {
  std::string state(to_string(s.state));
  if (s.paused_at && !is_terminal(s.state)) state += " (paused)";
  return state;
}

std::string estop_summary(int turns_running) {
  std::string out = "paused all agents: no new turn starts";
  if (turns_running == 0) return out + "; no turn is running";
  return out + "; " + std::to_string(turns_running) + (turns_running == 1 ? " turn" : " turns") +
         " still running (they finish normally)";
}

}  // namespace drover
