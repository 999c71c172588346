#pragma once
// An agent's budget as `drover budget AGENT` and `drover status AGENT` show it: its limits
// from each source (core/budget.h), the effective ones, what it spent, and the project's
// cost today against its limit.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "core/budget.h"
#include "core/config.h"
#include "core/paths.h"
#include "core/session.h"

namespace drover::store {
class Tx;
}

namespace drover::cli {

struct BudgetView {
  BudgetLimits own, capability, config, effective;
  CostTotals spent;
  std::optional<double> project_max_cost_usd;
  double project_today_usd = 0;
};

// Reads the capability's definition and the agent's and today's totals (in `tx`).
BudgetView read_budget_view(store::Tx& tx, const ProjectPaths& paths, const Config& config,
                            const Session& s);

nlohmann::json limits_json(const BudgetLimits& l);
nlohmann::json budget_view_json(const BudgetView& v);

}  // namespace drover::cli
