#include <doctest/doctest.h>

#include <map>
#include <utility>

#include "runner/turn_phase.h"

using namespace drover::runner;

TEST_CASE("turn phases: every cell of the table") {
  using P = TurnPhase;
  using S = PhaseStep;
  const std::map<std::pair<P, S>, P> allowed = {
      {{P::running, S::stop}, P::stopping},         {{P::running, S::group_empty}, P::draining},
      {{P::stopping, S::group_empty}, P::draining}, {{P::stopping, S::gave_up}, P::draining},
      {{P::draining, S::settle}, P::settled},
  };
  for (P from : kAllPhases)
    for (S step : kAllSteps) {
      CAPTURE(to_string(from));
      CAPTURE(to_string(step));
      auto it = allowed.find({from, step});
      auto to = next_phase(from, step);
      if (it == allowed.end()) CHECK_FALSE(to.has_value());
      else CHECK(to == it->second);
    }
}

TEST_CASE("turn phases: settled is final and every phase has a name") {
  for (PhaseStep step : kAllSteps) CHECK_FALSE(next_phase(TurnPhase::settled, step).has_value());
  for (TurnPhase p : kAllPhases) CHECK(to_string(p) != "?");
  for (PhaseStep s : kAllSteps) CHECK(to_string(s) != "?");
}
