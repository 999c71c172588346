// One expensive step per round of the loop (runner/heavy_lane.h).
#include "runner/heavy_lane.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

namespace drover::runner {

namespace asio = boost::asio;

void HeavyLane::push(std::function<void()> step) {
  steps_.push_back(std::move(step));
  arm();
}

// Why two posts: Asio runs handlers in the order they were queued, and its look at the
// descriptors and timers is itself a queued operation, re-queued at the back after every
// look. The first post lands behind that look, and the handlers it finds ready are queued
// behind the first post; the second post lands behind those. One post would let the next
// step run before the timers that fell due during this one.
void HeavyLane::arm() {
  if (armed_ || steps_.empty()) return;
  armed_ = true;
  asio::post(io_, [this] { asio::post(io_, [this] { run_one(); }); });
}

void HeavyLane::run_one() {
  armed_ = false;
  if (steps_.empty()) return;
  auto step = std::move(steps_.front());
  steps_.pop_front();
  step();
  arm();
}

}  // namespace drover::runner
