#pragma once
// Which processes of the process table belong to a turn (SPEC §5.3, §7), pure. The turn
// lease (runner/turn_lease.h) scans /proc and asks this; recovery, `stop`, the doctor and
// `clean` all go through it, so they agree on what is the turn's.
//
// A turn is known by what turn.pid recorded for its leader: pid P (which is also its
// process group, and its session when it was spawned as a session leader), start ticks T
// and the boot. The kernel never hands out the number P again — as a pid, a process
// group or a session — while any process still uses it as its process group or session.
// So, on the same boot:
//   - while the leader lives (the very process: start ticks match), every member of group
//     P and of session P descends from the turn or joined it;
//   - once the leader is gone, members of group P or session P can still be the turn's,
//     and they are if they started at or after T;
//   - when a different process now has pid P, the number was free when it was handed out:
//     the turn's group and session had emptied, and nothing left belongs to the turn.
// A process that left both (setsid, or setpgid into a group of its own) is not found
// here: only a cgroup holds those (os/cgroup.h).
#include <sys/types.h>

#include <cstdint>
#include <vector>

namespace drover {

// What turn.pid recorded for the turn's leader.
struct TurnOrigin {
  pid_t pid = 0;
  pid_t pgid = 0;
  std::uint64_t start_ticks = 0;
};

// What is now at the leader's pid.
enum class LeaderNow {
  same,        // the leader itself (start ticks and boot match), in its group or not
  gone,        // no process has the pid (or only a zombie does)
  reused,      // another process has the pid
  other_boot,  // turn.pid was written before a reboot
};

struct ProcessRow {
  pid_t pid = 0;
  pid_t pgid = 0;
  pid_t sid = 0;
  std::uint64_t start_ticks = 0;
  bool dead = false;  // a zombie: nothing left to signal
};

// The live processes of `table` that belong to the turn, in table order. Empty when the
// leader's number was reused, turn.pid is from another boot, or the leader did not lead
// its own group (pgid != pid: the group's number is then not pinned by the leader).
std::vector<ProcessRow> turn_members(const TurnOrigin& turn, LeaderNow leader,
                                     const std::vector<ProcessRow>& table);

}  // namespace drover
