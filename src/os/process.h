#pragma once
// Process identity and process-group signalling (SPEC §1, §5.3). The only place that
// reads /proc or sends signals.
#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace drover::os {

// pid + start time + boot id identify a process across pid reuse and reboots.
struct ProcessIdentity {
  pid_t pid = 0;
  pid_t pgid = 0;
  std::uint64_t start_ticks = 0;  // field 22 of /proc/<pid>/stat
  std::string boot_id;            // /proc/sys/kernel/random/boot_id, trimmed
  bool operator==(const ProcessIdentity&) const = default;
};

// The current boot id (cached after the first read).
const std::string& boot_id();

// Reads the identity of a live process. not_found if the process does not exist.
Result<ProcessIdentity> read_identity(pid_t pid);

// "<pid> <pgid> <start_ticks> <boot_id>\n" — the turn.pid / supervisor.pid format.
std::string format_pid_file(const ProcessIdentity& id);
// Parses the above; a usage error naming what was wrong for empty or garbage text.
Result<ProcessIdentity> parse_pid_file(std::string_view text);

enum class Liveness {
  alive,   // the very process named is running
  gone,    // no such pid, or it is a zombie awaiting reaping
  reused,  // the pid is alive but is a different process (start ticks or boot id differ)
};
Liveness check_identity(const ProcessIdentity& id);

// kill(-pgid, sig). Succeeds when the group is already gone (ESRCH) — reports whether it
// was found. Refuses (Errc::usage, nothing sent) groups 0 and 1 and this process's own
// group: drover never ends itself by ending a turn.
Result<bool> signal_group(pid_t pgid, int sig);
// True while any process (other than zombies) remains in the group.
bool group_alive(pid_t pgid);

// One row of the process table, as /proc/<pid>/stat says.
struct ProcessEntry {
  pid_t pid = 0;
  pid_t pgid = 0;
  pid_t sid = 0;
  std::uint64_t start_ticks = 0;
  bool dead = false;  // a zombie awaiting reaping
};
// Every process /proc shows now (those that vanish while it is read are left out).
std::vector<ProcessEntry> list_processes();
// Sends `sig` to `pid` only if it is still the process that started at `start_ticks`
// (checked through a pidfd, so a reused pid is never hit). Reports whether it was sent.
Result<bool> signal_process(pid_t pid, std::uint64_t start_ticks, int sig);

// Process-wide set-up done once at start: SIGPIPE ignored.
void ignore_sigpipe();
// For a long-running process that allocates and frees in bursts (the supervisor, at every
// turn): freed memory stays in the heap for reuse, up to 32 MiB, instead of being given
// back to the kernel and faulted in again at the next burst; allocations below 1 MiB come
// from the heap, not from a mapping of their own.
void keep_freed_memory();
// prctl(PR_SET_CHILD_SUBREAPER): orphaned descendants are reparented to us.
Status become_child_subreaper();
// Reaps every exited child without blocking (waitpid(-1, WNOHANG) loop); returns count.
int reap_exited_children();

}  // namespace drover::os

namespace drover::os {

struct ExitStatus {
  std::optional<int> exit_code;  // normal exit
  std::optional<int> signal;     // killed by this signal
};
// Reaps the child behind a pidfd (waitid P_PIDFD, WEXITED|WNOHANG). nullopt while it
// still runs.
std::optional<ExitStatus> reap_pidfd(int pidfd);
// Blocking waitpid for a child we spawned (used on error paths only).
ExitStatus wait_child(pid_t pid);

}  // namespace drover::os
