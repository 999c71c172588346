#pragma once
// Removing an agent's worktree and branch, shared by `clean` and `stop --clean-worktree`
// (SPEC §8: never one another agent still uses).
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/paths.h"
#include "core/result.h"
#include "core/session.h"
#include "runner/turn_lease.h"

namespace drover::cli {

struct WorktreeCleanup {
  std::optional<std::string> worktree;     // the directory removed (nullopt: none, or kept)
  std::optional<std::string> branch;       // the branch deleted (nullopt: none, or kept)
  std::optional<std::string> branch_head;  // where the deleted branch pointed
  std::optional<std::string> discarded;    // uncommitted changes that went with the worktree
  std::vector<std::string> kept_for;       // other agents using it: nothing was removed
  std::optional<std::string> unmerged;     // what removing would lose (describe_unmerged):
                                           // nothing was removed
};

// How long a cleanup waits for an agent's turn lock: a runner settling its last turn, or
// another cleanup of the same agent, holds it for well under this.
inline constexpr Millis kCleanupLockWait{10'000};

// The agent's turn lock, held while its files go, so no runner starts in them meanwhile.
// An agent that never ran has no directory yet: it is made for the lock file. A concurrent
// cleanup may remove the directory between the two steps; then the lock is taken afresh
// (and the caller, re-reading the session under it, finds it gone: done).
Result<runner::TurnLease> take_cleanup_lock(const ProjectPaths& paths, const std::string& agent,
                                            std::optional<Millis> wait);

// Removes `s`'s worktree and branch unless a session in `others` (any but `s` itself)
// uses the same worktree path or branch, or — without `force` — they hold work no other
// branch has (runner::unmerged_work) and that `drover merge` did not record merging (a
// squash merge: the branch still at the merged tip, its worktree clean). Runs git: never call it
// inside a transaction.
Result<WorktreeCleanup> remove_agent_worktree(const ProjectPaths& paths, const Session& s,
                                              const std::vector<Session>& others, bool force);

// The refusal when `c.unmerged` is set: conflict, "<what> would lose <unmerged> (merge
// them, or <force_hint>)" — one line.
Error unmerged_error(const std::string& what, const WorktreeCleanup& c,
                     const std::string& force_hint);

// {"worktree":…,"branch":…,"branch_head":…,"discarded":…} (null when nothing was removed), plus
// "kept_for":[…] when another agent still uses them and "unmerged":"…" when they hold work.
void add_cleanup_json(nlohmann::json& j, const WorktreeCleanup& c);
// " (removed worktree W and branch B, which was at SHA)" or "" when nothing was removed.
std::string cleanup_text(const WorktreeCleanup& c);

}  // namespace drover::cli
