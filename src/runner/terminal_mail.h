#pragma once
// A capability's terminal mail types (SPEC §5.6), for the ends of an agent that no running
// turn settles (runner/turn_ends.h): a stop without a runner, recovery, a failed start;
// and the capability itself for commands outside a turn (ask, merge: core/gate.h).
#include <string>
#include <vector>

#include "core/capability.h"
#include "core/paths.h"

namespace drover::runner {

// From .drover/capabilities/<capability>.md; the default (worker_done, result) when the
// file is missing or does not parse (the runner logs that when it loads it for a turn).
std::vector<std::string> terminal_mail_of(const ProjectPaths& paths, const std::string& capability);
// The capability from .drover/capabilities/<capability>.md, the default when the file is
// missing or does not parse (ask, merge, `drover budget` and `status` read it outside a turn).
Capability read_capability(const ProjectPaths& paths, const std::string& capability);

}  // namespace drover::runner
