#pragma once
// cgroup v2 (DESIGN: per-turn cgroups): where this process may create cgroups, and the
// few operations a turn's cgroup needs. Every call goes straight to the cgroup2 file
// system; nothing here knows what a turn is.
#include <sys/types.h>

#include <filesystem>

#include "core/result.h"

namespace drover::os {

// The directory of this process's own cgroup v2: the cgroup2 mount point found in
// /proc/self/mountinfo joined with the "0::" line of /proc/self/cgroup. not_found when
// there is no cgroup2 mount or this process is in none.
Result<std::filesystem::path> own_cgroup();
// True when `dir` is on a cgroup2 file system (statfs), so writing its files is cgroup
// control and not an ordinary file write.
bool is_cgroup_dir(const std::filesystem::path& dir);
// mkdir; an existing directory is fine.
Status create_cgroup(const std::filesystem::path& dir);
// Moves a process into the cgroup (cgroup.procs).
Status move_to_cgroup(const std::filesystem::path& dir, pid_t pid);
// SIGKILL to every process in the cgroup and below, setsid ones included: cgroup.kill, or
// where the kernel lacks it (before 5.14) a SIGKILL to each pid cgroup.procs lists.
Status kill_cgroup(const std::filesystem::path& dir);
// cgroup.events says "populated 1"; false for a missing cgroup.
bool cgroup_populated(const std::filesystem::path& dir);
// rmdir; a missing cgroup is fine, a populated one is Errc::conflict.
Status remove_cgroup(const std::filesystem::path& dir);

}  // namespace drover::os
