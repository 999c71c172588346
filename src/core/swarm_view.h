#pragma once
// The live view of the swarm (`drover status --watch`, `drover top`; issue 16): the lines
// of one frame, from a snapshot of the database, for a terminal of a given size. Pure: the
// terminal code (os/terminal_screen.h) paints the lines; cli/swarm_read.h fills the
// snapshot.
//
//   drover · supervisor pid 4242, up 3m · turns 2/8                         14:02:13
//   5 agents: 2 in_turn, 1 between_turns, 2 completed
//   cost today $0.42 · total $1.20 · operator mail: 3 unread
//    NAME   CAP      STATE          TURN     COST   MAIL  LAST ACTIVITY
//    alice  builder  in_turn        #3 42s   $0.23     1  tool   Bash  npm test
//   ↑↓ select  ⏎ log  n nudge  s stop  p pause  / filter  q quit
//
// The rows fit the width by dropping columns (tokens, then capability, mail, turn, cost)
// and cutting the last activity; the name and the state are always shown.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/duration.h"
#include "core/event_line.h"
#include "core/live_view_keys.h"
#include "core/session_state.h"

namespace drover {

// One agent as the view shows it.
struct SwarmAgent {
  std::string name;
  std::string capability;
  SessionState state = SessionState::booting;
  bool stop_requested = false;
  bool paused = false;   // core/pause.h: no new turn (shown "paused", or "pausing" in a turn)
  bool waiting = false;  // an open approval gate (core/gate.h): shown "waiting" between turns
  bool turn_running = false;
  std::optional<std::int64_t> turn;     // its own number of the running turn, else its last
  std::optional<Millis> age;            // since the running turn started, else last activity
  std::optional<EventLine> last_event;  // its newest event (time, agent and turn unused)
  // When set, last_event's data as stored (JSON text), parsed by the layout for the rows on
  // the screen only: with 1,000 agents most rows are never drawn.
  std::string last_event_json;
  std::int64_t priced_turns = 0;  // turns that reported a cost
  double cost_usd = 0;
  std::int64_t input_tokens = 0;
  std::int64_t output_tokens = 0;
  int unread = 0;  // unread mail addressed to it
};

struct SwarmHeader {
  std::string clock;  // the local time of the snapshot, "14:02:13"
  bool supervisor_running = false;
  std::optional<std::int64_t> supervisor_pid;
  std::optional<Millis> supervisor_uptime;
  int turns_running = 0;
  int max_turns = 0;
  double cost_today = 0;  // turns started since local midnight
  double cost_total = 0;
  int operator_unread = 0;
  bool estop = false;                 // `pause --all`: "E-STOP: paused all"
  std::vector<std::string> warnings;  // one line each: deferred starts, a bad config.toml
  std::vector<std::string> gates;     // one line per open approval gate (the first few)
  int open_gates = 0;
};

struct SwarmSnapshot {
  SwarmHeader header;
  std::vector<SwarmAgent> agents;  // in name order
};

// How a span is painted; the terminal maps these to its colours and attributes.
enum class Paint { normal, dim, bold, title, warn, bad, good, busy, idle };

struct Span {
  std::string text;
  Paint paint = Paint::normal;
};

struct ScreenLine {
  std::vector<Span> spans;  // at most the frame's width in columns, together
  bool selected = false;    // shown in reverse video
};

// Indices of the agents whose name or capability contains `filter` (ASCII
// case-insensitive); every agent for an empty filter.
std::vector<std::size_t> filter_agents(const SwarmSnapshot& s, const std::string& filter);

// The list frame: exactly `height` lines (fewer when height is tiny), each at most `width`
// columns. Sets v.shown and v.page and keeps the selection visible (live_view_keys.h).
std::vector<ScreenLine> layout_swarm(const SwarmSnapshot& s, ViewState& v, std::size_t width,
                                     std::size_t height);

// The log frame of `agent`: a title line, then the newest of `lines` at the bottom,
// v.log_scroll lines back (clamped here to what there is). Sets v.page.
std::vector<ScreenLine> layout_log(const std::string& agent, const std::vector<std::string>& lines,
                                   ViewState& v, std::size_t width, std::size_t height);

}  // namespace drover
