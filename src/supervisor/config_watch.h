#pragma once
// config.toml as a running supervisor follows it (docs/configuration in README, "Changing
// the config"): the file is read again at every wake-up and poll, and parsed when its text
// changed, or always when asked (SIGHUP, `drover reload`). A missing file means every
// default, as for the CLI.
//
// A file being written in place (an editor that truncates and rewrites) can be read half
// written, and an empty file would parse as "every default", dropping the user's runtimes.
// So a good change applies at once, but an invalid one is reported only once two checks at
// least kSettle apart read the same text, and an empty file applies only when asked.
// SIGHUP and `drover reload` apply whatever the file holds, at once.
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

#include "core/clock.h"
#include "core/config.h"
#include "core/result.h"
#include "supervisor/conditions.h"

namespace spdlog {
class logger;
}

namespace drover::supervisor {

class ConfigWatch {
 public:
  explicit ConfigWatch(std::filesystem::path file) : file_(std::move(file)) {}

  static constexpr std::chrono::milliseconds kSettle{250};

  // nullopt: nothing to apply (the text is the one last parsed, or an invalid or empty
  // change that has not settled yet, and `force` is false; or the file cannot be read for a passing
  // shortage — it is tried again later). Otherwise the new config, or the error that names the file
  // and what is wrong with it. `now`: a monotonic time, for the settling.
  std::optional<Result<Config>> check(bool force, SteadyPoint now);
  const std::filesystem::path& file() const { return file_; }

 private:
  std::filesystem::path file_;
  std::optional<std::string> last_text_;
  std::optional<std::string> pending_text_;  // a change seen once, at pending_since_
  SteadyPoint pending_since_{};
};

// What one check means for a running supervisor: a good config applies to the turns
// started from now on (running turns keep theirs) and is logged when it replaces another;
// a bad one leaves the last good one in use, logged once and recorded in `conditions` (which
// `status` shows) until the file is fixed. `why` names who asked (nullptr: the file
// changed). `changed`: `conditions` changed and supervisor.state should be written.
struct FollowedConfig {
  std::optional<Config> config;  // to apply
  bool changed = false;
};
FollowedConfig follow_config(ConfigWatch& watch, Conditions& conditions, spdlog::logger& log,
                             bool force, const char* why, SteadyPoint now);

}  // namespace drover::supervisor
