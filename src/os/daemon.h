#pragma once
// Starting the supervisor detached, and the supervisor's own process chores.
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace drover::os {

// Path of the running executable (/proc/self/exe).
Result<std::filesystem::path> self_exe();

// A child started by spawn_detached, and the read end of its report pipe.
struct DetachedChild {
  pid_t pid = -1;
  int report = -1;  // the caller closes it (close_fd)
};

// posix_spawn in a new session: stdin /dev/null, stdout and stderr appended to log_path,
// fd 3 the write end of a pipe whose read end is returned ($DROVER_REPORT_FD names it for
// the child; see take_report_fd), no other fds. The caller does not wait for it: a child
// that fails to start writes why on its fd 3 before exiting, because its log may be the
// very thing it cannot write (a full disk).
Result<DetachedChild> spawn_detached(const std::vector<std::string>& argv,
                                     const std::filesystem::path& log_path);

// Waits up to `wait` on a report pipe: nullopt while it stays open and silent; once the
// writer closed it (it reported, or it exited), everything written to it, maybe nothing.
std::optional<std::string> read_report(int fd, std::chrono::milliseconds wait);

// How child `pid` ended ("exit status 1", "killed by SIGSEGV"), reaping it; waits up to
// `wait` for it to end, nullopt if it still runs then.
std::optional<std::string> wait_exit(pid_t pid, std::chrono::milliseconds wait);

// In the detached child: the report fd $DROVER_REPORT_FD names (made close-on-exec so
// agents do not inherit it; the variable is removed), or -1 when there is none.
int take_report_fd();
// Writes `line` and a newline to a report fd and closes it (errors are ignored: whoever
// waited may be gone).
void send_report(int& fd, std::string_view line);

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
