// drover init [--force]: create .drover/ with a complete config, the capability
// definitions and the database (SPEC §1, §6.9).
#include <CLI/CLI.hpp>
#include <memory>

#include "cli/context.h"
#include "cli/registry.h"
#include "cli/supervisor_info.h"
#include "core/assets.h"
#include "core/config.h"
#include "core/config_merge.h"
#include "os/files.h"
#include "store/store.h"
#include "store/target.h"

namespace drover::cli {

namespace fs = std::filesystem;

namespace {

struct InitOptions {
  int force = 0;  // how many times --force was given: twice also while a supervisor runs
};

// The config `init --force` writes over an existing one: the user's values kept, missing
// keys added. Refused while a supervisor runs (it read the old file; a second --force
// overrides), and when the file does not parse (exit 5: nothing is written).
Result<MergedConfig> plan_reinit(const ProjectPaths& p, const InitOptions& o,
                                 const std::string& old) {
  if (o.force < 2) {
    SupervisorInfo info = read_supervisor_info(p);
    if (info.running)
      return make_error(
          Errc::conflict,
          "a supervisor is running in " + p.root.string() +
              (info.identity ? " (pid " + std::to_string(info.identity->pid) + ")" : "") +
              ": stop it with 'drover down' first, or give --force twice to re-initialise "
              "anyway");
  }
  auto merged = merge_config(old, default_config_text(), p.config().string());
  if (!merged && merged.error().code == Errc::project)
    return make_error(Errc::project, merged.error().message +
                                         " (fix it, or move it away and run 'drover init' "
                                         "again; nothing was changed)");
  return merged;
}

// Writes .drover/: directories, the database `target` (created and migrated first, so a
// failure leaves no config pointing at a database that does not exist), config.toml (the
// merged one and its backup on re-init), .gitignore and the capability files. Returns how
// many capability files it wrote.
Result<int> write_project(const ProjectPaths& p, const fs::path& target,
                          const std::optional<MergedConfig>& merged, const std::string& old,
                          const fs::path& backup) {
  std::error_code ec;
  for (const auto& dir : {p.dir(), p.capabilities(), p.logs(), p.dir() / "agents", p.worktrees()})
    DROVER_TRY(os::make_private_dirs(dir));
  // An empty file is a valid empty database; creating it ourselves gives it mode 0600
  // (SQLite then creates -wal and -shm with the same mode). A PostgreSQL store has no
  // file: its tables are created (migrated) in the database the URI names.
  if (!store::is_postgresql_uri(target.native()) && !fs::exists(target, ec))
    DROVER_TRY(os::write_file_atomic(target, "", 0600));
  auto store = store::Store::open(target, store::OpenMode::create);
  if (!store) return store.error();
  if (merged) {
    DROVER_TRY(os::write_file_atomic(backup, old, 0600));
    DROVER_TRY(os::write_file_atomic(p.config(), merged->text, 0600));
  } else {
    DROVER_TRY(os::write_file_atomic(p.config(), default_config_text(), 0600));
  }
  // Keeps `git add -A` in the project from taking the database, logs and nested worktrees.
  DROVER_TRY(os::write_file_atomic(
      p.dir() / ".gitignore", "# written by drover init: nothing here belongs in git\n*\n", 0600));
  int caps = 0;
  for (const auto& asset : embedded_assets()) {
    fs::path rel(asset.path);
    if (rel.parent_path() != "agents") continue;
    DROVER_TRY(os::write_file_atomic(p.capabilities() / rel.filename(), asset.content, 0600));
    ++caps;
  }
  return caps;
}

void report_init(Context& ctx, const ProjectPaths& p, const std::string& database, bool reinit,
                 const std::optional<MergedConfig>& merged, const fs::path& backup, int caps) {
  ctx.out.info((reinit ? "re-initialised drover in " : "initialised drover in ") +
               p.dir().string());
  ctx.out.info("  config:       " + p.config().string());
  if (merged) {
    std::string added;
    for (const auto& k : merged->added) added += (added.empty() ? "" : ", ") + k;
    ctx.out.info("                kept every value set there; added " +
                 (added.empty() ? std::string("nothing (no key was missing)") : added) +
                 "; the old file is " + backup.string());
  }
  ctx.out.info("  database:     " + database);
  ctx.out.info("  capabilities: " + std::to_string(caps) + " in " + p.capabilities().string());
  ctx.out.info("next: drover mail send --to alice --subject hello --body 'first message'");
  ctx.out.document(
      {{"project", p.root.string()},
       {"config", p.config().string()},
       {"database", database},
       {"capabilities", caps},
       {"reinitialised", reinit},
       {"added", merged ? nlohmann::json(merged->added) : nlohmann::json::array()},
       {"backup", merged ? nlohmann::json(backup.string()) : nlohmann::json(nullptr)}});
}

Status run_init(Context& ctx, const InitOptions& o) {
  std::error_code ec;
  fs::path root = ctx.opts.project ? fs::absolute(*ctx.opts.project, ec) : fs::current_path(ec);
  if (ec || !fs::is_directory(root, ec))
    return make_error(Errc::usage, "cannot initialise " + root.string() + ": not a directory");
  ProjectPaths p{root};
  bool exists = fs::exists(p.config(), ec);
  if (exists && !o.force)
    return make_error(Errc::conflict, "drover is already initialised in " + root.string() +
                                          " (use 'drover init --force' to add missing config "
                                          "keys and rewrite the capability files; your "
                                          "settings and the database are kept)");
  // The shipped defaults must parse: never write a config we would then refuse.
  auto parsed = parse_config(default_config_text(), "templates/config.toml");
  if (!parsed) return make_error(Errc::failed, "internal: " + parsed.error().message);
  std::optional<MergedConfig> merged;
  std::string old;
  if (exists) {
    auto text = os::read_file(p.config());
    if (!text) return text.error();
    old = std::move(*text);
    auto m = plan_reinit(p, o, old);
    if (!m) return m.error();
    merged = std::move(*m);
  }
  const fs::path backup = p.dir() / "config.toml.bak";
  const fs::path target = store::store_target(p.db(), std::nullopt);  // DROVER_STORE or the file
  auto caps = write_project(p, target, merged, old, backup);
  if (!caps) return caps.error();
  report_init(ctx, p, store::describe_target(target), exists, merged, backup, *caps);
  return ok_status();
}

}  // namespace

void install_init(CLI::App* cmd, Context& ctx) {
  auto o = std::make_shared<InitOptions>();
  cmd->add_flag("--force", o->force,
                "re-initialise: add missing config keys (your values are kept, the old file goes "
                "to config.toml.bak) and rewrite capabilities; keeps the database. Twice: even "
                "while a supervisor runs");
  on_run(cmd, ctx, [&ctx, o] { return run_init(ctx, *o); });
}

}  // namespace drover::cli
