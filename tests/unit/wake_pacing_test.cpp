// core/wake_pacing.h: when the supervisor's loop waits between rounds.
#include <doctest/doctest.h>

#include "core/wake_pacing.h"

using namespace drover;
using us = std::chrono::microseconds;

namespace {

// quantum 5 ms, busy at 10 rounds in a 100 ms window, from 16 turns.
WakePacing pacing() { return WakePacing(us{5000}, 10, us{100000}, 16); }

// `n` rounds spread over one window from `from`; returns the last round's answer.
us rounds(WakePacing& p, SteadyPoint from, int n, std::size_t running) {
  us last{0};
  for (int i = 0; i < n; ++i) last = p.round_began(from + us{i * 1000}, running);
  return last;
}

}  // namespace

TEST_CASE("wake pacing: a loop that wakes rarely is never paced") {
  WakePacing p = pacing();
  SteadyPoint t{std::chrono::seconds(100)};
  for (int w = 0; w < 5; ++w) CHECK(rounds(p, t + us{w * 100000}, 9, 1000) == us{0});
  CHECK_FALSE(p.paced());
}

TEST_CASE("wake pacing: a busy window with many turns paces the next one, and only the next") {
  WakePacing p = pacing();
  SteadyPoint t{std::chrono::seconds(100)};
  // The window the loop is busy in is not paced yet: the decision needs a whole window.
  CHECK(rounds(p, t, 10, 16) == us{0});
  CHECK(p.round_began(t + us{100000}, 16) == us{5000});
  CHECK(p.paced());
  // Paced, the loop manages 20 rounds a window: still busy, so still paced.
  CHECK(rounds(p, t + us{100000} + us{1000}, 19, 16) == us{5000});
  CHECK(p.round_began(t + us{200000}, 16) == us{5000});
  // A quieter window (fewer than 10 rounds) ends it.
  CHECK(rounds(p, t + us{200000} + us{1000}, 3, 16) == us{5000});
  CHECK(p.round_began(t + us{300000}, 16) == us{0});
  CHECK_FALSE(p.paced());
}

TEST_CASE("wake pacing: a few turns are never paced, however often the loop wakes") {
  WakePacing p = pacing();
  SteadyPoint t{std::chrono::seconds(100)};
  rounds(p, t, 100, 15);
  CHECK(p.round_began(t + us{100000}, 15) == us{0});
  // The same busy window with 16 turns running by now: paced.
  CHECK(p.round_began(t + us{100500}, 16) == us{5000});
  // And the turns ending stops it within the window.
  CHECK(p.round_began(t + us{101000}, 3) == us{0});
}

TEST_CASE("wake pacing: a loop that slept through a whole window starts unpaced") {
  WakePacing p = pacing();
  SteadyPoint t{std::chrono::seconds(100)};
  rounds(p, t, 50, 100);
  CHECK(p.round_began(t + us{100000}, 100) == us{5000});
  // The next round comes 250 ms later: the busy window is not the last one any more.
  CHECK(p.round_began(t + us{350000}, 100) == us{0});
}
