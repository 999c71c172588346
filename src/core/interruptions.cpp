#include "core/interruptions.h"

#include "core/settle.h"

namespace drover {

bool runner_died(const TurnRecord& t) {
  return t.outcome == TurnOutcome::interrupted && !t.duration_ms;
}

int interruption_streak(const std::vector<TurnRecord>& newest_first) {
  int n = 0;
  for (const auto& t : newest_first) {
    if (!t.ended_at) continue;  // still running, or never recorded as ended
    if (runner_died(t)) ++n;
    else if (t.outcome != TurnOutcome::interrupted) break;  // a shutdown is skipped
  }
  return n;
}

InterruptionVerdict decide_interruption(int streak, int failed_turns, int max_failed_turns,
                                        Millis retry_backoff, const std::string& why) {
  InterruptionVerdict v;
  v.failed_turns = failed_turns;
  if (streak <= kFreeInterruptions) return v;
  v.counts = true;
  v.failed_turns = failed_turns + 1;
  std::string what = "interrupted " + std::to_string(streak) + " times in a row (" + why + ")";
  if (v.failed_turns >= max_failed_turns) {
    v.zombie = true;
    v.reason = "failed " + std::to_string(v.failed_turns) + " turns in a row; last: " + what;
    return v;
  }
  v.backoff = backoff_for(v.failed_turns, retry_backoff);
  v.reason = what;
  return v;
}

}  // namespace drover
