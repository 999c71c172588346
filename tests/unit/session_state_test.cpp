#include <doctest/doctest.h>

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/session_state.h"

using namespace drover;

namespace {

// The transition table of SPEC §3, written out by hand, independently of
// core/session_state.cpp. Rows are states, columns events; "-" = illegal.
constexpr const char* kEventColumns[] = {"turn_started",     "turn_waiting",   "turn_failed",
                                         "turn_interrupted", "turn_completed", "turn_zombie",
                                         "turn_fatal",       "stop",           "spawn_failed",
                                         "went_stale",       "resume"};

struct Row {
  const char* state;
  const char* to[11];
};

// clang-format off
constexpr Row kExpected[] = {
  //                  turn_started  turn_waiting     turn_failed      turn_interrupted turn_completed turn_zombie turn_fatal stop       spawn_failed went_stale resume
  {"booting",       {"in_turn",     "-",             "-",             "-",             "-",           "-",        "-",        "stopped", "failed",    "stale",   "-"}},
  {"in_turn",       {"-",           "between_turns", "between_turns", "between_turns", "completed",   "zombie",   "failed",   "stopped", "-",         "stale",   "-"}},
  {"between_turns", {"in_turn",     "-",             "-",             "-",             "-",           "-",        "-",        "stopped", "failed",    "stale",   "-"}},
  {"completed",     {"-",           "-",             "-",             "-",             "-",           "-",        "-",        "-",       "-",         "-",       "between_turns"}},
  {"stopped",       {"-",           "-",             "-",             "-",             "-",           "-",        "-",        "-",       "-",         "-",       "between_turns"}},
  {"zombie",        {"-",           "-",             "-",             "-",             "-",           "-",        "-",        "-",       "-",         "-",       "between_turns"}},
  {"failed",        {"-",           "-",             "-",             "-",             "-",           "-",        "-",        "-",       "-",         "-",       "between_turns"}},
  {"stale",         {"-",           "-",             "-",             "-",             "-",           "-",        "-",        "-",       "-",         "-",       "between_turns"}},
};
// clang-format on

const std::set<std::string> kTerminal = {"completed", "stopped", "zombie", "failed", "stale"};

SessionState state_named(std::string_view name) {
  auto s = parse_state(name);
  REQUIRE(s.has_value());
  return *s;
}

SessionEvent event_named(std::string_view name) {
  for (auto e : kAllEvents)
    if (to_string(e) == name) return e;
  FAIL("no event named " << name);
  return SessionEvent::resume;
}

}  // namespace

TEST_CASE("session state: the lists cover every state and event exactly once") {
  std::set<std::string> states, events;
  for (auto s : kAllStates) states.insert(std::string(to_string(s)));
  for (auto e : kAllEvents) events.insert(std::string(to_string(e)));
  CHECK(states.size() == std::size(kAllStates));
  CHECK(events.size() == std::size(kAllEvents));
  CHECK(std::size(kAllStates) == std::size(kExpected));
  CHECK(std::size(kAllEvents) == std::size(kEventColumns));
  for (const auto& row : kExpected) CHECK(states.count(row.state) == 1);
  for (const char* name : kEventColumns) CHECK(events.count(name) == 1);
  CHECK_FALSE(states.count("unknown"));
  CHECK_FALSE(events.count("unknown"));
}

TEST_CASE("session state: every cell of the transition table") {
  int cells = 0, legal = 0;
  for (const auto& row : kExpected) {
    const SessionState from = state_named(row.state);
    for (std::size_t col = 0; col < std::size(kEventColumns); ++col) {
      const SessionEvent event = event_named(kEventColumns[col]);
      const std::string want = row.to[col];
      CAPTURE(row.state);
      CAPTURE(kEventColumns[col]);
      auto got = transition(from, event);
      if (want == "-") {
        CHECK_FALSE(got.has_value());
      } else {
        REQUIRE(got.has_value());
        CHECK(to_string(*got) == want);
        ++legal;
      }
      ++cells;
    }
  }
  CHECK(cells == 88);
  CHECK(legal == 21);
}

TEST_CASE("session state: the terminal set") {
  for (auto s : kAllStates) {
    CAPTURE(to_string(s));
    CHECK(is_terminal(s) == (kTerminal.count(std::string(to_string(s))) == 1));
  }
  CHECK(is_terminal(SessionState::completed));
  CHECK(is_terminal(SessionState::stale));
  CHECK_FALSE(is_terminal(SessionState::booting));
  CHECK_FALSE(is_terminal(SessionState::in_turn));
  CHECK_FALSE(is_terminal(SessionState::between_turns));
}

TEST_CASE("session state: terminal states are left only by resume, and resume only leaves them") {
  for (auto s : kAllStates) {
    for (auto e : kAllEvents) {
      CAPTURE(to_string(s));
      CAPTURE(to_string(e));
      auto to = transition(s, e);
      if (is_terminal(s)) CHECK(to.has_value() == (e == SessionEvent::resume));
      if (e == SessionEvent::resume) CHECK(to.has_value() == is_terminal(s));
    }
  }
  // Every live state can be stopped and can go stale.
  for (auto s : kAllStates) {
    if (is_terminal(s)) continue;
    CHECK(transition(s, SessionEvent::stop) == SessionState::stopped);
    CHECK(transition(s, SessionEvent::went_stale) == SessionState::stale);
  }
}

TEST_CASE("session state: predecessors() and target() agree with transition()") {
  for (auto e : kAllEvents) {
    CAPTURE(to_string(e));
    std::vector<SessionState> allowed;
    for (auto s : kAllStates) {
      auto to = transition(s, e);
      if (to) {
        allowed.push_back(s);
        CHECK(*to == target(e));  // one target per event, whatever the predecessor
      }
    }
    CHECK(predecessors(e) == allowed);
    CHECK_FALSE(allowed.empty());
  }
  CHECK(target(SessionEvent::turn_started) == SessionState::in_turn);
  CHECK(target(SessionEvent::turn_waiting) == SessionState::between_turns);
  CHECK(target(SessionEvent::turn_failed) == SessionState::between_turns);
  CHECK(target(SessionEvent::turn_interrupted) == SessionState::between_turns);
  CHECK(target(SessionEvent::turn_completed) == SessionState::completed);
  CHECK(target(SessionEvent::turn_zombie) == SessionState::zombie);
  CHECK(target(SessionEvent::turn_fatal) == SessionState::failed);
  CHECK(target(SessionEvent::stop) == SessionState::stopped);
  CHECK(target(SessionEvent::spawn_failed) == SessionState::failed);
  CHECK(target(SessionEvent::went_stale) == SessionState::stale);
  CHECK(target(SessionEvent::resume) == SessionState::between_turns);
}

TEST_CASE("session state: parse_state and to_string round-trip") {
  for (auto s : kAllStates) {
    auto text = to_string(s);
    CAPTURE(text);
    auto back = parse_state(text);
    REQUIRE(back.has_value());
    CHECK(*back == s);
  }
  CHECK(to_string(SessionState::between_turns) == "between_turns");
  CHECK(to_string(SessionState::in_turn) == "in_turn");
  for (const std::string bad : {"", "BOOTING", "Booting", "booting ", " booting", "running",
                                "unknown", "in-turn", "terminal"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_state(bad).has_value());
  }
}

TEST_CASE("session state: event names") {
  for (std::size_t i = 0; i < std::size(kEventColumns); ++i)
    CHECK(to_string(event_named(kEventColumns[i])) == kEventColumns[i]);
  CHECK(to_string(SessionEvent::went_stale) == "went_stale");
  CHECK(to_string(SessionEvent::spawn_failed) == "spawn_failed");
}
