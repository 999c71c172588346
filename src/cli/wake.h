#pragma once
// Telling the supervisor there is new work (SPEC §6.6, §7): a poke on supervisor.sock,
// starting the supervisor first when it is down and allowed to.
#include "cli/context.h"

namespace drover::cli {

// Pokes a running supervisor; when none runs, `may_start` is true and config
// `autostart` is on, starts one (detached). Never fails the calling command: problems
// are reported on stderr as a warning.
void notify_supervisor(Context& ctx, bool may_start = true);

// Starts a detached supervisor and waits until it accepts pokes (drover up).
Status start_supervisor(Context& ctx);

}  // namespace drover::cli
