#include "cli/budget_view.h"

#include "core/clock.h"
#include "os/terminal.h"
#include "runner/terminal_mail.h"
#include "store/store.h"
#include "store/turns.h"

namespace drover::cli {

BudgetView read_budget_view(store::Tx& tx, const ProjectPaths& paths, const Config& config,
                            const Session& s) {
  BudgetView v;
  v.own = s.budget;
  v.capability = runner::read_capability(paths, s.capability).budget;
  v.config = config.budget.agent;
  v.effective = effective_limits(v.own, v.capability, v.config);
  v.spent = tx.turns().costs_of(s.name);
  v.project_max_cost_usd = config.budget.project_max_cost_usd;
  if (v.project_max_cost_usd)
    v.project_today_usd = tx.turns().cost_since(
        format_timestamp(os::local_day_start_of(SystemClock::instance().now())));
  return v;
}

nlohmann::json limits_json(const BudgetLimits& l) {
  auto opt = [](const auto& o) { return o ? nlohmann::json(*o) : nlohmann::json(nullptr); };
  return {{"max_cost_usd", opt(l.max_cost_usd)},
          {"max_turns", opt(l.max_turns)},
          {"max_tokens", opt(l.max_tokens)}};
}

nlohmann::json budget_view_json(const BudgetView& v) {
  return {{"limits", limits_json(v.effective)},
          {"own", limits_json(v.own)},
          {"capability", limits_json(v.capability)},
          {"config", limits_json(v.config)},
          {"spent",
           {{"cost_usd", v.spent.priced > 0 ? v.spent.cost_usd : 0.0},
            {"turns", v.spent.turns},
            {"tokens", v.spent.input_tokens + v.spent.output_tokens}}},
          {"project",
           {{"max_cost_usd", v.project_max_cost_usd ? nlohmann::json(*v.project_max_cost_usd)
                                                    : nlohmann::json(nullptr)},
            {"today_usd", v.project_today_usd}}}};
}

}  // namespace drover::cli
