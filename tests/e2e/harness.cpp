#include "harness.h"

#include <doctest/doctest.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "os/process.h"
#include "os/spawn.h"

namespace e2e {

namespace fs = std::filesystem;

nlohmann::json Run::json() const {
  auto doc = nlohmann::json::parse(out, nullptr, false);
  INFO("stdout: " << out << "\nstderr: " << err);
  REQUIRE_FALSE(doc.is_discarded());
  return doc;
}

// $DROVER_TEST_BIN runs these tests against another build of drover (scripts/test uses it
// for the sanitizer builds); the default is the binary built with the tests.
std::string drover_bin() {
  const char* other = std::getenv("DROVER_TEST_BIN");
  return other != nullptr && *other != '\0' ? std::string(other) : std::string(DROVER_BIN);
}
std::string agent_bin() { return DROVER_AGENT_BIN; }

TempProject::TempProject() {
  std::string tmpl = (fs::temp_directory_path() / "drover-e2e-XXXXXX").string();
  char* dir = ::mkdtemp(tmpl.data());
  REQUIRE(dir != nullptr);
  root_ = fs::canonical(dir);
}

TempProject::~TempProject() {
  std::error_code ec;
  // Never leave a supervisor (or its agents) behind a test.
  if (fs::exists(root_ / ".drover/supervisor.lock", ec)) (void)drover({"down", "--now"});
  fs::remove_all(root_, ec);
}

void TempProject::init() const {
  Run r = drover({"init"});
  INFO(r.err);
  REQUIRE(r.code == 0);
}

void TempProject::init_scripted(const std::string& extra_toml) const {
  init();
  fs::create_directories(record_dir());
  std::string cfg = read_text(root_ / ".drover/config.toml");
  auto pos = cfg.find("runtime = \"claude\"");
  REQUIRE(pos != std::string::npos);
  cfg.replace(pos, std::string("runtime = \"claude\"").size(), "runtime = \"scripted\"");
  cfg += "\n[runtimes.scripted]\ncommand = [\"" + agent_bin() + "\"]\nmodel_args = [\"--model\", \"{model}\"]\n"
         "resume_args = [\"--resume\", \"{session_id}\"]\n";
  // Appending a [turn] or [supervisor] table twice would be a TOML error: callers pass
  // keys for those tables as "turn.stall_timeout = ..." lines, spliced in place here.
  std::size_t start = 0;
  while (start < extra_toml.size()) {
    auto nl = extra_toml.find('\n', start);
    std::string line = extra_toml.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
    start = nl == std::string::npos ? extra_toml.size() : nl + 1;
    auto dot = line.find('.');
    auto eq = line.find('=');
    if (line.empty() || dot == std::string::npos || eq == std::string::npos || dot > eq) continue;
    std::string table = line.substr(0, dot), key = line.substr(dot + 1, line.find_first_of(" =", dot) - dot - 1);
    std::string header = "[" + table + "]\n";
    auto h = cfg.find(header);
    REQUIRE(h != std::string::npos);
    auto k = cfg.find("\n" + key + " ", h);
    REQUIRE(k != std::string::npos);
    auto end = cfg.find('\n', k + 1);
    cfg.replace(k + 1, end - k - 1, key + " =" + line.substr(eq + 1));
  }
  write_text(root_ / ".drover/config.toml", cfg);
}

std::map<std::string, std::string> TempProject::agent_env() const {
  const char* path = std::getenv("PATH");
  std::string bin_dir = fs::path(drover_bin()).parent_path().string();
  return {{"PATH", bin_dir + ":" + (path ? path : "/usr/bin:/bin")},
          {"FIXTURE_RECORD_DIR", record_dir().string()}};
}

Run TempProject::drover(const std::vector<std::string>& args, const RunOptions& o) const {
  std::vector<std::string> argv{drover_bin()};
  argv.insert(argv.end(), args.begin(), args.end());
  RunOptions opts = o;
  if (opts.cwd.empty()) opts.cwd = root_;
  return command(argv, opts);
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

Run TempProject::command(const std::vector<std::string>& argv, const RunOptions& o) {
  drover::os::SpawnRequest req;
  req.argv = argv;
  req.cwd = o.cwd;
  req.env_extra = o.env;
  // Tests must not inherit an agent identity or project from the environment.
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
    if (child->stdin_fd >= 0) { in_idx = n; fds[n++] = {child->stdin_fd, POLLOUT, 0}; }
    if (child->stdout_fd >= 0) { out_idx = n; fds[n++] = {child->stdout_fd, POLLIN, 0}; }
    if (child->stderr_fd >= 0) { err_idx = n; fds[n++] = {child->stderr_fd, POLLIN, 0}; }
    if (::poll(fds, n, 60000) <= 0) break;
    char buf[65536];
    if (in_idx >= 0 && fds[in_idx].revents) {
      ssize_t w = ::write(child->stdin_fd, o.stdin_text.data() + written, o.stdin_text.size() - written);
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
      else { ::close(*fdp); *fdp = -1; }
    }
  }
  int status = 0;
  ::waitpid(child->pid, &status, 0);
  drover::os::close_child_fds(*child);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

std::string read_text(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

void write_text(const fs::path& p, const std::string& text) {
  std::ofstream f(p, std::ios::binary);
  f << text;
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

}  // namespace e2e
