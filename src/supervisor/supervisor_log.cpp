#include "supervisor/supervisor_log.h"

#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include "os/files.h"
#include "runner/escaping_sink.h"

namespace drover::supervisor {

std::shared_ptr<spdlog::logger> make_supervisor_logger(const ProjectPaths& paths, bool to_stderr) {
  std::vector<spdlog::sink_ptr> sinks;
  // spdlog creates the log (and each one after a rotation) with 0666 & ~umask; like
  // everything under .drover/ it is private (it quotes tasks and agents' errors).
  spdlog::file_event_handlers private_mode;
  private_mode.after_open = [](const spdlog::filename_t&, std::FILE* f) {
    (void)os::make_fd_private(::fileno(f));
  };
  sinks.push_back(runner::escaping_sink(std::make_shared<spdlog::sinks::rotating_file_sink_mt>(
      (paths.logs() / "supervisor.log").string(), 10 * 1024 * 1024, 3, false, private_mode)));
  if (to_stderr || ::isatty(STDERR_FILENO))
    sinks.push_back(runner::escaping_sink(std::make_shared<spdlog::sinks::stderr_sink_mt>()));
  auto log = std::make_shared<spdlog::logger>("supervisor", sinks.begin(), sinks.end());
  log->set_pattern("%Y-%m-%dT%H:%M:%S.%e %l %v");
  log->set_level(spdlog::level::info);
  log->flush_on(spdlog::level::info);
  return log;
}

}  // namespace drover::supervisor
