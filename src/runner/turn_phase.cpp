#include "runner/turn_phase.h"

namespace drover::runner {

namespace {

using P = TurnPhase;
using S = PhaseStep;

constexpr unsigned bit(P p) { return 1u << static_cast<unsigned>(p); }

struct Rule {
  S step;
  P to;
  unsigned from;  // bit set of the phases it may leave
};

// The table: one row per step, each with a single target.
constexpr Rule kRules[] = {
    {S::stop, P::stopping, bit(P::running)},
    {S::group_empty, P::draining, bit(P::running) | bit(P::stopping)},
    {S::gave_up, P::draining, bit(P::stopping)},
    {S::settle, P::settled, bit(P::draining)},
};

}  // namespace

std::string_view to_string(TurnPhase p) {
  switch (p) {
    case P::running: return "running";
    case P::stopping: return "stopping";
    case P::draining: return "draining";
    case P::settled: return "settled";
  }
  return "?";
}

std::string_view to_string(PhaseStep s) {
  switch (s) {
    case S::stop: return "stop";
    case S::group_empty: return "group_empty";
    case S::gave_up: return "gave_up";
    case S::settle: return "settle";
  }
  return "?";
}

std::optional<TurnPhase> next_phase(TurnPhase from, PhaseStep step) {
  for (const auto& r : kRules)
    if (r.step == step) return (r.from & bit(from)) ? std::optional<TurnPhase>(r.to) : std::nullopt;
  return std::nullopt;
}

}  // namespace drover::runner
