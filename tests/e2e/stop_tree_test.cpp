// End-to-end: `drover stop A --tree` (issue 17 item 7, docs/steering.md "Stopping a tree"):
// a three-level tree of agents, each in a running turn, stopped deepest first with one
// worker_died (the top's, to its parent) and no process left.
#include <doctest/doctest.h>

#include "support/agents.h"
#include "support/command.h"
#include "support/database.h"
#include "support/mail.h"
#include "support/processes.h"
#include "support/project.h"

using e2e::contains;
using e2e::Json;
using e2e::TempProject;

namespace {
// A turn that blocks until `file` exists (never created: the stop ends it).
std::string block_on(const std::filesystem::path& file) {
  return "#!sh while [ ! -e " + file.string() + " ]; do sleep 0.05; done";
}
}  // namespace

TEST_CASE("stop --tree: deepest first, one worker_died to the top's parent, nothing left") {
  TempProject p;
  p.init_scripted();
  auto never = p.root() / "never";
  e2e::sling(p, {"boss", "--capability", "coordinator", "#!say hello"});
  REQUIRE(e2e::wait_state(p, "boss", "between_turns"));
  e2e::sling(p, {"top", "--parent", "boss", block_on(never)});
  e2e::sling(p, {"mid", "--parent", "top", block_on(never)});
  e2e::sling(p, {"leaf", "--parent", "mid", block_on(never)});
  e2e::sling(p, {"done", "--parent", "top", e2e::kReportToOperator});
  e2e::sling(p, {"other", block_on(never)});
  for (const char* a : {"top", "mid", "leaf", "other"}) REQUIRE(e2e::wait_state(p, a, "in_turn"));
  REQUIRE(e2e::wait_state(p, "done", "completed"));
  e2e::ok(p, {"ask", "--from", "mid", "Keep going?"});

  auto r = p.drover({"--json", "stop", "top", "--tree"}, e2e::agent_opts(p));
  CAPTURE(r.out);
  CAPTURE(r.err);
  REQUIRE(r.code == 0);
  Json doc = r.json();
  std::vector<std::string> order;
  for (const auto& a : doc["agents"]) order.push_back(a["agent"]);
  CHECK(order == std::vector<std::string>{"leaf", "mid", "top"});
  CHECK(doc["already_finished"].size() == 1);
  CHECK(doc["already_finished"][0]["agent"] == "done");
  CHECK(doc["agents"][1]["gates_closed"].size() == 1);
  for (const char* a : {"top", "mid", "leaf"}) {
    CAPTURE(a);
    CHECK(e2e::state_of(p, a) == "stopped");
    CHECK(e2e::live_agent_processes(p, a).empty());
  }
  CHECK(e2e::state_of(p, "other") == "in_turn");  // not in the tree
  auto died = e2e::worker_died_to(p, "boss");
  REQUIRE(died.size() == 1);
  CHECK(contains(died[0]["subject"], "top"));
  CHECK(e2e::worker_died_to(p, "top").empty());
  CHECK(e2e::worker_died_to(p, "mid").empty());
  CHECK(e2e::sql_int(p, "SELECT count(*) FROM messages WHERE type = 'worker_died'") == 1);
  CHECK(e2e::ok(p, {"gates", "--json"}).json()["gates"].empty());

  // Again: everything in the tree is finished.
  e2e::expect_one_line_error(p.drover({"stop", "top", "--tree"}), 4, "already finished");
  e2e::expect_one_line_error(p.drover({"stop", "--all", "--tree"}), 2, "--tree");
  e2e::expect_one_line_error(p.drover({"stop", "nobody", "--tree"}), 3, "no agent named");
  e2e::ok(p, {"stop", "other"});
}

// A member's own supervisor ends the turn of an agent whose stop was asked for (docs/hosts.md)
// and may get there before the command does. Here it must: `mid` ignores SIGTERM, so the
// command waits out the grace on it while the supervisor's tick ends `top`. `top` was
// stopped by this stop and is reported so (before, it was "already finished").
TEST_CASE("stop --tree: a member its supervisor stopped first is reported as stopped") {
  TempProject p;
  p.init_scripted("turn.kill_grace = \"4s\"");
  auto never = p.root() / "never";
  e2e::sling(p, {"top", block_on(never)});
  e2e::sling(p, {"mid", "--parent", "top",
                 "#!sh trap '' TERM; while [ ! -e " + never.string() + " ]; do sleep 0.05; done"});
  for (const char* a : {"top", "mid"}) REQUIRE(e2e::wait_state(p, a, "in_turn"));

  auto r = p.drover({"--json", "stop", "top", "--tree"}, e2e::agent_opts(p));
  CAPTURE(r.out);
  CAPTURE(r.err);
  REQUIRE(r.code == 0);
  Json doc = r.json();
  CHECK(doc["already_finished"].empty());
  REQUIRE(doc["agents"].size() == 2);
  CHECK(doc["agents"][0]["agent"] == "mid");
  CHECK(doc["agents"][1]["agent"] == "top");
  CHECK(doc["agents"][1]["state"] == "stopped");
  CHECK(doc["agents"][1]["settled_by_runner"] == true);
  for (const char* a : {"top", "mid"}) {
    CAPTURE(a);
    CHECK(e2e::state_of(p, a) == "stopped");
    CHECK(e2e::live_agent_processes(p, a).empty());
  }
}
