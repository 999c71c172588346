#pragma once
// The long-lived supervisor (SPEC §7): one per project, an Asio loop that starts turns
// for agents with pending mail, woken by pokes on supervisor.sock, child output, timers
// and a fallback poll; recovery at start, graceful shutdown on SIGTERM/SIGINT/`down`.
#include <optional>

#include "core/config.h"
#include "core/paths.h"
#include "core/result.h"
#include "os/process.h"

namespace drover::supervisor {

// Datagrams the CLI sends on supervisor.sock. SIGHUP also reloads config.toml.
inline constexpr char kWake = 'w';
inline constexpr char kDown = 'd';     // shut down gracefully (shutdown_grace)
inline constexpr char kDownNow = 'D';  // shut down now (grace 0)
inline constexpr char kReload = 'r';   // read config.toml again (drover reload)

// What supervisor.pid names (written by a running supervisor; the lock says whether it runs),
// or nullopt when it is missing or unreadable.
std::optional<os::ProcessIdentity> read_supervisor_pid(const ProjectPaths& paths);

// Runs until shut down; returns ok after a clean shutdown. Errc::conflict when another
// supervisor holds the lock (the message names its pid). `log_to_stderr`: the log's lines
// also go to stderr (a supervisor run in the foreground by a person, whatever stderr is);
// otherwise only when stderr is a terminal.
// `host`: this machine's host id on the store (docs/hosts.md).
Status run(const ProjectPaths& paths, const Config& config, const std::string& host,
           bool log_to_stderr = false);

}  // namespace drover::supervisor
