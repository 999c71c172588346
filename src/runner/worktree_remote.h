#pragma once
// Worktrees across hosts through the project's git remote (issue 19; config `remote`;
// docs/decisions.md "Worktrees across hosts"). An agent's worktree lives on the host that
// runs it. After each settled turn its branch drover/<agent> is pushed to the remote and
// the commit recorded (event `branch_pushed`); a host that is about to run a turn of an
// agent whose worktree it does not have gets the branch back at that commit, or starts the
// agent from its base in a fresh worktree and tells it so (a note mail, a `worktree_fresh`
// warn event and a supervisor log line): never silently. Without `remote` neither does
// anything. Both run git and the store's own transactions: call them outside any
// transaction, holding the agent's turn lock.
#include <chrono>
#include <cstdint>
#include <string>

#include <optional>
#include <vector>

#include "core/result.h"
#include "core/session.h"
#include "os/git.h"
#include "runner/runner.h"

namespace drover::runner {

// How long one push, ls-remote or fetch may take before git is killed.
inline constexpr std::chrono::milliseconds kRemoteDeadline{10'000};

// Before a turn of `agent`: with a remote configured and a session that has a worktree
// which is not this host's .drover/worktrees/<agent> or is missing, makes one there — on
// this host's branch when it is at the commit last recorded as pushed, else on the remote's
// branch when that is, else fresh from the agent's base (with the note) — and records the
// session's worktree as this host's. Nothing happens while another host holds the agent's
// lease (docs/hosts.md): the claim that follows refuses the turn. A stale worktree
// directory of an earlier stay here is replaced. Errors: the worktree could not be made at
// all (failed, naming the agent and git's error line); the turn must not start.
Status bring_worktree_here(RunnerContext& ctx, const std::string& agent);

// Whether a settled turn of this session pushes: a remote is configured and the agent has a
// worktree branch.
bool branch_push_due(const RunnerContext& ctx, const Session& s);

// After a settled turn, a push of refs/heads/<branch> to the remote (forced: the branch is
// the agent's own), in three steps so that the push itself can run beside the loop
// (runner/async_command.h; TurnRun does):
//   plan_branch_push: nothing to push (no remote, or the last recorded push already sent
//     that commit there), or the branch is missing here (recorded as failed, below): nullopt.
//     Otherwise what to push, with `git_args()` for the push itself.
//   record_branch_push: `branch_pushed` {remote, branch, sha, base, place, ms}, or on any
//     failure a warning in the log and `branch_push_failed` (warn) {remote, branch, sha,
//     error}.
// Never fails the turn.
struct BranchPush {
  std::string agent, remote, branch, sha, base;
  std::int64_t turn_id = 0;
  std::chrono::steady_clock::time_point started;
  std::vector<std::string> git_args() const;  // for os::git_request, with kRemoteDeadline
};
std::optional<BranchPush> plan_branch_push(RunnerContext& ctx, const std::string& agent,
                                           const std::string& branch, std::int64_t turn_id);
void record_branch_push(RunnerContext& ctx, const BranchPush& push, const Result<os::GitOutput>& r);

}  // namespace drover::runner
