#pragma once
// posix_spawn (or clone3, to start inside a cgroup) behind one small interface (DESIGN:
// spawning). The child gets a new process group, pipes for stdin/stdout/stderr, and no
// other inherited fds.
#include <sys/types.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "core/result.h"

namespace drover::os {

struct SpawnRequest {
  std::vector<std::string> argv;                 // argv[0] is looked up in PATH
  std::map<std::string, std::string> env_extra;  // added to (or replacing in) our environ
  std::filesystem::path cwd;                     // empty = inherit
  bool new_session = false;                      // setsid instead of setpgid(0,0)
  std::vector<std::string> env_remove;           // names dropped from our environ
  // A cgroup v2 directory the child starts in (empty: ours). The child is created inside
  // it (clone3 with CLONE_INTO_CGROUP), so there is no moment at which it could fork
  // outside; where the kernel lacks that (before Linux 5.7), /bin/sh joins the cgroup and
  // then execs the command (argv_in_cgroup).
  std::filesystem::path cgroup;
};

struct SpawnedChild {
  pid_t pid = -1;      // also the process group id
  int stdin_fd = -1;   // write end, O_CLOEXEC
  int stdout_fd = -1;  // read end, O_CLOEXEC
  int stderr_fd = -1;  // read end, O_CLOEXEC
  int pidfd = -1;      // pidfd_open(pid), O_CLOEXEC; -1 if the kernel lacks it
  // Created inside SpawnRequest::cgroup by the kernel (clone3). false: in ours, or in the
  // /bin/sh fallback, which joins the cgroup itself after it starts.
  bool in_cgroup = false;
};

// Errors: not_found when argv[0] cannot be found/executed ("cannot run 'x': No such file
// or directory"), resource when a passing shortage stopped it (EAGAIN, EMFILE, ENFILE,
// ENOMEM: core/resource_errors.h), failed for other errno values; the message names the
// command and errno.
Result<SpawnedChild> spawn(const SpawnRequest& request);

// The argv that runs `request` inside a cgroup v2 directory with no window in which it
// could fork outside it: /bin/sh writes its own pid to <cgroup>/cgroup.procs, then execs
// the request's argv (same pid, argv, environment and cwd). Errors as spawn() gives them
// when the request's command cannot be found or run. spawn() uses it for
// SpawnRequest::cgroup when the kernel cannot create a process inside a cgroup.
Result<std::vector<std::string>> argv_in_cgroup(const SpawnRequest& request,
                                                const std::filesystem::path& cgroup);

// Closes every fd in the struct that is open and sets it to -1.
void close_child_fds(SpawnedChild& child);

}  // namespace drover::os
