// The turn lease over real files and real processes: the lock, turn.pid, the group
// ownership check and the synchronous stop-policy executor.
#include <doctest/doctest.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "core/containment.h"
#include "os/cgroup.h"
#include "os/spawn.h"
#include "runner/turn_lease.h"
#include "temp_dir.h"
#include "wait_for.h"

using namespace drover;
using namespace drover::runner;
using namespace drover::test;
using std::chrono::milliseconds;
namespace fs = std::filesystem;

namespace {

struct LeaseFixture {
  TempDir dir;
  ProjectPaths paths{dir.path};
  LeaseFixture() { fs::create_directories(paths.agent_dir("alice")); }
};

os::SpawnedChild spawn_group(const std::string& script) {
  auto child = os::spawn({{"sh", "-c", script}, {}, {}, false, {}, {}});
  REQUIRE(child.ok());
  return child.value();
}

void reap(os::SpawnedChild& child) {
  ::kill(-child.pid, SIGKILL);
  (void)wait_exit(child.pid);
  os::close_child_fds(child);
}

}  // namespace

TEST_CASE("turn lease: one holder at a time, seen by others, free once released") {
  LeaseFixture f;
  auto first = TurnLease::take(f.paths, "alice");
  REQUIRE(first.ok());
  CHECK(lease_held(f.paths, "alice"));
  auto second = TurnLease::take(f.paths, "alice");
  REQUIRE_FALSE(second.ok());
  CHECK(second.error().code == Errc::conflict);
  auto waited = TurnLease::take(f.paths, "alice", milliseconds(20));
  CHECK_FALSE(waited.ok());
  first.value().release();
  CHECK_FALSE(lease_held(f.paths, "alice"));
  CHECK(TurnLease::take(f.paths, "alice").ok());
}

TEST_CASE(
    "turn lease: turn.pid written by the holder reads back alive, garbage and absence are told "
    "apart") {
  LeaseFixture f;
  CHECK_FALSE(read_turn_pid(f.paths, "alice").present);
  auto lease = TurnLease::take(f.paths, "alice");
  REQUIRE(lease.ok());
  auto self = os::read_identity(::getpid());
  REQUIRE(self.ok());
  REQUIRE(lease.value().publish(self.value()).ok());
  auto v = read_turn_pid(f.paths, "alice");
  CHECK(v.present);
  CHECK(v.readable);
  CHECK(v.alive());
  CHECK(v.identity == self.value());
  auto mode = fs::status(f.paths.turn_pid("alice")).permissions() & fs::perms::all;
  CHECK(mode == (fs::perms::owner_read | fs::perms::owner_write));

  REQUIRE(lease.value().unpublish().ok());
  CHECK_FALSE(fs::exists(f.paths.turn_pid("alice")));
  CHECK(lease.value().unpublish().ok());  // already gone is fine

  std::ofstream(f.paths.turn_pid("alice")) << "not a pid file";
  v = read_turn_pid(f.paths, "alice");
  CHECK(v.present);
  CHECK_FALSE(v.identity);
  CHECK_FALSE(v.alive());
  CHECK_FALSE(v.problem.empty());
}

TEST_CASE("turn lease: a group is ours only while its leader is the very process and still in it") {
  auto self = os::read_identity(::getpid());
  REQUIRE(self.ok());
  CHECK(check_group(self.value()) == GroupOwnership::ours);
  auto reused = self.value();
  reused.start_ticks += 1;
  CHECK(check_group(reused) == GroupOwnership::reused);
  auto moved = self.value();
  moved.pgid += 1;  // turn.pid says another group than the one the process is in now
  CHECK(check_group(moved) == GroupOwnership::left_group);
  auto gone = self.value();
  gone.pid = 4'000'000;  // above pid_max
  CHECK(check_group(gone) == GroupOwnership::gone);
}

TEST_CASE("turn lease: the synchronous stop ends a group at SIGTERM when it obeys") {
  auto child = spawn_group("sleep 30");
  auto id = os::read_identity(child.pid);
  REQUIRE(id.ok());
  auto r =
      stop_turn_group(id.value(), {{SIGTERM, milliseconds(5000)}, {SIGKILL, milliseconds(5000)}});
  CHECK(r.kind == GroupStop::Kind::gone);
  CHECK(r.last_signal == SIGTERM);
  reap(child);
}

TEST_CASE(
    "turn lease: the synchronous stop sends SIGKILL after the grace to a group that ignores "
    "SIGTERM") {
  // The shell ignores TERM, and so does the sleep it starts (ignored dispositions are inherited).
  auto child = spawn_group("trap '' TERM; echo ready; sleep 30 & wait");
  char c = 0;
  REQUIRE(::read(child.stdout_fd, &c, 1) == 1);  // the trap is set
  auto id = os::read_identity(child.pid);
  REQUIRE(id.ok());
  auto r =
      stop_turn_group(id.value(), {{SIGTERM, milliseconds(50)}, {SIGKILL, milliseconds(5000)}});
  CHECK(r.kind == GroupStop::Kind::gone);
  CHECK(r.last_signal == SIGKILL);
  reap(child);
}

TEST_CASE("turn lease: the synchronous stop never signals a group that is not the turn's") {
  auto child = spawn_group("sleep 30");
  auto id = os::read_identity(child.pid);
  REQUIRE(id.ok());
  auto stale = id.value();
  stale.start_ticks += 1;  // what a turn.pid of an earlier process with this pid would say
  auto r = stop_turn_group(stale, {{SIGTERM, milliseconds(50)}, {SIGKILL, milliseconds(50)}});
  CHECK(r.kind == GroupStop::Kind::not_ours);
  CHECK(r.ownership == GroupOwnership::reused);
  CHECK(turn_group_alive(child.pid));  // untouched
  reap(child);
}

TEST_CASE("turn lease: what a turn leaves after its leader exited is found and stopped") {
  // The leader starts a member in its group, prints its pid and exits (and is reaped).
  auto child = spawn_group("sleep 30 </dev/null >/dev/null 2>&1 & echo $!");
  auto id = os::read_identity(child.pid);
  REQUIRE(id.ok());
  char buf[32] = {};
  REQUIRE(::read(child.stdout_fd, buf, sizeof buf - 1) > 0);
  pid_t member = static_cast<pid_t>(std::stol(buf));
  REQUIRE(wait_exit(child.pid).has_value());
  REQUIRE(check_group(id.value()) == GroupOwnership::gone);
  auto found = turn_processes(id.value());
  REQUIRE(found.size() == 1);
  CHECK(found[0].pid == member);
  auto r =
      stop_turn_group(id.value(), {{SIGTERM, milliseconds(5000)}, {SIGKILL, milliseconds(5000)}});
  CHECK(r.kind == GroupStop::Kind::gone);
  CHECK(r.last_signal == SIGTERM);
  CHECK_FALSE(turn_group_alive(child.pid));
  CHECK(turn_processes(id.value()).empty());
  os::close_child_fds(child);
}

TEST_CASE("turn lease: a leader gone with nothing left: the stop signals nothing") {
  auto child = spawn_group("exit 0");
  auto id = os::read_identity(child.pid);
  REQUIRE(wait_exit(child.pid).has_value());
  if (!id.ok()) return;  // it exited before it could be read: nothing to check
  auto r = stop_turn_group(id.value(), {{SIGTERM, milliseconds(50)}, {SIGKILL, milliseconds(50)}});
  CHECK(r.kind == GroupStop::Kind::gone);
  CHECK(r.last_signal == 0);
  os::close_child_fds(child);
}

TEST_CASE(
    "turn lease: turn.cgroup is written before its cgroup exists, and ending it removes both") {
  LeaseFixture f;
  auto own = os::own_cgroup();
  if (!own.ok() || !os::is_cgroup_dir(*own) || ::access((*own / "cgroup.procs").c_str(), W_OK)) {
    MESSAGE("no writable cgroup v2 here: skipped");
    return;
  }
  auto lease = TurnLease::take(f.paths, "alice");
  REQUIRE(lease.ok());
  auto project = *own / project_cgroup_name(f.paths.root);
  auto cg = lease->open_cgroup(project);
  REQUIRE(cg.ok());
  CHECK(*cg == project / "agent-alice");
  CHECK(os::is_cgroup_dir(*cg));
  CHECK(read_turn_cgroup(f.paths, "alice") == *cg);
  auto child = spawn_group("sleep 30");
  REQUIRE(enter_turn_cgroup(*cg, child.pid).ok());
  auto end = end_turn_cgroup(f.paths, "alice");
  CHECK(end.present);
  CHECK(end.populated);
  CHECK(end.problem.empty());
  CHECK(wait_exit(child.pid).has_value());  // killed by cgroup.kill
  os::close_child_fds(child);
  CHECK_FALSE(fs::exists(*cg));
  CHECK_FALSE(fs::exists(project));  // the project's, now empty, too
  CHECK_FALSE(fs::exists(f.paths.turn_cgroup("alice")));
}

TEST_CASE("turn lease: a turn.cgroup not of drover's shape is never written to, only removed") {
  LeaseFixture f;
  auto own = os::own_cgroup();
  std::string target = own.ok() ? own->string() : "/sys/fs/cgroup";
  std::ofstream(f.paths.turn_cgroup("alice")) << target << "\n";
  CHECK_FALSE(read_turn_cgroup(f.paths, "alice").has_value());
  auto end = end_turn_cgroup(f.paths, "alice");
  CHECK_FALSE(end.present);
  CHECK_FALSE(end.populated);
  CHECK_FALSE(fs::exists(f.paths.turn_cgroup("alice")));
  if (own.ok()) CHECK(fs::exists(*own / "cgroup.procs"));  // our own cgroup was left alone
}
