// drover top [INTERVAL]: the live view, the same as `drover status --watch [INTERVAL]`.
#include <CLI/CLI.hpp>
#include <memory>

#include "cli/context.h"
#include "cli/live_view.h"
#include "cli/registry.h"

namespace drover::cli {

void install_top(CLI::App* cmd, Context& ctx) {
  auto interval = std::make_shared<std::string>();
  cmd->add_option("interval", *interval,
                  "redraw at least this often (default 1s; changes redraw at once)");
  on_run(cmd, ctx, [&ctx, interval]() -> Status {
    auto every = parse_watch_interval(*interval);
    if (!every) return every.error();
    return run_live_view(ctx, *every);
  });
}

}  // namespace drover::cli
