#pragma once
// drover sling --batch FILE (docs/steering.md "Batch sling"): many agents from one file
// (core/sling_batch.h reads it), all or nothing. Every entry is checked first (its shape,
// capability, runtime, and that its name is free); then worktrees for the entries that ask
// for one, one write transaction for every session and dispatch mail, and one wake of the
// supervisor. On any problem nothing is created (worktrees already made are removed).
#include "cli/context.h"
#include "cli/sling_write.h"

namespace drover::cli {

// `flags` are sling's options: `flags.batch` names the file ('-' is stdin), and the other
// flags are the defaults of every entry. AGENT, TASK, --file and --wait are refused.
Status run_sling_batch(Context& ctx, const SlingOptions& flags);

}  // namespace drover::cli
