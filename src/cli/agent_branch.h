#pragma once
// The agent a `drover diff` / `drover merge` is about, and its branch and base: shared by
// both commands.
#include <optional>
#include <string>

#include "cli/context.h"
#include "core/paths.h"
#include "core/result.h"
#include "core/session.h"

namespace drover::cli {

// The session of `name`; not_found names the closest agent ("did you mean 'x'?").
Result<Session> find_agent_session(Context& ctx, const std::string& name);

struct AgentBranch {
  std::string branch;  // drover/<agent>
  std::string base;    // what it was made from (runner::branch_base)
};

// The agent's branch and base. conflict when the agent has no branch (slung without
// --worktree); not_found when the branch is gone; failed when no base is known (a detached
// project checkout and nothing recorded).
Result<AgentBranch> agent_branch(const ProjectPaths& p, const Session& s);

}  // namespace drover::cli
