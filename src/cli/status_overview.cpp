#include "cli/status_overview.h"

#include <unistd.h>
#include <functional>
#include <map>
#include <optional>
#include <vector>

#include "cli/gates.h"
#include "cli/output.h"
#include "cli/supervisor_info.h"
#include "cli/turn_probe.h"
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

std::string age_since(const std::string& ts, TimePoint now) {
  auto t = parse_timestamp(ts);
  if (!t) return "?";
  return format_age(std::chrono::duration_cast<Millis>(now - *t));
}

std::string age_since(const std::string& ts) {
  return age_since(ts, SystemClock::instance().now());
}

namespace {

// What the overview reads besides the sessions, which it streams (issue 18): small
// whatever the number of agents — one cost entry per agent that ran a turn, the open gates.
struct OverviewHead {
  int running = 0;  // sessions in_turn
  int operator_unread = 0;
  std::map<std::string, CostTotals> costs;     // by agent; agents without a started turn: none
  std::optional<std::string> estop;            // the E-stop's time, when it is on
  std::vector<Gate> gates;                     // open approval gates, oldest first
  std::vector<store::HostRow> hosts;           // hosts sharing the store (docs/hosts.md)
  std::map<std::string, std::string> host_of;  // agent → the host holding its lease
};

OverviewHead read_head(store::Tx& tx) {
  return OverviewHead{tx.sessions().count_in(SessionState::in_turn),
                      tx.mail().unread_count(kOperator),
                      tx.turns().costs_by_agent(),
                      tx.settings().get(kEstopKey),
                      tx.gates().open(),
                      tx.hosts().list(),
                      tx.hosts().hosts_by_agent()};
}

std::optional<std::string> host_in(const OverviewHead& h, const std::string& agent) {
  auto it = h.host_of.find(agent);
  if (it == h.host_of.end()) return std::nullopt;
  return it->second;
}

// The HOST column's cell of `agent` when the table has the column (`multi`), else none.
std::optional<std::optional<std::string>> host_cell(bool multi, const OverviewHead& h,
                                                    const std::string& agent) {
  if (!multi) return std::nullopt;
  return std::optional<std::optional<std::string>>(host_in(h, agent));
}

// Each host's liveness, for JSON.
void write_hosts(JsonWriter& w, const std::vector<store::HostRow>& hosts) {
  w.key("hosts").begin_array();
  for (const auto& h : hosts)
    w.begin_object()
        .member("name", h.name)
        .member("live", h.live())
        .member("pid", h.pid)
        .member("started_at", h.started_at)
        .member("renewed_ms_ago", h.age_ms)
        .member("lease_ms", h.lease_ms)
        .member("lost_at", h.lost_at)
        .member("lost_by", h.lost_by)
        .member("agents", h.agents)
        .end_object();
  w.end_array();
}

// "hosts: a (live, 3 agents), b (LOST since …, taken over by a)": only when more than one
// host shares the store.
std::string hosts_line(const std::vector<store::HostRow>& hosts) {
  if (hosts.size() < 2) return "";
  std::string out = "hosts:";
  for (const auto& h : hosts) {
    out += (out.size() > 6 ? ", " : " ") + escape_control(h.name) + " (";
    if (h.lost_at)
      out +=
          "LOST since " + *h.lost_at + ", taken over by " + escape_control(h.lost_by.value_or("?"));
    else if (h.live()) out += "live";
    else
      out += "SILENT for " + format_age(Millis(h.age_ms)) + ", taken over after " +
             format_age(Millis(h.lease_ms));
    out += ", " + std::to_string(h.agents) + " agent(s))";
  }
  return out + "\n";
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
// `host`: the HOST column's cell, when the table has one (several hosts share the store).
TableRow status_row(const Session& s, const TurnProbe& probe, const CostTotals& c,
                    const std::vector<Gate>& gates, TimePoint now, bool with_task,
                    const std::optional<std::optional<std::string>>& host) {
  std::string task;
  if (with_task) {
    task = status_notes(s, probe);
    task += (task.empty() ? "" : "  ") + one_line_summary(s.task, 200);
  }
  const bool ran = c.turns > 0;
  TableRow row = {{escape_control(s.name)},
                  {escape_control(s.capability)},
                  {state_with_gate(s, gates), state_color(s.state)},
                  {s.current_turn ? std::to_string(*s.current_turn) : "-"},
                  {age_since(s.last_activity, now) + " ago"},
                  {cost_cell(c)},
                  {ran ? format_count(c.input_tokens) : "—"},
                  {ran ? format_count(c.output_tokens) : "—"},
                  {task}};
  if (host) row.insert(row.begin() + 3, TableCell{escape_control(host->value_or("-"))});
  return row;
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
      w.member("host", host_in(h, s.name));
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
  write_hosts(w, head->hosts);
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
Status overview_text(Context& ctx, bool all, const ProjectPaths& p, const Config& cfg,
                     store::Store& st, const SupervisorInfo& sup) {
  TurnProbes probes(p);
  const TimePoint now = SystemClock::instance().now();
  std::string text;
  TableStyle style;
  style.width = os::terminal_columns(STDOUT_FILENO);
  style.color = ctx.out.color;
  style.free_last = true;
  // A HOST column when several hosts share the store (docs/hosts.md).
  auto hosts = st.read<std::vector<store::HostRow>>(
      [](store::Tx& tx) -> Result<std::vector<store::HostRow>> { return tx.hosts().list(); });
  if (!hosts) return hosts.error();
  const bool multi = hosts->size() > 1;
  std::vector<TableColumn> columns = {{"NAME"},
                                      {"CAPABILITY"},
                                      {"STATE"},
                                      {"TURN", Align::right},
                                      {"ACTIVE", Align::right},
                                      {"COST", Align::right},
                                      {"IN", Align::right},
                                      {"OUT", Align::right},
                                      {"TASK"}};
  if (multi) columns.insert(columns.begin() + 3, TableColumn{"HOST"});
  TableLayout layout(std::move(columns), style);
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
        const bool hidden_if_finished = is_terminal(s.state) && !all;
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
      layout.measure(status_row(s, probe, costs_in(h.costs, s.name), h.gates, now, false,
                                host_cell(multi, h, s.name)));
    });
    text = supervisor_line(sup, cfg, h.running) + "\n" + condition_lines(sup.conditions) +
           hosts_line(h.hosts);
    if (h.estop)
      text += "E-STOP: paused all agents since " + *h.estop +
              "; no turn starts ('drover unpause --all' releases)\n";
    if (listed == 0 && finished_total == 0)
      text += "agents: none (start one with 'drover sling <agent> \"<task>\"')\n";
    if (listed > 0) text += layout.header() + "\n";
    pass(true, [&](const Session& s, const TurnProbe& probe) {
      text += layout.line(status_row(s, probe, costs_in(h.costs, s.name), h.gates, now, true,
                                     host_cell(multi, h, s.name)));
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

}  // namespace

Status run_status_overview(Context& ctx, bool all, const ProjectPaths& p, const Config& cfg,
                           store::Store& st) {
  SupervisorInfo sup = read_supervisor_info(p);
  if (ctx.out.json) return overview_json(ctx, p, cfg, st, sup);
  return overview_text(ctx, all, p, cfg, st, sup);
}

}  // namespace drover::cli
