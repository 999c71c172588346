#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "core/clock.h"

using namespace drover;
using std::chrono::milliseconds;

namespace {

TimePoint at_ms(long long ms) { return TimePoint(milliseconds(ms)); }

long long ms_of(TimePoint t) {
  return std::chrono::duration_cast<milliseconds>(t.time_since_epoch()).count();
}

bool shaped_like_a_timestamp(const std::string& s) {
  if (s.size() != 24) return false;
  const std::string pattern = "dddd-dd-ddTdd:dd:dd.dddZ";
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (pattern[i] == 'd' ? !(s[i] >= '0' && s[i] <= '9') : s[i] != pattern[i]) return false;
  }
  return true;
}

class FakeClock final : public Clock {
 public:
  TimePoint t;
  TimePoint now() const override { return t; }
};

}  // namespace

TEST_CASE("format_timestamp: known instants") {
  CHECK(format_timestamp(at_ms(0)) == "1970-01-01T00:00:00.000Z");
  CHECK(format_timestamp(at_ms(1'795'314'639'123)) == "2026-11-22T02:30:39.123Z");
  CHECK(format_timestamp(at_ms(1'709'251'199'999)) == "2024-02-29T23:59:59.999Z");
  CHECK(format_timestamp(at_ms(4'102'444'800'000)) == "2100-01-01T00:00:00.000Z");
  CHECK(format_timestamp(at_ms(-1)) == "1969-12-31T23:59:59.999Z");
  CHECK(format_timestamp(at_ms(-1000)) == "1969-12-31T23:59:59.000Z");
  CHECK(format_timestamp(at_ms(7)) == "1970-01-01T00:00:00.007Z");
}

TEST_CASE("format_timestamp: sub-millisecond precision is truncated") {
  auto t = at_ms(1'795'314'639'123) + std::chrono::microseconds(999);
  CHECK(format_timestamp(t) == "2026-11-22T02:30:39.123Z");
}

TEST_CASE("format_timestamp: always 24 characters ending in Z with milliseconds") {
  for (long long ms : {0ll, 1ll, 999ll, 1000ll, 1'795'314'639'123ll, 4'102'444'800'000ll,
                       7'289'654'399'999ll /* 2200-12-31T23:59:59.999Z */}) {
    auto s = format_timestamp(at_ms(ms));
    CAPTURE(s);
    CHECK(s.size() == 24);
    CHECK(s.back() == 'Z');
    CHECK(s[19] == '.');
    CHECK(shaped_like_a_timestamp(s));
  }
  auto now = now_timestamp();
  CAPTURE(now);
  CHECK(shaped_like_a_timestamp(now));
}

TEST_CASE("parse_timestamp: round trip") {
  for (long long ms :
       {0ll, 1ll, 999ll, 1000ll, 59'999ll, 1'709'251'199'999ll, 1'795'314'639'123ll,
        4'102'444'800'000ll, -1ll, -86'400'000ll, -2'208'988'800'000ll, 7'289'654'399'999ll}) {
    CAPTURE(ms);
    auto text = format_timestamp(at_ms(ms));
    auto back = parse_timestamp(text);
    REQUIRE(back.has_value());
    CHECK(ms_of(*back) == ms);
    CHECK(format_timestamp(*back) == text);
  }
  CHECK(parse_timestamp("2024-02-29T12:00:00.000Z").has_value());
  CHECK(format_timestamp(*parse_timestamp("1900-01-01T00:00:00.000Z")) ==
        "1900-01-01T00:00:00.000Z");
  auto parsed = parse_timestamp("2026-11-22T02:30:39.123Z");
  REQUIRE(parsed.has_value());
  CHECK(ms_of(*parsed) == 1'795'314'639'123);
}

TEST_CASE("parse_timestamp: the current time round-trips to the millisecond") {
  auto now = SystemClock::instance().now();
  auto back = parse_timestamp(format_timestamp(now));
  REQUIRE(back.has_value());
  CHECK(ms_of(*back) == ms_of(now));
}

TEST_CASE("parse_timestamp: anything but the exact format is rejected") {
  for (const std::string bad : {
           "",
           "2026-11-22",
           "2026-11-22T02:30:39Z",       // no milliseconds
           "2026-11-22T02:30:39.12Z",    // two digits
           "2026-11-22T02:30:39.1234Z",  // four digits
           "2026-11-22T02:30:39.123",    // no Z
           "2026-11-22T02:30:39.123z",
           "2026-11-22 02:30:39.123Z",  // space instead of T
           "2026-11-22T02:30:39,123Z",
           "2026/11/22T02:30:39.123Z",
           "2026-11-22T02-30-39.123Z",
           "2026-11-22T02:30:39.123+0",
           "2026-1a-22T02:30:39.123Z",
           "abcd-11-22T02:30:39.123Z",
           "2026-+1-22T02:30:39.123Z",
           "2026-11-22T02:30:39.-12Z",
           "2026-11-22T 2:30:39.123Z",
           "2026-13-22T02:30:39.123Z",  // month 13
           "2026-00-22T02:30:39.123Z",
           "2026-11-00T02:30:39.123Z",
           "2026-11-32T02:30:39.123Z",
           "2026-11-22T24:30:39.123Z",
           "2026-11-22T02:60:39.123Z",
           " 2026-11-22T02:30:39.123Z",
           "2026-02-29T00:00:00.000Z",  // not a leap year
           "2026-11-31T00:00:00.000Z",  // November has 30 days
           "2026-11-22T02:30:60.000Z",
           "9999-12-31T23:59:59.999Z",  // beyond what a TimePoint holds
       }) {
    CAPTURE(bad);
    CHECK_FALSE(parse_timestamp(bad).has_value());
  }
}

TEST_CASE("timestamps sort as text in time order") {
  std::vector<long long> times = {
      0, 5, 999, 1000, 61'000, 1'709'251'199'999, 1'795'314'639'123, 4'102'444'800'000};
  std::vector<std::string> texts;
  for (auto ms : times) texts.push_back(format_timestamp(at_ms(ms)));
  CHECK(std::is_sorted(texts.begin(), texts.end()));
}

TEST_CASE("Clock is an interface tests can fake") {
  FakeClock fake;
  fake.t = at_ms(1'795'314'639'123);
  const Clock& clock = fake;
  CHECK(format_timestamp(clock.now()) == "2026-11-22T02:30:39.123Z");
  fake.t += milliseconds(877);
  CHECK(format_timestamp(clock.now()) == "2026-11-22T02:30:40.000Z");

  const Clock& real = SystemClock::instance();
  CHECK(&SystemClock::instance() == &SystemClock::instance());
  auto before = std::chrono::system_clock::now();
  auto t = real.now();
  auto after = std::chrono::system_clock::now();
  CHECK(before <= t);
  CHECK(t <= after);
}
