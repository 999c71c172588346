// When interrupted turns count as failed turns (core/interruptions.h).
#include <doctest/doctest.h>

#include "core/interruptions.h"

using namespace drover;

namespace {

TurnRecord ended(TurnOutcome outcome, std::string detail = "") {
  TurnRecord t;
  t.ended_at = "2026-01-01T00:00:00.000Z";
  t.outcome = outcome;
  t.detail = std::move(detail);
  return t;
}
TurnRecord runner_died_turn() {
  return ended(TurnOutcome::interrupted, "the runner died (supervisor restart)");
}
// A supervisor shutdown: the runner settled its own turn, and measured it.
TurnRecord shutdown_turn(std::string detail = "turn interrupted by supervisor shutdown") {
  TurnRecord t = ended(TurnOutcome::interrupted, std::move(detail));
  t.duration_ms = 1200;
  return t;
}

}  // namespace

TEST_CASE("interruptions: the streak counts runner deaths back to the last other end") {
  CHECK(interruption_streak({}) == 0);
  CHECK(interruption_streak({runner_died_turn()}) == 1);
  CHECK(interruption_streak({runner_died_turn(), runner_died_turn(), ended(TurnOutcome::completed),
                             runner_died_turn()}) == 2);
  CHECK(interruption_streak({ended(TurnOutcome::waiting), runner_died_turn()}) == 0);
  // A failed turn ends the streak too: it was counted already, by the settle decision.
  CHECK(interruption_streak({runner_died_turn(), ended(TurnOutcome::failed), runner_died_turn()}) ==
        1);
}

TEST_CASE("interruptions: a shutdown neither counts nor breaks the streak, running turns skip") {
  CHECK(interruption_streak({shutdown_turn()}) == 0);
  CHECK(interruption_streak({runner_died_turn(), shutdown_turn(), runner_died_turn()}) == 2);
  // A shutdown-interrupted turn whose detail is the agent's result text.
  CHECK(interruption_streak(
            {shutdown_turn("the runner died (an agent's result text)"), runner_died_turn()}) == 1);
  TurnRecord running;
  CHECK(interruption_streak({running, runner_died_turn()}) == 1);
}

TEST_CASE("interruptions: the first one is free, then each counts as a failed turn with backoff") {
  auto first = decide_interruption(1, 0, 3, Millis(5000), "the runner died");
  CHECK_FALSE(first.counts);
  CHECK(first.failed_turns == 0);
  CHECK_FALSE(first.backoff);

  auto second = decide_interruption(2, 0, 3, Millis(5000), "the runner died (x)");
  CHECK(second.counts);
  CHECK(second.failed_turns == 1);
  CHECK_FALSE(second.zombie);
  CHECK(second.backoff == Millis(5000));
  CHECK(second.reason == "interrupted 2 times in a row (the runner died (x))");

  auto third = decide_interruption(3, 1, 3, Millis(5000), "the runner died");
  CHECK(third.failed_turns == 2);
  CHECK(third.backoff == Millis(10000));  // doubling, as for failed turns
}

TEST_CASE("interruptions: reaching max_failed_turns makes a zombie, failures before included") {
  auto v = decide_interruption(4, 2, 3, Millis(5000), "the runner died");
  CHECK(v.counts);
  CHECK(v.zombie);
  CHECK(v.failed_turns == 3);
  CHECK_FALSE(v.backoff);
  CHECK(v.reason ==
        "failed 3 turns in a row; last: interrupted 4 times in a row (the runner died)");
  // Earlier failed turns count towards the same limit.
  CHECK(decide_interruption(2, 2, 3, Millis(5000), "the runner died").zombie);
}
