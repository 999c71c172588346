// drover up / down [--now] (SPEC §6.8, §7): start the supervisor in the background, and
// stop it (waiting until its lock drops).
#include <CLI/CLI.hpp>
#include <chrono>
#include <memory>
#include <thread>

#include "cli/context.h"
#include "cli/registry.h"
#include "cli/supervisor_info.h"
#include "cli/wake.h"
#include "os/file_lock.h"
#include "os/wake_socket.h"
#include "supervisor/shutdown_request.h"
#include "supervisor/supervisor.h"

namespace drover::cli {

namespace {

Status run_up(Context& ctx) {
  auto p = ctx.project();
  if (!p) return p.error();
  auto cfg = ctx.config();
  if (!cfg) return cfg.error();
  if (auto host = ctx.host_id(); !host) return host.error();
  bool was_running = read_supervisor_info(*p).running;
  DROVER_TRY(start_supervisor(ctx));
  auto info = read_supervisor_info(*p);
  nlohmann::json pid = info.identity ? nlohmann::json(info.identity->pid) : nlohmann::json(nullptr);
  ctx.out.document({{"running", true}, {"pid", pid}, {"already_running", was_running}});
  ctx.out.info(std::string(was_running ? "supervisor already running" : "supervisor started") +
               (info.identity ? " (pid " + std::to_string(info.identity->pid) + ")" : ""));
  return ok_status();
}

Status run_down(Context& ctx, bool now) {
  auto p = ctx.project();
  if (!p) return p.error();
  auto cfg = ctx.config_or_defaults();
  if (!cfg) return cfg.error();
  if (!read_supervisor_info(*p).running) {
    ctx.out.document({{"running", false}, {"was_running", false}});
    ctx.out.info("supervisor is not running");
    return ok_status();
  }
  // The request is durable: the supervisor finds it at its next wake-up or poll even when
  // the poke below is lost (a full socket queue drops it). When it cannot be written (a
  // full disk) the poke alone must do: stopping is what frees the disk.
  Status written = ok_status();
  if (auto pid = supervisor::read_supervisor_pid(*p))
    written = supervisor::write_shutdown_request(*p, {pid->pid, now});
  const char msg[] = {now ? supervisor::kDownNow : supervisor::kDown};
  auto poked = os::poke_with(p->supervisor_sock(), std::string_view(msg, 1));
  if (!written && !poked) return written.error();
  if (!poked && poked.error().code != Errc::not_found) return poked.error();
  auto limit = (now ? std::chrono::milliseconds(0) : cfg->supervisor.shutdown_grace) +
               cfg->turn.kill_grace + std::chrono::seconds(15);
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (os::is_locked(p->supervisor_lock())) {
    if (std::chrono::steady_clock::now() > deadline)
      return make_error(Errc::failed, "the supervisor did not stop in time (see " +
                                          (p->logs() / "supervisor.log").string() + ")");
    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // waiting for its lock to drop
  }
  ctx.out.document({{"running", false}, {"was_running", true}});
  ctx.out.info("supervisor stopped");
  return ok_status();
}

}  // namespace

void install_up(CLI::App* cmd, Context& ctx) {
  cmd->add_option("--host", ctx.host_flag,
                  "this machine's name among hosts sharing the store (default: $DROVER_HOST, "
                  "else the hostname)");
  on_run(cmd, ctx, [&ctx] { return run_up(ctx); });
}

void install_down(CLI::App* cmd, Context& ctx) {
  auto now = std::make_shared<bool>(false);
  cmd->add_flag("--now", *now, "interrupt running turns at once");
  on_run(cmd, ctx, [&ctx, now] { return run_down(ctx, *now); });
}

}  // namespace drover::cli
