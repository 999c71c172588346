#include "core/duration.h"

#include <cstdint>
#include <limits>

namespace drover {

Result<Millis> parse_duration(std::string_view text) {
  auto bad = [&](const std::string& why) {
    return make_error(Errc::usage, "invalid duration '" + std::string(text) + "': " + why +
                                       " (expected a number and a unit, e.g. 500ms, 2s, 10m, 6h)");
  };
  if (text.empty()) return bad("it is empty");
  std::size_t i = 0;
  std::uint64_t value = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
    if (value > (std::numeric_limits<std::uint64_t>::max() - 9) / 10) return bad("it is too large");
    value = value * 10 + static_cast<std::uint64_t>(text[i] - '0');
    ++i;
  }
  if (i == 0) return bad(text[0] == '-' ? "it is negative" : "it does not start with a number");
  std::string_view unit = text.substr(i);
  std::uint64_t scale;
  if (unit == "ms") scale = 1;
  else if (unit == "s") scale = 1000;
  else if (unit == "m") scale = 60'000;
  else if (unit == "h") scale = 3'600'000;
  else if (unit.empty() && value == 0) scale = 1;
  else if (unit.empty()) return bad("the unit is missing");
  else return bad("unknown unit '" + std::string(unit) + "'");
  // Cap at ~100 years so arithmetic on deadlines can never overflow.
  constexpr std::uint64_t kMax = 100ull * 365 * 24 * 3'600'000;
  if (value > kMax / scale) return bad("it is too large");
  return Millis(static_cast<std::int64_t>(value * scale));
}

std::string format_duration(Millis d) {
  auto ms = d.count();
  if (ms == 0) return "0s";
  if (ms % 3'600'000 == 0) return std::to_string(ms / 3'600'000) + "h";
  if (ms % 60'000 == 0) return std::to_string(ms / 60'000) + "m";
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

std::string format_age(Millis d) {
  auto ms = d.count();
  if (ms < 0) ms = 0;
  if (ms < 1000) return std::to_string(ms) + "ms";
  auto s = ms / 1000;
  if (s < 60) return std::to_string(s) + "s";
  auto m = s / 60;
  if (m < 60) return std::to_string(m) + "m";
  auto h = m / 60;
  if (h < 48) return std::to_string(h) + "h" + (m % 60 ? std::to_string(m % 60) + "m" : "");
  return std::to_string(h / 24) + "d";
}

}  // namespace drover
