#pragma once
// Stall budgets and the stop policy as data (SPEC §5.3). Pure: the runner feeds times in
// and arms a timer for the deadline this returns.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/duration.h"

namespace drover {

struct StallBudgets {
  Millis first_output_timeout{600'000};
  Millis stall_timeout{600'000};
  Millis max_duration{0};  // 0 = none
};

struct Deadline {
  SteadyPoint at;
  std::string reason;  // what is logged when it passes: "no output for 10m", …
};

// The earliest budget that can still run out, given when the child was spawned and when
// the last parsed event arrived (nullopt before the first one).
Deadline next_deadline(const StallBudgets& b, SteadyPoint spawned,
                       std::optional<SteadyPoint> last_event);

struct StopStep {
  int signal;
  Millis grace;  // how long to wait for the group to vanish before the next step
};
using StopPolicy = std::vector<StopStep>;

// SIGTERM, wait kill_grace, SIGKILL (then wait for the kernel to tear the group down).
StopPolicy default_stop_policy(Millis kill_grace);
std::string describe(const StopPolicy& p);  // "SIGTERM, 2s, SIGKILL"

}  // namespace drover
