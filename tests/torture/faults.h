#pragma once
// Passing faults the torture injects besides SIGKILLs (issue 15): the supervisor's open-file
// limit squeezed for a moment, its process count capped by a cgroup pids.max, and
// config.toml rewritten under it — sometimes invalid for a moment. Each must pass without
// failing an agent, losing mail or leaving a process.
#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>

namespace torture {

// A cgroup v1 `pids` group for the run, when this machine has a writable one
// (/sys/fs/cgroup/pids on a hybrid host; pure cgroup v2 hosts have none: then every call
// is a no-op and available() is false). The destructor moves whatever is left in it to
// the parent and removes it.
class PidsCgroup {
 public:
  explicit PidsCgroup(const std::string& name);
  ~PidsCgroup();
  PidsCgroup(const PidsCgroup&) = delete;
  PidsCgroup& operator=(const PidsCgroup&) = delete;
  bool available() const { return !dir_.empty(); }
  bool enter(pid_t pid) const;               // moves pid (a supervisor) in; its children follow
  bool set_max(const std::string& v) const;  // "max" or a number
  long current() const;                      // processes in it now, -1 unknown

 private:
  std::filesystem::path dir_;
};

// What the fault injector did, for the summary line.
struct FaultTally {
  std::mutex mu;
  std::map<std::string, long> counts;
  void add(const std::string& k) {
    std::lock_guard g(mu);
    ++counts[k];
  }
};

// Writes config.toml atomically (temp file + rename, as an editor that renames does).
void write_config(const std::filesystem::path& project, const std::string& text);

// RLIMIT_NOFILE of a process. Raising a hard limit needs CAP_SYS_RESOURCE.
bool set_fd_limit(pid_t pid, std::uint64_t soft, std::uint64_t hard);
bool get_fd_limit(pid_t pid, std::uint64_t& soft, std::uint64_t& hard);
long open_fds(pid_t pid);  // -1 when the process is gone

}  // namespace torture
