// cgroup v2 on the real kernel: skipped where this process cannot create cgroups.
#include <doctest/doctest.h>
#include <signal.h>
#include <unistd.h>

#include "os/cgroup.h"
#include "os/files.h"
#include "os/spawn.h"
#include "temp_dir.h"
#include "wait_for.h"

using namespace drover;
using namespace drover::test;

TEST_CASE("os cgroup: a setsid daemon in a cgroup dies by cgroup.kill, the cgroup is removed") {
  auto own = os::own_cgroup();
  if (!own.ok() || !os::is_cgroup_dir(*own) || ::access((*own / "cgroup.procs").c_str(), W_OK)) {
    MESSAGE("no writable cgroup v2 here: skipped");
    return;
  }
  auto dir = *own / ("drover-test-" + std::to_string(::getpid()));
  REQUIRE(os::create_cgroup(dir).ok());
  CHECK(os::create_cgroup(dir).ok());  // an existing one is fine
  CHECK_FALSE(os::cgroup_populated(dir));
  // The shell joins the cgroup before it starts a daemon in a session of its own.
  auto child =
      os::spawn({{"sh", "-c", "read x; setsid sleep 30 & echo $!"}, {}, {}, false, {}, {}});
  REQUIRE(child.ok());
  REQUIRE(os::move_to_cgroup(dir, child->pid).ok());
  REQUIRE(::write(child->stdin_fd, "go\n", 3) == 3);
  char buf[32] = {};
  REQUIRE(::read(child->stdout_fd, buf, sizeof buf - 1) > 0);
  REQUIRE(wait_exit(child->pid).has_value());
  CHECK(os::cgroup_populated(dir));  // the daemon outlived the shell
  CHECK(os::remove_cgroup(dir).error().code == Errc::conflict);
  REQUIRE(os::kill_cgroup(dir).ok());
  CHECK(wait_until([&] { return !os::cgroup_populated(dir); }, std::chrono::seconds(5)));
  CHECK(os::remove_cgroup(dir).ok());
  CHECK_FALSE(os::is_directory(dir));
  CHECK(os::remove_cgroup(dir).ok());  // a missing one is fine
  os::close_child_fds(*child);
}

TEST_CASE("os cgroup: a plain directory is not a cgroup") {
  CHECK_FALSE(os::is_cgroup_dir("/tmp"));
}

TEST_CASE("os cgroup: argv_in_cgroup starts the command already inside the cgroup") {
  auto own = os::own_cgroup();
  if (!own.ok() || !os::is_cgroup_dir(*own) || ::access((*own / "cgroup.procs").c_str(), W_OK)) {
    MESSAGE("no writable cgroup v2 here: skipped");
    return;
  }
  auto dir = *own / ("drover-test-argv-" + std::to_string(::getpid()));
  REQUIRE(os::create_cgroup(dir).ok());
  os::SpawnRequest req;
  req.argv = {"sh", "-c", "grep '^0::' /proc/self/cgroup; echo \"$0 $1\"", "a b", "c"};
  auto argv = os::argv_in_cgroup(req, dir);
  REQUIRE(argv.ok());
  req.argv = *argv;
  auto child = os::spawn(req);
  REQUIRE(child.ok());
  std::string out;
  char buf[256];
  for (ssize_t n; (n = ::read(child->stdout_fd, buf, sizeof buf)) > 0;) out.append(buf, n);
  REQUIRE(wait_exit(child->pid).has_value());
  os::close_child_fds(*child);
  // The first thing the command sees is its cgroup; its argv is untouched.
  CHECK(out.find(dir.filename().string() + "\n") != std::string::npos);
  CHECK(out.find("a b c\n") != std::string::npos);
  CHECK(os::remove_cgroup(dir).ok());
  req.argv = {"no-such-command-for-drover"};
  auto missing = os::argv_in_cgroup(req, dir);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().code == Errc::not_found);
  CHECK(missing.error().message.find("cannot run 'no-such-command-for-drover'") == 0);
}

TEST_CASE(
    "os cgroup: SpawnRequest::cgroup creates the child inside the cgroup (clone3), with its "
    "pipes, argv, environment, working directory and a process group of its own") {
  auto own = os::own_cgroup();
  if (!own.ok() || !os::is_cgroup_dir(*own) || ::access((*own / "cgroup.procs").c_str(), W_OK)) {
    MESSAGE("no writable cgroup v2 here: skipped");
    return;
  }
  auto dir = *own / ("drover-test-clone-" + std::to_string(::getpid()));
  REQUIRE(os::create_cgroup(dir).ok());
  os::SpawnRequest req;
  req.argv = {"sh", "-c",
              "grep '^0::' /proc/self/cgroup; echo \"$0 $1 $DROVER_CLONE_TEST\"; pwd; "
              "echo \"pgid $(cut -d' ' -f5 /proc/$$/stat) pid $$\"; read x; echo \"got $x\"; ls "
              "/proc/self/fd",
              "a b", "c"};
  req.env_extra = {{"DROVER_CLONE_TEST", "yes"}};
  req.cwd = "/tmp";
  req.cgroup = dir;
  auto child = os::spawn(req);
  REQUIRE(child.ok());
  CHECK(child->pidfd >= 0);
  CHECK(child->in_cgroup);  // the runner need not move it there again
  REQUIRE(::write(child->stdin_fd, "line\n", 5) == 5);
  std::string out;
  char buf[512];
  for (ssize_t n; (n = ::read(child->stdout_fd, buf, sizeof buf)) > 0;) out.append(buf, n);
  REQUIRE(wait_exit(child->pid).has_value());
  os::close_child_fds(*child);
  CHECK(out.find(dir.filename().string() + "\n") != std::string::npos);
  CHECK(out.find("a b c yes\n") != std::string::npos);
  CHECK(out.find("/tmp\n") != std::string::npos);
  auto pid = std::to_string(child->pid);
  CHECK(out.find("pgid " + pid + " pid " + pid + "\n") != std::string::npos);
  CHECK(out.find("got line\n") != std::string::npos);
  // Only stdin, stdout, stderr (and the fd ls itself opens) are open in the child.
  auto fds = out.substr(out.find("got line\n") + 9);
  CHECK(fds == "0\n1\n2\n3\n");
  CHECK(os::remove_cgroup(dir).ok());
  // A command that cannot be run is the same error as without a cgroup.
  REQUIRE(os::create_cgroup(dir).ok());
  req.argv = {"no-such-command-for-drover"};
  auto missing = os::spawn(req);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().code == Errc::not_found);
  CHECK(os::remove_cgroup(dir).ok());
}

TEST_CASE(
    "os cgroup: where clone3 cannot start the child in the cgroup, the /bin/sh wrapper runs "
    "the command all the same") {
  // A plain directory is no cgroup: clone3 refuses it (not a passing shortage), so spawn
  // falls back to the shell, which runs the command (and cannot join anything).
  drover::test::TempDir dir;
  os::SpawnRequest req;
  req.argv = {"sh", "-c", "echo \"ran $0\"", "x"};
  req.cgroup = dir.path;
  auto child = os::spawn(req);
  REQUIRE(child.ok());
  CHECK_FALSE(child->in_cgroup);  // the runner writes cgroup.procs to find out
  std::string out;
  char buf[256];
  for (ssize_t n; (n = ::read(child->stdout_fd, buf, sizeof buf)) > 0;) out.append(buf, n);
  REQUIRE(wait_exit(child->pid).has_value());
  os::close_child_fds(*child);
  CHECK(out == "ran x\n");
}
