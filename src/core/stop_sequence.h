#pragma once
// Stepping through a stop policy (core/watchdog.h), pure. The one executor of a policy:
// `drover stop`, the doctor and recovery drive it synchronously (runner/turn_lease.h), the
// runner's watchdog asynchronously on its timer (runner/turn_lifecycle.h).
#include <cstddef>

#include "core/clock.h"
#include "core/watchdog.h"

namespace drover {

class StopSequence {
 public:
  StopSequence(StopPolicy policy, Millis poll_every);

  struct Next {
    enum class Kind {
      send,      // send `signal` to the group now, then ask again
      wait,      // look again by `until` (a poll, or the end of the step's grace)
      gone,      // the group has no members left; `signal` is the last one sent
      survived,  // the group outlived every step
    };
    Kind kind = Kind::survived;
    int signal = 0;
    SteadyPoint until{};
  };

  // Call first to begin (the first step's signal is sent whatever the group's state),
  // then after each send and whenever a wait is over, with whether the group still has
  // members now.
  Next next(SteadyPoint now, bool group_alive);

  bool started() const { return step_ > 0; }
  int last_signal() const { return step_ > 0 ? policy_[step_ - 1].signal : 0; }

 private:
  StopPolicy policy_;
  Millis poll_every_;
  std::size_t step_ = 0;  // steps begun so far
  SteadyPoint deadline_{};
};

}  // namespace drover
