#include "core/event_line.h"

#include <doctest/doctest.h>

using namespace drover;

namespace {

EventLine ev(std::string kind, nlohmann::json data, std::string level = "info") {
  EventLine e;
  e.time = "14:02:13";
  e.agent = "alice";
  e.turn = 2;
  e.kind = std::move(kind);
  e.level = std::move(level);
  e.data = std::move(data);
  return e;
}

}  // namespace

TEST_CASE("event line: a tool call shows its name first, then its input") {
  auto e = ev("tool_start", {{"id", "toolu_01"}, {"input", "npm test"}, {"tool", "Bash"}});
  CHECK(render_event_line(e, {}) == "14:02:13 alice#2  tool   Bash  npm test");
}

TEST_CASE("event line: the width cuts the content, never the time, agent, marker or tool name") {
  auto e = ev("tool_start", {{"input", std::string(200, 'x')}, {"tool", "VeryLongToolName"}});
  std::string line = render_event_line(e, {60, false});
  CHECK(line == "14:02:13 alice#2  tool   VeryLongToolName  " + std::string(16, 'x') + "…");
  // Too narrow for any content: the fixed columns stay whole.
  CHECK(render_event_line(e, {10, false}) == "14:02:13 alice#2  tool   VeryLongToolName");
}

TEST_CASE("event line: a result gives its duration, cost in dollars and tokens") {
  auto e = ev("result", {{"is_error", false},
                         {"text", "All done"},
                         {"duration_ms", 41000},
                         {"cost_usd", 0.2312},
                         {"input_tokens", 12400},
                         {"output_tokens", 3100}});
  CHECK(render_event_line(e, {}) ==
        "14:02:13 alice#2  result done in 41 s · $0.23 · 12.4k in / 3.1k out");
  auto bad = ev("result", {{"is_error", true}, {"text", "Not logged in\nmore"}}, "warn");
  CHECK(render_event_line(bad, {}) == "14:02:13 alice#2  result error: Not logged in…");
}

TEST_CASE("event line: turn start and end, text, tool results, other kinds by level") {
  CHECK(render_event_line(ev("turn_start", {{"mail", 2}, {"resume_id", nullptr}}), {}) ==
        "14:02:13 alice#2  start  turn started · 2 messages · fresh session");
  CHECK(render_event_line(ev("turn_end", {{"outcome", "completed"}, {"duration_ms", 850}}), {}) ==
        "14:02:13 alice#2  end    turn completed after 850 ms");
  CHECK(render_event_line(ev("assistant_text", {{"text", "Looking\nat it"}}), {}) ==
        "14:02:13 alice#2  text   Looking…");
  CHECK(render_event_line(ev("tool_end", {{"is_error", true}, {"text", "exit 1"}}), {}) ==
        "14:02:13 alice#2  err    exit 1");
  CHECK(render_event_line(ev("stalled", {{"reason", "no output for 10m"}}, "error"), {}) ==
        "14:02:13 alice#2  ERROR  stalled  reason=no output for 10m");
}

TEST_CASE("event line: agent text cannot carry terminal escapes, colour only when asked") {
  auto e = ev("assistant_text", {{"text", "hi \x1b[2J there"}});
  std::string plain = render_event_line(e, {});
  CHECK(plain.find('\x1b') == std::string::npos);
  CHECK(plain.find("\\x1b[2J") != std::string::npos);
  std::string coloured = render_event_line(e, {0, true});
  CHECK(coloured.find("\x1b[") != std::string::npos);
  CHECK(coloured.find("\x1b[2J") == std::string::npos);
}

TEST_CASE("event line: figures read as people write them") {
  CHECK(format_usd(0.0016560000000000001) == "$0.0017");
  CHECK(format_usd(0.23) == "$0.23");
  CHECK(format_usd(1204.5) == "$1,204.50");
  CHECK(format_usd(1234567) == "$1,234,567.00");
  CHECK(format_usd(999.999) == "$1,000.00");
  CHECK(format_usd(12.5) == "$12.50");
  CHECK(format_usd(0) == "$0");
  CHECK(format_count(950) == "950");
  CHECK(format_count(12400) == "12.4k");
  CHECK(format_count(3'100'000) == "3.1M");
  CHECK(format_elapsed(850) == "850 ms");
  CHECK(format_elapsed(41'000) == "41 s");
  CHECK(format_elapsed(123'000) == "2 m 03 s");
  CHECK(format_elapsed(3'720'000) == "1 h 02 m");
}

TEST_CASE("event line: a turn's stderr tail, last lines only, partial first line dropped") {
  CHECK(render_stderr_tail("one\n\ntwo\nthree\n", false, 2, {}) ==
        std::vector<std::string>{"  stderr │ two", "  stderr │ three"});
  CHECK(render_stderr_tail("tial line\nwhole\n", true, 5, {}) ==
        std::vector<std::string>{"  stderr │ whole"});
  CHECK(render_stderr_tail("", false, 3, {}).empty());
  auto esc = render_stderr_tail("bad \x1b[31m red", false, 3, {});
  REQUIRE(esc.size() == 1);
  CHECK(esc[0] == "  stderr │ bad \\x1b[31m red");
  auto cut = render_stderr_tail(std::string(50, 'e'), false, 1, {20, false});
  REQUIRE(cut.size() == 1);
  CHECK(cut[0] == "  stderr │ " + std::string(8, 'e') + "…");
}

TEST_CASE("event line: live input names the mail written into the turn, an interrupted answer") {
  CHECK(render_event_line(ev("live_input", {{"mail", {12}}, {"interrupt", false}}), {}) ==
        "14:02:13 alice#2  input  mail #12 written into the running turn");
  CHECK(render_event_line(ev("live_input", {{"mail", {12, 13}}, {"interrupt", true}}), {}) ==
        "14:02:13 alice#2  input  interrupt, then mail #12, #13 written into the running turn");
  auto cut =
      ev("result", {{"is_error", true}, {"interrupted", true}, {"duration_ms", 613}}, "warn");
  CHECK(render_event_line(cut, {}) == "14:02:13 alice#2  result interrupted in 613 ms");
}
