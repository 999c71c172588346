#pragma once
// Budgets (issue 17 item 5, docs/steering.md "Budgets"): the limits an agent runs under,
// where they come from (agent > capability > config), and the decision taken before each
// turn: may it start, or is the agent over budget (then it is paused with a reason and its
// parent gets one budget_exceeded mail). Pure: totals in, decision out.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/cost_totals.h"
#include "core/mail.h"
#include "core/result.h"

namespace drover {

// Limits on one agent's totals over all its turns; nullopt: no limit.
struct BudgetLimits {
  std::optional<double> max_cost_usd;
  std::optional<std::int64_t> max_turns;   // turns that started
  std::optional<std::int64_t> max_tokens;  // input + output tokens
  bool any() const { return max_cost_usd || max_turns || max_tokens; }
};

// Each limit from the first that sets it: the agent's own, its capability's, the config's.
BudgetLimits effective_limits(const BudgetLimits& agent, const BudgetLimits& capability,
                              const BudgetLimits& config);

// Which limit an agent is over, and by how much.
struct BudgetOver {
  std::string which;  // "cost", "turns", "tokens" or "project_cost"
  double limit = 0;
  double spent = 0;
  std::string reason;  // the pause reason: "budget: $5.02 of $5.00"
};

// Nullopt when a turn may start. A limit is reached when what was spent is at or above it
// (12 turns of 12: no 13th). Checked in order: cost, turns, tokens, then the project's
// cost today (`project_today_usd`, against `project_max_cost_usd`). A turn that reported
// no cost adds nothing to the cost.
std::optional<BudgetOver> budget_exceeded(const BudgetLimits& limits,
                                          const std::optional<double>& project_max_cost_usd,
                                          const CostTotals& agent, double project_today_usd);

// "$5.00 · 12 turns · 1M tokens", or "no limits".
std::string limits_text(const BudgetLimits& limits);
// What was spent against each limit that is set: "$1.20 of $5.00 · 3 of 12 turns ·
// 12.4k of 1M tokens"; "no limits" when none is.
std::string usage_text(const BudgetLimits& limits, const CostTotals& spent);
// Token counts in reasons: "950", "12.4k", "1.2M", "1M".
std::string token_count_text(std::int64_t n);

// The budget_exceeded mail from `agent` to its parent (or `operator` when `parent` is
// nullopt or empty); payload {agent, which, limit, spent, reason}.
MailMessage make_budget_exceeded(const std::string& agent, const std::optional<std::string>& parent,
                                 const BudgetOver& over);

// Command-line values (`--max-cost 5`, `--max-turns 12`): Errc::usage naming `flag` unless
// a positive number (cost) or a positive whole number (turns, tokens).
Result<double> parse_cost_limit(std::string_view text, std::string_view flag);
Result<std::int64_t> parse_count_limit(std::string_view text, std::string_view flag);

}  // namespace drover
