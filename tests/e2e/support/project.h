#pragma once
// Temporary drover projects: a directory removed (supervisor and all) at the end of the
// test, `drover init` in it with the config a test needs, drover run inside it, and
// reading and writing its files. With DROVER_E2E_PG set (support/store.h) the project's
// database is a fresh PostgreSQL schema, named to every drover command by DROVER_STORE.
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "support/command.h"
#include "support/store.h"

namespace e2e {

class TempProject {
 public:
  // On PostgreSQL it also sets DROVER_STORE in the test's own environment, so every
  // process the test starts (commands run with command(), agents, supervisors) uses the
  // project's schema; the latest project wins, and the destructor puts the old value back.
  TempProject();
  // Runs `drover down --now` if a supervisor may be up, then removes the tree (and drops
  // the project's schema).
  ~TempProject();
  TempProject(const TempProject&) = delete;
  TempProject& operator=(const TempProject&) = delete;
  const std::filesystem::path& root() const { return root_; }
  // DROVER_STORE for the project's commands: its schema's URI on PostgreSQL, else "" (the
  // project's own .drover/drover.db).
  std::string store() const { return pg_ ? pg_->uri() : std::string(); }

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
  // PATH with the build directory first, where the fixture agent records, and the store.
  std::map<std::string, std::string> agent_env() const;

 private:
  std::filesystem::path root_;
  std::unique_ptr<PgSchema> pg_;
  std::optional<std::string> outer_store_;  // DROVER_STORE before this project set it
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
