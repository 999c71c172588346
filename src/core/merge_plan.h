#pragma once
// `drover merge` (issue 17 item 6): the rules that decide whether an agent's branch may be
// merged into the main checkout, and the reading of git's answers about it. Pure.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/session_state.h"

namespace drover {

// What `drover merge A [--into B]` looked up before touching anything.
struct MergeFacts {
  std::string agent;
  SessionState state = SessionState::booting;
  std::string target;                      // --into, else the branch's base
  std::optional<std::string> checked_out;  // the main checkout's branch (nullopt: detached)
  int tracked_changes = 0;                 // tracked changes in the main checkout
};

// Why the merge must not start, or nullopt when it may (all conflict). In order: the agent
// is in a turn (its branch is moving), the main checkout is on another branch (conflict: drover
// never switches branches behind the user's back), it has uncommitted tracked changes (conflict).
// One line each, naming the next step.
std::optional<Error> merge_refusal(const MergeFacts& f);

// Counts the tracked changes in `git status --porcelain=v1 -z` output: every entry but
// untracked ("??") and ignored ("!!") ones.
int count_tracked_changes(std::string_view porcelain_z);

// `git merge-tree --write-tree --name-only --no-messages -z` output: the merged tree and,
// when there were conflicts, the conflicted paths (each once, in git's order).
struct MergeTreeResult {
  std::string tree;
  std::vector<std::string> conflicts;
};
MergeTreeResult parse_merge_tree(std::string_view out_z);

// "Merge drover/A: <the task's first line, at most 72 characters>" (just "Merge drover/A"
// for an empty task).
std::string merge_message(const std::string& branch, const std::string& task);

// "a.txt, b/c.txt and 3 more" for a refusal line: at most `shown` paths named.
std::string describe_conflicts(const std::vector<std::string>& files, std::size_t shown = 5);

}  // namespace drover
