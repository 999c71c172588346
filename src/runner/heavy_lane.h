#pragma once
// The supervisor loop's lane for expensive steps (issue 18: stall lateness). Starting a
// turn and settling one each block the loop for milliseconds (a claim, a spawn that waits
// for exec, a transaction, cgroup teardown); a burst of them used to run back to back
// while due watchdog timers and readable pipes waited behind all of them.
//
// Contract: steps run one at a time, in the order pushed, on the loop thread. After a step
// returns, the next one waits until the loop has looked at its descriptors and timers
// once and run every handler that was ready then. So a due timer or a readable pipe waits
// behind at most one step, however many are queued.
#include <cstddef>
#include <deque>
#include <functional>

namespace boost::asio {
class io_context;
}

namespace drover::runner {

class HeavyLane {
 public:
  explicit HeavyLane(boost::asio::io_context& io) : io_(io) {}
  HeavyLane(const HeavyLane&) = delete;
  HeavyLane& operator=(const HeavyLane&) = delete;

  // Queues `step`; it runs from the loop, never from inside push().
  void push(std::function<void()> step);
  std::size_t queued() const { return steps_.size(); }

 private:
  void arm();
  void run_one();

  boost::asio::io_context& io_;
  std::deque<std::function<void()>> steps_;
  bool armed_ = false;
};

}  // namespace drover::runner
