#include "core/turn_record.h"

namespace drover {

std::string_view to_string(TurnOutcome o) {
  switch (o) {
    case TurnOutcome::completed: return "completed";
    case TurnOutcome::waiting: return "waiting";
    case TurnOutcome::violation: return "contract_violation";
    case TurnOutcome::failed: return "failed";
    case TurnOutcome::stalled: return "stalled";
    case TurnOutcome::stopped: return "stopped";
    case TurnOutcome::interrupted: return "interrupted";
    case TurnOutcome::lost_session: return "lost_session";
    case TurnOutcome::spawn_failed: return "spawn_failed";
    case TurnOutcome::aborted: return "aborted";
    case TurnOutcome::deferred: return "deferred";
  }
  return "failed";
}

std::optional<TurnOutcome> parse_turn_outcome(std::string_view name) {
  for (TurnOutcome o : kAllOutcomes)
    if (to_string(o) == name) return o;
  return std::nullopt;
}

}  // namespace drover
