#include "cli/wake.h"

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "cli/supervisor_info.h"
#include "os/daemon.h"
#include "os/fd_io.h"
#include "os/wake_socket.h"

namespace drover::cli {

namespace {
constexpr auto kStartTimeout = std::chrono::seconds(10);
}

std::string start_failure_report(const Error& e) {
  return std::to_string(static_cast<int>(e.code)) + " " + e.message;
}

Error start_failure_from_report(const std::string& report, const std::string& exit,
                                const std::filesystem::path& log) {
  std::string line = report.substr(0, report.find('\n'));
  auto space = line.find(' ');
  int code = space == std::string::npos ? 0 : std::atoi(line.substr(0, space).c_str());
  if (code >= static_cast<int>(Errc::failed) && code <= static_cast<int>(Errc::project))
    return make_error(static_cast<Errc>(code), line.substr(space + 1));
  return make_error(Errc::failed, "the supervisor exited at once (" + exit +
                                      ") without saying why (see " + log.string() + ")");
}

namespace {

// The read end of a starting supervisor's report pipe, closed on every path.
struct ReportPipe {
  int fd = -1;
  ~ReportPipe() { os::close_fd(fd); }
};

}  // namespace

Status start_supervisor(Context& ctx) {
  auto p = ctx.project();
  if (!p) return p.error();
  if (os::poke(p->supervisor_sock()).ok()) return ok_status();
  auto exe = os::self_exe();
  if (!exe) return exe.error();
  auto log = p->logs() / "supervisor.log";
  std::vector<std::string> argv = {exe->string(), "supervise", "--project", p->root.string()};
  if (ctx.host_flag) argv.insert(argv.end(), {"--host", *ctx.host_flag});
  auto child = os::spawn_detached(argv, log);
  if (!child) return child.error();
  ReportPipe report{child->report};
  // Return once it accepts pokes, or as soon as it reports why it could not start (or
  // exits without a word). A concurrent starter may win the lock, which is fine: then we
  // wait for that one to accept pokes.
  auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
  auto pause = std::chrono::milliseconds(1);
  while (std::chrono::steady_clock::now() < deadline) {
    if (os::poke(p->supervisor_sock()).ok()) return ok_status();
    // waiting for the new supervisor to bind its socket, or to report
    if (report.fd < 0) std::this_thread::sleep_for(pause);
    else if (auto said = os::read_report(report.fd, pause)) {
      os::close_fd(report.fd);
      std::string exit =
          said->empty()
              ? os::wait_exit(child->pid, std::chrono::seconds(1)).value_or("no exit status")
              : std::string();
      Error why = start_failure_from_report(*said, exit, log);
      if (why.code != Errc::conflict) return why;
    }
    pause = std::min(pause * 2, std::chrono::milliseconds(20));
  }
  return make_error(Errc::failed,
                    "the supervisor did not start within 10s (see " + log.string() + ")");
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
