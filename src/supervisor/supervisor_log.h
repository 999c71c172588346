#pragma once
// The supervisor's log: .drover/logs/supervisor.log (rotated at 10 MiB, three kept, mode
// 0600), and stderr too when `to_stderr` or stderr is a terminal.
#include <memory>

#include "core/paths.h"

namespace spdlog {
class logger;
}

namespace drover::supervisor {

std::shared_ptr<spdlog::logger> make_supervisor_logger(const ProjectPaths& paths, bool to_stderr);

}  // namespace drover::supervisor
