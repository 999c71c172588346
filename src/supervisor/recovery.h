#pragma once
// Start-up recovery (SPEC §7): settle turns that never ended, kill orphans of dead
// runners (identity verified), and resume or retire interrupted agents.
#include "runner/runner.h"

namespace drover::supervisor {

struct RecoveryReport {
  int turns_interrupted = 0;
  int orphans_killed = 0;
  int resumed = 0;
  int stale = 0;
};

RecoveryReport recover(runner::RunnerContext& ctx);

}  // namespace drover::supervisor
