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
  std::filesystem::path supervisor_down() const { return dir() / "supervisor.down"; }
  std::filesystem::path supervisor_state() const { return dir() / "supervisor.state"; }
  std::filesystem::path logs() const { return dir() / "logs"; }
  // Built by string concatenation, not path::operator/ (which re-parses every component):
  // `status` computes these for every agent. Agent names never contain '/'.
  std::filesystem::path agent_dir(const std::string& agent) const { return agent_file(agent, ""); }
  std::filesystem::path turn_lock(const std::string& agent) const {
    return agent_file(agent, "/turn.lock");
  }
  std::filesystem::path turn_pid(const std::string& agent) const {
    return agent_file(agent, "/turn.pid");
  }
  // The turn's cgroup (cgroup mode), written before the cgroup is created.
  std::filesystem::path turn_cgroup(const std::string& agent) const {
    return agent_file(agent, "/turn.cgroup");
  }
  std::filesystem::path agent_logs(const std::string& agent) const { return logs() / agent; }
  std::filesystem::path worktrees() const { return dir() / "worktrees"; }
  std::filesystem::path worktree(const std::string& agent) const { return worktrees() / agent; }
  // Held while a worktree exists without its session (sling) and while clean looks for
  // worktrees no session owns. Agent names never start with '.', so it is no worktree.
  std::filesystem::path worktrees_lock() const { return worktrees() / ".lock"; }

 private:
  std::filesystem::path agent_file(const std::string& agent, const char* file) const {
    std::string p = root.empty() ? std::string(".") : root.native();
    if (p.size() > 1 && p.back() == '/') p.pop_back();
    p += p == "/" ? ".drover/agents/" : "/.drover/agents/";
    p += agent;
    p += file;
    return std::filesystem::path(std::move(p));
  }
};

}  // namespace drover
