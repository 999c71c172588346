#pragma once
// Reviewing and merging an agent's drover/<agent> branch into the project's checkout
// (issue 17 item 6: `drover diff`, `drover merge`). Every function runs git; none may be
// called inside a store transaction.
#include <optional>
#include <string>
#include <vector>

#include "core/merge_plan.h"
#include "core/paths.h"
#include "core/result.h"

namespace drover::runner {

// The branch `branch` was made from: what create_worktree recorded in git's config
// (branch.<branch>.droverBase), else — for branches made before it did, or edited since —
// the branch checked out in the project. nullopt when neither is known.
std::optional<std::string> branch_base(const ProjectPaths& paths, const std::string& branch);

// Whether refs/heads/<branch> exists.
Result<bool> local_branch_exists(const ProjectPaths& paths, const std::string& branch);

// The commit refs/heads/<branch> points at.
Result<std::string> branch_tip(const ProjectPaths& paths, const std::string& branch);

// `git diff [--stat] <merge-base of base and branch>..branch` in the project: what the
// branch changed since it left its base (three-dot semantics).
Result<std::string> branch_diff(const ProjectPaths& paths, const std::string& base,
                                const std::string& branch, bool stat);

// Commits on `branch` that `target` lacks.
Result<int> commits_ahead(const ProjectPaths& paths, const std::string& target,
                          const std::string& branch);

// `git merge-tree --write-tree` of target and branch: would the merge conflict, and where.
// Touches neither the checkout nor the index (git ≥ 2.38).
Result<MergeTreeResult> trial_merge(const ProjectPaths& paths, const std::string& target,
                                    const std::string& branch);

// The tree of commit `rev`.
Result<std::string> tree_of(const ProjectPaths& paths, const std::string& rev);

// Tracked changes in the project's checkout (count_tracked_changes of git status).
Result<int> checkout_tracked_changes(const ProjectPaths& paths);

struct MergeDone {
  std::string sha;                     // the new commit on the checked-out branch
  std::vector<std::string> conflicts;  // set: nothing was merged (the merge was undone)
};

// Merges `branch` (a branch name or commit) into the branch checked out in the project: `git merge
// --no-ff -m MSG`, or with `squash` `git merge --squash` and `git commit -m MSG`. On a conflict (or
// any failure after git touched the tree) the merge is undone with `git merge --abort` / `git reset
// --merge`, and the checkout is verified clean again: conflicts lists the conflicting paths. failed
// when git cannot run or the checkout could not be restored.
Result<MergeDone> merge_branch(const ProjectPaths& paths, const std::string& branch,
                               const std::string& message, bool squash);

}  // namespace drover::runner
