#pragma once
// Running a stop policy (core/watchdog.h) on a process group, synchronously: for commands
// (`drover stop`, `doctor --fix`) that stop a turn they do not run themselves.
#include <sys/types.h>

#include <optional>

#include "core/watchdog.h"

namespace drover::os {

// Sends each step's signal to the group `pgid`, whose identity the caller has verified,
// then waits up to the step's grace (polling the process table every 2 ms) for the group
// to vanish. Returns the signal after which it was gone, or nullopt when it outlived every
// step.
std::optional<int> stop_group(pid_t pgid, const StopPolicy& policy);

}  // namespace drover::os
