#pragma once
// Finding the project and naming its files (SPEC §1).
#include <filesystem>
#include <optional>
#include <string>

#include "core/paths.h"
#include "core/result.h"

namespace drover::cli {

using drover::ProjectPaths;

// --project DIR, else $DROVER_PROJECT, else the nearest ancestor of the working directory
// holding .drover/ (first along $PWD, the path the shell used, then along the physical
// path), else — inside an agent's git worktree — the main repository when it holds
// .drover/; else Errc::project "not a drover project (run 'drover init')".
Result<ProjectPaths> find_project(const std::optional<std::string>& project_flag);

}  // namespace drover::cli
