#include "core/budget.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "core/event_line.h"
#include "core/json_text.h"

namespace drover {

BudgetLimits effective_limits(const BudgetLimits& agent, const BudgetLimits& capability,
                              const BudgetLimits& config) {
  BudgetLimits out;
  for (const BudgetLimits* l : {&config, &capability, &agent}) {
    if (l->max_cost_usd) out.max_cost_usd = l->max_cost_usd;
    if (l->max_turns) out.max_turns = l->max_turns;
    if (l->max_tokens) out.max_tokens = l->max_tokens;
  }
  return out;
}

std::string token_count_text(std::int64_t n) {
  std::string s = format_count(n);
  // "1.0M" reads as "1M".
  if (auto dot = s.find(".0"); dot != std::string::npos && dot + 3 == s.size()) s.erase(dot, 2);
  return s;
}

namespace {

std::string turns_text(std::int64_t n) { return std::to_string(n) + (n == 1 ? " turn" : " turns"); }

}  // namespace

std::optional<BudgetOver> budget_exceeded(const BudgetLimits& limits,
                                          const std::optional<double>& project_max_cost_usd,
                                          const CostTotals& agent, double project_today_usd) {
  auto over = [](std::string which, double limit, double spent, std::string reason) {
    return BudgetOver{std::move(which), limit, spent, std::move(reason)};
  };
  double cost = agent.priced > 0 ? agent.cost_usd : 0.0;
  if (limits.max_cost_usd && cost >= *limits.max_cost_usd)
    return over("cost", *limits.max_cost_usd, cost,
                "budget: " + format_usd(cost) + " of " + format_usd(*limits.max_cost_usd));
  if (limits.max_turns && agent.turns >= *limits.max_turns)
    return over("turns", static_cast<double>(*limits.max_turns), static_cast<double>(agent.turns),
                "budget: " + turns_text(agent.turns) + " of " + std::to_string(*limits.max_turns));
  std::int64_t tokens = agent.input_tokens + agent.output_tokens;
  if (limits.max_tokens && tokens >= *limits.max_tokens)
    return over("tokens", static_cast<double>(*limits.max_tokens), static_cast<double>(tokens),
                "budget: " + token_count_text(tokens) + " tokens of " +
                    token_count_text(*limits.max_tokens));
  if (project_max_cost_usd && project_today_usd >= *project_max_cost_usd)
    return over("project_cost", *project_max_cost_usd, project_today_usd,
                "budget: project " + format_usd(project_today_usd) + " of " +
                    format_usd(*project_max_cost_usd) + " today");
  return std::nullopt;
}

std::string limits_text(const BudgetLimits& l) {
  std::string out;
  auto add = [&](const std::string& part) { out += (out.empty() ? "" : " · ") + part; };
  if (l.max_cost_usd) add(format_usd(*l.max_cost_usd));
  if (l.max_turns) add(turns_text(*l.max_turns));
  if (l.max_tokens) add(token_count_text(*l.max_tokens) + " tokens");
  return out.empty() ? "no limits" : out;
}

std::string usage_text(const BudgetLimits& l, const CostTotals& spent) {
  std::string out;
  auto add = [&](const std::string& part) { out += (out.empty() ? "" : " · ") + part; };
  if (l.max_cost_usd)
    add(format_usd(spent.priced > 0 ? spent.cost_usd : 0) + " of " + format_usd(*l.max_cost_usd));
  if (l.max_turns) add(std::to_string(spent.turns) + " of " + turns_text(*l.max_turns));
  if (l.max_tokens)
    add(token_count_text(spent.input_tokens + spent.output_tokens) + " of " +
        token_count_text(*l.max_tokens) + " tokens");
  return out.empty() ? "no limits" : out;
}

MailMessage make_budget_exceeded(const std::string& agent, const std::optional<std::string>& parent,
                                 const BudgetOver& over) {
  MailMessage m;
  m.from = agent;
  m.to = parent && !parent->empty() ? *parent : "operator";
  m.subject = "budget_exceeded: " + agent;
  std::string raise = over.which == "project_cost"
                          ? "raise [budget] project_max_cost_usd in .drover/config.toml"
                      : over.which == "cost"  ? "`drover budget " + agent + " --max-cost N`"
                      : over.which == "turns" ? "`drover budget " + agent + " --max-turns N`"
                                              : "`drover budget " + agent + " --max-tokens N`";
  m.body = "Your worker " + agent + " is over its budget (" + over.reason +
           ") and is paused: no new turn starts. Its mail waits. To let it go on, " + raise +
           " and run `drover unpause " + agent + "`; or stop it with `drover stop " + agent + "`.";
  m.type = "budget_exceeded";
  m.priority = "high";
  nlohmann::json payload = {{"agent", agent},
                            {"which", over.which},
                            {"limit", over.limit},
                            {"spent", over.spent},
                            {"reason", over.reason}};
  m.payload = dump_json(payload);
  return m;
}

Result<double> parse_cost_limit(std::string_view text, std::string_view flag) {
  std::string s(text);
  char* end = nullptr;
  double v = s.empty() ? 0 : std::strtod(s.c_str(), &end);
  if (s.empty() || end != s.c_str() + s.size() || !std::isfinite(v) || !(v > 0))
    return make_error(Errc::usage, std::string(flag) +
                                       ": expected a cost in USD greater than 0 "
                                       "(e.g. " +
                                       std::string(flag) + " 5 or 0.50), got '" + s + "'");
  return v;
}

Result<std::int64_t> parse_count_limit(std::string_view text, std::string_view flag) {
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || p != text.data() + text.size() || v <= 0)
    return make_error(Errc::usage, std::string(flag) +
                                       ": expected a whole number greater than 0 (e.g. " +
                                       std::string(flag) + " 12), got '" + std::string(text) + "'");
  return v;
}

}  // namespace drover
