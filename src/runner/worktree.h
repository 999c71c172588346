#pragma once
// Git worktrees of agents slung with --worktree (SPEC §8): created before the agent's
// session, observed at every settle, removed by `clean` and `stop --clean-worktree`.
// Every function runs git; none may be called inside a store transaction.
#include <optional>
#include <string>

#include "core/paths.h"
#include "core/result.h"
#include "core/unmerged_work.h"

namespace drover::runner {

// drover/<agent>: the branch an agent's worktree is created on.
std::string worktree_branch(const std::string& agent);

struct CreatedWorktree {
  std::string path;      // absolute: <root>/.drover/worktrees/<agent>
  std::string branch;    // drover/<agent>
  std::string base_sha;  // the commit it starts from (its first head_sha)
};

// `git worktree add -b drover/<agent> .drover/worktrees/<agent> <base>` in the project
// root; `base` nullopt = the project's current HEAD. Records the base's name (or, without
// one, the project's checked-out branch) as git config branch.drover/<agent>.droverBase,
// for unmerged_work. Errors (each one line that names the
// object and the next step):
//   usage     — the root is not a git work tree; the repository has no commit yet;
//               "drover/<agent>" is not a valid branch name; base starts with '-'
//   not_found — `base` names no commit
//   conflict  — branch drover/<agent> or directory .drover/worktrees/<agent> exists
//   failed    — git could not be run, or failed otherwise (git's error line)
Result<CreatedWorktree> create_worktree(const ProjectPaths& paths, const std::string& agent,
                                        const std::optional<std::string>& base);

struct RemovedWorktree {
  bool worktree_removed = false;              // the directory existed and is gone
  bool branch_removed = false;                // the branch existed and is deleted
  std::optional<std::string> branch_head;     // where the deleted branch pointed
  std::optional<std::string> discarded;       // uncommitted changes removed with it ("2 modified")
  std::optional<UnmergedWork> kept_unmerged;  // UnmergedPolicy::keep: what removing would lose;
                                              // set means nothing was removed
};

enum class UnmergedPolicy {
  remove,  // remove whatever it holds (rolling back a worktree just made; --force)
  keep,    // remove nothing when unmerged_work() finds something to lose
};

// `git worktree remove --force PATH` (or, when the directory is already gone, `git worktree
// prune`), then `git branch -D BRANCH`. Idempotent: a worktree or branch that disappears
// meanwhile (a concurrent clean) counts as removed by someone else, not as an error. A directory
// under .drover/worktrees/ that git does not know as a worktree is deleted as a plain directory.
// Uncommitted changes go with it (the caller reports `discarded`). Refuses (conflict) anything
// drover did not make: a path outside .drover/worktrees/, a symlink, a branch not named drover/*.
Result<RemovedWorktree> remove_worktree(const ProjectPaths& paths, const std::string& path,
                                        const std::optional<std::string>& branch,
                                        UnmergedPolicy policy = UnmergedPolicy::remove);

// What remove_worktree would lose: commits reachable from `branch` or from the worktree's
// HEAD that neither the base nor any other local branch has, and the worktree's
// uncommitted and untracked changes. The base is what create_worktree recorded in git's
// config (branch.<branch>.droverBase), else the branch checked out in the project; an
// unresolvable base counts as none (the other branches still do).
Result<UnmergedWork> unmerged_work(const ProjectPaths& paths, const std::string& path,
                                   const std::optional<std::string>& branch);

// The branch checked out in a worktree (nullopt when detached or unreadable).
std::optional<std::string> checked_out_branch(const std::string& worktree);

// `git rev-parse HEAD` in the worktree.
Result<std::string> head_sha(const std::string& worktree);
// `git status --porcelain -z` in the worktree, summarised (core/git_status.h).
Result<std::string> dirty_summary(const std::string& worktree);

// What a settle records for an agent with a worktree; a fact git could not give is
// nullopt and explained in `error` (the previous value then stays in the session).
struct WorktreeSnapshot {
  std::optional<std::string> head_sha;
  std::optional<std::string> dirty_summary;
  std::string error;
};
WorktreeSnapshot snapshot_worktree(const std::string& worktree);

}  // namespace drover::runner
