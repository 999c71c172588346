#include "core/agent_report.h"

#include <doctest/doctest.h>

#include "core/worker_died.h"

using namespace drover;

namespace {

bool report_has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

ReportTurn report_turn(std::int64_t id, std::optional<std::int64_t> n, const char* outcome,
                       std::optional<double> cost, std::int64_t in, std::int64_t out) {
  ReportTurn t;
  t.row.id = id;
  t.row.agent = "alice";
  t.row.started_at = "2026-12-04T14:02:11.000Z";
  t.row.ended_at = "2026-12-04T14:02:52.000Z";
  t.row.outcome_name = outcome;
  t.row.duration_ms = 41'000;
  t.row.cost_usd = cost;
  t.row.input_tokens = in;
  t.row.output_tokens = out;
  t.row.detail = std::string(outcome) == "failed" ? "error result: boom\nsecond line" : "ok";
  t.number = n;
  t.started = "2026-12-04 14:02:11";
  return t;
}

AgentReportFacts finished_facts() {
  AgentReportFacts f;
  f.session.name = "alice";
  f.session.capability = "builder";
  f.session.runtime = "scripted";
  f.session.task = "build the parser\nwith tests";
  f.session.parent = "lead";
  f.session.state = SessionState::failed;
  f.session.state_reason = "3 failed turns in a row";
  f.turns = {report_turn(7, 1, "completed", 0.23, 12'400, 3'100),
             report_turn(9, 2, "failed", std::nullopt, 0, 0)};
  f.totals = {2, 1, 0.23, 12'400, 3'100};
  ReportWorktree w;
  w.path = "/p/.drover/worktrees/alice";
  w.branch = "drover/alice";
  w.head = "0123456789abcdef0123";
  w.dirty = "2 modified";
  w.unmerged = "1 commit not on main or any other branch, 2 modified";
  w.live = true;
  f.worktree = w;
  MailMessage m;
  m.id = 12;
  m.from = "alice";
  m.to = "lead";
  m.type = "status";
  m.subject = "halfway\x1b[31m";
  f.mail_sent = {m};
  f.last_result = "boom\nat line 3";
  f.last_result_error = true;
  return f;
}

}  // namespace

TEST_CASE("report: a finished agent's outcome, facts, turns, totals, mail and last result") {
  std::string text = render_agent_report(finished_facts(), {});
  CAPTURE(text);
  CHECK(text.rfind("alice — failed (3 failed turns in a row)\n", 0) == 0);
  CHECK_FALSE(report_has(text, "not final"));
  CHECK(report_has(text, "  task        build the parser"));
  CHECK_FALSE(report_has(text, "with tests"));  // the first line only
  CHECK(report_has(text, "  capability  builder, runtime scripted"));
  CHECK(report_has(text, "  parent      lead"));
  CHECK(report_has(text,
                   "drover/alice at 0123456789ab, 1 commit not on main or any other branch, 2 "
                   "modified  (/p/.drover/worktrees/alice)\n"));
  CHECK(report_has(text, "$0.23 · 12.4k in / 3.1k out · 2 turns (1 of 2 turns reported a cost)"));
  // The turns table: aligned, the unpriced turn's cost is a dash, not $0.
  CHECK(report_has(text,
                   "  #  STARTED              OUTCOME    DURATION   COST     IN   OUT  DETAIL\n"));
  CHECK(
      report_has(text, "  1  2026-12-04 14:02:11  completed      41 s  $0.23  12.4k  3.1k  ok\n"));
  CHECK(report_has(text,
                   "  2  2026-12-04 14:02:11  failed         41 s      —      0     0  error "
                   "result: boom…\n"));
  // Mail: escaped subject.
  CHECK(report_has(text, "#12  → lead  status  halfway\\x1b[31m"));
  CHECK(report_has(text, "last result (an error)\n  boom\n  at line 3"));
  CHECK_FALSE(report_has(text, "\x1b"));  // no colour asked, and agent text cannot inject any
}

TEST_CASE("report: an agent still running says so at the top, empty sections say none") {
  AgentReportFacts f;
  f.session.name = "bob";
  f.session.capability = "scout";
  f.session.runtime = "claude";
  f.session.state = SessionState::in_turn;
  std::string text = render_agent_report(f, {});
  CHECK(text.rfind("bob — in_turn\n  still running: not terminal yet, this report is not final\n",
                   0) == 0);
  CHECK(report_has(text, "parent      none (the operator)"));
  CHECK(report_has(text, "totals      no turns yet"));
  CHECK(report_has(text, "turns\n  none yet"));
  CHECK(report_has(text, "mail sent\n  none"));
  CHECK(report_has(text, "last result\n  none"));
  CHECK_FALSE(report_has(text, "worktree"));
  auto j = agent_report_json(f);
  CHECK(j["final"] == false);
  CHECK(j["worktree"].is_null());
  CHECK(j["last_result"].is_null());
  CHECK(j["totals"]["cost_usd"].is_null());
}

TEST_CASE("report: colour paints the state and outcomes only when asked") {
  auto f = finished_facts();
  std::string text = render_agent_report(f, {0, true});
  CHECK(report_has(text, "\x1b[31mfailed\x1b[0m (3 failed"));
  CHECK(report_has(text, "\x1b[32mcompleted\x1b[0m"));
}

TEST_CASE("report: a long result is cut to 40 lines with a count of the rest") {
  auto f = finished_facts();
  std::string long_text;
  for (int i = 1; i <= 50; ++i) long_text += "line " + std::to_string(i) + "\n";
  f.last_result = long_text;
  std::string text = render_agent_report(f, {});
  CHECK(report_has(text, "  line 40\n"));
  CHECK_FALSE(report_has(text, "line 41"));
  CHECK(report_has(text, "… 11 more lines (--json has all)"));  // 50 lines and the empty last one
  CHECK(agent_report_json(f)["last_result"] == long_text);
}

TEST_CASE("report JSON: every fact, costs as numbers, absent values null") {
  auto j = agent_report_json(finished_facts());
  CHECK(j["agent"] == "alice");
  CHECK(j["final"] == true);
  CHECK(j["state"] == "failed");
  CHECK(j["parent"] == "lead");
  REQUIRE(j["turns"].size() == 2);
  CHECK(j["turns"][0]["number"] == 1);
  CHECK(j["turns"][0]["cost_usd"] == 0.23);
  CHECK(j["turns"][1]["cost_usd"].is_null());
  CHECK(j["totals"] == nlohmann::json{{"turns", 2},
                                      {"priced_turns", 1},
                                      {"cost_usd", 0.23},
                                      {"input_tokens", 12'400},
                                      {"output_tokens", 3'100}});
  CHECK(j["worktree"]["branch"] == "drover/alice");
  CHECK(j["worktree"]["live"] == true);
  CHECK(j["mail_sent"][0]["subject"] == "halfway\x1b[31m");
  CHECK(j["last_result_is_error"] == true);
}

TEST_CASE("worker_died points to the report") {
  Session s;
  s.name = "alice";
  s.capability = "builder";
  s.parent = "lead";
  auto m = make_worker_died(s, "stalled", "runner", 3);
  CHECK(report_has(m.body, "\nFull report: drover report alice "));
  CHECK(report_pointer("bob") == "Full report: drover report bob");
}

TEST_CASE("cost totals read honestly") {
  CostTotals none;
  CHECK(cost_cell(none) == "—");
  CHECK(costs_summary(none) == "no turns yet");
  CostTotals some{5, 3, 0.0017, 950, 12'400};
  CHECK(cost_cell(some) == "$0.0017");
  CHECK(priced_note(some) == "3 of 5 turns reported a cost");
  CHECK(costs_summary(some) ==
        "$0.0017 · 950 in / 12.4k out · 5 turns (3 of 5 turns reported a cost)");
  CostTotals all{1, 1, 0.5, 1, 2};
  CHECK(priced_note(all).empty());
  add_costs(all, some);
  CHECK(all.turns == 6);
  CHECK(all.priced == 4);
  CHECK(all.input_tokens == 951);
  CostTotals unpriced{2, 0, 0, 10, 0};
  CHECK(costs_summary(unpriced) == "no cost reported · 10 in / 0 out · 2 turns");
  CHECK(cost_cell(std::optional<double>{}) == "—");
}

TEST_CASE("report: a merged branch says into what, at which commit") {
  auto f = finished_facts();
  CHECK(agent_report_json(f)["merged"].is_null());
  CHECK(render_agent_report(f, {}).find("merged") == std::string::npos);
  f.session.merged_sha = "fedcba9876543210fedc";
  f.session.merged_into = "main";
  f.session.merged_at = "2026-12-04T23:51:05.000Z";
  std::string text = render_agent_report(f, {});
  CHECK(text.find("  merged      into main at fedcba987654 (2026-12-04T23:51:05.000Z)") !=
        std::string::npos);
  auto j = agent_report_json(f);
  CHECK(j["merged"]["sha"] == "fedcba9876543210fedc");
  CHECK(j["merged"]["into"] == "main");
}
