#pragma once
// What one sling writes (SPEC §6.1), shared by `drover sling AGENT …` and `drover sling
// --batch FILE`: the options, the capability and runtime chosen, the agent's budget, and
// inside one store transaction the session row (replacing a finished one with --replace)
// and its dispatch mail. No git and no printing here, except the root warning.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cli/context.h"
#include "core/budget.h"
#include "core/session.h"
#include "runner/worktree.h"
#include "store/store.h"

namespace drover::cli {

struct SlingOptions {
  std::string agent;
  std::vector<std::string> task_words;
  std::optional<std::string> file, batch, capability, parent, task_id, runtime, model, base_branch;
  std::optional<std::string> max_cost, max_turns, max_tokens;  // the agent's own budget
  bool wait = false, no_start = false, replace = false, worktree = false;
};

// What one sling writes, settled before its transaction.
struct SlingPlan {
  std::string task, capability, runtime, from;
  BudgetLimits budget;
  std::optional<runner::CreatedWorktree> wt;
};

// An existing session of the same name is a conflict unless it is finished and --replace
// was given (SPEC §6.1).
Status check_existing(const std::optional<Session>& old, const SlingOptions& o);

// The capability (a file under .drover/capabilities) and the runtime (a table in config),
// from the options or the config's defaults, into `plan`; usage errors with a suggestion.
Status choose_capability_and_runtime(const SlingOptions& o, const ProjectPaths& p,
                                     const Config& cfg, SlingPlan& plan);

// --max-cost, --max-turns, --max-tokens: the agent's own limits (core/budget.h).
Result<BudgetLimits> sling_budget(const SlingOptions& o);

// Claude Code refuses bypassPermissions as root: said before the agent is created, since
// every turn of it would fail at once (the one check doctor makes too).
void warn_root_refusal(Context& ctx, const Config& cfg, const std::string& runtime);

// In one transaction: the session (replacing a finished one) and its dispatch mail; returns
// the dispatch mail's id. `old_worktree` gets the replaced session's worktree, which stays.
Result<std::int64_t> write_slung_agent(store::Tx& tx, const SlingOptions& o, const SlingPlan& plan,
                                       std::optional<std::string>& old_worktree);

// A sling whose session could not be written leaves nothing behind: its new worktree goes.
// Returns `e`, with what could not be removed added to it.
Error undo_sling_worktree(const ProjectPaths& p, const SlingPlan& plan, const Error& e);

}  // namespace drover::cli
