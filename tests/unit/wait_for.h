#pragma once
// Waiting in tests: polling a condition up to a deadline, and reaping a child.
#include <sys/types.h>
#include <sys/wait.h>

#include <chrono>
#include <functional>
#include <optional>
#include <thread>

namespace drover::test {

// Polls `cond` every 5 ms; false if it is still false after `limit`.
inline bool wait_until(const std::function<bool()>& cond, std::chrono::seconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!cond()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

// Reaps `pid`, waiting at most `limit`: its wait status, or nullopt if it still runs.
inline std::optional<int> wait_exit(pid_t pid,
                                    std::chrono::seconds limit = std::chrono::seconds(10)) {
  int status = 0;
  if (!wait_until([&] { return ::waitpid(pid, &status, WNOHANG) == pid; }, limit))
    return std::nullopt;
  return status;
}

}  // namespace drover::test
