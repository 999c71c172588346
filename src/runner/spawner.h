#pragma once
// How the runner starts a turn's child and controls its process group: the real one is
// posix_spawn + pidfd (os/) with group signals through the turn lease; tests use a fake
// whose "processes" are pipes and flags (tests/unit/fake_spawner.h).
#include <sys/types.h>

#include <optional>

#include "core/result.h"
#include "os/process.h"
#include "os/spawn.h"

namespace drover::runner {

class Spawner {
 public:
  virtual ~Spawner() = default;
  // The child leads a new process group; its pipes and pidfd are O_CLOEXEC. `pidfd` must
  // be a descriptor that turns readable once the child has exited.
  virtual Result<os::SpawnedChild> spawn(const os::SpawnRequest& request) = 0;
  // The identity turn.pid publishes for the child.
  virtual Result<os::ProcessIdentity> identity(pid_t pid) = 0;
  // The child's exit status once `pidfd` is readable (reaping it); nullopt while it runs.
  virtual std::optional<os::ExitStatus> reap(int pidfd) = 0;
  virtual void signal_group(pid_t pgid, int sig) = 0;
  virtual bool group_alive(pid_t pgid) = 0;
  // Error paths before streaming: SIGKILL the group, wait for the child, close its fds.
  virtual void kill_and_reap(os::SpawnedChild& child) = 0;
};

// posix_spawn, /proc and process-group signals.
Spawner& os_spawner();

}  // namespace drover::runner
