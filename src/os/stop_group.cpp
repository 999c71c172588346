#include "os/stop_group.h"

#include <chrono>
#include <thread>

#include "os/process.h"

namespace drover::os {

std::optional<int> stop_group(pid_t pgid, const StopPolicy& policy) {
  using Clock = std::chrono::steady_clock;
  constexpr auto kPoll = std::chrono::milliseconds(2);
  for (const auto& step : policy) {
    (void)signal_group(pgid, step.signal);
    auto deadline = Clock::now() + step.grace;
    while (group_alive(pgid) && Clock::now() < deadline)
      std::this_thread::sleep_for(kPoll);  // polling the process table for the group's end
    if (!group_alive(pgid)) return step.signal;
  }
  return std::nullopt;
}

}  // namespace drover::os
