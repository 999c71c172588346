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

std::string age_since(const std::string& ts, TimePoint now) {
  auto t = parse_timestamp(ts);
  if (!t) return "?";
  return format_age(std::chrono::duration_cast<Millis>(now - *t));
}

std::string age_since(const std::string& ts) {
  return age_since(ts, SystemClock::instance().now());
}

// What the overview reads besides the sessions, which it streams (issue 18): small
// whatever the number of agents — one cost entry per agent that ran a turn, the open gates.
struct OverviewHead {
  int running = 0;  // sessions in_turn
  int operator_unread = 0;
  std::map<std::string, CostTotals> costs;  // by agent; agents without a started turn: none
  std::optional<std::string> estop;         // the E-stop's time, when it is on
  std::vector<Gate> gates;                  // open approval gates, oldest first
};

OverviewHead read_head(store::Tx& tx) {
  return OverviewHead{tx.sessions().count_in(SessionState::in_turn),
                      tx.mail().unread_count(kOperator), tx.turns().costs_by_agent(),
                      tx.settings().get(kEstopKey), tx.gates().open()};
}

// The cost members every agent object gains (issue 16 item 5), and the project's totals.
void write_costs(JsonWriter& w, const CostTotals& t) {
  w.member("turns", t.turns)
      .member("priced_turns", t.priced)
      .member("cost_usd", cost_value(t))
      .member("input_tokens", t.input_tokens)
      .member("output_tokens", t.output_tokens);
}

const CostTotals& costs_in(const std::map<std::string, CostTotals>& costs,
                           const std::string& name) {
  static const CostTotals kNone;
  auto it = costs.find(name);
  return it == costs.end() ? kNone : it->second;
}

// What the free-text column of an agent's row says before its task.
std::string status_notes(const Session& s, const TurnProbe& probe) {
  std::string notes;
  auto add = [&](const std::string& n) { notes += (notes.empty() ? "" : "  ") + n; };
  if (s.failed_turns > 0) add("failures " + std::to_string(s.failed_turns));
  if (s.state_reason && is_terminal(s.state))
    add("(" + one_line_summary(*s.state_reason, 60) + ")");
  if (probe.orphan && probe.alive) add("ORPHAN pid " + std::to_string(probe.identity->pid));
  else if (probe.orphan) add("ORPHAN group " + std::to_string(probe.identity->pgid));
  return notes;
}

// `with_task` false leaves the free TASK column empty: measuring the table needs only the
// widths of the others.
TableRow status_row(const Session& s, const TurnProbe& probe, const CostTotals& c,
                    const std::vector<Gate>& gates, TimePoint now, bool with_task = true) {
  std::string task;
  if (with_task) {
    task = status_notes(s, probe);
    task += (task.empty() ? "" : "  ") + one_line_summary(s.task, 200);
  }
  const bool ran = c.turns > 0;
  return {{escape_control(s.name)},
          {escape_control(s.capability)},
          {state_with_gate(s, gates), state_color(s.state)},
          {s.current_turn ? std::to_string(*s.current_turn) : "-"},
          {age_since(s.last_activity, now) + " ago"},
          {cost_cell(c)},
          {ran ? format_count(c.input_tokens) : "—"},
          {ran ? format_count(c.output_tokens) : "—"},
          {task}};
}

// The supervisor's conditions (supervisor/conditions.h), null when they do not hold.
void write_conditions(JsonWriter& w, const std::optional<supervisor::Conditions>& c) {
  w.key("spawns_deferred");
  if (c && c->spawns)
    w.begin_object()
        .member("since", c->spawns->since)
        .member("cause", c->spawns->cause)
        .member("limit", c->spawns->limit)
        .member("max", c->spawns->max)
        .member("deferred", c->spawns->deferred)
        .member("retry_at", c->spawns->retry_at)
        .end_object();
  else w.null();
  w.key("config_error");
  if (c && c->config_error)
    w.begin_object()
        .member("since", c->config_error->since)
        .member("message", c->config_error->message)
        .end_object();
  else w.null();
  w.member("config_loaded_at", c ? c->config_loaded_at : std::nullopt);
}

void write_supervisor(JsonWriter& w, const SupervisorInfo& sup, const Config& cfg, int running) {
  w.begin_object().member("running", sup.running);
  if (sup.identity) w.member("pid", static_cast<std::int64_t>(sup.identity->pid));
  else w.key("pid").null();
  w.member("started_at", sup.started_at)
      .member("turns_running", running)
      .member("max_concurrent_turns", cfg.supervisor.max_concurrent_turns);
  write_conditions(w, sup.conditions);
  w.end_object();
}

// One indented line per condition the running supervisor reports.
std::string condition_lines(const std::optional<supervisor::Conditions>& c) {
  std::string out;
  if (c && c->spawns) {
    const auto& s = *c->spawns;
    out += "  starts deferred for " + age_since(s.since) + " (" + std::to_string(s.deferred) +
           " so far): " + one_line_summary(s.cause, 100) + "; at most " + std::to_string(s.limit) +
           " of " + std::to_string(s.max) + " turns at once\n";
  }
  if (c && c->config_error)
    out += "  config error (for " + age_since(c->config_error->since) +
           "): " + one_line_summary(c->config_error->message, 160) +
           "; the last good config is in use until the file is fixed\n";
  return out;
}

std::string supervisor_line(const SupervisorInfo& sup, const Config& cfg, int running) {
  std::string turns = "turns " + std::to_string(running) + "/" +
                      std::to_string(cfg.supervisor.max_concurrent_turns);
  if (!sup.running) return "supervisor: not running (" + turns + "; 'drover up' starts it)";
  std::string line = "supervisor: running";
  if (sup.identity) line += ", pid " + std::to_string(sup.identity->pid);
  if (sup.started_at) line += ", up " + age_since(*sup.started_at);
  return line + ", " + turns;
}

// The JSON document is streamed (JsonWriter, issue 18): each agent is written while its
// row is current and goes out in chunks, so thousands of agents cost no more memory than
// a few.
Status overview_json(Context& ctx, const ProjectPaths& p, const Config& cfg, store::Store& st,
                     const SupervisorInfo& sup) {
  JsonWriter w;
  TurnProbes probes(p);
  auto head = st.read<OverviewHead>([&](store::Tx& tx) -> Result<OverviewHead> {
    OverviewHead h = read_head(tx);
    w.begin_object().key("supervisor");
    write_supervisor(w, sup, cfg, h.running);
    w.key("agents").begin_array();
    tx.sessions().for_each([&](const Session& s) {
      write_session(w, s);
      write_costs(w, costs_in(h.costs, s.name));
      w.key("turn_process");
      write_probe(w, probes.probe(s.name));
      write_waiting(w, s.name, h.gates);
      w.end_object();
      ctx.out.stream(w);
    });
    w.end_array();
    return h;
  });
  if (!head) return head.error();
  CostTotals total;
  for (const auto& [name, c] : head->costs) add_costs(total, c);
  w.key("unread").begin_object().member("operator", head->operator_unread).end_object();
  w.member("estop", head->estop.has_value()).member("estop_since", head->estop);
  w.key("gates").raw(gates_json(head->gates, now_timestamp()).dump());
  w.key("totals").begin_object();
  write_costs(w, total);
  w.end_object().end_object();
  ctx.out.stream(w, true);
  return ok_status();
}

// The table is streamed too, in two passes over one snapshot: the first measures the
// columns (and counts what it leaves out), the second prints each row as it reads it. A
// row that grew in between (its turn process died, say) is cut to the measured widths.
Status overview_text(Context& ctx, const StatusOptions& o, const ProjectPaths& p, const Config& cfg,
                     store::Store& st, const SupervisorInfo& sup) {
  TurnProbes probes(p);
  const TimePoint now = SystemClock::instance().now();
  std::string text;
  TableStyle style;
  style.width = os::terminal_columns(STDOUT_FILENO);
  style.color = ctx.out.color;
  style.free_last = true;
  TableLayout layout({{"NAME"},
                      {"CAPABILITY"},
                      {"STATE"},
                      {"TURN", Align::right},
                      {"ACTIVE", Align::right},
                      {"COST", Align::right},
                      {"IN", Align::right},
                      {"OUT", Align::right},
                      {"TASK"}},
                     style);
  std::map<std::string, int> finished;
  int finished_total = 0;
  auto head = st.read<OverviewHead>([&](store::Tx& tx) -> Result<OverviewHead> {
    OverviewHead h = read_head(tx);
    // Each pass: fn(session, probe) for every agent listed; the finished ones counted.
    // The probe decides whether a finished agent is listed (an orphan is); otherwise it
    // only feeds the free TASK column, so a pass without `full` skips it there.
    auto pass = [&](bool full, const std::function<void(const Session&, const TurnProbe&)>& fn) {
      finished.clear();
      finished_total = 0;
      std::int64_t listed = 0;
      tx.sessions().for_each([&](const Session& s) {
        const bool hidden_if_finished = is_terminal(s.state) && !o.all;
        TurnProbe probe;
        if (full || hidden_if_finished) probe = probes.probe(s.name);
        if (hidden_if_finished && !probe.orphan) {
          ++finished[std::string(to_string(s.state))];
          ++finished_total;
          return;
        }
        ++listed;
        fn(s, probe);
      });
      return listed;
    };
    if (ctx.out.quiet) {  // -q: the listed agents' names, one per line
      pass(false, [&](const Session& s, const TurnProbe&) {
        append_escaped_control(text, s.name);
        text += '\n';
        ctx.out.stream(text);
      });
      return h;
    }
    const std::int64_t listed = pass(false, [&](const Session& s, const TurnProbe& probe) {
      layout.measure(status_row(s, probe, costs_in(h.costs, s.name), h.gates, now, false));
    });
    text = supervisor_line(sup, cfg, h.running) + "\n" + condition_lines(sup.conditions);
    if (h.estop)
      text += "E-STOP: paused all agents since " + *h.estop +
              "; no turn starts ('drover unpause --all' releases)\n";
    if (listed == 0 && finished_total == 0)
      text += "agents: none (start one with 'drover sling <agent> \"<task>\"')\n";
    if (listed > 0) text += layout.header() + "\n";
    pass(true, [&](const Session& s, const TurnProbe& probe) {
      text += layout.line(status_row(s, probe, costs_in(h.costs, s.name), h.gates, now));
      text += '\n';
      ctx.out.stream(text);
    });
    return h;
  });
  if (!head) return head.error();
  if (ctx.out.quiet) {
    ctx.out.stream(text, true);
    return ok_status();
  }
  if (finished_total > 0) {
    std::string parts;
    for (const auto& [state, n] : finished)
      parts += (parts.empty() ? "" : ", ") + std::to_string(n) + " " + state;
    text += std::to_string(finished_total) + " finished: " + parts + " — --all to list\n";
  }
  text += gates_text(head->gates, now_timestamp());
  CostTotals total;
  for (const auto& [name, c] : head->costs) add_costs(total, c);
  if (total.turns > 0)
    text += "cost of all agents: " + costs_summary(total) + " ('drover costs' for more)\n";
  text += "mail: " + std::to_string(head->operator_unread) + " unread for operator";
  if (head->operator_unread > 0) text += " ('drover mail check' reads them)";
  text += '\n';
  ctx.out.stream(text, true);
  return ok_status();
}

Status run_overview(Context& ctx, const StatusOptions& o, const ProjectPaths& p, const Config& cfg,
                    store::Store& st) {
  SupervisorInfo sup = read_supervisor_info(p);
  if (ctx.out.json) return overview_json(ctx, p, cfg, st, sup);
  return overview_text(ctx, o, p, cfg, st, sup);
}

struct Detail {
  Session session;
  std::vector<TurnRecord> turns;
  std::vector<MailMessage> pending;
  CostTotals costs;
  BudgetView budget;
  std::vector<Gate> gates;  // its open gates
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
                  tx.gates().open(name)};
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
  return run_overview(ctx, o, *p, *cfg, **st);
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
