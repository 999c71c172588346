#include "core/schedule.h"

#include <algorithm>

namespace drover {

namespace {
bool in_backoff(const Candidate& c, TimePoint now) {
  if (!c.retry_after) return false;
  auto t = parse_timestamp(*c.retry_after);
  return t && *t > now;
}
}  // namespace

std::vector<std::string> pick_turns(std::vector<Candidate> candidates,
                                    const std::set<std::string>& running, int max_running,
                                    TimePoint now) {
  std::sort(candidates.begin(), candidates.end(),
            [](const Candidate& a, const Candidate& b) { return a.oldest_mail < b.oldest_mail; });
  std::vector<std::string> out;
  int free = max_running - static_cast<int>(running.size());
  for (const auto& c : candidates) {
    if (free <= 0) break;
    if (running.count(c.agent) || in_backoff(c, now) || gate_holds_turn(c.gate)) continue;
    out.push_back(c.agent);
    --free;
  }
  return out;
}

std::optional<TimePoint> next_retry(const std::vector<Candidate>& candidates, TimePoint now) {
  std::optional<TimePoint> best;
  for (const auto& c : candidates) {
    if (!c.retry_after) continue;
    auto t = parse_timestamp(*c.retry_after);
    if (t && *t > now && (!best || *t < *best)) best = t;
  }
  return best;
}

}  // namespace drover
