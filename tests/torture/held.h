#pragma once
// Invariants of a steered run at rest (issue 17): nothing is left held — no live agent
// paused, no E-stop, every decided gate answered by its `decision` mail — and live input
// carried no mail twice: a message read by turn R was carried (in R's first message or in
// a message written into R while it ran) by R itself and by no turn after R. A message a
// turn carried live but no result answered is released and carried again later: that is
// the documented at-least-once delivery, and allowed as long as only the last carrier
// reads it.
#include <string>

#include "support/project.h"

namespace torture {

void check_nothing_held(const e2e::TempProject& p);

// For one agent, from the fixture agent's records of every message of every turn
// (<agent>.<turn>.json and the live ones, <agent>.<turn>.<n>.json).
void check_live_carrying(const e2e::TempProject& p, const std::string& agent);

}  // namespace torture
