#pragma once
// Running a short command to its end and capturing what it printed (git, a runtime's
// `--version`, `claude auth status`), with a deadline: a command that hangs is killed
// with its process group.
#include <chrono>
#include <string>

#include "core/result.h"
#include "os/spawn.h"

namespace drover::os {

struct CommandOutput {
  int exit_code = -1;  // 128 + signal when the command was killed
  std::string out;
  std::string err;
  bool ok() const { return exit_code == 0; }
};

// Spawns `request` with stdin closed and collects stdout and stderr until both close, then
// reaps it. Errors: spawn()'s (not_found when the command cannot be run), or failed
// ("timed out after 5s") when it runs past `timeout`; its process group is then killed.
// A non-zero exit is a CommandOutput with that exit code, not an error.
Result<CommandOutput> run_command(const SpawnRequest& request, std::chrono::milliseconds timeout);

}  // namespace drover::os
