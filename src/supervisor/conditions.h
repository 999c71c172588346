#pragma once
// What a running supervisor wants `status` to show beyond its pid (docs/reliability.md,
// "Transient faults"): starts held back by a resource shortage, and a config.toml it could
// not load. The supervisor writes .drover/supervisor.state (atomically) at start and
// whenever a condition begins, changes or ends, and removes it when it exits; the file
// names the supervisor it is from, so one left by a killed supervisor is ignored.
// `drover reload` also reads `config_generation` from it to see its request handled.
#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/paths.h"
#include "core/result.h"
#include "core/spawn_backoff.h"

namespace drover::supervisor {

struct SpawnShortage {
  std::string since;                    // when the episode began (timestamp)
  std::string cause;                    // the first shortage, e.g. "… Too many open files"
  int limit = 0;                        // turns allowed now
  int max = 0;                          // the configured max_concurrent_turns
  int deferred = 0;                     // starts deferred so far
  std::optional<std::string> retry_at;  // when starts are tried again, while held back
};

struct ConfigError {
  std::string since;    // when the file was first seen invalid (timestamp)
  std::string message;  // "<file>:<line>:<column>: …" or "<file>: <key>: …"
};

struct Conditions {
  pid_t supervisor = 0;
  std::int64_t config_generation = 0;  // one more for every load of config.toml, good or bad
  std::optional<std::string> config_loaded_at;  // when the config in use was loaded
  std::optional<SpawnShortage> spawns;
  std::optional<ConfigError> config_error;  // the last good config stays in use meanwhile
};

// The backoff's current episode as `status` shows it (nullopt outside one); `since` is
// when it began, `now` the backoff's clock.
std::optional<SpawnShortage> shortage_of(const SpawnBackoff& backoff, const std::string& since,
                                         int max, SteadyPoint now);

std::string format_conditions(const Conditions& c);  // one JSON object
std::optional<Conditions> parse_conditions(std::string_view text);

Status write_conditions(const ProjectPaths& paths, const Conditions& c);
// The file's conditions if it is from `supervisor`, else nullopt.
std::optional<Conditions> read_conditions(const ProjectPaths& paths, pid_t supervisor);
void clear_conditions(const ProjectPaths& paths);

}  // namespace drover::supervisor
