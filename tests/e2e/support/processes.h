#pragma once
// Processes seen from outside, through /proc: whether a process group still has live
// members, the processes drover started for an agent, and the project's supervisor (its
// pid, its lock, killing it).
#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

#include "support/project.h"

namespace e2e {

// /proc/<pid>/stat: state (field 3) and pgid (field 5); false when the process is gone.
bool proc_stat(int pid, char& state, long& pgid);

// Processes (not zombies) whose process group is `pgid`.
std::vector<int> live_group_members(long pgid);
bool group_alive(long long pgid);  // !live_group_members(pgid).empty()

// Processes (not zombies) started for this agent of this project: their environment
// holds DROVER_AGENT=<agent> and DROVER_PROJECT=<root>, as the runner injects it.
std::vector<int> live_agent_processes(const TempProject& p, const std::string& agent);

std::filesystem::path supervisor_lock(const TempProject& p);  // .drover/supervisor.lock
pid_t supervisor_pid(const TempProject& p);  // from .drover/supervisor.pid; 0 if none
// SIGKILLs the running supervisor and waits until its lock is free.
void kill_supervisor(const TempProject& p);

}  // namespace e2e
