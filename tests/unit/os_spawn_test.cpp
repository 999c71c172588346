#include <doctest/doctest.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include "os/spawn.h"
#include "temp_dir.h"
#include "wait_for.h"

using namespace drover;
using namespace drover::os;
namespace fs = std::filesystem;
using std::chrono::milliseconds;
using std::chrono::seconds;
using Clock = std::chrono::steady_clock;

namespace {

using drover::test::TempDir;

// Reads until EOF, giving up after `limit`.
std::string read_all(int fd, seconds limit = seconds(10)) {
  std::string out;
  auto deadline = Clock::now() + limit;
  for (;;) {
    auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) break;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left)) <= 0) continue;
    char buf[4096];
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

using drover::test::wait_exit;

struct Ran {
  std::string out;
  std::string err;
  int exit_code = -1;
};

// Spawns, closes stdin, collects stdout and stderr, reaps.
Ran run(SpawnRequest request) {
  auto child = spawn(request);
  REQUIRE(child.ok());
  ::close(child->stdin_fd);
  child->stdin_fd = -1;
  Ran r;
  r.out = read_all(child->stdout_fd);
  r.err = read_all(child->stderr_fd);
  auto status = wait_exit(child->pid);
  if (!status) ::kill(-child->pid, SIGKILL), status = wait_exit(child->pid);
  REQUIRE(status.has_value());
  if (WIFEXITED(*status)) r.exit_code = WEXITSTATUS(*status);
  close_child_fds(child.value());
  return r;
}

SpawnRequest sh(const std::string& script) { return {{"sh", "-c", script}, {}, {}, false, {}, {}}; }

int open_fd_count() {
  int n = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

bool cloexec(int fd) { return (::fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0; }

}  // namespace

TEST_CASE("stdin to stdout round trip through cat") {
  auto child = spawn({{"cat"}, {}, {}, false, {}, {}});
  REQUIRE(child.ok());
  const std::string message = "hello drover\nsecond line\n";
  REQUIRE(::write(child->stdin_fd, message.data(), message.size()) ==
          static_cast<ssize_t>(message.size()));
  ::close(child->stdin_fd);
  child->stdin_fd = -1;
  CHECK(read_all(child->stdout_fd) == message);
  CHECK(read_all(child->stderr_fd).empty());
  auto status = wait_exit(child->pid);
  REQUIRE(status.has_value());
  CHECK(WIFEXITED(*status));
  CHECK(WEXITSTATUS(*status) == 0);
  close_child_fds(child.value());
}

TEST_CASE("stderr is its own pipe and exit codes come through") {
  auto r = run(sh("echo out; echo err >&2; exit 7"));
  CHECK(r.out == "out\n");
  CHECK(r.err == "err\n");
  CHECK(r.exit_code == 7);
}

TEST_CASE("argv is passed through verbatim") {
  auto r =
      run({{"sh", "-c", "printf '[%s]' \"$@\"", "sh", "a b", "", "c'd"}, {}, {}, false, {}, {}});
  CHECK(r.out == "[a b][][c'd]");
}

TEST_CASE("env_extra is added to, and replaces in, our environment") {
  REQUIRE(::setenv("DROVER_SPAWN_TEST_OLD", "old", 1) == 0);
  REQUIRE(::setenv("DROVER_SPAWN_TEST_KEEP", "kept", 1) == 0);
  auto request =
      sh("printf '%s|%s|%s|' \"$FOO\" \"$DROVER_SPAWN_TEST_OLD\" \"$DROVER_SPAWN_TEST_KEEP\"; "
         "env | grep -c '^DROVER_SPAWN_TEST_OLD='");
  request.env_extra = {{"FOO", "bar baz"}, {"DROVER_SPAWN_TEST_OLD", "new"}};
  auto r = run(request);
  CHECK(r.out == "bar baz|new|kept|1\n");
  ::unsetenv("DROVER_SPAWN_TEST_OLD");
  ::unsetenv("DROVER_SPAWN_TEST_KEEP");
}

TEST_CASE("env_remove drops names from the child's environment") {
  REQUIRE(::setenv("DROVER_SPAWN_TEST_GONE", "x", 1) == 0);
  REQUIRE(::setenv("DROVER_SPAWN_TEST_STAYS", "y", 1) == 0);
  auto request =
      sh("printf '[%s|%s]' \"${DROVER_SPAWN_TEST_GONE-unset}\" \"$DROVER_SPAWN_TEST_STAYS\"");
  request.env_remove = {"DROVER_SPAWN_TEST_GONE"};
  auto r = run(request);
  CHECK(r.out == "[unset|y]");
  ::unsetenv("DROVER_SPAWN_TEST_GONE");
  ::unsetenv("DROVER_SPAWN_TEST_STAYS");
}

TEST_CASE("env_extra rejects malformed names") {
  auto request = sh("true");
  request.env_extra = {{"A=B", "x"}};
  auto child = spawn(request);
  REQUIRE_FALSE(child.ok());
  CHECK(child.error().code == Errc::usage);
}

TEST_CASE("cwd is honoured, and a relative command resolves inside it") {
  TempDir dir;
  auto request = sh("pwd -P");
  request.cwd = dir.path;
  CHECK(run(request).out == fs::canonical(dir.path).string() + "\n");

  {
    std::ofstream script(dir.path / "tool.sh");
    script << "#!/bin/sh\necho tool ran\n";
  }
  fs::permissions(dir.path / "tool.sh", fs::perms::owner_all);
  auto rel = run({{"./tool.sh"}, {}, dir.path, false, {}, {}});
  CHECK(rel.out == "tool ran\n");
}

TEST_CASE("the child leads its own process group, or its own session") {
  auto child = spawn(sh("read x"));
  REQUIRE(child.ok());
  CHECK(::getpgid(child->pid) == child->pid);
  CHECK(::getsid(child->pid) == ::getsid(0));
  ::kill(child->pid, SIGKILL);
  REQUIRE(wait_exit(child->pid).has_value());
  close_child_fds(child.value());

  auto leader = spawn({{"sh", "-c", "read x"}, {}, {}, true, {}, {}});
  REQUIRE(leader.ok());
  CHECK(::getpgid(leader->pid) == leader->pid);
  CHECK(::getsid(leader->pid) == leader->pid);
  ::kill(leader->pid, SIGKILL);
  REQUIRE(wait_exit(leader->pid).has_value());
  close_child_fds(leader.value());
}

TEST_CASE("fds we opened without O_CLOEXEC do not reach the child") {
  int low = ::open("/dev/null", O_RDONLY);  // deliberately inheritable
  REQUIRE(low >= 3);
  int high = ::dup2(low, 200);
  REQUIRE(high == 200);
  REQUIRE_FALSE(cloexec(low));
  std::ostringstream script;
  script << "for n in " << low << " " << high
         << "; do [ -e /proc/$$/fd/$n ] && echo leaked $n; done; echo checked";
  auto r = run(sh(script.str()));
  ::close(low);
  ::close(high);
  CHECK(r.out == "checked\n");
}

TEST_CASE("the child has only fds 0, 1 and 2 (plus the one its glob opens)") {
  auto r = run(sh("cd /proc/$$/fd && echo *"));
  std::istringstream words(r.out);
  std::set<int> fds;
  for (int fd; words >> fd;) fds.insert(fd);
  CHECK(fds.count(0) == 1);
  CHECK(fds.count(1) == 1);
  CHECK(fds.count(2) == 1);
  CHECK(fds.size() <= 4);
}

TEST_CASE("the child starts with an empty signal mask and default dispositions") {
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  struct sigaction old_pipe {};
  REQUIRE(::sigaction(SIGPIPE, &ignore, &old_pipe) == 0);
  sigset_t block, old_mask;
  sigemptyset(&block);
  sigaddset(&block, SIGUSR1);
  sigaddset(&block, SIGTERM);
  REQUIRE(::pthread_sigmask(SIG_BLOCK, &block, &old_mask) == 0);

  auto r = run(sh("exec grep -E '^Sig(Blk|Ign):' /proc/self/status"));

  ::pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  ::sigaction(SIGPIPE, &old_pipe, nullptr);
  std::istringstream lines(r.out);
  std::string blk_name, blk, ign_name, ign;
  lines >> blk_name >> blk >> ign_name >> ign;
  REQUIRE_FALSE(lines.fail());
  CHECK(blk_name == "SigBlk:");
  CHECK(std::stoull(blk, nullptr, 16) == 0);
  CHECK(ign_name == "SigIgn:");
  // Signals 1–31 only: glibc's posix_spawn itself leaves its internal real-time signals
  // (32, 33) ignored in the child.
  CHECK((std::stoull(ign, nullptr, 16) & 0x7fffffffULL) == 0);
}

TEST_CASE("our ends of the pipes and the pidfd are close-on-exec") {
  auto child = spawn(sh("read x"));
  REQUIRE(child.ok());
  CHECK(cloexec(child->stdin_fd));
  CHECK(cloexec(child->stdout_fd));
  CHECK(cloexec(child->stderr_fd));
  REQUIRE(child->pidfd >= 0);
  CHECK(cloexec(child->pidfd));
  ::kill(child->pid, SIGKILL);
  REQUIRE(wait_exit(child->pid).has_value());
  close_child_fds(child.value());
  CHECK(child->stdin_fd == -1);
  CHECK(child->stdout_fd == -1);
  CHECK(child->stderr_fd == -1);
  CHECK(child->pidfd == -1);
}

TEST_CASE("the pidfd becomes readable when the child exits") {
  auto child = spawn(sh("read x"));
  REQUIRE(child.ok());
  REQUIRE(child->pidfd >= 0);
  pollfd running{child->pidfd, POLLIN, 0};
  CHECK(::poll(&running, 1, 0) == 0);
  ::close(child->stdin_fd);  // EOF ends `read`
  child->stdin_fd = -1;
  pollfd exited{child->pidfd, POLLIN, 0};
  CHECK(::poll(&exited, 1, 10000) == 1);
  CHECK((exited.revents & POLLIN) != 0);
  auto status = wait_exit(child->pid);
  REQUIRE(status.has_value());
  CHECK(WIFEXITED(*status));
  close_child_fds(child.value());
}

TEST_CASE("a missing executable is not_found and names the command") {
  int fds_before = open_fd_count();
  for (const char* cmd : {"drover-no-such-command-xyz", "/nonexistent/dir/agent"}) {
    CAPTURE(cmd);
    auto child = spawn({{cmd, "--flag"}, {}, {}, false, {}, {}});
    REQUIRE_FALSE(child.ok());
    CHECK(child.error().code == Errc::not_found);
    CHECK(child.error().message ==
          std::string("cannot run '") + cmd + "': No such file or directory");
  }
  CHECK(open_fd_count() == fds_before);
}

TEST_CASE("a file that cannot be executed fails with the errno text") {
  TempDir dir;
  auto plain = dir.path / "not-executable";
  { std::ofstream(plain) << "#!/bin/sh\necho no\n"; }
  fs::permissions(plain, fs::perms::owner_read | fs::perms::owner_write);
  int fds_before = open_fd_count();
  for (const fs::path& cmd : {plain, dir.path}) {
    CAPTURE(cmd);
    auto child = spawn({{cmd.string()}, {}, {}, false, {}, {}});
    REQUIRE_FALSE(child.ok());
    CHECK(child.error().code == Errc::failed);
    CHECK(child.error().message.find(cmd.string()) != std::string::npos);
    CHECK(child.error().message.find("Permission denied") != std::string::npos);
  }
  CHECK(open_fd_count() == fds_before);
}

TEST_CASE("a file exec() rejects is reported by posix_spawnp, without leaking fds") {
  TempDir dir;
  auto bogus = dir.path / "bogus";
  {
    std::ofstream(bogus) << std::string(
        "\x7f"
        "ELF garbage",
        12);
  }
  fs::permissions(bogus, fs::perms::owner_all);
  int fds_before = open_fd_count();
  auto child = spawn({{bogus.string()}, {}, {}, false, {}, {}});
  if (child.ok()) {  // glibc falls back to running it with /bin/sh on ENOEXEC
    ::close(child->stdin_fd);
    child->stdin_fd = -1;
    REQUIRE(wait_exit(child->pid).has_value());
    close_child_fds(child.value());
  } else {
    CHECK(child.error().message.find(bogus.string()) != std::string::npos);
  }
  CHECK(open_fd_count() == fds_before);
}

TEST_CASE("a missing working directory is not_found") {
  TempDir dir;
  auto request = sh("true");
  request.cwd = dir.path / "gone";
  auto child = spawn(request);
  REQUIRE_FALSE(child.ok());
  CHECK(child.error().code == Errc::not_found);
  CHECK(child.error().message.find("gone") != std::string::npos);
}

TEST_CASE("an empty command is a usage error") {
  auto child = spawn({});
  REQUIRE_FALSE(child.ok());
  CHECK(child.error().code == Errc::usage);
}
