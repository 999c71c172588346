#pragma once
// The supervisor's Asio loop (supervisor/supervisor.cpp), run by supervisor::run once the
// process holds supervisor.lock: recovery, then scheduling turns until shut down.
#include "core/result.h"
#include "runner/runner.h"

namespace drover::supervisor {

// `ctx` holds the config the supervisor started with; the loop replaces it as config.toml
// changes. Returns after a clean shutdown.
Status run_loop(runner::RunnerContext& ctx);

}  // namespace drover::supervisor
