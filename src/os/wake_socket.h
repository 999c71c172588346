#pragma once
// The CLI→supervisor poke over .drover/supervisor.sock (a unix datagram socket).
#include <filesystem>

#include "core/result.h"

namespace drover::os {

// Sends one datagram to the socket. not_found when nobody listens (no file, or
// ECONNREFUSED from a stale socket file); failed for other errors.
Status poke(const std::filesystem::path& socket_path);

}  // namespace drover::os
