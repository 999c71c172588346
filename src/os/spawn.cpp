#include "os/spawn.h"

#include "core/resource_errors.h"
#include "os/clone_vfork.h"
#include "os/fd_io.h"
#include "os/host.h"

#include <fcntl.h>
#include <linux/close_range.h>
#include <linux/sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <algorithm>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <utility>
#include <vector>
#include "os/c_strings.h"

extern char** environ;

namespace drover::os {
namespace {

// Every fd this spawn creates; whatever is still open on an error path gets closed.
struct Pipes {
  int in[2] = {-1, -1};   // child reads in[0], we write in[1]
  int out[2] = {-1, -1};  // child writes out[1], we read out[0]
  int err[2] = {-1, -1};
  ~Pipes() {
    for (int* p : {in, out, err}) {
      close_fd(p[0]);
      close_fd(p[1]);
    }
  }
};

// Keeps pipe ends off 0–2: if our own stdio is closed, pipe2 may hand those out and the
// child's dup2 sequence would clobber one end with another.
bool make_pipe(int fds[2]) {
  if (::pipe2(fds, O_CLOEXEC) != 0) return false;
  for (int i = 0; i < 2; ++i) {
    if (fds[i] > 2) continue;
    int moved = ::fcntl(fds[i], F_DUPFD_CLOEXEC, 3);
    if (moved < 0) return false;
    ::close(fds[i]);
    fds[i] = moved;
  }
  return true;
}

Error run_error(const std::string& cmd, int err) {
  return make_error(err == ENOENT ? Errc::not_found : errc_of_errno(err),
                    "cannot run '" + cmd + "': " + std::strerror(err));
}

std::vector<std::string> build_environment(const std::map<std::string, std::string>& extra,
                                           const std::vector<std::string>& remove) {
  std::vector<std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view entry(*e);
    auto eq = entry.find('=');
    std::string key(entry.substr(0, eq));
    if (extra.count(key) != 0 || std::find(remove.begin(), remove.end(), key) != remove.end())
      continue;
    env.emplace_back(entry);
  }
  for (const auto& [key, value] : extra) env.push_back(key + "=" + value);
  return env;
}

// posix_spawn attribute and file-action objects, destroyed on every path.
struct SpawnSetup {
  posix_spawnattr_t attr;
  posix_spawn_file_actions_t actions;
  bool attr_ok = false;
  bool actions_ok = false;
  ~SpawnSetup() {
    if (attr_ok) posix_spawnattr_destroy(&attr);
    if (actions_ok) posix_spawn_file_actions_destroy(&actions);
  }
};

int prepare(SpawnSetup& s, const SpawnRequest& request, const Pipes& pipes) {
  int rc = posix_spawnattr_init(&s.attr);
  if (rc != 0) return rc;
  s.attr_ok = true;
  rc = posix_spawn_file_actions_init(&s.actions);
  if (rc != 0) return rc;
  s.actions_ok = true;

  short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
  flags |= request.new_session ? POSIX_SPAWN_SETSID : POSIX_SPAWN_SETPGROUP;
  if ((rc = posix_spawnattr_setflags(&s.attr, flags)) != 0) return rc;
  if (!request.new_session && (rc = posix_spawnattr_setpgroup(&s.attr, 0)) != 0) return rc;
  sigset_t none;
  sigemptyset(&none);
  if ((rc = posix_spawnattr_setsigmask(&s.attr, &none)) != 0) return rc;
  // Every disposition back to default: we ignore SIGPIPE, the agent must not inherit that.
  sigset_t all;
  sigfillset(&all);
  if ((rc = posix_spawnattr_setsigdefault(&s.attr, &all)) != 0) return rc;

  auto* fa = &s.actions;
  if ((rc = posix_spawn_file_actions_adddup2(fa, pipes.in[0], STDIN_FILENO)) != 0) return rc;
  if ((rc = posix_spawn_file_actions_adddup2(fa, pipes.out[1], STDOUT_FILENO)) != 0) return rc;
  if ((rc = posix_spawn_file_actions_adddup2(fa, pipes.err[1], STDERR_FILENO)) != 0) return rc;
  if ((rc = posix_spawn_file_actions_addclosefrom_np(fa, 3)) != 0) return rc;
  if (!request.cwd.empty() &&
      (rc = posix_spawn_file_actions_addchdir_np(fa, request.cwd.c_str())) != 0) {
    return rc;
  }
  return 0;
}

// What spawn() refuses before it forks: an empty command, a bad environment name, a
// missing working directory, a command that cannot be found or run.
Status check_request(const SpawnRequest& request) {
  if (request.argv.empty() || request.argv[0].empty()) {
    return make_error(Errc::usage, "cannot run an empty command");
  }
  const std::string& cmd = request.argv[0];
  for (const auto& [key, value] : request.env_extra) {
    if (key.empty() || key.find('=') != std::string::npos) {
      return make_error(Errc::usage,
                        "cannot run '" + cmd + "': bad environment name '" + key + "'");
    }
  }
  if (!request.cwd.empty()) {
    struct stat st {};
    if (::stat(request.cwd.c_str(), &st) != 0) {
      int err = errno;
      return make_error(
          err == ENOENT ? Errc::not_found : errc_of_errno(err),
          "cannot run '" + cmd + "' in '" + request.cwd.string() + "': " + std::strerror(err));
    }
    if (!S_ISDIR(st.st_mode)) {
      return make_error(Errc::failed, "cannot run '" + cmd + "' in '" + request.cwd.string() +
                                          "': Not a directory");
    }
  }
  if (int err = lookup_executable(cmd, request.cwd); err != 0) return run_error(cmd, err);
  return ok_status();
}

// What the child of clone3 runs: only system calls on memory prepared before the clone
// (it is a copy of a process that may have other threads, so no malloc and no locks).
struct ChildPlan {
  const Pipes* pipes;
  bool new_session;
  const char* cwd;  // nullptr: inherit
  const char* path;
  char* const* argv;
  char* const* envp;
  int report;  // write end of a CLOEXEC pipe: errno if exec fails, closed by exec otherwise
};

// It starts with every signal blocked (clone3_vfork): the dispositions are back to default
// before any is let through, so none can run one of our handlers in the child. Not
// instrumented by ASan: its frames would mark stack memory that no return ever clears.
[[noreturn]] __attribute__((no_sanitize_address)) void run_child(void* plan) {
  const ChildPlan& c = *static_cast<const ChildPlan*>(plan);
  {
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; ++sig) ::sigaction(sig, &dfl, nullptr);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
  }
  if (c.new_session ? ::setsid() < 0 : ::setpgid(0, 0) != 0) goto fail;
  if (::dup2(c.pipes->in[0], STDIN_FILENO) < 0 || ::dup2(c.pipes->out[1], STDOUT_FILENO) < 0 ||
      ::dup2(c.pipes->err[1], STDERR_FILENO) < 0)
    goto fail;
  // Every other fd closes at exec; the report pipe stays open until then.
  if (::syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) != 0) goto fail;
  if (c.cwd != nullptr && ::chdir(c.cwd) != 0) goto fail;
  ::execve(c.path, c.argv, c.envp);
fail:
  int err = errno;
  (void)!::write(c.report, &err, sizeof err);
  ::_exit(127);
}

// The executable spawn_into runs: as given when it names a path (the kernel resolves a
// relative one after the child's chdir, as posix_spawnp does); else found on our PATH.
std::string exec_path(const SpawnRequest& request) {
  const std::string& cmd = request.argv[0];
  if (cmd.find('/') != std::string::npos) return cmd;
  std::filesystem::path found;
  (void)lookup_executable(cmd, request.cwd, &found);
  std::error_code ec;
  auto absolute = std::filesystem::absolute(found, ec);
  return ec ? found.string() : absolute.string();
}

// clone3 with CLONE_INTO_CGROUP, then exec. When clone3 itself fails for anything but a
// passing shortage (ENOSYS or E2BIG before Linux 5.7, EBUSY for a cgroup that may not
// hold processes, …) the caller falls back to the /bin/sh wrapper, which behaves as
// before: a cgroup it cannot join leaves the turn in its process group only.
struct CloneOutcome {
  pid_t pid = -1;
  int pidfd = -1;
  int clone_errno = 0;  // clone3 failed with this (nothing was created)
  int exec_errno = 0;   // the child could not exec (it has been reaped)
};

CloneOutcome spawn_into(const SpawnRequest& request, const Pipes& pipes, char* const* argv,
                        char* const* envp) {
  CloneOutcome out;
  int group = ::open(request.cgroup.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (group < 0) {
    out.clone_errno = errno;
    return out;
  }
  int report[2];
  if (::pipe2(report, O_CLOEXEC) != 0) {
    out.clone_errno = errno;
    ::close(group);
    return out;
  }
  std::string path = exec_path(request);
  std::string cwd = request.cwd.string();
  ChildPlan plan{
      &pipes,   request.new_session, cwd.empty() ? nullptr : cwd.c_str(), path.c_str(), argv, envp,
      report[1]};
  clone_args args{};
  int pidfd = -1;
  args.flags = CLONE_INTO_CGROUP | CLONE_PIDFD;
  args.pidfd = reinterpret_cast<std::uint64_t>(&pidfd);
  args.exit_signal = SIGCHLD;
  args.cgroup = static_cast<std::uint64_t>(group);
  long pid = clone3_vfork(args, run_child, &plan);
  int err = errno;
  ::close(group);
  ::close(report[1]);
  if (pid < 0) {
    ::close(report[0]);
    out.clone_errno = err;
    return out;
  }
  int child_errno = 0;
  ssize_t n;
  do n = ::read(report[0], &child_errno, sizeof child_errno);
  while (n < 0 && errno == EINTR);
  ::close(report[0]);
  if (n == static_cast<ssize_t>(sizeof child_errno)) {
    int status;
    while (::waitpid(static_cast<pid_t>(pid), &status, 0) < 0 && errno == EINTR) {
    }
    if (pidfd >= 0) ::close(pidfd);
    out.exec_errno = child_errno;
    return out;
  }
  out.pid = static_cast<pid_t>(pid);
  out.pidfd = pidfd;
  return out;
}

}  // namespace

Result<SpawnedChild> spawn(const SpawnRequest& request) {
  DROVER_TRY(check_request(request));
  const std::string& cmd = request.argv[0];

  Pipes pipes;
  if (!make_pipe(pipes.in) || !make_pipe(pipes.out) || !make_pipe(pipes.err)) {
    int err = errno;
    return make_error(errc_of_errno(err),
                      "cannot run '" + cmd + "': cannot create pipes: " + std::strerror(err));
  }
  SpawnSetup setup;
  if (int rc = prepare(setup, request, pipes); rc != 0) return run_error(cmd, rc);

  std::vector<std::string> argv_strings = request.argv;
  std::vector<char*> argv = c_strings(argv_strings);
  std::vector<std::string> env_strings = build_environment(request.env_extra, request.env_remove);
  std::vector<char*> envp = c_strings(env_strings);

  pid_t pid = -1;
  int pidfd = -1;
  bool spawned = false;
  if (!request.cgroup.empty()) {
    auto cloned = spawn_into(request, pipes, argv.data(), envp.data());
    if (cloned.exec_errno != 0) return run_error(cmd, cloned.exec_errno);
    if (cloned.clone_errno != 0 && errc_of_errno(cloned.clone_errno) == Errc::resource)
      return run_error(cmd, cloned.clone_errno);
    spawned = cloned.clone_errno == 0;
    pid = cloned.pid;
    pidfd = cloned.pidfd;
    if (!spawned) {  // /bin/sh joins the cgroup (if it can), then execs the command
      auto wrapped = argv_in_cgroup(request, request.cgroup);
      if (!wrapped) return wrapped.error();
      argv_strings = *wrapped;
      argv = c_strings(argv_strings);
    }
  }
  if (!spawned) {
    int rc = ::posix_spawnp(&pid, argv_strings[0].c_str(), &setup.actions, &setup.attr, argv.data(),
                            envp.data());
    if (rc != 0) return run_error(cmd, rc);
  }

  SpawnedChild child;
  child.pid = pid;
  child.in_cgroup = spawned;
  child.stdin_fd = std::exchange(pipes.in[1], -1);
  child.stdout_fd = std::exchange(pipes.out[0], -1);
  child.stderr_fd = std::exchange(pipes.err[0], -1);
  // Without our copies of the child's ends, EOF on stdout means every writer is gone.
  close_fd(pipes.in[0]);
  close_fd(pipes.out[1]);
  close_fd(pipes.err[1]);
  child.pidfd = pidfd >= 0 ? pidfd : static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (child.pidfd >= 0) {
    ::fcntl(child.pidfd, F_SETFD, FD_CLOEXEC);  // pidfd_open sets it already; be explicit
  } else {
    child.pidfd = -1;
  }
  return child;
}

Result<std::vector<std::string>> argv_in_cgroup(const SpawnRequest& request,
                                                const std::filesystem::path& cgroup) {
  DROVER_TRY(check_request(request));
  std::vector<std::string> argv = {"/bin/sh", "-c", "echo $$ >\"$0\" 2>/dev/null; exec \"$@\"",
                                   (cgroup / "cgroup.procs").string()};
  argv.insert(argv.end(), request.argv.begin(), request.argv.end());
  return argv;
}

void close_child_fds(SpawnedChild& child) {
  close_fd(child.stdin_fd);
  close_fd(child.stdout_fd);
  close_fd(child.stderr_fd);
  close_fd(child.pidfd);
}

}  // namespace drover::os
