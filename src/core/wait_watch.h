#pragma once
// Whether a shell waiting on an agent (`sling --wait`, `nudge --wait`) can still expect
// progress, given who could run the agent's turns (SPEC §6.1, §6.2). Pure.
#include <string>

namespace drover {

struct WaitFacts {
  bool supervisor_running = false;  // a supervisor holds supervisor.lock
  bool runner_holds_agent = false;  // some runner (`drover turn`) holds the agent's turn lock
  bool supervisor_died = false;     // no supervisor, but supervisor.pid was left behind
  bool autostart = true;            // config supervisor.autostart
  int restarts = 0;                 // restarts this wait has made so far
};

inline constexpr int kMaxWaitRestarts = 3;

struct WaitVerdict {
  enum class Kind { keep_waiting, restart_supervisor, give_up } kind = Kind::keep_waiting;
  std::string reason;  // restart_supervisor: what to tell the user; give_up: why
};

WaitVerdict judge_wait(const WaitFacts& f);

}  // namespace drover
