// The supervisor process around its loop (SPEC §7): one per project (supervisor.lock),
// its open-file limit, subreaper, supervisor.pid, database and log.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include "core/text.h"
#include "core/watchdog.h"
#include "os/daemon.h"
#include "os/file_lock.h"
#include "os/files.h"
#include "os/process.h"
#include "runner/containment.h"
#include "store/store.h"
#include "store/target.h"
#include "supervisor/loop.h"
#include "supervisor/shutdown_request.h"
#include "supervisor/supervisor.h"
#include "supervisor/supervisor_log.h"

namespace drover::supervisor {

std::optional<os::ProcessIdentity> read_supervisor_pid(const ProjectPaths& paths) {
  auto text = os::read_file(paths.supervisor_pid());
  if (!text) return std::nullopt;
  auto id = os::parse_pid_file(*text);
  if (!id) return std::nullopt;
  return *id;
}

Status run(const ProjectPaths& paths, const Config& config, const std::string& host,
           bool log_to_stderr) {
  auto lock = os::FileLock::try_acquire(paths.supervisor_lock());
  if (!lock) {
    std::string who;
    if (auto id = read_supervisor_pid(paths)) who = " (pid " + std::to_string(id->pid) + ")";
    return make_error(Errc::conflict, "a supervisor is already running for " + paths.root.string() +
                                          who + " (stop it with 'drover down')");
  }
  os::ignore_sigpipe();
  os::keep_freed_memory();
  os::FdLimit fd_limit = os::raise_fd_limit();
  if (auto st = os::become_child_subreaper(); !st) return st.error();
  if (auto st = os::make_private_dirs(paths.logs()); !st) return st.error();
  auto self = os::read_identity(::getpid());
  if (!self) return self.error();
  if (auto st = os::write_file_atomic(paths.supervisor_pid(), os::format_pid_file(*self), 0600,
                                      os::Durability::volatile_);
      !st)
    return st.error();
  auto store =
      store::Store::open(store::store_target(paths.db(), config.store), store::OpenMode::existing);
  if (!store) return store.error();
  if (auto full = (*store)->read_only()) return *full;  // it could read, not write

  runner::RunnerContext ctx;
  ctx.paths = paths;
  ctx.config = config;
  ctx.store = store->get();
  ctx.host = host;
  ctx.log = make_supervisor_logger(paths, log_to_stderr);
  ctx.log->info(
      "supervisor {} started for {} on host {}: max_concurrent_turns {}, open files {}{}, poll {}, "
      "stall {}, "
      "stop policy: {}",
      ::getpid(), paths.root.string(), host, config.supervisor.max_concurrent_turns, fd_limit.now,
      fd_limit.before != fd_limit.now ? " (raised from " + std::to_string(fd_limit.before) + ")"
                                      : std::string(),
      format_duration(config.supervisor.poll_interval), format_duration(config.turn.stall_timeout),
      describe(default_stop_policy(config.turn.kill_grace)));
  auto containment = runner::open_containment(paths);
  ctx.cgroup = containment.cgroup;
  if (!containment.left_turn_cgroup.empty())
    ctx.log->warn("containment: {}", containment.left_turn_cgroup);
  ctx.log->info("containment: {}", containment.describe());
  Status s = run_loop(ctx);
  runner::close_containment(containment);  // no empty drover cgroup is left behind
  clear_shutdown_request(paths);           // still holding the lock: no later supervisor wrote it
  (void)os::remove_file(paths.supervisor_pid());
  return s;
}

}  // namespace drover::supervisor
