#include "core/wake_pacing.h"

namespace drover {

WakePacing::WakePacing(Micros quantum, int busy_rounds, Micros window, std::size_t min_turns)
    : quantum_(quantum), window_(window), busy_rounds_(busy_rounds), min_turns_(min_turns) {}

WakePacing::Micros WakePacing::round_began(SteadyPoint start, std::size_t running) {
  if (start - window_start_ >= window_) {
    // A window ended: how busy it was decides the next. When the loop slept through a
    // whole window, the one that ended was not the last window, and nothing is busy.
    bool last_window = start - window_start_ < 2 * window_;
    busy_ = last_window && rounds_in_window_ >= busy_rounds_;
    window_start_ = start;
    rounds_in_window_ = 0;
  }
  ++rounds_in_window_;
  paced_ = busy_ && running >= min_turns_;
  return paced_ ? quantum_ : Micros{0};
}

}  // namespace drover
