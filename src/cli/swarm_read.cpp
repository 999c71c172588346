#include "cli/swarm_read.h"

#include <ctime>
#include <set>

#include "cli/gates.h"
#include "cli/supervisor_info.h"
#include "core/names.h"
#include "core/pause.h"
#include "core/text.h"
#include "os/terminal.h"
#include "store/events.h"
#include "store/gates.h"
#include "store/mail.h"
#include "store/sessions.h"
#include "store/settings.h"
#include "store/store.h"
#include "store/turns.h"

namespace drover::cli {

namespace {

struct SwarmRows {
  std::vector<Session> sessions;
  std::map<std::string, store::CostTotals> costs;
  std::map<std::string, store::CostTotals> costs_today;
  std::map<std::string, int> unread;
  int operator_unread = 0;
  std::vector<store::EventRecord> latest;
  std::map<std::int64_t, TurnRecord> running;  // by turn id
  bool estop = false;
  std::vector<Gate> gates;  // open approval gates
};

std::optional<Millis> swarm_age(const std::string& since, TimePoint now) {
  auto t = parse_timestamp(since);
  if (!t) return std::nullopt;
  return std::max(Millis(0), std::chrono::duration_cast<Millis>(now - *t));
}

std::vector<std::string> supervisor_warnings(const SupervisorInfo& sup, TimePoint now) {
  std::vector<std::string> out;
  if (!sup.conditions) return out;
  const auto& c = *sup.conditions;
  if (c.spawns) {
    const auto& s = *c.spawns;
    auto age = swarm_age(s.since, now);
    out.push_back("starts deferred" + (age ? " for " + format_age(*age) : std::string()) + " (" +
                  std::to_string(s.deferred) + " so far): " + one_line_summary(s.cause, 100) +
                  "; at most " + std::to_string(s.limit) + " of " + std::to_string(s.max) +
                  " turns at once");
  }
  if (c.config_error)
    out.push_back("config error: " + one_line_summary(c.config_error->message, 160) +
                  " (the last good config is in use)");
  return out;
}

}  // namespace

std::string local_midnight_timestamp(TimePoint now) {
  std::time_t secs = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  if (::localtime_r(&secs, &tm) == nullptr) return format_timestamp(now);
  tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
  tm.tm_isdst = -1;
  std::time_t midnight = std::mktime(&tm);
  if (midnight == static_cast<std::time_t>(-1)) return format_timestamp(now);
  return format_timestamp(std::chrono::system_clock::from_time_t(midnight));
}

Result<SwarmSnapshot> read_swarm(store::Store& st, const ProjectPaths& p, const Config& cfg,
                                 TimePoint now) {
  std::string today = local_midnight_timestamp(now);
  auto rows = st.read<SwarmRows>([&](store::Tx& tx) -> Result<SwarmRows> {
    SwarmRows r;
    r.sessions = tx.sessions().list();
    r.costs = tx.turns().costs_by_agent();
    r.costs_today = tx.turns().costs_by_agent(today);
    r.unread = tx.mail().unread_by_session();
    r.operator_unread = tx.mail().unread_count(kOperator);
    r.latest = tx.events().latest_per_session();
    r.estop = tx.settings().get(kEstopKey).has_value();
    r.gates = tx.gates().open();
    for (const auto& s : r.sessions)
      if (s.current_turn)
        if (auto t = tx.turns().get(*s.current_turn)) r.running[*s.current_turn] = *t;
    return r;
  });
  if (!rows) return rows.error();

  SwarmSnapshot snap;
  SwarmHeader& h = snap.header;
  h.clock = os::local_time_of_day(now);
  SupervisorInfo sup = read_supervisor_info(p);
  h.supervisor_running = sup.running;
  if (sup.identity) h.supervisor_pid = sup.identity->pid;
  if (sup.started_at) h.supervisor_uptime = swarm_age(*sup.started_at, now);
  h.max_turns = cfg.supervisor.max_concurrent_turns;
  h.operator_unread = rows->operator_unread;
  h.estop = rows->estop;
  h.warnings = supervisor_warnings(sup, now);
  h.open_gates = static_cast<int>(rows->gates.size());
  std::set<std::string> waiting;
  constexpr std::size_t kGateLines = 3;
  for (const auto& g : rows->gates) {
    waiting.insert(g.asker);
    if (h.gates.size() < kGateLines)
      h.gates.push_back(escape_control(g.asker) + ": " + gate_line(g, format_timestamp(now)));
  }
  for (const auto& [name, c] : rows->costs) h.cost_total += c.cost_usd;
  for (const auto& [name, c] : rows->costs_today) h.cost_today += c.cost_usd;

  std::map<std::string_view, const store::EventRecord*> latest;
  for (const auto& e : rows->latest) latest[e.agent] = &e;
  snap.agents.reserve(rows->sessions.size());
  for (const auto& s : rows->sessions) {
    SwarmAgent a;
    a.name = escape_control(s.name);
    a.capability = escape_control(s.capability);
    a.state = s.state;
    a.stop_requested = s.stop_requested;
    a.paused = s.paused_at.has_value();
    a.waiting = waiting.count(s.name) > 0;
    h.turns_running += s.state == SessionState::in_turn;
    std::int64_t started = 0;
    if (auto c = rows->costs.find(s.name); c != rows->costs.end()) {
      started = c->second.turns;
      a.priced_turns = c->second.priced;
      a.cost_usd = c->second.cost_usd;
      a.input_tokens = c->second.input_tokens;
      a.output_tokens = c->second.output_tokens;
    }
    auto run = s.current_turn ? rows->running.find(*s.current_turn) : rows->running.end();
    if (run != rows->running.end()) {
      a.turn_running = true;
      // Own turn numbers count started turns (with a pid); the running one is the newest.
      a.turn = run->second.pid ? started : started + 1;
      a.age = swarm_age(run->second.started_at, now);
    } else {
      if (started > 0) a.turn = started;
      a.age = swarm_age(s.last_activity, now);
    }
    if (auto u = rows->unread.find(s.name); u != rows->unread.end()) a.unread = u->second;
    if (auto e = latest.find(s.name); e != latest.end()) {
      EventLine l;
      l.kind = e->second->kind;
      l.level = e->second->level;
      a.last_event = std::move(l);
      a.last_event_json = e->second->data;  // parsed only if its row is drawn
    }
    snap.agents.push_back(std::move(a));
  }
  std::sort(snap.agents.begin(), snap.agents.end(),
            [](const SwarmAgent& x, const SwarmAgent& y) { return x.name < y.name; });
  return snap;
}

}  // namespace drover::cli
