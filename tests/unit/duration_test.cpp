#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/duration.h"

using namespace drover;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

namespace {

Millis parsed(const std::string& text) {
  CAPTURE(text);
  auto r = parse_duration(text);
  REQUIRE(r.ok());
  return *r;
}

void check_rejected(const std::string& text, const std::string& why) {
  CAPTURE(text);
  auto r = parse_duration(text);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == Errc::usage);
  const auto& msg = r.error().message;
  CHECK(msg.find(why) != std::string::npos);
  // Every rejection says what was expected.
  CHECK(msg.find("500ms, 2s, 10m, 6h") != std::string::npos);
}

constexpr std::int64_t kHundredYearsMs = 100ll * 365 * 24 * 3'600'000;

}  // namespace

TEST_CASE("durations: the four units") {
  CHECK(parsed("500ms") == Millis(500));
  CHECK(parsed("2s") == seconds(2));
  CHECK(parsed("10m") == minutes(10));
  CHECK(parsed("6h") == hours(6));
  CHECK(parsed("1ms") == Millis(1));
  CHECK(parsed("90s") == Millis(90'000));
  CHECK(parsed("1500ms") == Millis(1500));
  CHECK(parsed("48h") == hours(48));
  CHECK(parsed("007s") == seconds(7));
}

TEST_CASE("durations: zero") {
  CHECK(parsed("0") == Millis(0));
  CHECK(parsed("0s") == Millis(0));
  CHECK(parsed("0ms") == Millis(0));
  CHECK(parsed("0m") == Millis(0));
  CHECK(parsed("0h") == Millis(0));
  CHECK(parsed("00") == Millis(0));
}

TEST_CASE("durations: rejected spellings") {
  check_rejected("", "empty");
  check_rejected("-1s", "negative");
  check_rejected("-0", "negative");
  check_rejected("5", "unit is missing");
  check_rejected("5x", "unknown unit 'x'");
  check_rejected("1.5s", "unknown unit '.5s'");
  check_rejected("s", "does not start with a number");
  check_rejected("ms", "does not start with a number");
  check_rejected(" 2s", "does not start with a number");
  check_rejected("2s ", "unknown unit 's '");
  check_rejected("2 s", "unknown unit ' s'");
  check_rejected("+2s", "does not start with a number");
  check_rejected("2S", "unknown unit 'S'");
  check_rejected("2sec", "unknown unit 'sec'");
  check_rejected("2d", "unknown unit 'd'");
  check_rejected("2h30m", "unknown unit 'h30m'");
  check_rejected("1e3ms", "unknown unit 'e3ms'");
}

TEST_CASE("durations: overflow is rejected, never wraps") {
  check_rejected("99999999999999999999999ms", "too large");
  check_rejected("18446744073709551615ms", "too large");
  check_rejected("18446744073709551616s", "too large");
  check_rejected("9999999999999h", "too large");
  check_rejected("99999999999999m", "too large");
  // The cap is about 100 years, in every unit.
  CHECK(parsed(std::to_string(kHundredYearsMs) + "ms") == Millis(kHundredYearsMs));
  check_rejected(std::to_string(kHundredYearsMs + 1) + "ms", "too large");
  CHECK(parsed(std::to_string(100ll * 365 * 24) + "h") == Millis(kHundredYearsMs));
  check_rejected(std::to_string(100ll * 365 * 24 + 1) + "h", "too large");
}

TEST_CASE("durations: the message quotes the input") {
  auto r = parse_duration("5x");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.rfind("invalid duration '5x'", 0) == 0);
}

TEST_CASE("format_duration: shortest exact spelling") {
  CHECK(format_duration(Millis(0)) == "0s");
  CHECK(format_duration(Millis(1)) == "1ms");
  CHECK(format_duration(Millis(500)) == "500ms");
  CHECK(format_duration(Millis(1500)) == "1500ms");
  CHECK(format_duration(seconds(2)) == "2s");
  CHECK(format_duration(seconds(90)) == "90s");
  CHECK(format_duration(minutes(2)) == "2m");
  CHECK(format_duration(minutes(10)) == "10m");
  CHECK(format_duration(minutes(90)) == "90m");
  CHECK(format_duration(hours(6)) == "6h");
  CHECK(format_duration(hours(48)) == "48h");
  CHECK(format_duration(Millis(3'600'001)) == "3600001ms");
}

TEST_CASE("format_duration round-trips through parse_duration") {
  for (std::int64_t ms :
       std::vector<std::int64_t>{0, 1, 7, 500ll, 999ll, 1000ll, 1001ll, 1500ll, 59'000ll, 60'000ll,
                                 61'000ll, 600'000ll, 3'599'999ll, 3'600'000ll, 5'400'000ll,
                                 21'600'000ll, 86'400'000ll, 123'456'789ll, kHundredYearsMs}) {
    CAPTURE(ms);
    auto text = format_duration(Millis(ms));
    auto back = parse_duration(text);
    REQUIRE(back.ok());
    CHECK(back->count() == ms);
  }
  for (const std::string text : {"500ms", "2s", "10m", "6h", "0s", "1h", "25h"}) {
    CHECK(format_duration(parsed(text)) == text);
  }
  // Non-canonical spellings come back canonical.
  CHECK(format_duration(parsed("120s")) == "2m");
  CHECK(format_duration(parsed("60m")) == "1h");
  CHECK(format_duration(parsed("3000ms")) == "3s");
  CHECK(format_duration(parsed("0")) == "0s");
}

TEST_CASE("format_age: human approximations") {
  CHECK(format_age(Millis(-5)) == "0ms");
  CHECK(format_age(Millis(0)) == "0ms");
  CHECK(format_age(Millis(850)) == "850ms");
  CHECK(format_age(Millis(999)) == "999ms");
  CHECK(format_age(Millis(1000)) == "1s");
  CHECK(format_age(Millis(12'345)) == "12s");
  CHECK(format_age(seconds(59)) == "59s");
  CHECK(format_age(seconds(60)) == "1m");
  CHECK(format_age(minutes(3) + seconds(59)) == "3m");
  CHECK(format_age(minutes(59)) == "59m");
  CHECK(format_age(hours(1)) == "1h");
  CHECK(format_age(hours(2) + minutes(5)) == "2h5m");
  CHECK(format_age(hours(47) + minutes(59)) == "47h59m");
  CHECK(format_age(hours(48)) == "2d");
  CHECK(format_age(hours(24 * 3 + 5)) == "3d");
}
