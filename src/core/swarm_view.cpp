#include "core/swarm_view.h"

#include "core/table.h"

#include <algorithm>
#include <cctype>
#include <map>

namespace drover {

namespace {

// Fixed column widths; the name, capability and last activity columns are sized to fit.
constexpr std::size_t kSwStateW = 13;   // "between_turns"
constexpr std::size_t kSwTurnW = 9;     // "#12 2h5m"
constexpr std::size_t kSwCostW = 8;     // "$1,204.50" is cut; "$0.0017" fits
constexpr std::size_t kSwTokensW = 11;  // "12.4k/3.1k"
constexpr std::size_t kSwMailW = 4;
constexpr std::size_t kSwMinActivity = 20;

struct SwarmColumns {
  std::size_t name = 4, capability = 3, activity = 0;
  bool show_capability = true, show_turn = true, show_cost = true, show_tokens = true,
       show_mail = true;
};

std::string swarm_pad(const std::string& s, std::size_t w) {
  std::string out = fit_columns(s, w);
  std::size_t cols = display_columns(out);
  if (cols < w) out.append(w - cols, ' ');
  return out;
}

std::string swarm_pad_left(const std::string& s, std::size_t w) {
  std::string out = fit_columns(s, w);
  std::size_t cols = display_columns(out);
  if (cols < w) out.insert(0, w - cols, ' ');
  return out;
}

std::string swarm_lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

SwarmColumns plan_swarm_columns(const SwarmSnapshot& s, const std::vector<std::size_t>& rows,
                                std::size_t width) {
  SwarmColumns c;
  for (auto i : rows) {
    c.name = std::max(c.name, display_columns(s.agents[i].name));
    c.capability = std::max(c.capability, display_columns(s.agents[i].capability));
  }
  c.name = std::min(c.name, width >= 120 ? std::size_t{32} : std::size_t{16});
  c.capability = std::min(c.capability, std::size_t{12});
  auto used = [&] {
    std::size_t u = 1 + c.name + 1 + kSwStateW + 1;
    if (c.show_capability) u += c.capability + 1;
    if (c.show_turn) u += kSwTurnW + 1;
    if (c.show_cost) u += kSwCostW + 1;
    if (c.show_tokens) u += kSwTokensW + 1;
    if (c.show_mail) u += kSwMailW + 1;
    return u;
  };
  bool* drops[] = {&c.show_tokens, &c.show_capability, &c.show_mail, &c.show_turn, &c.show_cost};
  for (bool* d : drops) {
    if (width >= used() + kSwMinActivity) break;
    *d = false;
  }
  c.activity = width > used() ? width - used() : 0;
  return c;
}

Paint swarm_state_paint(SessionState st) {
  switch (st) {
    case SessionState::in_turn:
    case SessionState::booting: return Paint::busy;
    case SessionState::between_turns: return Paint::idle;
    case SessionState::completed: return Paint::good;
    case SessionState::stopped: return Paint::dim;
    case SessionState::zombie:
    case SessionState::failed:
    case SessionState::stale: return Paint::bad;
  }
  return Paint::normal;
}

std::string swarm_activity_text(const SwarmAgent& a, std::size_t width) {
  if (!a.last_event || width == 0) return "";
  EventLine e = *a.last_event;
  if (!a.last_event_json.empty()) {
    e.data = nlohmann::json::parse(a.last_event_json, nullptr, false);
    if (e.data.is_discarded()) e.data = a.last_event_json;
  }
  e.time.clear();
  e.agent.clear();
  e.turn.reset();
  // With no time and no agent the renderer starts with two blanks: give it their room.
  std::string line = render_event_line(e, LineStyle{width + 2, false});
  line.erase(0, line.find_first_not_of(' ') == std::string::npos ? line.size()
                                                                 : line.find_first_not_of(' '));
  return line;
}

ScreenLine swarm_agent_row(const SwarmAgent& a, const SwarmColumns& c) {
  ScreenLine l;
  auto add = [&](std::string text, Paint p) { l.spans.push_back({std::move(text), p}); };
  add(" ", Paint::normal);
  add(swarm_pad(a.name, c.name) + " ", Paint::bold);
  if (c.show_capability) add(swarm_pad(a.capability, c.capability) + " ", Paint::normal);
  std::string state(to_string(a.state));
  Paint state_paint = swarm_state_paint(a.state);
  if (a.paused && !is_terminal(a.state)) {
    state = a.state == SessionState::in_turn ? "pausing" : "paused";  // its turn finishes
    state_paint = Paint::warn;
  }
  if (a.waiting && a.state != SessionState::in_turn && !is_terminal(a.state)) {
    state = a.paused ? "paused" : "waiting";  // for a decision (drover decide)
    state_paint = Paint::warn;
  }
  if (a.stop_requested && !is_terminal(a.state)) state = "stopping";
  add(swarm_pad(state, kSwStateW) + " ", state_paint);
  if (c.show_turn) {
    std::string t = a.turn ? "#" + std::to_string(*a.turn) : "-";
    if (a.age) t += " " + format_age(*a.age);
    add(swarm_pad(t, kSwTurnW) + " ", a.turn_running ? Paint::normal : Paint::dim);
  }
  if (c.show_cost)
    add(swarm_pad_left(a.priced_turns > 0 ? format_usd(a.cost_usd) : "-", kSwCostW) + " ",
        Paint::normal);
  if (c.show_tokens) {
    std::string t = a.input_tokens + a.output_tokens > 0
                        ? format_count(a.input_tokens) + "/" + format_count(a.output_tokens)
                        : "-";
    add(swarm_pad_left(t, kSwTokensW) + " ", Paint::dim);
  }
  if (c.show_mail)
    add(swarm_pad_left(a.unread > 0 ? std::to_string(a.unread) : "", kSwMailW) + " ",
        a.unread > 0 ? Paint::warn : Paint::normal);
  if (c.activity > 0) {
    Paint p = Paint::normal;
    if (a.last_event && a.last_event->level == "error") p = Paint::bad;
    else if (a.last_event && a.last_event->level == "warn") p = Paint::warn;
    add(swarm_pad(swarm_activity_text(a, c.activity), c.activity), p);
  }
  return l;
}

ScreenLine swarm_column_titles(const SwarmColumns& c) {
  std::string t = " " + swarm_pad("NAME", c.name) + " ";
  if (c.show_capability)
    t += swarm_pad(c.capability >= 10 ? "CAPABILITY" : "CAP", c.capability) + " ";
  t += swarm_pad("STATE", kSwStateW) + " ";
  if (c.show_turn) t += swarm_pad("TURN", kSwTurnW) + " ";
  if (c.show_cost) t += swarm_pad_left("COST", kSwCostW) + " ";
  if (c.show_tokens) t += swarm_pad_left("TOKENS", kSwTokensW) + " ";
  if (c.show_mail) t += swarm_pad_left("MAIL", kSwMailW) + " ";
  if (c.activity > 0) t += swarm_pad("LAST ACTIVITY", c.activity);
  return ScreenLine{{{t, Paint::title}}, false};
}

ScreenLine view_text_line(const std::string& text, Paint p, std::size_t width) {
  return ScreenLine{{{fit_columns(text, width), p}}, false};
}

std::vector<ScreenLine> swarm_header_lines(const SwarmSnapshot& s, std::size_t width) {
  const SwarmHeader& h = s.header;
  std::vector<ScreenLine> out;
  std::string sup;
  if (h.supervisor_running) {
    sup = "supervisor";
    if (h.supervisor_pid) sup += " pid " + std::to_string(*h.supervisor_pid);
    if (h.supervisor_uptime) sup += ", up " + format_age(*h.supervisor_uptime);
  } else {
    sup = "supervisor not running ('drover up' starts it)";
  }
  std::string turns =
      " · turns " + std::to_string(h.turns_running) + "/" + std::to_string(h.max_turns);
  std::size_t clock_w = h.clock.empty() ? 0 : display_columns(h.clock) + 1;
  std::size_t room = width > clock_w + 9 ? width - clock_w - 9 : 0;
  std::string left = fit_columns(sup + turns, room);
  ScreenLine first{{{fit_columns("drover · ", width), Paint::title},
                    {left, h.supervisor_running ? Paint::normal : Paint::warn}},
                   false};
  std::size_t used = std::min<std::size_t>(width, 9) + display_columns(left);
  if (clock_w > 0 && width >= used + clock_w) {
    first.spans.push_back({std::string(width - used - clock_w + 1, ' '), Paint::normal});
    first.spans.push_back({h.clock, Paint::dim});
  }
  out.push_back(std::move(first));

  std::map<SessionState, int> by_state;
  for (const auto& a : s.agents) ++by_state[a.state];
  std::string agents;
  if (s.agents.empty()) {
    agents = "no agents yet (start one with 'drover sling <agent> \"<task>\"')";
  } else {
    agents = std::to_string(s.agents.size()) + (s.agents.size() == 1 ? " agent: " : " agents: ");
    bool first_state = true;
    for (auto st : kAllStates) {
      if (!by_state.count(st)) continue;
      agents += (first_state ? "" : ", ") + std::to_string(by_state[st]) + " " +
                std::string(to_string(st));
      first_state = false;
    }
  }
  out.push_back(view_text_line(agents, Paint::normal, width));
  std::string money = "cost today " + format_usd(h.cost_today) + " · total " +
                      format_usd(h.cost_total) +
                      " · operator mail: " + std::to_string(h.operator_unread) + " unread";
  out.push_back(view_text_line(money, h.operator_unread > 0 ? Paint::bold : Paint::normal, width));
  if (h.estop)
    out.push_back(
        view_text_line("E-STOP: paused all · no turn starts ('drover unpause --all' releases)",
                       Paint::bad, width));
  for (const auto& w : h.warnings) out.push_back(view_text_line("! " + w, Paint::bad, width));
  if (h.open_gates > 0)
    out.push_back(view_text_line("GATES: " + std::to_string(h.open_gates) +
                                     " open ('drover gates'; 'drover decide ID OPTION')",
                                 Paint::warn, width));
  for (const auto& g : h.gates) out.push_back(view_text_line("  " + g, Paint::warn, width));
  return out;
}

ScreenLine swarm_footer_line(const ViewState& v, std::size_t listed, std::size_t total,
                             std::size_t width) {
  switch (v.mode) {
    case ViewMode::filter:
      return view_text_line("filter: " + v.filter + "_   (Enter keeps it, Esc clears it)",
                            Paint::bold, width);
    case ViewMode::nudge: {
      std::string prompt = "nudge " + v.selected + ": ";
      std::string hint = "   (Enter sends, Esc cancels)";
      std::string typed = v.input + "_";
      // Keep the end of a long message in view.
      std::size_t room = width > display_columns(prompt) + display_columns(hint)
                             ? width - display_columns(prompt) - display_columns(hint)
                             : 1;
      while (display_columns(typed) > room && !typed.empty()) {
        std::size_t cut = 1;
        while (cut < typed.size() && (static_cast<unsigned char>(typed[cut]) & 0xC0) == 0x80) ++cut;
        typed.erase(0, cut);
      }
      return view_text_line(prompt + typed + hint, Paint::bold, width);
    }
    case ViewMode::confirm_stop:
      return view_text_line("stop " + v.selected + "? y/N", Paint::warn, width);
    case ViewMode::list:
    case ViewMode::log: break;
  }
  if (!v.notice.empty()) return view_text_line(v.notice, Paint::bold, width);
  std::string keys = "↑↓ select  ⏎ log  n nudge  s stop  p pause  / filter  q quit";
  if (!v.filter.empty())
    keys = "filter '" + v.filter + "': " + std::to_string(listed) + " of " + std::to_string(total) +
           " (Esc clears) · " + keys;
  else if (listed > v.page && v.page > 0)
    keys += " · " + std::to_string(v.top + 1) + "–" +
            std::to_string(std::min(listed, v.top + v.page)) + " of " + std::to_string(listed);
  return view_text_line(keys, Paint::dim, width);
}

}  // namespace

std::vector<std::size_t> filter_agents(const SwarmSnapshot& s, const std::string& filter) {
  std::vector<std::size_t> out;
  std::string f = swarm_lower(filter);
  for (std::size_t i = 0; i < s.agents.size(); ++i) {
    const auto& a = s.agents[i];
    if (f.empty() || swarm_lower(a.name).find(f) != std::string::npos ||
        swarm_lower(a.capability).find(f) != std::string::npos)
      out.push_back(i);
  }
  return out;
}

std::vector<ScreenLine> layout_swarm(const SwarmSnapshot& s, ViewState& v, std::size_t width,
                                     std::size_t height) {
  std::vector<std::size_t> rows = filter_agents(s, v.filter);
  v.shown.clear();
  for (auto i : rows) v.shown.push_back(s.agents[i].name);

  std::vector<ScreenLine> out = swarm_header_lines(s, width);
  SwarmColumns cols = plan_swarm_columns(s, rows, width);
  out.push_back(swarm_column_titles(cols));
  std::size_t fixed = out.size() + 1;  // + the footer
  v.page = height > fixed ? height - fixed : 1;
  keep_selection_visible(v);

  std::size_t list_rows = height > fixed ? height - fixed : 0;
  std::size_t first_blank = out.size() + list_rows;
  if (rows.empty() && list_rows > 0) {
    if (!v.filter.empty())
      out.push_back(view_text_line(" no agent matches '" + v.filter + "' (Esc clears the filter)",
                                   Paint::dim, width));
  }
  for (std::size_t r = 0; r < list_rows && v.top + r < rows.size(); ++r) {
    ScreenLine l = swarm_agent_row(s.agents[rows[v.top + r]], cols);
    l.selected = v.top + r == v.cursor;
    out.push_back(std::move(l));
  }
  while (out.size() < first_blank) out.push_back(ScreenLine{});
  out.push_back(swarm_footer_line(v, rows.size(), s.agents.size(), width));
  if (out.size() > height) {
    // A tiny terminal: the footer (what the keys do, the prompt) matters most.
    ScreenLine footer = out.back();
    out.resize(height);
    if (height > 0) out.back() = footer;
  }
  return out;
}

std::vector<ScreenLine> layout_log(const std::string& agent, const std::vector<std::string>& lines,
                                   ViewState& v, std::size_t width, std::size_t height) {
  std::vector<ScreenLine> out;
  if (height == 0) return out;
  std::size_t area = height - 1;
  v.page = std::max<std::size_t>(area, 1);
  std::size_t max_scroll = lines.size() > area ? lines.size() - area : 0;
  v.log_scroll = std::min(v.log_scroll, max_scroll);
  std::string title = "log " + agent;
  if (v.log_scroll > 0) title += " · " + std::to_string(v.log_scroll) + " lines back";
  title += " · ↑↓ PgUp PgDn scroll · Home oldest · End newest · q back";
  out.push_back(view_text_line(title, Paint::title, width));
  std::size_t end = lines.size() - v.log_scroll;
  std::size_t start = end > area ? end - area : 0;
  for (std::size_t i = start; i < end; ++i) {
    Paint p = Paint::normal;
    if (lines[i].find("  stderr │ ") == 0) p = Paint::dim;
    out.push_back(view_text_line(lines[i], p, width));
  }
  if (lines.empty()) out.push_back(view_text_line("no events yet", Paint::dim, width));
  while (out.size() < height) out.push_back(ScreenLine{});
  return out;
}

}  // namespace drover
