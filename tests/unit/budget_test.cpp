// Budgets (core/budget.h): the decision before a turn, precedence, the texts, the mail, and
// the [budget] config table and capability keys.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "core/budget.h"
#include "core/capability.h"
#include "core/config.h"

using namespace drover;

namespace {

CostTotals used(double usd, std::int64_t turns, std::int64_t tokens_in = 0,
                std::int64_t tokens_out = 0, std::int64_t priced = -1) {
  CostTotals t;
  t.turns = turns;
  t.priced = priced < 0 ? turns : priced;
  t.cost_usd = usd;
  t.input_tokens = tokens_in;
  t.output_tokens = tokens_out;
  return t;
}

BudgetLimits cap_cost(double usd) {
  BudgetLimits l;
  l.max_cost_usd = usd;
  return l;
}

}  // namespace

TEST_CASE("budget: no limits, no decision") {
  CHECK_FALSE(budget_exceeded({}, std::nullopt, used(1e6, 1000, 1e9), 1e6));
  CHECK_FALSE(BudgetLimits{}.any());
}

TEST_CASE("budget: the cost limit, under, exactly at and over it") {
  CHECK_FALSE(budget_exceeded(cap_cost(5.0), std::nullopt, used(4.99, 3), 0));
  auto at = budget_exceeded(cap_cost(5.0), std::nullopt, used(5.0, 3), 0);
  REQUIRE(at);
  CHECK(at->which == "cost");
  auto over = budget_exceeded(cap_cost(5.0), std::nullopt, used(5.02, 4), 0);
  REQUIRE(over);
  CHECK(over->which == "cost");
  CHECK(over->limit == 5.0);
  CHECK(over->spent == doctest::Approx(5.02));
  CHECK(over->reason == "budget: $5.02 of $5.00");
}

TEST_CASE("budget: turns that reported no cost add nothing to the cost") {
  CHECK_FALSE(budget_exceeded(cap_cost(0.01), std::nullopt, used(0, 7, 10, 10, 0), 0));
}

TEST_CASE("budget: the turn limit: 12 turns of 12 allow no 13th") {
  BudgetLimits l;
  l.max_turns = 12;
  CHECK_FALSE(budget_exceeded(l, std::nullopt, used(0, 11), 0));
  auto over = budget_exceeded(l, std::nullopt, used(0, 12), 0);
  REQUIRE(over);
  CHECK(over->which == "turns");
  CHECK(over->reason == "budget: 12 turns of 12");
}

TEST_CASE("budget: the token limit counts input and output tokens") {
  BudgetLimits l;
  l.max_tokens = 1'000'000;
  CHECK_FALSE(budget_exceeded(l, std::nullopt, used(0, 2, 600'000, 399'999), 0));
  auto over = budget_exceeded(l, std::nullopt, used(0, 2, 1'000'000, 200'000), 0);
  REQUIRE(over);
  CHECK(over->which == "tokens");
  CHECK(over->reason == "budget: 1.2M tokens of 1M");
}

TEST_CASE("budget: the project's cost today") {
  CHECK_FALSE(budget_exceeded({}, 20.0, used(1, 1), 19.99));
  auto over = budget_exceeded({}, 20.0, used(1, 1), 20.10);
  REQUIRE(over);
  CHECK(over->which == "project_cost");
  CHECK(over->reason == "budget: project $20.10 of $20.00 today");
  // The agent's own limit is reported first.
  auto both = budget_exceeded(cap_cost(1.0), 20.0, used(1.5, 1), 20.10);
  REQUIRE(both);
  CHECK(both->which == "cost");
}

TEST_CASE("budget: precedence is agent, then capability, then config, limit by limit") {
  BudgetLimits agent, cap, config;
  config.max_cost_usd = 10;
  config.max_turns = 100;
  config.max_tokens = 5000;
  cap.max_cost_usd = 5;
  cap.max_turns = 50;
  agent.max_cost_usd = 2;
  auto e = effective_limits(agent, cap, config);
  CHECK(e.max_cost_usd == 2);
  CHECK(e.max_turns == 50);
  CHECK(e.max_tokens == 5000);
  CHECK_FALSE(effective_limits({}, {}, {}).any());
  // A higher limit of the agent's own raises the capability's.
  agent.max_cost_usd = 20;
  CHECK(effective_limits(agent, cap, config).max_cost_usd == 20);
}

TEST_CASE("budget: texts") {
  BudgetLimits l;
  CHECK(limits_text(l) == "no limits");
  l.max_cost_usd = 5;
  l.max_turns = 12;
  l.max_tokens = 1'000'000;
  CHECK(limits_text(l) == "$5.00 · 12 turns · 1M tokens");
  CHECK(usage_text(l, used(1.2, 3, 12'000, 400)) ==
        "$1.20 of $5.00 · 3 of 12 turns · 12.4k of 1M tokens");
  CHECK(token_count_text(950) == "950");
  CHECK(token_count_text(1'000'000) == "1M");
}

TEST_CASE("budget: the budget_exceeded mail goes to the parent, or the operator") {
  BudgetOver o{"cost", 5.0, 5.02, "budget: $5.02 of $5.00"};
  auto m = make_budget_exceeded("alice", std::string("lead"), o);
  CHECK(m.type == "budget_exceeded");
  CHECK(m.from == "alice");
  CHECK(m.to == "lead");
  CHECK(m.body.find("drover budget alice --max-cost") != std::string::npos);
  CHECK(m.body.find("drover unpause alice") != std::string::npos);
  REQUIRE(m.payload);
  auto p = nlohmann::json::parse(*m.payload);
  CHECK(p["which"] == "cost");
  CHECK(p["limit"] == 5.0);
  CHECK(p["spent"] == 5.02);
  CHECK(p["agent"] == "alice");
  CHECK(make_budget_exceeded("alice", std::nullopt, o).to == "operator");
  CHECK(make_budget_exceeded("alice", std::string(""), o).to == "operator");
  CHECK(validate_mail_type("budget_exceeded").ok());
}

TEST_CASE("budget: command-line values") {
  auto five = parse_cost_limit("5", "--max-cost");
  REQUIRE(five.ok());
  CHECK(*five == 5.0);
  auto quarter = parse_cost_limit("0.25", "--max-cost");
  REQUIRE(quarter.ok());
  CHECK(*quarter == 0.25);
  for (const char* bad : {"", "-1", "0", "abc", "5$", "nan", "inf"}) {
    CAPTURE(bad);
    auto r = parse_cost_limit(bad, "--max-cost");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == Errc::usage);
    CHECK(r.error().message.find("--max-cost") != std::string::npos);
  }
  auto twelve = parse_count_limit("12", "--max-turns");
  REQUIRE(twelve.ok());
  CHECK(*twelve == 12);
  for (const char* bad : {"", "-3", "0", "1.5", "twelve", "12x"}) {
    CAPTURE(bad);
    auto r = parse_count_limit(bad, "--max-turns");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == Errc::usage);
  }
}

TEST_CASE("budget: the [budget] config table") {
  auto c = parse_config(
      "[budget]\nmax_cost_usd = 5\nmax_turns = 12\nmax_tokens = 1000000\n"
      "project_max_cost_usd = 20.5\n",
      "config.toml");
  REQUIRE(c.ok());
  CHECK(c->budget.agent.max_cost_usd == 5.0);
  CHECK(c->budget.agent.max_turns == 12);
  CHECK(c->budget.agent.max_tokens == 1'000'000);
  CHECK(c->budget.project_max_cost_usd == 20.5);
  auto none = parse_config("", "config.toml");
  REQUIRE(none.ok());
  CHECK_FALSE(none->budget.agent.any());
  CHECK_FALSE(none->budget.project_max_cost_usd);
  for (auto [text, key] :
       {std::pair{"[budget]\nmax_cost = 5\n", "budget.max_cost"},
        std::pair{"[budget]\nmax_cost_usd = \"5\"\n", "budget.max_cost_usd"},
        std::pair{"[budget]\nmax_cost_usd = -1\n", "budget.max_cost_usd"},
        std::pair{"[budget]\nmax_turns = 1.5\n", "budget.max_turns"},
        std::pair{"[budget]\nmax_tokens = 0\n", "budget.max_tokens"},
        std::pair{"[budget]\nproject_max_cost_usd = true\n", "budget.project_max_cost_usd"},
        std::pair{"budget = 5\n", "budget"}}) {
    CAPTURE(text);
    auto r = parse_config(text, "config.toml");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message.find(key) != std::string::npos);
  }
}

TEST_CASE("budget: capability front matter") {
  auto c = parse_capability("b", "+++\nmax_cost_usd = 2.5\nmax_turns = 3\nmax_tokens = 9\n+++\n",
                            "b.md");
  REQUIRE(c.ok());
  CHECK(c->budget.max_cost_usd == 2.5);
  CHECK(c->budget.max_turns == 3);
  CHECK(c->budget.max_tokens == 9);
  auto whole = parse_capability("b", "+++\nmax_cost_usd = 2\n+++\n", "b.md");
  REQUIRE(whole.ok());
  CHECK(whole->budget.max_cost_usd == 2.0);
  for (const char* bad : {"+++\nmax_cost_usd = \"2\"\n+++\n", "+++\nmax_cost_usd = 0\n+++\n",
                          "+++\nmax_turns = -1\n+++\n", "+++\nmax_tokens = 1.5\n+++\n"}) {
    CAPTURE(bad);
    auto r = parse_capability("b", bad, "b.md");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message.find("b.md") != std::string::npos);
  }
}
