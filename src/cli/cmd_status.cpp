// drover status [AGENT] [--all] (SPEC §6.4). Read-only: it never writes state.
#include <unistd.h>
#include <CLI/CLI.hpp>
#include <functional>
#include <map>
#include <memory>

#include "cli/budget_view.h"
#include "cli/context.h"
#include "cli/gates.h"
#include "cli/live_view.h"
#include "cli/registry.h"
#include "cli/status_overview.h"
#include "cli/supervisor_info.h"
#include "cli/turn_probe.h"
#include "core/clock.h"
#include "core/cost_totals.h"
#include "core/duration.h"
#include "core/event_line.h"
#include "core/names.h"
#include "core/pause.h"
#include "core/state_color.h"
#include "core/table.h"
#include "core/text.h"
#include "os/terminal.h"
#include "store/gates.h"
#include "store/hosts.h"
#include "store/mail.h"
#include "store/sessions.h"
#include "store/settings.h"
#include "store/turns.h"

namespace drover::cli {

namespace {

struct StatusOptions {
  std::optional<std::string> agent;
  bool all = false;
  std::optional<std::string> watch;  // --watch [INTERVAL]: the live view
};

struct Detail {
  Session session;
  std::vector<TurnRecord> turns;
  std::vector<MailMessage> pending;
  CostTotals costs;
  BudgetView budget;
  std::vector<Gate> gates;            // its open gates
  std::optional<store::Lease> lease;  // the host that holds it (docs/hosts.md)
};

Status run_detail(Context& ctx, const std::string& name, const ProjectPaths& p, store::Store& st) {
  auto cfg = ctx.config_or_defaults();
  if (!cfg) return cfg.error();
  DROVER_TRY(validate_agent_name(name));
  auto d = st.read<Detail>([&](store::Tx& tx) -> Result<Detail> {
    auto s = tx.sessions().get(name);
    if (!s)
      return make_error(Errc::not_found, "no agent named '" + name + "' (see 'drover status')");
    return Detail{*s,
                  tx.turns().recent(name, 10),
                  tx.mail().pending_for(name),
                  tx.turns().costs_of(name),
                  read_budget_view(tx, p, *cfg, *s),
                  tx.gates().open(name),
                  tx.hosts().lease_of(name)};
  });
  if (!d) return d.error();
  TurnProbe probe = probe_turn(p, name);
  nlohmann::json turns = nlohmann::json::array();
  for (const auto& t : d->turns) turns.push_back(turn_json(t));
  nlohmann::json pending = nlohmann::json::array();
  for (const auto& m : d->pending) pending.push_back(message_json(m));
  nlohmann::json agent = session_json(d->session);
  agent["turns"] = d->costs.turns;
  agent["priced_turns"] = d->costs.priced;
  agent["cost_usd"] = d->costs.priced > 0 ? nlohmann::json(d->costs.cost_usd) : nullptr;
  agent["input_tokens"] = d->costs.input_tokens;
  agent["output_tokens"] = d->costs.output_tokens;
  agent["turn_process"] = probe_json(probe);
  agent["budget"] = budget_view_json(d->budget);
  agent["waiting"] =
      d->gates.empty() ? nlohmann::json(nullptr) : nlohmann::json(d->gates.front().question);
  agent["open_gates"] = gates_json(d->gates, now_timestamp());
  agent["host"] = d->lease ? nlohmann::json(d->lease->host) : nlohmann::json(nullptr);
  agent["lease_token"] = d->lease ? nlohmann::json(d->lease->token) : nlohmann::json(nullptr);
  ctx.out.document({{"agent", agent}, {"turns", turns}, {"pending_mail", pending}});

  const Session& s = d->session;
  if (ctx.out.quiet) {  // -q: the state alone, for scripts
    ctx.out.data(std::string(to_string(s.state)));
    return ok_status();
  }
  auto field = [](const std::string& k, const std::string& v) {
    return "  " + k + ": " + v + "\n";
  };
  std::string text = escape_control(s.name) + "\n";
  text += field("state", std::string(to_string(s.state)) +
                             (s.state_reason ? " (" + escape_control(*s.state_reason) + ")" : ""));
  if (s.paused_at && !is_terminal(s.state))
    text += field("paused", "since " + *s.paused_at + " (" + age_since(*s.paused_at) + " ago)" +
                                (s.pause_reason ? ": " + escape_control(*s.pause_reason) : "") +
                                "; 'drover unpause " + escape_control(s.name) + "' lets it go on");
  for (const auto& g : d->gates) text += field("waiting", gate_line(g, now_timestamp()));
  text +=
      field("capability", escape_control(s.capability) + ", runtime " + escape_control(s.runtime) +
                              (s.model ? ", model " + escape_control(*s.model) : ""));
  if (s.parent) text += field("parent", escape_control(*s.parent));
  if (d->lease)
    text += field("host", escape_control(d->lease->host) + " (lease " +
                              std::to_string(d->lease->token) + ")");
  if (d->budget.effective.any())
    text += field("budget", usage_text(d->budget.effective, d->budget.spent) + " ('drover budget " +
                                escape_control(s.name) + "' for more)");
  text += field("task", one_line_summary(s.task, 100));
  text += field("created", s.created_at);
  text += field("last activity", s.last_activity + " (" + age_since(s.last_activity) + " ago)");
  text += field("turns", std::to_string(s.turn_count) + ", consecutive failures " +
                             std::to_string(s.failed_turns));
  text += field("cost", costs_summary(d->costs));
  if (is_terminal(s.state)) text += field("report", "drover report " + escape_control(s.name));
  if (s.runtime_session_id) text += field("runtime session", escape_control(*s.runtime_session_id));
  if (s.worktree)
    text += field("worktree", escape_control(*s.worktree) +
                                  (s.branch ? " on " + escape_control(*s.branch) : ""));
  if (s.head_sha)
    text +=
        field("head",
              *s.head_sha + (s.dirty_summary ? " (" + escape_control(*s.dirty_summary) + ")" : ""));
  if (s.merged_sha)
    text +=
        field("merged", "into " + escape_control(s.merged_into.value_or("?")) + " at " +
                            s.merged_sha->substr(0, 12) + " (" + s.merged_at.value_or("") + ")");
  if (probe.identity)
    text += field(
        "turn process",
        "pid " + std::to_string(probe.identity->pid) + ", pgid " +
            std::to_string(probe.identity->pgid) +
            (probe.orphan ? " — ORPHAN (no runner holds the turn lock)" : "") +
            (!probe.alive && probe.orphan
                 ? " — process gone, " + std::to_string(probe.leftovers) + " of its group left"
                 : "") +
            (!probe.alive && !probe.orphan ? " — stale turn.pid (process gone)" : ""));
  if (!d->turns.empty()) text += "  recent turns:\n";
  for (const auto& t : d->turns) {
    text += "    #" + std::to_string(t.id) + " " + t.started_at + " " +
            t.outcome_name.value_or("running");
    if (t.duration_ms) text += " " + format_age(Millis(*t.duration_ms));
    if (t.cost_usd) text += " " + format_usd(*t.cost_usd);
    if (t.input_tokens || t.output_tokens)
      text += " " + format_count(t.input_tokens.value_or(0)) + " in / " +
              format_count(t.output_tokens.value_or(0)) + " out";
    if (t.detail) text += " — " + one_line_summary(*t.detail, 60);
    text += "\n";
  }
  text += "  pending mail: " + std::to_string(d->pending.size());
  for (const auto& m : d->pending) text += "\n    " + message_human(m, false);
  ctx.out.data(text);
  return ok_status();
}

Status run_status(Context& ctx, const StatusOptions& o) {
  if (o.watch) {
    if (o.agent)
      return make_error(Errc::usage, "--watch shows every agent; leave out '" +
                                         escape_control(*o.agent) +
                                         "' (press / in the view to filter)");
    auto interval = parse_watch_interval(*o.watch);
    if (!interval) return interval.error();
    return run_live_view(ctx, *interval);
  }
  auto p = ctx.project();
  if (!p) return p.error();
  auto cfg = ctx.config_or_defaults();
  if (!cfg) return cfg.error();
  auto st = ctx.store();
  if (!st) return st.error();
  (*st)->set_page_cache_kib(store::kListingCacheKib);
  if (o.agent) return run_detail(ctx, *o.agent, *p, **st);
  return run_status_overview(ctx, o.all, *p, *cfg, **st);
}

}  // namespace

void install_status(CLI::App* cmd, Context& ctx) {
  auto o = std::make_shared<StatusOptions>();
  cmd->add_option("agent", o->agent, "show one agent in detail");
  cmd->add_flag("--all", o->all, "list finished agents too");
  cmd->add_option("--watch", o->watch,
                  "the live full-screen view, redrawn on every change and at least every "
                  "INTERVAL (default 1s; see also 'drover top')")
      ->expected(0, 1)
      ->type_name("[INTERVAL]");
  on_run(cmd, ctx, [&ctx, o] { return run_status(ctx, *o); });
}

}  // namespace drover::cli
