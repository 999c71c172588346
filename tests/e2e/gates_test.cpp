// End-to-end: approval gates (issue 17 item 4, docs/steering.md "Approval gates") with a
// real supervisor and scripted agents that run `drover ask` inside their turn. "No turn
// for other mail" is checked against a positive control: an agent without a gate, nudged
// at the same time, does run.
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

long long pending_for(const TempProject& p, const std::string& agent) {
  return e2e::sql_int(p, "SELECT count(*) FROM messages WHERE to_agent = '" + agent +
                             "' AND read_at IS NULL AND claimed_turn IS NULL");
}

Json open_gates(const TempProject& p) { return e2e::ok(p, {"gates", "--json"}).json()["gates"]; }

std::string gate_id(const TempProject& p) {
  Json g = open_gates(p);
  REQUIRE(g.size() == 1);
  return std::to_string(g[0]["id"].get<long long>());
}

// Sessions made by hand (no supervisor): ask and decide work without one.
void hand_made(const TempProject& p) {
  e2e::init_without_autostart(p);
  e2e::add_session(p, "alice", "builder", "between_turns");
  e2e::add_session(p, "lead", "lead", "between_turns");
  e2e::sql(p, "UPDATE sessions SET parent = 'lead' WHERE name = 'alice'");
}

}  // namespace

TEST_CASE("gates: ask, wait without turns for other mail, decide, and the decision turn") {
  TempProject p;
  p.init_scripted();
  // A builder (terminal mail worker_done) that asks and ends its turn: it waits, it is not
  // a contract violation.
  e2e::sling(p, {"alice",
                 "#!sh drover ask \"Ship the release?\" --option ship "
                 "--option hold --payload '{\"version\":\"1.2\"}'"});
  e2e::sling(p, {"bob", "--capability", "coordinator", "#!say hello"});
  REQUIRE(e2e::wait_idle_after(p, "alice", 1));
  REQUIRE(e2e::wait_idle_after(p, "bob", 1));
  CHECK(e2e::last_turn(p, "alice")["outcome"] == "waiting");
  CHECK(e2e::worker_died_to(p, "operator").empty());

  Json gates = open_gates(p);
  REQUIRE(gates.size() == 1);
  CHECK(gates[0]["asker"] == "alice");
  CHECK(gates[0]["to"] == "operator");
  CHECK(gates[0]["question"] == "Ship the release?");
  CHECK(gates[0]["options"] == Json::array({"ship", "hold"}));
  CHECK(gates[0]["age_seconds"].is_number());
  std::string id = gate_id(p);
  // The gate is the decision_gate mail to the operator, as `mail list` shows it.
  auto asked = e2e::mail_list(p, {"--to", "operator", "--type", "decision_gate"});
  REQUIRE(asked.size() == 1);
  CHECK(std::to_string(asked[0]["id"].get<long long>()) == id);
  CHECK(asked[0]["payload"]["payload"]["version"] == "1.2");

  CHECK(contains(e2e::ok(p, {"status"}).out, "waiting: Ship the release?"));
  CHECK(contains(e2e::ok(p, {"status"}).out, "open gates: 1"));
  CHECK(contains(e2e::ok(p, {"gates"}).out, "Ship the release?"));
  Json st = e2e::ok(p, {"status", "--json"}).json();
  CHECK(st["gates"].size() == 1);
  Json a = e2e::agent_row(p, "alice");
  CHECK(a["state"] == "between_turns");  // an attribute, not a state
  CHECK(a["waiting"] == "Ship the release?");
  CHECK(contains(e2e::ok(p, {"status", "alice"}).out, "waiting: gate #" + id));

  // Other mail waits: bob, nudged after alice, runs; alice does not.
  e2e::ok(p, {"nudge", "alice", "#!say held-while-waiting"});
  e2e::ok(p, {"nudge", "bob", "#!say control"});
  REQUIRE(e2e::wait_idle_after(p, "bob", 2));
  CHECK(e2e::turn_count(p, "alice") == 1);
  CHECK(pending_for(p, "alice") == 1);
  auto t = e2e::turn(p, "alice");  // a foreground turn is not taken either
  CHECK(t.code == 0);
  CHECK(contains(t.out, "waiting for a decision on gate #" + id));
  CHECK(e2e::turn_count(p, "alice") == 1);

  auto bad = p.drover({"decide", id, "yes"});
  e2e::expect_one_line_error(bad, 2, "options: ship, hold");
  auto d = e2e::ok(p, {"decide", id, "ship", "--note", "go ahead"});
  CHECK(contains(d.out, "decided gate #" + id + ": ship"));
  // The decision turn carries the decision and the mail that waited.
  // A builder's turn without worker_done: completed as a contract violation, after it ran.
  REQUIRE(e2e::wait_state(p, "alice", "completed"));
  CHECK(e2e::turn_count(p, "alice") == 2);
  std::string text = e2e::records(p, "alice").back()["text"];
  CHECK(contains(text, "Decision on your question (gate #" + id + "): ship"));
  CHECK(contains(text, "Note: go ahead"));
  CHECK(contains(text, "held-while-waiting"));
  CHECK(pending_for(p, "alice") == 0);
  Json decision = e2e::mail_list(p, {"--type", "decision"}).at(0);
  CHECK(decision["to"] == "alice");
  CHECK(std::to_string(decision["reply_to"].get<long long>()) == id);
  CHECK(decision["payload"] == Json{{"gate", std::stoll(id)},
                                    {"decision", "ship"},
                                    {"note", "go ahead"},
                                    {"decided_by", "operator"}});
  CHECK(open_gates(p).empty());

  // Decided once: the same answer is a no-op, another a conflict.
  auto same = e2e::ok(p, {"decide", id, "ship"});
  CHECK(contains(same.out, "already decided"));
  CHECK(e2e::mail_list(p, {"--type", "decision"}).size() == 1);
  e2e::expect_one_line_error(p.drover({"decide", id, "hold"}), 4, "already decided 'ship'");
}

TEST_CASE("gates: the parent decides, another agent may not") {
  TempProject p;
  hand_made(p);
  auto asked = p.drover({"--json", "ask", "--from", "alice", "Use the new API?"});
  REQUIRE(asked.code == 0);
  Json g = asked.json();
  CHECK(g["to"] == "lead");  // the asker's parent
  CHECK(g["options"] == Json::array({"yes", "no"}));
  std::string id = std::to_string(g["id"].get<long long>());
  CHECK(e2e::mail_list(p, {"--to", "lead", "--type", "decision_gate"}).size() == 1);
  e2e::add_session(p, "carol", "builder", "between_turns");
  e2e::expect_one_line_error(p.drover({"decide", id, "yes", "--from", "carol"}), 4,
                             "carol cannot decide it");
  auto d = p.drover({"--json", "decide", id, "no", "--from", "lead"});
  REQUIRE(d.code == 0);
  CHECK(d.json()["decided_by"] == "lead");
  CHECK(d.json()["decision"] == "no");
}

TEST_CASE("gates: bad input for ask, decide and gates") {
  TempProject p;
  hand_made(p);
  e2e::expect_one_line_error(p.drover({"ask", "Q?"}), 2, "DROVER_AGENT");
  e2e::expect_one_line_error(p.drover({"ask", "--from", "alise", "Q?"}), 3, "did you mean 'alice'");
  e2e::expect_one_line_error(p.drover({"ask", "--from", "alice", " "}), 2, "question is empty");
  e2e::expect_one_line_error(p.drover({"ask", "--from", "alice", "Q?", "--option", "closed"}), 2,
                             "'closed' is reserved");
  e2e::expect_one_line_error(
      p.drover({"ask", "--from", "alice", "Q?", "--option", "a", "--option", "a"}), 2,
      "given twice");
  e2e::expect_one_line_error(p.drover({"ask", "--from", "alice", "Q?", "--payload", "{bad"}), 2,
                             "--payload");
  CHECK(open_gates(p).empty());  // nothing half-written
  CHECK(e2e::mail_list(p, {"--type", "decision_gate"}).empty());
  CHECK(contains(e2e::ok(p, {"gates"}).out, "no open gates"));

  e2e::expect_one_line_error(p.drover({"decide", "999", "yes"}), 3, "no gate or mail #999");
  auto sent = e2e::send(p, {"--to", "alice", "--subject", "hi"})[0];
  e2e::expect_one_line_error(p.drover({"decide", std::to_string(sent), "yes"}), 2,
                             "not a decision_gate");
  auto raw = e2e::send(p, {"--to", "operator", "--subject", "q", "--type", "decision_gate"})[0];
  e2e::expect_one_line_error(p.drover({"decide", std::to_string(raw), "yes"}), 4,
                             "not 'drover ask'");
  CHECK(p.drover({"decide", "abc", "yes"}).code == 2);
  CHECK(p.drover({"decide", "1"}).code == 2);
}

TEST_CASE("gates: stopping the asker closes its gates, and decide says so") {
  TempProject p;
  hand_made(p);
  e2e::ok(p, {"ask", "--from", "alice", "Deploy?"});
  std::string id = gate_id(p);
  auto s = e2e::ok(p, {"stop", "alice"});
  CHECK(contains(s.out, "closed 1 open gate"));
  CHECK(open_gates(p).empty());
  e2e::expect_one_line_error(p.drover({"decide", id, "yes"}), 4, "closed: alice was stopped");
  auto closed = e2e::mail_list(p, {"--type", "decision"});
  REQUIRE(closed.size() == 1);
  CHECK(closed[0]["payload"]["decision"] == "closed");
  CHECK(closed[0]["payload"]["note"] == "alice was stopped");
  CHECK(!contains(e2e::ok(p, {"status", "--all"}).out, "waiting:"));
}
