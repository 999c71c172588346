#include "runner/budget_check.h"

#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "os/terminal.h"
#include "store/events.h"
#include "store/mail.h"
#include "store/sessions.h"
#include "store/store.h"
#include "store/turns.h"

namespace drover::runner {

BudgetBasis budget_basis(const Config& config, const Capability& cap) {
  BudgetBasis b{cap.budget, config.budget.agent, config.budget.project_max_cost_usd, ""};
  if (b.project_max_cost_usd)
    b.today = format_timestamp(os::local_day_start_of(SystemClock::instance().now()));
  return b;
}

std::optional<std::string> pause_if_over_budget(store::Tx& tx, const Session& s,
                                                const BudgetBasis& b) {
  BudgetLimits limits = effective_limits(s.budget, b.capability, b.config);
  if (!limits.any() && !b.project_max_cost_usd) return std::nullopt;
  double project_today = b.project_max_cost_usd ? tx.turns().cost_since(b.today) : 0.0;
  auto over =
      budget_exceeded(limits, b.project_max_cost_usd, tx.turns().costs_of(s.name), project_today);
  if (!over) return std::nullopt;
  tx.sessions().set_pause(s.name, now_timestamp(), over->reason);
  nlohmann::json data = {{"which", over->which},
                         {"limit", over->limit},
                         {"spent", over->spent},
                         {"reason", over->reason}};
  tx.events().add(s.name, s.current_turn, "budget_exceeded", "warn", data.dump());
  tx.events().add(s.name, s.current_turn, "paused", "info",
                  nlohmann::json{{"reason", over->reason}}.dump());
  tx.mail().insert(make_budget_exceeded(s.name, s.parent, *over));
  return over->reason;
}

}  // namespace drover::runner
