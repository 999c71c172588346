#pragma once
// A short summary of uncommitted changes in a worktree (SPEC §8: "at every settle the
// session records head_sha and a summary of uncommitted changes"). Pure.
#include <string>
#include <string_view>

namespace drover {

// Summarises `git status --porcelain=v1 -z` output: "clean" when there is nothing, else
// counts in a fixed order, zero counts left out, e.g. "2 modified, 1 added, 3 untracked".
// Each entry counts once, by its strongest kind: conflicted (unmerged), untracked,
// renamed, copied, added, deleted, modified (M or T in either column). Ignored entries
// ("!!") are not changes. Malformed input never throws: what cannot be read is skipped.
std::string summarize_porcelain(std::string_view porcelain_z);

}  // namespace drover
