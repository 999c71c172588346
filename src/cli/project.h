#pragma once
// Finding the project and naming its files (SPEC §1).
#include <filesystem>
#include <optional>
#include <string>

#include "core/result.h"

namespace drover::cli {

struct ProjectPaths {
  std::filesystem::path root;  // the directory holding .drover/
  std::filesystem::path dir() const { return root / ".drover"; }
  std::filesystem::path db() const { return dir() / "drover.db"; }
  std::filesystem::path config() const { return dir() / "config.toml"; }
  std::filesystem::path capabilities() const { return dir() / "capabilities"; }
  std::filesystem::path supervisor_lock() const { return dir() / "supervisor.lock"; }
  std::filesystem::path supervisor_pid() const { return dir() / "supervisor.pid"; }
  std::filesystem::path supervisor_sock() const { return dir() / "supervisor.sock"; }
  std::filesystem::path logs() const { return dir() / "logs"; }
  std::filesystem::path agent_dir(const std::string& agent) const { return dir() / "agents" / agent; }
  std::filesystem::path worktrees() const { return dir() / "worktrees"; }
};

// --project DIR, else $DROVER_PROJECT, else the nearest ancestor of the working directory
// holding .drover/, else Errc::project "not a drover project (run 'drover init')".
Result<ProjectPaths> find_project(const std::optional<std::string>& project_flag);

}  // namespace drover::cli
