#pragma once
// Time as a dependency: real code uses SystemClock, tests use a fake.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace drover {

using TimePoint = std::chrono::system_clock::time_point;
using SteadyPoint = std::chrono::steady_clock::time_point;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint now() const = 0;
};

class SystemClock final : public Clock {
 public:
  TimePoint now() const override { return std::chrono::system_clock::now(); }
  static const SystemClock& instance();
};

// Monotonic time, for budgets and deadlines (the watchdog, stop policies): real code uses
// SteadyClock, tests a fake that moves only when told.
class MonotonicClock {
 public:
  virtual ~MonotonicClock() = default;
  virtual SteadyPoint now() const = 0;
};

class SteadyClock final : public MonotonicClock {
 public:
  SteadyPoint now() const override { return std::chrono::steady_clock::now(); }
  static const SteadyClock& instance();
};

// UTC ISO-8601 with milliseconds and 'Z': 2026-11-22T02:30:39.123Z (SPEC §3).
std::string format_timestamp(TimePoint t);
// Parses exactly the format above; nullopt otherwise.
std::optional<TimePoint> parse_timestamp(std::string_view text);
std::string now_timestamp();

}  // namespace drover
