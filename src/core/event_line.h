#pragma once
// One event of an agent's timeline as one terminal line (issue 16): the one renderer behind
// `log`, `log --follow`, the `--wait` progress and `drover turn`. Pure.
//
//   14:02:13 alice#2  tool   Bash  npm test
//   14:02:20 alice#2  result done in 41 s · $0.23 · 12.4k in / 3.1k out
//
// Columns: local time, agent#turn (the agent's own turn number), a kind marker padded to
// six columns (start, text, tool, ok, err, result, end, init, note, warn, ERROR), then the
// content. When a width is given the content is cut to fit (with
// "…"); the time, the agent, the marker and a tool's name are never cut.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace drover {

struct EventLine {
  std::string time;                  // as shown, e.g. "14:02:13" (the caller's local time)
  std::string agent;                 // empty: not shown
  std::optional<std::int64_t> turn;  // the agent's own turn number (1, 2, 3…)
  std::string kind;                  // the events-table kind (tool_start, result, …)
  std::string level = "info";        // debug|info|warn|error
  nlohmann::json data;               // the event's data (an object; anything else is shown raw)
};

struct LineStyle {
  std::size_t width = 0;  // terminal columns; 0: no limit
  bool color = false;     // ANSI colours (a terminal, and no NO_COLOR / --no-color)
};

std::string render_event_line(const EventLine& e, const LineStyle& style);

// "$0.23", "$1,204.50"; below a cent four decimals: "$0.0017"; "$0" for zero.
std::string format_usd(double usd);
// 950, 12.4k, 3.1M.
std::string format_count(std::int64_t n);
// 850 ms, 41 s, 2 m 03 s, 1 h 02 m.
std::string format_elapsed(std::int64_t ms);

}  // namespace drover
