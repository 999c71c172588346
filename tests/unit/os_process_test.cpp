#include <doctest/doctest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <climits>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <optional>
#include <sstream>
#include <thread>

#include "os/process.h"
#include "os/spawn.h"
#include "wait_for.h"

using namespace drover;
using namespace drover::os;

namespace {

using drover::test::wait_exit;
using drover::test::wait_until;

bool pidfd_readable(int pidfd, std::chrono::seconds limit) {
  pollfd p{pidfd, POLLIN, 0};
  return ::poll(&p, 1, static_cast<int>(limit.count() * 1000)) == 1;
}

// Non-zombie processes in group `pgid`, counted independently of group_alive().
int live_members(pid_t pgid) {
  int n = 0;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(entry.path() / "stat");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto close = text.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream fields(text.substr(close + 1));
    char state = 0;
    long ppid = 0, group = 0;
    if (fields >> state >> ppid >> group && group == pgid && state != 'Z') ++n;
  }
  return n;
}

SpawnedChild spawn_sh(const std::string& script) {
  auto child = spawn({{"sh", "-c", script}, {}, {}, false, {}, {}});
  REQUIRE(child.ok());
  return child.value();
}

// Kills and reaps a child so a failing test leaves nothing behind.
void finish(SpawnedChild& child) {
  if (child.pid > 0) {
    ::kill(-child.pid, SIGKILL);
    ::kill(child.pid, SIGKILL);
    (void)wait_exit(child.pid, std::chrono::seconds(10));
  }
  close_child_fds(child);
}

}  // namespace

TEST_CASE("boot_id is the trimmed kernel boot id") {
  const std::string& id = boot_id();
  CHECK(id.size() == 36);
  CHECK(id.find_first_of(" \n\t") == std::string::npos);
  CHECK(&boot_id() == &id);
}

TEST_CASE("read_identity of this process") {
  auto id = read_identity(::getpid());
  REQUIRE(id.ok());
  CHECK(id->pid == ::getpid());
  CHECK(id->pgid == ::getpgrp());
  CHECK(id->start_ticks > 0);
  CHECK(id->boot_id == boot_id());
  CHECK(check_identity(*id) == Liveness::alive);
  auto again = read_identity(::getpid());
  REQUIRE(again.ok());
  CHECK(*again == *id);
}

TEST_CASE("read_identity of a missing process is not_found") {
  auto id = read_identity(INT_MAX - 7);
  REQUIRE_FALSE(id.ok());
  CHECK(id.error().code == Errc::not_found);
  CHECK_FALSE(read_identity(0).ok());
}

TEST_CASE("identity of a spawned child: alive, reused, zombie is gone, reaped is gone") {
  auto child = spawn_sh("read x");
  auto id = read_identity(child.pid);
  REQUIRE(id.ok());
  CHECK(id->pid == child.pid);
  CHECK(id->pgid == child.pid);
  CHECK(id->start_ticks >= read_identity(::getpid())->start_ticks);
  CHECK(check_identity(*id) == Liveness::alive);

  ProcessIdentity other_start = *id;
  other_start.start_ticks += 1;
  CHECK(check_identity(other_start) == Liveness::reused);
  ProcessIdentity other_boot = *id;
  other_boot.boot_id = "00000000-0000-0000-0000-000000000000";
  CHECK(check_identity(other_boot) == Liveness::reused);

  ::close(child.stdin_fd);  // `read` sees EOF and the shell exits
  child.stdin_fd = -1;
  REQUIRE(child.pidfd >= 0);
  REQUIRE(pidfd_readable(child.pidfd, std::chrono::seconds(10)));
  // Exited but not reaped: a zombie is not the process we were watching any more.
  CHECK(check_identity(*id) == Liveness::gone);
  auto status = wait_exit(child.pid, std::chrono::seconds(10));
  REQUIRE(status.has_value());
  child.pid = -1;
  CHECK(check_identity(*id) == Liveness::gone);
  finish(child);
}

TEST_CASE("check_identity of nonsense is gone") {
  ProcessIdentity id;
  CHECK(check_identity(id) == Liveness::gone);
  id.pid = INT_MAX - 7;
  id.boot_id = boot_id();
  CHECK(check_identity(id) == Liveness::gone);
}

TEST_CASE("pid file format round trip") {
  ProcessIdentity id{1234, 1200, 987654321, "6dc4c6b8-3a22-4a70-aa1f-8ce0d20623ea"};
  std::string text = format_pid_file(id);
  CHECK(text == "1234 1200 987654321 6dc4c6b8-3a22-4a70-aa1f-8ce0d20623ea\n");
  auto parsed = parse_pid_file(text);
  REQUIRE(parsed.ok());
  CHECK(*parsed == id);

  text.pop_back();  // the trailing newline is optional
  auto no_newline = parse_pid_file(text);
  REQUIRE(no_newline.ok());
  CHECK(*no_newline == id);

  auto self = read_identity(::getpid());
  REQUIRE(self.ok());
  auto self_parsed = parse_pid_file(format_pid_file(*self));
  REQUIRE(self_parsed.ok());
  CHECK(*self_parsed == *self);
}

TEST_CASE("pid file parse rejects empty text") {
  for (const char* text : {"", "\n"}) {
    auto r = parse_pid_file(text);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == Errc::usage);
    CHECK(r.error().message.find("empty") != std::string::npos);
  }
}

TEST_CASE("pid file parse rejects garbage and wrong shapes") {
  const char* bad[] = {
      "garbage",     "1 2 3",     "1 2 3\n",           "1 2 3 b 5",
      "0 2 3 b",     "-1 2 3 b",  "1 0 3 b",           "1 -2 3 b",
      "x 2 3 b",     "1 y 3 b",   "1 2 z b",           "1 2 -3 b",
      "1 2 3 ",      "1  2 3 b",  " 1 2 3 b",          "1 2 3 b\n\n",
      "1 2 3 b\r\n", "1\t2 3 b",  "99999999999 2 3 b", "1 2 99999999999999999999999 b",
      "+1 2 3 b",    "1 2 3.5 b",
  };
  for (const char* text : bad) {
    CAPTURE(text);
    auto r = parse_pid_file(text);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == Errc::usage);
    CHECK_FALSE(r.error().message.empty());
  }
  auto three = parse_pid_file("1 2 3");
  REQUIRE_FALSE(three.ok());
  CHECK(three.error().message.find("'<pid> <pgid> <start_ticks> <boot_id>'") != std::string::npos);
}

TEST_CASE("signal_group kills a child group including a grandchild") {
  auto child = spawn_sh("sleep 30 & sleep 30");
  // Wait for the background sleep to exist: the group then has at least two members.
  REQUIRE(wait_until([&] { return live_members(child.pid) >= 2; }, std::chrono::seconds(10)));
  CHECK(group_alive(child.pid));

  auto sent = signal_group(child.pid, SIGKILL);
  REQUIRE(sent.ok());
  CHECK(sent.value());
  // The shell is our unreaped zombie and the grandchild may be one of init's: neither
  // counts as alive.
  CHECK(wait_until([&] { return !group_alive(child.pid); }, std::chrono::seconds(10)));
  auto status = wait_exit(child.pid, std::chrono::seconds(10));
  REQUIRE(status.has_value());
  CHECK(WIFSIGNALED(*status));
  CHECK(WTERMSIG(*status) == SIGKILL);
  child.pid = -1;
  finish(child);
}

TEST_CASE("signal_group refuses our own process group") {
  auto refused = signal_group(::getpgrp(), 0);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().code == Errc::usage);
}

TEST_CASE("signal_group of a missing group reports not found, and refuses 0 and 1") {
  auto r = signal_group(INT_MAX - 7, SIGTERM);
  REQUIRE(r.ok());
  CHECK_FALSE(r.value());
  CHECK_FALSE(group_alive(INT_MAX - 7));
  CHECK_FALSE(group_alive(0));
  for (pid_t pgid : {0, 1, -5}) {
    auto refused = signal_group(pgid, 0);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().code == Errc::usage);
  }
}

TEST_CASE("group_alive sees our own group") { CHECK(group_alive(::getpgrp())); }

TEST_CASE("ignore_sigpipe sets SIGPIPE to ignored") {
  ignore_sigpipe();
  struct sigaction sa {};
  REQUIRE(::sigaction(SIGPIPE, nullptr, &sa) == 0);
  bool ignored = sa.sa_handler == SIG_IGN;
  CHECK(ignored);
}

TEST_CASE("reap_exited_children with no children returns 0") {
  // Run in a fresh child so the test process's own children are not disturbed.
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) ::_exit(reap_exited_children() == 0 ? 0 : 1);
  auto status = wait_exit(pid, std::chrono::seconds(10));
  REQUIRE(status.has_value());
  CHECK(WIFEXITED(*status));
  CHECK(WEXITSTATUS(*status) == 0);
}

TEST_CASE("as subreaper, orphaned grandchildren are reparented and reaped") {
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    // Exit codes: 0 ok, 2 prctl failed, 3 spawn failed, 4 never reaped both.
    if (!become_child_subreaper().ok()) ::_exit(2);
    auto child = spawn({{"sh", "-c", "sleep 0.1 & exit 0"}, {}, {}, false, {}, {}});
    if (!child.ok()) ::_exit(3);
    close_child_fds(child.value());
    int reaped = 0;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (reaped < 2 && std::chrono::steady_clock::now() < deadline) {
      reaped += reap_exited_children();
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ::_exit(reaped == 2 ? 0 : 4);
  }
  auto status = wait_exit(pid, std::chrono::seconds(20));
  REQUIRE(status.has_value());
  CHECK(WIFEXITED(*status));
  CHECK(WEXITSTATUS(*status) == 0);
}
