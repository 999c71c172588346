#pragma once
// How often the supervisor's loop may wake (issue 18: CPU per streamed event).
//
// Each wake-up costs a context switch, and on this kind of machine that costs more than
// the work one streamed line brings. With many turns streaming, the loop woke once per
// line. So, while at least `min_turns` turns run AND the loop woke at least `busy_rounds`
// times in the last `window`, each round of the loop begins at least `quantum` after the
// one before: one wake-up then serves every pipe, timer and socket that became ready
// meanwhile. Otherwise the loop wakes at once for anything, as before.
//
// Nothing is dropped or reordered; it is only handled later, by at most `quantum`, and
// only while the supervisor is that busy. `busy_rounds` must stay below window / quantum
// (the paced rate), or pacing would switch itself off and on again.
#include <chrono>
#include <cstddef>

#include "core/clock.h"

namespace drover {

class WakePacing {
 public:
  using Micros = std::chrono::microseconds;

  WakePacing(Micros quantum, int busy_rounds, Micros window, std::size_t min_turns);

  // A round of the loop began at `start` with `running` turns. Returns how long after
  // `start` the next round may begin: zero unless paced.
  Micros round_began(SteadyPoint start, std::size_t running);

  bool paced() const { return paced_; }

 private:
  Micros quantum_, window_;
  int busy_rounds_;
  std::size_t min_turns_;
  SteadyPoint window_start_{};
  int rounds_in_window_ = 0;
  bool busy_ = false;  // the last whole window had busy_rounds rounds or more
  bool paced_ = false;
};

}  // namespace drover
