// End-to-end: a passing shortage of file descriptors or processes (issue 15 item 5) defers
// starts instead of failing agents: the turn is not started, its mail stays pending, the
// supervisor backs off with fewer turns at once, logs it once and `status` shows it; once
// the shortage passes every agent runs. (A missing executable still fails its agent:
// supervisor_test.cpp, "a runtime whose command is missing fails that agent …".)
#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "support/agents.h"
#include "support/command.h"
#include "support/database.h"
#include "support/mail.h"
#include "support/processes.h"
#include "support/project.h"

using e2e::contains;
using e2e::TempProject;

namespace {

int count_open_fds(pid_t pid) {
  int n = 0;
  for (const auto& e :
       std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd")) {
    (void)e;
    ++n;
  }
  return n;
}

// The supervisor's soft RLIMIT_NOFILE (prlimit, util-linux): it raises it only at start.
void set_soft_nofile(pid_t pid, int soft) {
  auto r = e2e::command(
      {"prlimit", "--pid", std::to_string(pid), "--nofile=" + std::to_string(soft) + ":"});
  INFO(r.err);
  REQUIRE(r.code == 0);
}

e2e::Json deferred_condition(const TempProject& p) {
  return p.drover({"status", "--json"}).json()["supervisor"]["spawns_deferred"];
}

std::string supervisor_log(const TempProject& p) {
  return e2e::read_text(p.root() / ".drover/logs/supervisor.log");
}

int occurrences(const std::string& text, const std::string& needle) {
  int n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

const std::vector<std::string> kWorkers = {"w1", "w2", "w3"};

void sling_workers(const TempProject& p) {
  for (const auto& w : kWorkers)
    e2e::sling(p, {w, "--parent", "boss", "#!say hi\n" + e2e::kReportToOperator});
}

// While starts are held back: nobody failed, nothing counted, the mail is still pending,
// and `status` says why.
void check_deferred(const TempProject& p) {
  REQUIRE(e2e::wait_until([&] {
    return e2e::sql_int(p, "SELECT count(*) FROM turns WHERE ended_at IS NOT NULL") >= 1;
  }));
  for (const auto& w : kWorkers) CHECK(e2e::state_of(p, w) != "failed");
  REQUIRE(e2e::wait_until([&] { return deferred_condition(p).is_object(); }));
  auto c = deferred_condition(p);
  CHECK(c["deferred"].get<int>() >= 1);
  CHECK(c["limit"].get<int>() >= 1);
  CHECK(c["max"].get<int>() == 8);
  auto human = p.drover({"status"}).out;
  CHECK(contains(human, "starts deferred"));
  for (const auto& w : kWorkers) {
    CHECK(e2e::state_of(p, w) == "booting");
    CHECK(e2e::sql_int(p, "SELECT failed_turns FROM sessions WHERE name = '" + w + "'") == 0);
  }
  CHECK(e2e::sql_int(p, "SELECT count(*) FROM turns WHERE outcome = 'deferred'") >= 1);
  CHECK(e2e::worker_died_to(p, "boss").empty());
}

// Once the shortage passed: every worker ran and answered, nobody was told of a death,
// and the condition is gone from `status` and was logged once each way.
void check_recovered(const TempProject& p) {
  for (const auto& w : kWorkers) CHECK(e2e::wait_state(p, w, "completed"));
  CHECK(e2e::mail_list(p, {"--to", "operator", "--type", "worker_done"}).size() == kWorkers.size());
  CHECK(e2e::worker_died_to(p, "boss").empty());
  CHECK(e2e::sql_int(p, "SELECT count(*) FROM turns WHERE outcome IN ('spawn_failed', 'failed')") ==
        0);
  CHECK(e2e::wait_until([&] { return deferred_condition(p).is_null(); }));
  auto log = supervisor_log(p);
  CHECK(occurrences(log, "starts deferred:") == 1);
  CHECK(occurrences(log, "starts succeed again:") == 1);
}

}  // namespace

TEST_CASE("supervisor: starts that run out of file descriptors wait, and no agent fails") {
  TempProject p;
  p.init_scripted();
  e2e::ok(p, {"up"});
  pid_t sup = e2e::supervisor_pid(p);
  REQUIRE(sup > 0);
  // Room for a turn's lock and its two log files, none for its pipes: each start hits EMFILE.
  set_soft_nofile(sup, count_open_fds(sup) + 4);
  sling_workers(p);
  check_deferred(p);
  CHECK(contains(deferred_condition(p)["cause"].get<std::string>(), "Too many open files"));
  set_soft_nofile(sup, 4096);
  check_recovered(p);
}

namespace {

// A child of the cgroup v1 pids hierarchy, removed (its processes moved back to the root)
// when the test ends.
class PidsCgroup {
 public:
  static std::filesystem::path root() { return "/sys/fs/cgroup/pids"; }
  static bool usable() { return ::access("/sys/fs/cgroup/pids/cgroup.procs", W_OK) == 0; }
  PidsCgroup() : dir_(root() / ("drover-test-" + std::to_string(::getpid()))) {
    std::filesystem::create_directory(dir_);
  }
  ~PidsCgroup() {
    set_max("max");
    std::ifstream procs(dir_ / "cgroup.procs");
    for (std::string pid; std::getline(procs, pid);) write(root() / "cgroup.procs", pid);
    std::error_code ec;
    std::filesystem::remove(dir_, ec);
  }
  void enter(pid_t pid) { REQUIRE(write(dir_ / "cgroup.procs", std::to_string(pid))); }
  void set_max(const std::string& v) { write(dir_ / "pids.max", v); }
  std::string current() const {
    std::ifstream in(dir_ / "pids.current");
    std::string v;
    std::getline(in, v);
    return v;
  }

 private:
  static bool write(const std::filesystem::path& f, const std::string& v) {
    std::ofstream out(f);
    out << v << "\n";
    out.flush();
    return static_cast<bool>(out);
  }
  std::filesystem::path dir_;
};

}  // namespace

TEST_CASE("supervisor: starts refused by a cgroup's pids.max wait, and no agent fails") {
  if (!PidsCgroup::usable()) {
    MESSAGE(
        "skipped: the cgroup v1 pids hierarchy (/sys/fs/cgroup/pids) is not writable here, "
        "so no pids.max can refuse the supervisor's forks");
    return;
  }
  TempProject p;
  p.init_scripted();
  e2e::ok(p, {"up"});
  pid_t sup = e2e::supervisor_pid(p);
  REQUIRE(sup > 0);
  PidsCgroup cg;
  cg.enter(sup);
  cg.set_max(cg.current());  // not one task more: posix_spawn fails with EAGAIN
  sling_workers(p);
  check_deferred(p);
  CHECK(contains(deferred_condition(p)["cause"].get<std::string>(),
                 "Resource temporarily unavailable"));
  cg.set_max("max");
  check_recovered(p);
}
