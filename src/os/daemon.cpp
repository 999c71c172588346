#include "os/daemon.h"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include "os/c_strings.h"

extern char** environ;

namespace drover::os {

Result<std::filesystem::path> self_exe() {
  std::error_code ec;
  auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return make_error(Errc::failed, "cannot find our own executable: " + ec.message());
  return p;
}

namespace {

constexpr int kReportFd = 3;
constexpr const char* kReportVar = "DROVER_REPORT_FD";

// Our environment with $DROVER_REPORT_FD set for the child.
std::vector<std::string> child_environment() {
  std::vector<std::string> env;
  std::string prefix = std::string(kReportVar) + "=";
  for (char** e = environ; *e != nullptr; ++e)
    if (std::string_view(*e).substr(0, prefix.size()) != prefix) env.emplace_back(*e);
  env.push_back(prefix + std::to_string(kReportFd));
  return env;
}

}  // namespace

Result<DetachedChild> spawn_detached(const std::vector<std::string>& argv,
                                     const std::filesystem::path& log_path) {
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0)
    return make_error(Errc::failed, std::string("cannot make a pipe: ") + std::strerror(errno));
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
  // The pipe's write end goes to fd 3 first: the opens below may take low numbers.
  posix_spawn_file_actions_adddup2(&fa, pipe_fds[1], kReportFd);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  posix_spawn_file_actions_addclosefrom_np(&fa, kReportFd + 1);
  std::vector<std::string> args_text = argv, env_text = child_environment();
  auto args = c_strings(args_text);
  auto env = c_strings(env_text);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, args[0], &fa, &attr, args.data(), env.data());
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  ::close(pipe_fds[1]);
  if (rc != 0) {
    ::close(pipe_fds[0]);
    return make_error(Errc::failed, "cannot start " + argv[0] + ": " + std::strerror(rc));
  }
  return DetachedChild{pid, pipe_fds[0]};
}

std::optional<std::string> read_report(int fd, std::chrono::milliseconds wait) {
  pollfd p{fd, POLLIN, 0};
  int n = ::poll(&p, 1, static_cast<int>(wait.count()));
  if (n <= 0) return std::nullopt;
  // Readable: a report is short and written at once before the child exits or closes the
  // pipe, so read to EOF.
  std::string text;
  char buf[4096];
  for (;;) {
    ssize_t got = ::read(fd, buf, sizeof buf);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    text.append(buf, static_cast<std::size_t>(got));
  }
  return text;
}

std::optional<std::string> wait_exit(pid_t pid, std::chrono::milliseconds wait) {
  auto deadline = std::chrono::steady_clock::now() + wait;
  for (;;) {
    int status = 0;
    pid_t got = ::waitpid(pid, &status, WNOHANG);
    if (got == pid) {
      if (WIFSIGNALED(status)) {
        const char* name = sigabbrev_np(WTERMSIG(status));
        return "killed by " +
               (name ? "SIG" + std::string(name) : "signal " + std::to_string(WTERMSIG(status)));
      }
      return "exit status " + std::to_string(WEXITSTATUS(status));
    }
    if (got < 0 || std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    ::usleep(1000);  // polling a child that closed its pipe and is exiting
  }
}

int take_report_fd() {
  const char* v = std::getenv(kReportVar);
  if (v == nullptr || std::string_view(v) != std::to_string(kReportFd)) return -1;
  ::unsetenv(kReportVar);
  if (::fcntl(kReportFd, F_SETFD, FD_CLOEXEC) != 0) return -1;  // not open
  return kReportFd;
}

void send_report(int& fd, std::string_view line) {
  if (fd < 0) return;
  std::string text = std::string(line) + "\n";
  (void)!::write(fd, text.data(), text.size());
  ::close(fd);
  fd = -1;
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
