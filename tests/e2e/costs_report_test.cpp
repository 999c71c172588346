// End-to-end: costs and tokens (issue 16 item 5), the per-agent final report (item 6) and
// status's columns, totals and -q (item 8, status part), with the fixture agent reporting
// each turn's cost and tokens the way Claude Code does.
#include <doctest/doctest.h>

#include "support/agents.h"
#include "support/command.h"
#include "support/database.h"
#include "support/project.h"

using namespace e2e;

namespace {

// Three agents run by hand: alice (builder) completes in one priced turn; fw (builder,
// parent lead) fails twice with an error result and ends a zombie; quiet (scout) fails once
// without any result, so its turn reports no cost. 4 turns, 3 of them priced.
void run_fleet(const TempProject& p) {
  init_for_manual_turns(p, "supervisor.max_failed_turns = 2\n");
  sling_parked(p, {"alice", "#!say the parser is done\n" + kReportToOperator});
  turn_ok(p, "alice");
  REQUIRE(state_of(p, "alice") == "completed");
  sling_parked(p,
               {"fw", "#!say trying\n#!error-result boom: the parser broke", "--parent", "lead"});
  failed_turn(p, "fw");
  failed_turn(p, "fw");
  REQUIRE(state_of(p, "fw") == "zombie");
  sling_parked(p, {"quiet", "#!say partial work\n#!no-result", "--capability", "scout"});
  failed_turn(p, "quiet");
  REQUIRE(state_of(p, "quiet") == "between_turns");
}

double sql_cost(const TempProject& p, const std::string& where) {
  return std::stod(sql(p, "SELECT coalesce(sum(cost_usd), 0) FROM turns WHERE " + where));
}

}  // namespace

TEST_CASE("costs: per agent with project totals, honest about turns without a cost") {
  TempProject p;
  run_fleet(p);
  auto r = p.drover({"costs"});
  REQUIRE(r.code == 0);
  CHECK(r.err.empty());
  CHECK_FALSE(has_esc(r.out));  // not a terminal: no colour
  CHECK(contains(r.out, "AGENT  TURNS"));
  CHECK(contains(r.out, "\nalice      1  $0.0"));
  // No cost reported: a dash, not $0.
  auto quiet_at = r.out.find("\nquiet      1  ");
  REQUIRE(quiet_at != std::string::npos);
  std::string quiet = r.out.substr(quiet_at + 1, r.out.find('\n', quiet_at + 1) - quiet_at - 1);
  CHECK(contains(quiet, " — "));
  CHECK_FALSE(contains(quiet, "$"));
  CHECK(contains(r.out, "\ntotal      4  $0.0"));
  CHECK(contains(r.out, "3 of 4 turns reported a cost"));

  auto j = p.drover({"costs", "--json"});
  REQUIRE(j.code == 0);
  auto doc = j.json();
  CHECK(doc["by"] == "agent");
  CHECK(doc["since"].is_null());
  REQUIRE(doc["groups"].size() == 3);
  CHECK(doc["groups"][0]["agent"] == "alice");
  CHECK(doc["groups"][1]["agent"] == "fw");
  CHECK(doc["groups"][1]["turns"] == 2);
  CHECK(doc["groups"][2]["agent"] == "quiet");
  CHECK(doc["groups"][2]["priced_turns"] == 0);
  CHECK(doc["groups"][2]["cost_usd"].is_null());
  CHECK(doc["total"]["turns"] == 4);
  CHECK(doc["total"]["priced_turns"] == 3);
  CHECK(doc["total"]["cost_usd"].get<double>() == doctest::Approx(sql_cost(p, "1=1")));
  CHECK(doc["total"]["input_tokens"] ==
        sql_int(p, "SELECT sum(input_tokens) FROM turns WHERE pid IS NOT NULL"));
  CHECK(doc["total"]["output_tokens"].get<long long>() > 0);

  // -q: the total cost alone.
  auto q = p.drover({"costs", "-q"});
  REQUIRE(q.code == 0);
  CHECK(q.out.rfind("$0.0", 0) == 0);
  CHECK(q.out.find('\n') == q.out.size() - 1);
}

TEST_CASE("costs --by capability and --by day group the same sums") {
  TempProject p;
  run_fleet(p);
  auto cap = p.drover({"costs", "--by", "capability", "--json"}).json();
  CHECK(cap["by"] == "capability");
  REQUIRE(cap["groups"].size() == 2);
  CHECK(cap["groups"][0]["capability"] == "builder");
  CHECK(cap["groups"][0]["turns"] == 3);
  CHECK(cap["groups"][0]["cost_usd"].get<double>() ==
        doctest::Approx(sql_cost(p, "agent IN ('alice', 'fw')")));
  CHECK(cap["groups"][1]["capability"] == "scout");
  CHECK(cap["groups"][1]["cost_usd"].is_null());
  CHECK(cap["total"]["turns"] == 4);
  auto human = p.drover({"costs", "--by", "capability"});
  REQUIRE(human.code == 0);
  CHECK(contains(human.out, "CAPABILITY  TURNS"));
  CHECK(contains(human.out, "\nbuilder         3"));

  auto day = p.drover({"costs", "--by", "day", "--json"}).json();
  REQUIRE(day["groups"].size() == 1);
  CHECK(day["groups"][0]["day"] ==
        sql(p, "SELECT " + e2e::local_day("max(started_at)") + " FROM turns"));
  CHECK(day["groups"][0]["turns"] == 4);

  // The day is the local calendar day: 23:30 UTC is the next day nine hours east.
  sql(p,
      "INSERT INTO turns (agent, started_at, pid, cost_usd, input_tokens, output_tokens) "
      "VALUES ('old', '2020-01-01T23:30:00.000Z', 1, 1.5, 10, 20)");
  auto utc = p.drover({"costs", "--by", "day", "--json"}, with_env({{"TZ", "UTC0"}})).json();
  CHECK(utc["groups"][0]["day"] == "2020-01-01");
  auto east = p.drover({"costs", "--by", "day", "--json"}, with_env({{"TZ", "JST-9"}})).json();
  CHECK(east["groups"][0]["day"] == "2020-01-02");
  CHECK(east["groups"][0]["cost_usd"] == 1.5);
}

TEST_CASE("costs --since takes a date or a duration ago") {
  TempProject p;
  run_fleet(p);
  sql(p,
      "INSERT INTO turns (agent, started_at, pid, cost_usd, input_tokens, output_tokens) "
      "VALUES ('old', '2020-01-01T00:00:00.000Z', 1, 2.0, 10, 20)");
  auto all = p.drover({"costs", "--json"}).json();
  CHECK(all["total"]["turns"] == 5);
  auto recent = p.drover({"costs", "--since", "3d", "--json"}).json();
  CHECK(recent["total"]["turns"] == 4);
  CHECK(recent["since"].is_string());
  for (const auto& g : recent["groups"]) CHECK(g["agent"] != "old");
  auto from_day =
      p.drover({"costs", "--since", "2020-01-01", "--json"}, with_env({{"TZ", "UTC0"}}));
  REQUIRE(from_day.code == 0);
  CHECK(from_day.json()["since"] == "2020-01-01T00:00:00.000Z");
  CHECK(from_day.json()["total"]["turns"] == 5);
  auto after = p.drover({"costs", "--since", "2020-01-02", "--json"}, with_env({{"TZ", "UTC0"}}));
  CHECK(after.json()["total"]["turns"] == 4);
  auto none = p.drover({"costs", "--since", "0d"});
  REQUIRE(none.code == 0);
  CHECK(contains(none.out, "no turns started since"));
}

TEST_CASE("costs: a bad --by or --since is a usage error in one line") {
  TempProject p;
  p.init();
  auto by = p.drover({"costs", "--by", "agnet"});
  expect_one_line_error(by, 2, "--by 'agnet'");
  CHECK(contains(by.err, "did you mean 'agent'"));
  expect_one_line_error(p.drover({"costs", "--since", "yesterday"}), 2, "--since 'yesterday'");
  expect_one_line_error(p.drover({"costs", "--since", "2026-02-30"}), 2, "no such day");
  auto j = p.drover({"costs", "--by", "week", "--json"});
  CHECK(j.code == 2);
  CHECK(j.json()["error"]["code"] == "usage");
  // An empty project has no turns: that is not an error.
  auto empty = p.drover({"costs"});
  CHECK(empty.code == 0);
  CHECK(contains(empty.out, "no turns yet"));
}

TEST_CASE("report: a completed agent's outcome, turns, totals, mail and last result") {
  TempProject p;
  run_fleet(p);
  auto r = p.drover({"report", "alice"});
  REQUIRE(r.code == 0);
  CHECK(r.out.rfind("alice — completed", 0) == 0);
  CHECK_FALSE(contains(r.out, "not final"));
  CHECK(contains(r.out, "capability  builder, runtime scripted"));
  CHECK(contains(r.out, "parent      none (the operator)"));
  CHECK(contains(r.out, "completed"));
  CHECK(contains(r.out, "→ operator  worker_done  done"));
  CHECK(contains(r.out, "last result\n  the parser is done"));
  CHECK_FALSE(has_esc(r.out));

  auto j = p.drover({"report", "alice", "--json"}).json();
  CHECK(j["final"] == true);
  CHECK(j["state"] == "completed");
  REQUIRE(j["turns"].size() == 1);
  CHECK(j["turns"][0]["number"] == 1);
  CHECK(j["turns"][0]["outcome"] == "completed");
  CHECK(j["turns"][0]["cost_usd"].is_number());
  CHECK(j["totals"]["turns"] == 1);
  CHECK(j["totals"]["cost_usd"] == j["turns"][0]["cost_usd"]);
  REQUIRE(j["mail_sent"].size() == 1);
  CHECK(j["mail_sent"][0]["type"] == "worker_done");
  CHECK(j["last_result"] == "the parser is done");
  CHECK(j["last_result_is_error"] == false);
}

TEST_CASE("report: a failed agent's reason, each turn, and worker_died pointing to it") {
  TempProject p;
  run_fleet(p);
  auto r = p.drover({"report", "fw"});
  REQUIRE(r.code == 0);
  CHECK(r.out.rfind("fw — zombie (", 0) == 0);
  CHECK(contains(r.out, "failed 2 turns in a row"));
  CHECK(contains(r.out, "parent      lead"));
  CHECK(contains(r.out, "\n  1  "));
  CHECK(contains(r.out, "\n  2  "));
  CHECK(contains(r.out, "last result (an error)\n  boom: the parser broke"));
  auto j = p.drover({"report", "fw", "--json"}).json();
  REQUIRE(j["turns"].size() == 2);
  CHECK(j["turns"][1]["outcome"] == "failed");
  CHECK(j["last_result_is_error"] == true);
  // The parent's worker_died names the command that shows all this.
  auto died = p.drover({"mail", "list", "--to", "lead", "--type", "worker_died", "--json"}).json();
  REQUIRE(died["messages"].size() == 1);
  CHECK(contains(died["messages"][0]["body"].get<std::string>(), "Full report: drover report fw"));

  // An agent not finished yet still gets a report, marked as not final; exit 0.
  auto q = p.drover({"report", "quiet"});
  REQUIRE(q.code == 0);
  CHECK(contains(q.out, "still running: not terminal yet"));
  CHECK(contains(q.out, "totals      no cost reported · 0 in / 0 out · 1 turn\n"));
  CHECK(p.drover({"report", "quiet", "--json"}).json()["final"] == false);
  // -q: the title line alone.
  auto title = p.drover({"report", "fw", "-q"});
  CHECK(title.out.rfind("fw — zombie (failed 2 turns in a row", 0) == 0);
  CHECK(title.out.find('\n') == title.out.size() - 1);
}

TEST_CASE("report: an unknown agent is not found, with a suggestion") {
  TempProject p;
  run_fleet(p);
  auto r = p.drover({"report", "alcie"});
  expect_one_line_error(r, 3, "no agent named 'alcie'");
  CHECK(contains(r.err, "did you mean 'alice'"));
  expect_one_line_error(p.drover({"report", "../x"}), 2, "agent name");
}

TEST_CASE("status: cost and token columns, a project total line, aligned, and -q") {
  TempProject p;
  run_fleet(p);
  auto r = p.drover({"status", "--all"});
  REQUIRE(r.code == 0);
  CHECK(contains(r.out, "NAME   CAPABILITY  STATE"));
  CHECK(contains(r.out, "COST"));
  // Every agent row's STATE starts in the same column as the header's.
  auto header_at = r.out.find("NAME");
  REQUIRE(header_at != std::string::npos);
  auto state_col = r.out.find("STATE", header_at) - header_at;
  for (const char* name : {"alice", "fw", "quiet"}) {
    auto at = r.out.find(std::string("\n") + name + " ");
    REQUIRE_MESSAGE(at != std::string::npos, name);
    auto line = r.out.substr(at + 1, r.out.find('\n', at + 1) - at - 1);
    CAPTURE(line);
    CHECK(line.find_first_not_of(' ', state_col) == state_col);
    CHECK(line[state_col - 1] == ' ');
  }
  CHECK(contains(r.out, "cost of all agents: $0.0"));
  CHECK(contains(r.out, "4 turns (3 of 4 turns reported a cost)"));

  auto q = p.drover({"status", "-q"});
  REQUIRE(q.code == 0);
  CHECK(q.out == "quiet\n");
  CHECK(p.drover({"status", "-q", "--all"}).out == "alice\nfw\nquiet\n");
  CHECK(p.drover({"status", "fw", "-q"}).out == "zombie\n");

  auto detail = p.drover({"status", "alice"});
  CHECK(contains(detail.out, "  cost: $0.0"));
  CHECK(contains(detail.out, "  report: drover report alice"));

  auto j = p.drover({"status", "--json"}).json();
  for (const auto& a : j["agents"]) {
    for (const char* key :
         {"turns", "priced_turns", "cost_usd", "input_tokens", "output_tokens", "turn_count"})
      CHECK_MESSAGE(a.contains(key), a["name"] << " lacks " << key);
  }
  CHECK(j["totals"]["turns"] == 4);
  CHECK(j["totals"]["priced_turns"] == 3);
  auto alice = p.drover({"status", "alice", "--json"}).json();
  CHECK(alice["agent"]["turns"] == 1);
  CHECK(alice["agent"]["cost_usd"].is_number());
}

TEST_CASE("status: the state is coloured on a terminal, and not with NO_COLOR or --no-color") {
  TempProject p;
  run_fleet(p);
  auto quote = [](const std::string& s) { return "'" + s + "'"; };
  std::string cmd = "cd " + quote(p.root().string()) + " && " + quote(drover_bin()) + " status";
  auto tty =
      command({"script", "-qec", cmd + " --all", "/dev/null"}, with_env({{"TERM", "xterm"}}));
  REQUIRE(tty.code == 0);
  CHECK(contains(tty.out, "\x1b[32mcompleted\x1b[0m"));
  CHECK(contains(tty.out, "\x1b[31mzombie\x1b[0m"));
  auto no_color = command({"script", "-qec", cmd + " --all --no-color", "/dev/null"});
  CHECK_FALSE(has_esc(no_color.out));
  auto env_off =
      command({"script", "-qec", cmd + " --all", "/dev/null"}, with_env({{"NO_COLOR", "1"}}));
  CHECK_FALSE(has_esc(env_off.out));
}
