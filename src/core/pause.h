#pragma once
// Pause (issue 17, docs/steering.md): an attribute of a session, and the project-wide
// E-stop. Neither is a state: stop, resume and recovery work as before. Pure.
#include <optional>
#include <string>

#include "core/session.h"

namespace drover {

// The E-stop's key in the settings table; its value is the time it was set.
inline constexpr const char* kEstopKey = "estop";

// Why no turn may start for `s` now, or nullopt when pause does not hold it back.
// `estop` is the E-stop's value (its time), nullopt when it is off.
std::optional<std::string> pause_blocks_start(const Session& s,
                                              const std::optional<std::string>& estop);

// The STATE column: "between_turns (paused)" for a paused live agent, else the state.
std::string state_with_pause(const Session& s);

// The line `pause --all` prints: how many turns still run and how to end them.
std::string estop_summary(int turns_running);

}  // namespace drover
