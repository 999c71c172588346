#pragma once
// The colour a state or a turn outcome is painted in on a terminal (status, report): green
// for work going or done well, red for failure, yellow for an operator's or a shutdown's
// interruption, none for waiting. Pure.
#include <string_view>

#include "core/session_state.h"
#include "core/turn_record.h"

namespace drover {

// An ANSI SGR sequence from core/table.h's sgr (sgr::kNone for no colour).
std::string_view state_color(SessionState s);
// The same for a stored outcome name ("completed", "failed", …; unknown names: none).
std::string_view outcome_color(std::string_view outcome);

}  // namespace drover
