#pragma once
// The durable shutdown request (SPEC §6.8): `drover down` writes .drover/supervisor.down
// before it pokes the supervisor, and the supervisor looks for it at every wake-up and
// every poll, so a poke lost to a full socket queue cannot lose the request. The file
// names the supervisor it is for: one left by an earlier supervisor is stale.
#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>

#include "core/paths.h"
#include "core/result.h"

namespace drover::supervisor {

struct ShutdownRequest {
  pid_t supervisor = 0;  // the pid of the supervisor asked to stop
  bool now = false;      // down --now: interrupt running turns at once
};

// "<pid> graceful|now\n"
std::string format_shutdown_request(const ShutdownRequest& r);
std::optional<ShutdownRequest> parse_shutdown_request(std::string_view text);

Status write_shutdown_request(const ProjectPaths& paths, const ShutdownRequest& r);
// nullopt when there is none (or it cannot be parsed).
std::optional<ShutdownRequest> read_shutdown_request(const ProjectPaths& paths);
void clear_shutdown_request(const ProjectPaths& paths);

}  // namespace drover::supervisor
