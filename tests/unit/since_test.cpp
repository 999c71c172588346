#include "core/since.h"

#include <doctest/doctest.h>

using namespace drover;
using namespace std::chrono;

TEST_CASE("--since: a calendar date") {
  auto s = parse_since("2026-12-01");
  REQUIRE(s.ok());
  REQUIRE(s->date);
  CHECK_FALSE(s->ago);
  CHECK(*s->date == year_month_day{year{2026}, month{12}, day{1}});
  auto leap = parse_since("2028-02-29");
  REQUIRE(leap.ok());
  CHECK(leap->date->ok());
}

TEST_CASE("--since: a duration means that long ago, days included") {
  CHECK(*parse_since("3d")->ago == hours(72));
  CHECK(*parse_since("2h")->ago == hours(2));
  CHECK(*parse_since("90m")->ago == minutes(90));
  CHECK(*parse_since("30s")->ago == seconds(30));
  CHECK(*parse_since("0d")->ago == Millis(0));
  CHECK_FALSE(parse_since("2h")->date);
}

TEST_CASE("--since: anything else is a usage error saying what is accepted") {
  for (const char* bad : {"", "yesterday", "2026-02-30", "2026-13-01", "2026-1-01x", "20261201",
                          "-3d", "3 d", "d", "3w", "1.5h", "999999d"}) {
    CAPTURE(bad);
    auto r = parse_since(bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == Errc::usage);
    CHECK(r.error().message.find("--since '" + std::string(bad) + "'") == 0);
    CHECK(r.error().message.find("2026-12-01") != std::string::npos);
    CHECK(r.error().message.find('\n') == std::string::npos);
  }
}
