#pragma once
// Starting the supervisor detached, and the supervisor's own process chores.
#include <sys/types.h>

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "core/result.h"

namespace drover::os {

// Path of the running executable (/proc/self/exe).
Result<std::filesystem::path> self_exe();

// posix_spawn in a new session: stdin /dev/null, stdout and stderr appended to log_path,
// no other fds. The caller does not wait for it.
Result<pid_t> spawn_detached(const std::vector<std::string>& argv,
                             const std::filesystem::path& log_path);

// Reaps exited children that are not in `keep` (those are reaped through their pidfd by
// the runner). Uses WNOWAIT to look before reaping. Returns how many were reaped.
int reap_children_except(const std::set<pid_t>& keep);

// Raises the soft RLIMIT_NOFILE to the hard limit (each running turn holds about eight
// descriptors; the usual soft limit of 1024 would cap the supervisor near 120 turns). An
// unlimited hard limit gives 1048576 (the kernel's usual nr_open), or 65536 where that is
// refused. Agents inherit it. -1 in a field that could not be read.
struct FdLimit {
  long before = -1;  // the soft limit we started with
  long now = -1;     // the soft limit in force
  long hard = -1;    // the hard limit (-1 also for unlimited)
};
FdLimit raise_fd_limit();

}  // namespace drover::os
