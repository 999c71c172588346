#pragma once
// The checks behind `drover doctor` (SPEC §6.9). Each appends what it found; with `fix`
// set, the safe repairs run and the check says what was done. None of them aborts the
// others: a broken config falls back to defaults, a broken database skips only the
// checks that need its rows.
#include <memory>
#include <optional>
#include <vector>

#include "cli/project.h"
#include "core/config.h"
#include "core/doctor_report.h"
#include "core/session.h"
#include "store/store.h"

namespace drover::cli::doctor_checks {

using drover::doctor::Check;

struct Facts {
  ProjectPaths paths;
  Config config;                                 // defaults when config.toml is broken
  std::optional<std::vector<Session>> sessions;  // nullopt when the database cannot be read
  bool supervisor_running = false;
  bool fix = false;
};

// Environment and settings (doctor_env_checks.cpp).
void dependencies(std::vector<Check>& out);
// Loads config.toml into `config`, or leaves the defaults there and reports why.
void config(const ProjectPaths& paths, Config& config, std::vector<Check>& out);
void runtimes(const Facts& f, std::vector<Check>& out);
// True when `runtime` is the default one or a live agent uses it (its troubles then fail
// the report; otherwise they are warnings).
bool runtime_in_use(const Facts& f, const std::string& runtime);
// Each runtime whose executable exists answers `--version` within 5 s; a Claude Code one is
// logged in (`claude auth status`, else its credentials) — no token is spent
// (doctor_runtime_checks.cpp).
void runtime_probes(const Facts& f, std::vector<Check>& out);
void root_permissions(const Facts& f, std::vector<Check>& out);
// Which mode ends a turn's processes (runner/containment.h): cgroup v2, or process groups
// only and what that cannot catch.
void containment(const Facts& f, std::vector<Check>& out);
// Integrity and schema version of the project's database `target` (store/target.h: the
// SQLite file, or a PostgreSQL URI: reachable, and with drover's tables), then opens the
// store (migrating an older schema) when it is sound; `store` stays null otherwise.
void database(const std::filesystem::path& target, std::unique_ptr<store::Store>& store,
              std::vector<Check>& out);

// Files under .drover/ (doctor_file_checks.cpp).
void supervisor_files(const Facts& f, std::vector<Check>& out);
void turn_pids(const Facts& f, std::vector<Check>& out);
// turn.cgroup files no runner holds: the cgroup a dead runner left, emptied by --fix.
void turn_cgroups(const Facts& f, std::vector<Check>& out);
void agent_dirs(const Facts& f, std::vector<Check>& out);
void worktrees(const Facts& f, std::vector<Check>& out);
void stuck_sessions(const Facts& f, std::vector<Check>& out);

}  // namespace drover::cli::doctor_checks
