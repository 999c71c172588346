#pragma once
// A running turn's lifecycle, pure (SPEC §5.2–§5.3): its phase (runner/turn_phase.h), the
// watchdog budgets and the stop policy, as a function of what the driver
// (runner/turn_run.cpp) observes and when. Each input answers with what to do next:
// signals to send to the turn's group, when to wake the driver's one timer, and when to
// settle. Time comes from the caller, so tests drive it in milliseconds of test time.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/stop_sequence.h"
#include "core/watchdog.h"
#include "runner/turn_phase.h"

namespace drover::runner {

struct LifecycleAction {
  std::vector<int> signals;             // send these to the turn's group now, in order
  std::optional<SteadyPoint> wake_at;   // (re)arm the timer for this time
  std::optional<std::string> stopping;  // the stop policy began, and why (for the log)
  std::optional<std::string> stalled;   // a watchdog budget ran out: its reason
  std::chrono::duration<double, std::milli> stalled_late{0};  // how late the timer fired
  bool gave_up = false;  // the group outlived every step of the stop policy
  bool settle = false;   // settle the turn now
};

enum class Pipe { stdout_, stderr_ };

class TurnLifecycle {
 public:
  // `eof_wait`: how long to wait for the pipes' EOF once the group is gone (a process that
  // escaped the group must not hold the turn open); `group_poll`: how often to look at the
  // group while the stop policy runs.
  TurnLifecycle(StallBudgets budgets, StopPolicy policy, SteadyPoint spawned_at, Millis eof_wait,
                Millis group_poll);

  TurnPhase phase() const { return phase_; }
  bool exited() const { return exited_; }
  SteadyPoint spawned_at() const { return spawned_at_; }

  // Arms the watchdog for the first-output budget.
  LifecycleAction start();
  // A parsed event (malformed lines are not events: they do not feed the watchdog).
  LifecycleAction on_event(SteadyPoint now);
  // The child has exited; `group_alive`: its group still has members.
  LifecycleAction on_exit(SteadyPoint now, bool group_alive);
  LifecycleAction on_pipe_closed(Pipe which, SteadyPoint now);
  // The timer set by the last `wake_at` fired. `group_alive` is asked only while stopping.
  LifecycleAction on_timer(SteadyPoint now, const std::function<bool()>& group_alive);
  // Stop the turn (supervisor shutdown): runs the stop policy unless it already runs or
  // the group is gone.
  LifecycleAction stop(SteadyPoint now, const std::string& why);

 private:
  void move(PhaseStep step);
  void begin_stop(SteadyPoint now, const std::string& why, LifecycleAction& a);
  void step_stop(SteadyPoint now, bool group_alive, LifecycleAction& a);
  void begin_drain(SteadyPoint now, LifecycleAction& a);
  void maybe_settle(SteadyPoint now, LifecycleAction& a);

  StallBudgets budgets_;
  StopPolicy policy_;
  SteadyPoint spawned_at_;
  Millis eof_wait_, group_poll_;
  TurnPhase phase_ = TurnPhase::running;
  std::optional<SteadyPoint> last_event_;
  std::optional<StopSequence> stop_;
  SteadyPoint eof_deadline_{};
  bool exited_ = false, stdout_closed_ = false, stderr_closed_ = false;
};

}  // namespace drover::runner
