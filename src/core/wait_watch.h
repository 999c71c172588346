#pragma once
// Whether a shell waiting on an agent (`sling --wait`, `nudge --wait`) can still expect
// progress, given who could run the agent's turns (SPEC §6.1, §6.2). Pure.
#include <chrono>
#include <optional>
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

// An agent whose last turn failed and will be tried again (SPEC §5.4 rule 5): the wait
// goes on through the retry and says so.
struct RetryFacts {
  bool between_turns = false;  // the session is between_turns
  int failed_turns = 0;        // consecutive failures so far (0: no retry pending)
  int max_failed_turns = 3;
  std::optional<std::chrono::milliseconds> retry_in;  // until sessions.retry_after; nullopt: now
  std::string reason;                                 // its state_reason (the runtime's words)
};
// "retrying in 5 s (2/3): <reason>" — the attempt about to be made out of the most there
// will be; "retrying now (2/3): …" when no backoff is left; nullopt when no retry is due.
std::optional<std::string> retry_line(const RetryFacts& f);

}  // namespace drover
