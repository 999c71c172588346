#pragma once
// What removing an agent's worktree and branch would lose (SPEC §6.9 clean, §6.3
// stop --clean-worktree): like `git branch -d`, drover refuses unless told --force. Pure.
#include <optional>
#include <string>

namespace drover {

struct UnmergedWork {
  int commits = 0;                 // commits on the branch (or the worktree's HEAD) no other
                                   // local branch and not the base has
  std::string base;                // the base's name for messages ("" when unknown)
  std::string dirty = "clean";     // summarize_porcelain() of the worktree
  std::optional<std::string> tip;  // the branch's (else the worktree's) commit
  bool any() const { return commits > 0 || dirty != "clean"; }
};

// "3 commits not on main or any other branch, 2 modified, 1 untracked"; "" when nothing
// would be lost. Without a base: "1 commit not on any other branch".
std::string describe_unmerged(const UnmergedWork& w);

}  // namespace drover
