#pragma once
// Which running turns get their agent's live mail now (docs/steering.md "Live nudge"): the
// supervisor asks after every wake-up; one read through the partial index messages_live.
#include <functional>
#include <string>

#include "runner/runner.h"

namespace drover::runner {

// Hands each agent with live mail to `deliver` (which writes it into that agent's running
// turn, if this process runs one). A failed read is logged and delivers nothing.
void deliver_live_mail(RunnerContext& ctx, const std::function<void(const std::string&)>& deliver);

}  // namespace drover::runner
