#include "core/watchdog.h"

#include <signal.h>
#include <string.h>

namespace drover {

Deadline next_deadline(const StallBudgets& b, SteadyPoint spawned,
                       std::optional<SteadyPoint> last_event) {
  Deadline d;
  if (last_event) {
    d.at = *last_event + b.stall_timeout;
    d.reason = "no output for " + format_duration(b.stall_timeout);
  } else {
    d.at = spawned + b.first_output_timeout;
    d.reason = "no output for " + format_duration(b.first_output_timeout) + " after start";
  }
  if (b.max_duration.count() > 0 && spawned + b.max_duration < d.at) {
    d.at = spawned + b.max_duration;
    d.reason = "turn exceeded max_duration " + format_duration(b.max_duration);
  }
  return d;
}

StopPolicy default_stop_policy(Millis kill_grace) {
  // The final grace bounds the wait for the kernel to reap a SIGKILLed group.
  return {{SIGTERM, kill_grace}, {SIGKILL, Millis(5000)}};
}

std::string describe(const StopPolicy& p) {
  std::string out;
  for (const auto& s : p) {
    if (!out.empty()) out += ", ";
    const char* n = sigabbrev_np(s.signal);
    out += n ? "SIG" + std::string(n) : std::to_string(s.signal);
    out += " then wait up to " + format_duration(s.grace);
  }
  return out;
}

}  // namespace drover
