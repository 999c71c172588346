// End-to-end: pause and the E-stop (issue 17 item 3, docs/steering.md "Pause") with a real
// supervisor and scripted agents. "No turn starts" is checked against a positive control:
// an unpaused agent nudged at the same time does run, so the supervisor did look.
#include <doctest/doctest.h>

#include "support/agents.h"
#include "support/command.h"
#include "support/database.h"
#include "support/mail.h"
#include "support/project.h"

using e2e::contains;
using e2e::Json;
using e2e::TempProject;

namespace {

// A turn directive that blocks until `gate` exists (the test opens it; no fixed sleep).
std::string pause_gate(const std::filesystem::path& gate) {
  return "#!sh while [ ! -e " + gate.string() + " ]; do sleep 0.05; done";
}

long long pending_for(const TempProject& p, const std::string& agent) {
  return e2e::sql_int(p, "SELECT count(*) FROM messages WHERE to_agent = '" + agent +
                             "' AND read_at IS NULL AND claimed_turn IS NULL");
}

// Two coordinators (no terminal mail: a clean turn leaves them between turns), each idle
// after its first turn.
void two_idle_agents(const TempProject& p) {
  p.init_scripted();
  e2e::sling(p, {"alice", "--capability", "coordinator", "#!say hello"});
  e2e::sling(p, {"bob", "--capability", "coordinator", "#!say hello"});
  REQUIRE(e2e::wait_idle_after(p, "alice", 1));
  REQUIRE(e2e::wait_idle_after(p, "bob", 1));
}

}  // namespace

TEST_CASE("pause: a paused agent's mail waits while others run, unpause runs it") {
  TempProject p;
  two_idle_agents(p);
  auto r = e2e::ok(p, {"pause", "alice", "--reason", "reviewing its plan"});
  CHECK(contains(r.out, "paused alice: no new turn starts; its mail waits"));
  Json a = e2e::agent_row(p, "alice");
  CHECK(a["paused"] == true);
  CHECK(a["pause_reason"] == "reviewing its plan");
  CHECK(a["paused_at"].is_string());
  CHECK(a["state"] == "between_turns");  // an attribute, not a state
  CHECK(e2e::agent_row(p, "bob")["paused"] == false);
  CHECK(contains(e2e::ok(p, {"status"}).out, "between_turns (paused)"));
  auto detail = e2e::ok(p, {"status", "alice"}).out;
  CHECK(contains(detail, "paused: since "));
  CHECK(contains(detail, "reviewing its plan"));

  auto n = e2e::ok(p, {"nudge", "alice", "#!say after-pause"});
  CHECK(contains(n.out, "alice is paused; the mail waits until 'drover unpause alice'"));
  e2e::ok(p, {"nudge", "bob", "#!say control"});
  REQUIRE(e2e::wait_idle_after(p, "bob", 2));  // the supervisor scheduled after both nudges
  CHECK(e2e::turn_count(p, "alice") == 1);
  CHECK(pending_for(p, "alice") == 1);

  // Already paused: exit 0, says so, keeps the first time and reason.
  auto again = e2e::ok(p, {"pause", "alice"});
  CHECK(contains(again.out, "alice is already paused"));
  CHECK(e2e::agent_row(p, "alice")["pause_reason"] == "reviewing its plan");

  auto u = e2e::ok(p, {"unpause", "alice"});
  CHECK(contains(u.out, "unpaused alice"));
  REQUIRE(e2e::wait_idle_after(p, "alice", 2));
  CHECK(pending_for(p, "alice") == 0);
  CHECK(contains(e2e::records(p, "alice").back()["text"], "after-pause"));
  CHECK(e2e::agent_row(p, "alice")["paused"] == false);
  CHECK(e2e::events(p, "alice", "paused").size() == 1);
  CHECK(e2e::events(p, "alice", "unpaused").size() == 1);
  CHECK(contains(e2e::ok(p, {"unpause", "alice"}).out, "alice is not paused"));
}

TEST_CASE("pause: a running turn finishes normally, no new turn starts after it") {
  TempProject p;
  two_idle_agents(p);
  auto gate = p.root() / "gate";
  e2e::ok(p, {"nudge", "alice", pause_gate(gate)});
  REQUIRE(e2e::wait_until([&] { return e2e::records(p, "alice").size() == 2; }));
  REQUIRE(e2e::wait_state(p, "alice", "in_turn"));
  auto r = e2e::ok(p, {"pause", "alice"});
  CHECK(contains(r.out, "its running turn finishes normally"));
  e2e::ok(p, {"nudge", "alice", "#!say queued-while-paused"});
  e2e::write_text(gate, "");
  REQUIRE(e2e::wait_idle_after(p, "alice", 2));
  CHECK(e2e::last_turn(p, "alice")["outcome"] == "waiting");  // a clean coordinator turn
  e2e::ok(p, {"nudge", "bob", "#!say control"});
  REQUIRE(e2e::wait_idle_after(p, "bob", 2));
  CHECK(e2e::turn_count(p, "alice") == 2);
  CHECK(pending_for(p, "alice") == 1);
  CHECK(e2e::agent_row(p, "alice")["paused"] == true);
}

TEST_CASE("pause --all: no turn starts after it returns, across down and up, unpause --all") {
  TempProject p;
  two_idle_agents(p);
  e2e::sling(p, {"carol", "--capability", "coordinator", "#!say hello"});
  REQUIRE(e2e::wait_idle_after(p, "carol", 1));
  auto gate = p.root() / "gate";
  e2e::ok(p, {"nudge", "carol", pause_gate(gate)});
  REQUIRE(e2e::wait_state(p, "carol", "in_turn"));
  e2e::ok(p, {"pause", "bob", "--reason", "own pause"});

  auto r = e2e::ok(p, {"pause", "--all"});
  CHECK(contains(r.out, "paused all agents: no new turn starts; 1 turn still running"));
  e2e::ok(p, {"nudge", "alice", "#!say held"});
  e2e::ok(p, {"nudge", "bob", "#!say held"});
  e2e::ok(p, {"nudge", "carol", "#!say held"});
  e2e::write_text(gate, "");
  // carol's turn ends normally; its end makes the supervisor schedule again.
  REQUIRE(e2e::wait_idle_after(p, "carol", 2));
  CHECK(e2e::last_turn(p, "carol")["outcome"] == "waiting");  // a clean coordinator turn
  Json doc = e2e::ok(p, {"status", "--json"}).json();
  CHECK(doc["estop"] == true);
  CHECK(doc["estop_since"].is_string());
  CHECK(contains(e2e::ok(p, {"status"}).out, "E-STOP: paused all agents since"));
  // A foreground turn is refused too.
  auto t = e2e::turn(p, "alice");
  CHECK(t.code == 4);
  CHECK(contains(t.err, "E-stop"));

  // Across a supervisor restart: the E-stop is in the database.
  REQUIRE(p.drover({"down"}).code == 0);
  e2e::ok(p, {"up"});
  e2e::ok(p, {"nudge", "alice", "#!say after-up"});
  CHECK(e2e::ok(p, {"status", "--json"}).json()["estop"] == true);
  CHECK(e2e::turn_count(p, "alice") == 1);
  CHECK(e2e::turn_count(p, "bob") == 1);
  CHECK(e2e::turn_count(p, "carol") == 2);
  CHECK(pending_for(p, "alice") == 2);

  auto u = e2e::ok(p, {"unpause", "--all"});
  CHECK(contains(u.out, "released the E-stop; unpaused 1 agent(s)"));
  REQUIRE(e2e::wait_idle_after(p, "alice", 2));
  REQUIRE(e2e::wait_idle_after(p, "bob", 2));
  REQUIRE(e2e::wait_idle_after(p, "carol", 3));
  CHECK(pending_for(p, "alice") == 0);
  CHECK(e2e::ok(p, {"status", "--json"}).json()["estop"] == false);
  CHECK(e2e::agent_row(p, "bob")["paused"] == false);
}

TEST_CASE("pause: survives down and up, a paused agent's foreground turn is refused") {
  TempProject p;
  e2e::init_for_manual_turns(p);
  e2e::sling_parked(p, {"alice", "--capability", "coordinator", "#!say hello"});
  e2e::ok(p, {"pause", "alice", "--reason", "wait for review"});
  auto t = e2e::turn(p, "alice");
  CHECK(t.code == 4);
  CHECK(contains(t.err, "agent 'alice' is paused (wait for review)"));
  CHECK(contains(t.err, "drover unpause alice"));
  CHECK(e2e::turn_count(p, "alice") == 0);
  // A supervisor started and stopped keeps it (and starts nothing).
  e2e::ok(p, {"up"});
  REQUIRE(p.drover({"down"}).code == 0);
  CHECK(e2e::turn_count(p, "alice") == 0);
  CHECK(e2e::agent_row(p, "alice")["paused"] == true);
  e2e::ok(p, {"unpause", "alice"});
  e2e::turn_ok(p, "alice");  // the positive control
  CHECK(e2e::turn_count(p, "alice") == 1);
}

TEST_CASE("pause: refusals name what was wrong") {
  TempProject p;
  e2e::init_for_manual_turns(p);
  e2e::sling_parked(p, {"alice", "--capability", "builder", e2e::kReportToOperator});
  e2e::turn_ok(p, "alice");
  REQUIRE(e2e::state_of(p, "alice") == "completed");
  e2e::expect_one_line_error(p.drover({"pause", "alice"}), 4, "it is completed");
  e2e::expect_one_line_error(p.drover({"pause", "alcie"}), 3, "did you mean 'alice'");
  e2e::expect_one_line_error(p.drover({"unpause", "nobody"}), 3, "no agent named 'nobody'");
  e2e::expect_one_line_error(p.drover({"pause"}), 2, "name one agent or use --all");
  e2e::expect_one_line_error(p.drover({"pause", "alice", "--all"}), 2,
                             "name one agent or use --all");
  e2e::expect_one_line_error(p.drover({"pause", "--all", "--reason", "x"}), 2,
                             "--reason applies to one agent");
  CHECK(e2e::sql(p, "SELECT count(*) FROM settings") == "0");  // nothing half-written
}
