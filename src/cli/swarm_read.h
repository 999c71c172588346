#pragma once
// The live view's data (issue 16): one read of the database and the supervisor's files
// per redraw, as a core/swarm_view.h snapshot. Read-only, like `drover status`: the
// supervisor does nothing for the view.
//
// Queries, in one read transaction: the sessions; the cost sums of every agent's turns,
// all time and since local midnight (Turns::costs_by_agent, over turns_agent); unread mail
// per session (Mail::unread_by_session, one messages_inbox range each) and the operator's;
// each session's newest event (Events::latest_per_session, one events_agent seek each —
// never a scan of the events table); the start of each running turn (by id).
#include "cli/project.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/result.h"
#include "core/swarm_view.h"

namespace drover::store {
class Store;
}

namespace drover::cli {

Result<SwarmSnapshot> read_swarm(store::Store& st, const ProjectPaths& p, const Config& cfg,
                                 TimePoint now);

// The start of the local day holding `now`, as a SPEC §3 timestamp (for "cost today").
std::string local_midnight_timestamp(TimePoint now);

}  // namespace drover::cli
