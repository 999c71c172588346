#include "cli/supervisor_info.h"

#include <chrono>
#include <filesystem>

#include "core/clock.h"
#include "os/file_lock.h"
#include "os/files.h"

namespace drover::cli {

SupervisorInfo read_supervisor_info(const ProjectPaths& p) {
  SupervisorInfo info;
  info.running = os::is_locked(p.supervisor_lock());
  if (!info.running) return info;
  if (auto text = os::read_file(p.supervisor_pid())) {
    if (auto id = os::parse_pid_file(*text)) info.identity = *id;
    std::error_code ec;
    auto mtime = std::filesystem::last_write_time(p.supervisor_pid(), ec);
    if (!ec) {
      auto sys = std::chrono::file_clock::to_sys(mtime);
      info.started_at = format_timestamp(std::chrono::time_point_cast<std::chrono::system_clock::duration>(sys));
    }
  }
  return info;
}

}  // namespace drover::cli
