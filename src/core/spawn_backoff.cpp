#include "core/spawn_backoff.h"

#include <algorithm>

namespace drover {

void SpawnBackoff::set_max(int max_turns) {
  max_ = std::max(1, max_turns);
  if (!episode_ || limit_ > max_) limit_ = max_;
  if (episode_ && limit_ == max_ && !retry_at_) end_episode();
}

bool SpawnBackoff::on_shortage(SteadyPoint now, int running, std::string cause) {
  bool begins = !episode_;
  if (begins) {
    episode_ = Episode{std::move(cause), 0, 0};
    last_.reset();
  }
  ++episode_->shortages;
  limit_ = std::clamp(running, 1, max_);
  delay_ = delay_.count() == 0 ? kFirstDelay : std::min(delay_ * 2, kMaxDelay);
  retry_at_ = now + delay_;
  return begins;
}

bool SpawnBackoff::on_started(int running) {
  if (!episode_) return false;
  ++episode_->started;
  delay_ = Millis{0};
  retry_at_.reset();
  if (running >= max_) return end_episode();  // the full concurrency runs: the shortage is over
  limit_ = std::min(limit_ + 1, max_);
  return false;
}

bool SpawnBackoff::on_round(SteadyPoint now, int waiting) {
  if (!episode_ || !may_start(now) || waiting > 0 || episode_->started == 0) return false;
  return end_episode();
}

bool SpawnBackoff::end_episode() {
  if (!episode_) return false;
  last_ = std::move(episode_);
  episode_.reset();
  limit_ = max_;
  delay_ = Millis{0};
  retry_at_.reset();
  return true;
}

}  // namespace drover
