#pragma once
// Telling the supervisor there is new work (SPEC §6.6, §7): a poke on supervisor.sock.
#include "cli/context.h"

namespace drover::cli {

// Pokes a running supervisor; when none runs and `autostart` is on, starts one. Never
// fails the calling command: problems are reported on stderr as a warning.
void notify_supervisor(Context& ctx);

}  // namespace drover::cli
