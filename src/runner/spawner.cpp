#include "runner/spawner.h"

#include <signal.h>

#include "runner/turn_lease.h"

namespace drover::runner {

namespace {

class OsSpawner final : public Spawner {
 public:
  Result<os::SpawnedChild> spawn(const os::SpawnRequest& request) override {
    return os::spawn(request);
  }
  Result<os::ProcessIdentity> identity(pid_t pid) override { return os::read_identity(pid); }
  std::optional<os::ExitStatus> reap(int pidfd) override { return os::reap_pidfd(pidfd); }
  void signal_group(pid_t pgid, int sig) override { signal_turn_group(pgid, sig); }
  bool group_alive(pid_t pgid) override { return turn_group_alive(pgid); }
  void kill_and_reap(os::SpawnedChild& child) override {
    signal_turn_group(child.pid, SIGKILL);
    os::wait_child(child.pid);
    os::close_child_fds(child);
  }
};

}  // namespace

Spawner& os_spawner() {
  static OsSpawner spawner;
  return spawner;
}

}  // namespace drover::runner
