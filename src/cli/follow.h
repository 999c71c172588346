#pragma once
// Following an agent from the shell (sling --wait, nudge --wait, log --follow): a
// one-line-per-event progress view read from the events table.
#include <cstdint>
#include <optional>
#include <string>

#include "cli/context.h"

namespace drover::cli {

enum class FollowUntil {
  settled_idle,  // terminal, or between_turns with no pending mail: exit 0 iff completed
  turn_settled,  // the turn that carried message `mail_id` has settled: exit 0 iff it had a result
  answered,      // as turn_settled, but a live message (docs/steering.md "Live nudge") ends the
                 // wait at the result that answers it: exit 0 iff that result is not an error
  forever,       // log --follow: until interrupted
};

// Prints the agent's events with ids above `events_after` (0: all of them) as they arrive.
Status follow_agent(Context& ctx, const std::string& agent, FollowUntil until,
                    std::optional<std::int64_t> mail_id, std::int64_t events_after = 0);

}  // namespace drover::cli
