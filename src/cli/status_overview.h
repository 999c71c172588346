#pragma once
// `drover status` without an agent (SPEC §6.4): the supervisor, every agent and the
// project's totals, as one JSON document or as a table, written as the sessions are read
// (issue 18: constant memory whatever the number of agents; docs/decisions.md "Streaming
// reads"). Also the age of a stored timestamp as status prints it.
#include <string>

#include "cli/context.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/paths.h"
#include "store/store.h"

namespace drover::cli {

// The overview; `all` lists finished agents too (otherwise they are counted by state).
Status run_status_overview(Context& ctx, bool all, const ProjectPaths& p, const Config& cfg,
                           store::Store& st);

// "3m" since the SPEC §3 timestamp `ts` ("?" when it does not parse).
std::string age_since(const std::string& ts, TimePoint now);
std::string age_since(const std::string& ts);

}  // namespace drover::cli
