#pragma once
// Where a project checkout is (issue 19, worktrees across hosts): "<hostname>:<root>".
// Recorded with each push of an agent's branch, so that a host can tell that the agent last
// worked somewhere else even when every host checks the project out at the same path.
#include <filesystem>
#include <string>

namespace drover::os {

// gethostname(2) (or "unknown-host" when it fails), ':', and `root` as given.
std::string checkout_place(const std::filesystem::path& root);

}  // namespace drover::os
