#include "core/state_color.h"

#include "core/table.h"

namespace drover {

std::string_view state_color(SessionState s) {
  switch (s) {
    case SessionState::in_turn:
    case SessionState::completed: return sgr::kGreen;
    case SessionState::failed:
    case SessionState::zombie:
    case SessionState::stale: return sgr::kRed;
    case SessionState::stopped: return sgr::kYellow;
    case SessionState::booting:
    case SessionState::between_turns: return sgr::kNone;
  }
  return sgr::kNone;
}

std::string_view outcome_color(std::string_view outcome) {
  auto o = parse_turn_outcome(outcome);
  if (!o) return sgr::kNone;
  switch (*o) {
    case TurnOutcome::completed:
    case TurnOutcome::waiting: return sgr::kGreen;
    case TurnOutcome::stopped:
    case TurnOutcome::interrupted:
    case TurnOutcome::deferred: return sgr::kYellow;
    case TurnOutcome::violation:
    case TurnOutcome::failed:
    case TurnOutcome::stalled:
    case TurnOutcome::lost_session:
    case TurnOutcome::spawn_failed:
    case TurnOutcome::aborted: return sgr::kRed;
  }
  return sgr::kNone;
}

}  // namespace drover
