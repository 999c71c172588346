#include "cli/supervisor_info.h"

#include <chrono>
#include <filesystem>

#include "core/clock.h"
#include "os/file_lock.h"
#include "os/files.h"
#include "supervisor/supervisor.h"

namespace drover::cli {

SupervisorInfo read_supervisor_info(const ProjectPaths& p) {
  SupervisorInfo info;
  info.running = os::is_locked(p.supervisor_lock());
  if (!info.running) return info;
  info.identity = supervisor::read_supervisor_pid(p);
  if (info.identity) info.conditions = supervisor::read_conditions(p, info.identity->pid);
  std::error_code ec;
  auto mtime = std::filesystem::last_write_time(p.supervisor_pid(), ec);
  if (!ec) {
    auto sys = std::chrono::file_clock::to_sys(mtime);
    info.started_at =
        format_timestamp(std::chrono::time_point_cast<std::chrono::system_clock::duration>(sys));
  }
  return info;
}

}  // namespace drover::cli
