// drover supervise (SPEC §6.8, §7): run the supervisor in the foreground.
#include <CLI/CLI.hpp>

#include "cli/context.h"
#include "cli/registry.h"
#include "supervisor/supervisor.h"

namespace drover::cli {

namespace {

Status run_supervise(Context& ctx) {
  auto p = ctx.project();
  if (!p) return p.error();
  auto cfg = ctx.config();
  if (!cfg) return cfg.error();
  return supervisor::run(*p, *cfg);
}

}  // namespace

void install_supervise(CLI::App* cmd, Context& ctx) {
  on_run(cmd, ctx, [&ctx] { return run_supervise(ctx); });
}

}  // namespace drover::cli
