#include "os/git.h"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <tuple>

#include "os/fd_io.h"
#include "os/process.h"
#include "os/spawn.h"

namespace drover::os {

namespace {

std::string describe(const std::vector<std::string>& args) {
  std::string s = "git";
  for (const auto& a : args) s += " " + a;
  return s;
}

// A git that takes longer than this (a hung credential helper, a huge repository on a
// dead disk) is killed: the supervisor calls git between turns and must not hang on it.
constexpr auto kGitDeadline = std::chrono::seconds(30);

// Drains stdout and stderr together: git may fill one pipe while we block on the other.
// Gives up (and says so) at `deadline`.
Status drain(SpawnedChild& child, GitOutput& r, std::chrono::steady_clock::time_point deadline) {
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
      return make_error(Errc::failed,
                        "timed out after " + std::to_string(kGitDeadline.count()) + "s");
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

Result<GitOutput> run_git(const std::vector<std::string>& args, const std::filesystem::path& cwd) {
  SpawnRequest req;
  req.argv.push_back("git");
  req.argv.insert(req.argv.end(), args.begin(), args.end());
  req.cwd = cwd;
  // Messages in one language, and never a prompt for credentials or an editor.
  req.env_extra = {{"LC_ALL", "C"}, {"GIT_TERMINAL_PROMPT", "0"}, {"GIT_EDITOR", "true"}};
  // Run from a git hook, these would point every command at another repository.
  req.env_remove = {"GIT_DIR",        "GIT_WORK_TREE",        "GIT_INDEX_FILE",
                    "GIT_COMMON_DIR", "GIT_OBJECT_DIRECTORY", "GIT_NAMESPACE",
                    "GIT_PREFIX"};
  auto child = spawn(req);
  if (!child) {
    if (child.error().code == Errc::not_found && !std::filesystem::is_directory(cwd))
      return child.error();
    if (child.error().code == Errc::not_found)
      return make_error(Errc::failed,
                        "git is not installed (or not on PATH): " + child.error().message);
    return child.error();
  }
  close_fd(child->stdin_fd);
  GitOutput r;
  Status drained = drain(*child, r, std::chrono::steady_clock::now() + kGitDeadline);
  if (!drained) (void)signal_group(child->pid, SIGKILL);
  ExitStatus status = wait_child(child->pid);
  close_child_fds(*child);
  if (!drained) return make_error(Errc::failed, describe(args) + ": " + drained.error().message);
  r.exit_code = status.exit_code ? *status.exit_code : 128 + status.signal.value_or(0);
  return r;
}

Result<std::string> git_stdout(const std::vector<std::string>& args,
                               const std::filesystem::path& cwd) {
  auto r = run_git(args, cwd);
  if (!r) return r.error();
  if (!r->ok()) {
    std::string line = git_error_line(r->err);
    return make_error(
        Errc::failed,
        describe(args) + " failed" +
            (line.empty() ? " (exit " + std::to_string(r->exit_code) + ")" : ": " + line));
  }
  return std::move(r->out);
}

std::string git_error_line(const std::string& err) {
  std::string first;
  std::size_t start = 0;
  while (start < err.size()) {
    auto nl = err.find('\n', start);
    std::string line = err.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
    start = nl == std::string::npos ? err.size() : nl + 1;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (line.empty()) continue;
    if (line.rfind("fatal:", 0) == 0 || line.rfind("error:", 0) == 0) return line;
    if (first.empty()) first = line;
  }
  return first;
}

}  // namespace drover::os
