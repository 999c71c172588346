#include "os/daemon.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

extern char** environ;

namespace drover::os {

Result<std::filesystem::path> self_exe() {
  std::error_code ec;
  auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return make_error(Errc::failed, "cannot find our own executable: " + ec.message());
  return p;
}

Result<pid_t> spawn_detached(const std::vector<std::string>& argv,
                             const std::filesystem::path& log_path) {
  posix_spawn_file_actions_t fa;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&fa);
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  posix_spawn_file_actions_addclosefrom_np(&fa, 3);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, args[0], &fa, &attr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  if (rc != 0)
    return make_error(Errc::failed, "cannot start " + argv[0] + ": " + std::strerror(rc));
  return pid;
}

int reap_children_except(const std::set<pid_t>& keep) {
  int reaped = 0;
  for (;;) {
    siginfo_t info{};
    if (::waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) < 0 || info.si_pid == 0) break;
    if (keep.count(info.si_pid)) {
      // waitid reports one child at a time; a tracked one is the runner's to reap. We
      // stop here and come back after it has been reaped (the supervisor calls this
      // after every turn and on every poll).
      break;
    }
    siginfo_t done{};
    ::waitid(P_PID, static_cast<id_t>(info.si_pid), &done, WEXITED | WNOHANG);
    ++reaped;
  }
  return reaped;
}

FdLimit raise_fd_limit() {
  FdLimit out;
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) return out;
  auto as_long = [](rlim_t v) { return v == RLIM_INFINITY ? -1L : static_cast<long>(v); };
  out.before = as_long(lim.rlim_cur);
  out.hard = as_long(lim.rlim_max);
  std::vector<rlim_t> wants{lim.rlim_max};
  if (lim.rlim_max == RLIM_INFINITY) wants = {rlim_t{1} << 20, rlim_t{65536}};
  for (rlim_t want : wants) {
    if (lim.rlim_cur != RLIM_INFINITY && want <= lim.rlim_cur) break;
    rlimit raised = lim;
    raised.rlim_cur = want;
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) {
      lim = raised;
      break;
    }
  }
  out.now = as_long(lim.rlim_cur);
  return out;
}

}  // namespace drover::os
