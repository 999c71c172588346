// drover budget <agent> [--max-cost X] [--max-turns N] [--max-tokens N] (issue 17 item 5,
// docs/steering.md "Budgets"): with no flag, the agent's limits (its own, its capability's,
// the config's, the effective ones) and what it spent; with flags, sets its own limits
// ("none" removes one). Raising a limit does not unpause: `drover unpause` does.
#include <CLI/CLI.hpp>
#include <memory>

#include "cli/agent_lookup.h"
#include "cli/budget_view.h"
#include "cli/context.h"
#include "cli/registry.h"
#include "core/budget.h"
#include "core/event_line.h"
#include "core/names.h"
#include "core/suggest.h"
#include "core/text.h"
#include "store/sessions.h"
#include "store/store.h"

namespace drover::cli {

namespace {

struct BudgetOptions {
  std::string agent;
  std::optional<std::string> max_cost, max_turns, max_tokens;
};

// The limits the flags set on top of `own`; "none" removes one.
Result<BudgetLimits> apply_flags(const BudgetOptions& o, BudgetLimits own) {
  if (o.max_cost) {
    if (*o.max_cost == "none") own.max_cost_usd.reset();
    else {
      auto v = parse_cost_limit(*o.max_cost, "--max-cost");
      if (!v) return v.error();
      own.max_cost_usd = *v;
    }
  }
  for (auto [text, flag, out] : {std::tuple{&o.max_turns, "--max-turns", &own.max_turns},
                                 std::tuple{&o.max_tokens, "--max-tokens", &own.max_tokens}}) {
    if (!*text) continue;
    if (**text == "none") {
      out->reset();
      continue;
    }
    auto v = parse_count_limit(**text, flag);
    if (!v) return v.error();
    *out = *v;
  }
  return own;
}

struct Shown {
  Session session;
  BudgetView view;
};

std::string view_text(const Shown& s) {
  const BudgetView& v = s.view;
  auto field = [](const std::string& k, const std::string& val) {
    return "  " + k + ": " + val + "\n";
  };
  std::string text = escape_control(s.session.name) + "\n";
  text += field("limits", limits_text(v.effective));
  text += field("spent", usage_text(v.effective, v.spent) == "no limits"
                             ? costs_summary(v.spent)
                             : usage_text(v.effective, v.spent));
  text += field("own", limits_text(v.own));
  text += field("capability " + escape_control(s.session.capability), limits_text(v.capability));
  text += field("config [budget]", limits_text(v.config));
  if (v.project_max_cost_usd)
    text += field("project today",
                  format_usd(v.project_today_usd) + " of " + format_usd(*v.project_max_cost_usd));
  if (s.session.paused_at && !is_terminal(s.session.state))
    text +=
        field("paused", s.session.pause_reason.value_or("by the operator") + "; 'drover unpause " +
                            escape_control(s.session.name) + "' lets it go on");
  return text;
}

Status run_budget(Context& ctx, const BudgetOptions& o) {
  DROVER_TRY(validate_agent_name(o.agent));
  bool setting = o.max_cost || o.max_turns || o.max_tokens;
  if (setting)  // bad values are refused before anything is opened or written
    if (auto checked = apply_flags(o, {}); !checked) return checked.error();
  auto p = ctx.project();
  if (!p) return p.error();
  auto cfg = ctx.config_or_defaults();
  if (!cfg) return cfg.error();
  auto st = ctx.store();
  if (!st) return st.error();
  auto work = [&](store::Tx& tx) -> Result<Shown> {
    auto s = tx.sessions().get(o.agent);
    if (!s) return no_agent_named(tx, o.agent);
    if (setting) {
      auto limits = apply_flags(o, s->budget);
      if (!limits) return limits.error();
      tx.sessions().set_budget(o.agent, *limits);
      s->budget = *limits;
    }
    return Shown{*s, read_budget_view(tx, *p, *cfg, *s)};
  };
  auto shown = setting ? (*st)->write<Shown>(work) : (*st)->read<Shown>(work);
  if (!shown) return shown.error();
  auto doc = budget_view_json(shown->view);
  doc["agent"] = o.agent;
  doc["paused"] = shown->session.paused_at.has_value();
  doc["pause_reason"] = shown->session.pause_reason ? nlohmann::json(*shown->session.pause_reason)
                                                    : nlohmann::json(nullptr);
  ctx.out.document(doc);
  ctx.out.data(view_text(*shown));
  return ok_status();
}

}  // namespace

void install_budget(CLI::App* cmd, Context& ctx) {
  auto o = std::make_shared<BudgetOptions>();
  cmd->add_option("agent", o->agent, "agent name")->required();
  cmd->add_option("--max-cost", o->max_cost,
                  "its own limit in USD over all its turns ('none' removes it)");
  cmd->add_option("--max-turns", o->max_turns, "its own limit on turns ('none' removes it)");
  cmd->add_option("--max-tokens", o->max_tokens,
                  "its own limit on input + output tokens ('none' removes it)");
  on_run(cmd, ctx, [&ctx, o] { return run_budget(ctx, *o); });
}

}  // namespace drover::cli
