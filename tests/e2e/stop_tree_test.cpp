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
