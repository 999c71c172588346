#include "os/run_command.h"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <tuple>

#include "core/duration.h"
#include "os/fd_io.h"
#include "os/process.h"

namespace drover::os {

namespace {

// Drains stdout and stderr together: a command may fill one pipe while we block on the
// other. Gives up (and says so) at `deadline`.
Status drain_both(SpawnedChild& child, CommandOutput& r,
                  std::chrono::steady_clock::time_point deadline,
                  std::chrono::milliseconds timeout) {
  char buf[65536];
  while (child.stdout_fd >= 0 || child.stderr_fd >= 0) {
    pollfd fds[2];
    int n = 0, out_idx = -1, err_idx = -1;
    if (child.stdout_fd >= 0) {
      out_idx = n;
      fds[n++] = {child.stdout_fd, POLLIN, 0};
    }
    if (child.stderr_fd >= 0) {
      err_idx = n;
      fds[n++] = {child.stderr_fd, POLLIN, 0};
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0)
      return make_error(Errc::failed, "timed out after " + format_duration(timeout));
    int ready = ::poll(fds, static_cast<nfds_t>(n), static_cast<int>(left.count()));
    if (ready < 0) {
      if (errno == EINTR) continue;
      return make_error(Errc::failed, std::string("poll: ") + std::strerror(errno));
    }
    for (auto [idx, fd, sink] : {std::tuple{out_idx, &child.stdout_fd, &r.out},
                                 std::tuple{err_idx, &child.stderr_fd, &r.err}}) {
      if (idx < 0 || fds[idx].revents == 0) continue;
      long got = read_some_now(*fd, buf, sizeof buf);
      if (got > 0) sink->append(buf, static_cast<std::size_t>(got));
      else close_fd(*fd);
    }
  }
  return ok_status();
}

}  // namespace

Result<CommandOutput> run_command(const SpawnRequest& request, std::chrono::milliseconds timeout) {
  auto child = spawn(request);
  if (!child) return child.error();
  close_fd(child->stdin_fd);
  CommandOutput r;
  Status drained = drain_both(*child, r, std::chrono::steady_clock::now() + timeout, timeout);
  if (!drained) (void)signal_group(child->pid, SIGKILL);
  ExitStatus status = wait_child(child->pid);
  close_child_fds(*child);
  if (!drained) return drained.error();
  r.exit_code = status.exit_code ? *status.exit_code : 128 + status.signal.value_or(0);
  return r;
}

}  // namespace drover::os
