// The live view's frame (core/swarm_view.h): what fits in 80×24 and wider, the header,
// selection, filter and the log frame.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "core/swarm_view.h"
#include "core/table.h"

using namespace drover;

namespace {

SwarmAgent swarm_agent(const std::string& name, const std::string& cap, SessionState st) {
  SwarmAgent a;
  a.name = name;
  a.capability = cap;
  a.state = st;
  return a;
}

SwarmSnapshot demo_swarm() {
  SwarmSnapshot s;
  s.header.clock = "14:02:13";
  s.header.supervisor_running = true;
  s.header.supervisor_pid = 4242;
  s.header.supervisor_uptime = Millis(180'000);
  s.header.turns_running = 1;
  s.header.max_turns = 8;
  s.header.cost_today = 0.42;
  s.header.cost_total = 1.2;
  s.header.operator_unread = 3;
  auto alice = swarm_agent("alice", "builder", SessionState::in_turn);
  alice.turn_running = true;
  alice.turn = 3;
  alice.age = Millis(42'000);
  alice.priced_turns = 2;
  alice.cost_usd = 0.23;
  alice.input_tokens = 12'400;
  alice.output_tokens = 3'100;
  alice.unread = 1;
  EventLine e;
  e.kind = "tool_start";
  e.data = {{"tool", "Bash"}, {"input", "npm test -- --watch=false --reporter=dot --bail"}};
  alice.last_event = e;
  auto bob = swarm_agent("bob", "scout", SessionState::between_turns);
  bob.turn = 1;
  bob.age = Millis(300'000);
  auto carol = swarm_agent("carol", "reviewer", SessionState::failed);
  EventLine err;
  err.kind = "turn_end";
  err.level = "error";
  err.data = {{"outcome", "failed"}, {"reason", "Not logged in"}};
  carol.last_event = err;
  carol.last_event->data = nullptr;  // as read from the store: the JSON text, parsed when drawn
  carol.last_event_json = R"({"outcome":"failed","reason":"Not logged in"})";
  s.agents = {alice, bob, carol};
  return s;
}

std::string line_text(const ScreenLine& l) {
  std::string out;
  for (const auto& s : l.spans) out += s.text;
  return out;
}

std::string frame_text(const std::vector<ScreenLine>& lines) {
  std::string out;
  for (const auto& l : lines) out += line_text(l) + "\n";
  return out;
}

bool frame_has(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// The line listing `name` (its row), or "".
std::string frame_row(const std::vector<ScreenLine>& lines, const std::string& name) {
  for (const auto& l : lines) {
    std::string t = line_text(l);
    if (t.rfind(" " + name + " ", 0) == 0) return t;
  }
  return "";
}

}  // namespace

TEST_CASE("swarm view: an 80x24 frame has 24 lines of at most 80 columns") {
  SwarmSnapshot s = demo_swarm();
  ViewState v;
  auto lines = layout_swarm(s, v, 80, 24);
  REQUIRE(lines.size() == 24);
  for (const auto& l : lines) CHECK(display_columns(line_text(l)) <= 80);
  std::string all = frame_text(lines);
  CHECK(frame_has(line_text(lines[0]), "supervisor pid 4242, up 3m · turns 1/8"));
  CHECK(frame_has(line_text(lines[0]), "14:02:13"));
  CHECK(frame_has(all, "3 agents: 1 in_turn, 1 between_turns, 1 failed"));
  CHECK(frame_has(all, "cost today $0.42 · total $1.20 · operator mail: 3 unread"));
  // Name, state, turn and age, cost and mail fit; the tool name is never cut.
  std::string alice = frame_row(lines, "alice");
  CHECK(frame_has(alice, "in_turn"));
  CHECK(frame_has(alice, "#3 42s"));
  CHECK(frame_has(alice, "$0.23"));
  CHECK(frame_has(alice, "tool   Bash  npm test"));
  CHECK(frame_has(alice, "…"));
  CHECK(!frame_has(alice, "12.4k/3.1k"));  // tokens are the first column to go
  CHECK(frame_has(frame_row(lines, "carol"), "end    turn failed: Not"));
  CHECK(frame_has(line_text(lines.back()), "q quit"));
}

TEST_CASE("swarm view: a wide frame shows every column") {
  SwarmSnapshot s = demo_swarm();
  ViewState v;
  auto lines = layout_swarm(s, v, 200, 50);
  REQUIRE(lines.size() == 50);
  std::string all = frame_text(lines);
  CHECK(frame_has(all, "CAPABILITY") == false);  // the capabilities are short: "CAP" is enough
  CHECK(frame_has(all, "TOKENS"));
  std::string alice = frame_row(lines, "alice");
  CHECK(frame_has(alice, "builder"));
  CHECK(frame_has(alice, "12.4k/3.1k"));
  CHECK(frame_has(alice, "npm test -- --watch=false --reporter=dot --bail"));
  CHECK(!frame_has(alice, "…"));
}

TEST_CASE("swarm view: a very narrow frame still shows every name and state") {
  SwarmSnapshot s = demo_swarm();
  ViewState v;
  auto lines = layout_swarm(s, v, 40, 12);
  REQUIRE(lines.size() == 12);
  for (const auto& l : lines) CHECK(display_columns(line_text(l)) <= 40);
  CHECK(frame_has(frame_row(lines, "alice"), "in_turn"));
  CHECK(frame_has(frame_row(lines, "bob"), "between_turns"));
  CHECK(frame_has(frame_row(lines, "carol"), "failed"));
}

TEST_CASE("swarm view: states are painted by kind, the selected row is marked") {
  SwarmSnapshot s = demo_swarm();
  ViewState v;
  auto lines = layout_swarm(s, v, 80, 24);
  auto paint_of = [&](const std::string& name, const std::string& state) {
    for (const auto& l : lines) {
      if (line_text(l).rfind(" " + name + " ", 0) != 0) continue;
      for (const auto& sp : l.spans)
        if (sp.text.rfind(state, 0) == 0) return sp.paint;
    }
    FAIL("no span " << state << " in the row of " << name);
    return Paint::normal;
  };
  CHECK(paint_of("alice", "in_turn") == Paint::busy);
  CHECK(paint_of("bob", "between_turns") == Paint::idle);
  CHECK(paint_of("carol", "failed") == Paint::bad);
  // Nothing chosen yet: the first agent is selected.
  CHECK(v.selected == "alice");
  int selected = 0;
  for (const auto& l : lines) selected += l.selected;
  CHECK(selected == 1);
}

TEST_CASE("swarm view: the header shows a stopped supervisor and its warnings") {
  SwarmSnapshot s;
  s.header.max_turns = 4;
  s.header.warnings = {"config error: config.toml:3:1: bad key"};
  ViewState v;
  auto lines = layout_swarm(s, v, 80, 24);
  std::string all = frame_text(lines);
  CHECK(frame_has(all, "supervisor not running ('drover up' starts it) · turns 0/4"));
  CHECK(frame_has(all, "no agents yet"));
  CHECK(frame_has(all, "! config error: config.toml:3:1: bad key"));
  bool painted_bad = false;
  for (const auto& l : lines)
    if (frame_has(line_text(l), "config error")) painted_bad = l.spans[0].paint == Paint::bad;
  CHECK(painted_bad);
}

TEST_CASE("swarm view: the filter keeps matching names and capabilities") {
  SwarmSnapshot s = demo_swarm();
  CHECK(filter_agents(s, "").size() == 3);
  CHECK(filter_agents(s, "BO") == std::vector<std::size_t>{1});  // bob, case-insensitive
  CHECK(filter_agents(s, "build") == std::vector<std::size_t>{0});
  ViewState v;
  v.filter = "zzz";
  auto lines = layout_swarm(s, v, 80, 24);
  std::string all = frame_text(lines);
  CHECK(frame_has(all, "no agent matches 'zzz'"));
  CHECK(frame_has(line_text(lines.back()), "filter 'zzz': 0 of 3"));
  CHECK(v.shown.empty());
}

TEST_CASE("swarm view: with more agents than rows the selection stays on screen") {
  SwarmSnapshot s;
  for (int i = 0; i < 100; ++i) {
    char name[16];
    std::snprintf(name, sizeof name, "a%03d", i);
    s.agents.push_back(swarm_agent(name, "builder", SessionState::between_turns));
  }
  ViewState v;
  auto lines = layout_swarm(s, v, 80, 24);
  CHECK(v.page == 19);  // 24 - 3 header - titles - footer
  CHECK(frame_has(line_text(lines.back()), "1–19 of 100"));
  for (int i = 0; i < 30; ++i) press_key(v, {ViewKey::down, ""});
  lines = layout_swarm(s, v, 80, 24);
  CHECK(v.selected == "a030");
  CHECK(!frame_row(lines, "a030").empty());
  CHECK(frame_row(lines, "a000").empty());
  press_key(v, {ViewKey::end, ""});
  lines = layout_swarm(s, v, 80, 24);
  CHECK(v.selected == "a099");
  CHECK(!frame_row(lines, "a099").empty());
  CHECK(frame_has(line_text(lines.back()), "82–100 of 100"));
}

TEST_CASE("swarm view: the selection follows its agent, else keeps its place") {
  SwarmSnapshot s = demo_swarm();
  ViewState v;
  layout_swarm(s, v, 80, 24);
  press_key(v, {ViewKey::down, ""});
  CHECK(v.selected == "bob");
  // A new agent sorted before bob: the selection stays on bob.
  s.agents.insert(s.agents.begin(), swarm_agent("aaron", "scout", SessionState::booting));
  layout_swarm(s, v, 80, 24);
  CHECK(v.selected == "bob");
  // bob goes (cleaned): the row at its place is selected.
  s.agents.erase(s.agents.begin() + 2);
  layout_swarm(s, v, 80, 24);
  CHECK(v.selected == "carol");
}

TEST_CASE("swarm view: the footer prompts for a nudge, a stop and a filter") {
  SwarmSnapshot s = demo_swarm();
  ViewState v;
  layout_swarm(s, v, 80, 24);
  press_key(v, {ViewKey::text, "n"});
  press_key(v, {ViewKey::text, "h"});
  press_key(v, {ViewKey::text, "i"});
  CHECK(frame_has(line_text(layout_swarm(s, v, 80, 24).back()), "nudge alice: hi_"));
  press_key(v, {ViewKey::escape, ""});
  press_key(v, {ViewKey::text, "s"});
  CHECK(line_text(layout_swarm(s, v, 80, 24).back()) == "stop alice? y/N");
  press_key(v, {ViewKey::text, "n"});
  CHECK(line_text(layout_swarm(s, v, 80, 24).back()) == "not stopped");
  press_key(v, {ViewKey::text, "/"});
  press_key(v, {ViewKey::text, "c"});
  CHECK(frame_has(line_text(layout_swarm(s, v, 80, 24).back()), "filter: c_"));
}

TEST_CASE("swarm view: the log frame keeps the newest line at the bottom and scrolls back") {
  std::vector<std::string> lines;
  for (int i = 1; i <= 50; ++i) lines.push_back("line " + std::to_string(i));
  ViewState v;
  v.mode = ViewMode::log;
  auto f = layout_log("alice", lines, v, 80, 10);
  REQUIRE(f.size() == 10);
  CHECK(frame_has(line_text(f[0]), "log alice"));
  CHECK(line_text(f[1]) == "line 42");
  CHECK(line_text(f[9]) == "line 50");
  press_key(v, {ViewKey::page_up, ""});
  f = layout_log("alice", lines, v, 80, 10);
  CHECK(line_text(f[9]) == "line 41");
  CHECK(frame_has(line_text(f[0]), "9 lines back"));
  press_key(v, {ViewKey::home, ""});
  f = layout_log("alice", lines, v, 80, 10);
  CHECK(line_text(f[1]) == "line 1");
  CHECK(v.log_scroll == 41);
  press_key(v, {ViewKey::end, ""});
  f = layout_log("alice", lines, v, 80, 10);
  CHECK(line_text(f[9]) == "line 50");
  // A short log starts at the top.
  f = layout_log("bob", {"only"}, v, 80, 10);
  CHECK(line_text(f[1]) == "only");
  f = layout_log("bob", {}, v, 80, 10);
  CHECK(line_text(f[1]) == "no events yet");
}

TEST_CASE("swarm view: fit_columns counts code points and cuts with an ellipsis") {
  CHECK(display_columns("a·b…") == 4);
  CHECK(fit_columns("abcdef", 6) == "abcdef");
  CHECK(fit_columns("abcdef", 4) == "abc…");
  CHECK(fit_columns("··········", 3) == "··…");
  CHECK(fit_columns("abc", 0).empty());
}

TEST_CASE("swarm view: a paused agent reads paused (pausing in a turn), the E-stop heads it") {
  SwarmSnapshot s = demo_swarm();
  s.agents[0].paused = true;  // alice, in a turn that finishes normally
  s.agents[1].paused = true;  // bob, between turns
  s.agents[2].paused = true;  // carol failed: a pause of a finished agent is not shown
  ViewState v;
  auto lines = layout_swarm(s, v, 120, 24);
  CHECK(frame_has(frame_row(lines, "alice"), " pausing "));
  CHECK(frame_has(frame_row(lines, "bob"), " paused "));
  CHECK(frame_has(frame_row(lines, "carol"), " failed "));
  CHECK_FALSE(frame_has(frame_text(lines), "E-STOP"));
  s.header.estop = true;
  lines = layout_swarm(s, v, 120, 24);
  CHECK(frame_has(frame_text(lines), "E-STOP: paused all"));
  CHECK(lines.size() == 24);
}

TEST_CASE("swarm view: an agent with an open gate reads waiting between turns, GATES heads it") {
  SwarmSnapshot s = demo_swarm();
  s.agents[0].waiting = true;  // alice, still in the turn that asked
  s.agents[1].waiting = true;  // bob, between turns
  ViewState v;
  auto lines = layout_swarm(s, v, 120, 24);
  CHECK_FALSE(frame_has(frame_row(lines, "alice"), " waiting "));
  CHECK(frame_has(frame_row(lines, "bob"), " waiting "));
  CHECK_FALSE(frame_has(frame_text(lines), "GATES:"));
  s.header.open_gates = 1;
  s.header.gates = {"bob: gate #7 asks operator (yes|no, 1m ago): Ship it?"};
  lines = layout_swarm(s, v, 120, 24);
  CHECK(frame_has(frame_text(lines), "GATES: 1 open"));
  CHECK(frame_has(frame_text(lines), "gate #7 asks operator"));
  CHECK(lines.size() == 24);
}
