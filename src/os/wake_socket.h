#pragma once
// The CLI→supervisor poke over .drover/supervisor.sock (a unix datagram socket).
#include <filesystem>
#include <string_view>

#include "core/result.h"

namespace drover::os {

// Sends one datagram to the socket. not_found when nobody listens (no file, or
// ECONNREFUSED from a stale socket file); failed for other errors.
Status poke(const std::filesystem::path& socket_path);
// Sends `message` as one datagram (e.g. a shutdown request).
Status poke_with(const std::filesystem::path& socket_path, std::string_view message);

}  // namespace drover::os
