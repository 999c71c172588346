// drover reload (README "Changing the config"): the running supervisor reads config.toml
// again now, and this command reports what it made of it. (It also does so by itself when
// the file changes, and on SIGHUP.)
#include <CLI/CLI.hpp>
#include <chrono>
#include <thread>

#include "cli/context.h"
#include "cli/registry.h"
#include "cli/supervisor_info.h"
#include "os/wake_socket.h"
#include "supervisor/conditions.h"
#include "supervisor/supervisor.h"

namespace drover::cli {

namespace {

constexpr auto kAnswerTimeout = std::chrono::seconds(10);

std::int64_t generation(const ProjectPaths& p, pid_t pid) {
  auto c = supervisor::read_conditions(p, pid);
  return c ? c->config_generation : 0;
}

// Waits until the supervisor has loaded the file once more than `before`.
std::optional<supervisor::Conditions> await_load(const ProjectPaths& p, pid_t pid,
                                                 std::int64_t before) {
  auto deadline = std::chrono::steady_clock::now() + kAnswerTimeout;
  while (std::chrono::steady_clock::now() < deadline) {
    auto c = supervisor::read_conditions(p, pid);
    if (c && c->config_generation > before) return c;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // its loop answers in ms
  }
  return std::nullopt;
}

Status run_reload(Context& ctx) {
  auto p = ctx.project();
  if (!p) return p.error();
  auto cfg = ctx.config();  // the same parser the supervisor uses
  auto info = read_supervisor_info(*p);
  if (!info.running || !info.identity) {
    if (!cfg) return cfg.error();
    ctx.out.document({{"running", false}, {"reloaded", false}});
    ctx.out.info("supervisor is not running; " + p->config().string() +
                 " is valid and the next supervisor reads it ('drover up' starts one)");
    return ok_status();
  }
  pid_t pid = info.identity->pid;
  std::int64_t before = generation(*p, pid);
  const char msg[] = {supervisor::kReload};
  DROVER_TRY(os::poke_with(p->supervisor_sock(), std::string_view(msg, 1)));
  auto after = await_load(*p, pid, before);
  if (!after)
    return make_error(Errc::failed, "the supervisor (pid " + std::to_string(pid) +
                                        ") did not confirm the reload within 10s; it reads " +
                                        p->config().string() + " again at its next poll (see " +
                                        (p->logs() / "supervisor.log").string() + ")");
  if (after->config_error)
    return make_error(Errc::project, after->config_error->message +
                                         " (the supervisor keeps its last good config; fix the "
                                         "file and run 'drover reload' again)");
  ctx.out.document({{"running", true},
                    {"reloaded", true},
                    {"pid", pid},
                    {"config_loaded_at", after->config_loaded_at.value_or("")}});
  ctx.out.info("supervisor (pid " + std::to_string(pid) + ") reloaded " + p->config().string() +
               "; turns started from now on use it");
  return ok_status();
}

}  // namespace

void install_reload(CLI::App* cmd, Context& ctx) {
  on_run(cmd, ctx, [&ctx] { return run_reload(ctx); });
}

}  // namespace drover::cli
