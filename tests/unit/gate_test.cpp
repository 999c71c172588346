// Approval gates (issue 17, docs/steering.md "Approval gates"): the pure rules of asking,
// deciding, scheduling a waiting agent and requiring a gate before a step, and the gates
// table over a real database (schema v8).
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "core/assets.h"
#include "core/capability.h"
#include "core/gate.h"
#include "core/schedule.h"
#include "core/settle.h"
#include "store/gates.h"
#include "store_test_support.h"

using namespace drover;
using namespace drover::test;

namespace {
Gate open_gate(std::vector<std::string> options = {"yes", "no"}) {
  Gate g;
  g.id = 12;
  g.asker = "alice";
  g.to = "operator";
  g.question = "Merge drover/bob into main?";
  g.options = std::move(options);
  g.asked_at = "2026-12-04T21:00:00.000Z";
  return g;
}
std::optional<Session> live(const std::string& name) {
  return make_session(name, SessionState::between_turns);
}
using K = DecideCheck::Kind;
}  // namespace

TEST_CASE("gate options: yes and no by default, empty, repeated and 'closed' are refused") {
  CHECK(gate_options({}).value() == std::vector<std::string>{"yes", "no"});
  CHECK(gate_options({"ship", "wait"}).value() == std::vector<std::string>{"ship", "wait"});
  for (auto bad : std::vector<std::vector<std::string>>{{""}, {"a", "a"}, {"closed"}}) {
    auto r = gate_options(bad);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::usage);
  }
  CHECK(gate_options({"a", "a"}).error().message.find("'a' is given twice") != std::string::npos);
  CHECK_FALSE(validate_question("  \n"));
  CHECK(validate_question("Ship it?"));
}

TEST_CASE("decide: an open gate takes one of its options, from the operator or the one asked") {
  auto g = open_gate();
  CHECK(check_decision(g, live("alice"), "yes", "operator").kind == K::decide);
  auto bad = check_decision(g, live("alice"), "maybe", "operator");
  CHECK(bad.kind == K::bad_answer);
  CHECK(bad.message == "'maybe' is not an option of gate #12 (options: yes, no)");
  g.to = "lead";
  CHECK(check_decision(g, live("alice"), "no", "lead").kind == K::decide);
  auto other = check_decision(g, live("alice"), "no", "carol");
  CHECK(other.kind == K::not_allowed);
  CHECK(other.message.find("carol cannot decide it") != std::string::npos);
  CHECK(check_decision(g, live("alice"), "no", "alice").kind == K::not_allowed);
}

TEST_CASE("decide: decided once, the same answer again is a no-op, another a conflict") {
  auto g = open_gate();
  g.decision = "yes";
  g.decided_by = "operator";
  g.decided_at = "2026-12-04T21:05:00.000Z";
  CHECK(check_decision(g, live("alice"), "yes", "operator").kind == K::already);
  auto c = check_decision(g, live("alice"), "no", "operator");
  CHECK(c.kind == K::conflict);
  CHECK(c.message.find("already decided 'yes' by operator") != std::string::npos);
  // A decided gate stays decided even after its asker finished.
  CHECK(check_decision(g, make_session("alice", SessionState::completed), "yes", "operator").kind ==
        K::already);
}

TEST_CASE("decide: a closed gate, or one whose asker finished, says why") {
  auto g = open_gate();
  g.decision = std::string(kGateClosed);
  g.note = "alice was stopped";
  auto c = check_decision(g, live("alice"), "yes", "operator");
  CHECK(c.kind == K::closed);
  CHECK(c.message.rfind("closed: alice was stopped", 0) == 0);
  auto open = open_gate();
  auto f = check_decision(open, make_session("alice", SessionState::failed), "yes", "operator");
  CHECK(f.kind == K::closed);
  CHECK(f.message.rfind("closed: alice is failed", 0) == 0);
  CHECK(check_decision(open, std::nullopt, "yes", "operator").kind == K::closed);
}

TEST_CASE("gate scheduling: an open gate holds the agent until a decision is pending") {
  CHECK_FALSE(gate_holds_turn({false, false}));
  CHECK(gate_holds_turn({true, false}));
  CHECK_FALSE(gate_holds_turn({true, true}));
  CHECK_FALSE(gate_holds_turn({false, true}));
  // The scheduler skips a held candidate, keeps the others in mail order.
  std::vector<Candidate> c = {{"alice", 1, std::nullopt, {true, false}},
                              {"bob", 2, std::nullopt, {false, false}},
                              {"carol", 3, std::nullopt, {true, true}}};
  auto picks = pick_turns(c, {}, 10, SystemClock::instance().now());
  CHECK(picks == std::vector<std::string>{"bob", "carol"});
}

TEST_CASE("gate settle: a clean turn that asked waits for the decision, no worker_died") {
  TurnObservation o;
  o.has_result = true;
  o.exit_code = 0;
  SettleContext c;
  c.open_gate = true;
  auto d = decide_settle(o, c);
  CHECK(d.outcome == TurnOutcome::waiting);
  CHECK(d.reason == "waiting for a decision");
  CHECK_FALSE(d.worker_died);
}

TEST_CASE("stop --tree settle: a quiet stop sends no worker_died, a plain one does") {
  TurnObservation o;
  o.stop_requested = true;
  o.signal = 15;
  CHECK(decide_settle(o, SettleContext{}).worker_died);
  o.stop_quiet = true;
  auto d = decide_settle(o, SettleContext{});
  CHECK(d.outcome == TurnOutcome::stopped);
  CHECK_FALSE(d.worker_died);
}

TEST_CASE("gate before a step: required by the capability, satisfied by a yes-like decision") {
  auto cap = parse_capability("merger",
                              "+++\nterminal_mail = [\"merged\"]\ngate_before = [\"merge\"]\n"
                              "turns_while_waiting = true\n+++\nbody",
                              "merger.md");
  REQUIRE(cap);
  CHECK(cap->gate_before == std::vector<std::string>{"merge"});
  CHECK(cap->turns_while_waiting);
  CHECK(requires_gate(*cap, "merge"));
  CHECK_FALSE(requires_gate(*cap, "diff"));
  CHECK_FALSE(gate_requirement_unmet(*cap, "m", "diff", std::nullopt));
  auto none = gate_requirement_unmet(*cap, "m", "merge", std::nullopt);
  REQUIRE(none);
  CHECK(none->find("drover ask --step merge") != std::string::npos);
  auto g = open_gate();
  g.decision = "no";
  CHECK(gate_requirement_unmet(*cap, "m", "merge", g)->find("was decided 'no'") !=
        std::string::npos);
  g.decision = "Approve";
  CHECK_FALSE(gate_requirement_unmet(*cap, "m", "merge", g));
  CHECK(is_yes_like("YES"));
  CHECK_FALSE(is_yes_like("no"));
  CHECK_FALSE(parse_capability("x", "+++\ngate_before = \"merge\"\n+++\n", "x.md"));
  CHECK_FALSE(parse_capability("x", "+++\nturns_while_waiting = 1\n+++\n", "x.md"));
}

TEST_CASE("gate display: waiting label and the decision reply") {
  auto s = make_session("alice", SessionState::between_turns);
  CHECK(waiting_label(s, "Ship it?\nmore detail") == "waiting: Ship it?…");
  CHECK(waiting_label(s, std::string(60, 'x')) == "waiting: " + std::string(48, 'x') + "…");
  s.paused_at = "2026-12-04T21:00:00.000Z";
  CHECK(waiting_label(s, "Ship it?") == "waiting: Ship it? (paused)");
  auto g = open_gate();
  auto m = decision_message(g, std::nullopt, "yes", std::string("go ahead"), "operator", "t");
  CHECK(m.type == "decision");
  CHECK(m.to == "alice");
  CHECK(m.from == "operator");
  CHECK(m.reply_to == std::optional<std::int64_t>(12));
  CHECK(m.thread_id == std::optional<std::int64_t>(12));
  auto p = nlohmann::json::parse(*m.payload);
  CHECK(p ==
        nlohmann::json{
            {"gate", 12}, {"decision", "yes"}, {"note", "go ahead"}, {"decided_by", "operator"}});
  CHECK(m.body.find("gate #12): yes") != std::string::npos);
  auto payload = nlohmann::json::parse(gate_payload(g, std::string("{\"a\":1}")));
  CHECK(payload["options"] == nlohmann::json{"yes", "no"});
  CHECK(payload["payload"]["a"] == 1);
}

TEST_CASE("store gates: open, decided once, closed, listed only for live askers") {
  TempDir dir;
  auto db = open_store(dir.path / "state.db");
  insert_session(*db, make_session("alice", SessionState::between_turns));
  insert_session(*db, make_session("done", SessionState::completed));
  auto g = open_gate();
  g.step = "merge";
  must_write(*db, [&](store::Tx& tx) {
    tx.gates().insert(g);
    auto d = g;
    d.id = 13;
    d.asker = "done";
    tx.gates().insert(d);
    return 0;
  });
  auto open = must_read(*db, [](store::Tx& tx) { return tx.gates().open(); });
  REQUIRE(open.size() == 1);
  CHECK(open[0].id == 12);
  CHECK(open[0].options == std::vector<std::string>{"yes", "no"});
  CHECK(open[0].step == std::optional<std::string>("merge"));
  CHECK(must_read(*db, [](store::Tx& tx) { return tx.gates().holding("alice"); }));
  // The scheduler's candidate carries the same facts.
  must_write(*db, [](store::Tx& tx) {
    return tx.mail().insert(letter_of("operator", "alice", "nudge", "go", "go on"));
  });
  auto c = must_read(*db, [](store::Tx& tx) { return tx.sessions().runnable(); });
  REQUIRE(c.size() == 1);
  CHECK(c[0].gate.holding_gate_open);
  CHECK_FALSE(c[0].gate.decision_pending);
  CHECK(must_write(*db, [](store::Tx& tx) {
    return tx.gates().decide(12, "yes", std::nullopt, "operator", "2026-12-04T21:05:00.000Z", 99);
  }));
  CHECK_FALSE(must_write(*db, [](store::Tx& tx) {
    return tx.gates().decide(12, "no", std::nullopt, "operator", "2026-12-04T21:06:00.000Z", 100);
  }));
  auto got = must_read(*db, [](store::Tx& tx) { return tx.gates().get(12); });
  REQUIRE(got);
  CHECK(got->decision == std::optional<std::string>("yes"));
  CHECK(got->decision_mail == std::optional<std::int64_t>(99));
  CHECK(must_read(*db, [](store::Tx& tx) { return tx.gates().open(); }).empty());
  CHECK_FALSE(must_read(*db, [](store::Tx& tx) { return tx.gates().holding("alice"); }));
  auto latest =
      must_read(*db, [](store::Tx& tx) { return tx.gates().latest_decided("alice", "merge"); });
  REQUIRE(latest);
  CHECK(latest->id == 12);
  CHECK(must_read(*db, [](store::Tx& tx) { return tx.gates().undecided_of("done"); }).size() == 1);
}

TEST_CASE("gate before a step: the shipped merger asks before it merges") {
  auto text = find_asset("agents/merger.md");
  REQUIRE(text);
  auto c = parse_capability("merger", *text, "merger.md");
  REQUIRE(c);
  CHECK(requires_gate(*c, "merge"));
  CHECK_FALSE(c->turns_while_waiting);
  CHECK(c->instructions.find("drover ask --step merge") != std::string::npos);
}
