#include "core/session_state.h"

namespace drover {

namespace {

using S = SessionState;
using E = SessionEvent;

constexpr unsigned bit(S s) { return 1u << static_cast<unsigned>(s); }
template <class... Ss>
constexpr unsigned set(Ss... s) {
  return (bit(s) | ...);
}

struct Rule {
  E event;
  S to;
  unsigned from;  // bit set of allowed predecessor states
};

// The transition table. One row per event; each event has a single target.
const Rule kRules[] = {
    {E::turn_started, S::in_turn, set(S::booting, S::between_turns)},
    {E::turn_waiting, S::between_turns, set(S::in_turn)},
    {E::turn_failed, S::between_turns, set(S::in_turn)},
    {E::turn_interrupted, S::between_turns, set(S::in_turn)},
    {E::turn_completed, S::completed, set(S::in_turn)},
    {E::turn_zombie, S::zombie, set(S::in_turn)},
    {E::turn_fatal, S::failed, set(S::in_turn)},
    {E::stop, S::stopped, set(S::booting, S::in_turn, S::between_turns)},
    {E::spawn_failed, S::failed, set(S::booting, S::between_turns)},
    {E::went_stale, S::stale, set(S::booting, S::in_turn, S::between_turns)},
    {E::resume, S::between_turns, set(S::completed, S::stopped, S::zombie, S::failed, S::stale)},
};

const Rule& rule(E e) {
  for (const auto& r : kRules)
    if (r.event == e) return r;
  return kRules[0];  // unreachable: every event has a row (tested)
}

}  // namespace

std::string_view to_string(SessionState s) {
  switch (s) {
    case S::booting: return "booting";
    case S::in_turn: return "in_turn";
    case S::between_turns: return "between_turns";
    case S::completed: return "completed";
    case S::stopped: return "stopped";
    case S::zombie: return "zombie";
    case S::failed: return "failed";
    case S::stale: return "stale";
  }
  return "unknown";
}

std::string_view to_string(SessionEvent e) {
  switch (e) {
    case E::turn_started: return "turn_started";
    case E::turn_waiting: return "turn_waiting";
    case E::turn_failed: return "turn_failed";
    case E::turn_interrupted: return "turn_interrupted";
    case E::turn_completed: return "turn_completed";
    case E::turn_zombie: return "turn_zombie";
    case E::turn_fatal: return "turn_fatal";
    case E::stop: return "stop";
    case E::spawn_failed: return "spawn_failed";
    case E::went_stale: return "went_stale";
    case E::resume: return "resume";
  }
  return "unknown";
}

std::optional<SessionState> parse_state(std::string_view text) {
  for (auto s : kAllStates)
    if (to_string(s) == text) return s;
  return std::nullopt;
}

bool is_terminal(SessionState s) {
  return s == S::completed || s == S::stopped || s == S::zombie || s == S::failed || s == S::stale;
}

std::optional<SessionState> transition(SessionState from, SessionEvent event) {
  const auto& r = rule(event);
  if (r.from & bit(from)) return r.to;
  return std::nullopt;
}

std::vector<SessionState> predecessors(SessionEvent event) {
  std::vector<SessionState> out;
  for (auto s : kAllStates)
    if (rule(event).from & bit(s)) out.push_back(s);
  return out;
}

SessionState target(SessionEvent event) { return rule(event).to; }

}  // namespace drover
