#pragma once
// The files of a project (SPEC §1), computed from its root. Pure.
#include <filesystem>
#include <string>

namespace drover {

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
  std::filesystem::path turn_lock(const std::string& agent) const { return agent_dir(agent) / "turn.lock"; }
  std::filesystem::path turn_pid(const std::string& agent) const { return agent_dir(agent) / "turn.pid"; }
  std::filesystem::path agent_logs(const std::string& agent) const { return logs() / agent; }
  std::filesystem::path worktrees() const { return dir() / "worktrees"; }
  std::filesystem::path worktree(const std::string& agent) const { return worktrees() / agent; }
  // Held while a worktree exists without its session (sling) and while clean looks for
  // worktrees no session owns. Agent names never start with '.', so it is no worktree.
  std::filesystem::path worktrees_lock() const { return worktrees() / ".lock"; }
};

}  // namespace drover
