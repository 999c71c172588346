#pragma once
// Temporary drover projects: a directory removed (supervisor and all) at the end of the
// test, `drover init` in it with the config a test needs, drover run inside it, and
// reading and writing its files.
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "support/command.h"

namespace e2e {

class TempProject {
 public:
  TempProject();
  ~TempProject();  // runs `drover down --now` if a supervisor may be up, then removes the tree
  TempProject(const TempProject&) = delete;
  TempProject& operator=(const TempProject&) = delete;
  const std::filesystem::path& root() const { return root_; }

  // Runs `drover args…` in the project (cwd = root unless set).
  Run drover(const std::vector<std::string>& args, const RunOptions& o = {}) const;
  // drover init, asserting success.
  void init() const;
  // drover init plus a [runtimes.scripted] runtime (the fixture agent, recording into
  // record_dir()) made the default. `extra_toml` holds "table.key = value" lines that
  // replace keys of the written config, e.g. "turn.stall_timeout = \"1s\"".
  void init_scripted(const std::string& extra_toml = "") const;
  std::filesystem::path record_dir() const { return root_ / "records"; }
  // Environment for drover commands that may start a supervisor or run the agent:
  // PATH with the build directory first, and where the fixture agent records.
  std::map<std::string, std::string> agent_env() const;

 private:
  std::filesystem::path root_;
};

// `drover init`, then autostart off: tests that create session rows by hand must not
// have `mail send` start a supervisor that would run (or stale) those agents.
void init_without_autostart(const TempProject& p);
// init_scripted with supervisor autostart off: mail, nudge and resume never start a
// supervisor, so the test runs every turn itself with `drover turn`.
void init_for_manual_turns(const TempProject& p, const std::string& extra_toml = "");

// `drover args…` with the agent environment (the command may start a supervisor or run
// the agent): run() returns what happened, ok() also asserts exit 0.
RunOptions agent_opts(const TempProject& p);
Run run(const TempProject& p, const std::vector<std::string>& args);
Run ok(const TempProject& p, const std::vector<std::string>& args);

std::string read_text(const std::filesystem::path& p);  // "" if it cannot be read
void write_text(const std::filesystem::path& p, const std::string& text);

// `git ARGS…` in `cwd` (default: the project root), asserting success; stdout trimmed.
std::string git(const TempProject& p, std::vector<std::string> args,
                const std::filesystem::path& cwd = {});
// Whether the project's repository has refs/heads/BRANCH.
bool branch_exists(const TempProject& p, const std::string& branch);

}  // namespace e2e
