#pragma once
// The phases of a running turn and the one table of how it may move (like
// core/session_state.h for sessions). Pure.
#include <optional>
#include <string_view>

namespace drover::runner {

enum class TurnPhase {
  running,   // the child runs; the watchdog is armed
  stopping,  // the stop policy steps through the group (stall, shutdown, leftovers)
  draining,  // the group is gone: a bounded wait for the pipes' EOF and the exit status
  settled,   // the turn is settled; nothing more happens
};
inline constexpr TurnPhase kAllPhases[] = {TurnPhase::running, TurnPhase::stopping,
                                           TurnPhase::draining, TurnPhase::settled};

// Each step, and the phases it moves between:
//   stop         running → stopping          a budget ran out, shutdown, or processes
//                                            outlived the child
//   group_empty  running|stopping → draining the child exited and its group is empty
//   gave_up      stopping → draining         the group outlived every step of the policy
//   settle       draining → settled          exit seen and the pipes closed (or the EOF
//                                            wait ran out)
enum class PhaseStep { stop, group_empty, gave_up, settle };
inline constexpr PhaseStep kAllSteps[] = {PhaseStep::stop, PhaseStep::group_empty,
                                          PhaseStep::gave_up, PhaseStep::settle};

std::string_view to_string(TurnPhase p);
std::string_view to_string(PhaseStep s);

// The phase `step` leads to from `from`, or nullopt when the table does not allow it.
std::optional<TurnPhase> next_phase(TurnPhase from, PhaseStep step);

}  // namespace drover::runner
