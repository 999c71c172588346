#pragma once
// Which agents the supervisor starts now (SPEC §7). Pure.
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/gate.h"

namespace drover {

struct Candidate {
  std::string agent;
  std::int64_t oldest_mail = 0;            // id of its oldest pending message
  std::optional<std::string> retry_after;  // backoff deadline (timestamp)
  GateWait gate;                           // an open gate holds it (core/gate.h)
};

// Oldest pending mail first; skips agents already running, in backoff or held by an open
// gate (gate_holds_turn); at most
// max_running - running.size() picks.
std::vector<std::string> pick_turns(std::vector<Candidate> candidates,
                                    const std::set<std::string>& running, int max_running,
                                    TimePoint now);

// The earliest backoff deadline among candidates still waiting (to arm a timer).
std::optional<TimePoint> next_retry(const std::vector<Candidate>& candidates, TimePoint now);

}  // namespace drover
