#pragma once
// The turn lease (SPEC §5.1, §6.3, §7): the one owner of an agent's turn.lock and
// turn.pid, of "is this process group still the turn's, and does it still have members",
// and of signalling it. The runner, `stop`, recovery, the doctor and `status` all go
// through here: no other file parses turn.pid or sends a signal to an agent's processes.
//
// turn.lock is held by whoever runs or repairs the agent's turn (a runner for the whole
// turn; `stop`, recovery and `doctor --fix` while they repair it). turn.pid names the
// turn's child — pid, process group, start ticks, boot id — and is written right after
// the spawn, by the lock holder.
#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/paths.h"
#include "core/result.h"
#include "core/turn_members.h"
#include "core/watchdog.h"
#include "os/file_lock.h"
#include "os/process.h"

namespace drover::runner {

class TurnLease {
 public:
  TurnLease() = default;
  // Takes the agent's turn lock at once (no `wait`) or within `wait`; Errc::conflict when
  // another process holds it. The agent's directory must exist.
  static Result<TurnLease> take(const ProjectPaths& paths, const std::string& agent,
                                std::optional<Millis> wait = std::nullopt);

  // Writes turn.pid naming the turn's child (0600, atomically).
  Status publish(const os::ProcessIdentity& child) const;
  // Removes turn.pid (a missing file is fine).
  Status unpublish() const;
  // Cgroup mode: records the agent's turn cgroup under `project_cgroup` in turn.cgroup
  // (first, so that a crash leaves it findable), then creates it. Returns its path.
  Result<std::filesystem::path> open_cgroup(const std::filesystem::path& project_cgroup) const;
  // Releases the lock (turn.pid is left as it is).
  void release() { lock_.release(); }
  bool held() const { return lock_.held(); }

 private:
  TurnLease(ProjectPaths paths, std::string agent, os::FileLock lock)
      : paths_(std::move(paths)), agent_(std::move(agent)), lock_(std::move(lock)) {}
  ProjectPaths paths_;
  std::string agent_;
  os::FileLock lock_;
};

// True when some process holds the agent's turn lock now (read-only probe).
bool lease_held(const ProjectPaths& paths, const std::string& agent);

// What an agent's turn.pid says, read by anyone.
struct TurnPid {
  bool present = false;                         // the file exists (readable or not)
  bool readable = false;                        // and could be read
  std::string text;                             // as read
  std::optional<os::ProcessIdentity> identity;  // when it parses
  std::string problem;                          // why it cannot be read or parsed
  os::Liveness liveness = os::Liveness::gone;   // of `identity`
  // The leader gone, processes of its turn still alive (core/turn_members.h).
  std::size_t leftovers = 0;
  bool alive() const { return identity && liveness == os::Liveness::alive; }
  // Something of the turn is alive: the leader, or what it left behind.
  bool has_processes() const { return alive() || leftovers > 0; }
};
TurnPid read_turn_pid(const ProjectPaths& paths, const std::string& agent);
Status remove_turn_pid(const ProjectPaths& paths, const std::string& agent);

// Whether the group named by a turn.pid identity is still the turn's to signal: its
// leader is the very process named (start ticks and boot id match) and still in that group.
enum class GroupOwnership { ours, gone, reused, left_group };
GroupOwnership check_group(const os::ProcessIdentity& id);

// The live processes of the turn turn.pid names, from /proc now (core/turn_members.h):
// its process group and session, also when the leader is gone.
std::vector<ProcessRow> turn_processes(const os::ProcessIdentity& id);

// Running a stop policy synchronously on a turn's processes (`stop`, the doctor,
// recovery). Before the first signal the group is checked to be ours: its leader, or —
// the leader gone — members that started at or after it (turn_processes). Each step
// signals the group and any member outside it; the stop is over when none is left.
struct GroupStop {
  enum class Kind { gone, survived, not_ours };
  Kind kind = Kind::gone;
  int last_signal = 0;                              // gone: the signal after which it was gone
  GroupOwnership ownership = GroupOwnership::ours;  // not_ours: why
};
GroupStop stop_turn_group(const os::ProcessIdentity& id, const StopPolicy& policy,
                          const MonotonicClock& clock = SteadyClock::instance());

// Cgroup mode's end of a turn, for the lease holder: SIGKILL to everything in the turn
// cgroup turn.cgroup names (setsid daemons included), a bounded wait until it is empty,
// rmdir, and turn.cgroup removed. What it found:
struct CgroupEnd {
  bool present = false;    // turn.cgroup named a cgroup of drover's shape
  bool populated = false;  // processes were still in it (and were killed)
  std::string problem;     // a cgroup that stayed populated or could not be removed
};
CgroupEnd end_turn_cgroup(const ProjectPaths& paths, const std::string& agent);
// The turn cgroup turn.cgroup names, when it has drover's shape (read by anyone).
std::optional<std::filesystem::path> read_turn_cgroup(const ProjectPaths& paths,
                                                      const std::string& agent);
// Moves the turn's child into its cgroup.
Status enter_turn_cgroup(const std::filesystem::path& cgroup, pid_t pid);

// Signals a group this process knows is the turn's (the runner: the leader is its own
// child). Sending to a group that is gone is not an error.
void signal_turn_group(pid_t pgid, int sig);
// True while any process other than zombies remains in the group.
bool turn_group_alive(pid_t pgid);

}  // namespace drover::runner
