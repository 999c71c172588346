#pragma once
// The budget check before a turn (docs/steering.md "Budgets"), made inside the transaction
// that claims the turn's mail: an agent over its budget (or the project over its limit for
// today) is paused instead, and its parent (or the operator) gets one budget_exceeded mail.
#include <optional>
#include <string>

#include "core/budget.h"
#include "core/capability.h"
#include "core/config.h"
#include "core/session.h"

namespace drover::store {
class Tx;
}

namespace drover::runner {

// What the check needs besides the store: the limits of the agent's capability and of the
// config, and where "today" starts for the project's limit.
struct BudgetBasis {
  BudgetLimits capability;
  BudgetLimits config;
  std::optional<double> project_max_cost_usd;
  std::string today;  // SPEC §3 timestamp of local midnight; set with a project limit
};
BudgetBasis budget_basis(const Config& config, const Capability& cap);

// Nullopt when the turn may start. Over budget: pauses `s` with the reason, records
// budget_exceeded and paused events, sends the mail, and returns the reason (all in `tx`).
// Reads one indexed aggregate of the agent's turns, and one of today's with a project limit.
std::optional<std::string> pause_if_over_budget(store::Tx& tx, const Session& s,
                                                const BudgetBasis& b);

}  // namespace drover::runner
