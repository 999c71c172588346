// doctor: dependencies, config, runtimes, root, database (SPEC §6.9, §8).
#include <filesystem>
#include <map>

#include "cli/doctor_checks.h"
#include "os/files.h"
#include "os/host.h"
#include "runner/containment.h"
#include "store/inspect.h"
#include "store/schema.h"
#include "store/store.h"
#include "store/target.h"

namespace drover::cli::doctor_checks {

namespace dr = drover::doctor;

namespace {

std::string join(const std::vector<std::string>& parts, const std::string& sep = ", ") {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : sep) + p;
  return out;
}

// runtime → the live agents using it.
std::map<std::string, std::vector<std::string>> live_users(const Facts& f) {
  std::map<std::string, std::vector<std::string>> users;
  if (f.sessions)
    for (const auto& s : *f.sessions)
      if (!is_terminal(s.state)) users[s.runtime].push_back(s.name);
  return users;
}

// "the default runtime, used by alice, bob" — empty when nothing uses it.
std::string role(const Facts& f, const std::map<std::string, std::vector<std::string>>& users,
                 const std::string& runtime) {
  std::vector<std::string> parts;
  if (runtime == f.config.defaults.runtime) parts.push_back("the default runtime");
  if (auto it = users.find(runtime); it != users.end())
    parts.push_back("used by " + join(it->second));
  return join(parts);
}

void tool(std::vector<Check>& out, const char* name, const std::string& missing) {
  if (auto exe = os::find_executable(name, {}))
    out.push_back(dr::pass(name, "found at " + exe->string()));
  else out.push_back(dr::warn(name, missing));
}

}  // namespace

void dependencies(std::vector<Check>& out) {
  tool(out, "git", "not found on PATH; 'sling --worktree' and 'clean' need it (install git)");
  tool(out, "sqlite3",
       "not found on PATH; only needed to look into .drover/drover.db by hand (install sqlite3)");
}

void config(const ProjectPaths& paths, Config& cfg, std::vector<Check>& out) {
  const std::string file = paths.config().string();
  auto text = os::read_file(paths.config());
  if (!text) {
    if (text.error().code == Errc::not_found)
      out.push_back(dr::warn(
          "config",
          file + " is missing; every key takes its default ('drover init --force' writes it)"));
    else
      out.push_back(
          dr::fail("config", text.error().message + "; the other checks use the defaults"));
    return;
  }
  auto parsed = parse_config(*text, file);
  if (!parsed) {
    out.push_back(
        dr::fail("config", parsed.error().message + " (the other checks use the defaults)"));
    return;
  }
  cfg = std::move(*parsed);
  out.push_back(dr::pass("config", file + " parses"));
}

bool runtime_in_use(const Facts& f, const std::string& runtime) {
  return !role(f, live_users(f), runtime).empty();
}

void runtimes(const Facts& f, std::vector<Check>& out) {
  auto users = live_users(f);
  for (const auto& [name, rt] : f.config.runtimes) {
    const std::string check = "runtime " + name;
    std::string used = role(f, users, name);
    std::string why = "the command is empty";
    std::optional<std::filesystem::path> exe;
    if (!rt.command.empty()) exe = os::find_executable(rt.command[0], f.paths.root, &why);
    if (exe) {
      out.push_back(dr::pass(check, rt.command[0] + " is " + exe->string()));
      continue;
    }
    std::string executable = rt.command.empty() ? "" : rt.command[0];
    std::string msg = "cannot run '" + executable + "': " + why + " (" +
                      (used.empty() ? "not used by the default runtime or a live agent" : used) +
                      "); " + dr::runtime_fix_hint(name, executable);
    out.push_back(used.empty() ? dr::warn(check, msg) : dr::fail(check, msg));
  }
  for (const auto& [runtime, agents] : users) {
    if (f.config.runtimes.count(runtime)) continue;
    out.push_back(dr::fail("runtime " + runtime,
                           "used by " + join(agents) + " but not configured; add [runtimes." +
                               runtime + "] with a command to .drover/config.toml"));
  }
}

void root_permissions(const Facts& f, std::vector<Check>& out) {
  if (!os::running_as_root()) {
    out.push_back(dr::pass("root", "not running as root"));
    return;
  }
  auto users = live_users(f);
  std::vector<std::string> refused;
  for (const auto& [name, rt] : f.config.runtimes)
    if (!role(f, users, name).empty() && dr::skips_permissions(rt.command)) refused.push_back(name);
  if (refused.empty()) {
    out.push_back(dr::pass("root", "running as root; no runtime in use skips permission prompts"));
    return;
  }
  out.push_back(dr::warn("root", dr::root_refusal_warning(join(refused))));
}

void containment(const Facts& f, std::vector<Check>& out) {
  auto c = runner::probe_containment(f.paths);
  // Switched off on purpose: said, not warned about. Unavailable: a warning.
  bool chosen = c.why_not.find("switches cgroups off") != std::string::npos;
  out.push_back(c.cgroup || chosen ? dr::pass("containment", c.describe())
                                   : dr::warn("containment", c.describe()));
}

void database(const std::filesystem::path& target, std::unique_ptr<store::Store>& st,
              std::vector<Check>& out) {
  const int current = store::current_schema_version();
  const bool pg = store::is_postgresql_uri(target.native());
  const std::string restore =
      pg ? "check that the PostgreSQL server is up and that DROVER_STORE (or config.toml's "
           "store) names the right database"
         : "restore .drover/drover.db from a backup, or move it aside and run "
           "'drover init --force' for an empty one (agents and mail are lost)";
  auto health = store::inspect_database(target);
  if (!health) {
    out.push_back(dr::fail("database integrity", health.error().message + "; " + restore));
    out.push_back(dr::warn("database schema", "not checked: the database cannot be read"));
    return;
  }
  bool sound = health->integrity == "ok";
  if (sound) out.push_back(dr::pass("database integrity", "ok"));
  else out.push_back(dr::fail("database integrity", health->integrity + "; " + restore));

  const int found = health->schema_version;
  const std::string versions = "version " + std::to_string(found);
  if (found > current) {
    out.push_back(dr::fail("database schema", versions + " is newer than this drover supports (" +
                                                  std::to_string(current) + "); upgrade drover"));
    return;
  }
  if (!sound) {
    // Never migrate (write to) a damaged file; say what we saw.
    if (found == current) out.push_back(dr::pass("database schema", versions + " (current)"));
    else
      out.push_back(
          dr::warn("database schema", versions + " is older than " + std::to_string(current) +
                                          "; not migrated because the database is damaged"));
    return;
  }
  if (pg && found == 0) {
    // No drover tables: opening would refuse (only init creates them).
    out.push_back(dr::fail("database schema", "no drover tables in " +
                                                  store::describe_target(target) +
                                                  "; run 'drover init' to create them"));
    return;
  }
  auto opened = store::Store::open(target, store::OpenMode::existing);
  if (!opened) {
    out.push_back(dr::fail("database schema",
                           versions + ", but opening it failed: " + opened.error().message));
    return;
  }
  st = std::move(*opened);
  if (found == current) {
    out.push_back(dr::pass("database schema", versions + " (current)"));
    return;
  }
  out.push_back(dr::warn("database schema",
                         versions + " was older than " + std::to_string(current) +
                             "; migrated to version " + std::to_string(st->schema_version()) +
                             " when doctor opened it (every drover command does)"));
}

}  // namespace drover::cli::doctor_checks
