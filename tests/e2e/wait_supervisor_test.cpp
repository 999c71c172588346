// End-to-end: `sling --wait` while the supervisor dies under it (SPEC §6.1). With autostart
// the wait restarts the supervisor, whose recovery resumes the agent; without it the wait
// ends at once with the reason, instead of waiting forever.
#include <doctest/doctest.h>

#include <future>

#include "support/agents.h"
#include "support/command.h"
#include "support/processes.h"
#include "support/project.h"

using e2e::contains;
using e2e::TempProject;

namespace {

// `sling AGENT --wait TASK` in the background, bounded by timeout(1): a wait that never
// ends exits 124 instead of hanging the test.
std::future<e2e::Run> sling_wait(const TempProject& p, const std::string& agent,
                                 const std::string& task) {
  auto opts = e2e::agent_opts(p);
  opts.cwd = p.root();
  std::vector<std::string> argv = {"timeout", "60", e2e::drover_bin(), "sling", agent,
                                   "--wait",  task};
  return std::async(std::launch::async, [argv, opts] { return e2e::command(argv, opts); });
}

bool in_turn(const TempProject& p, const std::string& agent) {
  return e2e::state_of(p, agent) == "in_turn";
}

}  // namespace

TEST_CASE(
    "sling --wait restarts a supervisor that died under it (autostart), and ends when the agent "
    "does") {
  TempProject p;
  p.init_scripted();
  auto gate = p.root() / "gate";
  // The first turn blocks until the gate exists; the resumed turn finds it and reports.
  auto waiting = sling_wait(
      p, "w1",
      "#!sh while [ ! -e " + gate.string() + " ]; do sleep 0.05; done\n" + e2e::kReportToOperator);
  REQUIRE(e2e::wait_until([&] { return in_turn(p, "w1"); }));
  e2e::kill_supervisor(p);
  e2e::write_text(gate, "open");
  REQUIRE(waiting.wait_for(std::chrono::seconds(70)) == std::future_status::ready);
  auto r = waiting.get();
  INFO(r.out << r.err);
  CHECK(r.code == 0);
  CHECK(contains(r.err, "the supervisor died; restarting it"));
  CHECK(e2e::state_of(p, "w1") == "completed");
  CHECK(e2e::supervisor_pid(p) != 0);  // the one the wait started
}

TEST_CASE("sling --wait ends with the reason when the supervisor dies and autostart is off") {
  TempProject p;
  p.init_scripted("supervisor.autostart = false\n");
  e2e::ok(p, {"up"});
  auto waiting = sling_wait(p, "w2", "#!sleep 30s\n" + e2e::kReportToOperator);
  REQUIRE(e2e::wait_until([&] { return in_turn(p, "w2"); }));
  e2e::kill_supervisor(p);
  REQUIRE(waiting.wait_for(std::chrono::seconds(70)) == std::future_status::ready);
  auto r = waiting.get();
  INFO(r.out << r.err);
  CHECK(r.code == 1);
  CHECK(contains(r.err,
                 "w2 is still in_turn, but the supervisor died and supervisor.autostart is off"));
  CHECK(e2e::ok(p, {"stop", "w2"}).code == 0);  // the orphaned turn is stopped without a supervisor
  CHECK(e2e::live_agent_processes(p, "w2").empty());
}

TEST_CASE("sling --wait with no supervisor and autostart off says so instead of waiting") {
  TempProject p;
  p.init_scripted("supervisor.autostart = false\n");
  auto r = sling_wait(p, "w3", e2e::kReportToOperator).get();
  INFO(r.out << r.err);
  CHECK(r.code == 1);
  CHECK(contains(r.err, "no supervisor is running"));
  CHECK(e2e::state_of(p, "w3") == "booting");
}
