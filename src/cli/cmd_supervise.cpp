// drover supervise (SPEC §6.8, §7): run the supervisor in the foreground.
#include <CLI/CLI.hpp>

#include "cli/context.h"
#include "cli/registry.h"
#include "cli/wake.h"
#include "os/daemon.h"
#include "supervisor/supervisor.h"

namespace drover::cli {

namespace {

// `foreground`: run by a person (not by `drover up`): the log goes to stderr as well, so
// `drover supervise 2>&1 | tee` shows it.
Status supervise(Context& ctx, bool foreground) {
  auto p = ctx.project();
  if (!p) return p.error();
  auto cfg = ctx.config();
  if (!cfg) return cfg.error();
  auto host = ctx.host_id();
  if (!host) return host.error();
  return supervisor::run(*p, *cfg, *host, foreground);
}

// Started by `drover up` (or autostart): a failure goes back on the report pipe as well,
// since the log it would otherwise only reach may be unwritable (a full disk).
Status run_supervise(Context& ctx) {
  int report = os::take_report_fd();
  Status s = supervise(ctx, report < 0);
  if (!s) os::send_report(report, start_failure_report(s.error()));
  return s;
}

}  // namespace

void install_supervise(CLI::App* cmd, Context& ctx) {
  cmd->add_option("--host", ctx.host_flag,
                  "this machine's name among hosts sharing the store (default: $DROVER_HOST, "
                  "else the hostname)");
  on_run(cmd, ctx, [&ctx] { return run_supervise(ctx); });
}

}  // namespace drover::cli
