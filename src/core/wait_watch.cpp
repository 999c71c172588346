#include "core/wait_watch.h"

namespace drover {

WaitVerdict judge_wait(const WaitFacts& f) {
  using Kind = WaitVerdict::Kind;
  if (f.supervisor_running || f.runner_holds_agent) return {Kind::keep_waiting, ""};
  // A supervisor that shut down removes supervisor.pid; one that died leaves it.
  if (f.supervisor_died && f.autostart && f.restarts < kMaxWaitRestarts)
    return {Kind::restart_supervisor,
            "the supervisor died; restarting it (supervisor.autostart is on)"};
  if (f.supervisor_died && f.autostart)
    return {Kind::give_up, "the supervisor died again after " + std::to_string(f.restarts) +
                               " restarts (see .drover/logs/supervisor.log)"};
  if (f.supervisor_died)
    return {Kind::give_up,
            "the supervisor died and supervisor.autostart is off (start it with 'drover up')"};
  return {Kind::give_up,
          "no supervisor is running to run the agent's turns (it was stopped, or "
          "never started: start it with 'drover up')"};
}

std::optional<std::string> retry_line(const RetryFacts& f) {
  if (!f.between_turns || f.failed_turns <= 0 || f.failed_turns >= f.max_failed_turns)
    return std::nullopt;
  std::string when = "retrying now";
  if (f.retry_in && f.retry_in->count() > 0) {
    auto secs = (f.retry_in->count() + 999) / 1000;  // rounded up: never "in 0 s"
    when = "retrying in " + std::to_string(secs) + " s";
  }
  std::string line = when + " (" + std::to_string(f.failed_turns + 1) + "/" +
                     std::to_string(f.max_failed_turns) + ")";
  if (!f.reason.empty()) line += ": " + f.reason;
  return line;
}

}  // namespace drover
