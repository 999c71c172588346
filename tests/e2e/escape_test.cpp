// End-to-end: no process of a turn escapes it (SPEC §5.3, §7; docs/reliability.md). A
// group member the turn leaves behind after its main process exited is killed by
// recovery, `stop` and `doctor --fix` once the runner is dead; a setsid daemon dies with
// its turn's cgroup at the turn's end, at `stop`, at `drover down` and at recovery.
#include <doctest/doctest.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/containment.h"
#include "os/cgroup.h"
#include "support/agents.h"
#include "support/command.h"
#include "support/database.h"
#include "support/processes.h"
#include "support/project.h"

using e2e::contains;
using e2e::TempProject;

namespace {

// DROVER_CGROUPS for every drover command (and so every supervisor) of one test case.
class CgroupsEnv {
 public:
  explicit CgroupsEnv(const char* value) { ::setenv("DROVER_CGROUPS", value, 1); }
  ~CgroupsEnv() { ::unsetenv("DROVER_CGROUPS"); }
};

// The pid a fixture directive wrote (#!member, #!daemon), once it is there.
pid_t pid_from(const std::filesystem::path& file) {
  REQUIRE(e2e::wait_until([&] { return !e2e::read_text(file).empty(); }));
  return static_cast<pid_t>(std::stol(e2e::read_text(file)));
}

bool escape_alive(pid_t pid) {
  char state = 0;
  long pgid = 0;
  return e2e::proc_stat(pid, state, pgid) && state != 'Z' && state != 'X';
}

bool wait_gone(pid_t pid) {
  return e2e::wait_until([&] { return !escape_alive(pid); });
}

// Never leave a test's sleeper behind, whatever the outcome.
class Reaper {
 public:
  explicit Reaper(pid_t pid) : pid_(pid) {}
  ~Reaper() {
    if (escape_alive(pid_)) ::kill(pid_, SIGKILL);
  }

 private:
  pid_t pid_;
};

// Whether drover run from this test would use cgroup mode (root, or a delegated subtree,
// and not switched off); the cgroup tests skip themselves elsewhere.
bool cgroup_mode() {
  auto own = drover::os::own_cgroup();
  return drover::cgroups_enabled(std::getenv("DROVER_CGROUPS")) && own.ok() &&
         drover::os::is_cgroup_dir(*own) && ::access((*own / "cgroup.procs").c_str(), W_OK) == 0;
}

#define REQUIRE_CGROUP_MODE()                                          \
  if (!cgroup_mode()) {                                                \
    MESSAGE("no writable cgroup v2 (or DROVER_CGROUPS=off): skipped"); \
    return;                                                            \
  }

// The project's cgroup, as a supervisor started from this test's cgroup names it.
std::filesystem::path project_cgroup(const TempProject& p) {
  auto own = drover::os::own_cgroup();
  REQUIRE(own.ok());
  return *own / drover::project_cgroup_name(std::filesystem::canonical(p.root()));
}

// w1's turn leaves a group member (its pid in `member_file`) and keeps printing; the
// supervisor is SIGKILLed, so the turn's main process dies on its next line (SIGPIPE)
// and only the member is left, with no runner and a turn.pid naming a dead leader.
pid_t leave_member_after_crash(const TempProject& p, const std::filesystem::path& member_file) {
  p.init_scripted();
  e2e::sling(p, {"w1", "#!member 30s " + member_file.string() + "\n#!slow 600 50ms"});
  pid_t member = pid_from(member_file);
  REQUIRE(e2e::wait_records(p, "w1", 1));
  pid_t leader = e2e::records(p, "w1").at(0)["pid"].get<pid_t>();
  e2e::kill_supervisor(p);
  REQUIRE(wait_gone(leader));
  REQUIRE(escape_alive(member));
  REQUIRE(e2e::turn_pid_exists(p, "w1"));
  return member;
}

}  // namespace

TEST_CASE("escape: recovery kills the group member a crashed turn left after its leader exited") {
  CgroupsEnv off("off");  // the process-group scan alone
  TempProject p;
  pid_t member = leave_member_after_crash(p, p.root() / "member.pid");
  Reaper reap(member);
  (void)e2e::ok(p, {"up"});
  CHECK(wait_gone(member));
  CHECK(e2e::sql_int(p, "SELECT count(*) FROM events WHERE kind = 'orphan_killed' AND " +
                            e2e::json_field("data", "leftovers") + " = '1'") == 1);
}

TEST_CASE("escape: `drover stop` without a supervisor kills what the crashed turn left") {
  CgroupsEnv off("off");
  TempProject p;
  pid_t member = leave_member_after_crash(p, p.root() / "member.pid");
  Reaper reap(member);
  CHECK(contains(p.drover({"status"}).out, "ORPHAN group "));  // status sees it too
  auto stopped = p.drover({"stop", "w1", "--json"});
  REQUIRE(stopped.code == 0);
  CHECK(stopped.json()["signalled"] == true);
  CHECK(wait_gone(member));
  CHECK(e2e::state_of(p, "w1") == "stopped");
}

TEST_CASE("escape: doctor reports a crashed turn's leftovers as an orphan and --fix kills them") {
  CgroupsEnv off("off");
  TempProject p;
  pid_t member = leave_member_after_crash(p, p.root() / "member.pid");
  Reaper reap(member);
  auto seen = p.drover({"doctor", "--json"});
  CHECK(seen.code == 1);
  bool reported = false;
  auto doc = seen.json();
  for (const auto& c : doc["checks"])
    if (c["name"] == "turn.pid w1") {
      reported = true;
      CHECK(c["status"] == "fail");
      CHECK(contains(c["message"].get<std::string>(), "1 process(es) of its group"));
    }
  CHECK(reported);
  CHECK(escape_alive(member));  // without --fix nothing is signalled
  auto fixed = p.drover({"doctor", "--fix"});
  CHECK(contains(fixed.out, "killed process group"));
  CHECK(wait_gone(member));
  CHECK_FALSE(e2e::turn_pid_exists(p, "w1"));
}

TEST_CASE("escape: a setsid daemon started by a turn dies at the end of that turn (cgroup v2)") {
  REQUIRE_CGROUP_MODE();
  TempProject p;
  p.init_scripted();
  auto daemon_file = p.root() / "daemon.pid";
  e2e::sling(p, {"w1", "#!daemon 30s " + daemon_file.string() + "\n" + e2e::kReportToOperator});
  pid_t daemon = pid_from(daemon_file);
  Reaper reap(daemon);
  REQUIRE(e2e::wait_state(p, "w1", "completed"));
  CHECK(wait_gone(daemon));
  CHECK(contains(e2e::read_text(p.root() / ".drover/logs/supervisor.log"),
                 "left processes in its cgroup"));
  (void)e2e::ok(p, {"down", "--now"});
  CHECK_FALSE(std::filesystem::exists(project_cgroup(p)));  // nothing left in the mount
}

TEST_CASE("escape: `drover stop` and `drover down` end a running turn's setsid daemon") {
  REQUIRE_CGROUP_MODE();
  TempProject p;
  p.init_scripted();
  auto f1 = p.root() / "d1.pid", f2 = p.root() / "d2.pid";
  e2e::sling(p, {"w1", "#!daemon 30s " + f1.string() + "\n#!sleep 30s"});
  e2e::sling(p, {"w2", "#!daemon 30s " + f2.string() + "\n#!sleep 30s"});
  pid_t d1 = pid_from(f1), d2 = pid_from(f2);
  Reaper r1(d1), r2(d2);
  REQUIRE(e2e::wait_state(p, "w2", "in_turn"));
  (void)e2e::ok(p, {"stop", "w1"});
  CHECK(wait_gone(d1));
  CHECK(escape_alive(d2));
  (void)e2e::ok(p, {"down", "--now"});
  CHECK(wait_gone(d2));
  CHECK_FALSE(std::filesystem::exists(project_cgroup(p)));
}

namespace {

// Agent w1's turn started a setsid daemon (its pid returned) and its supervisor was SIGKILLed
// mid-turn: what recovery, stop and doctor find after a crash.
pid_t crash_with_daemon(const TempProject& p) {
  p.init_scripted();
  auto f = p.root() / "daemon.pid";
  e2e::sling(p, {"w1", "#!daemon 30s " + f.string() + "\n#!sleep 30s"});
  pid_t daemon = pid_from(f);
  REQUIRE(e2e::wait_state(p, "w1", "in_turn"));
  e2e::kill_supervisor(p);
  return daemon;
}

}  // namespace

TEST_CASE("escape: recovery empties the cgroup a crashed turn left, setsid daemon included") {
  REQUIRE_CGROUP_MODE();
  TempProject p;
  pid_t daemon = crash_with_daemon(p);
  Reaper reap(daemon);
  REQUIRE(escape_alive(daemon));
  auto doctor = p.drover({"doctor"});
  CHECK(contains(doctor.out, "turn.cgroup w1"));
  (void)e2e::ok(p, {"up"});
  CHECK(wait_gone(daemon));
  (void)e2e::ok(p, {"down", "--now"});
  CHECK_FALSE(std::filesystem::exists(project_cgroup(p)));
}

TEST_CASE("escape: doctor --fix empties the cgroup a crashed turn left") {
  REQUIRE_CGROUP_MODE();
  TempProject p;
  pid_t daemon = crash_with_daemon(p);
  Reaper reap(daemon);
  auto fixed = p.drover({"doctor", "--fix"});
  CHECK(contains(fixed.out, "turn.cgroup w1"));
  CHECK(contains(fixed.out, "fixed: killed its processes and removed the cgroup"));
  CHECK(wait_gone(daemon));
  CHECK_FALSE(std::filesystem::exists(p.root() / ".drover/agents/w1/turn.cgroup"));
  CHECK_FALSE(std::filesystem::exists(project_cgroup(p)));
}

TEST_CASE("escape: doctor names the mode, with cgroups forced off it says what is not caught") {
  TempProject p;
  p.init_scripted();
  if (cgroup_mode()) CHECK(contains(p.drover({"doctor"}).out, "containment: cgroup v2 at "));
  CgroupsEnv off("off");
  auto groups = p.drover({"doctor"});
  CHECK(contains(groups.out, "containment: process groups only (DROVER_CGROUPS=off"));
  CHECK(contains(groups.out,
                 "a process that calls setsid or changes its process group is not caught"));
}

TEST_CASE(
    "escape: a supervisor an agent's command started leaves that turn's cgroup and outlives "
    "the turn (cgroup v2)") {
  REQUIRE_CGROUP_MODE();
  TempProject p;
  p.init_scripted();  // autostart on: the agent's `drover sling` starts a supervisor
  // w1 runs in the foreground, with no supervisor: its agent slings w2, and that command
  // starts the supervisor from inside w1's turn cgroup.
  (void)e2e::ok(
      p, {"sling", "--no-start", "w1", "#!sh drover sling w2 hello\n" + e2e::kReportToOperator});
  (void)e2e::ok(p, {"turn", "w1"});
  // w1's turn has ended, its cgroup killed (anything left in it) and removed.
  pid_t sup = e2e::supervisor_pid(p);
  REQUIRE(sup > 0);
  const auto log = p.root() / ".drover/logs/supervisor.log";
  CHECK(contains(e2e::read_text(log), "started inside the turn cgroup"));
  CHECK(contains(e2e::read_text(log),
                 "containment: cgroup v2 at " + project_cgroup(p).string() + ": "));
  // It was not killed with w1's turn, and it runs w2.
  CHECK(escape_alive(sup));
  CHECK(e2e::wait_records(p, "w2", 1));
  CHECK(escape_alive(sup));
  (void)e2e::ok(p, {"down", "--now"});
  CHECK_FALSE(std::filesystem::exists(project_cgroup(p)));
}
