#pragma once
// Read-only facts about the project's supervisor, for status and the CLI's autostart.
#include <optional>
#include <string>

#include "cli/project.h"
#include "os/process.h"
#include "supervisor/conditions.h"

namespace drover::cli {

struct SupervisorInfo {
  bool running = false;                         // supervisor.lock is held
  std::optional<os::ProcessIdentity> identity;  // from supervisor.pid, when readable
  std::optional<std::string> started_at;        // supervisor.pid's mtime
  // What it reports beyond that (supervisor.state): deferred starts, a bad config.toml.
  std::optional<supervisor::Conditions> conditions;
};

SupervisorInfo read_supervisor_info(const ProjectPaths& p);

}  // namespace drover::cli
