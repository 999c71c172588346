#include "core/clock.h"

#include <cstdio>
#include <ctime>

namespace drover {

const SystemClock& SystemClock::instance() {
  static const SystemClock clock;
  return clock;
}

const SteadyClock& SteadyClock::instance() {
  static const SteadyClock clock;
  return clock;
}

std::string format_timestamp(TimePoint t) {
  using namespace std::chrono;
  auto ms = duration_cast<milliseconds>(t.time_since_epoch()).count();
  auto secs = static_cast<std::time_t>(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
  int frac = static_cast<int>(ms - static_cast<long long>(secs) * 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
  return buf;
}

std::optional<TimePoint> parse_timestamp(std::string_view text) {
  if (text.size() != 24 || text[23] != 'Z') return std::nullopt;
  std::tm tm{};
  int ms = 0;
  std::string s(text);
  char t = 0, dot = 0, z = 0;
  if (std::sscanf(s.c_str(), "%4d-%2d-%2d%c%2d:%2d:%2d%c%3d%c", &tm.tm_year, &tm.tm_mon,
                  &tm.tm_mday, &t, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &dot, &ms, &z) != 10 ||
      t != 'T' || dot != '.' || z != 'Z')
    return std::nullopt;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  std::time_t secs = timegm(&tm);
  // TimePoint counts nanoseconds in 64 bits (years 1678-2261); stay clear of overflow.
  constexpr long long kMaxSecs =
      std::chrono::duration_cast<std::chrono::seconds>(TimePoint::duration::max()).count() - 1;
  if (secs > kMaxSecs || secs < -kMaxSecs) return std::nullopt;
  TimePoint when(std::chrono::milliseconds(static_cast<long long>(secs) * 1000 + ms));
  // sscanf and timegm are lenient (signs, spaces, month 13, Feb 30): accept only text that
  // is exactly the canonical spelling of the instant it denotes.
  if (format_timestamp(when) != text) return std::nullopt;
  return when;
}

std::string now_timestamp() { return format_timestamp(SystemClock::instance().now()); }

}  // namespace drover
