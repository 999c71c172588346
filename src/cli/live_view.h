#pragma once
// The live view (`drover status --watch [INTERVAL]`, `drover top [INTERVAL]`; issue 16):
// the full-screen loop that reads the snapshot (cli/swarm_read.h), lays it out
// (core/swarm_view.h), paints it (os/terminal_screen.h) and carries out what the keys ask
// (core/live_view_keys.h): an agent's log, a nudge, a stop. See docs/live-view.md.
#include <string>

#include "cli/context.h"
#include "core/duration.h"

namespace drover::cli {

// Runs until `q` (exit 0) or SIGINT/SIGTERM/SIGHUP (the terminal is restored, then the
// process dies by the signal). It redraws when a writer commits to the database (the
// watch on the commit signal that `--wait` uses; at most every 50 ms) and at least every
// `interval`. Errors: usage when stdin or stdout is not a terminal or with --json.
Status run_live_view(Context& ctx, Millis interval);

// The INTERVAL of `--watch` / `top`: empty → 1 s; a bare number of seconds ("2"); or a
// duration ("500ms", "2s"). Errors: usage for anything else, or below 100 ms.
Result<Millis> parse_watch_interval(const std::string& text);

}  // namespace drover::cli
