#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "os/process.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

namespace drover::os {

namespace {
ExitStatus from_siginfo(const siginfo_t& info) {
  ExitStatus s;
  if (info.si_code == CLD_EXITED) s.exit_code = info.si_status;
  else s.signal = info.si_status;
  return s;
}
}  // namespace

std::optional<ExitStatus> reap_pidfd(int pidfd) {
  siginfo_t info{};
  for (;;) {
    int rc = ::waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(pidfd), &info,
                      WEXITED | WNOHANG);
    if (rc < 0 && errno == EINTR) continue;
    if (rc < 0) return ExitStatus{};  // already reaped elsewhere: status unknown
    if (info.si_pid == 0) return std::nullopt;
    return from_siginfo(info);
  }
}

ExitStatus wait_child(pid_t pid) {
  siginfo_t info{};
  for (;;) {
    int rc = ::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED);
    if (rc < 0 && errno == EINTR) continue;
    if (rc < 0) return ExitStatus{};
    return from_siginfo(info);
  }
}

}  // namespace drover::os
