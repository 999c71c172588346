#include "supervisor/paced_loop.h"

#include <boost/asio/io_context.hpp>
#include <thread>

#include "core/wake_pacing.h"

namespace drover::supervisor {

namespace {

// Paced, a round begins at most every 5 ms: 200 wake-ups a second at most, however many
// turns stream. It starts once the loop woke 100 times a second (10 in 100 ms, half the
// paced rate) with 16 turns or more running; a single turn, or a few, are never paced.
constexpr WakePacing::Micros kQuantum{5000};
constexpr int kBusyRounds = 10;
constexpr WakePacing::Micros kWindow{100000};

}  // namespace

WriteHolds write_holds(std::size_t running) {
  if (running >= kPacedFromTurns) return {Millis(100), Millis(5000), Millis(10000)};
  return {Millis(10), Millis(0), Millis(2000)};
}

bool search_dead_runners(std::size_t tick, std::size_t running) {
  constexpr std::size_t kEveryAtScale = 5;
  return running < kPacedFromTurns || tick % kEveryAtScale == 0;
}

LoopRounds run_paced(boost::asio::io_context& io, const std::function<std::size_t()>& running) {
  WakePacing pacing(kQuantum, kBusyRounds, kWindow, kPacedFromTurns);
  LoopRounds seen;
  // run_one() waits for the first ready handler; poll() then runs every other one that is
  // ready, without waiting.
  while (io.run_one() > 0) {
    auto woke = std::chrono::steady_clock::now();
    auto pause = pacing.round_began(woke, running());
    ++seen.rounds;
    io.poll();
    if (pause.count() > 0 && !io.stopped()) {
      ++seen.paced;
      std::this_thread::sleep_until(woke + pause);
    }
  }
  return seen;
}

}  // namespace drover::supervisor
