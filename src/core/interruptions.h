#pragma once
// When interrupted turns count as failed turns (docs/reliability.md, "Interruptions that
// repeat"). Pure.
//
// A turn whose runner died (the supervisor killed, a `drover turn` killed, a runner that
// could not record the end of the turn because the disk was full) is ended by recovery as
// `interrupted` and the agent resumes. Once is nobody's fault. When it happens again with no
// other end in between, the agent is the likely cause (its output fills the disk, it takes
// the machine's memory), and resuming it at once, forever, is a loop: from the second
// interruption in a row on, each one counts as a failed turn (failed_turns + 1, the retry
// backoff, zombie at max_failed_turns), as SPEC §5.4 rule 5 does for a failed turn.
// A turn interrupted by a supervisor shutdown (`drover down`, SIGTERM) is the operator's
// doing: it never counts, and does not break a streak either.
#include <optional>
#include <string>
#include <vector>

#include "core/duration.h"
#include "core/turn_record.h"

namespace drover {

// Whether a turn ended interrupted because its runner died: recovery ended it, so nobody
// measured it (no duration_ms). A supervisor shutdown's runner settles its own turn, with a
// duration.
bool runner_died(const TurnRecord& t);

// How many turns ended interrupted because their runner died, in a row, at the end of an
// agent's history (`newest_first`): shutdown interruptions and unfinished turns are
// skipped; any other end stops the count.
int interruption_streak(const std::vector<TurnRecord>& newest_first);

// Interruptions in a row that are forgiven before they count as failed turns.
inline constexpr int kFreeInterruptions = 1;

struct InterruptionVerdict {
  bool counts = false;            // as a failed turn
  int failed_turns = 0;           // the agent's new consecutive failure count
  bool zombie = false;            // failed_turns reached max_failed_turns
  std::optional<Millis> backoff;  // before the next attempt, when it counts
  std::string reason;             // state_reason when it counts
};

// `streak` includes the interruption being settled; `failed_turns` is the agent's count
// before it; `why` says what interrupted the turn ("the runner died (…)").
InterruptionVerdict decide_interruption(int streak, int failed_turns, int max_failed_turns,
                                        Millis retry_backoff, const std::string& why);

}  // namespace drover
