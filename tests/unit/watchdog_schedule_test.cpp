#include <doctest/doctest.h>
#include <signal.h>

#include "core/schedule.h"
#include "core/watchdog.h"

using namespace drover;
using std::chrono::milliseconds;

TEST_CASE("watchdog: before the first event the first-output budget applies") {
  StallBudgets b{milliseconds(1000), milliseconds(5000), milliseconds(0)};
  SteadyPoint t0{};
  auto d = next_deadline(b, t0, std::nullopt);
  CHECK(d.at == t0 + milliseconds(1000));
  CHECK(d.reason == "no output for 1s after start");
}

TEST_CASE("watchdog: after an event the stall budget counts from that event") {
  StallBudgets b{milliseconds(1000), milliseconds(5000), milliseconds(0)};
  SteadyPoint t0{};
  auto d = next_deadline(b, t0, t0 + milliseconds(700));
  CHECK(d.at == t0 + milliseconds(5700));
  CHECK(d.reason == "no output for 5s");
}

TEST_CASE("watchdog: max_duration caps the turn when it comes first, 0 means none") {
  StallBudgets b{milliseconds(1000), milliseconds(5000), milliseconds(3000)};
  SteadyPoint t0{};
  auto d = next_deadline(b, t0, t0 + milliseconds(2000));
  CHECK(d.at == t0 + milliseconds(3000));
  CHECK(d.reason == "turn exceeded max_duration 3s");
  b.max_duration = milliseconds(0);
  CHECK(next_deadline(b, t0, t0 + milliseconds(2000)).at == t0 + milliseconds(7000));
}

TEST_CASE("stop policy is data: SIGTERM, the grace, then SIGKILL") {
  auto p = default_stop_policy(milliseconds(2000));
  REQUIRE(p.size() == 2);
  CHECK(p[0].signal == SIGTERM);
  CHECK(p[0].grace == milliseconds(2000));
  CHECK(p[1].signal == SIGKILL);
  CHECK(describe(p).find("SIGTERM then wait up to 2s, SIGKILL") == 0);
}

TEST_CASE("schedule: oldest pending mail first, up to the free slots") {
  auto now = SystemClock::instance().now();
  std::vector<Candidate> c = {{"b", 7, {}, {}}, {"a", 3, {}, {}}, {"c", 9, {}, {}}};
  CHECK(pick_turns(c, {}, 8, now) == std::vector<std::string>{"a", "b", "c"});
  CHECK(pick_turns(c, {}, 2, now) == std::vector<std::string>{"a", "b"});
  CHECK(pick_turns(c, {"x"}, 2, now) == std::vector<std::string>{"a"});
  CHECK(pick_turns(c, {"a"}, 8, now) == std::vector<std::string>{"b", "c"});
  CHECK(pick_turns(c, {"x", "y"}, 2, now).empty());
}

TEST_CASE("schedule: agents in backoff wait, the earliest retry is reported") {
  auto now = SystemClock::instance().now();
  auto later = format_timestamp(now + std::chrono::seconds(30));
  auto sooner = format_timestamp(now + std::chrono::seconds(5));
  auto past = format_timestamp(now - std::chrono::seconds(5));
  std::vector<Candidate> c = {{"a", 1, later, {}}, {"b", 2, past, {}}, {"c", 3, sooner, {}}};
  CHECK(pick_turns(c, {}, 8, now) == std::vector<std::string>{"b"});
  auto next = next_retry(c, now);
  REQUIRE(next);
  CHECK(format_timestamp(*next) == sooner);
}
