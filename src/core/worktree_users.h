#pragma once
// Who uses a worktree (SPEC §8: clean "never removes one another agent still uses"). Pure.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/session.h"

namespace drover {

// Names of the sessions other than `self` whose worktree is `path` (compared as normalised
// paths) or whose branch is `branch`, in the order given. Empty `path`/`branch` match nothing.
std::vector<std::string> other_worktree_users(const std::vector<Session>& sessions,
                                              std::string_view self,
                                              const std::optional<std::string>& path,
                                              const std::optional<std::string>& branch);

}  // namespace drover
