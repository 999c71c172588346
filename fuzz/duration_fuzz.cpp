// Fuzzes durations (core/duration.h): the input is the text of a duration, and its first
// eight bytes are also read as a number of milliseconds.
//
// Properties:
//  - parse_duration agrees with the header's grammar computed independently (digits, then
//    ms|s|m|h, a bare "0", at most 100 years, leading zeros allowed), value included;
//  - a rejection is Errc::usage with a message;
//  - format_duration of any value from 0 to 100 years re-parses to the same value and is
//    canonical: no leading zeros, the largest unit that is exact, "0s" for zero;
//  - format_age never throws and says "<n><unit>" (or "<h>h<m>m").
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "check.h"
#include "core/duration.h"

using namespace drover;

namespace {

constexpr std::uint64_t kHundredYearsMs = 100ull * 365 * 24 * 3'600'000;

// Accepted value per the grammar, or -1.
std::int64_t reference_parse(std::string_view text) {
  std::size_t i = 0;
  unsigned __int128 value = 0;
  constexpr unsigned __int128 kSaturate = static_cast<unsigned __int128>(1) << 100;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
    value = value * 10 + static_cast<unsigned>(text[i] - '0');
    if (value > kSaturate) value = kSaturate;
    ++i;
  }
  if (i == 0) return -1;
  std::string_view unit = text.substr(i);
  std::uint64_t scale;
  if (unit == "ms") scale = 1;
  else if (unit == "s") scale = 1000;
  else if (unit == "m") scale = 60'000;
  else if (unit == "h") scale = 3'600'000;
  else if (unit.empty() && value == 0) scale = 1;
  else return -1;
  if (value * scale > kHundredYearsMs) return -1;
  return static_cast<std::int64_t>(value * scale);
}

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

void check_format(Millis d) {
  std::string s = format_duration(d);
  Result<Millis> back = parse_duration(s);
  FUZZ_CHECK(back.ok() && *back == d);
  if (d.count() == 0) {
    FUZZ_CHECK(s == "0s");
    return;
  }
  std::size_t digits = s.find_first_not_of("0123456789");
  FUZZ_CHECK(digits != std::string::npos && digits > 0 && s[0] != '0');
  std::string_view unit = std::string_view(s).substr(digits);
  std::uint64_t n = std::stoull(s.substr(0, digits));
  // The next larger unit would not be exact.
  if (unit == "ms") FUZZ_CHECK(n % 1000 != 0);
  else if (unit == "s") FUZZ_CHECK(n % 60 != 0);
  else if (unit == "m") FUZZ_CHECK(n % 60 != 0);
  else FUZZ_CHECK(unit == "h");
}

void check_age(Millis d) {
  std::string s = format_age(d);
  std::size_t digits = s.find_first_not_of("0123456789");
  FUZZ_CHECK(digits != std::string::npos && digits > 0);
  std::string_view unit = std::string_view(s).substr(digits);
  bool hours_minutes = unit.size() > 1 && unit[0] == 'h' && unit.back() == 'm' &&
                       all_digits(unit.substr(1, unit.size() - 2));
  FUZZ_CHECK(unit == "ms" || unit == "s" || unit == "m" || unit == "h" || unit == "d" ||
             hours_minutes);
  if (d.count() <= 0) FUZZ_CHECK(s == "0ms");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  Result<Millis> r = parse_duration(text);
  std::int64_t expected = reference_parse(text);
  FUZZ_CHECK(r.ok() == (expected >= 0));
  if (r.ok()) {
    FUZZ_CHECK(r->count() == expected);
    check_format(*r);
  } else {
    FUZZ_CHECK(r.error().code == Errc::usage && !r.error().message.empty());
  }

  if (size >= 8) {
    std::int64_t raw;
    std::memcpy(&raw, data, sizeof raw);
    std::uint64_t u = static_cast<std::uint64_t>(raw);
    check_format(Millis(static_cast<std::int64_t>(u % (kHundredYearsMs + 1))));
    check_age(Millis(raw));
  }
  return 0;
}
