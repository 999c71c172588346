#include "core/stop_sequence.h"

#include <algorithm>

namespace drover {

StopSequence::StopSequence(StopPolicy policy, Millis poll_every)
    : policy_(std::move(policy)), poll_every_(poll_every) {}

StopSequence::Next StopSequence::next(SteadyPoint now, bool group_alive) {
  using Kind = Next::Kind;
  if (step_ > 0 && !group_alive) return {Kind::gone, last_signal(), {}};
  if (step_ == 0 || now >= deadline_) {
    if (step_ >= policy_.size()) return {Kind::survived, last_signal(), {}};
    const StopStep& s = policy_[step_++];
    deadline_ = now + s.grace;
    return {Kind::send, s.signal, {}};
  }
  return {Kind::wait, 0, std::min(deadline_, now + poll_every_)};
}

}  // namespace drover
