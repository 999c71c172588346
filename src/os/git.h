#pragma once
// Running the `git` executable (SPEC §8 --worktree). The only place drover starts git.
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "core/result.h"
#include "os/run_command.h"
#include "os/spawn.h"

namespace drover::os {

struct GitOutput {
  int exit_code = -1;  // 128 + signal when git was killed
  std::string out;
  std::string err;
  bool ok() const { return exit_code == 0; }
};

// Runs `git ARGS…` in `cwd` with stdin closed, capturing stdout and stderr. Fails only when
// git cannot be run at all (failed: "git is not installed …"), or when it runs past
// its 30 s deadline (killed; failed: "… timed out"); a non-zero exit is a
// GitOutput with that exit code.
Result<GitOutput> run_git(const std::vector<std::string>& args, const std::filesystem::path& cwd);
// The same with its own deadline (a push or fetch that talks to a remote).
Result<GitOutput> run_git(const std::vector<std::string>& args, const std::filesystem::path& cwd,
                          std::chrono::milliseconds deadline);

// What run_git runs, for a caller that runs it itself (runner/async_command.h): git in
// `cwd`, with the environment above.
SpawnRequest git_request(const std::vector<std::string>& args, const std::filesystem::path& cwd);
// What run_git makes of the command's result: its errors worded as run_git's.
Result<GitOutput> git_result(const std::vector<std::string>& args, const std::filesystem::path& cwd,
                             Result<CommandOutput> r);

// Runs git and requires exit 0: stdout on success, else Errc::failed with
// "git ARGS… failed: <git's error line>".
Result<std::string> git_stdout(const std::vector<std::string>& args,
                               const std::filesystem::path& cwd);

// The line of git's stderr that says what went wrong: the first "fatal:" or "error:" line,
// else the first non-empty line ("" when there is none).
std::string git_error_line(const std::string& err);

}  // namespace drover::os
