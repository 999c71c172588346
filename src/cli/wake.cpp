#include "cli/wake.h"

#include <chrono>
#include <iostream>
#include <thread>

#include "cli/supervisor_info.h"
#include "os/daemon.h"
#include "os/wake_socket.h"

namespace drover::cli {

namespace {
constexpr auto kStartTimeout = std::chrono::seconds(10);
}

Status start_supervisor(Context& ctx) {
  auto p = ctx.project();
  if (!p) return p.error();
  if (os::poke(p->supervisor_sock()).ok()) return ok_status();
  auto exe = os::self_exe();
  if (!exe) return exe.error();
  auto pid = os::spawn_detached({exe->string(), "supervise", "--project", p->root.string()},
                                p->logs() / "supervisor.log");
  if (!pid) return pid.error();
  // Return once it accepts pokes; a concurrent starter may win the lock, which is fine.
  auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
  auto pause = std::chrono::milliseconds(1);
  while (std::chrono::steady_clock::now() < deadline) {
    if (os::poke(p->supervisor_sock()).ok()) return ok_status();
    std::this_thread::sleep_for(pause);  // waiting for the new supervisor to bind its socket
    pause = std::min(pause * 2, std::chrono::milliseconds(20));
  }
  return make_error(Errc::failed, "the supervisor did not start within 10s (see " +
                                      (p->logs() / "supervisor.log").string() + ")");
}

void notify_supervisor(Context& ctx, bool may_start) {
  auto p = ctx.project();
  if (!p) return;
  if (os::poke(p->supervisor_sock()).ok()) return;
  if (!may_start) return;
  auto cfg = ctx.config();
  if (!cfg || !cfg->supervisor.autostart) return;
  if (auto st = start_supervisor(ctx); !st && !ctx.out.quiet)
    std::cerr << "drover: warning: " << st.error().message << "\n";
}

}  // namespace drover::cli
