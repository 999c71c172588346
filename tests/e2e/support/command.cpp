#include "support/command.h"

#include <doctest/doctest.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <thread>
#include <tuple>

#include "os/process.h"
#include "os/spawn.h"

namespace e2e {

namespace fs = std::filesystem;

Json Run::json() const {
  auto doc = Json::parse(out, nullptr, false);
  INFO("stdout: " << out << "\nstderr: " << err);
  REQUIRE_FALSE(doc.is_discarded());
  return doc;
}

RunOptions with_env(std::map<std::string, std::string> env, fs::path cwd) {
  RunOptions o;
  o.env = std::move(env);
  o.cwd = std::move(cwd);
  return o;
}

RunOptions with_cwd(fs::path cwd) {
  RunOptions o;
  o.cwd = std::move(cwd);
  return o;
}

RunOptions with_stdin(std::string text) {
  RunOptions o;
  o.stdin_text = std::move(text);
  return o;
}

Run command(const std::vector<std::string>& argv, const RunOptions& o) {
  drover::os::SpawnRequest req;
  req.argv = argv;
  req.cwd = o.cwd;
  req.env_extra = o.env;
  if (!req.env_extra.count("DROVER_AGENT")) req.env_extra["DROVER_AGENT"] = "";
  if (!req.env_extra.count("DROVER_PROJECT")) req.env_extra["DROVER_PROJECT"] = "";
  // A command that exits without reading its stdin (a usage error) must give us EPIPE,
  // not kill the test process with SIGPIPE. os::spawn resets the child's dispositions.
  drover::os::ignore_sigpipe();
  auto child = drover::os::spawn(req);
  REQUIRE(child.ok());
  Run r;
  std::size_t written = 0;
  if (o.stdin_text.empty()) {
    ::close(child->stdin_fd);
    child->stdin_fd = -1;
  }
  pollfd fds[3];
  while (child->stdout_fd >= 0 || child->stderr_fd >= 0) {
    int n = 0;
    int in_idx = -1, out_idx = -1, err_idx = -1;
    if (child->stdin_fd >= 0) {
      in_idx = n;
      fds[n++] = {child->stdin_fd, POLLOUT, 0};
    }
    if (child->stdout_fd >= 0) {
      out_idx = n;
      fds[n++] = {child->stdout_fd, POLLIN, 0};
    }
    if (child->stderr_fd >= 0) {
      err_idx = n;
      fds[n++] = {child->stderr_fd, POLLIN, 0};
    }
    if (::poll(fds, n, 60000) <= 0) break;
    char buf[65536];
    if (in_idx >= 0 && fds[in_idx].revents) {
      ssize_t w =
          ::write(child->stdin_fd, o.stdin_text.data() + written, o.stdin_text.size() - written);
      if (w > 0) written += static_cast<std::size_t>(w);
      if (w <= 0 || written == o.stdin_text.size()) {
        ::close(child->stdin_fd);
        child->stdin_fd = -1;
      }
    }
    for (auto [idx, fdp, sink] : {std::tuple{out_idx, &child->stdout_fd, &r.out},
                                  std::tuple{err_idx, &child->stderr_fd, &r.err}}) {
      if (idx < 0 || !fds[idx].revents) continue;
      ssize_t got = ::read(*fdp, buf, sizeof buf);
      if (got > 0) sink->append(buf, static_cast<std::size_t>(got));
      else {
        ::close(*fdp);
        *fdp = -1;
      }
    }
  }
  int status = 0;
  ::waitpid(child->pid, &status, 0);
  drover::os::close_child_fds(*child);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

// $DROVER_TEST_BIN runs these tests against another build of drover (scripts/test uses it
// for the sanitizer builds); the default is the binary built with the tests.
std::string drover_bin() {
  const char* other = std::getenv("DROVER_TEST_BIN");
  return other != nullptr && *other != '\0' ? std::string(other) : std::string(DROVER_BIN);
}
std::string agent_bin() { return DROVER_AGENT_BIN; }

Run command_measured(std::vector<std::string> argv, long& peak_kib, const RunOptions& o) {
  argv.insert(argv.begin(), DROVER_PEAK_RSS_BIN);
  Run r = command(argv, o);
  const std::string tag = "peak-rss: ";
  auto at = r.err.rfind(tag);
  REQUIRE_MESSAGE(at != std::string::npos, "peak-rss printed no figure: " << r.err);
  peak_kib = std::stol(r.err.substr(at + tag.size()));
  r.err.erase(at);
  return r;
}

namespace {
constexpr unsigned kNobody = 65534;
}  // namespace

void hand_to_unprivileged(const fs::path& tree) {
  if (::geteuid() != 0) return;
  REQUIRE(::lchown(tree.c_str(), kNobody, kNobody) == 0);
  if (!fs::is_directory(fs::symlink_status(tree))) return;
  for (const auto& e : fs::recursive_directory_iterator(tree))
    REQUIRE(::lchown(e.path().c_str(), kNobody, kNobody) == 0);
}

std::vector<std::string> as_unprivileged(std::vector<std::string> argv) {
  if (::geteuid() != 0) return argv;
  const std::string id = std::to_string(kNobody);
  argv.insert(argv.begin(), {"setpriv", "--reuid=" + id, "--regid=" + id, "--clear-groups", "--"});
  return argv;
}

bool wait_until(const std::function<bool()>& cond, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  auto pause = std::chrono::milliseconds(1);
  while (std::chrono::steady_clock::now() < deadline) {
    if (cond()) return true;
    std::this_thread::sleep_for(pause);  // poll interval while waiting for a condition
    pause = std::min(pause * 2, std::chrono::milliseconds(50));
  }
  return cond();
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

bool has_esc(const std::string& s) { return s.find('\x1b') != std::string::npos; }

void expect_one_line_error(const Run& r, int code, const std::string& needle) {
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  CHECK(r.code == code);
  CHECK(r.out.empty());
  REQUIRE_FALSE(r.err.empty());
  CHECK(r.err.back() == '\n');
  CHECK(r.err.find('\n') == r.err.size() - 1);
  CHECK(contains(r.err, needle));
}

}  // namespace e2e
