// drover init [--force]: create .drover/ with a complete config, the capability
// definitions and the database (SPEC §1, §6.9).
#include <CLI/CLI.hpp>
#include <memory>

#include "cli/context.h"
#include "cli/registry.h"
#include "core/assets.h"
#include "core/config.h"
#include "os/files.h"

namespace drover::cli {

namespace fs = std::filesystem;

namespace {

struct InitOptions {
  bool force = false;
};

Status run_init(Context& ctx, const InitOptions& o) {
  std::error_code ec;
  fs::path root = ctx.opts.project ? fs::absolute(*ctx.opts.project, ec) : fs::current_path(ec);
  if (ec || !fs::is_directory(root, ec))
    return make_error(Errc::usage, "cannot initialise " + root.string() + ": not a directory");
  ProjectPaths p{root};
  bool exists = fs::exists(p.config(), ec);
  if (exists && !o.force)
    return make_error(Errc::conflict, "drover is already initialised in " + root.string() +
                                          " (use 'drover init --force' to rewrite config.toml "
                                          "and the capability files; the database is kept)");
  // The shipped defaults must parse: never write a config we would then refuse.
  auto parsed = parse_config(default_config_text(), "templates/config.toml");
  if (!parsed) return make_error(Errc::failed, "internal: " + parsed.error().message);

  for (const auto& dir : {p.dir(), p.capabilities(), p.logs(), p.dir() / "agents", p.worktrees()})
    DROVER_TRY(os::make_private_dirs(dir));
  // Create (and migrate) the database before writing config so a failure leaves no
  // config pointing at a database that does not exist.
  // An empty file is a valid empty database; creating it ourselves gives it mode 0600
  // (SQLite then creates -wal and -shm with the same mode).
  if (!fs::exists(p.db(), ec)) DROVER_TRY(os::write_file_atomic(p.db(), "", 0600));
  auto store = store::Store::open(p.db(), store::OpenMode::create);
  if (!store) return store.error();
  DROVER_TRY(os::write_file_atomic(p.config(), default_config_text(), 0600));
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
  ctx.out.info((exists ? "re-initialised drover in " : "initialised drover in ") +
               p.dir().string());
  ctx.out.info("  config:       " + p.config().string());
  ctx.out.info("  database:     " + p.db().string());
  ctx.out.info("  capabilities: " + std::to_string(caps) + " in " + p.capabilities().string());
  ctx.out.info("next: drover mail send --to alice --subject hello --body 'first message'");
  ctx.out.document({{"project", root.string()},
                    {"config", p.config().string()},
                    {"database", p.db().string()},
                    {"capabilities", caps},
                    {"reinitialised", exists}});
  return ok_status();
}

}  // namespace

void install_init(CLI::App* cmd, Context& ctx) {
  auto o = std::make_shared<InitOptions>();
  cmd->add_flag("--force", o->force, "rewrite config.toml and capabilities (keeps the database)");
  on_run(cmd, ctx, [&ctx, o] { return run_init(ctx, *o); });
}

}  // namespace drover::cli
