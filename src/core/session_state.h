#pragma once
// Session states and the one transition table (SPEC §3). Every state change in drover
// names a SessionEvent; the store applies it with a compare-and-set on the allowed
// predecessors returned here.
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace drover {

enum class SessionState {
  booting,
  in_turn,
  between_turns,
  completed,
  stopped,
  zombie,
  failed,
  stale
};
inline constexpr SessionState kAllStates[] = {SessionState::booting,       SessionState::in_turn,
                                              SessionState::between_turns, SessionState::completed,
                                              SessionState::stopped,       SessionState::zombie,
                                              SessionState::failed,        SessionState::stale};

// The table of transitions reads as columns.
// clang-format off
enum class SessionEvent {
  turn_started,     // the runner spawned the child                booting|between_turns → in_turn
  turn_waiting,     // clean turn, agent waits for mail or children in_turn → between_turns
  turn_failed,      // failed turn that will be retried            in_turn → between_turns
  turn_interrupted, // shutdown or restart settled a running turn  in_turn → between_turns
  turn_completed,   // terminal mail, or clean end with nothing left in_turn → completed
  turn_zombie,      // stalled, aborted, or too many failures      in_turn → zombie
  turn_fatal,       // failed in a way no retry fixes (login, root) in_turn → failed
  stop,             // the operator stopped it                     any live → stopped
  spawn_failed,     // its command could not be started            booting|between_turns → failed
  went_stale,       // too old to resume after a restart           any live → stale
  resume,           // the operator resumed it                     any terminal → between_turns
};
// clang-format on
inline constexpr SessionEvent kAllEvents[] = {
    SessionEvent::turn_started,     SessionEvent::turn_waiting,   SessionEvent::turn_failed,
    SessionEvent::turn_interrupted, SessionEvent::turn_completed, SessionEvent::turn_zombie,
    SessionEvent::turn_fatal,       SessionEvent::stop,           SessionEvent::spawn_failed,
    SessionEvent::went_stale,       SessionEvent::resume};

std::string_view to_string(SessionState s);
std::string_view to_string(SessionEvent e);
std::optional<SessionState> parse_state(std::string_view text);

bool is_terminal(SessionState s);

// The target state of `event`, or nullopt when `from` does not allow it.
std::optional<SessionState> transition(SessionState from, SessionEvent event);
// Every state from which `event` is allowed (for the compare-and-set WHERE clause).
std::vector<SessionState> predecessors(SessionEvent event);
// The state `event` leads to (the same from every allowed predecessor).
SessionState target(SessionEvent event);

}  // namespace drover
