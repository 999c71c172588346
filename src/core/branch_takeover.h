#pragma once
// Worktrees across hosts (issue 19; docs/decisions.md "Worktrees across hosts"): what a
// host does before a turn of a --worktree agent when the project has a `remote`. The
// worktree lives on the host that runs the agent; a host without it gets the agent's branch
// back from the remote at the commit last recorded as pushed, or else starts the agent
// from its base with a note that says why. Pure: facts in, a plan out.
#include <optional>
#include <string>

namespace drover {

struct TakeoverFacts {
  // The session's worktree is this host's .drover/worktrees/<agent> and is a directory.
  bool worktree_here = false;
  std::optional<std::string> recorded_sha;  // the last branch_pushed event's sha
  // That push came from another checkout (os/checkout_place.h): the agent moved on from
  // any worktree here unless this host's branch is at the recorded sha.
  bool pushed_elsewhere = false;
  std::optional<std::string> local_sha;  // refs/heads/drover/<agent> on this host
  // The remote's drover/<agent>, once asked (remote_asked): nullopt when it has none.
  bool remote_asked = false;
  std::optional<std::string> remote_error;  // it could not be reached: git's error line
  std::optional<std::string> remote_sha;
};

enum class TakeoverAction {
  keep,            // the worktree is here: nothing to do
  restore_local,   // recreate the worktree on this host's branch, which is at the recorded sha
  ask_remote,      // the facts need the remote's branch first (ls-remote), then plan again
  restore_remote,  // fetch the remote's branch (at the recorded sha) and make the worktree on it
  fresh,           // a fresh worktree from the agent's base, and a note to the agent
};

struct TakeoverPlan {
  TakeoverAction action = TakeoverAction::keep;
  std::string sha;     // restore_*: the commit the worktree starts at
  std::string reason;  // fresh: why the branch could not be had, one phrase
};

// keep when the worktree is here (and not left behind by a push from elsewhere that this
// host's branch lacks); restore_local when this host's branch is at the recorded
// sha; otherwise ask_remote until the remote was asked, then restore_remote when its branch
// is at the recorded sha and fresh in every other case (unreachable, no such branch, another
// commit, or nothing recorded as pushed).
TakeoverPlan plan_takeover(const TakeoverFacts& f, const std::string& branch,
                           const std::string& remote);

// The note the agent's first turn on this host reads when it starts fresh: what happened,
// from which base, and that work of its earlier turns elsewhere is not in the worktree.
std::string fresh_start_note(const std::string& branch, const std::string& remote,
                             const std::string& reason, const std::string& base,
                             const std::string& base_sha);

}  // namespace drover
